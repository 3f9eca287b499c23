//! Stream framing for TCP/TLS connections (RFC 3261 §18.3, RFC 5626 §3.5.1
//! keep-alives).

use bytes::{Buf, BytesMut};

use super::error::{ParseError, ParseErrorKind};
use super::parse::{parse, Mode, Outcome, ParseLimits, Source};
use super::sip_message::SipMessage;

/// Accumulates bytes from a stream and yields whole messages.
///
/// After an error, check [`ParseError::breaks_framing`]: if true the
/// connection must be closed (the framer has discarded its buffer);
/// otherwise the bad message was skipped and parsing can continue.
///
/// ```
/// use openphone_sip::message::StreamFramer;
/// let mut f = StreamFramer::new();
/// let msg = b"OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\
///     Max-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n\
///     CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
/// f.push(b"\r\n\r\n"); // keep-alive ping
/// f.push(&msg[..20]);
/// assert!(f.next_message().unwrap().is_none());
/// f.push(&msg[20..]);
/// assert!(f.next_message().unwrap().is_some());
/// assert_eq!(f.take_pings(), 1);
/// ```
#[derive(Debug, Default)]
pub struct StreamFramer {
    buf: BytesMut,
    limits: ParseLimits,
    pings: usize,
    // Work avoided on slow senders (one byte per segment must not make
    // framing quadratic): bytes already searched for the end of headers,
    // and the total length the pending message needs.
    scanned: usize,
    need: usize,
}

impl StreamFramer {
    /// A framer with default limits (64 KiB per message).
    pub fn new() -> Self {
        Self::default()
    }

    /// A framer with custom limits.
    pub fn with_limits(limits: ParseLimits) -> Self {
        StreamFramer {
            buf: BytesMut::new(),
            limits,
            pings: 0,
            scanned: 0,
            need: 0,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes buffered and not yet consumed.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Number of CRLFCRLF keep-alive pings seen since the last call; each
    /// deserves a CRLF pong (RFC 5626 §4.4.1).
    pub fn take_pings(&mut self) -> usize {
        std::mem::take(&mut self.pings)
    }

    fn skip_crlf(&mut self) {
        let n = self
            .buf
            .iter()
            .position(|&c| c != b'\r' && c != b'\n')
            .unwrap_or(self.buf.len());
        // Count complete double-CRLF pings; a lone trailing CRLF may be the
        // first half of one, so keep it.
        let mut i = 0;
        while i + 4 <= n {
            if self.buf.get(i..i + 4) == Some(b"\r\n\r\n") {
                self.pings += 1;
                i += 4;
            } else {
                i += 1;
            }
        }
        let drop = if n == self.buf.len() { i.min(n) } else { n };
        self.buf.advance(drop);
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.scanned = 0;
        self.need = 0;
    }

    /// The next complete message, `Ok(None)` when more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<SipMessage>, ParseError> {
        if self.scanned == 0 && self.need == 0 {
            self.skip_crlf();
        }
        if self.buf.is_empty() || self.buf.len() < self.need {
            return Ok(None);
        }
        if self.scanned > 0 {
            let from = self.scanned;
            let rest = self.buf.get(from..).unwrap_or_default();
            if memchr::memmem::find(rest, b"\r\n\r\n").is_none() {
                if self.buf.len() > self.limits.max_message {
                    self.reset();
                    return Err(ParseError::new(ParseErrorKind::TooLarge));
                }
                self.scanned = self.buf.len().saturating_sub(3).max(from);
                return Ok(None);
            }
        }
        self.scanned = 0;
        self.need = 0;
        // Parse from a frozen copy of the buffered bytes so header values
        // can share it.
        let data = self.buf.clone().freeze();
        match parse(&Source::shared(&data), Mode::Stream, &self.limits) {
            Ok(Outcome::Done(m, n)) => {
                self.buf.advance(n.min(self.buf.len()));
                self.scanned = 0;
                self.need = 0;
                Ok(Some(m))
            }
            Ok(Outcome::Incomplete(need)) => {
                self.need = need.unwrap_or(0);
                if need.is_none() {
                    // No blank line yet: next time, resume the search
                    // near the end instead of rescanning everything.
                    self.scanned = self.buf.len().saturating_sub(3).max(1);
                }
                Ok(None)
            }
            Err((e, resync)) => {
                match resync {
                    Some(n) if !e.breaks_framing() => self.buf.advance(n.min(self.buf.len())),
                    _ => self.reset(),
                }
                Err(e)
            }
        }
    }
}
