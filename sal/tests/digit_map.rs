//! Property tests for digit maps, against an independent backtracking
//! matcher written here from the RFC 3435 §2.1.5 definitions.

use std::time::{Duration, Instant};

use openphone_sal::{DigitCollector, DigitMap, DigitMatch, DigitTimers};
use proptest::prelude::*;

/// One position of a generated pattern: the symbols it accepts (as a
/// string of event characters) and whether it repeats.
#[derive(Debug, Clone)]
struct Pos {
    symbols: Vec<char>,
    repeat: bool,
    text: String,
}

const EVENTS: &str = "0123456789*#ABCDT";

fn position() -> impl Strategy<Value = Pos> {
    let letter = prop::sample::select(EVENTS.chars().collect::<Vec<_>>()).prop_map(|c| {
        let text = if c.is_ascii_alphabetic() && c != 'T' {
            // Exercise case-insensitivity.
            c.to_ascii_lowercase().to_string()
        } else {
            c.to_string()
        };
        (vec![c], text)
    });
    let wildcard = Just(("0123456789".chars().collect::<Vec<_>>(), "x".to_string()));
    let range = (
        0u8..10,
        0u8..10,
        prop::collection::vec(prop::sample::select(vec!['#', '*', 'A', 'd', 'T']), 0..3),
    )
        .prop_map(|(a, b, extra)| {
            let (lo, hi) = (a.min(b), a.max(b));
            let mut symbols: Vec<char> = (lo..=hi).map(|d| char::from(b'0' + d)).collect();
            symbols.extend(extra.iter().map(|c| c.to_ascii_uppercase()));
            (
                symbols,
                format!("[{lo}-{hi}{}]", extra.iter().collect::<String>()),
            )
        });
    (
        prop_oneof![4 => letter, 2 => wildcard, 2 => range],
        prop::bool::weighted(0.2),
    )
        .prop_map(|((symbols, mut text), repeat)| {
            if repeat {
                text.push('.');
            }
            Pos {
                symbols,
                repeat,
                text,
            }
        })
}

fn patterns() -> impl Strategy<Value = Vec<Vec<Pos>>> {
    prop::collection::vec(prop::collection::vec(position(), 1..6), 1..5)
}

fn map_text(patterns: &[Vec<Pos>]) -> String {
    let alts: Vec<String> = patterns
        .iter()
        .map(|p| p.iter().map(|e| e.text.as_str()).collect())
        .collect();
    format!("({})", alts.join("|"))
}

/// Every end position `pattern[i..]` can reach after consuming `s`,
/// by plain backtracking. `pattern.len()` in the result means "matched".
fn ends(pattern: &[Pos], i: usize, s: &[char], out: &mut Vec<usize>) {
    if s.is_empty() {
        out.push(i);
    }
    let Some(e) = pattern.get(i) else {
        return;
    };
    if e.repeat {
        ends(pattern, i + 1, s, out); // zero occurrences
    }
    if let Some((c, rest)) = s.split_first() {
        if e.symbols.contains(c) {
            ends(pattern, if e.repeat { i } else { i + 1 }, rest, out);
        }
    }
}

/// The classification RFC 3435 §2.1.5 / the DigitMatch docs define,
/// computed with the backtracking matcher.
fn oracle(patterns: &[Vec<Pos>], dialled: &[char]) -> DigitMatch {
    let (mut exact, mut extend, mut timer) = (false, false, false);
    let with_t: Vec<char> = dialled.iter().copied().chain(['T']).collect();
    for p in patterns {
        let mut e = Vec::new();
        ends(p, 0, dialled, &mut e);
        exact |= e.contains(&p.len());
        extend |= e.iter().any(|&i| i < p.len());
        let mut t = Vec::new();
        ends(p, 0, &with_t, &mut t);
        timer |= t.contains(&p.len());
    }
    match (exact, extend, timer) {
        (true, true, _) => DigitMatch::CompleteOnTimeout,
        (true, false, _) => DigitMatch::Complete,
        (false, _, true) => DigitMatch::CompleteOnTimeout,
        (false, true, false) => DigitMatch::Partial,
        (false, false, false) => DigitMatch::NoMatch,
    }
}

/// A dial string generated from `pattern`, choosing symbols and repeat
/// counts from `choices`.
fn generate(pattern: &[Pos], choices: &[u8]) -> String {
    let mut it = choices.iter().copied().cycle();
    let mut out = String::new();
    for e in pattern {
        let times = if e.repeat {
            usize::from(it.next().unwrap_or(0) % 3)
        } else {
            1
        };
        for _ in 0..times {
            let pick = usize::from(it.next().unwrap_or(0)) % e.symbols.len();
            out.push(e.symbols[pick]);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,80}", dialled in ".{0,20}") {
        if let Ok(map) = DigitMap::parse(&text) {
            let _ = map.check(&dialled);
            prop_assert_eq!(DigitMap::parse(&map.to_string()), Ok(map));
        }
    }

    #[test]
    fn near_miss_syntax_never_panics(text in "[0-9xXtTa-dA-D#*.|()\\[\\] -]{0,60}", dialled in "[0-9a-dA-D#*Tt]{0,16}") {
        if let Ok(map) = DigitMap::parse(&text) {
            let _ = map.check(&dialled);
            prop_assert_eq!(DigitMap::parse(&map.to_string()), Ok(map));
        }
    }

    #[test]
    fn generated_strings_match(pats in patterns(), which in any::<prop::sample::Index>(), choices in prop::collection::vec(any::<u8>(), 1..16)) {
        let text = map_text(&pats);
        let map = DigitMap::parse(&text).expect("generated maps are valid");
        let pattern = &pats[which.index(pats.len())];
        let dialled = generate(pattern, &choices);
        let verdict = map.check(&dialled);
        prop_assert!(
            matches!(verdict, DigitMatch::Complete | DigitMatch::CompleteOnTimeout),
            "{} on {:?}: {:?}", text, dialled, verdict
        );
        // No prefix of a matching string is hopeless.
        for end in 0..dialled.len() {
            prop_assert_ne!(map.check(&dialled[..end]), DigitMatch::NoMatch);
        }
    }

    #[test]
    fn check_agrees_with_backtracking(pats in patterns(), dialled in prop::collection::vec(prop::sample::select(EVENTS.chars().collect::<Vec<_>>()), 0..10)) {
        let map = DigitMap::parse(&map_text(&pats)).expect("generated maps are valid");
        let s: String = dialled.iter().collect();
        prop_assert_eq!(map.check(&s), oracle(&pats, &dialled), "{} on {:?}", map, s);
    }

    #[test]
    fn check_agrees_with_backtracking_near_matches(
        pats in patterns(),
        which in any::<prop::sample::Index>(),
        choices in prop::collection::vec(any::<u8>(), 1..16),
        cut in any::<prop::sample::Index>(),
        extra in prop::option::of(prop::sample::select(EVENTS.chars().collect::<Vec<_>>())),
    ) {
        // Prefixes of matching strings, with maybe one more symbol: these
        // land on every outcome, where random strings are mostly NoMatch.
        let map = DigitMap::parse(&map_text(&pats)).expect("generated maps are valid");
        let mut dialled: Vec<char> = generate(&pats[which.index(pats.len())], &choices).chars().collect();
        dialled.truncate(cut.index(dialled.len() + 1));
        dialled.extend(extra);
        let s: String = dialled.iter().collect();
        prop_assert_eq!(map.check(&s), oracle(&pats, &dialled), "{} on {:?}", map, s);
    }

    #[test]
    fn collector_verdict_agrees_with_check(pats in patterns(), events in "[0-9A-D#*T]{0,24}") {
        // The fuzz target's property, over generated maps: a collection
        // that ends on a digit reports what `check` says of its digits.
        let map = DigitMap::parse(&map_text(&pats)).expect("generated maps are valid");
        let t0 = Instant::now();
        let mut c = DigitCollector::new(map.clone(), DigitTimers::default(), t0);
        for ev in events.chars() {
            let result = if ev == 'T' {
                let due = c.poll_timeout().expect("running until finished");
                c.handle_timeout(due)
            } else {
                c.handle_digit(t0, ev).expect("valid digit")
            };
            if let Some(got) = result {
                if !got.timer_expired {
                    let expected = if got.matched { DigitMatch::Complete } else { DigitMatch::NoMatch };
                    prop_assert_eq!(map.check(&got.digits), expected, "{} {:?}", map, got);
                }
                prop_assert!(c.is_finished() && c.poll_timeout().is_none());
                break;
            }
        }
    }

    #[test]
    fn collector_reports_matched_for_generated_strings(pats in patterns(), which in any::<prop::sample::Index>(), choices in prop::collection::vec(any::<u8>(), 1..16)) {
        let map = DigitMap::parse(&map_text(&pats)).expect("generated maps are valid");
        let pattern = &pats[which.index(pats.len())];
        let events = generate(pattern, &choices);
        let t0 = Instant::now();
        let mut now = t0;
        let mut c = DigitCollector::new(map, DigitTimers::default(), t0);
        let mut result = None;
        for ev in events.chars() {
            if result.is_some() {
                // It may end early, but only on a match: checked below.
                break;
            }
            now += Duration::from_millis(200);
            result = if ev == 'T' {
                // A timer expiry: wake up exactly at the deadline.
                let due = c.poll_timeout().expect("a timer runs while collecting");
                prop_assert!(due >= now);
                now = due;
                c.handle_timeout(now)
            } else {
                c.handle_digit(now, ev).expect("generated digits are valid")
            };
        }
        if result.is_none() {
            // Complete on timeout: the running timer ends it.
            let due = c.poll_timeout().expect("timer after a partial match");
            result = c.handle_timeout(due);
        }
        let got = result.expect("collection finished");
        prop_assert!(got.matched, "{:?} -> {:?}", events, got);
        let digits: String = events.chars().filter(|&e| e != 'T').collect();
        // A string that already matches when a timer expires ends the
        // collection early; the digits are then a prefix.
        prop_assert!(digits.starts_with(&got.digits), "{:?} vs {:?}", digits, got.digits);
    }
}

/// The near-match generator reaches every outcome (so the differential
/// test above is not only comparing `NoMatch`es).
#[test]
fn near_match_generator_covers_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let mut seen = [false; 4];
    for _ in 0..2000 {
        let pats = patterns().new_tree(&mut runner).expect("tree").current();
        let map = DigitMap::parse(&map_text(&pats)).expect("valid");
        let choices: Vec<u8> = prop::collection::vec(any::<u8>(), 1..16)
            .new_tree(&mut runner)
            .expect("tree")
            .current();
        let full = generate(&pats[0], &choices);
        for end in 0..=full.len() {
            let idx = match map.check(&full[..end]) {
                DigitMatch::Complete => 0,
                DigitMatch::CompleteOnTimeout => 1,
                DigitMatch::Partial => 2,
                DigitMatch::NoMatch => 3,
            };
            seen[idx] = true;
        }
        let bad = format!("{full}#9");
        if map.check(&bad) == DigitMatch::NoMatch {
            seen[3] = true;
        }
    }
    assert_eq!(seen, [true; 4]);
}
