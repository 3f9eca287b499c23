//! name-addr and SIP URIs: the tight form and the mirror of
//! `parse_name_addr` / `Uri::parse`.

use crate::message::name_addr::parse_qvalue;
use crate::message::params::MAX_PARAMS;
use crate::message::scan::{
    class, is_token, is_ws, parse_u32, trim_ws, Scanner, C_HOST, C_PARAM, C_USER,
};
use crate::message::uri::parse_port;

use super::via::host_ok;
use super::{generic_params, params_tight, run};

/// A name-addr: the tight form first, then the full mirror.
pub(super) fn name_addr(s: &str, require_brackets: bool) -> bool {
    name_addr_tight(s) || name_addr_ok(s, require_brackets)
}

/// The usual `[display-name] <uri>[;params]` with a token or unescaped
/// quoted display name and no whitespace after the display name or
/// around parameters; anything else is left to [`name_addr_ok`].
pub(super) fn name_addr_tight(s: &str) -> bool {
    let s = trim_ws(s);
    let b = s.as_bytes();
    let mut i = 0;
    match b.first() {
        Some(b'"') => {
            let Some(close) = memchr::memchr2(b'"', b'\\', b.get(1..).unwrap_or_default()) else {
                return false;
            };
            let inner = b.get(1..1 + close).unwrap_or_default();
            // qdtext without CTLs; a quoted-pair goes to the mirror.
            if b.get(1 + close) != Some(&b'"')
                || inner.iter().any(|&c| c < 0x20 && c != b'\t' || c == 0x7f)
            {
                return false;
            }
            i = close + 2;
            i += run(b, i, is_ws);
        }
        Some(b'<') => {}
        _ => loop {
            let t = run(b, i, is_token);
            if t == 0 {
                return false;
            }
            i += t;
            let w = run(b, i, is_ws);
            i += w;
            match b.get(i) {
                Some(b'<') => break,
                Some(_) if w > 0 => continue,
                _ => return false,
            }
        },
    }
    if b.get(i) != Some(&b'<') {
        return false;
    }
    let Some(close) = memchr::memchr2(b'>', b'<', b.get(i + 1..).unwrap_or_default()) else {
        return false;
    };
    let end = i + 1 + close;
    if b.get(end) != Some(&b'>') || !s.get(i + 1..end).is_some_and(uri_ok) {
        return false;
    }
    params_tight(s, end + 1, name_addr_param_ok)
}

/// `parse_name_addr`.
pub(super) fn name_addr_ok(s: &str, require_brackets: bool) -> bool {
    let mut sc = Scanner::new(s);
    sc.skip_ws();
    match sc.peek() {
        Some(b'"') => {
            // `quoted` succeeds exactly when `quoted_raw` does: a
            // quoted-pair only escapes ASCII, so unescaping keeps UTF-8.
            if sc.quoted_raw().is_none() {
                return false;
            }
            sc.skip_ws();
            if !bracketed_ok(&mut sc) {
                return false;
            }
        }
        Some(b'<') => {
            if !bracketed_ok(&mut sc) {
                return false;
            }
        }
        _ => {
            let start = sc.pos();
            let mut is_display = false;
            while sc.token().is_some() {
                sc.skip_ws();
                match sc.peek() {
                    Some(b'<') => {
                        is_display = true;
                        break;
                    }
                    Some(b) if is_token(b) => continue,
                    _ => break,
                }
            }
            if is_display {
                if !bracketed_ok(&mut sc) {
                    return false;
                }
            } else {
                if require_brackets {
                    return false;
                }
                sc.set_pos(start);
                let text = sc.take_while(|b| b != b';' && !is_ws(b));
                if memchr::memchr3(b'?', b',', b'<', text.as_bytes()).is_some()
                    || memchr::memchr(b'>', text.as_bytes()).is_some()
                    || !uri_ok(text)
                {
                    return false;
                }
            }
        }
    }
    if !generic_params(&mut sc, name_addr_param_ok) {
        return false;
    }
    sc.skip_ws();
    sc.at_end()
}

/// The q/expires/tag rules of `parse_name_addr` (an escaped name is left
/// to the typed parser, which unescapes it first).
pub(super) fn name_addr_param_ok(name: &str, v: Option<&str>) -> bool {
    if name.as_bytes().contains(&b'%') {
        return false;
    }
    match name.len() {
        1 if name.eq_ignore_ascii_case("q") => v.and_then(parse_qvalue).is_some(),
        7 if name.eq_ignore_ascii_case("expires") => v.and_then(parse_u32).is_some(),
        3 if name.eq_ignore_ascii_case("tag") => v.is_some_and(|v| v.bytes().all(is_token)),
        _ => true,
    }
}

/// `bracketed_uri`: `<addr-spec>` with no whitespace inside.
pub(super) fn bracketed_ok(sc: &mut Scanner<'_>) -> bool {
    if !sc.eat(b'<') {
        return false;
    }
    let rest = sc.rest();
    let len = memchr::memchr2(b'>', b'<', rest.as_bytes()).unwrap_or(rest.len());
    let text = rest.get(..len).unwrap_or("");
    sc.set_pos(sc.pos() + len);
    sc.eat(b'>') && memchr::memchr2(b' ', b'\t', text.as_bytes()).is_none() && uri_ok(text)
}

/// `Uri::parse` for lower-case `sip:`/`sips:` URIs without escapes,
/// passwords, IPv6 hosts or header components.
pub(crate) fn uri_ok(s: &str) -> bool {
    match s.strip_prefix("sip:").or_else(|| s.strip_prefix("sips:")) {
        Some(rest) => sip_ok(rest),
        None => false,
    }
}

/// `parse_sip` in one pass over what follows the scheme.
pub(super) fn sip_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let from = match memchr::memchr(b'@', b) {
        Some(at) => {
            let user = b.get(..at).unwrap_or_default();
            // C_USER has neither ':' (a password follows) nor '%'.
            if user.is_empty() || !user.iter().all(|&c| class(c, C_USER)) {
                return false;
            }
            at + 1
        }
        None => 0,
    };
    let mut i = from + run(b, from, |c| class(c, C_HOST));
    if !s.get(from..i).is_some_and(host_ok) {
        return false;
    }
    if b.get(i) == Some(&b':') {
        let n = run(b, i + 1, |c| c.is_ascii_digit());
        if s.get(i + 1..i + 1 + n).and_then(parse_port).is_none() {
            return false;
        }
        i += 1 + n;
    }
    let mut params = 0;
    while i < b.len() {
        // Anything but ';' here ('?', '%', ...) goes to the typed parser.
        if b.get(i) != Some(&b';') || params >= MAX_PARAMS {
            return false;
        }
        params += 1;
        let name = run(b, i + 1, |c| class(c, C_PARAM));
        if name == 0 {
            return false;
        }
        i += 1 + name;
        if b.get(i) == Some(&b'=') {
            let value = run(b, i + 1, |c| class(c, C_PARAM));
            if value == 0 {
                return false;
            }
            i += 1 + value;
        }
    }
    true
}
