//! Via: the tight one-pass form, the mirror of `Via::parse`, and the host
//! checks they share.

use crate::message::scan::{class, is_token, parse_u32, trim_ws, Scanner, C_HOST};
use crate::message::uri::{is_hostname, parse_port};

use super::{generic_params, params_tight, run};

/// The common Via shape with no optional whitespace, in one pass:
/// `SIP/2.0/<transport> SP host[:port]` then `;name[=token]` parameters.
/// Anything else is left to [`via_ok`].
pub(super) fn via_tight(s: &str) -> bool {
    let s = trim_ws(s);
    let Some(s) = s.strip_prefix("SIP/2.0/") else {
        return false;
    };
    let r = s.as_bytes();
    let t = run(r, 0, is_token);
    if t == 0 || r.get(t) != Some(&b' ') {
        return false;
    }
    let hs = t + 1;
    let mut i = hs + run(r, hs, |c| class(c, C_HOST));
    if !s.get(hs..i).is_some_and(host_ok) {
        return false;
    }
    if r.get(i) == Some(&b':') {
        let n = run(r, i + 1, |c| c.is_ascii_digit());
        if s.get(i + 1..i + 1 + n).and_then(parse_port).is_none() {
            return false;
        }
        i += 1 + n;
    }
    params_tight(s, i, via_param_ok)
}

/// `Via::parse` for the usual `SIP/2.0/<transport> host[:port];params`
/// (an IPv6 sent-by is left to the typed parser).
pub(super) fn via_ok(s: &str) -> bool {
    let mut sc = Scanner::new(s);
    sc.skip_ws();
    if !sc.rest().as_bytes().starts_with(b"SIP/2.0/") {
        return false;
    }
    sc.set_pos(sc.pos() + 8);
    sc.skip_ws();
    if sc.token().is_none() || !sc.skip_ws() {
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
    if b.first().is_some_and(u8::is_ascii_digit)
        && b.iter().all(|&c| c.is_ascii_digit() || c == b'.')
    {
        return ipv4_ok(b);
    }
    is_hostname(s)
}

/// Four dotted decimal octets without leading zeros: a subset of what
/// `Ipv4Addr::from_str` accepts.
pub(super) fn ipv4_ok(b: &[u8]) -> bool {
    let mut parts = 0;
    for part in b.split(|&c| c == b'.') {
        parts += 1;
        let ok = match part {
            [d] => d.is_ascii_digit(),
            [a, rest @ ..] if part.len() <= 3 && *a != b'0' => {
                rest.iter().all(u8::is_ascii_digit)
                    && a.is_ascii_digit()
                    && part.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= 255
            }
            _ => false,
        };
        if !ok || parts > 4 {
            return false;
        }
    }
    parts == 4
}
