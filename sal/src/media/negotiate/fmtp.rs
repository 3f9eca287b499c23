//! Format-parameter rules of offer/answer: which codec entries match and
//! which parameters the answer carries (iLBC mode, G.729 Annex B,
//! telephone-event ranges).

use crate::CodecDescriptor;

/// `Some(answer fmtp)` when `ours` can be used for `theirs`, else `None`.
pub(super) fn compatible(
    ours: &CodecDescriptor,
    theirs: &CodecDescriptor,
) -> Option<Option<String>> {
    if !ours.same_format(theirs) {
        return None;
    }
    if ours.is_telephone_event() {
        let common = event_set(ours.fmtp.as_deref()) & event_set(theirs.fmtp.as_deref());
        if common == EventSet::ZERO {
            return None;
        }
        return Some(Some(format_events(common)));
    }
    Some(agreed_fmtp(ours, theirs))
}

/// The format parameters both sides use for a matched codec.
pub(super) fn agreed_fmtp(ours: &CodecDescriptor, theirs: &CodecDescriptor) -> Option<String> {
    let name = ours.encoding.to_ascii_lowercase();
    match name.as_str() {
        "ilbc" => {
            let mode = ilbc_mode(ours.fmtp.as_deref()).max(ilbc_mode(theirs.fmtp.as_deref()));
            Some(format!("mode={mode}"))
        }
        "g729" => {
            let no_b =
                |f: Option<&str>| param(f, "annexb").is_some_and(|v| v.eq_ignore_ascii_case("no"));
            if no_b(ours.fmtp.as_deref()) || no_b(theirs.fmtp.as_deref()) {
                Some("annexb=no".into())
            } else {
                ours.fmtp.clone().or_else(|| theirs.fmtp.clone())
            }
        }
        "telephone-event" => {
            let common = event_set(ours.fmtp.as_deref()) & event_set(theirs.fmtp.as_deref());
            Some(format_events(common))
        }
        _ => ours.fmtp.clone().or_else(|| theirs.fmtp.clone()),
    }
}

/// The value of `key` in `k=v;k=v` parameters (keys case-insensitive).
fn param<'a>(fmtp: Option<&'a str>, key: &str) -> Option<&'a str> {
    fmtp?.split(';').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim())
    })
}

/// iLBC frame mode: 20 or 30 ms (absent or unknown means 30, RFC 3952 §5).
fn ilbc_mode(fmtp: Option<&str>) -> u32 {
    match param(fmtp, "mode").and_then(|m| m.parse::<u32>().ok()) {
        Some(20) => 20,
        _ => 30,
    }
}

/// RFC 4733 event list (`0-15,66,70`) as a bit set of events 0–255; absent
/// means `0-15`. Malformed items are skipped.
fn event_set(fmtp: Option<&str>) -> EventSet {
    let Some(list) = fmtp.map(str::trim).filter(|s| !s.is_empty()) else {
        return EventSet::range(0, 15);
    };
    let mut set = EventSet::ZERO;
    for item in list.split(',') {
        let item = item.trim();
        let (lo, hi) = match item.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u8>(), b.trim().parse::<u8>()),
            None => (item.parse::<u8>(), item.parse::<u8>()),
        };
        if let (Ok(lo), Ok(hi)) = (lo, hi) {
            if lo <= hi {
                set = set | EventSet::range(lo, hi);
            }
        }
    }
    set
}

/// An event set back to RFC 4733 list syntax.
fn format_events(set: EventSet) -> String {
    let mut parts = Vec::new();
    let mut e = 0u16;
    while e <= 255 {
        if set.contains(e as u8) {
            let start = e;
            while e < 255 && set.contains((e + 1) as u8) {
                e += 1;
            }
            parts.push(if start == e {
                start.to_string()
            } else {
                format!("{start}-{e}")
            });
        }
        e += 1;
    }
    parts.join(",")
}

/// A 256-bit set (events 0–255).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct EventSet([u128; 2]);

impl EventSet {
    const ZERO: EventSet = EventSet([0, 0]);

    fn range(lo: u8, hi: u8) -> EventSet {
        let mut s = EventSet::ZERO;
        for e in lo..=hi {
            s.0[usize::from(e >> 7)] |= 1u128 << (e & 127);
        }
        s
    }

    fn contains(self, e: u8) -> bool {
        self.0[usize::from(e >> 7)] & (1u128 << (e & 127)) != 0
    }
}

impl std::ops::BitAnd for EventSet {
    type Output = EventSet;
    fn bitand(self, o: EventSet) -> EventSet {
        EventSet([self.0[0] & o.0[0], self.0[1] & o.0[1]])
    }
}

impl std::ops::BitOr for EventSet {
    type Output = EventSet;
    fn bitor(self, o: EventSet) -> EventSet {
        EventSet([self.0[0] | o.0[0], self.0[1] | o.0[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lists() {
        assert_eq!(format_events(event_set(None)), "0-15");
        assert_eq!(format_events(event_set(Some("0-16"))), "0-16");
        assert_eq!(
            format_events(event_set(Some("0-15,66,70-72"))),
            "0-15,66,70-72"
        );
        assert_eq!(format_events(event_set(Some("255"))), "255");
        assert_eq!(
            format_events(event_set(Some("0-16")) & event_set(Some("0-11,16"))),
            "0-11,16"
        );
        assert_eq!(event_set(Some("junk,9-3")), EventSet::ZERO);
    }

    #[test]
    fn ilbc_modes() {
        assert_eq!(ilbc_mode(None), 30);
        assert_eq!(ilbc_mode(Some("mode=20")), 20);
        assert_eq!(ilbc_mode(Some("foo=1; MODE = 20")), 20);
        assert_eq!(ilbc_mode(Some("mode=25")), 30);
    }
}
