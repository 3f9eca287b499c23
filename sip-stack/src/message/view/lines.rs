//! The framing of a well-formed datagram in one pass.
//!
//! Nearly every message on the wire has a CRLF-terminated start line and
//! header lines of the form `token *WSP ":" value CRLF`, no folding, no
//! bare CR or LF, within the limits. For those, this splitter finds the
//! same fields as the exact path (`find_blank_line`, `find_crlf`,
//! `split_header_lines`) without their separate passes. Anything else,
//! valid or not, returns `None` and the exact path decides; debug builds
//! assert that both agree whenever this one succeeds.

use super::super::headers::HeaderKind;
use super::super::parse::{ParseLimits, RawHeader, Source};
use super::super::scan::{is_token, is_ws};
use super::{check_field, finish, start_line_text, Framing, MessageView, StartLineView};

/// Length of the run of bytes of `b` from `from` that satisfy `f`.
#[inline(always)]
fn run(b: &[u8], from: usize, f: impl Fn(u8) -> bool) -> usize {
    b.get(from..)
        .unwrap_or_default()
        .iter()
        .position(|&c| !f(c))
        .unwrap_or(b.len().saturating_sub(from))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit of each byte of `w` below `n` (`n` <= 0x80). A borrow can
/// only flag bytes after the first real one, so the lowest flag is exact;
/// bytes >= 0x80 are never flagged.
#[inline(always)]
fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
}

/// High bit of each byte of `w` equal to `c` (lowest flag exact).
#[inline(always)]
fn equal(w: u64, c: u8) -> u64 {
    below(w ^ (ONES * u64::from(c)), 1)
}

/// The eight bytes of `b` at `i`, little-endian.
#[inline(always)]
fn word(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..)
        .and_then(|s| s.first_chunk::<8>())
        .map(|w| u64::from_le_bytes(*w))
}

/// Position of the first CR or LF in `b` at or after `i`.
///
/// Sixteen bytes per step: a step without a control byte (the whole of
/// nearly every value) costs about as much as two bytes of a byte loop,
/// where a memchr call per line costs about a hundred instructions on
/// lines this short.
#[inline(always)]
fn find_cr_lf(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let hit = match (word(b, i), word(b, i + 8)) {
            (Some(w0), Some(w1)) => {
                let (m0, m1) = (below(w0, 0x20), below(w1, 0x20));
                if m0 | m1 == 0 {
                    i += 16;
                    continue;
                }
                if m0 != 0 {
                    i + (m0.trailing_zeros() / 8) as usize
                } else {
                    i + 8 + (m1.trailing_zeros() / 8) as usize
                }
            }
            _ => {
                let tail = b.get(i..)?;
                return tail
                    .iter()
                    .position(|&c| c == b'\r' || c == b'\n')
                    .map(|k| i + k);
            }
        };
        if matches!(b.get(hit), Some(b'\r' | b'\n')) {
            return Some(hit);
        }
        // HTAB or another control byte: the splitter only cares about
        // CR and LF; the value check sees the rest.
        i = hit + 1;
    }
}

/// Position of the first byte at or after `i` that cannot continue a
/// header name: `:`, SP, or a control byte (HTAB, CR, LF, ...). Other
/// non-token bytes are found by the caller's token check.
#[inline(always)]
fn find_name_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let Some(w) = word(b, i) else {
            let tail = b.get(i..)?;
            return tail
                .iter()
                .position(|&c| c <= b' ' || c == b':')
                .map(|k| i + k);
        };
        let m = below(w, 0x21) | equal(w, b':');
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
}

/// The view of `b` when every line has the usual shape; `None` otherwise.
pub(super) fn scan_lines<'a>(b: &'a [u8], limits: &ParseLimits) -> Option<MessageView<'a>> {
    let skip = b.iter().position(|&c| c != b'\r' && c != b'\n')?;
    if b.len() > limits.max_message {
        return None;
    }
    // One UTF-8 check for everything before we know where the header
    // section ends (the body is nearly always text too). If the body is
    // not, the valid prefix still covers a text header section; a cut
    // inside the header section makes a slice below fail, which leaves
    // the message to the exact path. Every cut below is next to an ASCII
    // byte, so it is on a char boundary.
    let text = match std::str::from_utf8(b) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(b.get(..e.valid_up_to())?).ok()?,
    };

    let sl_cr = find_cr_lf(b, skip)?;
    if b.get(sl_cr) != Some(&b'\r') || b.get(sl_cr + 1) != Some(&b'\n') {
        return None;
    }
    let start = start_line_text(text.get(skip..sl_cr)?)?;

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
        let name = text.get(pos..name_end)?;
        // A typed name is all token bytes by construction; any other
        // name is checked here.
        let kind = HeaderKind::lookup(name);
        if name.is_empty() || (kind.is_none() && !name.bytes().all(is_token)) {
            return None;
        }
        let colon = name_end + run(b, name_end, is_ws);
        if b.get(colon) != Some(&b':') {
            return None;
        }
        let vs = colon + 1 + run(b, colon + 1, is_ws);
        // No CR or LF between `pos` and `vs`: all token, WSP and ':'.
        let cr = find_cr_lf(b, vs)?;
        if b.get(cr) != Some(&b'\r')
            || b.get(cr + 1) != Some(&b'\n')
            || b.get(cr + 2).is_some_and(|&c| is_ws(c))
            || cr - pos > limits.max_header_line
            || fields.len() >= limits.max_headers
        {
            return None;
        }
        let mut ve = cr;
        while ve > vs && b.get(ve - 1).is_some_and(|&c| is_ws(c)) {
            ve -= 1;
        }
        let h = RawHeader {
            name: (pos, name_end),
            value: (vs, ve),
            folded: false,
        };
        if !check_field(
            &src,
            name,
            kind,
            || text.get(vs..ve),
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

    /// The word-at-a-time searches against a byte loop, for every
    /// position of every interesting byte in lines of every length up
    /// to 40 (both 8- and 16-byte steps and the tails).
    #[test]
    fn word_searches_match_a_byte_loop() {
        let specials = [
            b'\r', b'\n', b'\t', b' ', b':', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff, b'a',
        ];
        for len in 0..40 {
            for &c in &specials {
                for at in 0..len.max(1) {
                    let mut b = vec![b'x'; len];
                    if let Some(slot) = b.get_mut(at) {
                        *slot = c;
                    }
                    for from in 0..=len {
                        let want = b
                            .get(from..)
                            .and_then(|t| t.iter().position(|&x| x == b'\r' || x == b'\n'))
                            .map(|k| from + k);
                        assert_eq!(find_cr_lf(&b, from), want, "cr/lf {b:?} from {from}");
                        let want = b
                            .get(from..)
                            .and_then(|t| t.iter().position(|&x| x <= b' ' || x == b':'))
                            .map(|k| from + k);
                        assert_eq!(find_name_end(&b, from), want, "name end {b:?} from {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn lowest_flag_is_exact() {
        for (bytes, n, first) in [
            (*b"abcdefgh", 0x20, None),
            (*b"abc\rdefg", 0x20, Some(3)),
            (*b"\x00\x00\x00\x00\x00\x00\x00\x00", 0x01, Some(0)),
            (*b"\xff\xfe\x80\x7f: \x01a", 0x21, Some(5)),
        ] {
            let m = below(u64::from_le_bytes(bytes), n);
            let got = (m != 0).then(|| (m.trailing_zeros() / 8) as usize);
            assert_eq!(got, first, "{bytes:?} below {n:#x}");
        }
        let m = equal(u64::from_le_bytes(*b"ab:cd:ef"), b':');
        assert_eq!(m.trailing_zeros() / 8, 2);
    }

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
