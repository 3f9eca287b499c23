//! Allocation-free checks for the header grammars found in nearly every
//! message (Via, the name-addr headers, Call-ID, CSeq, numbers, option-tag
//! and method lists, Content-Type, product text).
//!
//! Each check mirrors the typed parser of the same header (`headers`,
//! `name_addr`, `uri`, `params`) step by step, using the same scanning
//! primitives, but builds nothing. The contract is one-sided: `true` only
//! for a value the typed parser accepts; `false` means "not sure" and the
//! caller runs the typed parser on that value. So a check that is too
//! strict (IPv6 hosts, `%HH` escapes, URI headers, other schemes, ...)
//! costs speed, never correctness; only a wrong `true` would be a bug, and
//! `tests/view_differential.rs` plus the `sip_view` fuzz target hunt for it.

use crate::message::headers::{HeaderKind, MAX_LIST};
use crate::message::method::Method;
use crate::message::params::{parse_gen_value, MAX_PARAMS};
use crate::message::scan::{
    class, count_commas, each_comma, is_token, is_ws, parse_u32, trim_ws, Scanner, C_WORD,
};

mod addr;
mod via;

use super::search::{class_end, text_end};

pub(crate) use addr::uri_ok;
use addr::{name_addr, name_addr_at, name_addr_list_at, name_addr_list_tight};
#[cfg(test)]
use addr::{name_addr_ok, name_addr_tight};
#[cfg(test)]
use via::ipv4_ok;
use via::{via_at, via_ok, via_tight};

/// Whether `v` (one header line's value, unfolded, trimmed) is certainly
/// accepted by the typed parser for `kind`.
pub(crate) fn value_ok(kind: HeaderKind, v: &str) -> bool {
    use HeaderKind as K;
    match kind {
        // The tight form holds no comma, so a value it accepts is a
        // one-element list: no comma scan needed.
        K::Via => via_tight(v) || list_ok(v, false, |e| via_tight(e) || via_ok(e)),
        K::Contact => {
            trim_ws(v) == "*"
                || name_addr_list_tight(v, false)
                || list_ok(v, false, |e| name_addr(e, false))
        }
        K::Route | K::RecordRoute => {
            name_addr_list_tight(v, true) || list_ok(v, false, |e| name_addr(e, true))
        }
        K::From | K::To | K::ReferTo => name_addr(v, false),
        K::CallId => call_id_ok(v),
        K::CSeq => cseq_method(v).is_some(),
        K::MaxForwards => parse_u32(trim_ws(v)).is_some_and(|n| n <= 255),
        K::ContentLength | K::Expires | K::MinExpires => parse_u32(trim_ws(v)).is_some(),
        K::ContentType => media_type_ok(v),
        K::Accept => list_ok(v, true, media_type_ok),
        K::Allow => {
            tokens_ok(v, true, is_standard_method)
                || list_ok(v, true, |m| is_standard_method(trim_ws(m).as_bytes()))
        }
        K::Supported => tokens_ok(v, true, |_| true),
        K::Require | K::Unsupported | K::ProxyRequire => tokens_ok(v, false, |_| true),
        K::UserAgent | K::Server => text_ok(v),
        // Authentication, Event, Retry-After, Date: rare enough
        // that the typed parser's cost does not matter.
        _ => false,
    }
}

/// The method of a CSeq value, as `CSeq::parse` reads it.
pub(crate) fn cseq_method(v: &str) -> Option<Method> {
    let mut sc = Scanner::new(trim_ws(v));
    let digits = sc.take_while(|b| b.is_ascii_digit());
    parse_u32(digits)?;
    if !sc.skip_ws() {
        return None;
    }
    sc.rest().parse().ok()
}

/// `list_each` of the typed parser: one element without a comma scan,
/// else the quote- and bracket-aware split, at most `MAX_LIST` elements.
fn list_ok(v: &str, allow_empty: bool, f: impl Fn(&str) -> bool) -> bool {
    if trim_ws(v).is_empty() {
        return allow_empty;
    }
    let b = v.as_bytes();
    if memchr::memchr(b',', b).is_none() {
        return f(v);
    }
    // Without quotes, a plain split differs from the typed one only at a
    // comma inside `<...>`, which leaves an element with an unclosed `<`
    // that no element check accepts.
    if memchr::memchr(b'"', b).is_none() && each_plain(v, &f) {
        return true;
    }
    if count_commas(v, MAX_LIST).is_none() {
        return false;
    }
    each_comma(v, |e| if f(e) { Ok(()) } else { Err(()) }).is_ok()
}

/// Whether `f` accepts every piece of `v` between commas (a plain split,
/// at most `MAX_LIST` pieces).
fn each_plain(v: &str, f: impl Fn(&str) -> bool) -> bool {
    let mut from = 0;
    let mut commas = 0;
    for (i, &c) in v.as_bytes().iter().enumerate() {
        if c == b',' {
            commas += 1;
            if commas >= MAX_LIST || !v.get(from..i).is_some_and(&f) {
                return false;
            }
            from = i + 1;
        }
    }
    v.get(from..).is_some_and(&f)
}

/// `token_list` of the typed parser: every element, trimmed, a
/// non-empty token (`each` says whether it is one the header allows).
///
/// One pass over `*WSP token *WSP` elements between commas. Tokens hold
/// no `"`, `<` or `,`, so on an accepted value the typed quote- and
/// bracket-aware split is this plain one; anything else is "not sure".
fn tokens_ok(v: &str, allow_empty: bool, each: impl Fn(&[u8]) -> bool) -> bool {
    let b = trim_ws(v).as_bytes();
    if b.is_empty() {
        return allow_empty;
    }
    let mut i = 0;
    let mut n = 0;
    loop {
        n += 1;
        if n > MAX_LIST {
            return false;
        }
        i += run(b, i, is_ws);
        let t = class_end(b, i, is_token);
        if t == i || !b.get(i..t).is_some_and(&each) {
            return false;
        }
        i = t + run(b, t, is_ws);
        match b.get(i) {
            None => return true,
            Some(b',') => i += 1,
            Some(_) => return false,
        }
    }
}

/// The methods `Method::from_str` maps without allocating; an extension
/// method is left to the typed parser.
fn is_standard_method(m: &[u8]) -> bool {
    matches!(
        m,
        b"INVITE"
            | b"ACK"
            | b"BYE"
            | b"CANCEL"
            | b"OPTIONS"
            | b"REGISTER"
            | b"INFO"
            | b"UPDATE"
            | b"PRACK"
            | b"SUBSCRIBE"
            | b"NOTIFY"
            | b"REFER"
            | b"MESSAGE"
            | b"PUBLISH"
    )
}

/// `CallId::parse`: `word [ "@" word ]`.
fn call_id_ok(v: &str) -> bool {
    let s = trim_ws(v).as_bytes();
    call_id_at(s, 0) == Some(s.len())
}

/// [`call_id_ok`] from `i` in `b`, which may run on past the value:
/// where the Call-ID stopped.
fn call_id_at(b: &[u8], i: usize) -> Option<usize> {
    // '@' is not a word byte, so the first run ends at the only '@'.
    let word_end = |from: usize| class_end(b, from, |c| class(c, C_WORD));
    let at = word_end(i);
    if at == i {
        return None;
    }
    if b.get(at) != Some(&b'@') {
        return Some(at);
    }
    let e = word_end(at + 1);
    (e > at + 1).then_some(e)
}

/// `CSeq::parse` from `i` in `b`, which may run on past the value:
/// digits `parse_u32` takes, whitespace, a method token; where the
/// token stopped. Followed by whitespace and the end of the value, the
/// token is the whole method text (`Method::from_str` takes any token).
fn cseq_at(b: &[u8], i: usize) -> Option<usize> {
    let d = i + run(b, i, |c| c.is_ascii_digit());
    number(b, i, d)?;
    let ms = d + run(b, d, is_ws);
    let me = class_end(b, ms, is_token);
    (ms > d && me > ms).then_some(me)
}

/// `b[from..to]` (digits) as `parse_u32` reads it: at most twenty
/// digits, leading zeros allowed, at most `u32::MAX`.
#[inline(always)]
fn number(b: &[u8], from: usize, to: usize) -> Option<u32> {
    let d = b.get(from..to)?;
    if d.is_empty() || d.len() > 20 {
        return None;
    }
    let mut v = 0u64;
    for &c in d {
        // At most u32::MAX before each step, so this cannot overflow.
        v = v * 10 + u64::from(c.wrapping_sub(b'0'));
        if v > u64::from(u32::MAX) || !c.is_ascii_digit() {
            return None;
        }
    }
    u32::try_from(v).ok()
}

/// `text` of the typed parser from `i` in `b`, which may run on past the
/// value: where the run of printable ASCII and HTAB stops. Such a run
/// holds no control byte, so the value it covers is text (`text_ok`).
fn text_at(b: &[u8], i: usize) -> Option<usize> {
    let e = text_end(b, i);
    (e > i).then_some(e)
}

/// A decimal number of at most `max` from `i` in `b`, which may run on
/// past the value: where its digits end.
fn number_at(b: &[u8], i: usize, max: u32) -> Option<usize> {
    let d = i + run(b, i, |c| c.is_ascii_digit());
    number(b, i, d).is_some_and(|n| n <= max).then_some(d)
}

/// [`value_ok`] fused with the line splitter: the value of a `kind`
/// header starts at `vs` in the datagram `b` (after the colon and its
/// whitespace) and runs to the first CR. When the check certainly
/// accepts it and stops at whitespace followed by a CR, returns where
/// the value's text ends (trailing whitespace left out) and where that
/// CR is; the caller checks the LF and that no fold follows. `None`
/// means "not sure", and the line takes the separate path.
#[inline(always)]
pub(crate) fn value_at(kind: HeaderKind, b: &[u8], vs: usize) -> Option<(usize, usize)> {
    use HeaderKind as K;
    let stop = match kind {
        K::Via => via_at(b, vs)?,
        K::From | K::To | K::ReferTo => name_addr_at(b, vs, false)?,
        K::Contact => name_addr_list_at(b, vs, false)?,
        K::Route | K::RecordRoute => name_addr_list_at(b, vs, true)?,
        K::CallId => call_id_at(b, vs)?,
        K::CSeq => cseq_at(b, vs)?,
        K::MaxForwards => number_at(b, vs, 255)?,
        K::ContentLength | K::Expires | K::MinExpires => number_at(b, vs, u32::MAX)?,
        K::UserAgent | K::Server => text_at(b, vs)?,
        _ => return None,
    };
    // Usually the check stopped right at the CR, after no whitespace.
    if b.get(stop) == Some(&b'\r') && !b.get(stop.wrapping_sub(1)).is_some_and(|&c| is_ws(c)) {
        return Some((stop, stop));
    }
    let cr = stop + run(b, stop, is_ws);
    if b.get(cr) != Some(&b'\r') {
        return None;
    }
    let mut ve = stop;
    while ve > vs && b.get(ve - 1).is_some_and(|&c| is_ws(c)) {
        ve -= 1;
    }
    Some((ve, cr))
}

/// `text` of the typed parser (User-Agent, Server).
fn text_ok(v: &str) -> bool {
    let v = trim_ws(v);
    !v.is_empty()
        && (v.bytes().all(|b| (0x20..0x7f).contains(&b) || b == b'\t')
            || !v.chars().any(|c| c.is_control() && c != '\t'))
}

/// `MediaType::parse`.
fn media_type_ok(v: &str) -> bool {
    let mut sc = Scanner::new(v);
    sc.skip_ws();
    if sc.token().is_none() || !sc.eat_sep(b'/') || sc.token().is_none() {
        return false;
    }
    if !generic_params(&mut sc, |_, _| true) {
        return false;
    }
    sc.skip_ws();
    sc.at_end()
}

/// `parse_generic_params`, with `check` standing for the per-header
/// value rules the typed parser applies afterwards.
pub(super) fn generic_params(
    sc: &mut Scanner<'_>,
    check: impl Fn(&str, Option<&str>) -> bool,
) -> bool {
    let mut n = 0;
    while sc.eat_sep(b';') {
        if n >= MAX_PARAMS {
            return false;
        }
        n += 1;
        let Some(name) = sc.token() else {
            return false;
        };
        let value = if sc.eat_sep(b'=') {
            match parse_gen_value(sc) {
                Ok(v) => Some(v),
                Err(_) => return false,
            }
        } else {
            None
        };
        if !check(name, value) {
            return false;
        }
    }
    true
}

/// Length of the run of bytes of `r` from `from` that satisfy `f`.
#[inline(always)]
pub(super) fn run(r: &[u8], from: usize, f: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while let Some(&c) = r.get(i) {
        if !f(c) {
            break;
        }
        i += 1;
    }
    i - from
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::headers::parse_typed;

    /// Every `true` here must be a typed accept (the one-sided contract).
    fn agrees(kind: HeaderKind, v: &str) {
        if value_ok(kind, v) {
            let mut out = Vec::new();
            assert!(
                parse_typed(kind, v, &mut out).is_ok(),
                "fast path accepted {kind:?} {v:?}, typed parser rejects it"
            );
        }
    }

    /// The element limit of the typed lists holds on the one-pass
    /// token lists too.
    #[test]
    fn token_lists_stop_at_the_element_limit() {
        use HeaderKind as K;
        for (kind, word) in [(K::Supported, "t"), (K::Allow, "ACK")] {
            let at_limit = vec![word; MAX_LIST].join(",");
            let over = vec![word; MAX_LIST + 1].join(",");
            assert!(value_ok(kind, &at_limit), "{kind:?} at the limit");
            assert!(!value_ok(kind, &over), "{kind:?} over the limit");
            agrees(kind, &at_limit);
            assert!(parse_typed(kind, &over, &mut Vec::new()).is_err());
        }
    }

    #[test]
    fn usual_values_take_the_fast_path() {
        use HeaderKind as K;
        for (k, v) in [
            (
                K::Via,
                "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776;rport",
            ),
            (
                K::Via,
                "SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKa;received=192.0.2.7, SIP/2.0/UDP h",
            ),
            (
                K::From,
                "\"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774",
            ),
            (K::To, "Bob <sip:bob@biloxi.example.com>"),
            (K::To, "sip:bob@biloxi.example.com;tag=x"),
            (
                K::Contact,
                "<sip:alice@pc33.atlanta.example.com:5060;transport=udp>;expires=3600",
            ),
            (K::Contact, "*"),
            (
                K::RecordRoute,
                "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>",
            ),
            (K::CallId, "a84b4c76e66710@pc33.atlanta.example.com"),
            (K::CSeq, "314159 INVITE"),
            (K::MaxForwards, "70"),
            (K::ContentLength, "0"),
            (K::ContentType, "application/sdp"),
            (K::Allow, "INVITE, ACK, CANCEL, BYE"),
            (K::Supported, "replaces, timer"),
            (K::UserAgent, "OpenPhone/0.1 (test)"),
            (K::From, "<sip:%61lice@atlanta.com>;tag=1"),
            (K::From, "<tel:+1-201-555-0123>;tag=1"),
            (K::Via, "SIP / 2.0 / UDP h;branch=z9hG4bK1"),
            (K::Accept, "application/sdp, text/plain"),
            (K::Allow, "INVITE ,ACK,  BYE"),
        ] {
            assert!(value_ok(k, v), "{k:?} {v:?} should be fast");
            agrees(k, v);
        }
    }

    #[test]
    fn doubtful_values_fall_back() {
        use HeaderKind as K;
        for (k, v) in [
            (K::Via, "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx"),
            (K::Via, "SIP/2.0/UDP 192.0.2.999"),
            (K::Via, "SIP/2.0/UDP 01.2.3.4"),
            (K::Via, "SIP/2.0/UDP h:70000"),
            (K::Via, "SIP/2.0/UDP 192.0.2.15;;"),
            (K::From, "<sip:user:pw@host>"),
            (K::From, "<sip:host?Subject=x>"),
            (K::From, "\"Mr. J. User <sip:j.user@example.com>"),
            (K::From, "Bell, Alexander <sip:a@example.com>"),
            (K::From, "<sip:a@b>;q=2"),
            (K::From, "<sip:a@b>;%74ag=x"),
            (K::Route, "sip:a@b"),
            (K::CallId, "a b"),
            (K::Allow, "INVITE, FOO"),
            (K::UserAgent, "bad\u{1}"),
        ] {
            assert!(!value_ok(k, v), "{k:?} {v:?} should go to the typed parser");
            agrees(k, v);
        }
    }

    #[test]
    fn long_ports_are_refused_without_overflow() {
        use HeaderKind as K;
        for (k, v) in [
            (K::From, "<sip:host:99999999999>"),
            (K::From, "<sip:u@host:4294967296123>;tag=1"),
            (K::Contact, "sip:host:99999999999999999999"),
            (K::Via, "SIP/2.0/UDP h:99999999999;branch=z9hG4bK1"),
        ] {
            assert!(!value_ok(k, v), "{k:?} {v:?}");
            agrees(k, v);
        }
        assert!(!uri_ok("sip:h:99999999999"));
        assert!(
            crate::message::MessageView::parse(b"INVITE sip:h:99999999999 SIP/2.0\r\n\r\n")
                .is_err()
        );
    }

    #[test]
    fn via_tight_parameter_rules() {
        for v in [
            "SIP/2.0/UDP h;branch=z9hG4bK1;ttl=255",
            "SIP/2.0/UDP h;maddr=239.1.1.1;branch=z9hG4bK1",
            "SIP/2.0/UDP h;rport=5062",
            "SIP/2.0/UDP h;BRANCH=z9hG4bK1;Received=192.0.2.1",
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1",
        ] {
            assert!(via_tight(v), "{v} should be tight");
            agrees(HeaderKind::Via, v);
        }
        // Left to the mirror (and from there, where needed, to the typed
        // parser), whatever the verdict.
        for v in [
            "SIP/2.0/UDP h.example.com.;branch=z9hG4bK1",
            "SIP/2.0/UDP h;received=2001:db8::2",
            "SIP/2.0/UDP h;ttl=0001",
            "SIP/2.0/UDP h;ttl=256",
            "SIP/2.0/UDP h;branch=a:b",
            "SIP/2.0/UDP h;branch",
            "SIP/2.0/UDP h;received=1.2.3.4x",
            "SIP/2.0/UDP h;maddr=a.",
            "SIP/2.0/UDP h;rport=70000",
        ] {
            assert!(!via_tight(v), "{v} should not be tight");
            agrees(HeaderKind::Via, v);
        }
    }

    #[test]
    fn tight_forms_are_a_subset_of_the_mirrors() {
        for v in [
            "SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8;received=192.0.2.3",
            "SIP/2.0/TCP h:5061;rport;branch=z9hG4bK1",
        ] {
            assert!(via_tight(v) && via_ok(v), "{v}");
        }
        for v in [
            "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf",
            "\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774",
            "<sip:server10.biloxi.example.com;lr>",
        ] {
            assert!(name_addr_tight(v) && name_addr_ok(v, true), "{v}");
        }
        // Shapes the tight forms leave to the mirrors.
        assert!(!via_tight("SIP/2.0/UDP h ;branch=x") && via_ok("SIP/2.0/UDP h ;branch=x"));
        assert!(!name_addr_tight("<sip:a@b> ;tag=1") && name_addr_ok("<sip:a@b> ;tag=1", false));
        assert!(
            !name_addr_tight("\"a\\\"b\" <sip:a@b>") && name_addr_ok("\"a\\\"b\" <sip:a@b>", false)
        );
    }

    #[test]
    fn ipv4_literals() {
        for ok in ["0.0.0.0", "192.0.2.1", "255.255.255.255"] {
            assert!(ipv4_ok(ok.as_bytes()), "{ok}");
        }
        for s in ["10.0.0.09", "1.2.3.4", "300.1.1.1", "0.0.0.00"] {
            if ipv4_ok(s.as_bytes()) {
                assert!(s.parse::<std::net::Ipv4Addr>().is_ok(), "{s}");
            }
        }
        for bad in [
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "",
            "1.2.3.4.",
        ] {
            assert!(!ipv4_ok(bad.as_bytes()), "{bad}");
        }
    }
}
