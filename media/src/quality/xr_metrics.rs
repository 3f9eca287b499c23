//! Fills an RFC 3611 VoIP Metrics block from a [`QualityReport`] and the
//! [`LossPattern`] of the same stream, converting to the block's units
//! (fractions ×256 truncated and capped at 255, milliseconds capped at
//! 65535, MOS ×10).
//!
//! Not measured here and so sent as unavailable (127): signal and noise
//! level, residual echo return loss, the external R factor and MOS-LQ (the
//! E-model gives a conversational estimate only).

use std::time::Duration;

use super::loss::LossPattern;
use super::report::QualityReport;
use crate::rtp::xr::{JitterBufferKind, PlcKind, RxConfig, VoipMetrics};

/// What the receiver is configured with, for the block's configuration
/// and jitter-buffer fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiverSettings {
    /// Concealment method.
    pub plc: PlcKind,
    /// Jitter buffer kind.
    pub jitter_buffer: JitterBufferKind,
    /// Jitter buffer adjustment rate, 0–15 (RFC 3611 §4.7.6; 0 if unknown).
    pub jb_rate: u8,
    /// Current nominal jitter-buffer delay.
    pub jb_nominal: Duration,
    /// Current maximum jitter-buffer delay.
    pub jb_maximum: Duration,
    /// The most the jitter buffer can ever hold.
    pub jb_abs_max: Duration,
}

fn fraction_256(n: u64, of: u64) -> u8 {
    if of == 0 {
        return 0;
    }
    ((n.saturating_mul(256)) / of).min(255) as u8
}

fn millis_u16(d: Duration) -> u16 {
    d.as_millis().min(u16::MAX as u128) as u16
}

fn density_256(f: f64) -> u8 {
    (f * 256.0).clamp(0.0, 255.0) as u8
}

/// The VoIP Metrics block about source `ssrc` (the stream the report and
/// the pattern describe); `frame` converts burst and gap lengths from
/// packets to milliseconds.
pub fn voip_metrics(
    ssrc: u32,
    report: &QualityReport,
    pattern: &LossPattern,
    frame: Duration,
    settings: &ReceiverSettings,
) -> VoipMetrics {
    let bg = pattern.burst_gap();
    let frame_ms = frame.as_secs_f64() * 1000.0;
    let packets_ms = |p: f64| (p * frame_ms).round().clamp(0.0, u16::MAX as f64) as u16;
    VoipMetrics {
        ssrc,
        loss_rate: fraction_256(report.packets_lost, report.packets_expected),
        discard_rate: fraction_256(report.packets_discarded, report.packets_expected),
        burst_density: density_256(bg.burst_density),
        gap_density: density_256(bg.gap_density),
        burst_duration_ms: packets_ms(bg.burst_packets),
        gap_duration_ms: packets_ms(bg.gap_packets),
        round_trip_delay_ms: report.rtt.map(millis_u16).unwrap_or(0),
        end_system_delay_ms: millis_u16(report.delay.end_system()),
        gmin: pattern.gmin(),
        r_factor: report.r_factor.round().clamp(0.0, 100.0) as u8,
        mos_cq: (report.mos * 10.0).round().clamp(10.0, 50.0) as u8,
        rx_config: RxConfig {
            plc: settings.plc,
            jba: settings.jitter_buffer,
            jb_rate: settings.jb_rate.min(15),
        },
        jb_nominal_ms: millis_u16(settings.jb_nominal),
        jb_maximum_ms: millis_u16(settings.jb_maximum),
        jb_abs_max_ms: millis_u16(settings.jb_abs_max),
        ..VoipMetrics::unavailable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::loss::PacketOutcome;
    use crate::quality::CallFigures;

    #[test]
    fn converts_units_and_marks_unavailable() {
        let ms = Duration::from_millis;
        let mut pattern = LossPattern::new(16);
        // 100 packets: one 4-packet burst (2 lost) and one lone loss.
        for i in 0..100 {
            let lost = matches!(i, 10 | 13 | 60);
            pattern.record(if lost {
                PacketOutcome::Lost
            } else {
                PacketOutcome::Received
            });
        }
        let report = QualityReport::new(&CallFigures {
            codec: "PCMA".into(),
            packets_received: 97,
            packets_lost: 3,
            packets_discarded: 1,
            rtt: Some(ms(70_000)),
            jitter_buffer_mean: ms(40),
            ..CallFigures::default()
        });
        let settings = ReceiverSettings {
            plc: PlcKind::Standard,
            jitter_buffer: JitterBufferKind::Adaptive,
            jb_rate: 20,
            jb_nominal: ms(40),
            jb_maximum: ms(100),
            jb_abs_max: ms(300),
        };
        let m = voip_metrics(9, &report, &pattern, ms(20), &settings);
        assert_eq!(m.ssrc, 9);
        assert_eq!(m.loss_rate, 7); // 3/100 · 256 = 7.68
        assert_eq!(m.discard_rate, 2); // 1/100 · 256 = 2.56
        assert_eq!(m.burst_density, 128); // 2 of 4
        assert_eq!(m.burst_duration_ms, 80);
        // 96 gap packets over 2 gaps, 1 lost.
        assert_eq!(m.gap_duration_ms, 960);
        assert_eq!(m.gap_density, 2); // 1/96 · 256 = 2.67
        assert_eq!(m.round_trip_delay_ms, u16::MAX);
        // Buffer 40 + frame 20 (G.711: no look-ahead).
        assert_eq!(m.end_system_delay_ms, 60);
        assert_eq!(m.gmin, 16);
        // A 35 s one-way delay drives R below 0: clamped to the field's range.
        assert!(report.r_factor < 0.0);
        assert_eq!((m.r_factor, m.mos_cq), (0, 10));
        assert_eq!(m.rx_config.jb_rate, 15);
        assert_eq!(
            (m.jb_nominal_ms, m.jb_maximum_ms, m.jb_abs_max_ms),
            (40, 100, 300)
        );
        assert_eq!(m.signal_level, 127);
        assert_eq!((m.rerl, m.ext_r_factor, m.mos_lq), (127, 127, 127));
        // Nothing received: the RFC's zeroes.
        let empty = QualityReport::new(&CallFigures::default());
        let m = voip_metrics(1, &empty, &LossPattern::new(16), ms(20), &settings);
        assert_eq!((m.loss_rate, m.discard_rate, m.burst_density), (0, 0, 0));
        assert_eq!(m.round_trip_delay_ms, 0);
        // A plain call: R and MOS rounded.
        let call = QualityReport::new(&CallFigures {
            codec: "PCMU".into(),
            packets_received: 990,
            packets_lost: 10,
            rtt: Some(ms(60)),
            ..CallFigures::default()
        });
        let m = voip_metrics(1, &call, &LossPattern::new(16), ms(20), &settings);
        assert_eq!(m.r_factor as f64, call.r_factor.round());
        assert_eq!(m.mos_cq as f64, (call.mos * 10.0).round());
        assert!(m.r_factor > 80 && m.mos_cq > 40, "{m:?}");
    }
}
