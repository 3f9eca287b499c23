//! Unit tests: parsing, printing, classification and the collector.

use std::time::{Duration, Instant};

use super::*;

/// The example map of RFC 3435 §2.1.5.
const RFC_MAP: &str = "(0T|00T|[1-7]xxx|8xxxxxxx|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)";

fn map(text: &str) -> DigitMap {
    DigitMap::parse(text).expect("test map parses")
}

#[test]
fn rfc_example_classification() {
    let m = map(RFC_MAP);
    assert_eq!(m.len(), 8);
    let cases = [
        ("", DigitMatch::Partial),
        ("0", DigitMatch::CompleteOnTimeout),
        ("00", DigitMatch::CompleteOnTimeout),
        ("0T", DigitMatch::Complete),
        ("00T", DigitMatch::Complete),
        ("000", DigitMatch::NoMatch),
        ("1", DigitMatch::Partial),
        ("123", DigitMatch::Partial),
        ("1234", DigitMatch::Complete),
        ("12345", DigitMatch::NoMatch),
        ("8123456", DigitMatch::Partial),
        ("81234567", DigitMatch::Complete),
        ("#1234567", DigitMatch::Complete),
        ("*69", DigitMatch::Complete),
        ("*6", DigitMatch::Partial),
        ("9", DigitMatch::Partial),
        ("91", DigitMatch::Partial),
        ("915551234567", DigitMatch::Complete),
        // "x." is zero or more digits: "9011" already completes on timeout.
        ("9011", DigitMatch::CompleteOnTimeout),
        ("901144", DigitMatch::CompleteOnTimeout),
        ("901144T", DigitMatch::Complete),
        ("92", DigitMatch::NoMatch),
        ("1T", DigitMatch::NoMatch),
        ("T", DigitMatch::NoMatch),
        ("12e", DigitMatch::NoMatch),
    ];
    for (dialled, expected) in cases {
        assert_eq!(m.check(dialled), expected, "{dialled:?}");
    }
}

#[test]
fn overlapping_patterns_wait_for_the_longer_one() {
    let m = map("(123|1234)");
    assert_eq!(m.check("123"), DigitMatch::CompleteOnTimeout);
    assert_eq!(m.check("1234"), DigitMatch::Complete);
    let m = map("x.#");
    assert_eq!(m.check("555"), DigitMatch::Partial);
    assert_eq!(m.check("555#"), DigitMatch::Complete);
    assert_eq!(m.check("#"), DigitMatch::Complete); // nothing can follow the #
    let m = map("xx#");
    assert_eq!(m.check("55#"), DigitMatch::Complete);
}

#[test]
fn ranges_and_letters() {
    let m = map("([2-9#]|[abcdT]x|[x*]9)");
    assert_eq!(m.check("#"), DigitMatch::Complete);
    assert_eq!(m.check("1"), DigitMatch::Partial); // [x*]9
    assert_eq!(m.check("#1"), DigitMatch::NoMatch);
    assert_eq!(m.check("11"), DigitMatch::NoMatch);
    assert_eq!(m.check("b7"), DigitMatch::Complete);
    assert_eq!(m.check("B"), DigitMatch::Partial);
    assert_eq!(m.check("T3"), DigitMatch::Complete);
    assert_eq!(m.check("19"), DigitMatch::Complete);
    assert_eq!(m.check("*9"), DigitMatch::Complete);
    // "2" completes [2-9#] and "29" would complete [x*]9.
    assert_eq!(m.check("2"), DigitMatch::CompleteOnTimeout);
}

#[test]
fn parse_accepts_blanks_around_tokens_and_bare_lists() {
    let a = map(" ( 0T | [ 1-7 ]xxx ) ");
    let b = map("(0T|[1-7]xxx)");
    assert_eq!(a, b);
    assert_eq!(map("0T|[1-7]xxx"), b);
    assert_eq!(map("(0t|[1-7]XXX)"), b);
}

#[test]
fn parse_errors_carry_positions() {
    use DigitMapError::*;
    let cases: [(&str, DigitMapError); 18] = [
        ("", Empty),
        ("  ", Empty),
        ("()", EmptyPattern { position: 1 }),
        ("(1||2)", EmptyPattern { position: 3 }),
        ("(1|2|)", EmptyPattern { position: 5 }),
        ("(12", UnclosedParenthesis { position: 0 }),
        (
            "12)",
            Unexpected {
                position: 2,
                found: ')',
            },
        ),
        (".1", MisplacedDot { position: 0 }),
        ("1..", MisplacedDot { position: 2 }),
        ("[12", UnclosedBracket { position: 0 }),
        ("1[]", EmptyRange { position: 1 }),
        ("[5-2]", BadSubrange { position: 1 }),
        ("[1-]", BadSubrange { position: 1 }),
        ("[1-#]", BadSubrange { position: 1 }),
        ("[A-D]", BadSubrange { position: 1 }),
        (
            "12E",
            Unexpected {
                position: 2,
                found: 'E',
            },
        ),
        (
            "1 2",
            Unexpected {
                position: 2,
                found: '2',
            },
        ),
        (
            "(1)(2)",
            Unexpected {
                position: 3,
                found: '(',
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(DigitMap::parse(text), Err(expected), "{text:?}");
    }
    assert_eq!(
        DigitMap::parse("[1é]"),
        Err(Unexpected {
            position: 2,
            found: 'é'
        })
    );
}

#[test]
fn parse_enforces_bounds() {
    let max = format!("({})", vec!["1"; MAX_PATTERNS].join("|"));
    assert_eq!(map(&max).len(), MAX_PATTERNS);
    let over = format!("({})", vec!["1"; MAX_PATTERNS + 1].join("|"));
    assert_eq!(DigitMap::parse(&over), Err(DigitMapError::TooManyPatterns));
    let long = "1".repeat(MAX_MAP_LEN);
    assert!(DigitMap::parse(&long).is_ok());
    let too_long = "1".repeat(MAX_MAP_LEN + 1);
    assert_eq!(
        DigitMap::parse(&too_long),
        Err(DigitMapError::TooLong {
            length: MAX_MAP_LEN + 1
        })
    );
    let blanks = " ".repeat(MAX_MAP_LEN + 1);
    assert_eq!(
        DigitMap::parse(&blanks),
        Err(DigitMapError::TooLong {
            length: MAX_MAP_LEN + 1
        })
    );
}

#[test]
fn display_is_canonical() {
    let cases = [
        (
            "(0t|00T|[1-7]xxx|8xxxxxxx|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)",
            RFC_MAP,
        ),
        ("[0-9]", "x"),
        ("[0123456789]", "x"),
        ("[1]", "1"),
        ("[13-5#*]", "[13-5*#]"),
        ("[12345]", "[1-5]"),
        ("[1-35-9]", "[1-35-9]"),
        ("[12]", "[12]"),
        ("[xA]", "[0-9A]"),
        ("[dT]", "[DT]"),
        ("(x.)", "x."),
    ];
    for (input, printed) in cases {
        let m = map(input);
        assert_eq!(m.to_string(), printed, "{input:?}");
        assert_eq!(map(printed), m, "{input:?} round trip");
    }
}

// --- collector ---

const S: fn(u64) -> Duration = Duration::from_secs;

fn collector(text: &str, t0: Instant) -> DigitCollector {
    DigitCollector::new(map(text), DigitTimers::default(), t0)
}

fn dial(c: &mut DigitCollector, now: Instant, digits: &str) -> Option<Collected> {
    let mut last = None;
    for d in digits.chars() {
        assert!(last.is_none(), "collection ended before {d:?}");
        last = c.handle_digit(now, d).expect("valid digit");
    }
    last
}

#[test]
fn default_timers_are_rfc_values() {
    let t = DigitTimers::default();
    assert_eq!((t.start, t.short, t.long), (S(16), S(4), S(16)));
}

#[test]
fn complete_reports_at_once() {
    let t0 = Instant::now();
    let mut c = collector(RFC_MAP, t0);
    assert_eq!(c.poll_timeout(), Some(t0 + S(16)));
    let got = dial(&mut c, t0 + S(1), "1234").expect("complete");
    assert_eq!(got.digits, "1234");
    assert!(got.matched && !got.timer_expired);
    assert!(c.is_finished());
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(
        c.handle_digit(t0, '5'),
        Err(DigitMapError::CollectionFinished)
    );
}

#[test]
fn timers_follow_the_match_state() {
    let t0 = Instant::now();
    let mut c = collector(RFC_MAP, t0);
    assert_eq!(dial(&mut c, t0 + S(2), "9"), None);
    assert_eq!(
        c.poll_timeout(),
        Some(t0 + S(2) + S(16)),
        "partial: long timer"
    );
    assert_eq!(dial(&mut c, t0 + S(3), "011"), None);
    assert_eq!(
        c.poll_timeout(),
        Some(t0 + S(3) + S(4)),
        "T completes: short timer"
    );
    // Early wake-ups do nothing.
    assert_eq!(c.handle_timeout(t0 + S(5)), None);
    assert_eq!(dial(&mut c, t0 + S(6), "4420"), None);
    let due = c.poll_timeout().expect("short timer");
    assert_eq!(due, t0 + S(10));
    let got = c.handle_timeout(due).expect("finished");
    assert_eq!(got.digits, "90114420");
    assert!(got.matched && got.timer_expired);
}

#[test]
fn no_match_reports_at_once_unmatched() {
    let t0 = Instant::now();
    let mut c = collector(RFC_MAP, t0);
    let got = dial(&mut c, t0, "000").expect("impossible match");
    assert_eq!(got.digits, "000");
    assert!(!got.matched && !got.timer_expired);
}

#[test]
fn long_timer_expiry_is_unmatched() {
    let t0 = Instant::now();
    let mut c = collector(RFC_MAP, t0);
    assert_eq!(dial(&mut c, t0, "91"), None);
    let due = c.poll_timeout().expect("long timer");
    let got = c.handle_timeout(due).expect("finished");
    assert_eq!(
        (got.digits.as_str(), got.matched, got.timer_expired),
        ("91", false, true)
    );
}

#[test]
fn start_timer_without_digits() {
    let t0 = Instant::now();
    let mut c = collector(RFC_MAP, t0);
    let got = c.handle_timeout(t0 + S(16)).expect("start timer expired");
    assert_eq!((got.digits.as_str(), got.matched), ("", false));
    // A warm line: "T" alone matches, so no digits within the start timer
    // is a match (the call agent then routes to the warm-line number).
    let mut warm = collector("(T|x.#)", t0);
    let got = warm.handle_timeout(t0 + S(16)).expect("finished");
    assert_eq!((got.digits.as_str(), got.matched), ("", true));
}

#[test]
fn policy_first_match_reports_shortest() {
    let t0 = Instant::now();
    let mut wait = collector("(123|1234)", t0);
    assert_eq!(dial(&mut wait, t0, "123"), None);
    assert_eq!(wait.poll_timeout(), Some(t0 + S(4)));
    let got = dial(&mut wait, t0, "4").expect("longer match");
    assert_eq!(got.digits, "1234");

    let mut first = collector("(123|1234)", t0).with_policy(MatchPolicy::FirstMatch);
    let got = dial(&mut first, t0, "123").expect("first match");
    assert!(got.matched && got.digits == "123");
    // A pattern ending in T still waits for the timer under FirstMatch.
    let mut t = collector("(0T|00T)", t0).with_policy(MatchPolicy::FirstMatch);
    assert_eq!(dial(&mut t, t0, "0"), None);
    assert_eq!(t.poll_timeout(), Some(t0 + S(4)));
}

#[test]
fn timer_inside_a_pattern_continues_collection() {
    let t0 = Instant::now();
    let mut c = collector("1T2", t0);
    assert_eq!(dial(&mut c, t0, "1"), None);
    // Only more digits after a timer could match: long timer.
    assert_eq!(c.poll_timeout(), Some(t0 + S(16)));
    assert_eq!(c.handle_timeout(t0 + S(16)), None);
    assert!(!c.is_finished());
    let got = dial(&mut c, t0 + S(17), "2").expect("complete");
    assert!(got.matched && got.timer_expired);
    assert_eq!(got.digits, "12");
}

#[test]
fn invalid_digits_are_refused() {
    let t0 = Instant::now();
    let mut c = collector(RFC_MAP, t0);
    for bad in ['T', 't', 'x', 'E', ' ', 'é'] {
        assert_eq!(
            c.handle_digit(t0, bad),
            Err(DigitMapError::InvalidDigit { digit: bad })
        );
    }
    assert_eq!(c.digits(), "");
    // Lower-case letters are DTMF A-D.
    let mut c = collector("[abcd]", t0);
    let got = dial(&mut c, t0, "c").expect("complete");
    assert_eq!(got.digits, "C");
}

#[test]
fn collection_is_bounded() {
    let t0 = Instant::now();
    let mut c = collector("x.#", t0);
    let mut result = None;
    for i in 0..MAX_COLLECTED_EVENTS {
        assert!(result.is_none(), "ended early at {i}");
        result = c.handle_digit(t0, '5').expect("valid");
    }
    let got = result.expect("ended at the limit");
    assert_eq!(got.digits.len(), MAX_COLLECTED_EVENTS);
    assert!(!got.matched, "x.# needs the #");
}
