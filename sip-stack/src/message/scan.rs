//! Byte-level lexing helpers shared by every header and URI parser.
//!
//! Everything here works on `&str` slices whose cut points are ASCII
//! delimiters, and uses `get()` rather than indexing, so no input can make
//! it panic.

// Character classes as bit flags in one 256-entry table, so every
// per-byte test is a single load (the parser's hot loops are all
// "advance while byte in class").
pub(crate) const C_TOKEN: u16 = 1;
pub(crate) const C_UNRESERVED: u16 = 2;
pub(crate) const C_RESERVED: u16 = 4;
pub(crate) const C_USER: u16 = 8;
pub(crate) const C_PASSWORD: u16 = 16;
pub(crate) const C_PARAM: u16 = 32;
pub(crate) const C_HNV: u16 = 64;
pub(crate) const C_WORD: u16 = 128;
pub(crate) const C_HOST: u16 = 256;

const fn build_classes() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let alnum = b.is_ascii_alphanumeric();
        let mut c = 0;
        let token = alnum
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        let unreserved = alnum
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        let reserved = matches!(
            b,
            b';' | b'/' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b','
        );
        if token {
            c |= C_TOKEN;
        }
        if unreserved {
            c |= C_UNRESERVED;
        }
        if reserved {
            c |= C_RESERVED;
        }
        if unreserved || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/') {
            c |= C_USER;
        }
        if unreserved || matches!(b, b'&' | b'=' | b'+' | b'$' | b',') {
            c |= C_PASSWORD;
        }
        if unreserved || matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$') {
            c |= C_PARAM;
        }
        if unreserved || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$') {
            c |= C_HNV;
        }
        if token
            || matches!(
                b,
                b'(' | b')'
                    | b'<'
                    | b'>'
                    | b':'
                    | b'\\'
                    | b'"'
                    | b'/'
                    | b'['
                    | b']'
                    | b'?'
                    | b'{'
                    | b'}'
            )
        {
            c |= C_WORD;
        }
        if alnum || b == b'-' || b == b'.' {
            c |= C_HOST;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CLASSES: [u16; 256] = build_classes();

/// Whether `b` belongs to any of the classes in `mask`.
#[inline(always)]
pub(crate) fn class(b: u8, mask: u16) -> bool {
    CLASSES[b as usize] & mask != 0
}

/// RFC 3261 `token` characters.
#[inline(always)]
pub(crate) fn is_token(b: u8) -> bool {
    class(b, C_TOKEN)
}

/// RFC 3261 `unreserved` = alphanum / mark.
#[cfg(test)]
#[inline(always)]
pub(crate) fn is_unreserved(b: u8) -> bool {
    class(b, C_UNRESERVED)
}

/// Space or horizontal tab.
pub(crate) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Strips leading and trailing SP/HTAB.
pub(crate) fn trim_ws(s: &str) -> &str {
    // Byte-wise (no char decoding); cutting next to ASCII bytes always
    // lands on char boundaries.
    let b = s.as_bytes();
    let start = b.iter().position(|&c| !is_ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !is_ws(c)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or("")
}

/// True when every byte is either accepted by `allowed` or part of a
/// well-formed `%HH` escape.
pub(crate) fn valid_escaped(s: &str, allowed: impl Fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    if b.iter().all(|&c| c != b'%' && allowed(c)) {
        return true;
    }
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            match (b.get(i + 1), b.get(i + 2)) {
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => i += 3,
                _ => return false,
            }
        } else if allowed(c) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Decodes `%HH` escapes. Malformed escapes are kept literally (callers
/// validate first).
pub(crate) fn unescape(s: &str) -> std::borrow::Cow<'_, [u8]> {
    if !s.as_bytes().contains(&b'%') {
        return std::borrow::Cow::Borrowed(s.as_bytes());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            if let (Some(&h), Some(&l)) = (b.get(i + 1), b.get(i + 2)) {
                if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() {
                    out.push(hex_val(h) << 4 | hex_val(l));
                    i += 3;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// Writes `s` escaping every byte not accepted by `allowed`; existing
/// well-formed `%HH` escapes pass through unchanged.
pub(crate) fn write_escaped(
    f: &mut impl std::fmt::Write,
    s: &str,
    allowed: impl Fn(u8) -> bool,
) -> std::fmt::Result {
    if valid_escaped(s, &allowed) {
        return f.write_str(s);
    }
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let good_escape = c == b'%'
            && matches!((b.get(i + 1), b.get(i + 2)), (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit());
        if good_escape || (c != b'%' && allowed(c)) {
            f.write_char(c as char)?;
        } else {
            write!(f, "%{c:02X}")?;
        }
        i += 1;
    }
    Ok(())
}

/// Writes `s` as a `quoted-string`, escaping `"` and `\`.
pub(crate) fn write_quoted(f: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            // quoted-pair covers the controls qdtext forbids (RFC 3261 §25.1).
            '"' | '\\' | '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f' => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            // CR/LF cannot appear even escaped; drop them rather than emit
            // a broken header.
            '\r' | '\n' => {}
            _ => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Splits `s` at top-level commas, ignoring commas inside quoted strings
/// and `<...>`. Returns `None` for unbalanced quotes or brackets.
pub(crate) fn split_commas(s: &str, max: usize) -> Option<Vec<&str>> {
    let mut out = Vec::with_capacity(count_commas(s, max)?);
    each_comma(s, |e| {
        out.push(e);
        Ok::<(), ()>(())
    })
    .ok()?;
    Some(out)
}

/// Walks `b` calling `on_comma(i)` at every top-level comma (outside
/// quoted strings and `<...>`); stops early when it returns false.
/// Returns whether quotes and brackets were balanced (false on an early
/// stop).
fn walk_commas(b: &[u8], mut on_comma: impl FnMut(usize) -> bool) -> bool {
    // Jumps between the bytes that change state (memchr) rather than
    // stepping through every byte. Inside <...> quotes still count, as
    // a display name cannot appear there but a quoted URI parameter can.
    let (mut in_q, mut in_a) = (false, false);
    let mut i = 0;
    loop {
        let rest = b.get(i..).unwrap_or_default();
        if in_q {
            let Some(p) = memchr::memchr2(b'\\', b'"', rest) else {
                return false;
            };
            if rest.get(p) == Some(&b'\\') {
                // quoted-pair: the next byte is literal.
                i += p + 2;
            } else {
                in_q = false;
                i += p + 1;
            }
        } else if in_a {
            let Some(p) = memchr::memchr2(b'"', b'>', rest) else {
                return false;
            };
            if rest.get(p) == Some(&b'"') {
                in_q = true;
            } else {
                in_a = false;
            }
            i += p + 1;
        } else {
            let Some(p) = memchr::memchr3(b'"', b'<', b',', rest) else {
                return true;
            };
            match rest.get(p) {
                Some(b'"') => in_q = true,
                Some(b'<') => in_a = true,
                _ => {
                    if !on_comma(i + p) {
                        return false;
                    }
                }
            }
            i += p + 1;
        }
    }
}

/// Number of top-level comma-separated elements of `s` (what
/// [`split_commas`] would return, without allocating): `None` for
/// unbalanced quotes or brackets or more than `max` elements.
pub(crate) fn count_commas(s: &str, max: usize) -> Option<usize> {
    let mut n = 1;
    walk_commas(s.as_bytes(), |_| {
        n += 1;
        n <= max
    })
    .then_some(n)
}

/// Calls `f` on each top-level comma-separated element of `s`, which
/// [`count_commas`] has already checked.
pub(crate) fn each_comma<'a, E>(
    s: &'a str,
    mut f: impl FnMut(&'a str) -> Result<(), E>,
) -> Result<(), E> {
    let mut start = 0;
    let mut res = Ok(());
    walk_commas(s.as_bytes(), |i| {
        res = f(s.get(start..i).unwrap_or(""));
        start = i + 1;
        res.is_ok()
    });
    res?;
    f(s.get(start..).unwrap_or(""))
}

/// Parses an unsigned decimal of at most `max_digits` digits; rejects
/// empty input, signs and overflow.
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: u64 = 0;
    for b in s.bytes() {
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        if v > u64::from(u32::MAX) {
            return None;
        }
    }
    u32::try_from(v).ok()
}

/// A forward-only cursor over a header value.
pub(crate) struct Scanner<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    #[inline]
    pub(crate) fn new(src: &'a str) -> Self {
        Scanner { src, pos: 0 }
    }

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
    }

    #[inline]
    pub(crate) fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    #[inline]
    pub(crate) fn slice(&self, from: usize, to: usize) -> &'a str {
        self.src.get(from..to).unwrap_or("")
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// Skips SP/HTAB; true when something was skipped.
    #[inline]
    pub(crate) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
        self.pos > start
    }

    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `SWS b SWS`; leaves the cursor untouched when `b` is absent.
    #[inline]
    pub(crate) fn eat_sep(&mut self, b: u8) -> bool {
        let save = self.pos;
        self.skip_ws();
        if self.eat(b) {
            self.skip_ws();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Consumes bytes while `f` holds. `f` must only accept whole UTF-8
    /// sequences (ASCII predicates, or all bytes >= 0x80 together).
    #[inline]
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        let rest = self.src.as_bytes().get(start..).unwrap_or_default();
        self.pos = start + rest.iter().position(|&b| !f(b)).unwrap_or(rest.len());
        match self.src.get(start..self.pos) {
            Some(s) => s,
            None => {
                self.pos = start;
                ""
            }
        }
    }

    #[inline]
    pub(crate) fn token(&mut self) -> Option<&'a str> {
        let t = self.take_while(is_token);
        (!t.is_empty()).then_some(t)
    }

    /// Parses a `quoted-string` at the cursor. Returns the raw text
    /// (with quotes) and the unescaped content.
    #[inline]
    pub(crate) fn quoted(&mut self) -> Option<(&'a str, String)> {
        let (raw, escapes) = self.quoted_raw()?;
        let inner = raw.get(1..raw.len() - 1)?;
        if !escapes {
            // Usual case: the content is the raw text between the quotes,
            // copied once at its final size.
            return Some((raw, inner.to_owned()));
        }
        let mut out = Vec::with_capacity(inner.len());
        let mut bytes = inner.bytes();
        while let Some(c) = bytes.next() {
            // quoted_raw checked that every '\\' is followed by one byte.
            let c = if c == b'\\' { bytes.next()? } else { c };
            out.push(c);
        }
        let text = String::from_utf8(out).ok()?;
        Some((raw, text))
    }

    /// Checks a `quoted-string` at the cursor without unescaping it.
    /// Returns the raw text (with quotes) and whether it holds any
    /// quoted-pair; on failure the cursor does not move.
    #[inline]
    pub(crate) fn quoted_raw(&mut self) -> Option<(&'a str, bool)> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return None;
        }
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        let mut escapes = false;
        loop {
            let c = *bytes.get(i)?;
            i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let n = *bytes.get(i)?;
                    // quoted-pair = "\\" (%x00-09 / %x0B-0C / %x0E-7F)
                    if n > 0x7f || n == b'\r' || n == b'\n' {
                        return None;
                    }
                    escapes = true;
                    i += 1;
                }
                // qdtext excludes CTLs other than LWS.
                0x00..=0x08 | 0x0a..=0x1f | 0x7f => return None,
                _ => {}
            }
        }
        let raw = self.src.get(start..i)?;
        self.pos = i;
        Some((raw, escapes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_respect_quotes_and_angles() {
        let v = split_commas(r#""a,b" <sip:x;a=1,2>, c"#, 10).unwrap();
        assert_eq!(v, vec![r#""a,b" <sip:x;a=1,2>"#, " c"]);
        assert!(split_commas("\"abc", 10).is_none());
        let s = r#""a,b" <sip:x;a=1,2>, c,,"#;
        assert_eq!(count_commas(s, 10), Some(4));
        assert_eq!(count_commas(s, 3), None);
        assert_eq!(count_commas("a, \"b", 10), None);
        let mut got = Vec::new();
        each_comma(s, |e| {
            got.push(e.to_owned());
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(got, split_commas(s, 10).unwrap());
    }

    #[test]
    fn u32_bounds() {
        assert_eq!(parse_u32("0009"), Some(9));
        assert_eq!(parse_u32("4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_u32("-1"), None);
        assert_eq!(parse_u32(""), None);
    }

    #[test]
    fn quoted_string_escapes() {
        let mut s = Scanner::new(r#""J Rosenberg \\\"" rest"#);
        let (raw, text) = s.quoted().unwrap();
        assert_eq!(raw, r#""J Rosenberg \\\"""#);
        assert_eq!(text, r#"J Rosenberg \""#);
        assert_eq!(s.rest(), " rest");
    }

    #[test]
    fn escapes_roundtrip() {
        assert_eq!(&*unescape("a%41%zz"), b"aA%zz");
        let mut out = String::new();
        write_escaped(&mut out, "a b%41", is_unreserved).unwrap();
        assert_eq!(out, "a%20b%41");
    }
}
