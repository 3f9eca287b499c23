//! Which address RTP is accepted from: symmetric-RTP latching with a
//! strict source once learned.
//!
//! # The rule
//!
//! 1. Until a source is learned, an RTP packet (parsing, of an agreed
//!    payload type) from the address signalling gave for the peer is
//!    learned at once. From any other address (the peer behind a NAT),
//!    `need` consecutive packets with one SSRC and consecutive sequence
//!    numbers are needed, as in rule 3; a spray of unrelated packets at
//!    call set-up therefore cannot win the race.
//! 2. Once learned, RTP from any other address (IP or port) is dropped and
//!    counted, however valid it looks: another party that guesses our port
//!    cannot inject audio into the call (the hole RTP port scans exploit).
//! 3. Re-learning (the peer's NAT binding or media relay changed): another
//!    address takes over only when the learned source has sent nothing for
//!    at least `quiet` (default 1 s) **and** `need` (default 3) consecutive
//!    packets from the new address carry one SSRC and consecutive sequence
//!    numbers, with no packet from a third address in between. Packets that
//!    build up the count are dropped; the one that completes it is played.
//! 4. A new remote address from signalling (re-INVITE, H.245) forgets the
//!    learned source: rule 1 applies again.
//!
//! An attacker therefore needs the real peer to fall silent for a second
//! (hold, a dead NAT binding) and must then out-race it with a coherent
//! stream; while the call carries audio, injection is impossible.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// What to do with an RTP packet, by its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchVerdict {
    /// From the learned source: play it.
    Accept,
    /// The first source: learned now, play it.
    Learned,
    /// A new source took over under the re-learning rule: play it.
    Relearned {
        /// The source it replaced.
        from: SocketAddr,
    },
    /// From another address: drop it.
    Foreign,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    addr: SocketAddr,
    ssrc: u32,
    next_seq: u16,
    count: u32,
}

/// The latching state of one session.
#[derive(Debug, Clone)]
pub struct Latch {
    /// The peer's address as signalled.
    expected: Option<SocketAddr>,
    learned: Option<SocketAddr>,
    last_heard: Option<Instant>,
    candidate: Option<Candidate>,
    quiet: Duration,
    need: u32,
}

impl Latch {
    /// Nothing learned yet.
    pub fn new(quiet: Duration, need: u32) -> Self {
        Latch {
            expected: None,
            learned: None,
            last_heard: None,
            candidate: None,
            quiet,
            need: need.max(1),
        }
    }

    /// The learned source, if any.
    pub fn learned(&self) -> Option<SocketAddr> {
        self.learned
    }

    /// The peer's RTP address as signalling gave it (learned at once).
    pub fn set_expected(&mut self, addr: Option<SocketAddr>) {
        self.expected = addr;
    }

    /// Forgets the learned source (signalling gave a new remote address).
    pub fn reset(&mut self) {
        self.learned = None;
        self.last_heard = None;
        self.candidate = None;
    }

    /// Judges a valid RTP packet (`ssrc`, `seq`) from `from` at `now`.
    pub fn check(&mut self, now: Instant, from: SocketAddr, ssrc: u32, seq: u16) -> LatchVerdict {
        let Some(learned) = self.learned else {
            if self.expected == Some(from) || self.candidate_complete(from, ssrc, seq) {
                self.learned = Some(from);
                self.last_heard = Some(now);
                self.candidate = None;
                return LatchVerdict::Learned;
            }
            return LatchVerdict::Foreign;
        };
        if from == learned {
            self.last_heard = Some(now);
            self.candidate = None;
            return LatchVerdict::Accept;
        }
        let quiet = self
            .last_heard
            .is_none_or(|t| now.saturating_duration_since(t) >= self.quiet);
        if !quiet {
            self.candidate = None;
            return LatchVerdict::Foreign;
        }
        if self.candidate_complete(from, ssrc, seq) {
            self.learned = Some(from);
            self.last_heard = Some(now);
            self.candidate = None;
            return LatchVerdict::Relearned { from: learned };
        }
        LatchVerdict::Foreign
    }

    /// Counts a packet towards a candidate source; true when it is the
    /// `need`-th consecutive one.
    fn candidate_complete(&mut self, from: SocketAddr, ssrc: u32, seq: u16) -> bool {
        let count = match self.candidate {
            Some(c) if c.addr == from && c.ssrc == ssrc && c.next_seq == seq => c.count + 1,
            _ => 1,
        };
        self.candidate = Some(Candidate {
            addr: from,
            ssrc,
            next_seq: seq.wrapping_add(1),
            count,
        });
        count >= self.need
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, 1], port))
    }

    #[test]
    fn strict_once_learned() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut l = Latch::new(Duration::from_secs(1), 3);
        l.set_expected(Some(a(4000)));
        assert_eq!(l.check(t0, a(4000), 7, 1), LatchVerdict::Learned);
        assert_eq!(l.check(ms(20), a(4000), 7, 2), LatchVerdict::Accept);
        // An injector with a coherent stream while the peer talks: never.
        for i in 0..200u16 {
            assert_eq!(
                l.check(ms(20 + i as u64), a(5000), 9, i),
                LatchVerdict::Foreign
            );
            if i % 20 == 0 {
                assert_eq!(
                    l.check(ms(21 + i as u64), a(4000), 7, 3 + i),
                    LatchVerdict::Accept
                );
            }
        }
        assert_eq!(l.learned(), Some(a(4000)));
    }

    #[test]
    fn relearns_after_silence_and_three_consecutive() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut l = Latch::new(Duration::from_secs(1), 3);
        l.set_expected(Some(a(4000)));
        l.check(t0, a(4000), 7, 1);
        // Not yet quiet for 1 s.
        assert_eq!(l.check(ms(999), a(6000), 8, 10), LatchVerdict::Foreign);
        assert_eq!(l.check(ms(1000), a(6000), 8, 11), LatchVerdict::Foreign);
        // A gap in the sequence restarts the count.
        assert_eq!(l.check(ms(1020), a(6000), 8, 13), LatchVerdict::Foreign);
        assert_eq!(l.check(ms(1040), a(6000), 8, 14), LatchVerdict::Foreign);
        // A third address in between restarts it too.
        assert_eq!(l.check(ms(1050), a(7000), 1, 1), LatchVerdict::Foreign);
        assert_eq!(l.check(ms(1060), a(6000), 8, 15), LatchVerdict::Foreign);
        assert_eq!(l.check(ms(1080), a(6000), 8, 16), LatchVerdict::Foreign);
        assert_eq!(
            l.check(ms(1100), a(6000), 8, 17),
            LatchVerdict::Relearned { from: a(4000) }
        );
        assert_eq!(l.learned(), Some(a(6000)));
        // The old source is now the foreign one.
        assert_eq!(l.check(ms(1120), a(4000), 7, 2), LatchVerdict::Foreign);
        l.reset();
        assert_eq!(l.check(ms(1140), a(4000), 7, 3), LatchVerdict::Learned);
        assert_eq!(l.learned(), Some(a(4000)), "the signalled address again");
    }

    #[test]
    fn first_source_signalled_at_once_else_three_packets() {
        let t0 = Instant::now();
        let mut l = Latch::new(Duration::from_secs(1), 3);
        l.set_expected(Some(a(4000)));
        assert_eq!(l.check(t0, a(4000), 7, 1), LatchVerdict::Learned);
        // Behind a NAT: the peer's packets come from elsewhere; stray
        // packets at set-up do not win.
        let mut l = Latch::new(Duration::from_secs(1), 3);
        l.set_expected(Some(a(4000)));
        assert_eq!(l.check(t0, a(9), 1, 50), LatchVerdict::Foreign);
        assert_eq!(l.check(t0, a(5000), 7, 1), LatchVerdict::Foreign);
        assert_eq!(l.check(t0, a(9), 2, 77), LatchVerdict::Foreign);
        // The stray packet in between restarted the count.
        assert_eq!(l.check(t0, a(5000), 7, 2), LatchVerdict::Foreign);
        assert_eq!(l.check(t0, a(5000), 7, 3), LatchVerdict::Foreign);
        assert_eq!(l.check(t0, a(5000), 7, 4), LatchVerdict::Learned);
        assert_eq!(l.learned(), Some(a(5000)));
    }

    #[test]
    fn ssrc_must_stay_the_same() {
        let t0 = Instant::now();
        let mut l = Latch::new(Duration::from_millis(0), 3);
        l.set_expected(Some(a(1)));
        l.check(t0, a(1), 1, 1);
        assert_eq!(l.check(t0, a(2), 5, 1), LatchVerdict::Foreign);
        assert_eq!(l.check(t0, a(2), 6, 2), LatchVerdict::Foreign);
        assert_eq!(l.check(t0, a(2), 6, 3), LatchVerdict::Foreign);
        assert!(matches!(
            l.check(t0, a(2), 6, 4),
            LatchVerdict::Relearned { .. }
        ));
    }
}
