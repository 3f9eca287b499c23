//! Adaptive jitter buffer with loss concealment signalling (sans-IO).
//!
//! Packets go in with [`JitterBuffer::push`] as they arrive, in any order;
//! the playout side calls [`JitterBuffer::pop`] once per frame period and
//! gets the next packet in sequence ([`Pop::Frame`]), a [`Pop::Lost`] when
//! it is missing but later packets exist (the caller runs the decoder's
//! `conceal()`), or [`Pop::Empty`] while (re)buffering.
//!
//! # Algorithm
//!
//! The buffer is frame-count based and never time-scales audio:
//! * **Jitter estimate**: RFC 3550 A.8's filter (J += (|D| − J)/16) over the
//!   transit-time differences of consecutive packets, in milliseconds.
//! * **Target delay** = clamp(3·J + one frame, min, max), rounded up to whole
//!   frames. Three mean deviations cover nearly all arrivals of a typical
//!   delay distribution while staying well below a fixed worst-case buffer.
//! * **Growing** happens at an underflow: when the buffer runs dry the
//!   playout stops ([`Pop::Empty`]) and restarts only once the buffer holds
//!   the (new, larger) target — this is the insertion of delay.
//! * **Shrinking** removes one whole frame when the buffer level stayed
//!   above target + 1 frame for 50 consecutive pops (1 s at 20 ms), at most
//!   once per 50 pops, so delay falls slowly after a jitter burst. (A
//!   codec-aware caller could prefer silent frames; we drop the oldest.)
//! * **Late** packets (arriving after their slot was concealed) and
//!   **duplicates** are counted and discarded; reordering within the buffer
//!   window is absorbed; a gap during rebuffering counts as lost.
//!
//! Memory is bounded: a fixed ring of `capacity` slots, each with a payload
//! buffer of `max_payload` bytes, allocated once in [`JitterBuffer::new`].
//!
//! ```
//! use std::time::{Duration, Instant};
//! use openphone_media::jitter::{JitterBuffer, JitterConfig, Pop};
//! let t0 = Instant::now();
//! let mut jb = JitterBuffer::new(JitterConfig::default());
//! jb.push(t0, 1, 160, 0, &[1; 160]);
//! jb.push(t0, 3, 480, 0, &[3; 160]); // 2 lost (or late)
//! assert!(matches!(jb.pop(t0), Pop::Frame { seq: 1, .. }));
//! assert!(matches!(jb.pop(t0), Pop::Lost { seq: 2 }));
//! assert!(matches!(jb.pop(t0), Pop::Frame { seq: 3, .. }));
//! ```

use std::time::{Duration, Instant};

/// Jitter buffer settings.
#[derive(Debug, Clone)]
pub struct JitterConfig {
    /// Nominal frame (packet) duration; the caller pops once per frame.
    pub frame: Duration,
    /// RTP clock rate of the stream.
    pub clock_rate: u32,
    /// Lowest delay target.
    pub min_delay: Duration,
    /// Highest delay target (and roughly the memory bound).
    pub max_delay: Duration,
    /// Largest payload stored; longer ones are dropped.
    pub max_payload: usize,
}

impl Default for JitterConfig {
    /// 20 ms frames at 8 kHz, 20–300 ms delay, 1500-byte payloads.
    fn default() -> Self {
        JitterConfig {
            frame: Duration::from_millis(20),
            clock_rate: 8000,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(300),
            max_payload: 1500,
        }
    }
}

/// What [`JitterBuffer::push`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushResult {
    /// Stored for playout.
    Stored,
    /// Already buffered or already played: discarded.
    Duplicate,
    /// Its playout slot has passed (it was concealed): discarded.
    Late,
    /// Too far ahead of playout or too large: discarded.
    Dropped,
}

/// What the playout side gets.
#[derive(Debug, PartialEq, Eq)]
pub enum Pop<'a> {
    /// The next packet in sequence.
    Frame {
        /// Its sequence number.
        seq: u16,
        /// Its payload type (the caller picks the decoder).
        payload_type: u8,
        /// Its RTP timestamp.
        timestamp: u32,
        /// Its payload.
        payload: &'a [u8],
    },
    /// The next packet is missing: conceal one frame.
    Lost {
        /// The missing sequence number.
        seq: u16,
    },
    /// Nothing to play: before the first packet or while rebuffering.
    Empty,
}

/// Counters and current figures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    /// Delay the buffer adds now (buffered frames × frame duration).
    pub delay: Duration,
    /// Current target delay.
    pub target: Duration,
    /// Jitter estimate (RFC 3550 A.8 filter), ms.
    pub jitter_ms: f32,
    /// Packets stored.
    pub received: u64,
    /// Packets that arrived after their slot was concealed.
    pub late: u64,
    /// Frames reported lost (to be concealed).
    pub lost: u64,
    /// Duplicates discarded.
    pub duplicates: u64,
    /// Packets that arrived out of order but in time.
    pub reordered: u64,
    /// Packets dropped (too far ahead, too large, or buffer full).
    pub dropped: u64,
    /// Frames removed to shrink the delay.
    pub shrink_drops: u64,
    /// Times the buffer ran dry and rebuffered.
    pub underflows: u64,
}

#[derive(Debug, Clone)]
struct Slot {
    used: bool,
    seq: u16,
    payload_type: u8,
    timestamp: u32,
    len: usize,
    data: Box<[u8]>,
}

/// The adaptive jitter buffer of one RTP source.
#[derive(Debug)]
pub struct JitterBuffer {
    cfg: JitterConfig,
    slots: Vec<Slot>,
    /// Next sequence number to play (valid once `started`).
    next_seq: u16,
    /// Playing (false: before the first packet or rebuffering).
    playing: bool,
    /// Any packet seen since the last reset.
    primed: bool,
    highest_seq: u16,
    /// Sequence numbers recently concealed (bit i: next_seq − 1 − i) and played.
    concealed_bits: u64,
    played_bits: u64,
    epoch: Option<Instant>,
    last_transit_ms: Option<f64>,
    jitter_ms: f64,
    above_target_pops: u32,
    learned_frame_ms: Option<f64>,
    last_pushed: Option<(u16, u32)>,
    stats: JitterStats,
}

fn seq_diff(a: u16, b: u16) -> i32 {
    a.wrapping_sub(b) as i16 as i32
}

impl JitterBuffer {
    /// Allocates the ring: `max_delay / frame + 8` slots of `max_payload` bytes.
    pub fn new(cfg: JitterConfig) -> Self {
        let frame_ms = cfg.frame.as_millis().max(1);
        let cap = (cfg.max_delay.as_millis() / frame_ms) as usize + 8;
        let cap = cap.clamp(8, 64);
        let slots = (0..cap)
            .map(|_| Slot {
                used: false,
                seq: 0,
                payload_type: 0,
                timestamp: 0,
                len: 0,
                data: vec![0u8; cfg.max_payload].into_boxed_slice(),
            })
            .collect();
        JitterBuffer {
            cfg,
            slots,
            next_seq: 0,
            playing: false,
            primed: false,
            highest_seq: 0,
            concealed_bits: 0,
            played_bits: 0,
            epoch: None,
            last_transit_ms: None,
            jitter_ms: 0.0,
            above_target_pops: 0,
            learned_frame_ms: None,
            last_pushed: None,
            stats: JitterStats::default(),
        }
    }

    /// Forgets every packet (new remote source); counters are kept.
    pub fn reset(&mut self) {
        for s in &mut self.slots {
            s.used = false;
        }
        self.playing = false;
        self.primed = false;
        self.concealed_bits = 0;
        self.played_bits = 0;
        self.last_transit_ms = None;
        self.last_pushed = None;
    }

    /// Packet duration: learned from consecutive packets' timestamps (a
    /// peer may send 10 or 30 ms packets whatever our own ptime), else the
    /// configured frame.
    fn frame_ms(&self) -> f64 {
        self.learned_frame_ms
            .unwrap_or(self.cfg.frame.as_secs_f64() * 1000.0)
    }

    fn learn_frame(&mut self, seq: u16, ts: u32) {
        if let Some((ps, pts)) = self.last_pushed {
            if seq == ps.wrapping_add(1) {
                let units = ts.wrapping_sub(pts);
                let rate = self.cfg.clock_rate.max(1);
                // 5–200 ms packets only; anything else is a jump, not a size.
                let ms = units as f64 * 1000.0 / rate as f64;
                if (5.0..=200.0).contains(&ms) {
                    self.learned_frame_ms = Some(ms);
                }
            }
        }
        self.last_pushed = Some((seq, ts));
    }

    /// Target delay in whole frames.
    fn target_frames(&self) -> usize {
        let f = self.frame_ms();
        let want = 3.0 * self.jitter_ms + f;
        let min = self.cfg.min_delay.as_secs_f64() * 1000.0;
        let max = self.cfg.max_delay.as_secs_f64() * 1000.0;
        let ms = want.clamp(min, max.max(min));
        // Tolerance: float noise must not add a whole frame.
        ((ms / f - 1e-6).ceil() as usize).clamp(1, self.slots.len() - 2)
    }

    fn level(&self) -> usize {
        self.slots.iter().filter(|s| s.used).count()
    }

    fn slot_index(&self, seq: u16) -> usize {
        seq as usize % self.slots.len()
    }

    fn update_jitter(&mut self, now: Instant, ts: u32) {
        let epoch = *self.epoch.get_or_insert(now);
        let arrival_ms = now.saturating_duration_since(epoch).as_secs_f64() * 1000.0;
        let ts_ms = ts as f64 * 1000.0 / self.cfg.clock_rate.max(1) as f64;
        let transit = arrival_ms - ts_ms;
        // RFC 3550 A.8: consecutive arrivals, whatever their sequence
        // numbers; the timestamps make a loss gap or a reordering cancel out.
        if let Some(last) = self.last_transit_ms {
            let mut d = (transit - last).abs();
            // Timestamp wrap (2^32 units) or a sender restart shows up as a
            // huge jump: do not let one packet blow up the estimate.
            if d > 10_000.0 {
                d = self.jitter_ms;
            }
            self.jitter_ms += (d - self.jitter_ms) / 16.0;
        }
        self.last_transit_ms = Some(transit);
    }

    /// Stores an arriving packet.
    pub fn push(
        &mut self,
        now: Instant,
        seq: u16,
        timestamp: u32,
        payload_type: u8,
        payload: &[u8],
    ) -> PushResult {
        if payload.len() > self.cfg.max_payload {
            self.stats.dropped += 1;
            return PushResult::Dropped;
        }
        if !self.primed {
            self.primed = true;
            self.next_seq = seq;
            self.highest_seq = seq;
        }
        let d = seq_diff(seq, self.next_seq);
        if d < 0 {
            if self.playing || d > -64 {
                let back = (-d - 1) as u32;
                if back < 64 && self.concealed_bits & (1 << back) != 0 {
                    self.stats.late += 1;
                    return PushResult::Late;
                }
                if back < 64 && self.played_bits & (1 << back) != 0 {
                    self.stats.duplicates += 1;
                    return PushResult::Duplicate;
                }
                if self.playing {
                    // Older than our history: late.
                    self.stats.late += 1;
                    return PushResult::Late;
                }
            }
            // Not playing yet (prefetch): an earlier packet moves the start back.
            if !self.playing && d > -(self.slots.len() as i32) {
                self.next_seq = seq;
            } else {
                self.stats.late += 1;
                return PushResult::Late;
            }
        }
        let d = seq_diff(seq, self.next_seq);
        if d >= self.slots.len() as i32 {
            if self.playing {
                self.stats.dropped += 1;
                return PushResult::Dropped;
            }
            // Rebuffering after a long gap: restart from this packet.
            for s in &mut self.slots {
                s.used = false;
            }
            self.next_seq = seq;
            self.highest_seq = seq;
        }
        let idx = self.slot_index(seq);
        let Some(slot) = self.slots.get_mut(idx) else {
            self.stats.dropped += 1;
            return PushResult::Dropped;
        };
        if slot.used {
            if slot.seq == seq {
                self.stats.duplicates += 1;
                return PushResult::Duplicate;
            }
            // The slot holds an older packet the window has left behind.
            self.stats.dropped += 1;
        }
        slot.used = true;
        slot.seq = seq;
        slot.payload_type = payload_type;
        slot.timestamp = timestamp;
        slot.len = payload.len();
        if let Some(dst) = slot.data.get_mut(..payload.len()) {
            dst.copy_from_slice(payload);
        }
        if seq_diff(seq, self.highest_seq) < 0 {
            self.stats.reordered += 1;
        } else {
            self.highest_seq = seq;
        }
        self.update_jitter(now, timestamp);
        self.learn_frame(seq, timestamp);
        self.stats.received += 1;
        PushResult::Stored
    }

    fn mark_history(&mut self, concealed: bool) {
        self.concealed_bits = (self.concealed_bits << 1) | concealed as u64;
        self.played_bits = (self.played_bits << 1) | (!concealed) as u64;
    }

    /// Lowest buffered sequence number, relative to `next_seq`.
    fn earliest_buffered(&self) -> Option<u16> {
        self.slots
            .iter()
            .filter(|s| s.used)
            .map(|s| s.seq)
            .min_by_key(|&s| seq_diff(s, self.next_seq))
    }

    /// Called once per frame period by the playout side.
    pub fn pop(&mut self, _now: Instant) -> Pop<'_> {
        let level = self.level();
        let target = self.target_frames();
        if !self.playing {
            if level == 0 || level < target {
                return Pop::Empty;
            }
            // Start (or restart) at the earliest buffered packet; anything
            // skipped over during the underflow counts as lost.
            if let Some(first) = self.earliest_buffered() {
                let gap = seq_diff(first, self.next_seq);
                if self.stats.received > level as u64 && gap > 0 && gap < 1000 {
                    self.stats.lost += gap as u64;
                }
                for _ in 0..gap.clamp(0, 64) {
                    self.mark_history(true);
                }
                self.next_seq = first;
            }
            self.playing = true;
            self.above_target_pops = 0;
        } else if level == 0 {
            self.playing = false;
            self.stats.underflows += 1;
            return Pop::Empty;
        }

        // Shrink: sustained excess over target → drop the frame due now.
        if level > target + 1 {
            self.above_target_pops += 1;
        } else {
            self.above_target_pops = 0;
        }
        if self.above_target_pops >= 50 {
            self.above_target_pops = 0;
            let idx = self.slot_index(self.next_seq);
            if let Some(s) = self.slots.get_mut(idx) {
                if s.used && s.seq == self.next_seq {
                    s.used = false;
                    self.stats.shrink_drops += 1;
                    self.mark_history(false);
                    self.next_seq = self.next_seq.wrapping_add(1);
                }
            }
        }

        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        let idx = self.slot_index(seq);
        let hit = matches!(self.slots.get(idx), Some(s) if s.used && s.seq == seq);
        if hit {
            self.mark_history(false);
            match self.slots.get_mut(idx) {
                Some(s) => {
                    s.used = false;
                    Pop::Frame {
                        seq,
                        payload_type: s.payload_type,
                        timestamp: s.timestamp,
                        payload: s.data.get(..s.len).unwrap_or(&[]),
                    }
                }
                None => Pop::Lost { seq },
            }
        } else {
            self.mark_history(true);
            self.stats.lost += 1;
            Pop::Lost { seq }
        }
    }

    /// Current figures.
    pub fn stats(&self) -> JitterStats {
        let mut s = self.stats;
        let frame = Duration::from_secs_f64(self.frame_ms() / 1000.0);
        s.delay = frame * self.level() as u32;
        s.target = frame * self.target_frames() as u32;
        s.jitter_ms = self.jitter_ms as f32;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn in_order_plays_everything() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut played = Vec::new();
        for i in 0..100u16 {
            let t = t0 + ms(20 * i as u64);
            assert_eq!(
                jb.push(t, i, i as u32 * 160, 0, &[i as u8; 160]),
                PushResult::Stored
            );
            if let Pop::Frame { seq, payload, .. } = jb.pop(t) {
                assert_eq!(payload[0], seq as u8);
                played.push(seq);
            }
        }
        assert_eq!(played.len(), 100);
        let st = jb.stats();
        assert_eq!(st.lost, 0);
        assert!(st.jitter_ms < 1e-6);
        assert_eq!(st.target, ms(20));
    }

    #[test]
    fn duplicates_and_late() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        jb.push(t0, 10, 0, 0, &[0]);
        assert_eq!(jb.push(t0, 10, 0, 0, &[0]), PushResult::Duplicate);
        jb.push(t0, 12, 320, 0, &[0]);
        assert!(matches!(jb.pop(t0), Pop::Frame { seq: 10, .. }));
        assert_eq!(jb.push(t0, 10, 0, 0, &[0]), PushResult::Duplicate);
        assert!(matches!(jb.pop(t0), Pop::Lost { seq: 11 }));
        assert_eq!(jb.push(t0, 11, 160, 0, &[0]), PushResult::Late);
        assert!(matches!(jb.pop(t0), Pop::Frame { seq: 12, .. }));
        let st = jb.stats();
        assert_eq!((st.duplicates, st.late, st.lost), (2, 1, 1));
    }

    #[test]
    fn reordering_absorbed() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        for s in [0u16, 2, 1, 3] {
            jb.push(t0, s, s as u32 * 160, 0, &[s as u8]);
        }
        let mut out = Vec::new();
        for _ in 0..4 {
            if let Pop::Frame { seq, .. } = jb.pop(t0) {
                out.push(seq);
            }
        }
        assert_eq!(out, vec![0, 1, 2, 3]);
        assert_eq!(jb.stats().reordered, 1);
    }

    #[test]
    fn bounded_and_oversize() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        assert_eq!(jb.push(t0, 0, 0, 0, &[0; 2000]), PushResult::Dropped);
        for s in 0..1000u16 {
            jb.push(t0, s, s as u32 * 160, 0, &[1]);
        }
        assert!(jb.level() <= jb.slots.len());
    }

    #[test]
    fn ten_ms_packets_popped_twice_per_20ms() {
        // The peer sends 10 ms packets; we play in 20 ms steps, taking two.
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut played = 0;
        for i in 0..1000u16 {
            let t = t0 + ms(10 * i as u64);
            jb.push(t, i, i as u32 * 80, 0, &[1; 80]);
            if i % 2 == 1 {
                for _ in 0..2 {
                    if matches!(jb.pop(t), Pop::Frame { .. }) {
                        played += 1;
                    }
                }
            }
        }
        let st = jb.stats();
        assert_eq!(st.shrink_drops, 0, "{st:?}");
        assert_eq!(st.lost, 0);
        assert!(played >= 996, "played {played}");
        assert!(st.target <= ms(20), "{st:?}");
    }

    #[test]
    fn seq_wraparound() {
        let t0 = Instant::now();
        let mut jb = JitterBuffer::new(JitterConfig::default());
        let mut n = 0;
        for i in 0..10u16 {
            let s = 65530u16.wrapping_add(i);
            jb.push(t0 + ms(20 * i as u64), s, i as u32 * 160, 0, &[1]);
            if matches!(jb.pop(t0), Pop::Frame { .. }) {
                n += 1;
            }
        }
        assert_eq!(n, 10);
    }
}
