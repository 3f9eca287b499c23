//! Receive-side statistics for one remote source, RFC 3550 Appendix A.1
//! (sequence validation with probation), A.3 (expected, lost, fraction
//! lost) and A.8 (interarrival jitter).
//!
//! ```
//! use openphone_media::rtp::stats::{ReceiverStats, SeqOutcome};
//! let mut s = ReceiverStats::new(1000);
//! // A new source is on probation until two packets arrive in sequence.
//! assert_eq!(s.update_seq(1000), SeqOutcome::Probation);
//! assert_eq!(s.update_seq(1001), SeqOutcome::Valid);
//! assert_eq!(s.update_seq(1003), SeqOutcome::Valid);
//! assert_eq!(s.expected(), 4);
//! assert_eq!(s.cumulative_lost(), 1);
//! ```

const RTP_SEQ_MOD: u32 = 1 << 16;
const MAX_DROPOUT: u16 = 3000;
const MAX_MISORDER: u16 = 100;
const MIN_SEQUENTIAL: u32 = 2;

/// What [`ReceiverStats::update_seq`] decided about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqOutcome {
    /// In sequence (or an acceptable reordering/duplicate): use it.
    Valid,
    /// The source is still on probation: do not play it yet.
    Probation,
    /// A large jump: dropped unless the next packet confirms the new sequence.
    BadJump,
    /// The next packet after a large jump confirmed it: statistics restarted.
    Restarted,
}

/// Per-source receive statistics.
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Jitter estimate ×16 in timestamp units (A.8's integer form).
    jitter_q4: u32,
    last_transit: Option<i64>,
}

impl ReceiverStats {
    /// Starts tracking a source whose first packet has sequence `seq`
    /// (A.1 `init_seq` with probation).
    pub fn new(seq: u16) -> Self {
        let mut s = ReceiverStats {
            max_seq: seq.wrapping_sub(1),
            cycles: 0,
            base_seq: seq as u32,
            bad_seq: RTP_SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            jitter_q4: 0,
            last_transit: None,
        };
        s.init_seq(seq);
        s.max_seq = seq.wrapping_sub(1);
        s.probation = MIN_SEQUENTIAL;
        s
    }

    /// Starts tracking a source without probation: `seq`'s packet is
    /// already counted as received. For the first source of a call, whose
    /// address signalling agreed on (see `RtpSession::receive`).
    pub fn new_trusted(seq: u16) -> Self {
        let mut s = ReceiverStats::new(seq);
        s.init_seq(seq);
        s.probation = 0;
        s.received = 1;
        s
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = seq as u32;
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// A.1 `update_seq`: call for every packet of this source.
    pub fn update_seq(&mut self, seq: u16) -> SeqOutcome {
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    // init_seq sets received = 0; the validated packet counts,
                    // and so does the one before it (A.1 counts from here; we
                    // include the probation packet so that expected/received
                    // both start at the first packet).
                    self.base_seq = seq.wrapping_sub(1) as u32;
                    self.received = 2;
                    return SeqOutcome::Valid;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SeqOutcome::Probation;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(RTP_SEQ_MOD);
            }
            self.max_seq = seq;
        } else if udelta as u32 <= RTP_SEQ_MOD - MAX_MISORDER as u32 {
            // A very large jump.
            if seq as u32 == self.bad_seq {
                // Two sequential packets: the other side restarted.
                self.init_seq(seq);
                self.received = 1;
                return SeqOutcome::Restarted;
            }
            self.bad_seq = (seq as u32 + 1) & (RTP_SEQ_MOD - 1);
            return SeqOutcome::BadJump;
        }
        // else: duplicate or reordered packet, counted.
        self.received = self.received.wrapping_add(1);
        SeqOutcome::Valid
    }

    /// A.8: updates the jitter estimate with a packet's RTP timestamp and
    /// its arrival time expressed in the same clock units.
    pub fn update_jitter(&mut self, rtp_timestamp: u32, arrival_ts_units: u64) {
        // Transit differences are taken mod 2^32 so that timestamp wrap-around
        // does not look like a huge jump.
        let transit = (arrival_ts_units as u32).wrapping_sub(rtp_timestamp) as i32 as i64;
        if let Some(last) = self.last_transit {
            let d = (transit - last).unsigned_abs().min(u32::MAX as u64) as u32;
            // J += (|D| - J) / 16, in the ×16 integer form of A.8.
            let j = self.jitter_q4 as i64;
            let nj = j + d as i64 - ((j + 8) >> 4);
            self.jitter_q4 = nj.clamp(0, u32::MAX as i64) as u32;
        }
        self.last_transit = Some(transit);
    }

    /// Extended highest sequence number received.
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(self.max_seq as u32)
    }

    /// Packets expected so far (A.3).
    pub fn expected(&self) -> u32 {
        if self.probation > 0 {
            return 0;
        }
        self.extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// Packets received and counted (duplicates included, as A.3 does).
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Cumulative lost (A.3), clamped to the 24-bit signed range RTCP carries.
    pub fn cumulative_lost(&self) -> i32 {
        let lost = self.expected() as i64 - self.received as i64;
        lost.clamp(-0x80_0000, 0x7F_FFFF) as i32
    }

    /// Fraction lost since the previous call, in 1/256 (A.3); advances the interval.
    pub fn take_fraction_lost(&mut self) -> u8 {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        }
    }

    /// Interarrival jitter in timestamp units (the value RTCP reports).
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// True once the source passed probation.
    pub fn is_valid(&self) -> bool {
        self.probation == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(start: u16) -> ReceiverStats {
        let mut s = ReceiverStats::new(start);
        assert_eq!(s.update_seq(start), SeqOutcome::Probation);
        assert_eq!(s.update_seq(start.wrapping_add(1)), SeqOutcome::Valid);
        s
    }

    #[test]
    fn wraparound_extends() {
        let mut s = valid(65534);
        assert_eq!(s.update_seq(0), SeqOutcome::Valid);
        assert_eq!(s.update_seq(1), SeqOutcome::Valid);
        assert_eq!(s.extended_max(), 65536 + 1);
        assert_eq!(s.expected(), 4);
        assert_eq!(s.cumulative_lost(), 0);
    }

    #[test]
    fn loss_and_fraction() {
        let mut s = valid(10);
        // 12..=29, with 4 of 20 missing overall (10..=29 expected).
        for q in 12..30u16 {
            if ![15, 16, 20, 25].contains(&q) {
                s.update_seq(q);
            }
        }
        assert_eq!(s.expected(), 20);
        assert_eq!(s.cumulative_lost(), 4);
        assert_eq!(s.take_fraction_lost(), (4 * 256 / 20) as u8);
        // Nothing new: fraction 0.
        assert_eq!(s.take_fraction_lost(), 0);
    }

    #[test]
    fn duplicates_make_negative_loss() {
        let mut s = valid(1);
        s.update_seq(2);
        assert_eq!(s.cumulative_lost(), -1);
        assert_eq!(s.take_fraction_lost(), 0);
    }

    #[test]
    fn restart_after_jump() {
        let mut s = valid(100);
        assert_eq!(s.update_seq(40000), SeqOutcome::BadJump);
        assert_eq!(s.update_seq(40001), SeqOutcome::Restarted);
        assert_eq!(s.update_seq(40002), SeqOutcome::Valid);
        assert_eq!(s.expected(), 2);
    }

    #[test]
    fn jitter_constant_delay_is_zero_and_grows_with_variation() {
        let mut s = valid(0);
        for i in 0..50u64 {
            s.update_jitter((i * 160) as u32, 1_000_000 + i * 160);
        }
        assert_eq!(s.jitter(), 0);
        for i in 50..400u64 {
            let wobble = if i % 2 == 0 { 80 } else { 0 };
            s.update_jitter((i * 160) as u32, 1_000_000 + i * 160 + wobble);
        }
        // |D| = 80 every packet: J converges to 80.
        assert!((75..=80).contains(&s.jitter()), "jitter {}", s.jitter());
    }
}
