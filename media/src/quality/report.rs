//! A per-call quality report: what the receiver saw (packets, loss,
//! discards, jitter, jitter-buffer delay, concealment, RTT) and the E-model
//! R factor and MOS estimated from it.
//!
//! # How to feed it
//!
//! Fill a [`CallFigures`] from the call's media statistics and convert:
//!
//! * `packets_received`, `packets_lost`, `jitter`: the RTP session's
//!   RFC 3550 receive statistics (A.3 cumulative loss, A.8 jitter);
//! * `packets_discarded`: packets the jitter buffer dropped as too late or
//!   too early (not duplicates);
//! * `concealed`: frames the decoder concealed × frame duration;
//! * `jitter_buffer_mean`/`_p95`: from a [`DelayHistogram`] fed with each
//!   played frame's time in the buffer ([`CallFigures::with_histogram`]);
//! * `burst_ratio`: from a [`LossPattern`] fed with each playout slot's
//!   outcome ([`CallFigures::with_loss_pattern`]); `None` rates loss as
//!   random (BurstR = 1);
//! * `rtt`: the RTCP round-trip time (RR/SR LSR/DLSR, or XR DLRR);
//! * `codec`, `frame`, `concealment`: the negotiated codec's SDP name,
//!   the packet duration, and whether lost frames are concealed;
//! * `device_delay`: capture plus playout buffering (0 if unknown).
//!
//! ```
//! use std::time::Duration;
//! use openphone_media::quality::{CallFigures, QualityReport};
//! let ms = Duration::from_millis;
//! let report = QualityReport::from(&CallFigures {
//!     codec: "PCMU".into(),
//!     packets_received: 2970,
//!     packets_lost: 30,
//!     jitter: ms(3),
//!     rtt: Some(ms(40)),
//!     jitter_buffer_mean: ms(40),
//!     jitter_buffer_p95: ms(60),
//!     concealed: ms(600),
//!     ..CallFigures::default()
//! });
//! assert!((report.loss_percent - 1.0).abs() < 1e-9);
//! // G.711 with PLC at 1 % random loss, 80 ms mouth to ear (20 network +
//! // 40 buffer + 20 packetisation): R = Ro 94.77 − Is 1.41 − Id 2.27 (echo
//! // terms at 80 ms) − Ie,eff 3.64 (95·1/(1 + 25.1)) = 87.4, MOS 4.27.
//! assert!((report.r_factor - 87.4).abs() < 0.05, "{report}");
//! assert!((report.mos - 4.27).abs() < 0.005);
//! println!("{report}");
//! ```

use std::fmt;
use std::time::Duration;

use super::codecs::{impairment, CodecImpairment};
use super::delay::DelayBudget;
use super::emodel::{mos_cqe, EModel, Rating};
use super::histogram::DelayHistogram;
use super::loss::LossPattern;

/// The figures a [`QualityReport`] is computed from, as plain numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFigures {
    /// Negotiated codec, SDP encoding name (e.g. "PCMU").
    pub codec: String,
    /// Packet (frame) duration.
    pub frame: Duration,
    /// True when lost frames are concealed (every decoder here does).
    pub concealment: bool,
    /// RTP packets received (including ones the jitter buffer later discarded).
    pub packets_received: u64,
    /// Cumulative packets lost in the network (RFC 3550 A.3; negative
    /// with duplicates, taken as 0).
    pub packets_lost: i64,
    /// Packets discarded by the jitter buffer as too late or too early.
    pub packets_discarded: u64,
    /// Interarrival jitter (RFC 3550 A.8).
    pub jitter: Duration,
    /// Round-trip time from RTCP, if measured.
    pub rtt: Option<Duration>,
    /// Mean jitter-buffer delay of played frames.
    pub jitter_buffer_mean: Duration,
    /// 95th percentile of the jitter-buffer delay.
    pub jitter_buffer_p95: Duration,
    /// Audio concealed in place of missing frames.
    pub concealed: Duration,
    /// G.107 burst ratio of the loss pattern; `None`: rated as random.
    pub burst_ratio: Option<f64>,
    /// Capture plus playout device buffering.
    pub device_delay: Duration,
    /// Replaces the codec table's Ie/Bpl/look-ahead (e.g. a measured Ie).
    pub codec_impairment: Option<CodecImpairment>,
}

impl Default for CallFigures {
    /// An empty call: no codec, 20 ms frames, concealment on.
    fn default() -> Self {
        CallFigures {
            codec: String::new(),
            frame: Duration::from_millis(20),
            concealment: true,
            packets_received: 0,
            packets_lost: 0,
            packets_discarded: 0,
            jitter: Duration::ZERO,
            rtt: None,
            jitter_buffer_mean: Duration::ZERO,
            jitter_buffer_p95: Duration::ZERO,
            concealed: Duration::ZERO,
            burst_ratio: None,
            device_delay: Duration::ZERO,
            codec_impairment: None,
        }
    }
}

impl CallFigures {
    /// Takes the jitter-buffer mean and 95th percentile from `h`.
    pub fn with_histogram(mut self, h: &DelayHistogram) -> Self {
        self.jitter_buffer_mean = h.mean().unwrap_or_default();
        self.jitter_buffer_p95 = h.quantile(0.95).unwrap_or_default();
        self
    }

    /// Takes the burst ratio from `p` (if it saw any packet).
    pub fn with_loss_pattern(mut self, p: &LossPattern) -> Self {
        self.burst_ratio = (p.packets() > 0).then(|| p.burst_ratio());
        self
    }
}

/// One call's quality report; `Display` prints it as one line.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityReport {
    /// Codec (SDP encoding name).
    pub codec: String,
    /// Packets received.
    pub packets_received: u64,
    /// Packets the sender sent as far as we can tell: received + lost.
    pub packets_expected: u64,
    /// Packets lost in the network.
    pub packets_lost: u64,
    /// Packets discarded by the jitter buffer.
    pub packets_discarded: u64,
    /// Lost plus discarded, percent of expected: the E-model's Ppl.
    pub loss_percent: f64,
    /// Interarrival jitter.
    pub jitter: Duration,
    /// Mean jitter-buffer delay.
    pub jitter_buffer_mean: Duration,
    /// 95th percentile jitter-buffer delay.
    pub jitter_buffer_p95: Duration,
    /// Concealed audio.
    pub concealed: Duration,
    /// RTCP round-trip time, if measured.
    pub rtt: Option<Duration>,
    /// The delay estimate behind Id.
    pub delay: DelayBudget,
    /// BurstR used (1 when the pattern was not supplied).
    pub burst_ratio: f64,
    /// The codec's E-model figures used.
    pub impairment: CodecImpairment,
    /// The E-model terms.
    pub rating: Rating,
    /// Transmission rating R (narrowband scale).
    pub r_factor: f64,
    /// MOS-CQE estimated from R (G.107 Annex B).
    pub mos: f64,
}

impl QualityReport {
    /// Computes the report; see the module docs for each input.
    pub fn new(f: &CallFigures) -> Self {
        let lost = f.packets_lost.max(0) as u64;
        let expected = f.packets_received.saturating_add(lost);
        // Discards are a subset of what was received.
        let discarded = f.packets_discarded.min(f.packets_received);
        let loss_percent = if expected == 0 {
            0.0
        } else {
            (lost + discarded) as f64 * 100.0 / expected as f64
        };
        let imp = f
            .codec_impairment
            .unwrap_or_else(|| impairment(&f.codec, f.frame, f.concealment));
        let delay = DelayBudget {
            network: f.rtt.map(DelayBudget::network_from_rtt),
            jitter_buffer: f.jitter_buffer_mean,
            packetisation: f.frame,
            lookahead: imp.lookahead,
            devices: f.device_delay,
        };
        let burst_ratio = f.burst_ratio.filter(|b| b.is_finite()).unwrap_or(1.0);
        let rating = voip_emodel(&imp, loss_percent, burst_ratio, delay.mouth_to_ear()).rating();
        QualityReport {
            codec: f.codec.clone(),
            packets_received: f.packets_received,
            packets_expected: expected,
            packets_lost: lost,
            packets_discarded: discarded,
            loss_percent,
            jitter: f.jitter,
            jitter_buffer_mean: f.jitter_buffer_mean,
            jitter_buffer_p95: f.jitter_buffer_p95,
            concealed: f.concealed,
            rtt: f.rtt,
            delay,
            burst_ratio,
            impairment: imp,
            rating,
            r_factor: rating.r,
            mos: mos_cqe(rating.r),
        }
    }
}

impl From<&CallFigures> for QualityReport {
    fn from(f: &CallFigures) -> Self {
        QualityReport::new(f)
    }
}

/// The E-model for a VoIP leg: G.107 defaults (terminals with good echo
/// control, TELR 65 dB) with the codec's Ie/Bpl, the measured loss, and
/// the mouth-to-ear delay as Ta; the talker-echo path is one way (T = Ta)
/// and listener echo travels the loop (Tr = 2·Ta).
pub fn voip_emodel(
    codec: &CodecImpairment,
    loss_percent: f64,
    burst_ratio: f64,
    mouth_to_ear: Duration,
) -> EModel {
    let ta = mouth_to_ear.as_secs_f64() * 1000.0;
    EModel {
        ie: codec.ie,
        bpl: codec.bpl,
        ppl: loss_percent,
        burst_r: burst_ratio,
        ta,
        t: ta,
        tr: 2.0 * ta,
        ..EModel::default()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl fmt::Display for QualityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codec = if self.codec.is_empty() {
            "no codec"
        } else {
            &self.codec
        };
        let pct = |n: u64| {
            if self.packets_expected == 0 {
                0.0
            } else {
                n as f64 * 100.0 / self.packets_expected as f64
            }
        };
        write!(
            f,
            "{codec}: received {} of {} packets, lost {} ({:.1} %), discarded {} ({:.1} %), \
             jitter {:.1} ms, buffer {:.0}/{:.0} ms mean/p95, concealed {:.2} s, ",
            self.packets_received,
            self.packets_expected,
            self.packets_lost,
            pct(self.packets_lost),
            self.packets_discarded,
            pct(self.packets_discarded),
            ms(self.jitter),
            ms(self.jitter_buffer_mean),
            ms(self.jitter_buffer_p95),
            self.concealed.as_secs_f64(),
        )?;
        match self.rtt {
            Some(rtt) => write!(f, "rtt {:.0} ms, ", ms(rtt))?,
            None => write!(f, "rtt unknown, ")?,
        }
        write!(
            f,
            "mouth-to-ear {:.0} ms, R {:.1}, MOS {:.2}",
            ms(self.delay.mouth_to_ear()),
            self.r_factor,
            self.mos
        )?;
        if self.impairment.wideband {
            write!(f, " (narrowband scale)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
