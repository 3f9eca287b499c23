//! The framing of a well-formed datagram in one pass.
//!
//! Nearly every message on the wire has a CRLF-terminated start line and
//! header lines of the form `token *WSP ":" value CRLF`, no folding, no
//! bare CR or LF, within the limits. For those, this splitter finds the
//! same fields as the exact path (`find_blank_line`, `find_crlf`,
//! `split_header_lines`) without their separate passes. Anything else,
//! valid or not, returns `None` and the exact path decides; debug builds
//! assert that both agree whenever this one succeeds.

use super::super::parse::{find_blank_line, ParseLimits, RawHeader, Source};
use super::super::scan::{is_token, is_ws};
use super::{check_field, finish, start_line, Framing, MessageView};

/// Length of the run of bytes of `b` from `from` that satisfy `f`.
#[inline(always)]
fn run(b: &[u8], from: usize, f: impl Fn(u8) -> bool) -> usize {
    b.get(from..)
        .unwrap_or_default()
        .iter()
        .position(|&c| !f(c))
        .unwrap_or(b.len().saturating_sub(from))
}

/// The view of `b` when every line has the usual shape; `None` otherwise.
pub(super) fn scan_lines<'a>(b: &'a [u8], limits: &ParseLimits) -> Option<MessageView<'a>> {
    let skip = b.iter().position(|&c| c != b'\r' && c != b'\n')?;
    if b.len() > limits.max_message {
        return None;
    }
    let blank = find_blank_line(b, skip)?;
    // The start line and header section as text, checked once; every
    // cut below is next to an ASCII byte, so slicing cannot fail.
    let text = std::str::from_utf8(b.get(..blank + 2)?).ok()?;
    let head = text.as_bytes();
    // As many CRs as LFs, and each LF found below preceded by a CR: no
    // bare CR or LF anywhere (the exact splitter's error cases).
    let mut lfs = memchr::memchr_iter(b'\n', head.get(skip..)?);
    if memchr::memchr_iter(b'\r', head.get(skip..)?).count() != lfs.clone().count() {
        return None;
    }
    let sl_lf = skip + lfs.next()?;
    let sl_cr = sl_lf.checked_sub(1)?;
    if head.get(sl_cr) != Some(&b'\r') {
        return None;
    }
    let start = start_line(head.get(skip..sl_cr)?)?;

    let src = Source::borrowed(b);
    let mut fields = Vec::with_capacity(16);
    let mut framing = Framing::default();
    let mut scratch = Vec::new();
    let mut pos = sl_lf + 1;
    for lf in lfs {
        let lf = skip + lf;
        let cr = lf.checked_sub(1)?;
        if head.get(cr) != Some(&b'\r')
            || b.get(lf + 1).is_some_and(|&c| is_ws(c))
            || cr - pos > limits.max_header_line
            || fields.len() >= limits.max_headers
        {
            return None;
        }
        let name_len = run(head, pos, is_token);
        if name_len == 0 {
            return None;
        }
        let colon = pos + name_len + run(head, pos + name_len, is_ws);
        if colon >= cr || head.get(colon) != Some(&b':') {
            return None;
        }
        let vs = colon + 1 + run(head, colon + 1, is_ws);
        let ve = head
            .get(vs..cr)?
            .iter()
            .rposition(|&c| !is_ws(c))
            .map_or(vs, |i| vs + i + 1);
        let name = text.get(pos..pos + name_len)?;
        let h = RawHeader {
            name: (pos, pos + name_len),
            value: (vs, ve),
            folded: false,
        };
        if !check_field(
            &src,
            name,
            || text.get(vs..ve),
            &h,
            &mut framing,
            &mut scratch,
            &mut fields,
        ) {
            return None;
        }
        pos = lf + 1;
    }
    // The last LF ends the last header line; the blank line follows.
    if pos != blank + 2 {
        return None;
    }
    finish(b, limits, start, fields, &framing, blank + 4)
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
        // A fold or a bare LF is left to the exact splitter.
        for odd in [
            &b"OPTIONS sip:h SIP/2.0\r\nSubject: a\r\n b\r\n\r\n"[..],
            &b"OPTIONS sip:h SIP/2.0\r\nSubject: a\nX: b\r\n\r\n"[..],
            &b"OPTIONS sip:h SIP/2.0\nSubject: a\r\n\r\n"[..],
        ] {
            assert!(scan_lines(odd, &ParseLimits::default()).is_none());
        }
    }
}
