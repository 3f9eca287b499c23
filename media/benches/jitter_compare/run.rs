//! Drives a jitter buffer over a trace in simulated time and measures what
//! the listener gets.
//!
//! Time: a playout tick every 20 ms, at `TICK_PHASE_US + k · 20 ms` from the
//! trace's origin (the device clock is not aligned to the sender's; the
//! phase is fixed so every buffer sees the same ticks). At each tick every
//! packet that has arrived by then is pushed (in arrival order), then one
//! frame is taken, as `session/playout.rs` does (one `pop` per 20 ms frame).
//!
//! What a tick gives the listener ([`Tick`]): a frame played from its
//! packet, a frame concealed because the buffer says its packet is missing,
//! or a frame *inserted* while the buffer (re)builds delay (ours: `Empty`
//! after playout has started, which `playout.rs` fills with up to 3 frames
//! of pitch repetition and then silence; speexdsp: `JITTER_BUFFER_INSERTION`).
//! Both of the latter are audio the listener did not get: "concealed %" is
//! their share of the ticks from the first played frame to the last
//! (the start-up wait and the end of the stream are not counted).
//!
//! Delay, per played frame:
//! * **buffer delay** = play time − arrival time of that packet: how long it
//!   waited in the buffer (including up to one tick of phase);
//! * **latency over best path** = play time − (send time + the trace's
//!   smallest transit): the end-to-end delay the buffer leaves above an
//!   ideal network with the trace's best transit time. This is the figure
//!   that is constant while playout runs steadily and jumps when the buffer
//!   inserts or drops frames; it is what the talkers feel.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openphone_media::jitter::{JitterBuffer, JitterConfig, PushResult};

use super::trace::{send_us, Trace, FRAME_US};

/// Offset of the playout ticks from the trace's origin, µs.
pub const TICK_PHASE_US: u64 = 7_000;
/// Ticks go on this long after the last arrival (lets every buffer drain).
const DRAIN_US: u64 = 2_000_000;

/// What one playout tick gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// Nothing yet: before the first frame (start-up buffering).
    Idle,
    /// A frame played from this packet.
    Played {
        /// Its sequence number.
        seq: u16,
        /// Its RTP timestamp.
        ts: u32,
    },
    /// The buffer declared this frame's packet missing: concealed.
    Concealed,
    /// The buffer inserted a frame to build up delay (or ran dry).
    Inserted,
}

/// A jitter buffer under test.
pub trait Buffer {
    /// Takes a packet at its arrival time; true when the buffer discarded
    /// it as late (its playout time had passed).
    fn push(&mut self, now_us: u64, seq: u16, ts: u32) -> bool;
    /// One 20 ms playout tick.
    fn tick(&mut self, now_us: u64) -> Tick;
    /// Buffer-specific counters, for the notes under the table.
    fn notes(&self) -> String;
}

/// What the listener got from one buffer over one trace.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Distinct packets that arrived.
    pub arrived: u64,
    /// Frames played from their packet.
    pub played: u64,
    /// Frames concealed as missing (between the first and last played frame).
    pub concealed: u64,
    /// Frames inserted to build delay (same window).
    pub inserted: u64,
    /// Packets the buffer discarded as late (a capture's late duplicate
    /// copies count too).
    pub late: u64,
    /// Other arrived packets never played (dropped to shrink the delay, or
    /// the buffer was full): `arrived − played − late`.
    pub other_discarded: u64,
    /// Buffer delay of each played frame, ms.
    pub buffer_ms: Vec<f64>,
    /// Latency over the best path of each played frame, ms.
    pub excess_ms: Vec<f64>,
    /// The buffer's own counters.
    pub notes: String,
}

impl Report {
    /// Pools `other` (another seed of the same trace) into this report;
    /// its notes are left out (they are per run).
    pub fn merge(&mut self, other: Report) {
        self.arrived += other.arrived;
        self.played += other.played;
        self.concealed += other.concealed;
        self.inserted += other.inserted;
        self.late += other.late;
        self.other_discarded += other.other_discarded;
        self.buffer_ms.extend(other.buffer_ms);
        self.excess_ms.extend(other.excess_ms);
    }

    /// Concealed and inserted frames as a share of the played window, %.
    pub fn concealed_pct(&self) -> f64 {
        let window = self.played + self.concealed + self.inserted;
        if window == 0 {
            return 0.0;
        }
        100.0 * (self.concealed + self.inserted) as f64 / window as f64
    }
}

/// Mean of `v` (0 when empty).
pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Nearest-rank percentile `p` (0–100) of `v` (0 when empty).
pub fn percentile(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * s.len() as f64).ceil() as usize;
    s.get(rank.saturating_sub(1)).copied().unwrap_or(0.0)
}

/// Plays `trace` through `buf`.
pub fn run(trace: &Trace, buf: &mut dyn Buffer) -> Report {
    // First copy of each packet: its arrival time (a duplicate's later copy
    // is not the one that waited).
    let mut first_arrival: HashMap<(u16, u32), u64> = HashMap::new();
    for p in &trace.packets {
        first_arrival.entry((p.seq, p.ts)).or_insert(p.arrival_us);
    }
    let origin = trace.origin_ts().unwrap_or(0);
    let best = trace.min_transit_us();
    let end = trace
        .packets
        .iter()
        .map(|p| p.arrival_us)
        .max()
        .unwrap_or(0)
        + DRAIN_US;

    let mut r = Report {
        arrived: first_arrival.len() as u64,
        ..Report::default()
    };
    let mut ticks: Vec<Tick> = Vec::new();
    let mut next = trace.packets.iter().peekable();
    let mut now = TICK_PHASE_US;
    while now <= end {
        while let Some(p) = next.next_if(|p| p.arrival_us <= now) {
            if buf.push(p.arrival_us, p.seq, p.ts) {
                r.late += 1;
            }
        }
        let t = buf.tick(now);
        if let Tick::Played { seq, ts } = t {
            if let Some(&at) = first_arrival.get(&(seq, ts)) {
                r.buffer_ms.push((now - at) as f64 / 1000.0);
                let ideal = send_us(ts, origin) + best;
                r.excess_ms.push((now as i64 - ideal) as f64 / 1000.0);
            }
            r.played += 1;
        }
        ticks.push(t);
        now += FRAME_US;
    }
    let played = |t: &Tick| matches!(t, Tick::Played { .. });
    if let (Some(a), Some(b)) = (
        ticks.iter().position(played),
        ticks.iter().rposition(played),
    ) {
        for t in ticks.get(a..=b).unwrap_or_default() {
            match t {
                Tick::Concealed => r.concealed += 1,
                Tick::Inserted => r.inserted += 1,
                Tick::Idle | Tick::Played { .. } => {}
            }
        }
    }
    r.other_discarded = r.arrived.saturating_sub(r.played + r.late);
    r.notes = buf.notes();
    r
}

/// Our `JitterBuffer`, popped once per tick like `session/playout.rs`.
pub struct Ours {
    jb: JitterBuffer,
    t0: Instant,
    started: bool,
    payload: [u8; 160],
    /// Sum and count of `stats().delay` sampled before each pop once
    /// playing, as `playout.rs` samples it for the quality report: lets
    /// the notes compare the reported delay with the measured one.
    reported_ms: (f64, u64),
}

impl Ours {
    /// With the given delay bounds (20 ms frames, 8 kHz).
    pub fn new(min_ms: u64, max_ms: u64) -> Self {
        Ours {
            jb: JitterBuffer::new(JitterConfig {
                frame: Duration::from_millis(20),
                clock_rate: 8000,
                min_delay: Duration::from_millis(min_ms),
                max_delay: Duration::from_millis(max_ms),
                max_payload: 160,
            }),
            t0: Instant::now(),
            started: false,
            payload: [0xFF; 160],
            reported_ms: (0.0, 0),
        }
    }

    /// As a `MediaSession` runs it: `MediaSessionConfig::default()`'s
    /// `jitter_min` 40 ms and `jitter_max` 300 ms.
    pub fn session() -> Self {
        Self::new(40, 300)
    }
}

impl Buffer for Ours {
    fn push(&mut self, now_us: u64, seq: u16, ts: u32) -> bool {
        let now = self.t0 + Duration::from_micros(now_us);
        self.jb.push(now, seq, ts, 0, &self.payload) == PushResult::Late
    }

    fn tick(&mut self, now_us: u64) -> Tick {
        use openphone_media::jitter::Pop;
        let now = self.t0 + Duration::from_micros(now_us);
        if self.started {
            self.reported_ms.0 += self.jb.stats().delay.as_secs_f64() * 1000.0;
            self.reported_ms.1 += 1;
        }
        // A frame dropped to shrink the delay is skipped (decoded, not played).
        let mut popped = self.jb.pop(now);
        while matches!(popped, Pop::Frame { discard: true, .. }) {
            popped = self.jb.pop(now);
        }
        match popped {
            Pop::Frame { seq, timestamp, .. } => {
                self.started = true;
                Tick::Played { seq, ts: timestamp }
            }
            Pop::Lost { .. } => Tick::Concealed,
            Pop::Empty if self.started => Tick::Inserted,
            Pop::Empty => Tick::Idle,
        }
    }

    fn notes(&self) -> String {
        let s = self.jb.stats();
        format!(
            "underflows {}, shrink drops {}, lost {}, late {}, reordered {}, final target {} ms, \
             mean reported delay (stats().delay before each pop) {:.1} ms",
            s.underflows,
            s.shrink_drops,
            s.lost,
            s.late,
            s.reordered,
            s.target.as_millis(),
            self.reported_ms.0 / self.reported_ms.1.max(1) as f64
        )
    }
}
