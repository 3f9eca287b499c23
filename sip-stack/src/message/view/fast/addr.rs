//! name-addr and SIP URIs: the tight one-pass form and the mirror of
//! `parse_name_addr` / `Uri::parse`.

use crate::message::headers::MAX_LIST;
use crate::message::name_addr::parse_qvalue;
use crate::message::params::MAX_PARAMS;
use crate::message::scan::{is_token, is_ws, parse_u32, valid_escaped, Scanner};
use crate::message::uri::{is_uric, is_user_char, valid_scheme};

use super::super::search::class_end;
use super::via::host_run;
use crate::message::folded::eq_lower;

use super::{generic_params, run};

/// A name-addr: the tight form first, then the full mirror.
pub(super) fn name_addr(s: &str, require_brackets: bool) -> bool {
    name_addr_at(s.as_bytes(), 0, require_brackets) == Some(s.len())
        || name_addr_ok(s, require_brackets)
}

/// A comma list of name-addrs (Contact, Route, Record-Route) in the
/// tight form, element ends found while validating.
///
/// The tight elements hold no `\`, and no `"`, `<` or `,` except in a
/// display name or around the URI, so the quote- and bracket-aware split
/// of `list_each` cuts exactly at the commas found here.
pub(super) fn name_addr_list_tight(s: &str, require_brackets: bool) -> bool {
    name_addr_list_at(s.as_bytes(), 0, require_brackets) == Some(s.len())
}

/// [`name_addr_list_tight`] from `i` in `b`, which may run on past the
/// value: where the list stopped (the caller decides whether the value
/// ends there).
pub(super) fn name_addr_list_at(b: &[u8], mut i: usize, require_brackets: bool) -> Option<usize> {
    let mut n = 0;
    loop {
        n += 1;
        if n > MAX_LIST {
            return None;
        }
        let e = name_addr_at(b, i, require_brackets)?;
        if b.get(e) != Some(&b',') {
            return Some(e);
        }
        i = e + 1;
    }
}

/// The tight form of a whole name-addr value (brackets optional).
#[cfg(test)]
pub(super) fn name_addr_tight(s: &str) -> bool {
    name_addr_at(s.as_bytes(), 0, false) == Some(s.len())
}

/// The usual `[display-name] <uri>[;params]` or `addr-spec[;params]` at
/// `i`, in one pass: a token or unescaped quoted display name, a SIP URI
/// ([`sip_run`]), `;name[=value]` parameters without whitespace, then
/// optional whitespace. Returns where it stopped (end or a byte the
/// caller must judge); `None` for anything else, which is left to
/// [`name_addr_ok`].
pub(super) fn name_addr_at(b: &[u8], mut i: usize, require_brackets: bool) -> Option<usize> {
    i += run(b, i, is_ws);
    match b.get(i) {
        Some(b'"') => {
            i += 1;
            // qdtext without CTLs; a quoted-pair goes to the mirror.
            loop {
                let c = *b.get(i)?;
                i += 1;
                if c == b'"' {
                    break;
                }
                if c == b'\\' || c == 0x7f || (c < 0x20 && c != b'\t') {
                    return None;
                }
            }
            i += run(b, i, is_ws);
        }
        Some(b'<') => {}
        _ => {
            // `sip` is a token, but the ':' after it ends the display-name
            // look-ahead of `parse_name_addr`: an addr-spec, whose URI
            // ends at the first ';' or whitespace.
            if let Some(from) = scheme_end(b, i) {
                if require_brackets {
                    return None;
                }
                let e = sip_run(b, from, false)?;
                return params_at(b, e);
            }
            loop {
                let t = run(b, i, is_token);
                if t == 0 {
                    return None;
                }
                i += t;
                let w = run(b, i, is_ws);
                i += w;
                match b.get(i) {
                    Some(b'<') => break,
                    Some(_) if w > 0 => continue,
                    _ => return None,
                }
            }
        }
    }
    if b.get(i) != Some(&b'<') {
        return None;
    }
    // The URI classes of `sip_run` hold no '<', '>' or whitespace, so
    // stopping at '>' means the bracket text is exactly the URI.
    let e = sip_run(b, scheme_end(b, i + 1)?, true)?;
    if b.get(e) != Some(&b'>') {
        return None;
    }
    params_at(b, e + 1)
}

/// Where a lower-case `sip:` / `sips:` scheme at `i` ends.
#[inline(always)]
fn scheme_end(b: &[u8], i: usize) -> Option<usize> {
    let r = b.get(i..)?;
    if r.starts_with(b"sip:") {
        Some(i + 4)
    } else if r.starts_with(b"sips:") {
        Some(i + 5)
    } else {
        None
    }
}

/// Header parameters of a name-addr from `i` in the tight form, with the
/// q/expires/tag rules of `parse_name_addr`, then optional whitespace;
/// returns where it stopped.
#[inline(always)]
fn params_at(b: &[u8], mut i: usize) -> Option<usize> {
    let mut n = 0;
    while b.get(i) == Some(&b';') {
        if n >= MAX_PARAMS {
            return None;
        }
        n += 1;
        let ns = i + 1;
        // A '%' (an escaped name, unescaped by the typed parser before
        // its checks) stops the name and so the parameters.
        let ne = class_end(b, ns, |c| kind(c, K_NAME));
        if ne == ns {
            return None;
        }
        let name = b.get(ns..ne)?;
        let tag = eq_lower!(name, b"tag");
        let (value, end) = if b.get(ne) == Some(&b'=') {
            // A tag must hold no ':': its value is scanned without them,
            // so one stopping at a ':' is refused.
            let ve = if tag {
                class_end(b, ne + 1, |c| c != b':' && kind(c, K_VALUE))
            } else {
                class_end(b, ne + 1, |c| kind(c, K_VALUE))
            };
            if ve == ne + 1 || (tag && b.get(ve) == Some(&b':')) {
                return None;
            }
            (b.get(ne + 1..ve), ve)
        } else {
            (None, ne)
        };
        let ok = if tag {
            value.is_some()
        } else if eq_lower!(name, b"q") {
            value
                .and_then(|v| std::str::from_utf8(v).ok())
                .and_then(parse_qvalue)
                .is_some()
        } else if eq_lower!(name, b"expires") {
            value
                .and_then(|v| std::str::from_utf8(v).ok())
                .and_then(parse_u32)
                .is_some()
        } else {
            true
        };
        if !ok {
            return None;
        }
        i = end;
    }
    Some(i + run(b, i, is_ws))
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
    let b = s.as_bytes();
    match scheme_end(b, 0) {
        Some(i) => sip_run(b, i, true) == Some(b.len()) || split_user_ok(s, i),
        None => other_uri_ok(s),
    }
}

/// `parse_sip` where the user part holds bytes the one-pass run leaves
/// out (`;`, `,`, `?`: fine before the '@' of a whole URI): the user is
/// everything before the first '@', checked as `parse_sip` does; the
/// rest must then be a user-less host part. A password is left to the
/// typed parser.
fn split_user_ok(s: &str, from: usize) -> bool {
    let b = s.as_bytes();
    let Some(at) = b.get(from..).and_then(|r| memchr::memchr(b'@', r)) else {
        return false;
    };
    let (user, host) = (s.get(from..from + at).unwrap_or_default(), from + at + 1);
    !user.is_empty()
        && !user.contains(':')
        && valid_escaped(user, is_user_char)
        && b.get(host..).is_some_and(|h| !h.contains(&b'@'))
        && sip_run(b, host, true) == Some(b.len())
}

/// The `Uri::Other` rule of `Uri::parse`: a scheme that is not SIP
/// (letters, digits, `+-.`, starting with a letter), then one or more
/// `uric` bytes or `%HH` escapes.
fn other_uri_ok(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !scheme.eq_ignore_ascii_case("sip")
        && !scheme.eq_ignore_ascii_case("sips")
        && valid_scheme(scheme)
        && !rest.is_empty()
        && valid_escaped(rest, is_uric)
}

const K_ALNUM: u8 = 1;
const K_DASH: u8 = 2;
const K_DOT: u8 = 4;
/// `C_USER` without ';', ',' and '?': those end an addr-spec or split a
/// list, so a user part holding them is left to the typed parser.
const K_USER: u8 = 8;
/// `C_PARAM` (URI parameter names and values, unescaped).
const K_PARAM: u8 = 16;
/// `token` without '%'.
const K_NAME: u8 = 32;
/// `token` / ':' (`parse_gen_value` unquoted).
const K_VALUE: u8 = 64;
const K_DIGIT: u8 = 128;

static KIND: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let alnum = c.is_ascii_alphanumeric();
        let unreserved = alnum
            || matches!(
                c,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        let token = alnum
            || matches!(
                c,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        let mut k = 0;
        if alnum {
            k |= K_ALNUM;
        }
        if c == b'-' {
            k |= K_DASH;
        }
        if c == b'.' {
            k |= K_DOT;
        }
        if unreserved || matches!(c, b'&' | b'=' | b'+' | b'$' | b'/') {
            k |= K_USER;
        }
        if unreserved || matches!(c, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$') {
            k |= K_PARAM;
        }
        if token && c != b'%' {
            k |= K_NAME;
        }
        if token || c == b':' {
            k |= K_VALUE;
        }
        if c.is_ascii_digit() {
            k |= K_DIGIT;
        }
        t[i] = k;
        i += 1;
    }
    t
};

#[inline(always)]
fn kind(c: u8, mask: u8) -> bool {
    KIND[c as usize] & mask != 0
}

/// The end of the run from `i` of bytes of class `mask` and `%HH`
/// escapes: `valid_escaped` as `parse_sip` applies it to the user part
/// and to URI parameters, which it keeps escaped. A '%' without two hex
/// digits ends the run (the caller then finds no valid end).
#[inline(always)]
fn escaped_end(b: &[u8], mut i: usize, mask: u8) -> usize {
    loop {
        i = class_end(b, i, |c| kind(c, mask));
        match (b.get(i), b.get(i + 1), b.get(i + 2)) {
            (Some(b'%'), Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                i += 3
            }
            _ => return i,
        }
    }
}

/// `parse_sip` in one pass over what follows the scheme from `i`:
/// `[user "@"] host [":" port]`, then with `params` `;name[=value]` URI
/// parameters. Returns where it stopped; the caller checks that byte
/// ends the URI text (so a '?', '%', ':' password or second '@' there
/// means "not sure"). None of the accepted bytes is '@', so a URI taken
/// as user-less has no '@' at all, as `parse_sip` requires.
fn sip_run(b: &[u8], i: usize, params: bool) -> Option<usize> {
    let (mut j, mut host) = host_run(b, i);
    if let Some(&c) = b.get(j) {
        if c == b'@' || c == b'%' || kind(c, K_USER) {
            // The run was (part of) a user part.
            if c != b'@' {
                j = escaped_end(b, j, K_USER);
            }
            if j == i || b.get(j) != Some(&b'@') {
                return None;
            }
            (j, host) = host_run(b, j + 1);
        }
    }
    if !host {
        return None;
    }
    if b.get(j) == Some(&b':') {
        let n = run(b, j + 1, |c| kind(c, K_DIGIT));
        // Length first: the fold below must not see more than five digits.
        if n == 0 || n > 5 {
            return None;
        }
        let port = b
            .get(j + 1..j + 1 + n)?
            .iter()
            .fold(0u32, |p, &d| p * 10 + u32::from(d - b'0'));
        if port > 65535 {
            return None;
        }
        j += 1 + n;
    }
    if !params {
        return Some(j);
    }
    let mut n = 0;
    while b.get(j) == Some(&b';') {
        if n >= MAX_PARAMS {
            return None;
        }
        n += 1;
        let name = escaped_end(b, j + 1, K_PARAM);
        if name == j + 1 {
            return None;
        }
        j = name;
        if b.get(j) == Some(&b'=') {
            let value = escaped_end(b, j + 1, K_PARAM);
            if value == j + 1 {
                return None;
            }
            j = value;
        }
    }
    Some(j)
}
