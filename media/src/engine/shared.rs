//! Statistics the media task publishes and any thread reads, without a
//! lock: one atomic per figure, written after every tick.
//!
//! A reader may see figures from two neighbouring ticks side by side (no
//! snapshot across fields); for counters read by a user that is harmless,
//! and it keeps the hot path free of locks and of contention with readers.

use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering::Relaxed};

use crate::session::SessionCounters;

/// `f32` in an `AtomicU32`; `None` as NaN.
#[derive(Debug)]
struct AtomicF32(AtomicU32);

impl Default for AtomicF32 {
    fn default() -> Self {
        AtomicF32(AtomicU32::new(f32::NAN.to_bits()))
    }
}

impl AtomicF32 {
    fn store(&self, v: Option<f32>) {
        self.0.store(v.unwrap_or(f32::NAN).to_bits(), Relaxed);
    }
    fn load(&self) -> Option<f32> {
        let v = f32::from_bits(self.0.load(Relaxed));
        (!v.is_nan()).then_some(v)
    }
}

/// The published figures of one call.
#[derive(Debug, Default)]
pub(crate) struct SharedStats {
    packets_sent: AtomicU64,
    bytes_sent: AtomicU64,
    packets_received: AtomicU64,
    bytes_received: AtomicU64,
    packets_lost: AtomicI64,
    fraction_lost: AtomicF32,
    jitter_ms: AtomicF32,
    remote_jitter_ms: AtomicF32,
    rtt_ms: AtomicF32,
    remote_r_factor: AtomicF32,
    remote_mos: AtomicF32,
    rtcp_sent: AtomicU64,
    rtcp_received: AtomicU64,
    jitter_buffer_delay_ms: AtomicF32,
    late_frames: AtomicU64,
    concealed_frames: AtomicU64,
}

impl SharedStats {
    /// Publishes the session's figures.
    pub fn publish(&self, c: &SessionCounters) {
        self.packets_sent.store(c.packets_sent, Relaxed);
        self.bytes_sent.store(c.bytes_sent, Relaxed);
        self.packets_received.store(c.packets_received, Relaxed);
        self.bytes_received.store(c.bytes_received, Relaxed);
        self.packets_lost.store(c.packets_lost, Relaxed);
        self.fraction_lost.store(Some(c.fraction_lost));
        self.jitter_ms.store(Some(c.jitter_ms));
        self.remote_jitter_ms.store(c.remote_jitter_ms);
        self.rtt_ms.store(c.rtt_ms);
        self.remote_r_factor.store(c.remote_r_factor);
        self.remote_mos.store(c.remote_mos);
        self.rtcp_sent.store(c.rtcp_sent, Relaxed);
        self.rtcp_received.store(c.rtcp_received, Relaxed);
        self.jitter_buffer_delay_ms
            .store(Some(c.jitter_buffer_delay_ms));
        self.late_frames.store(c.late_frames, Relaxed);
        self.concealed_frames.store(c.concealed_frames, Relaxed);
    }

    /// Reads the published figures into `m` (its codec name untouched).
    pub fn read_into(&self, m: &mut openphone_sal::MediaStats) {
        m.packets_sent = self.packets_sent.load(Relaxed);
        m.bytes_sent = self.bytes_sent.load(Relaxed);
        m.packets_received = self.packets_received.load(Relaxed);
        m.bytes_received = self.bytes_received.load(Relaxed);
        m.packets_lost = self.packets_lost.load(Relaxed);
        m.fraction_lost = self.fraction_lost.load().unwrap_or(0.0);
        m.jitter_ms = self.jitter_ms.load().unwrap_or(0.0);
        m.remote_jitter_ms = self.remote_jitter_ms.load();
        m.rtt_ms = self.rtt_ms.load();
        m.remote_r_factor = self.remote_r_factor.load();
        m.remote_mos = self.remote_mos.load();
        m.rtcp_sent = self.rtcp_sent.load(Relaxed);
        m.rtcp_received = self.rtcp_received.load(Relaxed);
        m.jitter_buffer_delay_ms = self.jitter_buffer_delay_ms.load().unwrap_or(0.0);
        m.late_frames = self.late_frames.load(Relaxed);
        m.concealed_frames = self.concealed_frames.load(Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = SharedStats::default();
        let mut m = openphone_sal::MediaStats::default();
        s.read_into(&mut m);
        assert_eq!((m.rtt_ms, m.packets_sent), (None, 0));
        let c = SessionCounters {
            packets_sent: 5,
            rtt_ms: Some(12.5),
            packets_lost: -1,
            ..Default::default()
        };
        s.publish(&c);
        s.read_into(&mut m);
        assert_eq!(
            (m.rtt_ms, m.packets_sent, m.packets_lost),
            (Some(12.5), 5, -1)
        );
    }
}
