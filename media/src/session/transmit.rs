//! Outgoing datagrams: a small ring of buffers allocated once per codec
//! setup, lent to the caller by [`poll_transmit`](super::MediaSession::poll_transmit).

use std::net::SocketAddr;

/// Which of our sockets a datagram leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The RTP socket (RTP, and RTCP when multiplexed, RFC 5761).
    Rtp,
    /// The RTCP socket (RTP port + 1).
    Rtcp,
}

/// One datagram to send, borrowed from the session until the next call on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit<'a> {
    /// Where to.
    pub dst: SocketAddr,
    /// From which socket.
    pub via: Via,
    /// The datagram.
    pub bytes: &'a [u8],
}

#[derive(Debug)]
struct Slot {
    dst: SocketAddr,
    via: Via,
    len: usize,
    buf: Box<[u8]>,
}

/// A fixed ring of send buffers of one size.
#[derive(Debug)]
pub(super) struct TxRing {
    slots: Vec<Slot>,
    head: usize,
    len: usize,
    /// The head was lent out by `front`; free it on the next call.
    lent: bool,
    /// Datagrams refused because the caller did not drain the ring.
    pub dropped: u64,
}

impl TxRing {
    /// `count` buffers of `size` bytes.
    pub fn new(count: usize, size: usize) -> Self {
        let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
        TxRing {
            slots: (0..count.max(1))
                .map(|_| Slot {
                    dst: unspecified,
                    via: Via::Rtp,
                    len: 0,
                    buf: vec![0u8; size].into_boxed_slice(),
                })
                .collect(),
            head: 0,
            len: 0,
            lent: false,
            dropped: 0,
        }
    }

    /// Bytes each buffer holds.
    pub fn buffer_size(&self) -> usize {
        self.slots.first().map_or(0, |s| s.buf.len())
    }

    fn release(&mut self) {
        if self.lent {
            self.lent = false;
            if self.len > 0 {
                self.head = (self.head + 1) % self.slots.len();
                self.len -= 1;
            }
        }
    }

    /// Fills the next free buffer with `fill` (which returns the datagram's
    /// length, or `None` to abandon it) and queues it. False when the ring
    /// is full (counted) or `fill` gave up.
    pub fn push(
        &mut self,
        dst: SocketAddr,
        via: Via,
        fill: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> bool {
        self.release();
        if self.len == self.slots.len() {
            self.dropped += 1;
            return false;
        }
        let i = (self.head + self.len) % self.slots.len();
        let Some(slot) = self.slots.get_mut(i) else {
            return false;
        };
        match fill(&mut slot.buf) {
            Some(n) if n <= slot.buf.len() => {
                slot.dst = dst;
                slot.via = via;
                slot.len = n;
                self.len += 1;
                true
            }
            _ => false,
        }
    }

    /// Like [`push`](Self::push), but a full ring drops its oldest datagram
    /// to make room (RTCP: a newer report supersedes an unsent older one),
    /// so `fill` always runs.
    pub fn push_evicting(
        &mut self,
        dst: SocketAddr,
        via: Via,
        fill: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> bool {
        self.release();
        if self.len == self.slots.len() {
            self.head = (self.head + 1) % self.slots.len();
            self.len -= 1;
            self.dropped += 1;
        }
        self.push(dst, via, fill)
    }

    /// Lends the oldest queued datagram; it is freed on the next call.
    pub fn front(&mut self) -> Option<Transmit<'_>> {
        self.release();
        if self.len == 0 {
            return None;
        }
        self.lent = true;
        let s = self.slots.get(self.head)?;
        Some(Transmit {
            dst: s.dst,
            via: s.via,
            bytes: s.buf.get(..s.len)?,
        })
    }

    /// Queued datagrams.
    pub fn queued(&self) -> usize {
        self.len - self.lent as usize
    }

    /// Bytes held.
    pub fn memory(&self) -> usize {
        self.slots.len() * self.buffer_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_lends_in_order_and_refuses_when_full() {
        let d = SocketAddr::from(([127, 0, 0, 1], 9));
        let mut r = TxRing::new(2, 4);
        assert!(r.push(d, Via::Rtp, |b| {
            b[0] = 1;
            Some(1)
        }));
        assert!(r.push(d, Via::Rtcp, |b| {
            b[..2].copy_from_slice(&[2, 2]);
            Some(2)
        }));
        assert!(!r.push(d, Via::Rtp, |_| Some(1)));
        assert_eq!(r.dropped, 1);
        let t = r.front().unwrap();
        assert_eq!((t.bytes, t.via), (&[1u8][..], Via::Rtp));
        let t = r.front().unwrap();
        assert_eq!((t.bytes, t.via), (&[2u8, 2][..], Via::Rtcp));
        assert!(r.front().is_none());
        assert_eq!(r.queued(), 0);
        // A lent buffer is freed by the next push too.
        assert!(r.push(d, Via::Rtp, |_| Some(3)));
        assert!(r.front().is_some());
        assert!(r.push(d, Via::Rtp, |_| Some(4)));
        assert!(r.push(d, Via::Rtp, |_| Some(4)));
        assert_eq!(r.queued(), 2);
        // Evicting: the oldest goes, the new one is queued.
        assert!(r.push_evicting(d, Via::Rtcp, |b| {
            b[0] = 9;
            Some(1)
        }));
        assert_eq!(r.queued(), 2);
        let _ = r.front();
        assert_eq!(r.front().unwrap().bytes, &[9u8][..]);
    }
}
