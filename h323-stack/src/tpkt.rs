//! TPKT framing (RFC 1006 §6): how H.225.0 call signalling and H.245 cut
//! their TCP byte streams into messages. A 4-byte header — version 3, a
//! reserved octet, the 16-bit length of the whole packet — then the payload.

/// The TPKT header length.
pub const HEADER_LEN: usize = 4;
/// The TPKT version H.323 uses.
pub const VERSION: u8 = 3;
/// The largest payload a TPKT can carry (the 16-bit length includes the header).
pub const MAX_PAYLOAD: usize = u16::MAX as usize - HEADER_LEN;

/// A TPKT stream that cannot be framed; the connection must be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TpktError {
    /// The first octet is not version 3 (not TPKT, or out of step).
    #[error("TPKT version {0} (expected 3)")]
    Version(u8),
    /// The length field is smaller than the header itself.
    #[error("TPKT length {0} is shorter than its header")]
    Length(u16),
    /// The packet is larger than this receiver's limit, or a payload to send
    /// does not fit in a TPKT.
    #[error("TPKT payload of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// The payload length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Frames `payload` in a TPKT.
pub fn encode(payload: &[u8]) -> Result<Vec<u8>, TpktError> {
    let total = u16::try_from(payload.len() + HEADER_LEN).map_err(|_| TpktError::TooLarge {
        len: payload.len(),
        max: MAX_PAYLOAD,
    })?;
    let mut out = Vec::with_capacity(usize::from(total));
    out.extend_from_slice(&[VERSION, 0]);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(out)
}

/// A sans-IO TPKT deframer: bytes from the stream go in
/// ([`push`](Self::push)), whole payloads come out
/// ([`next_frame`](Self::next_frame)). It holds at most one partial packet
/// beyond what was pushed, and refuses a packet larger than its limit as
/// soon as the header says so, before buffering it.
#[derive(Debug, Clone)]
pub struct Deframer {
    buf: Vec<u8>,
    max_payload: usize,
    failed: Option<TpktError>,
}

impl Deframer {
    /// A deframer accepting payloads of up to `max_payload` bytes (capped at
    /// [`MAX_PAYLOAD`]).
    pub fn new(max_payload: usize) -> Self {
        Self {
            buf: Vec::new(),
            max_payload: max_payload.min(MAX_PAYLOAD),
            failed: None,
        }
    }

    /// Appends bytes read from the stream. After an error nothing more is
    /// buffered: the stream is out of step for good.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The next whole payload, `Ok(None)` while more bytes are needed, or the
    /// error that ends the stream (returned again on every later call). An
    /// empty payload (length 4) is returned as such; H.323 peers use it
    /// nowhere, but RFC 1006 does not forbid it.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, TpktError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.buf.len() < HEADER_LEN {
            return Ok(None);
        }
        let fail = |this: &mut Self, e: TpktError| {
            this.buf = Vec::new();
            this.failed = Some(e.clone());
            Err(e)
        };
        if self.buf[0] != VERSION {
            let v = self.buf[0];
            return fail(self, TpktError::Version(v));
        }
        let total = u16::from_be_bytes([self.buf[2], self.buf[3]]);
        let Some(len) = usize::from(total).checked_sub(HEADER_LEN) else {
            return fail(self, TpktError::Length(total));
        };
        if len > self.max_payload {
            let max = self.max_payload;
            return fail(self, TpktError::TooLarge { len, max });
        }
        if self.buf.len() < HEADER_LEN + len {
            return Ok(None);
        }
        let frame = self.buf[HEADER_LEN..HEADER_LEN + len].to_vec();
        self.buf.drain(..HEADER_LEN + len);
        Ok(Some(frame))
    }

    /// Bytes buffered and not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_and_joined_arrive_whole() {
        let mut stream = encode(b"hello").unwrap();
        stream.extend(encode(b"").unwrap());
        stream.extend(encode(&[7; 300]).unwrap());
        // Byte by byte.
        let mut d = Deframer::new(1000);
        let mut got = Vec::new();
        for b in &stream {
            d.push(&[*b]);
            while let Some(f) = d.next_frame().unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got, vec![b"hello".to_vec(), vec![], vec![7; 300]]);
        assert_eq!(d.buffered(), 0);
        // All at once.
        let mut d = Deframer::new(1000);
        d.push(&stream);
        assert_eq!(d.next_frame().unwrap().unwrap(), b"hello");
        assert_eq!(d.next_frame().unwrap().unwrap(), b"");
        assert_eq!(d.next_frame().unwrap().unwrap(), vec![7; 300]);
        assert_eq!(d.next_frame().unwrap(), None);
    }

    #[test]
    fn bad_headers_end_the_stream() {
        let mut d = Deframer::new(100);
        d.push(&[2, 0, 0, 8, 1, 2, 3, 4]);
        assert_eq!(d.next_frame(), Err(TpktError::Version(2)));
        d.push(&encode(b"x").unwrap());
        assert_eq!(d.next_frame(), Err(TpktError::Version(2)), "stays failed");
        assert_eq!(d.buffered(), 0);

        let mut d = Deframer::new(100);
        d.push(&[3, 0, 0, 3]);
        assert_eq!(d.next_frame(), Err(TpktError::Length(3)));

        // Oversize is refused from the header, before the body arrives.
        let mut d = Deframer::new(100);
        d.push(&[3, 0, 0xff, 0xff]);
        assert_eq!(
            d.next_frame(),
            Err(TpktError::TooLarge {
                len: 65_531,
                max: 100
            })
        );
        assert!(encode(&vec![0; MAX_PAYLOAD + 1]).is_err());
        assert_eq!(encode(&vec![0; MAX_PAYLOAD]).unwrap().len(), 65_535);
    }
}
