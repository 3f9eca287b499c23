//! The pattern of lost packets, in constant memory: G.107's burst ratio
//! (BurstR, for Ie,eff) and RFC 3611 §4.7.2's burst/gap metrics (for the
//! XR VoIP Metrics block).
//!
//! Feed one [`PacketOutcome`] per expected packet, in sequence order —
//! what the jitter buffer decided at playout: played, never arrived, or
//! arrived too late/early and discarded. Losses and discards count the same
//! here (both reach the decoder as a gap). Silence the sender suppressed
//! (DTX, comfort noise) is not loss and must not be fed.
//!
//! **BurstR** (G.107 §7.5): the mean length of the observed loss bursts
//! divided by the mean length expected if the same loss rate were random,
//! 1/(1 − P): BurstR = (losses / loss runs) · (1 − P). For a two-state
//! Markov loss model this equals G.107's 1/(p + q).
//!
//! **Bursts and gaps** (RFC 3611 §4.7.2, Gmin = 16 recommended): a burst is
//! the longest run that starts and ends with a lost or discarded packet and
//! contains no Gmin consecutive received packets; everything else is gap.
//! A lone loss with at least Gmin received packets on both sides lies in a
//! gap. As the RFC assumes, the stream is taken to be preceded and followed
//! by Gmin received packets, so a cluster still open at report time is
//! closed as if the next Gmin packets arrive.
//!
//! ```
//! use openphone_media::quality::loss::{LossPattern, PacketOutcome::*};
//! let mut p = LossPattern::new(16);
//! for o in [Received, Lost, Lost, Received, Received] {
//!     p.record(o);
//! }
//! assert_eq!(p.loss_percent(), 40.0);
//! // One run of 2 where random loss at 40 % averages 1/(1 − 0.4): BurstR 1.2.
//! assert!((p.burst_ratio() - 1.2).abs() < 1e-9);
//! ```

/// What became of one expected packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketOutcome {
    /// Arrived in time and was played.
    Received,
    /// Never arrived (or arrived so late it counts as lost).
    Lost,
    /// Arrived, but too late or too early for the jitter buffer.
    Discarded,
}

/// Burst/gap summary per RFC 3611 §4.7.2, in packets.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BurstGap {
    /// Fraction of packets within bursts that were lost or discarded.
    pub burst_density: f64,
    /// Fraction of packets within gaps that were lost or discarded.
    pub gap_density: f64,
    /// Mean burst length, packets (0 when there was no burst).
    pub burst_packets: f64,
    /// Mean gap length, packets.
    pub gap_packets: f64,
    /// Number of bursts.
    pub bursts: u64,
}

/// Loss-pattern counters; a few words, whatever the call length.
#[derive(Debug, Clone)]
pub struct LossPattern {
    gmin: u32,
    total: u64,
    missing: u64,
    /// Runs of consecutive missing packets (for BurstR).
    runs: u64,
    prev_missing: bool,
    /// Received packets since the last loss; starts "at least Gmin".
    received_run: u32,
    /// Open cluster: losses in it and its length up to its last loss.
    cluster_losses: u64,
    cluster_packets: u64,
    /// Closed bursts.
    bursts: u64,
    burst_packets: u64,
    burst_losses: u64,
}

impl LossPattern {
    /// Counters with gap threshold `gmin` (RFC 3611 recommends 16; 0 is
    /// taken as 1).
    pub fn new(gmin: u8) -> Self {
        let gmin = u32::from(gmin.max(1));
        LossPattern {
            gmin,
            total: 0,
            missing: 0,
            runs: 0,
            prev_missing: false,
            received_run: gmin,
            cluster_losses: 0,
            cluster_packets: 0,
            bursts: 0,
            burst_packets: 0,
            burst_losses: 0,
        }
    }

    /// The gap threshold in use.
    pub fn gmin(&self) -> u8 {
        self.gmin.min(255) as u8
    }

    /// Records the next packet's outcome.
    pub fn record(&mut self, outcome: PacketOutcome) {
        self.total += 1;
        if outcome == PacketOutcome::Received {
            self.prev_missing = false;
            self.received_run = self.received_run.saturating_add(1);
            if self.cluster_losses > 0 && self.received_run >= self.gmin {
                // Gmin packets in a row: the cluster is over.
                self.close_cluster();
            }
            return;
        }
        self.missing += 1;
        if !self.prev_missing {
            self.runs += 1;
        }
        self.prev_missing = true;
        if self.cluster_losses > 0 {
            // Fewer than Gmin received since the cluster's last loss.
            self.cluster_packets += u64::from(self.received_run) + 1;
            self.cluster_losses += 1;
        } else {
            self.cluster_losses = 1;
            self.cluster_packets = 1;
        }
        self.received_run = 0;
    }

    fn close_cluster(&mut self) {
        // A lone loss is a gap loss: it has Gmin received on both sides.
        if self.cluster_losses >= 2 {
            self.bursts += 1;
            self.burst_packets += self.cluster_packets;
            self.burst_losses += self.cluster_losses;
        }
        self.cluster_losses = 0;
        self.cluster_packets = 0;
    }

    /// Packets recorded.
    pub fn packets(&self) -> u64 {
        self.total
    }

    /// Packets lost or discarded.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// Lost and discarded packets as a percentage of all recorded (G.107's Ppl).
    pub fn loss_percent(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.missing as f64 * 100.0 / self.total as f64
    }

    /// G.107's BurstR; 1 (random) when nothing or everything was lost.
    pub fn burst_ratio(&self) -> f64 {
        if self.missing == 0 || self.missing == self.total || self.runs == 0 {
            return 1.0;
        }
        let p = self.missing as f64 / self.total as f64;
        (self.missing as f64 / self.runs as f64) * (1.0 - p)
    }

    /// The burst/gap metrics so far (an open cluster closed as RFC 3611
    /// assumes; the counters are not changed).
    pub fn burst_gap(&self) -> BurstGap {
        let mut s = self.clone();
        if s.cluster_losses > 0 {
            s.close_cluster();
        }
        let gap_packets = s.total - s.burst_packets;
        let gap_losses = s.missing - s.burst_losses;
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        BurstGap {
            burst_density: ratio(s.burst_losses, s.burst_packets),
            gap_density: ratio(gap_losses, gap_packets),
            burst_packets: ratio(s.burst_packets, s.bursts),
            // b bursts separate b + 1 gaps (RFC 3611 §4.7.2 a–c).
            gap_packets: ratio(gap_packets, s.bursts + 1),
            bursts: s.bursts,
        }
    }
}

#[cfg(test)]
mod tests;
