//! Packet arrival traces for the jitter-buffer comparison: generated from a
//! seed (the same seed always gives the same trace, on any platform: the
//! generator is a SplitMix64 written here, not a library RNG whose stream
//! may change between versions), or read from a CSV capture.
//!
//! Every trace is a PCMU-like stream: one packet per 20 ms, RTP timestamps
//! at 8 kHz (160 per packet). The sender's clock is the RTP timestamp, so a
//! packet's send time is `(ts − ts of the first packet) / 8` ms; that is
//! what the "latency over the best path" figure is measured against.

use std::path::Path;

use thiserror::Error;

/// Samples (RTP timestamp units) per packet: 20 ms at 8 kHz.
pub const SPAN: u32 = 160;
/// Packet interval, µs.
pub const FRAME_US: u64 = 20_000;
/// RTP clock, units per millisecond.
const UNITS_PER_MS: f64 = 8.0;
/// First sequence number of generated traces: close enough to 65,535 that
/// every trace crosses the 16-bit wrap after ~30 s (a buffer that indexes
/// by the 16-bit number would show it).
const FIRST_SEQ: u16 = 64_000;
/// First RTP timestamp of generated traces (arbitrary, not zero).
const FIRST_TS: u32 = 160_000;

/// One received packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// RTP sequence number.
    pub seq: u16,
    /// RTP timestamp (8 kHz).
    pub ts: u32,
    /// Arrival time, µs from the start of the trace.
    pub arrival_us: u64,
}

/// The packets of one stream as they arrived.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Short name (the command line's `--trace`).
    pub name: String,
    /// What the network did.
    pub about: String,
    /// Packets in arrival order.
    pub packets: Vec<Packet>,
    /// Packets the sender sent (received or not).
    pub sent: u64,
}

impl Trace {
    /// Smallest network transit time of the trace, µs: arrival minus send
    /// time, with the send time taken from the RTP timestamp. The latency
    /// a buffer adds is measured over this best path.
    pub fn min_transit_us(&self) -> i64 {
        let Some(origin) = self.origin_ts() else {
            return 0;
        };
        self.packets
            .iter()
            .map(|p| p.arrival_us as i64 - send_us(p.ts, origin))
            .min()
            .unwrap_or(0)
    }

    /// The RTP timestamp the send clock starts at: the earliest timestamp
    /// relative to the first packet to arrive (wrapping arithmetic).
    pub fn origin_ts(&self) -> Option<u32> {
        let first = self.packets.first()?.ts;
        self.packets
            .iter()
            .map(|p| p.ts)
            .min_by_key(|&ts| ts.wrapping_sub(first) as i32)
    }
}

/// Send time of a packet with timestamp `ts`, µs after the one with `origin`.
pub fn send_us(ts: u32, origin: u32) -> i64 {
    (ts.wrapping_sub(origin) as i32 as f64 * 1000.0 / UNITS_PER_MS) as i64
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, and its stream is fixed by
/// its definition, so traces stay the same across library upgrades.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi), µs from ms bounds.
    fn ms_us(&mut self, lo_ms: f64, hi_ms: f64) -> u64 {
        ((lo_ms + (hi_ms - lo_ms) * self.unit()) * 1000.0) as u64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// The generated traces, by name: (name, description).
pub const SYNTHETIC: [(&str, &str); 6] = [
    (
        "jitter40",
        "(a) 20 ms + uniform 0–80 ms (mean 40, as call-demo --jitter-ms 40) per packet, independent (reorders), no loss",
    ),
    (
        "jitter40-fifo",
        "(a') as jitter40 but FIFO: a packet never arrives before the one sent before it",
    ),
    (
        "jitter20",
        "(a'') 20 ms + uniform 0–40 ms (a 40 ms spread, as call-demo --jitter-ms 20), independent, no loss",
    ),
    (
        "loss2-jitter40",
        "(b) jitter40 plus 2 % independent random loss",
    ),
    (
        "wifi-bursts",
        "(c) 20 ms + uniform 0–10 ms; every 2–5 s a 100–200 ms stall: packets sent in it arrive together at its end",
    ),
    (
        "reorder",
        "(d) 20 ms + uniform 0–10 ms; 5 % of packets held 20–60 ms more (overtaken by 1–3 later ones)",
    ),
];

/// Generates trace `name` (one of [`SYNTHETIC`]) of `seconds` s from `seed`.
pub fn generate(name: &str, seconds: u32, seed: u64) -> Option<Trace> {
    let about = SYNTHETIC.iter().find(|(n, _)| *n == name)?.1;
    // Each trace draws its own stream from the one seed.
    let salt = name.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01B3)
    });
    let mut rng = SplitMix64(seed ^ salt);
    let n = seconds as u64 * 1_000_000 / FRAME_US;
    let mut arrivals: Vec<(u64, u64)> = Vec::with_capacity(n as usize);
    let mut last_arrival = 0u64;
    // Wi-Fi stall schedule: (start, end) of the current or next stall, µs.
    let mut stall = next_stall(&mut rng, 0);
    for i in 0..n {
        let send = i * FRAME_US;
        let arrival = match name {
            "jitter40" | "jitter40-fifo" | "loss2-jitter40" | "jitter20" => {
                if name == "loss2-jitter40" && rng.chance(0.02) {
                    continue;
                }
                let spread = if name == "jitter20" { 40.0 } else { 80.0 };
                let at = send + rng.ms_us(20.0, 20.0 + spread);
                if name == "jitter40-fifo" {
                    at.max(last_arrival)
                } else {
                    at
                }
            }
            "wifi-bursts" => {
                while send >= stall.1 {
                    stall = next_stall(&mut rng, stall.1);
                }
                let base = rng.ms_us(20.0, 30.0);
                if send >= stall.0 {
                    // Held by the link until the stall ends, then released
                    // in order (1 µs apart keeps the order explicit).
                    (stall.1 + base).max(last_arrival + 1)
                } else {
                    send + base
                }
            }
            _ => {
                let mut at = send + rng.ms_us(20.0, 30.0);
                if rng.chance(0.05) {
                    at += rng.ms_us(20.0, 60.0);
                }
                at
            }
        };
        last_arrival = last_arrival.max(arrival);
        arrivals.push((arrival, i));
    }
    // Arrival order; equal times keep the send order.
    arrivals.sort_unstable();
    let packets = arrivals
        .into_iter()
        .map(|(arrival_us, i)| Packet {
            seq: FIRST_SEQ.wrapping_add(i as u16),
            ts: FIRST_TS.wrapping_add((i as u32).wrapping_mul(SPAN)),
            arrival_us,
        })
        .collect();
    Some(Trace {
        name: name.to_string(),
        about: about.to_string(),
        packets,
        sent: n,
    })
}

/// The stall after time `from`: it starts 2–5 s later and lasts 100–200 ms.
fn next_stall(rng: &mut SplitMix64, from: u64) -> (u64, u64) {
    let start = from + rng.ms_us(2000.0, 5000.0);
    (start, start + rng.ms_us(100.0, 200.0))
}

/// Why a CSV trace could not be read.
#[derive(Debug, Error)]
pub enum TraceError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not `seq,ts,arrival_ms`.
    #[error("{path}:{line}: expected `seq,ts,arrival_ms` (u16, u32, ms), got {text:?}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// No packet in the file.
    #[error("{0}: no packets")]
    Empty(String),
}

/// Reads a capture: one packet per line, `seq,ts,arrival_ms` (RTP sequence
/// number, RTP timestamp at 8 kHz, arrival time in ms, any origin, may be
/// fractional). Blank lines, `#` comments and a header line whose first
/// field is not a number are skipped. Packets must be 20 ms (160 units).
pub fn read_csv(path: &Path) -> Result<Trace, TraceError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| TraceError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut rows: Vec<(u16, u32, f64)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = || TraceError::Line {
            path: shown.clone(),
            line: i + 1,
            text: line.to_string(),
        };
        if rows.is_empty() && fields.first().is_some_and(|f| f.parse::<f64>().is_err()) {
            continue; // header
        }
        let [seq, ts, at] = fields.as_slice() else {
            return Err(bad());
        };
        let seq = seq.parse::<u16>().map_err(|_| bad())?;
        let ts = ts.parse::<u32>().map_err(|_| bad())?;
        let at = at.parse::<f64>().map_err(|_| bad())?;
        if !at.is_finite() {
            return Err(bad());
        }
        rows.push((seq, ts, at));
    }
    let Some(t0) = rows.iter().map(|r| r.2).min_by(|a, b| a.total_cmp(b)) else {
        return Err(TraceError::Empty(shown));
    };
    rows.sort_by(|a, b| a.2.total_cmp(&b.2));
    // Sent = span of extended sequence numbers (RFC 3550 A.1 style: each
    // number taken the shorter way round from the previous one).
    let (mut ext, mut lo, mut hi) = (0i64, 0i64, 0i64);
    let mut prev: Option<u16> = None;
    for &(seq, _, _) in &rows {
        if let Some(p) = prev {
            ext += seq.wrapping_sub(p) as i16 as i64;
            lo = lo.min(ext);
            hi = hi.max(ext);
        }
        prev = Some(seq);
    }
    // Ticks start at 0: shift the capture so its first arrival is at 100 ms.
    let packets = rows
        .into_iter()
        .map(|(seq, ts, at)| Packet {
            seq,
            ts,
            arrival_us: ((at - t0) * 1000.0).round() as u64 + 100_000,
        })
        .collect();
    Ok(Trace {
        name: shown.clone(),
        about: format!("capture {shown}"),
        packets,
        sent: (hi - lo + 1) as u64,
    })
}
