//! SRTP unprotect for the AES-CM suites without `rtc-srtp` (RFC 3711
//! §3.3, §3.3.1, §3.3.2, Appendix A): the crate allocates a buffer and
//! expands the AES key again for every packet; here the session keys are
//! built once (`send::session_keys`) and the clear packet is written into
//! one reused buffer. The receiver keeps, per SSRC, the rollover counter,
//! the highest sequence number and the replay window, all changed only by
//! a packet that authenticated; a packet of a new SSRC is authenticated
//! (ROC 0) before any state is made for it, so forged SSRCs cost nothing.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::preauth::rtp_header_len;
use super::send::{keystream, session_keys, Aes};
use super::{MasterKey, SrtpError};

/// SSRCs with receive state; an authenticated newcomer beyond this evicts
/// the oldest (a forged one cannot: it never authenticates).
const MAX_STREAMS: usize = 16;
/// The largest replay window kept, packets.
const MAX_WINDOW: usize = 32768;

/// One SSRC's receive state.
struct Stream {
    ssrc: u32,
    roc: u32,
    /// s_l, the highest sequence number received.
    last: u16,
    /// The highest packet index (ROC || SEQ) accepted.
    top: u64,
    /// Replay bitmap over the last `window` indexes, a ring by index.
    seen: Vec<u64>,
}

impl Stream {
    fn bit(&self, index: u64) -> (usize, u64) {
        let window = (self.seen.len() * 64) as u64;
        let at = (index % window) as usize;
        (at / 64, 1u64 << (at % 64))
    }

    /// §3.3.2: already seen, or older than the window.
    fn replayed(&self, index: u64) -> bool {
        if index > self.top {
            return false;
        }
        if self.top - index >= (self.seen.len() * 64) as u64 {
            return true;
        }
        let (w, m) = self.bit(index);
        self.seen[w] & m != 0
    }

    /// Records an authenticated packet.
    fn accept(&mut self, index: u64, roc: u32, seq: u16) {
        if index > self.top {
            let window = (self.seen.len() * 64) as u64;
            if index - self.top >= window {
                self.seen.fill(0);
            } else {
                for i in self.top + 1..index {
                    let (w, m) = self.bit(i);
                    self.seen[w] &= !m;
                }
            }
            self.top = index;
            self.roc = roc;
            self.last = seq;
        }
        let (w, m) = self.bit(index);
        self.seen[w] |= m;
    }

    /// Appendix A: the ROC `seq` most likely belongs to.
    fn guess(&self, seq: u16) -> Option<u32> {
        if self.last < 0x8000 {
            if seq > self.last && seq - self.last > 0x8000 {
                // Before the first ROC there is none lower: ROC 0, as the
                // sender (`send.rs`), rtc-srtp and libsrtp2 take it too.
                return Some(self.roc.saturating_sub(1));
            }
        } else if seq < self.last - 0x8000 {
            return self.roc.checked_add(1);
        }
        Some(self.roc)
    }
}

/// Unprotects incoming SRTP with the peer's key.
pub(super) struct AesCmReceiver {
    aes: Aes,
    salt: [u8; 14],
    mac: Hmac<Sha1>,
    tag: usize,
    /// Replay window words (64 packets each).
    words: usize,
    streams: Vec<Stream>,
    /// The last clear packet (reused).
    clear: Vec<u8>,
}

impl AesCmReceiver {
    /// The receiver for `remote` (an AES-CM suite), with a replay window of
    /// at least `window` packets.
    pub fn new(
        remote: &MasterKey,
        crypto: &dyn rtc_srtp::crypto::RTCCrypto,
        window: usize,
    ) -> Result<Self, SrtpError> {
        let (aes, salt, mac) = session_keys(remote, crypto)?;
        Ok(AesCmReceiver {
            aes,
            salt,
            mac,
            tag: remote.suite().rtp_overhead(),
            words: window.clamp(64, MAX_WINDOW).div_ceil(64),
            streams: Vec::new(),
            clear: Vec::with_capacity(1500),
        })
    }

    /// Authenticates and decrypts `data`; the clear packet is lent until the next call.
    pub fn unprotect(&mut self, data: &[u8]) -> Result<&[u8], SrtpError> {
        let short = || SrtpError::Malformed("SRTP packet too short".into());
        let body_len = data.len().checked_sub(self.tag).ok_or_else(short)?;
        let (body, tag) = data.split_at(body_len);
        let head = rtp_header_len(body).ok_or_else(short)?;
        let seq = u16::from_be_bytes([body[2], body[3]]);
        let ssrc = u32::from_be_bytes([body[8], body[9], body[10], body[11]]);
        let at = self.streams.iter().position(|s| s.ssrc == ssrc);
        let roc = match at {
            // A new SSRC starts at ROC 0 (§3.3.1).
            None => 0,
            Some(at) => {
                let s = &self.streams[at];
                // A ROC past 2^32: no packet of this key can have it.
                let roc = s.guess(seq).ok_or(SrtpError::Replayed)?;
                if s.replayed(u64::from(roc) << 16 | u64::from(seq)) {
                    return Err(SrtpError::Replayed);
                }
                roc
            }
        };
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.update(&roc.to_be_bytes());
        let full = mac.finalize().into_bytes();
        if !rtc_srtp::crypto::constant_time_eq(tag, &full[..self.tag]) {
            return Err(SrtpError::AuthFailed);
        }
        let index = u64::from(roc) << 16 | u64::from(seq);
        let at = match at {
            Some(at) => at,
            None => {
                if self.streams.len() == MAX_STREAMS {
                    self.streams.remove(0);
                }
                self.streams.push(Stream {
                    ssrc,
                    roc,
                    last: seq,
                    top: index,
                    seen: vec![0; self.words],
                });
                self.streams.len() - 1
            }
        };
        self.streams[at].accept(index, roc, seq);
        self.clear.clear();
        self.clear.extend_from_slice(body);
        keystream(
            &self.aes,
            &self.salt,
            ssrc,
            roc,
            seq,
            &mut self.clear[head..],
        );
        Ok(&self.clear)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srtp::send::AesCmSender;
    use crate::srtp::SrtpSuite;

    fn pair(window: usize) -> (AesCmSender, AesCmReceiver) {
        let provider = rtc_srtp::crypto::default_provider().unwrap();
        let key = MasterKey::random(SrtpSuite::AesCm128HmacSha1_80).unwrap();
        (
            AesCmSender::new(&key, provider.crypto()).unwrap(),
            AesCmReceiver::new(&key, provider.crypto(), window).unwrap(),
        )
    }

    fn packet(tx: &mut AesCmSender, seq: u16) -> Vec<u8> {
        let mut buf = vec![0u8; 12 + 20 + 10];
        buf[..12].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9]);
        buf[2..4].copy_from_slice(&seq.to_be_bytes());
        buf[12..32].fill(seq as u8);
        let n = tx.protect(&mut buf, 32).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn replays_late_packets_and_the_wrap() {
        let (mut tx, mut rx) = pair(64);
        // Sent in order across the wrap; received with one late and one duplicate.
        let seqs: Vec<u16> = (65500..=65535).chain(0..40).collect();
        let packets: Vec<Vec<u8>> = seqs.iter().map(|&s| packet(&mut tx, s)).collect();
        for (i, p) in packets.iter().enumerate() {
            if i == 30 {
                continue; // arrives later
            }
            let clear = rx.unprotect(p).unwrap();
            assert_eq!(clear[12..32], [seqs[i] as u8; 20]);
        }
        // Late but inside the window: accepted once, then a replay.
        assert!(rx.unprotect(&packets[30]).is_ok());
        assert_eq!(rx.unprotect(&packets[30]), Err(SrtpError::Replayed));
        assert_eq!(rx.unprotect(&packets[75]), Err(SrtpError::Replayed));
        // Older than the 64-packet window.
        assert_eq!(rx.unprotect(&packets[0]), Err(SrtpError::Replayed));
        assert_eq!(rx.streams[0].roc, 1);
    }

    #[test]
    fn a_wider_window_keeps_older_packets() {
        let (mut tx, mut rx) = pair(256);
        let first = packet(&mut tx, 1);
        for s in 2..200 {
            let p = packet(&mut tx, s);
            rx.unprotect(&p).unwrap();
        }
        assert!(rx.unprotect(&first).is_ok());
        assert_eq!(rx.unprotect(&first), Err(SrtpError::Replayed));
    }

    #[test]
    fn forged_packets_change_nothing() {
        let (mut tx, mut rx) = pair(64);
        let (p10, p11) = (packet(&mut tx, 10), packet(&mut tx, 11));
        // A forged packet far ahead must not move the window or the ROC.
        let mut forged = packet(&mut tx, 40000);
        forged[20] ^= 1;
        let mut new_ssrc = p11.clone();
        new_ssrc[8] ^= 0x80;
        rx.unprotect(&p10).unwrap();
        assert_eq!(rx.unprotect(&forged), Err(SrtpError::AuthFailed));
        assert_eq!(rx.unprotect(&new_ssrc), Err(SrtpError::AuthFailed));
        assert_eq!(rx.streams.len(), 1);
        assert_eq!((rx.streams[0].roc, rx.streams[0].last), (0, 10));
        assert!(rx.unprotect(&p11).is_ok());
        assert_eq!(
            rx.unprotect(&[0x80; 12]),
            Err(SrtpError::Malformed("SRTP packet too short".into()))
        );
    }
}
