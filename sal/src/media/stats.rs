//! Live quality figures of a call's media.

use std::fmt;

/// Live quality figures of one call's media (RFC 3550 and jitter-buffer counters).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MediaStats {
    /// Codec in use (SDP encoding name).
    pub codec: String,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP packets received.
    pub packets_received: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// Payload bytes received.
    pub bytes_received: u64,
    /// Packets lost on the way in (expected − received, RFC 3550 A.3).
    pub packets_lost: i64,
    /// Fraction lost in the last RTCP interval, 0.0–1.0.
    pub fraction_lost: f32,
    /// Interarrival jitter of incoming RTP, in milliseconds (RFC 3550 A.8).
    pub jitter_ms: f32,
    /// Jitter the peer reported in its last RTCP report, in milliseconds.
    pub remote_jitter_ms: Option<f32>,
    /// Round-trip time from RTCP, if measured.
    pub rtt_ms: Option<f32>,
    /// Delay the jitter buffer adds, in milliseconds, averaged over about
    /// the last second (50 packet times).
    pub jitter_buffer_delay_ms: f32,
    /// Frames that arrived too late to play.
    pub late_frames: u64,
    /// Frames concealed because they never arrived.
    pub concealed_frames: u64,
    /// RTCP packets sent / received.
    pub rtcp_sent: u64,
    /// RTCP packets received.
    pub rtcp_received: u64,
    /// ITU-T G.107 E-model rating estimated from loss, delay and codec, if
    /// the engine computes it.
    pub r_factor: Option<f32>,
    /// Estimated MOS (conversational quality) from the R-factor.
    pub mos: Option<f32>,
    /// How the peer rates the audio it receives from us (its RTCP XR VoIP
    /// Metrics, RFC 3611 §4.7: R-factor), if it sends them.
    pub remote_r_factor: Option<f32>,
    /// The peer's MOS-CQ for our audio, from the same block.
    pub remote_mos: Option<f32>,
}

impl fmt::Display for MediaStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codec = if self.codec.is_empty() {
            "no codec"
        } else {
            &self.codec
        };
        write!(
            f,
            "{codec}: sent {} received {} lost {} ({:.1} %), jitter {:.1} ms, buffer {:.0} ms, concealed {}",
            self.packets_sent,
            self.packets_received,
            self.packets_lost,
            self.fraction_lost * 100.0,
            self.jitter_ms,
            self.jitter_buffer_delay_ms,
            self.concealed_frames
        )?;
        if let Some(rtt) = self.rtt_ms {
            write!(f, ", rtt {rtt:.0} ms")?;
        }
        if let (Some(r), Some(mos)) = (self.r_factor, self.mos) {
            write!(f, ", R {r:.0}, MOS {mos:.2}")?;
        }
        if let Some(mos) = self.remote_mos {
            write!(f, ", peer's MOS {mos:.1}")?;
        }
        Ok(())
    }
}
