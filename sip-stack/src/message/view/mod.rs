//! [`MessageView`]: a received datagram checked against the full grammar,
//! without building anything.
//!
//! The view accepts and rejects exactly what [`SipMessage::parse_datagram`]
//! does — same framing, same limits, same typed-header grammars — but
//! keeps every header field as a slice of the input. It is what the UA
//! core runs on every datagram; [`MessageView::to_message`] builds the
//! typed tree when one is wanted.
//!
//! How it stays exact: framing and line splitting are the typed parser's
//! own functions; the hot header grammars have allocation-free checks
//! (`fast`) that may only say "certainly valid", and any value they are
//! unsure of is handed to the typed parser itself. On any error the typed
//! parser is run on the whole input, so the error (status code, partial
//! request for the 400 reply) is the typed parser's, bit for bit.
//!
//! ```
//! use openphone_sip::message::{HeaderKind, MessageView, Method, StartLineView};
//! let raw = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
//! v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
//! Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n\
//! From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
//! Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\nCSeq: 314159 INVITE\r\n\
//! Subject: lunch\r\nContent-Length: 5\r\n\r\nv=0\r\n";
//! let view = MessageView::parse(raw).unwrap();
//! assert!(matches!(view.start(), StartLineView::Request { method: Method::Invite, uri } if *uri == "sip:bob@biloxi.example.com"));
//! let via = view.fields().iter().find(|f| f.kind == Some(HeaderKind::Via)).unwrap();
//! assert_eq!(via.name, "v");
//! assert_eq!(view.body(), b"v=0\r\n");
//! // The same message as a typed tree:
//! let msg = view.to_message().unwrap();
//! assert_eq!(msg.headers().cseq().unwrap().seq, 314159);
//! // Bad input gets the typed parser's error and status code.
//! assert_eq!(MessageView::parse(b"INVITE sip:b@h SIP/2.0\r\nCSeq: x\r\n\r\n").unwrap_err().response_code(), 400);
//! ```

mod fast;
mod lines;
mod search;
mod typed;

use std::borrow::Cow;

use super::error::{ParseError, ParseErrorKind as K};
use super::headers::{Header, HeaderKind};
use super::method::Method;
use super::parse::{
    check_version, find_blank_line, find_crlf, parse, parse_field, split_header_lines, unfold,
    Mode, Outcome, ParseLimits, RawHeader, Source,
};
use super::scan::{is_ws, parse_u32, trim_ws};
use super::sip_message::SipMessage;
use super::uri::Uri;

/// The first line of a viewed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLineView<'a> {
    /// `Method SP Request-URI SP SIP/2.0`; the URI is valid.
    Request {
        /// Method.
        method: Method,
        /// Request-URI as received.
        uri: &'a str,
    },
    /// `SIP/2.0 SP Status-Code SP Reason-Phrase`.
    Response {
        /// Status code, 100..=699.
        status: u16,
        /// Reason phrase as received (may be empty).
        reason: &'a str,
    },
}

/// One header line as received; its value is valid for its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldView<'a> {
    /// Name as received (`v`, `VIA`, `X-Custom`).
    pub name: &'a str,
    /// Value without surrounding whitespace; folds (CRLF + SP) kept.
    /// Untyped headers may hold any bytes the line grammar allows.
    pub value: &'a [u8],
    /// The typed kind this crate parses it as, `None` for other headers.
    pub kind: Option<HeaderKind>,
}

impl<'a> FieldView<'a> {
    /// The value with folds removed (a fold is equivalent to its
    /// whitespace alone).
    pub fn value_unfolded(&self) -> Cow<'a, [u8]> {
        if !self.value.contains(&b'\r') {
            return Cow::Borrowed(self.value);
        }
        Cow::Owned(unfold(self.value))
    }
}

/// A validated SIP datagram whose parts borrow the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView<'a> {
    data: &'a [u8],
    limits: ParseLimits,
    start: StartLineView<'a>,
    fields: Vec<FieldView<'a>>,
    body: &'a [u8],
}

impl<'a> MessageView<'a> {
    /// Checks one UDP datagram with the default [`ParseLimits`]; same
    /// rules as [`SipMessage::parse_datagram`].
    pub fn parse(data: &'a [u8]) -> Result<MessageView<'a>, ParseError> {
        Self::parse_with(data, &ParseLimits::default())
    }

    /// [`MessageView::parse`] with explicit limits.
    pub fn parse_with(data: &'a [u8], limits: &ParseLimits) -> Result<MessageView<'a>, ParseError> {
        let view = match lines::scan_lines(data, limits) {
            Some(v) => {
                // Every debug-build test doubles as a check that the
                // one-pass splitter agrees with the exact framing.
                debug_assert_eq!(Some(&v), scan(data, limits).as_ref());
                Some(v)
            }
            None => scan(data, limits),
        };
        view.ok_or_else(|| typed_error(data, limits))
    }

    /// The request or status line.
    pub fn start(&self) -> &StartLineView<'a> {
        &self.start
    }

    /// Header lines in order (a comma list on one line is one field).
    pub fn fields(&self) -> &[FieldView<'a>] {
        &self.fields
    }

    /// The body (Content-Length octets, or the rest of the datagram).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The whole datagram this view was made from.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }

    /// The typed tree of the same message (parses it again, typed).
    pub fn to_message(&self) -> Result<SipMessage, ParseError> {
        SipMessage::parse_datagram_with(self.data, &self.limits)
    }
}

/// The typed parser's verdict on input the view refused.
fn typed_error(data: &[u8], limits: &ParseLimits) -> ParseError {
    match parse(&Source::borrowed(data), Mode::Datagram, limits) {
        Err((e, _)) => e,
        Ok(Outcome::Incomplete(_)) => ParseError::new(K::Unterminated),
        Ok(Outcome::Done(..)) => {
            // The view and the typed parser share every rule, so this is
            // a bug in the view; refuse rather than guess.
            debug_assert!(false, "view refused a message the typed parser accepts");
            ParseError::new(K::HeaderLine("internal parser disagreement"))
        }
    }
}

/// The framing of `parse::parse` in datagram mode; `None` on any error.
fn scan<'a>(b: &'a [u8], limits: &ParseLimits) -> Option<MessageView<'a>> {
    let skip = b.iter().position(|&c| c != b'\r' && c != b'\n')?;
    if b.len() > limits.max_message {
        return None;
    }
    let blank = find_blank_line(b, skip)?;
    let (head_end, body_start) = (blank + 2, blank + 4);
    if head_end - skip > limits.max_message {
        return None;
    }
    let sl_end = b
        .get(skip..head_end)
        .and_then(find_crlf)
        .map_or(head_end, |p| skip + p);
    let hdr_from = (sl_end + 2).min(head_end);
    let start = start_line(b.get(skip..sl_end)?)?;

    let head = b.get(hdr_from..head_end)?;
    let lines = memchr::memchr_iter(b'\n', head).count() + 1;
    let mut fields = Vec::with_capacity(lines.min(limits.max_headers));
    let head_text = std::str::from_utf8(head).ok();
    let src = Source::borrowed(b);
    let mut framing = Framing::default();
    let mut scratch = Vec::new();
    let mut ok = true;
    let line_err = split_header_lines(b, hdr_from, head_end, limits, |h| {
        ok = ok
            && field(
                &src,
                head_text,
                hdr_from,
                h,
                &mut framing,
                &mut scratch,
                &mut fields,
            );
    })
    .ok()?;
    if line_err.is_some() || !ok {
        return None;
    }

    finish(b, limits, start, fields, &framing, body_start)
}

/// Body framing and the CSeq check, shared by both splitters.
fn finish<'a>(
    b: &'a [u8],
    limits: &ParseLimits,
    start: StartLineView<'a>,
    fields: Vec<FieldView<'a>>,
    framing: &Framing,
    body_start: usize,
) -> Option<MessageView<'a>> {
    let avail = b.len() - body_start.min(b.len());
    let body_len = match framing.content_length {
        Some(n) if n as usize > avail => return None,
        Some(n) => n as usize,
        None => avail,
    };
    let body = b.get(body_start..body_start + body_len)?;
    if let (StartLineView::Request { method, .. }, Some(c)) = (&start, &framing.cseq_method) {
        let same = match c {
            // `Method::from_str` is one-to-one and `as_str` its inverse,
            // so equal text is equal methods.
            CseqMethod::At(from, to) => b.get(*from..*to) == Some(method.as_str().as_bytes()),
            CseqMethod::Typed(m) => m == method,
        };
        if !same {
            return None;
        }
    }
    Some(MessageView {
        data: b,
        limits: *limits,
        start,
        fields,
        body,
    })
}

/// What the framing needs from the headers: the first Content-Length and
/// the first CSeq method, as the typed parser reads them.
#[derive(Default)]
pub(super) struct Framing {
    content_length: Option<u32>,
    cseq_method: Option<CseqMethod>,
    /// Set for a response, which never compares its CSeq method.
    pub(super) skip_cseq: bool,
}

impl Framing {
    /// Takes what it needs from an accepted value `t` of `kind`, found
    /// at `at` in the datagram.
    #[inline(always)]
    fn note(&mut self, kind: HeaderKind, t: &str, at: usize) {
        match kind {
            HeaderKind::ContentLength if self.content_length.is_none() => {
                self.content_length = parse_u32(trim_ws(t));
            }
            HeaderKind::CSeq if self.cseq_method.is_none() && !self.skip_cseq => {
                self.cseq_method = Some(cseq_method_at(t, at));
            }
            _ => {}
        }
    }
}

/// Records a field whose value `t` (at `at` in the datagram) the fused
/// check [`fast::value_at`] accepted for `kind`.
#[inline(always)]
fn fused_field<'a>(
    name: &'a str,
    kind: Option<HeaderKind>,
    t: &'a str,
    at: usize,
    framing: &mut Framing,
    out: &mut Vec<FieldView<'a>>,
) {
    if let Some(kind) = kind {
        debug_assert!(
            super::headers::parse_typed(kind, t, &mut Vec::new()).is_ok(),
            "fused check accepted {kind:?} {t:?}, the typed parser does not"
        );
        debug_assert!(
            fast::value_ok(kind, t),
            "fused and separate checks disagree on {kind:?} {t:?}"
        );
        framing.note(kind, t, at);
    }
    out.push(FieldView {
        name,
        value: t.as_bytes(),
        kind,
    });
}

/// The first CSeq's method: where its text is in the datagram (fast
/// path), or as the typed parser read it.
enum CseqMethod {
    At(usize, usize),
    Typed(Method),
}

/// Checks one header field found by the exact splitter and records it;
/// false when it is invalid.
fn field<'a>(
    src: &Source<'a>,
    head: Option<&'a str>,
    head_at: usize,
    h: &RawHeader,
    framing: &mut Framing,
    scratch: &mut Vec<Header>,
    out: &mut Vec<FieldView<'a>>,
) -> bool {
    let b = src.data();
    let within = |from: usize, to: usize| {
        head.zip(from.checked_sub(head_at))
            .zip(to.checked_sub(head_at))
            .and_then(|((t, f), e)| t.get(f..e))
    };
    let name = within(h.name.0, h.name.1)
        .or_else(|| std::str::from_utf8(b.get(h.name.0..h.name.1)?).ok())
        .unwrap_or_default();
    let text = if h.folded {
        None
    } else {
        within(h.value.0, h.value.1)
    };
    let kind = HeaderKind::lookup(name);
    check_field(src, name, kind, || text, h, framing, scratch, out)
}

/// The fast check of a folded value, unfolded as `parse_field` does (a
/// fold is its whitespace alone). CSeq and Content-Length, which the
/// framing reads by position, are left to the typed parser.
#[cold]
fn folded_ok(b: &[u8], h: &RawHeader, kind: HeaderKind) -> bool {
    if matches!(kind, HeaderKind::CSeq | HeaderKind::ContentLength) {
        return false;
    }
    let v = unfold(b.get(h.value.0..h.value.1).unwrap_or_default());
    let Ok(t) = std::str::from_utf8(&v) else {
        return false;
    };
    let ok = fast::value_ok(kind, t);
    debug_assert!(
        !ok || super::headers::parse_typed(kind, t, &mut Vec::new()).is_ok(),
        "fast path accepted folded {kind:?} {t:?}, the typed parser does not"
    );
    ok
}

/// Checks a field's value for its kind (`kind` is `name` looked up; fast
/// path, else the typed parser) and records it. `text` gives the value as
/// text when it is UTF-8 and unfolded (asked for typed headers only); it
/// is `b[h.value.0..h.value.1]`, and `None` for a folded value (which is
/// unfolded here first).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn check_field<'a>(
    src: &Source<'a>,
    name: &'a str,
    kind: Option<HeaderKind>,
    text: impl FnOnce() -> Option<&'a str>,
    h: &RawHeader,
    framing: &mut Framing,
    scratch: &mut Vec<Header>,
    out: &mut Vec<FieldView<'a>>,
) -> bool {
    let value = src.data().get(h.value.0..h.value.1).unwrap_or_default();
    if let Some(kind) = kind {
        match text().filter(|t| fast::value_ok(kind, t)) {
            Some(t) => {
                debug_assert!(
                    super::headers::parse_typed(kind, t, &mut Vec::new()).is_ok(),
                    "fast path accepted {kind:?} {t:?}, the typed parser does not"
                );
                framing.note(kind, t, h.value.0);
            }
            None => {
                let fast_folded = h.folded && folded_ok(src.data(), h, kind);
                if !fast_folded && !typed_field(src, h, framing, scratch) {
                    return false;
                }
            }
        }
    }
    out.push(FieldView { name, value, kind });
    true
}

/// Where the method of an accepted CSeq value `t` (found at `at` in the
/// datagram) is: `CSeq::parse`'s `trim_ws`, digits, `skip_ws`, rest. On
/// a value of another shape the range is empty or reversed, which
/// compares unequal to any method (the exact path then decides).
fn cseq_method_at(t: &str, at: usize) -> CseqMethod {
    let b = t.as_bytes();
    let count = |from: usize, to: usize, f: fn(&u8) -> bool| {
        b.get(from..to)
            .map_or(0, |s| s.iter().take_while(|c| f(c)).count())
    };
    let lead = count(0, b.len(), |&c| is_ws(c));
    let end = b.len() - b.iter().rev().take_while(|&&c| is_ws(c)).count();
    let digits = lead + count(lead, end, u8::is_ascii_digit);
    let from = digits + count(digits, end, |&c| is_ws(c));
    CseqMethod::At(at + from, at + end)
}

/// The typed parser's check of one value the fast path was unsure of.
#[cold]
#[inline(never)]
fn typed_field(
    src: &Source<'_>,
    h: &RawHeader,
    framing: &mut Framing,
    scratch: &mut Vec<Header>,
) -> bool {
    scratch.clear();
    if parse_field(src, None, 0, h, scratch).is_err() {
        return false;
    }
    for x in scratch.iter() {
        match x {
            Header::ContentLength(n) if framing.content_length.is_none() => {
                framing.content_length = Some(*n);
            }
            Header::CSeq(c) if framing.cseq_method.is_none() && !framing.skip_cseq => {
                framing.cseq_method = Some(CseqMethod::Typed(c.method.clone()));
            }
            _ => {}
        }
    }
    true
}

/// `parse::parse_start_line` without building the URI or copying the
/// reason; `None` on any error.
fn start_line(line: &[u8]) -> Option<StartLineView<'_>> {
    // Every accepted line is text (each part is checked as such), so one
    // check up front changes nothing.
    start_line_text(std::str::from_utf8(line).ok()?)
}

/// `check_version`, with the usual spelling first.
#[inline(always)]
fn version_ok(v: &[u8]) -> Option<()> {
    if v == b"SIP/2.0" {
        return Some(());
    }
    check_version(v).ok()
}

/// [`start_line`] of a line already known to be text.
fn start_line_text(line: &str) -> Option<StartLineView<'_>> {
    let lb = line.as_bytes();
    // The usual status line, `SIP/2.0 NNN reason` with a printable
    // reason: the general rules below give the same view.
    if let Some((&[b'S', b'I', b'P', b'/', b'2', b'.', b'0', b' ', x, y, z, b' '], _)) =
        lb.split_first_chunk::<12>()
    {
        if (b'1'..=b'6').contains(&x)
            && y.is_ascii_digit()
            && z.is_ascii_digit()
            && search::text_end(lb, 12) == lb.len()
        {
            let status = u16::from(x - b'0') * 100 + u16::from(y - b'0') * 10 + u16::from(z - b'0');
            return Some(StartLineView::Response {
                status,
                reason: line.get(12..).unwrap_or_default(),
            });
        }
    }
    if lb.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/")) {
        // `splitn(3, ' ')`: version, code, the rest as the reason.
        let (ver, rest) = split_sp(line);
        version_ok(ver.as_bytes())?;
        let (code, reason) = split_sp(rest);
        let code = code.as_bytes();
        let [a, b, c] = *code else {
            return None;
        };
        if !(a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit()) {
            return None;
        }
        let status = [a, b, c]
            .iter()
            .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
        if !(100..=699).contains(&status) {
            return None;
        }
        let printable = reason
            .bytes()
            .all(|c| (0x20..0x7f).contains(&c) || c == b'\t');
        if !printable && reason.chars().any(|c| c.is_control() && c != '\t') {
            return None;
        }
        return Some(StartLineView::Response { status, reason });
    }
    // Exactly three parts between single spaces, as `split(' ')` with
    // three items: neither part may hold a further space.
    let (m, rest) = split_sp(line);
    let (u, v) = split_sp(rest);
    if rest.len() == u.len() || v.as_bytes().contains(&b' ') {
        return None;
    }
    let method: Method = m.parse().ok()?;
    if u.is_empty() || v.is_empty() {
        return None;
    }
    version_ok(v.as_bytes())?;
    let valid = fast::uri_ok(u)
        || match Uri::parse(u) {
            Ok(Uri::Sip(s)) => s.headers.is_empty(),
            Ok(Uri::Other { .. }) => true,
            Err(_) => false,
        };
    valid.then_some(StartLineView::Request { method, uri: u })
}

/// `s` cut at its first space (the space dropped), or all of `s`.
#[inline(always)]
fn split_sp(s: &str) -> (&str, &str) {
    match s.as_bytes().iter().position(|&c| c == b' ') {
        Some(i) => (
            s.get(..i).unwrap_or_default(),
            s.get(i + 1..).unwrap_or_default(),
        ),
        None => (s, ""),
    }
}

#[cfg(test)]
mod cseq_tests {
    use super::*;

    /// `cseq_method_at` finds the text `CSeq::parse` reads as the method.
    #[test]
    fn cseq_method_position() {
        for (t, method) in [
            ("1 INVITE", "INVITE"),
            ("  314159   ACK  ", "ACK"),
            ("7\tBYE", "BYE"),
            ("1 FOO", "FOO"),
        ] {
            let CseqMethod::At(from, to) = cseq_method_at(t, 100) else {
                panic!("position expected");
            };
            assert_eq!(t.get(from - 100..to - 100), Some(method), "{t:?}");
            assert_eq!(
                fast::cseq_method(t)
                    .map(|m| m.as_str().to_owned())
                    .as_deref(),
                Some(method)
            );
        }
    }
}
