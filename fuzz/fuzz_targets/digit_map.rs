//! Fuzz digit-map parsing, matching and collection. Input: map text, a
//! newline, then dialled events (`T` = a timer expiry). Properties: no
//! panic; a parsed map prints to text that parses back equal; when the
//! collector ends on a digit (not a timer, not the length limit), its
//! verdict agrees with `DigitMap::check` on the collected digits.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use openphone_sal::{DigitCollector, DigitMap, DigitMatch, DigitTimers, MAX_COLLECTED_EVENTS};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (text, dialled) = s.split_once('\n').unwrap_or((s, ""));
    let Ok(map) = DigitMap::parse(text) else {
        return;
    };
    let printed = map.to_string();
    assert_eq!(DigitMap::parse(&printed).as_ref(), Ok(&map), "{printed}");
    let _ = map.check(dialled);

    let t0 = Instant::now();
    let mut now = t0;
    let mut c = DigitCollector::new(map.clone(), DigitTimers::default(), t0);
    for ev in dialled.chars() {
        now += Duration::from_millis(100);
        let result = if ev == 'T' {
            match c.poll_timeout() {
                Some(due) => {
                    now = now.max(due);
                    c.handle_timeout(now)
                }
                None => None,
            }
        } else {
            c.handle_digit(now, ev).ok().flatten()
        };
        if let Some(got) = result {
            if !got.timer_expired && got.digits.chars().count() < MAX_COLLECTED_EVENTS {
                let expected = if got.matched {
                    DigitMatch::Complete
                } else {
                    DigitMatch::NoMatch
                };
                assert_eq!(map.check(&got.digits), expected, "{printed} {got:?}");
            }
            break;
        }
    }
});
