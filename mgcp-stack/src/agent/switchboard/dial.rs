//! What the switchboard reads from and writes into event lists: the
//! dialled number in a notification, the hook events, the digit map built
//! from the numbering plan, and the caller-ID signal.

use std::time::{SystemTime, UNIX_EPOCH};

use openphone_sal::{DigitMap, DigitMapError};

use crate::message::{EventName, EventSpec};

/// Whether `e` is line-package event `code` (`L/hd`), also when the
/// endpoint left the package out (`hd`, the default package of an
/// analog line).
pub(crate) fn is_line_event(e: &EventSpec, code: &str) -> bool {
    let n = &e.name;
    n.is("L", code) || (n.package.is_none() && n.event.eq_ignore_ascii_case(code))
}

fn is_dtmf(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D' | 'a'..='d')
}

/// The number dialled, read from observed events.
///
/// RFC 3435 §2.1.5 and the call flows of its §2.3 report the digits a
/// digit map collected as one event each, `O: D/1,D/0,D/0,D/2`. Some
/// gateways report the whole string as one event (`O: D/1002`) or leave
/// the package out (`O: 1002`); all three forms are read. `D/T` (the
/// inter-digit timer, which only ends the collection) is not part of the
/// number, and events of other packages (`L/hd`…) are skipped.
///
/// ```
/// use openphone_mgcp::agent::switchboard::dialled_number;
/// use openphone_mgcp::message::parse_event_specs;
/// let rfc = parse_event_specs("D/1,D/0,D/0,D/2")?;
/// assert_eq!(dialled_number(&rfc), "1002");
/// assert_eq!(dialled_number(&parse_event_specs("D/1002")?), "1002");
/// assert_eq!(dialled_number(&parse_event_specs("1002")?), "1002");
/// assert_eq!(dialled_number(&parse_event_specs("L/hd,D/9,D/5,D/T")?), "95");
/// # Ok::<(), openphone_mgcp::message::EventError>(())
/// ```
pub fn dialled_number(observed: &[EventSpec]) -> String {
    let mut number = String::new();
    for e in observed {
        let n = &e.name;
        let digit_package = match &n.package {
            Some(p) => p.eq_ignore_ascii_case("D"),
            None => true,
        };
        if !digit_package || n.connection.is_some() {
            continue;
        }
        let symbols = n.event.trim_end_matches(['T', 't']);
        if !symbols.is_empty() && symbols.chars().all(is_dtmf) {
            number.extend(symbols.chars().map(|c| c.to_ascii_uppercase()));
        }
    }
    number
}

/// The digit map the switchboard sends with dial tone when none is
/// configured, built from the numbers of its lines.
///
/// A number of digits becomes a pattern of its first digit and `x` for
/// the others (`1001`, `1002` → `1xxx`), so that the gateway reports as
/// soon as a number of the plan is complete; other numbers (with `*`, `#`)
/// are kept literally. Any other first digit collects until the
/// inter-digit timer (`[02-9]x.T`), so that a number outside the plan is
/// reported too, and answered with reorder tone, instead of leaving the
/// caller waiting.
///
/// ```
/// use openphone_mgcp::agent::switchboard::digit_map_for;
/// let map = digit_map_for(["1001", "1002", "2001"])?;
/// assert_eq!(map.to_string(), "(1xxx|2xxx|[03-9]x.T)");
/// assert_eq!(digit_map_for(Vec::<&str>::new())?.to_string(), "x.T");
/// # Ok::<(), openphone_sal::DigitMapError>(())
/// ```
pub fn digit_map_for<'a>(
    numbers: impl IntoIterator<Item = &'a str>,
) -> Result<DigitMap, DigitMapError> {
    let mut patterns: Vec<String> = Vec::new();
    let mut first_digits = [false; 10];
    for n in numbers {
        let pattern = match n.as_bytes().first() {
            Some(d) if n.bytes().all(|b| b.is_ascii_digit()) => {
                first_digits[usize::from(d - b'0')] = true;
                format!("{}{}", char::from(*d), "x".repeat(n.len() - 1))
            }
            Some(_) => n.to_string(),
            None => continue,
        };
        if !patterns.contains(&pattern) {
            patterns.push(pattern);
        }
    }
    let rest: Vec<u8> = (0..10u8)
        .filter(|d| !first_digits[usize::from(*d)])
        .collect();
    if rest.len() == 10 {
        patterns.push("x.T".into());
    } else if !rest.is_empty() {
        patterns.push(format!("[{}]x.T", digit_ranges(&rest)));
    }
    let text = if patterns.len() == 1 {
        patterns.remove(0)
    } else {
        format!("({})", patterns.join("|"))
    };
    DigitMap::parse(&text)
}

/// `[0, 3, 4, 5, 9]` → `03-59`.
fn digit_ranges(digits: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < digits.len() {
        let start = digits[i];
        let mut end = start;
        while i + 1 < digits.len() && digits[i + 1] == end + 1 {
            i += 1;
            end = digits[i];
        }
        out.push(char::from(b'0' + start));
        if end > start {
            out.push('-');
            out.push(char::from(b'0' + end));
        }
        i += 1;
    }
    out
}

/// The caller-ID signal of the line package (RFC 3660 §2.2, `L/ci(time,
/// number, name)`): time as `MM/DD/HH/MM` (UTC), the number as dialled
/// digits, the name quoted (so that blanks and commas may appear; quotes
/// and parentheses in it are dropped, so that the list stays parsable).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use openphone_mgcp::agent::switchboard::caller_id;
/// // 2026-12-07 17:05 UTC
/// let t = UNIX_EPOCH + Duration::from_secs(1_796_663_100);
/// assert_eq!(caller_id(t, "1001", "Alice, desk").to_string(), r#"L/ci(12/07/17/05,1001,"Alice, desk")"#);
/// ```
pub fn caller_id(time: SystemTime, number: &str, name: &str) -> EventSpec {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (month, day) = month_day(secs / 86_400);
    let (hour, minute) = ((secs / 3600) % 24, (secs / 60) % 60);
    let number: String = number.chars().filter(|c| is_dtmf(*c)).collect();
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '"' | '(' | ')') && !c.is_control())
        .take(32)
        .collect();
    let name_event = EventName {
        package: Some("L".into()),
        event: "ci".into(),
        connection: None,
    };
    EventSpec::new(name_event).with_parameters(format!(
        "{month:02}/{day:02}/{hour:02}/{minute:02},{number},\"{name}\""
    ))
}

/// Month and day of the civil (proleptic Gregorian) date `days` after
/// 1970-01-01 (the days-to-civil algorithm of Howard Hinnant's date
/// paper, which needs no calendar tables).
fn month_day(days: u64) -> (u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::parse_event_specs;

    #[test]
    fn dates() {
        assert_eq!(month_day(0), (1, 1));
        assert_eq!(month_day(59), (3, 1)); // 1970 is not a leap year
        assert_eq!(month_day(11_016), (2, 29)); // 2000-02-29
        assert_eq!(month_day(20_794), (12, 7)); // 2026-12-07
    }

    #[test]
    fn ranges_and_maps() {
        assert_eq!(digit_ranges(&[0, 3, 4, 5, 9]), "03-59");
        let m = digit_map_for(["1001", "1002", "*69", ""]).unwrap();
        assert_eq!(m.to_string(), "(1xxx|*69|[02-9]x.T)");
        use openphone_sal::DigitMatch::*;
        assert_eq!(m.check("1002"), Complete);
        assert_eq!(m.check("555"), CompleteOnTimeout); // waits for the timer
        assert_eq!(m.check("10"), Partial);
        assert_eq!(m.check("555T"), Complete);
        let all: Vec<String> = (0..10).map(|d| format!("{d}00")).collect();
        let m = digit_map_for(all.iter().map(String::as_str)).unwrap();
        assert_eq!(m.len(), 10);
    }

    #[test]
    fn digits_and_hook_events() {
        let o = parse_event_specs("L/hd,hu,D/1,R/x,D/#,D/hu").unwrap();
        assert!(is_line_event(&o[0], "hd"));
        assert!(is_line_event(&o[1], "HU"));
        assert!(!is_line_event(&o[2], "hd"));
        assert_eq!(dialled_number(&o), "1#");
    }
}
