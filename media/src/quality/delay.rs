//! The one-way mouth-to-ear delay the E-model's Id needs (G.107's Ta),
//! estimated from what one end can see:
//!
//! * **network**: half the RTCP round-trip time (RFC 3550 §6.4.1: A − LSR −
//!   DLSR, which excludes the peer's holding time) — assumes a symmetric
//!   path; unknown (taken as 0) until a report with LSR arrived;
//! * **jitter buffer**: the mean time played frames waited in it;
//! * **packetisation**: one frame, the audio a sender accumulates before
//!   it can send the packet;
//! * **codec look-ahead**: algorithmic delay beyond the frame;
//! * **devices**: capture and playout buffering, as the audio driver
//!   reports it (0 if it does not).
//!
//! The peer's own jitter buffer and devices are not visible from here; the
//! estimate assumes they match ours only through the network half.

use std::time::Duration;

/// The parts of one direction's mouth-to-ear delay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DelayBudget {
    /// One-way network delay (RTT/2), if a round trip was measured.
    pub network: Option<Duration>,
    /// Mean jitter-buffer delay.
    pub jitter_buffer: Duration,
    /// Packetisation delay (one frame).
    pub packetisation: Duration,
    /// Codec look-ahead.
    pub lookahead: Duration,
    /// Audio device buffering, capture plus playout.
    pub devices: Duration,
}

impl DelayBudget {
    /// Mouth-to-ear delay: the sum of the parts (network 0 if unknown).
    pub fn mouth_to_ear(&self) -> Duration {
        self.network.unwrap_or_default() + self.end_system()
    }

    /// Delay inside the end systems (RFC 3611's "end system delay"):
    /// everything but the network.
    pub fn end_system(&self) -> Duration {
        self.jitter_buffer + self.packetisation + self.lookahead + self.devices
    }

    /// The network half of a round-trip time.
    pub fn network_from_rtt(rtt: Duration) -> Duration {
        rtt / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_the_parts() {
        let ms = Duration::from_millis;
        let b = DelayBudget {
            network: Some(DelayBudget::network_from_rtt(ms(80))),
            jitter_buffer: ms(60),
            packetisation: ms(20),
            lookahead: ms(5),
            devices: ms(40),
        };
        assert_eq!(b.end_system(), ms(125));
        assert_eq!(b.mouth_to_ear(), ms(165));
        let no_rtt = DelayBudget { network: None, ..b };
        assert_eq!(no_rtt.mouth_to_ear(), ms(125));
    }
}
