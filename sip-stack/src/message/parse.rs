//! Message parsing: start line, header section, body framing
//! (RFC 3261 §7, §18.3, §20.14; RFC 4475 for the hard cases).
//!
//! Untyped header values and the body are `Bytes`: zero-copy slices when
//! the input is a `Bytes` buffer, copied on demand when it is a borrowed
//! `&[u8]` (see [`Source`]). The header section is checked as UTF-8 once
//! and split in one pass; each field is parsed as soon as its line ends.
//! Typed headers are parsed eagerly, once, so
//! accessors never re-parse. A bad header does not stop the scan: the rest
//! of the headers are still collected so the stack can answer 400 with the
//! Via/From/To/Call-ID/CSeq that did parse.

use bytes::Bytes;

use super::error::{ParseError, ParseErrorKind as K, PartialRequest};
use super::headers::{parse_typed, Header, HeaderKind, Headers};
use super::method::Method;
use super::scan::{is_token, is_ws};
use super::sip_message::{Request, Response, SipMessage};
use super::uri::Uri;

/// Resource limits applied while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Largest message (start line + headers + body), bytes.
    pub max_message: usize,
    /// Most header lines.
    pub max_headers: usize,
    /// Longest single header field (including folded continuations).
    pub max_header_line: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_message: 64 * 1024,
            max_headers: 256,
            max_header_line: 16 * 1024,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Datagram,
    Stream,
}

/// Result of one parse attempt (transient, so its size is no concern).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Outcome {
    /// A message and how many bytes of the buffer it used (including any
    /// leading CRLFs that were skipped).
    Done(SipMessage, usize),
    /// Stream only: need more bytes; when the header section is complete
    /// the total length the message needs is known.
    Incomplete(Option<usize>),
}

/// An error plus, on streams, how many bytes to drop to resynchronise
/// (`None` when framing is lost).
pub(crate) type Failure = (ParseError, Option<usize>);

fn fail(kind: K) -> Failure {
    (ParseError::new(kind), None)
}

/// The bytes being parsed and where `Bytes` for header values and the
/// body come from: slices of a shared buffer, or, for a borrowed `&[u8]`,
/// copies made only when something needs them (a 200 OK with no body and
/// only typed headers copies nothing).
pub(crate) struct Source<'a> {
    data: &'a [u8],
    shared: std::cell::OnceCell<Bytes>,
}

impl<'a> Source<'a> {
    /// Values share `buf`.
    pub(crate) fn shared(buf: &'a Bytes) -> Self {
        Source {
            data: &buf[..],
            shared: std::cell::OnceCell::from(buf.clone()),
        }
    }

    /// The bytes being parsed.
    pub(crate) fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Values are copied out of `data` on demand.
    pub(crate) fn borrowed(data: &'a [u8]) -> Self {
        Source {
            data,
            shared: std::cell::OnceCell::new(),
        }
    }

    /// An untyped header value: shares one copy of the whole buffer, so
    /// many such headers cost one allocation.
    pub(crate) fn value(&self, from: usize, to: usize) -> Bytes {
        let all = self
            .shared
            .get_or_init(|| Bytes::copy_from_slice(self.data));
        if from <= to && to <= all.len() {
            all.slice(from..to)
        } else {
            Bytes::new()
        }
    }

    /// The body: a slice of the shared buffer when there is one, else a
    /// copy of just the body.
    fn body(&self, from: usize, to: usize) -> Bytes {
        match self.shared.get() {
            Some(_) => self.value(from, to),
            None => Bytes::copy_from_slice(self.data.get(from..to).unwrap_or_default()),
        }
    }
}

/// Offset of the first CRLFCRLF at or after `from`.
pub(crate) fn find_blank_line(b: &[u8], from: usize) -> Option<usize> {
    // A message is a few lines: walking the LFs beats building a
    // substring searcher per call.
    let hay = b.get(from..)?;
    memchr::memchr_iter(b'\n', hay)
        .find(|&p| p >= 3 && hay.get(p - 3..p) == Some(b"\r\n\r"))
        .map(|p| p - 3 + from)
}

/// Offset of the first CRLF in `s`.
pub(crate) fn find_crlf(s: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'\n', s)
        .find(|&p| p >= 1 && s.get(p - 1) == Some(&b'\r'))
        .map(|p| p - 1)
}

pub(crate) enum StartLine {
    Request {
        method: Method,
        uri: Result<Uri, &'static str>,
    },
    Response {
        status: u16,
        reason: String,
    },
}

/// `SIP/2.0` (the literal is case-insensitive in ABNF). Anything shaped
/// like `SIP/x.y` but not 2.0 is a version error (505).
pub(crate) fn check_version(v: &[u8]) -> Result<(), K> {
    if v.len() == 7
        && v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
        && v.get(4..) == Some(b"2.0")
    {
        return Ok(());
    }
    let shaped = v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
        && v.get(4..).is_some_and(|rest| {
            let mut parts = rest.split(|&c| c == b'.');
            let ok = |p: Option<&[u8]>| {
                p.is_some_and(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
            };
            ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
        });
    if shaped {
        Err(K::Version(String::from_utf8_lossy(v).into_owned()))
    } else {
        Err(K::StartLine("invalid SIP version"))
    }
}

pub(crate) fn parse_start_line(line: &[u8]) -> Result<StartLine, (K, Option<Method>)> {
    if line
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
    {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        let mut it = line.splitn(3, |&c| c == b' ');
        let version = it.next().unwrap_or_default();
        check_version(version).map_err(|k| (k, None))?;
        let code = it.next().unwrap_or_default();
        if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
            return Err((K::StatusCode, None));
        }
        let status = code.iter().fold(0u16, |a, &d| a * 10 + u16::from(d - b'0'));
        if !(100..=699).contains(&status) {
            return Err((K::StatusCode, None));
        }
        // A missing SP before an empty reason is tolerated.
        let reason = it.next().unwrap_or_default();
        let reason = std::str::from_utf8(reason)
            .map_err(|_| (K::StartLine("reason phrase is not UTF-8"), None))?;
        if reason.chars().any(|c| c.is_control() && c != '\t') {
            return Err((K::StartLine("control character in reason phrase"), None));
        }
        return Ok(StartLine::Response {
            status,
            reason: reason.to_owned(),
        });
    }
    // Request-Line = Method SP Request-URI SP SIP-Version: exactly one SP
    // between elements (RFC 4475 §3.1.2.9, §3.1.2.10 strict reading).
    let mut it = line.split(|&c| c == b' ');
    let (Some(m), Some(u), Some(v), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err((
            K::StartLine("request line must be 'Method SP Request-URI SP SIP-Version'"),
            None,
        ));
    };
    let method = std::str::from_utf8(m)
        .ok()
        .and_then(|m| m.parse::<Method>().ok())
        .ok_or((K::StartLine("invalid method"), None))?;
    if u.is_empty() || v.is_empty() {
        return Err((K::StartLine("empty Request-URI or version"), Some(method)));
    }
    check_version(v).map_err(|k| (k, Some(method.clone())))?;
    let uri = match std::str::from_utf8(u) {
        Err(_) => Err("not UTF-8"),
        Ok(s) => match Uri::parse(s) {
            Err(_) => Err("malformed URI"),
            // Header components are not allowed in a Request-URI
            // (RFC 3261 §19.1.1 table; RFC 4475 §3.1.2.11 strict reading).
            Ok(Uri::Sip(s)) if !s.headers.is_empty() => Err("headers not allowed in Request-URI"),
            Ok(uri) => Ok(uri),
        },
    };
    Ok(StartLine::Request { method, uri })
}

/// One header field: name and raw value range in the buffer.
pub(crate) struct RawHeader {
    pub(crate) name: (usize, usize),
    pub(crate) value: (usize, usize),
    pub(crate) folded: bool,
}

/// Splits the header section `b[from..to]` (lines end with CRLF; the last
/// may not when the datagram was unterminated) into fields, handing each
/// to `on_field` as it is found (one pass, no list of lines). Returns the
/// first line-level error; `Err` for errors that lose the framing.
pub(crate) fn split_header_lines(
    b: &[u8],
    from: usize,
    to: usize,
    limits: &ParseLimits,
    mut on_field: impl FnMut(&RawHeader),
) -> Result<Option<K>, K> {
    let mut first_err = None;
    let mut fields = 0;
    let mut pos = from;
    while pos < to {
        // Find the end of this field: a CRLF not followed by SP/HTAB.
        let start = pos;
        let mut end;
        let mut folded = false;
        loop {
            let rel = b
                .get(pos..to)
                .and_then(|s| memchr::memchr2(b'\n', b'\r', s));
            match rel {
                None => {
                    end = to;
                    pos = to;
                    break;
                }
                Some(r) => {
                    let p = pos + r;
                    if b.get(p) == Some(&b'\n') || b.get(p + 1) != Some(&b'\n') {
                        // Bare LF or bare CR: line structure is ambiguous.
                        return Err(K::HeaderLine("bare CR or LF"));
                    }
                    end = p;
                    pos = p + 2;
                    if pos < to && b.get(pos).is_some_and(|&c| is_ws(c)) {
                        folded = true;
                        continue;
                    }
                    break;
                }
            }
        }
        if end - start > limits.max_header_line {
            return Err(K::TooLarge);
        }
        if fields >= limits.max_headers {
            return Err(K::TooManyHeaders);
        }
        fields += 1;
        let line = b.get(start..end).unwrap_or_default();
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            first_err.get_or_insert(K::HeaderLine("missing ':'"));
            continue;
        };
        let name = line.get(..colon).unwrap_or_default();
        let name_len = name.iter().rposition(|&c| !is_ws(c)).map_or(0, |i| i + 1);
        let name = name.get(..name_len).unwrap_or_default();
        if name.is_empty() || !name.iter().all(|&c| is_token(c)) {
            first_err.get_or_insert(K::HeaderLine("invalid header name"));
            continue;
        }
        // Trim LWS (including folds) around the value.
        let v = line.get(colon + 1..).unwrap_or_default();
        let lead = v
            .iter()
            .position(|&c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
            .unwrap_or(v.len());
        let trail = v
            .iter()
            .rposition(|&c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
            .map_or(lead, |i| i + 1);
        let vs = start + colon + 1;
        on_field(&RawHeader {
            name: (start, start + name_len),
            value: (vs + lead, vs + trail.max(lead)),
            folded: folded && v.get(lead..trail).is_some_and(|s| s.contains(&b'\r')),
        });
    }
    Ok(first_err)
}

/// `raw` with its folds removed: a fold (CRLF + WSP) is equivalent to the
/// WSP alone.
pub(crate) fn unfold(raw: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&c) = raw.get(i) {
        if c == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            i += 2;
            continue;
        }
        v.push(c);
        i += 1;
    }
    v
}

/// Parses the typed value of one header field.
/// `head` is the header section as text when it is valid UTF-8 as a
/// whole (the usual case), starting at buffer offset `head_at`; it saves a
/// UTF-8 check per field.
pub(crate) fn parse_field(
    src: &Source<'_>,
    head: Option<&str>,
    head_at: usize,
    h: &RawHeader,
    headers: &mut Vec<Header>,
) -> Result<(), K> {
    let b = src.data;
    let name = match head.and_then(|t| t.get(h.name.0 - head_at..h.name.1 - head_at)) {
        Some(n) => n,
        None => {
            std::str::from_utf8(b.get(h.name.0..h.name.1).unwrap_or_default()).unwrap_or_default()
        }
    };
    let raw = b.get(h.value.0..h.value.1).unwrap_or_default();
    match HeaderKind::lookup(name) {
        None => {
            let long = super::headers::names_expand(name);
            headers.push(Header::Other {
                name: long.to_owned(),
                value: src.value(h.value.0, h.value.1),
            });
            Ok(())
        }
        Some(kind) => {
            let err = |reason| K::Header {
                name: kind.name(),
                reason,
            };
            let unfolded;
            let raw = if h.folded {
                unfolded = unfold(raw);
                &unfolded[..]
            } else {
                raw
            };
            let pre = if h.folded {
                None
            } else {
                head.and_then(|t| t.get(h.value.0 - head_at..h.value.1 - head_at))
            };
            let text = match pre {
                Some(t) => t,
                None => std::str::from_utf8(raw).map_err(|_| err("not valid UTF-8"))?,
            };
            parse_typed(kind, text, headers).map_err(err)
        }
    }
}

/// Parses one message from `buf`. In datagram mode the message is the
/// whole buffer; in stream mode it may be a prefix.
pub(crate) fn parse(
    src: &Source<'_>,
    mode: Mode,
    limits: &ParseLimits,
) -> Result<Outcome, Failure> {
    let b = src.data;
    let skip = b
        .iter()
        .position(|&c| c != b'\r' && c != b'\n')
        .unwrap_or(b.len());
    if skip == b.len() {
        return match mode {
            Mode::Datagram => Err(fail(K::Empty)),
            Mode::Stream => Ok(Outcome::Incomplete(None)),
        };
    }
    if mode == Mode::Datagram && b.len() > limits.max_message {
        return Err(fail(K::TooLarge));
    }
    let (head_end, body_start, unterminated) = match find_blank_line(b, skip) {
        Some(p) => (p + 2, p + 4, false),
        None => match mode {
            Mode::Stream if b.len() - skip > limits.max_message => return Err(fail(K::TooLarge)),
            Mode::Stream => return Ok(Outcome::Incomplete(None)),
            Mode::Datagram => (b.len(), b.len(), true),
        },
    };
    if head_end - skip > limits.max_message {
        return Err(fail(K::TooLarge));
    }
    // Start line.
    let sl_end = b
        .get(skip..head_end)
        .and_then(find_crlf)
        .map_or(head_end, |p| skip + p);
    let sl = b.get(skip..sl_end).unwrap_or_default();
    let hdr_from = (sl_end + 2).min(head_end);

    let start = parse_start_line(sl);

    // Header fields.
    let head = b.get(hdr_from..head_end).unwrap_or_default();
    // One slot per line, plus a few for comma-separated Via/Route lists:
    // the header vector is allocated once in the usual case.
    let lines = memchr::memchr_iter(b'\n', head).count() + 1;
    let mut entries = Vec::with_capacity(lines.min(limits.max_headers) + 4);
    let mut field_err = None;
    let head_text = std::str::from_utf8(head).ok();
    let line_err = split_header_lines(b, hdr_from, head_end, limits, |h| {
        if let Err(e) = parse_field(src, head_text, hdr_from, h, &mut entries) {
            field_err.get_or_insert(e);
        }
    })
    .map_err(fail)?;
    // A malformed line outranks a bad field value wherever it appears.
    let mut first_err = line_err.or(field_err);
    let headers = Headers::from_iter(entries);

    // Body framing.
    let avail = b.len() - body_start.min(b.len());
    let mut cls = headers.iter().filter_map(|h| match h {
        Header::ContentLength(n) => Some(*n),
        _ => None,
    });
    let cl = cls.next();
    let conflicting = cls.any(|n| Some(n) != cl);
    let cl_bad = matches!(
        first_err,
        Some(K::Header {
            name: "Content-Length",
            ..
        })
    );
    let (body_len, consumed) = match mode {
        Mode::Datagram => match cl {
            // Extra octets after Content-Length are ignored (RFC 4475 §3.1.1.8).
            Some(n) if (n as usize) > avail => {
                first_err.get_or_insert(K::BodyTruncated {
                    declared: n,
                    available: avail,
                });
                (0, b.len())
            }
            Some(n) => (n as usize, b.len()),
            None => (avail, b.len()),
        },
        Mode::Stream => {
            if cl_bad {
                return Err(fail(K::Header {
                    name: "Content-Length",
                    reason: "invalid value",
                }));
            }
            let Some(n) = cl else {
                return Err(fail(K::MissingContentLength));
            };
            if conflicting {
                return Err(fail(K::ConflictingContentLength));
            }
            if body_start - skip + n as usize > limits.max_message {
                return Err(fail(K::TooLarge));
            }
            if (n as usize) > avail {
                return Ok(Outcome::Incomplete(Some(body_start + n as usize)));
            }
            (n as usize, body_start + n as usize)
        }
    };
    if unterminated {
        first_err.get_or_insert(K::Unterminated);
    }
    let body = if body_len == 0 {
        Bytes::new()
    } else {
        src.body(body_start, body_start + body_len)
    };
    let resync = Some(consumed);

    match start {
        Err((kind, method)) => {
            let mut e = ParseError::new(kind);
            if let Some(method) = method {
                e = e.with_partial(PartialRequest {
                    method,
                    uri: None,
                    headers,
                });
            }
            Err((e, resync))
        }
        Ok(StartLine::Response { status, reason }) => match first_err {
            Some(k) => Err((ParseError::new(k), resync)),
            None => Ok(Outcome::Done(
                SipMessage::Response(Response {
                    status,
                    reason,
                    headers,
                    body,
                }),
                consumed,
            )),
        },
        Ok(StartLine::Request { method, uri }) => {
            if first_err.is_none() {
                if let Some(c) = headers.cseq() {
                    if c.method != method {
                        first_err = Some(K::CSeqMismatch);
                    }
                }
            }
            let (uri, uri_err) = match uri {
                Ok(u) => (Some(u), None),
                Err(r) => (None, Some(K::RequestUri(r))),
            };
            match (uri_err.or(first_err), uri) {
                (None, Some(uri)) => Ok(Outcome::Done(
                    SipMessage::Request(Request {
                        method,
                        uri,
                        headers,
                        body,
                    }),
                    consumed,
                )),
                (k, uri) => {
                    let kind = k.unwrap_or(K::RequestUri("missing"));
                    let e = ParseError::new(kind).with_partial(PartialRequest {
                        method,
                        uri,
                        headers,
                    });
                    Err((e, resync))
                }
            }
        }
    }
}

impl SipMessage {
    /// Parses one UDP datagram (RFC 3261 §18.3): Content-Length may be
    /// absent (body = rest of datagram); octets beyond Content-Length are
    /// ignored; a Content-Length beyond the datagram is an error.
    ///
    /// ```
    /// use openphone_sip::message::SipMessage;
    /// let m = SipMessage::parse_datagram(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\
    ///     From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n")?;
    /// let response = m.as_response().ok_or("not a response")?;
    /// assert_eq!(response.status, 200);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_datagram(data: &[u8]) -> Result<SipMessage, ParseError> {
        Self::parse_datagram_with(data, &ParseLimits::default())
    }

    /// [`SipMessage::parse_datagram`] with explicit limits. Header values
    /// kept untyped and the body are copied out of `data` (only those).
    pub fn parse_datagram_with(
        data: &[u8],
        limits: &ParseLimits,
    ) -> Result<SipMessage, ParseError> {
        match parse(&Source::borrowed(data), Mode::Datagram, limits) {
            Ok(Outcome::Done(m, _)) => Ok(m),
            Ok(Outcome::Incomplete(_)) => Err(ParseError::new(K::Unterminated)),
            Err((e, _)) => Err(e),
        }
    }

    /// [`SipMessage::parse_datagram`] without copying: header values and
    /// body share `data`.
    pub fn parse_datagram_bytes(
        data: Bytes,
        limits: &ParseLimits,
    ) -> Result<SipMessage, ParseError> {
        match parse(&Source::shared(&data), Mode::Datagram, limits) {
            Ok(Outcome::Done(m, _)) => Ok(m),
            Ok(Outcome::Incomplete(_)) => Err(ParseError::new(K::Unterminated)),
            Err((e, _)) => Err(e),
        }
    }
}

/// Parses the first message of a stream buffer (TCP/TLS, RFC 3261 §18.3):
/// leading CRLFs are skipped, Content-Length is mandatory. `Ok(None)` means
/// more bytes are needed; `Ok(Some((msg, consumed)))` says how many bytes
/// the message used. See [`super::StreamFramer`] for a buffering wrapper
/// that also resynchronises after a bad message.
pub fn parse_stream(data: &[u8]) -> Result<Option<(SipMessage, usize)>, ParseError> {
    match parse(
        &Source::borrowed(data),
        Mode::Stream,
        &ParseLimits::default(),
    ) {
        Ok(Outcome::Done(m, n)) => Ok(Some((m, n))),
        Ok(Outcome::Incomplete(_)) => Ok(None),
        Err((e, _)) => Err(e),
    }
}
