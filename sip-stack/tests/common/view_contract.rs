//! The contract between the zero-copy `MessageView` parser and the typed
//! `SipMessage::parse_datagram`: for every input both accept or both
//! reject; rejections carry equal `ParseError`s; on acceptance the view's
//! start line, fields and body describe the typed message, and
//! `to_message()` rebuilds it exactly.
//!
//! Shared (via `#[path]`) by `tests/view_differential.rs` and the fuzz
//! target `fuzz/fuzz_targets/sip_view.rs`, so the test suite and the fuzzer
//! cannot drift apart on what "agree" means.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use openphone_sip::message::{
    Header, HeaderKind, MessageView, ParseError, ParseLimits, SipMessage, StartLineView, Uri,
};

/// `MessageView::to_message` as a `Result` whether it returns the message
/// itself or `Result<SipMessage, ParseError>` (the API was settling while
/// this was written; either form must equal `parse_datagram`'s).
trait IntoMessage {
    fn into_message(self) -> Result<SipMessage, ParseError>;
}

impl IntoMessage for SipMessage {
    fn into_message(self) -> Result<SipMessage, ParseError> {
        Ok(self)
    }
}

impl IntoMessage for Result<SipMessage, ParseError> {
    fn into_message(self) -> Result<SipMessage, ParseError> {
        self
    }
}

/// What both parsers agreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreed {
    Accepted,
    Rejected,
}

/// A contract violation, with the input that shows it.
pub struct Mismatch {
    /// Short category (which side accepts, or which part differs); the
    /// test's minimiser keeps it fixed while shrinking.
    pub class: &'static str,
    /// Details: both sides' errors or the differing parts.
    pub what: String,
    pub input: Vec<u8>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // escape_ascii output is a valid Rust byte-string literal body, so
        // the input can be pasted straight into a regression test.
        write!(
            f,
            "{}: {}\ninput ({} bytes): b\"{}\"",
            self.class,
            self.what,
            self.input.len(),
            self.input.escape_ascii()
        )
    }
}

impl fmt::Debug for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Checks the contract for one input under `limits`
/// (`MessageView::parse_with` against `SipMessage::parse_datagram_with`;
/// with default limits also `MessageView::parse` against `parse_datagram`).
pub fn check(data: &[u8], limits: &ParseLimits) -> Result<Agreed, Mismatch> {
    let fail = |class, what| Mismatch {
        class,
        what,
        input: data.to_vec(),
    };
    let typed = SipMessage::parse_datagram_with(data, limits);
    let default_limits = *limits == ParseLimits::default();
    // A panic in the new parser is a mismatch too (the typed parser never
    // panics: see robustness.rs); report it with the input.
    let verdict = catch_unwind(AssertUnwindSafe(|| {
        let view = MessageView::parse_with(data, limits);
        if default_limits {
            let plain = MessageView::parse(data);
            let same = match (&plain, &view) {
                (Ok(a), Ok(b)) => a.to_message().into_message() == b.to_message().into_message(),
                (Err(a), Err(b)) => a == b,
                _ => false,
            };
            if !same {
                return Err((
                    "parse != parse_with(default)",
                    format!(
                        "parse: {:?}\nparse_with: {:?}",
                        plain.map(|v| v.to_message().into_message()),
                        view.map(|v| v.to_message().into_message())
                    ),
                ));
            }
        }
        match (view, &typed) {
            (Ok(v), Ok(t)) => compare_accepted(data, &v, t).map(|()| Agreed::Accepted),
            (Err(ve), Err(te)) if ve == *te => Ok(Agreed::Rejected),
            (Err(ve), Err(te)) if ve.kind() != te.kind() => Err((
                "both reject, error kinds differ",
                format!("view: {:?}\ntyped: {:?}", ve.kind(), te.kind()),
            )),
            (Err(ve), Err(te)) => Err((
                "both reject, partial requests differ",
                format!(
                    "kind {:?}\nview partial: {:?}\ntyped partial: {:?}",
                    te.kind(),
                    ve.partial_request(),
                    te.partial_request()
                ),
            )),
            (Ok(v), Err(te)) => Err((
                "view ACCEPTS, typed rejects",
                format!(
                    "typed error: {:?} ({te})\nview fields: {:?}",
                    te.kind(),
                    v.fields()
                ),
            )),
            (Err(ve), Ok(_)) => Err((
                "typed ACCEPTS, view rejects",
                format!("view error: {:?} ({ve})", ve.kind()),
            )),
        }
    }));
    match verdict {
        Ok(Ok(a)) => Ok(a),
        Ok(Err((class, what))) => Err(fail(class, what)),
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(fail("view PANICS", msg))
        }
    }
}

fn compare_accepted(
    data: &[u8],
    v: &MessageView<'_>,
    t: &SipMessage,
) -> Result<(), (&'static str, String)> {
    match (v.start(), t) {
        (StartLineView::Request { method, uri }, SipMessage::Request(r)) => {
            if *method != r.method {
                return Err((
                    "method differs",
                    format!("view {method:?}, typed {:?}", r.method),
                ));
            }
            if Uri::parse(uri).as_ref() != Ok(&r.uri) {
                return Err((
                    "Request-URI differs",
                    format!(
                        "view {uri:?} parses to {:?}, typed {:?}",
                        Uri::parse(uri),
                        r.uri
                    ),
                ));
            }
        }
        (StartLineView::Response { status, reason }, SipMessage::Response(r)) => {
            if (*status, *reason) != (r.status, r.reason.as_str()) {
                return Err((
                    "status line differs",
                    format!(
                        "view {status} {reason:?}, typed {} {:?}",
                        r.status, r.reason
                    ),
                ));
            }
        }
        _ => return Err(("request/response differs", String::new())),
    }
    if v.body() != &t.body()[..] {
        return Err((
            "body differs",
            format!(
                "view {:?}, typed {:?}",
                v.body().escape_ascii().to_string(),
                t.body()
            ),
        ));
    }

    // Fields: one per header line as received, checked against an
    // independent split of the header section.
    let lines =
        header_lines(data).ok_or(("reference split failed on accepted input", String::new()))?;
    let fields = v.fields();
    if fields.len() != lines.len() {
        return Err((
            "field count differs from header line count",
            format!("view {} fields, {} header lines", fields.len(), lines.len()),
        ));
    }
    for (i, (f, (name, value))) in fields.iter().zip(&lines).enumerate() {
        let what = || {
            format!(
                "field {i}: view name {:?} value b\"{}\" kind {:?}; line name {:?} value b\"{}\"",
                f.name,
                f.value.escape_ascii(),
                f.kind,
                name.escape_ascii().to_string(),
                value.escape_ascii()
            )
        };
        if f.name.as_bytes() != *name {
            return Err(("field name differs from the line", what()));
        }
        if f.value != *value {
            return Err(("field value differs from the line", what()));
        }
        if f.kind != HeaderKind::lookup(f.name) {
            return Err(("field kind differs from HeaderKind::lookup(name)", what()));
        }
        // The typed parser's own unfolding (parse.rs parse_field): a fold
        // CRLF+WSP is the WSP alone, i.e. the CRLF is dropped.
        if f.value_unfolded()[..] != unfold(f.value)[..] {
            return Err((
                "value_unfolded differs",
                format!(
                    "{}\nvalue_unfolded b\"{}\"",
                    what(),
                    f.value_unfolded().escape_ascii()
                ),
            ));
        }
    }

    // Untyped fields are the typed message's `Header::Other`s, in order,
    // with the same value bytes (folds kept on both sides).
    let others: Vec<(&str, &[u8])> = t
        .headers()
        .iter()
        .filter_map(|h| match h {
            Header::Other { name, value } => Some((name.as_str(), &value[..])),
            _ => None,
        })
        .collect();
    let untyped: Vec<_> = fields.iter().filter(|f| f.kind.is_none()).collect();
    if untyped.len() != others.len() {
        return Err((
            "untyped field count differs from Header::Other count",
            format!("view {}, typed {}", untyped.len(), others.len()),
        ));
    }
    for (i, (f, (oname, ovalue))) in untyped.iter().zip(&others).enumerate() {
        // Other keeps the name as received, except that compact forms of
        // untyped headers ("s") are expanded ("Subject").
        let name_ok = f.name == *oname
            || (f.name.len() == 1 && oname.len() > 1 && Header::other(oname, "").is(f.name));
        if !name_ok || f.value != *ovalue || unfold(f.value) != unfold(ovalue) {
            return Err((
                "untyped field differs from Header::Other",
                format!(
                    "untyped field {i}: view {:?} b\"{}\", typed {oname:?} b\"{}\"",
                    f.name,
                    f.value.escape_ascii(),
                    ovalue.escape_ascii()
                ),
            ));
        }
    }

    let rebuilt = v.to_message().into_message();
    if rebuilt.as_ref() != Ok(t) {
        return Err((
            "to_message differs from parse_datagram",
            format!("view {rebuilt:?}\ntyped {t:?}"),
        ));
    }
    Ok(())
}

/// Drops every CRLF (folds are CRLF followed by SP/HTAB in an accepted
/// message; bare CR/LF are rejected).
fn unfold(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while let Some(&c) = v.get(i) {
        if c == b'\r' && v.get(i + 1) == Some(&b'\n') {
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_wsp(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// (name, value) of every header line of an *accepted* datagram, split the
/// way RFC 3261 §7.3.1 reads it (and parse.rs implements it): leading
/// CR/LF skipped, the header section ends at the first CRLFCRLF, a field
/// ends at a CRLF not followed by SP/HTAB, the name is trimmed of trailing
/// WSP, the value of surrounding SP/HTAB/CR/LF. A straightforward slow
/// version, independent of both parsers under test.
fn header_lines(data: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let skip = data.iter().position(|&c| c != b'\r' && c != b'\n')?;
    let blank = skip + find(&data[skip..], b"\r\n\r\n")?;
    let head = &data[skip..blank + 2];
    let mut rest = &head[find(head, b"\r\n")? + 2..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let mut end = find(rest, b"\r\n")? + 2;
        while rest.get(end).is_some_and(|&c| is_wsp(c)) {
            end += find(&rest[end..], b"\r\n")? + 2;
        }
        let line = &rest[..end - 2];
        rest = &rest[end..];
        let colon = line.iter().position(|&c| c == b':')?;
        let mut name = &line[..colon];
        while let [n @ .., last] = name {
            if !is_wsp(*last) {
                break;
            }
            name = n;
        }
        let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        let mut value = &line[colon + 1..];
        while let [first, v @ ..] = value {
            if !ws(first) {
                break;
            }
            value = v;
        }
        while let [v @ .., last] = value {
            if !ws(last) {
                break;
            }
            value = v;
        }
        out.push((name, value));
    }
    Some(out)
}
