//! Network impairment decisions, sans-IO: for each packet of one direction,
//! whether it is dropped, how long it is held, and whether a duplicate
//! follows. No sockets and no clock: the caller passes the arrival time
//! (any monotonic offset) and gets back release times, so the same seed and
//! the same arrival times always give the same fates (the relay in
//! `relay.rs` does the I/O; the tests drive this directly).
//!
//! The model (issue 12, item 6):
//! - loss: each packet is dropped independently with probability `loss`
//!   (no bursts: consecutive losses happen only by chance, as with
//!   `netem loss`);
//! - jitter: each copy is held an extra delay drawn uniformly from
//!   `[0, 2·jitter]` (mean `jitter`), so packets overtake each other unless
//!   `keep_order` is set; then a packet is never released before the one
//!   sent before it (a FIFO link whose queueing delay varies);
//! - duplication: a packet that is not dropped is sent twice with
//!   probability `dup`; the copy gets its own delay (in order: right after
//!   the original).

use std::time::Duration;

/// What to do to one direction's packets. Probabilities are shares (0–1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImpairConfig {
    /// Probability that a packet is dropped.
    pub loss: f64,
    /// Mean extra delay; each copy is held uniformly in `[0, 2·jitter]`.
    pub jitter: Duration,
    /// Release packets in arrival order (no reordering).
    pub keep_order: bool,
    /// Probability that a delivered packet is sent twice.
    pub dup: f64,
    /// Seed of the pseudo-random draws.
    pub seed: u64,
}

impl ImpairConfig {
    /// From the command line's units: percentages and milliseconds.
    pub fn from_cli(
        loss_pct: f64,
        jitter_ms: f64,
        keep_order: bool,
        dup_pct: f64,
        seed: u64,
    ) -> Result<Self, String> {
        for (name, v) in [("--loss", loss_pct), ("--dup", dup_pct)] {
            if !(0.0..=100.0).contains(&v) {
                return Err(format!("{name} {v}: a percentage from 0 to 100"));
            }
        }
        if !(0.0..=10_000.0).contains(&jitter_ms) {
            return Err(format!("--jitter-ms {jitter_ms}: from 0 to 10000"));
        }
        Ok(ImpairConfig {
            loss: loss_pct / 100.0,
            jitter: Duration::from_secs_f64(jitter_ms / 1000.0),
            keep_order,
            dup: dup_pct / 100.0,
            seed,
        })
    }

    /// The same impairment with the seed of direction `n`: the two
    /// directions draw independent streams from one `--seed`.
    pub fn for_direction(&self, n: u64) -> Self {
        let mut mix = SplitMix64(self.seed ^ n.wrapping_mul(0xA076_1D64_78BD_642F));
        ImpairConfig {
            seed: mix.next_u64(),
            ..*self
        }
    }
}

/// When one packet leaves: its release time(s), as offsets on the caller's
/// clock. `Dropped` sends nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Lost.
    Dropped,
    /// Released once, at this time.
    Once(Duration),
    /// Released twice: the original, then the duplicate.
    Twice(Duration, Duration),
}

impl Fate {
    /// The release times of the copies sent.
    pub fn releases(&self) -> impl Iterator<Item = Duration> {
        let (a, b) = match *self {
            Fate::Dropped => (None, None),
            Fate::Once(t) => (Some(t), None),
            Fate::Twice(t, u) => (Some(t), Some(u)),
        };
        a.into_iter().chain(b)
    }
}

/// What one direction did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Packets that arrived to be impaired.
    pub received: u64,
    /// Packets not dropped (originals; their duplicates are counted apart).
    pub forwarded: u64,
    /// Packets dropped.
    pub dropped: u64,
    /// Extra copies sent.
    pub duplicated: u64,
    /// Forwarded packets released before an earlier packet (they overtook
    /// it; with `keep_order` always 0).
    pub reordered: u64,
}

/// The impairment state of one direction.
#[derive(Debug, Clone)]
pub struct Impairer {
    cfg: ImpairConfig,
    rng: SplitMix64,
    /// Latest release time of any original so far: a packet released
    /// before it overtook an earlier one; with `keep_order`, the floor.
    latest: Option<Duration>,
    counters: Counters,
}

impl Impairer {
    /// A fresh direction.
    pub fn new(cfg: ImpairConfig) -> Self {
        Impairer {
            cfg,
            rng: SplitMix64(cfg.seed),
            latest: None,
            counters: Counters::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ImpairConfig {
        &self.cfg
    }

    /// The counts so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Decides the fate of a packet that arrived at `now`. `now` must not
    /// go backwards between calls (a monotonic clock).
    pub fn decide(&mut self, now: Duration) -> Fate {
        self.counters.received += 1;
        // Every packet draws the same number of values, so the fate of
        // packet n depends only on the seed and n, not on earlier fates.
        let lost = self.rng.chance(self.cfg.loss);
        let delay = self.delay();
        let dup = self.rng.chance(self.cfg.dup);
        let dup_delay = self.delay();
        if lost {
            self.counters.dropped += 1;
            return Fate::Dropped;
        }
        self.counters.forwarded += 1;
        let mut at = now + delay;
        match self.latest {
            Some(latest) if self.cfg.keep_order => at = at.max(latest),
            Some(latest) if at < latest => self.counters.reordered += 1,
            _ => {}
        }
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
        if !dup {
            return Fate::Once(at);
        }
        self.counters.duplicated += 1;
        let copy = if self.cfg.keep_order {
            at
        } else {
            now + dup_delay
        };
        Fate::Twice(at, copy)
    }

    /// An extra delay, uniform in `[0, 2·jitter]`.
    fn delay(&mut self) -> Duration {
        let span = self.cfg.jitter.as_nanos() as f64 * 2.0;
        Duration::from_nanos((self.rng.unit() * span).round() as u64)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same on every
/// platform and crate version, so a seed names one run forever.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}
