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
//!   the (new, larger) target — this is the insertion of delay. A packet
//!   that arrives after its turn (late) also adds one frame of delay: the
//!   next pop is a [`Pop::Empty`] that does not advance the sequence (the
//!   playout extends the audio over it), counted in `stretches`.
//! * **Shrinking** is driven by how early packets arrive: over each window
//!   of 50 pops (1 s at 20 ms) the smallest *lead* of an arriving packet
//!   (frames before its turn) is kept; if every packet was at least two
//!   frames early (and at least 25 arrived) and the buffer spans more than
//!   the target, one whole frame is dropped, leaving one frame of spare:
//!   it is returned with `discard` set, for the caller to decode without
//!   playing (a predictive decoder must see every packet).
//!   Losses do not block it (a missing packet has no lead), which the
//!   earlier rule (buffer level above target + 1 for 50 pops in a row) did:
//!   under 2 % loss it never shrank (measured against libspeexdsp in
//!   BENCHMARKS.md). The target stays the floor: without it the simulated
//!   traces lost 5 ms more, but real calls (`call-demo --jitter-ms 40`,
//!   PESQ) concealed three times as much, the scheduler's own jitter eating
//!   the one spare frame. (A codec-aware caller could prefer silent frames;
//!   we drop the oldest.)
//! * **Late** packets (arriving after their slot was concealed) and
//!   **duplicates** are counted and discarded; reordering within the buffer
//!   window is absorbed; a gap during rebuffering counts as lost.
//! * **Sequence numbers** are extended (RFC 3550 A.1) on arrival, relative
//!   to the next one to play, and packets are stored by their extended
//!   number, so reordering across the 65,535 → 0 wrap is like any other.
//! * **Comfort noise** (RFC 3389): a CN packet is a frame like any other
//!   (it is returned by [`JitterBuffer::pop`] for the caller to render as
//!   noise), and the sender's silence after it (discontinuous transmission)
//!   is not an underflow: the buffer pauses and restarts when speech comes
//!   back, counting nothing as lost. Tell the buffer which payload type is CN
//!   with [`JitterBuffer::set_comfort_noise_pt`].
//! * **Forward error correction**: after a [`Pop::Lost`], [`JitterBuffer::peek`]
//!   shows the packet due next, if it is already here, so a codec with
//!   in-band FEC (Opus) can rebuild the lost frame from it.
//!
//! Memory is bounded: a ring of `capacity` slots (a power of two), whose
//! payload block is sized by the packets actually received and never
//! exceeds `capacity × max_payload` (see `store.rs`).
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

mod store;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use store::Store;

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
        /// Sequence numbers skipped just before this packet because
        /// playout restarted after running dry without them (lost, or to
        /// come too late). They were counted as lost; a stateful decoder
        /// should conceal them so it stays in step with the stream.
        skipped: u32,
        /// Dropped to shrink the delay: decode it (a predictive decoder
        /// must see every packet to stay in step), do not play it, and pop
        /// again for the frame to play.
        discard: bool,
    },
    /// The next packet is missing: conceal one frame.
    Lost {
        /// The missing sequence number.
        seq: u16,
    },
    /// Nothing to play: before the first packet, while rebuffering, or
    /// during the sender's silence after comfort noise.
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
    /// Frames of delay inserted after a late packet (the playout extends
    /// the audio over them).
    pub stretches: u64,
    /// Times the buffer ran dry and rebuffered.
    pub underflows: u64,
    /// Comfort-noise frames played.
    pub comfort_noise: u64,
    /// Times the buffer ran dry during the sender's silence after comfort
    /// noise (expected, not an underflow).
    pub silences: u64,
}

/// Pops per shrink decision (1 s of 20 ms frames).
const SHRINK_WINDOW: u32 = 50;

/// Extended numbers start here so that moving back before the first packet
/// never goes below zero.
const EXT_BASE: u64 = 1 << 32;

/// The adaptive jitter buffer of one RTP source.
#[derive(Debug)]
pub struct JitterBuffer {
    cfg: JitterConfig,
    store: Store,
    /// Extended number of the next packet to play (valid once `primed`).
    next: u64,
    /// Playing (false: before the first packet or rebuffering).
    playing: bool,
    /// Any packet seen since the last reset.
    primed: bool,
    highest: u64,
    /// Sequence numbers recently concealed (bit i: next − 1 − i) and played.
    concealed_bits: u64,
    played_bits: u64,
    epoch: Option<Instant>,
    last_transit_ms: Option<f64>,
    jitter_ms: f64,
    /// Pops and timed arrivals in the current shrink window, and the
    /// smallest lead (frames before its turn) an arrival had in it.
    window_pops: u32,
    window_arrivals: u32,
    min_lead: i64,
    /// A packet came too late: insert a frame of delay at the next pop.
    stretch: bool,
    learned_frame_ms: Option<f64>,
    last_pushed: Option<(u64, u32)>,
    comfort_noise_pt: Option<u8>,
    /// The last frame played was comfort noise: a dry buffer is the
    /// sender's silence, not an underflow.
    in_silence: bool,
    stats: JitterStats,
}

/// `a − b` on 16-bit sequence numbers, as the shorter way round.
fn seq_diff(a: u16, b: u16) -> i64 {
    a.wrapping_sub(b) as i16 as i64
}

impl JitterBuffer {
    /// A buffer of `max_delay / frame + 8` slots (rounded up to a power of
    /// two, 8–64); payload memory is taken as packets arrive.
    pub fn new(cfg: JitterConfig) -> Self {
        let frame_ms = cfg.frame.as_millis().max(1);
        let cap = (cfg.max_delay.as_millis() / frame_ms) as usize + 8;
        let store = Store::new(cap.clamp(8, 64), cfg.max_payload);
        JitterBuffer {
            cfg,
            store,
            next: EXT_BASE,
            playing: false,
            primed: false,
            highest: EXT_BASE,
            concealed_bits: 0,
            played_bits: 0,
            epoch: None,
            last_transit_ms: None,
            jitter_ms: 0.0,
            window_pops: 0,
            window_arrivals: 0,
            min_lead: i64::MAX,
            stretch: false,
            learned_frame_ms: None,
            last_pushed: None,
            comfort_noise_pt: None,
            in_silence: false,
            stats: JitterStats::default(),
        }
    }

    /// Names the RFC 3389 comfort-noise payload type of this stream.
    pub fn set_comfort_noise_pt(&mut self, pt: Option<u8>) {
        self.comfort_noise_pt = pt;
    }

    /// Forgets every packet (new remote source); counters are kept.
    pub fn reset(&mut self) {
        self.store.clear();
        self.playing = false;
        self.primed = false;
        self.concealed_bits = 0;
        self.played_bits = 0;
        self.last_transit_ms = None;
        self.last_pushed = None;
        self.in_silence = false;
    }

    /// Slots in the ring.
    pub fn capacity(&self) -> usize {
        self.store.capacity()
    }

    /// Bytes currently held for payloads.
    pub fn payload_memory(&self) -> usize {
        self.store.payload_bytes()
    }

    /// Packet duration: learned from consecutive packets' timestamps (a
    /// peer may send 10 or 30 ms packets whatever our own ptime), else the
    /// configured frame.
    fn frame_ms(&self) -> f64 {
        self.learned_frame_ms
            .unwrap_or(self.cfg.frame.as_secs_f64() * 1000.0)
    }

    fn learn_frame(&mut self, ext: u64, ts: u32) {
        if let Some((pe, pts)) = self.last_pushed {
            if ext == pe.wrapping_add(1) {
                let units = ts.wrapping_sub(pts);
                let rate = self.cfg.clock_rate.max(1);
                // 5–200 ms packets only; anything else is a jump, not a size.
                let ms = units as f64 * 1000.0 / rate as f64;
                if (5.0..=200.0).contains(&ms) {
                    self.learned_frame_ms = Some(ms);
                }
            }
        }
        self.last_pushed = Some((ext, ts));
    }

    /// Target delay in whole frames.
    fn target_frames(&self) -> usize {
        let f = self.frame_ms();
        let want = 3.0 * self.jitter_ms + f;
        let min = self.cfg.min_delay.as_secs_f64() * 1000.0;
        let max = self.cfg.max_delay.as_secs_f64() * 1000.0;
        let ms = want.clamp(min, max.max(min));
        // Tolerance: float noise must not add a whole frame.
        ((ms / f - 1e-6).ceil() as usize).clamp(1, self.store.capacity() - 2)
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

    /// `seq` extended relative to the next packet to play.
    fn extend(&self, seq: u16) -> u64 {
        self.next
            .wrapping_add_signed(seq_diff(seq, self.next as u16))
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
        self.store_packet(now, seq, timestamp, payload_type, payload, true)
    }

    /// Stores a packet that holds a sequence number but not media time:
    /// an RFC 4733 event, whose packets all carry the event's start
    /// timestamp. It plays in turn (the caller renders it, e.g. as silence)
    /// so its number is not concealed as lost, but it stays out of the
    /// jitter estimate and the packet-size learning.
    pub fn push_filler(
        &mut self,
        now: Instant,
        seq: u16,
        timestamp: u32,
        payload_type: u8,
        payload: &[u8],
    ) -> PushResult {
        self.store_packet(now, seq, timestamp, payload_type, payload, false)
    }

    fn store_packet(
        &mut self,
        now: Instant,
        seq: u16,
        timestamp: u32,
        payload_type: u8,
        payload: &[u8],
        timed: bool,
    ) -> PushResult {
        if payload.len() > self.cfg.max_payload {
            self.stats.dropped += 1;
            return PushResult::Dropped;
        }
        if !self.primed {
            self.primed = true;
            self.next = EXT_BASE + seq as u64;
            self.highest = self.next;
        }
        let ext = self.extend(seq);
        let cap = self.store.capacity() as i64;
        let d = ext.wrapping_sub(self.next) as i64;
        if d < 0 {
            if self.playing || d > -64 {
                let back = (-d - 1) as u32;
                if back < 64 && self.concealed_bits & (1 << back) != 0 {
                    self.stats.late += 1;
                    if self.playing && timed {
                        // The delay was too short for this packet.
                        self.stretch = true;
                        self.min_lead = self.min_lead.min(-1);
                    }
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
            if !self.playing && d > -cap {
                self.next = ext;
            } else {
                self.stats.late += 1;
                return PushResult::Late;
            }
        }
        if ext.wrapping_sub(self.next) as i64 >= cap {
            if self.playing {
                self.stats.dropped += 1;
                return PushResult::Dropped;
            }
            // Rebuffering after a long gap: restart from this packet.
            self.store.clear();
            self.next = ext;
            self.highest = ext;
        }
        if self.store.holds(ext) {
            self.stats.duplicates += 1;
            return PushResult::Duplicate;
        }
        if self.store.slot(ext).used {
            // The slot holds a packet the window has left behind (only
            // possible after the start moved back during prefetch).
            self.stats.dropped += 1;
        }
        if !self.store.put(ext, payload_type, timestamp, payload) {
            self.stats.dropped += 1;
            return PushResult::Dropped;
        }
        if (ext.wrapping_sub(self.highest) as i64) < 0 {
            self.stats.reordered += 1;
        } else {
            self.highest = ext;
        }
        if timed {
            if self.playing {
                self.window_arrivals += 1;
                self.min_lead = self.min_lead.min(ext.wrapping_sub(self.next) as i64);
            }
            self.update_jitter(now, timestamp);
            self.learn_frame(ext, timestamp);
        } else {
            // The next media packet's size is not measured against an event.
            self.last_pushed = None;
        }
        self.stats.received += 1;
        PushResult::Stored
    }

    fn mark_history(&mut self, concealed: bool) {
        self.concealed_bits = (self.concealed_bits << 1) | concealed as u64;
        self.played_bits = (self.played_bits << 1) | (!concealed) as u64;
    }

    /// Called once per frame period by the playout side.
    pub fn pop(&mut self, _now: Instant) -> Pop<'_> {
        let mut skipped = 0;
        let mut discard = false;
        let level = self.store.level();
        let target = self.target_frames();
        if !self.playing {
            if level == 0 || level < target {
                return Pop::Empty;
            }
            // Start (or restart) at the earliest buffered packet; anything
            // skipped over during the underflow counts as lost.
            skipped = 0;
            if let Some(first) = self.store.earliest() {
                let gap = first.wrapping_sub(self.next) as i64;
                if self.stats.received > level as u64 && gap > 0 && gap < 1000 {
                    self.stats.lost += gap as u64;
                    skipped = gap as u32;
                }
                for _ in 0..gap.clamp(0, 64) {
                    self.mark_history(true);
                }
                self.next = first;
            }
            self.playing = true;
            self.restart_window();
        } else if level == 0 {
            self.playing = false;
            if self.in_silence {
                self.stats.silences += 1;
            } else {
                self.stats.underflows += 1;
            }
            return Pop::Empty;
        }

        // Grow: a packet came after its turn; one frame of delay more.
        if self.stretch {
            self.stretch = false;
            if self.span() < self.max_frames() {
                self.stats.stretches += 1;
                self.restart_window();
                return Pop::Empty;
            }
        }
        // Shrink: every packet of the last window arrived at least two
        // frames before its turn, so one frame less still leaves one spare.
        self.window_pops += 1;
        if self.window_pops >= SHRINK_WINDOW {
            let spare = self.min_lead >= 2 && self.window_arrivals >= SHRINK_WINDOW / 2;
            self.restart_window();
            if spare
                && level > self.min_frames()
                && self.span() > target
                && self.store.holds(self.next)
            {
                self.stats.shrink_drops += 1;
                discard = true;
            }
        }

        let ext = self.next;
        self.next = ext.wrapping_add(1);
        if self.store.take(ext) {
            self.mark_history(false);
            let cn = self.comfort_noise_pt;
            let Some((slot, payload)) = self.store.payload_of_taken(ext) else {
                return Pop::Lost { seq: ext as u16 };
            };
            self.in_silence = cn == Some(slot.payload_type);
            if self.in_silence {
                self.stats.comfort_noise += 1;
            }
            Pop::Frame {
                seq: ext as u16,
                payload_type: slot.payload_type,
                timestamp: slot.timestamp,
                payload,
                skipped,
                discard,
            }
        } else {
            self.mark_history(true);
            self.stats.lost += 1;
            Pop::Lost { seq: ext as u16 }
        }
    }

    fn restart_window(&mut self) {
        self.window_pops = 0;
        self.window_arrivals = 0;
        self.min_lead = i64::MAX;
    }

    /// Frames from the next to play to the newest buffered, inclusive.
    fn span(&self) -> usize {
        (self.highest.wrapping_sub(self.next) as i64 + 1).max(0) as usize
    }

    fn min_frames(&self) -> usize {
        let f = self.frame_ms();
        ((self.cfg.min_delay.as_secs_f64() * 1000.0 / f - 1e-6).ceil() as usize).max(1)
    }

    fn max_frames(&self) -> usize {
        let f = self.frame_ms();
        ((self.cfg.max_delay.as_secs_f64() * 1000.0 / f).floor() as usize)
            .clamp(1, self.store.capacity() - 2)
    }

    /// The packet due next, if it is already buffered: its payload type and
    /// payload. After a [`Pop::Lost`] this is the packet following the lost
    /// one, whose in-band FEC (Opus) can rebuild it.
    pub fn peek(&self) -> Option<(u8, &[u8])> {
        if !self.playing {
            return None;
        }
        self.store
            .payload(self.next)
            .map(|(s, p)| (s.payload_type, p))
    }

    /// Current figures.
    pub fn stats(&self) -> JitterStats {
        let mut s = self.stats;
        let frame = Duration::from_secs_f64(self.frame_ms() / 1000.0);
        s.delay = frame * self.store.level() as u32;
        s.target = frame * self.target_frames() as u32;
        s.jitter_ms = self.jitter_ms as f32;
        s
    }
}
