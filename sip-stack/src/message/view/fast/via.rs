//! Via: the tight one-pass form, the mirror of `Via::parse`, and the host
//! checks they share.

use crate::message::params::MAX_PARAMS;
use crate::message::scan::{is_token, parse_u32, Scanner};
use crate::message::uri::{is_hostname, parse_port};

use super::super::search::{alnum_end, class_end, host_masks};

use crate::message::folded::eq_lower;

use super::{generic_params, run};

/// The common Via shape with no optional whitespace inside, in one pass
/// over the bytes: `SIP/2.0/<transport> SP host[:port]` then
/// `;name[=token]` parameters, each checked as it is scanned. Anything
/// else (IPv6, quoted values, `received=` other than IPv4, ...) is left
/// to [`via_ok`].
pub(super) fn via_tight(s: &str) -> bool {
    let b = s.as_bytes();
    // `Via::parse` skips surrounding SP/HTAB, so does this.
    let mut end = b.len();
    while end > 0 && matches!(b.get(end - 1), Some(b' ' | b'\t')) {
        end -= 1;
    }
    let r = b.get(..end).unwrap_or_default();
    via_at(r, 0) == Some(r.len())
}

/// [`via_tight`] from `i` in `r`, which may run on past the value (the
/// datagram): where the scan stopped, at the first byte no rule took;
/// the caller decides whether the value ends there. No rule looks past
/// that byte, so the verdict on a value is the same either way.
pub(super) fn via_at(r: &[u8], mut i: usize) -> Option<usize> {
    while matches!(r.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if r.get(i..i + 8) != Some(b"SIP/2.0/".as_slice()) {
        return None;
    }
    i += 8;
    let t = i;
    i = token_end(r, i);
    if i == t || r.get(i) != Some(&b' ') {
        return None;
    }
    let mut i = host_end(r, i + 1)?;
    if r.get(i) == Some(&b':') {
        i = port_end(r, i + 1)?;
    }
    via_params(r, i)
}

/// `*( ";" token [ "=" value ] )` from `i`; where they stop. The name
/// is recognised first, so the value is scanned once, by the rule
/// `Via::parse` applies to it (IPv4 for `received`, a port for `rport`,
/// ...). Other values are tokens only: a `:` (bare IPv6 `received`),
/// quote or bracket ends the fast path.
fn via_params(r: &[u8], mut i: usize) -> Option<usize> {
    let mut n = 0;
    while r.get(i) == Some(&b';') {
        if n >= MAX_PARAMS {
            return None;
        }
        n += 1;
        let ns = i + 1;
        i = token_end(r, ns);
        if i == ns {
            return None;
        }
        let name = param_name(r.get(ns..i).unwrap_or_default());
        if r.get(i) != Some(&b'=') {
            // Of the checked names only rport may be a flag.
            if !matches!(name, Name::Other | Name::Rport) {
                return None;
            }
            continue;
        }
        let vs = i + 1;
        let ve = match name {
            // A token is what the branch rule asks for.
            Name::Branch | Name::Other => token_end(r, vs),
            Name::Received => ipv4_end(r, vs).unwrap_or(vs),
            Name::Rport => port_end(r, vs).unwrap_or(vs),
            Name::Ttl => ttl_end(r, vs).unwrap_or(vs),
            Name::Maddr => host_end(r, vs).unwrap_or(vs),
        };
        // Whatever a value rule stopped at must start the next parameter
        // or end the value: the loop head or the caller checks that.
        if ve == vs {
            return None;
        }
        i = ve;
    }
    Some(i)
}

/// The parameters whose values `Via::parse` checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Name {
    Branch,
    Received,
    Rport,
    Ttl,
    Maddr,
    Other,
}

/// Names compare as received (no `%HH` decoding), as in `Via::parse`.
#[inline(always)]
fn param_name(n: &[u8]) -> Name {
    let hit = match n.len() {
        3 => eq_lower!(n, b"ttl").then_some(Name::Ttl),
        5 => {
            if eq_lower!(n, b"rport") {
                Some(Name::Rport)
            } else {
                eq_lower!(n, b"maddr").then_some(Name::Maddr)
            }
        }
        6 => eq_lower!(n, b"branch").then_some(Name::Branch),
        8 => eq_lower!(n, b"received").then_some(Name::Received),
        _ => None,
    };
    hit.unwrap_or(Name::Other)
}

/// The end of the run of token bytes from `from`.
#[inline(always)]
fn token_end(r: &[u8], from: usize) -> usize {
    class_end(r, from, is_token)
}

/// `1*5DIGIT` from `from` that `parse_port` accepts; the end of the
/// digits.
#[inline(always)]
fn port_end(r: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut v = 0u32;
    while let Some(&c) = r.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if i - from == 5 {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
        i += 1;
    }
    (i > from && v <= u32::from(u16::MAX)).then_some(i)
}

/// A `ttl` value `parse_u32` reads as at most 255, in at most three
/// digits (well within its length limit); the end of the digits.
#[inline(always)]
fn ttl_end(r: &[u8], from: usize) -> Option<usize> {
    let e = port_end(r, from)?;
    let d = r.get(from..e)?;
    (d.len() <= 3 && d.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0')) <= 255).then_some(e)
}

/// The host that `Via::parse` would cut at `from` (the run of
/// alphanumerics, `-` and `.`), when `Host::parse` accepts it as a name or
/// IPv4 literal: its end. `None` means "not sure": bad hosts, but also a
/// name with a trailing dot (which `Via::parse` reads differently from a
/// URI host).
#[inline(always)]
fn host_end(r: &[u8], from: usize) -> Option<usize> {
    let (end, ok) = host_run(r, from);
    (ok && end > from && r.get(end - 1) != Some(&b'.')).then_some(end)
}

/// The run of hostname bytes from `i`: its end, and whether `Host::parse`
/// accepts it (the rules of [`host_run_hops`]). A run that ends within
/// 64 bytes is judged from its dot and dash masks at once: every label
/// starts and ends with a letter or digit, so the bytes at the run's
/// ends and on either side of each dot must be neither dot nor dash.
#[inline(always)]
pub(super) fn host_run(b: &[u8], i: usize) -> (usize, bool) {
    let Some((n, dots, dashes)) = host_masks(b, i) else {
        return host_run_hops(b, i);
    };
    // One trailing dot is allowed (a name only); it ends no label.
    let trailing = n > 0 && (dots >> (n - 1)) & 1 == 1;
    let core = n - usize::from(trailing);
    if core == 0 {
        return (i + n, false);
    }
    let dots = dots & ((1u64 << core) - 1);
    let edges = 1 | (dots << 1) | (dots >> 1) | (1u64 << (core - 1));
    // A dot at the end of the core (a second trailing dot) puts a label
    // start at `core`, outside the run's letters and digits.
    let alnum = ((1u64 << core) - 1) & !dots & !dashes;
    if edges & !alnum != 0 {
        return (i + n, false);
    }
    let top = if dots == 0 {
        0
    } else {
        64 - dots.leading_zeros() as usize
    };
    let ok = if b.get(i + top).is_some_and(u8::is_ascii_alphabetic) {
        true
    } else {
        !trailing && b.get(i..i + n).is_some_and(ipv4_ok)
    };
    (i + n, ok)
}

/// [`host_run`] label by label: the rules of `is_hostname` applied on the way (each
/// label starts and ends alphanumeric, the last starts with a letter, one
/// trailing '.' allowed); a run whose last label starts with a digit is
/// an IPv4 literal or nothing. The alphanumeric stretches are found
/// sixteen bytes at a time; only the separators are looked at.
#[inline(never)]
pub(super) fn host_run_hops(b: &[u8], i: usize) -> (usize, bool) {
    let mut j = i;
    let mut top_alpha = false;
    let mut label_start = true;
    loop {
        let e = alnum_end(b, j);
        if e == j {
            // No alphanumeric where one must be: the end of the run
            // after a trailing '.' (fine for a name), or a broken rule.
            let end = j + run(b, j, |c| {
                c.is_ascii_alphanumeric() || c == b'-' || c == b'.'
            });
            let trailing_dot = label_start && j > i && end == j;
            return (end, trailing_dot && top_alpha && j - i <= 255);
        }
        if label_start {
            top_alpha = b.get(j).is_some_and(u8::is_ascii_alphabetic);
        }
        match b.get(e) {
            Some(b'.') => {
                j = e + 1;
                label_start = true;
            }
            Some(b'-') => {
                j = e + 1 + run(b, e + 1, |c| c == b'-');
                label_start = false;
            }
            _ => {
                let ok = if top_alpha {
                    e - i <= 255
                } else {
                    b.get(i..e).is_some_and(ipv4_ok)
                };
                return (e, ok);
            }
        }
    }
}

/// Four dotted decimal octets from `from` (as [`ipv4_ok`]); their end.
/// An octet is one digit, or two or three without a leading zero, at
/// most 255; a digit right after one (a fourth digit, or one after a
/// leading zero) or a fifth part makes it no address.
#[inline(always)]
fn ipv4_end(r: &[u8], from: usize) -> Option<usize> {
    let digit = |i: usize| {
        r.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|&c| u32::from(c - b'0'))
    };
    let mut i = from;
    for part in 0..4 {
        if part > 0 {
            if r.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let mut v = digit(i)?;
        i += 1;
        if v != 0 {
            if let Some(d) = digit(i) {
                v = v * 10 + d;
                i += 1;
                if let Some(d) = digit(i) {
                    v = v * 10 + d;
                    i += 1;
                }
            }
        }
        if v > 255 || digit(i).is_some() {
            return None;
        }
    }
    (r.get(i) != Some(&b'.')).then_some(i)
}

/// `Via::parse` for `protocol/version/transport host[:port];params`
/// (an IPv6 sent-by is left to the typed parser).
pub(super) fn via_ok(s: &str) -> bool {
    let mut sc = Scanner::new(s);
    sc.skip_ws();
    // protocol-name "/" protocol-version "/" transport, with optional
    // whitespace around each '/'.
    if sc.token().is_none()
        || !sc.eat_sep(b'/')
        || sc.token().is_none()
        || !sc.eat_sep(b'/')
        || sc.token().is_none()
        || !sc.skip_ws()
    {
        return false;
    }
    let start = sc.pos();
    if sc.peek() == Some(b'[') {
        return false;
    }
    sc.take_while(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let host_end = sc.pos();
    if sc.eat_sep(b':') && parse_port(sc.take_while(|b| b.is_ascii_digit())).is_none() {
        return false;
    }
    if !host_ok(sc.slice(start, host_end)) || !generic_params(&mut sc, via_param_ok) {
        return false;
    }
    sc.skip_ws();
    sc.at_end()
}

/// The Via parameter rules of `Via::parse`.
pub(super) fn via_param_ok(n: &str, v: Option<&str>) -> bool {
    match n.len() {
        6 if n.eq_ignore_ascii_case("branch") => v.is_some_and(|v| v.bytes().all(is_token)),
        8 if n.eq_ignore_ascii_case("received") => {
            v.is_some_and(|v| ipv4_ok(v.as_bytes()) || v.parse::<std::net::IpAddr>().is_ok())
        }
        5 if n.eq_ignore_ascii_case("rport") => v.is_none_or(|v| parse_port(v).is_some()),
        3 if n.eq_ignore_ascii_case("ttl") => v.and_then(parse_u32).is_some_and(|t| t <= 255),
        5 if n.eq_ignore_ascii_case("maddr") => v.is_some_and(host_ok),
        _ => true,
    }
}

/// `Host::parse` for names and IPv4 literals (IPv6 references are left to
/// the typed parser).
pub(super) fn host_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if host_end(b, 0) == Some(b.len()) {
        return true;
    }
    // The one-pass scan leaves trailing-dot names here.
    if b.first().is_some_and(u8::is_ascii_digit)
        && b.iter().all(|&c| c.is_ascii_digit() || c == b'.')
    {
        return ipv4_ok(b);
    }
    is_hostname(s)
}

/// Four dotted decimal octets without leading zeros: what
/// `Ipv4Addr::from_str` accepts.
pub(super) fn ipv4_ok(b: &[u8]) -> bool {
    ipv4_end(b, 0) == Some(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mask form of `host_run` against the label walk, on every
    /// string over a small alphabet up to length 6, and on long random
    /// runs around the 16- and 64-byte steps, at several offsets.
    #[test]
    fn host_run_masks_match_the_label_walk() {
        let alphabet = [b'a', b'Z', b'1', b'0', b'.', b'-', b';', b'@'];
        let mut cases: Vec<Vec<u8>> = vec![Vec::new()];
        for len in 1..=6 {
            let mut idx = vec![0usize; len];
            loop {
                cases.push(idx.iter().map(|&k| alphabet[k]).collect());
                let mut p = 0;
                while p < len {
                    idx[p] += 1;
                    if idx[p] < alphabet.len() {
                        break;
                    }
                    idx[p] = 0;
                    p += 1;
                }
                if p == len {
                    break;
                }
            }
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 10 + (seed % 70) as usize;
            let host: Vec<u8> = (0..len)
                .map(|k| {
                    let r = (seed >> (k % 50)) as usize;
                    [b'a', b'b', b'7', b'.', b'-', b'x', b'2', b'q'][r % 8]
                })
                .collect();
            cases.push(host);
        }
        for ip in [
            "192.0.2.1",
            "255.255.255.255",
            "1.2.3.04",
            "1.2.3.4.",
            "01.2.3.4",
        ] {
            cases.push(ip.as_bytes().to_vec());
        }
        for case in &cases {
            for lead in [0usize, 3] {
                for tail in [
                    &b""[..],
                    b";x",
                    b">\r\n\r\n0123456789abcdef0123456789abcdef",
                ] {
                    let mut b = vec![b'<'; lead];
                    b.extend_from_slice(case);
                    b.extend_from_slice(tail);
                    if tail.len() > 2 && case.len() < 40 {
                        assert!(host_masks(&b, lead).is_some(), "mask path not taken");
                    }
                    assert_eq!(
                        host_run(&b, lead),
                        host_run_hops(&b, lead),
                        "{:?}",
                        String::from_utf8_lossy(&b)
                    );
                }
            }
        }
    }
}
