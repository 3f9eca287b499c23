//! The framing of a well-formed datagram in one pass.
//!
//! Nearly every message on the wire has a CRLF-terminated start line and
//! header lines of the form `token *WSP ":" value CRLF` (the value maybe
//! folded), no bare CR or LF, within the limits. For those, this splitter finds the
//! same fields as the exact path (`find_blank_line`, `find_crlf`,
//! `split_header_lines`) without their separate passes. Anything else,
//! valid or not, returns `None` and the exact path decides; debug builds
//! assert that both agree whenever this one succeeds.

use super::super::headers::HeaderKind;
use super::super::parse::{ParseLimits, RawHeader, Source};
use super::super::scan::{is_token, is_ws};
use super::search::{self, find_cr_lf, find_name_end};
use super::{
    check_field, fast, finish, fused_field, start_line_text, Framing, MessageView, StartLineView,
};

/// Length of the run of bytes of `b` from `from` that satisfy `f`.
#[inline(always)]
fn run(b: &[u8], from: usize, f: impl Fn(u8) -> bool) -> usize {
    b.get(from..)
        .unwrap_or_default()
        .iter()
        .position(|&c| !f(c))
        .unwrap_or(b.len().saturating_sub(from))
}

/// The datagram as text: the bytes of its ASCII prefix are text as they
/// are; past it, the valid UTF-8 prefix (the body may be binary).
#[derive(Clone, Copy)]
struct Text<'a> {
    b: &'a [u8],
    ascii: usize,
    utf8: &'a str,
}

impl<'a> Text<'a> {
    fn new(b: &'a [u8]) -> Self {
        let ascii = search::ascii_prefix(b);
        let utf8 = if ascii == b.len() {
            ""
        } else {
            match std::str::from_utf8(b) {
                Ok(t) => t,
                Err(e) => b
                    .get(..e.valid_up_to())
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .unwrap_or_default(),
            }
        };
        Text { b, ascii, utf8 }
    }

    /// `b[from..to]` as text, when it is (`None` also for a bad range).
    #[inline(always)]
    fn sub(&self, from: usize, to: usize) -> Option<&'a str> {
        if to <= self.ascii {
            let s = self.b.get(from..to)?;
            // SAFETY: `s` lies in the ASCII prefix, and ASCII is UTF-8.
            return Some(unsafe { std::str::from_utf8_unchecked(s) });
        }
        self.utf8.get(from..to)
    }
}

/// A field whose first line ends at `cr` and goes on in a fold: where
/// it ends, its value as `split_header_lines` trims it (folds count as
/// whitespace around it), and whether a fold is left inside.
#[cold]
#[inline(never)]
fn folded_field(b: &[u8], vs: usize, mut cr: usize) -> Option<(usize, usize, usize, bool)> {
    while b.get(cr + 2).is_some_and(|&c| is_ws(c)) {
        cr = find_cr_lf(b, cr + 2)?;
        if b.get(cr) != Some(&b'\r') || b.get(cr + 1) != Some(&b'\n') {
            return None;
        }
    }
    let lws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let v = b.get(vs..cr)?;
    let lead = v.iter().position(|c| !lws(c)).unwrap_or(v.len());
    let trail = v.iter().rposition(|c| !lws(c)).map_or(lead, |i| i + 1);
    let (from, to) = (vs + lead, vs + trail.max(lead));
    Some((cr, from, to, b.get(from..to)?.contains(&b'\r')))
}

/// The view of `b` when every line has the usual shape; `None` otherwise.
pub(super) fn scan_lines<'a>(b: &'a [u8], limits: &ParseLimits) -> Option<MessageView<'a>> {
    let skip = b.iter().position(|&c| c != b'\r' && c != b'\n')?;
    if b.len() > limits.max_message {
        return None;
    }
    // One check for everything before we know where the header section
    // ends (the body is nearly always text too). If the body is not, the
    // valid prefix still covers a text header section; a cut inside the
    // header section makes a `sub` below fail, which leaves the message
    // to the exact path. Every cut below is next to an ASCII byte, so it
    // is on a char boundary.
    let text = Text::new(b);

    let sl_cr = find_cr_lf(b, skip)?;
    if b.get(sl_cr) != Some(&b'\r') || b.get(sl_cr + 1) != Some(&b'\n') {
        return None;
    }
    let start = start_line_text(text.sub(skip, sl_cr)?)?;

    let src = Source::borrowed(b);
    let mut fields = Vec::with_capacity(16);
    let mut framing = Framing {
        // Only a request compares its CSeq method.
        skip_cseq: matches!(start, StartLineView::Response { .. }),
        ..Framing::default()
    };
    let mut scratch = Vec::new();
    let mut pos = sl_cr + 2;
    // Each line: `token *WSP ":" *WSP value CRLF`, not followed by SP or
    // HTAB (a fold), until the empty line. A CR or LF anywhere else, or
    // any other shape, is left to the exact splitter.
    loop {
        if b.get(pos) == Some(&b'\r') {
            if b.get(pos + 1) != Some(&b'\n') {
                return None;
            }
            break;
        }
        let name_end = find_name_end(b, pos)?;
        let name = text.sub(pos, name_end)?;
        // A typed name is all token bytes by construction; any other
        // name is checked here.
        let kind = HeaderKind::lookup(name);
        if name.is_empty() || (kind.is_none() && !name.bytes().all(is_token)) {
            return None;
        }
        // Nearly every line has `name: value`; other spacing is scanned.
        let vs = match b.get(name_end..name_end + 3) {
            Some(&[b':', b' ', c]) if !is_ws(c) => name_end + 2,
            _ => {
                let colon = name_end + run(b, name_end, is_ws);
                if b.get(colon) != Some(&b':') {
                    return None;
                }
                colon + 1 + run(b, colon + 1, is_ws)
            }
        };
        // The usual case: the kind's check runs to the end of the line
        // itself, so the line needs no search of its own.
        let fused = match kind {
            Some(k) => fast::value_at(k, b, vs),
            None => None,
        };
        if let Some((ve, cr)) = fused {
            if b.get(cr + 1) == Some(&b'\n')
                && !b.get(cr + 2).is_some_and(|&c| is_ws(c))
                && cr - pos <= limits.max_header_line
                && fields.len() < limits.max_headers
            {
                let t = text.sub(vs, ve)?;
                fused_field(name, kind, t, vs, &mut framing, &mut fields);
                pos = cr + 2;
                continue;
            }
        }
        // No CR or LF between `pos` and `vs`: all token, WSP and ':'.
        // The field ends at the first CRLF not followed by SP or HTAB
        // (a fold); any other CR or LF is left to the exact splitter.
        let cr = find_cr_lf(b, vs)?;
        if b.get(cr) != Some(&b'\r') || b.get(cr + 1) != Some(&b'\n') {
            return None;
        }
        let (cr, vs, ve, folded) = if b.get(cr + 2).is_some_and(|&c| is_ws(c)) {
            folded_field(b, vs, cr)?
        } else {
            let mut ve = cr;
            while ve > vs && b.get(ve - 1).is_some_and(|&c| is_ws(c)) {
                ve -= 1;
            }
            (cr, vs, ve, false)
        };
        if cr - pos > limits.max_header_line || fields.len() >= limits.max_headers {
            return None;
        }
        let h = RawHeader {
            name: (pos, name_end),
            value: (vs, ve),
            folded,
        };
        if !check_field(
            &src,
            name,
            kind,
            || if folded { None } else { text.sub(vs, ve) },
            &h,
            &mut framing,
            &mut scratch,
            &mut fields,
        ) {
            return None;
        }
        pos = cr + 2;
    }
    // `pos` is the empty line; the body follows it.
    finish(b, limits, start, fields, &framing, pos + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_messages_take_the_one_pass_splitter() {
        let ok = b"SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8;received=192.0.2.3\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:bob@192.0.2.4>\r\n\
Record-Route: <sip:server10.biloxi.example.com;lr>, <sip:bigbox3.site3.atlanta.example.com;lr>\r\n\
Server: OpenPhone/0.1\r\n\
Content-Length: 0\r\n\r\n";
        let v = scan_lines(ok, &ParseLimits::default()).expect("one-pass");
        assert_eq!(v.fields().len(), 9);
        assert_eq!(Some(v), super::super::scan(ok, &ParseLimits::default()));
        // Folds are split here too, the same way.
        for folded in [
            &b"OPTIONS sip:h SIP/2.0\r\nSubject: a\r\n b\r\n\r\n"[..],
            &b"OPTIONS sip:h SIP/2.0\r\nContact:\r\n  <sip:a@b>\r\n\t\r\n\r\n"[..],
            &b"OPTIONS sip:h SIP/2.0\r\nX: \r\n \r\n\r\n"[..],
        ] {
            let v = scan_lines(folded, &ParseLimits::default()).expect("one-pass");
            assert_eq!(Some(v), super::super::scan(folded, &ParseLimits::default()));
        }
        // A bare LF is left to the exact splitter.
        for odd in [
            &b"OPTIONS sip:h SIP/2.0\r\nSubject: a\nX: b\r\n\r\n"[..],
            &b"OPTIONS sip:h SIP/2.0\r\nSubject: a\r\n b\nX: c\r\n\r\n"[..],
            &b"OPTIONS sip:h SIP/2.0\nSubject: a\r\n\r\n"[..],
        ] {
            assert!(scan_lines(odd, &ParseLimits::default()).is_none());
        }
    }
}
