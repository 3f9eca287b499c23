//! The RFC 3611 VoIP Metrics block a session appends to its RTCP reports:
//! the E-model estimate and loss pattern of the stream it receives, built
//! from the session's counters without allocating.

use std::time::Duration;

use crate::quality::codecs::impairment;
use crate::quality::{voip_metrics, CallFigures, CodecImpairment, QualityReport, ReceiverSettings};
use crate::rtp::xr::{JitterBufferKind, PlcKind, VoipMetrics};

use super::counters::SessionCounters;
use super::playout::Playout;

/// What a session knows of the codec it receives, kept from the last plan.
#[derive(Debug, Clone, Copy)]
pub(super) struct XrCodec {
    impairment: CodecImpairment,
    plc: PlcKind,
}

impl XrCodec {
    /// For `encoding` in `frame`-long packets. G.711's concealment is the
    /// standard Appendix I kind; every other decoder conceals by itself.
    pub(super) fn new(encoding: &str, frame: Duration) -> XrCodec {
        let g711 = encoding.eq_ignore_ascii_case("PCMU") || encoding.eq_ignore_ascii_case("PCMA");
        XrCodec {
            impairment: impairment(encoding, frame, true),
            plc: if g711 {
                PlcKind::Standard
            } else {
                PlcKind::Enhanced
            },
        }
    }
}

fn ms(v: f32) -> Duration {
    Duration::from_secs_f64(f64::from(v.max(0.0)) / 1000.0)
}

/// The block about `source` (the peer's SSRC).
pub(super) fn metrics(
    source: u32,
    codec: &XrCodec,
    frame: Duration,
    counters: &SessionCounters,
    playout: &Playout,
    jitter_max: Duration,
) -> VoipMetrics {
    let concealed = u32::try_from(counters.concealed_frames).unwrap_or(u32::MAX);
    let figures = CallFigures {
        frame,
        packets_received: counters.packets_received,
        packets_lost: counters.packets_lost,
        packets_discarded: counters.late_frames,
        jitter: ms(counters.jitter_ms),
        rtt: counters.rtt_ms.map(ms),
        jitter_buffer_mean: ms(counters.jitter_buffer_delay_ms),
        concealed: frame.saturating_mul(concealed),
        codec_impairment: Some(codec.impairment),
        ..CallFigures::default()
    }
    .with_loss_pattern(&playout.loss);
    let report = QualityReport::new(&figures);
    let settings = ReceiverSettings {
        plc: codec.plc,
        jitter_buffer: JitterBufferKind::Adaptive,
        jb_rate: 0,
        jb_nominal: playout.jitter_stats().target,
        jb_maximum: jitter_max,
        jb_abs_max: jitter_max,
    };
    voip_metrics(source, &report, &playout.loss, frame, &settings)
}
