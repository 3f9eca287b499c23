//! What the ringer device plays: the country's ringing (`--country`: its
//! ring cadence from ITU-T E.180 Supplement 2 sounded with its ringing-tone
//! frequencies), a distinctive pattern chosen per call (a trigger script's
//! `ring=NAME`), or a WAV file (`--ringtone FILE.wav`, looped as is).
//!
//! Distinctive patterns are the Telcordia GR-506-CORE ringing cadences
//! (what `bellcore-drN` in a SIP Alert-Info names): `dr1` the standard
//! 2 s on / 4 s off, `dr2` long-long, `dr3` short-short-long, `dr4`
//! short-long-short; `normal` is the country's own cadence.
//!
//! An incoming call's Alert-Info picks a pattern when no script did
//! ([`from_alert_info`]): a `bellcore-drN` anywhere in it (as URL tail,
//! `info=` parameter or `urn:alert:` token) is that pattern;
//! `info=alert-internal` rings `dr2` and `info=alert-priority` `dr3` (the
//! usual PBX practice: internal calls double-ring); `alert-external` or
//! anything else rings normally.

use std::f32::consts::TAU;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use openphone::hal::line::{Cadence, Country, Tone, TonePlan};
use openphone::hal::{AudioSink, AudioSource, WavSource};

/// The patterns a call may ask for, with their cadences (ms on, ms off).
const PATTERNS: [(&str, &[(u32, u32)]); 4] = [
    ("dr1", &[(2000, 4000)]),
    ("dr2", &[(800, 400), (800, 4000)]),
    ("dr3", &[(400, 200), (400, 200), (800, 4000)]),
    ("dr4", &[(300, 200), (1000, 200), (300, 4000)]),
];

/// The longest ringtone file read (60 s at 48 kHz).
const MAX_FILE_SAMPLES: usize = 48_000 * 60;

/// A sound the ringer plays until the call stops ringing.
#[derive(Debug, Clone)]
pub enum Ringtone {
    /// Tones switched by a cadence.
    Cadenced {
        /// When the ringer sounds.
        cadence: Cadence,
        /// What it sounds like.
        frequencies: Vec<f32>,
    },
    /// A recording, looped; samples at the ringer's rate.
    File(Vec<i16>),
}

impl Ringtone {
    /// The country's ringing.
    pub fn country(country: Country) -> Self {
        let plan = TonePlan::for_country(country);
        Ringtone::Cadenced {
            cadence: Cadence::ring(country),
            frequencies: plan.tone(Tone::Ringback).frequencies.clone(),
        }
    }

    /// The file `path` (a WAV at `rate` Hz, mono 16-bit), read once.
    pub fn file(path: &Path, rate: u32) -> Result<Self, String> {
        let mut src = WavSource::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if src.sample_rate() != rate {
            return Err(format!(
                "{}: {} Hz; the ringer runs at {rate} Hz (--device-rate)",
                path.display(),
                src.sample_rate()
            ));
        }
        let mut samples = Vec::new();
        let mut frame = [0i16; 160];
        while samples.len() < MAX_FILE_SAMPLES {
            match src.read(&mut frame) {
                Ok(true) => samples.extend_from_slice(&frame),
                Ok(false) => break,
                Err(e) => return Err(format!("{}: {e}", path.display())),
            }
        }
        if samples.iter().all(|&s| s == 0) {
            return Err(format!("{}: silent or empty", path.display()));
        }
        Ok(Ringtone::File(samples))
    }

    /// This ringtone with the distinctive pattern `name` (a cadenced
    /// ringtone changes its cadence; a file has its own).
    pub fn with_pattern(self, name: &str, country: Country) -> Result<Self, String> {
        let cadence = pattern(name, country)?;
        Ok(match self {
            Ringtone::Cadenced { frequencies, .. } => Ringtone::Cadenced {
                cadence,
                frequencies,
            },
            file => file,
        })
    }
}

/// The cadence of pattern `name`: `normal`, `dr1`…`dr4` or
/// `bellcore-dr1`…`bellcore-dr4`.
pub fn pattern(name: &str, country: Country) -> Result<Cadence, String> {
    let name = name.trim();
    if name == "normal" {
        return Ok(Cadence::ring(country));
    }
    let short = name.strip_prefix("bellcore-").unwrap_or(name);
    let (_, segments) = PATTERNS
        .iter()
        .find(|(n, _)| *n == short)
        .ok_or_else(|| format!("ring pattern {name:?}: normal or dr1-dr4 (bellcore-drN)"))?;
    Cadence::from_millis(segments).map_err(|e| e.to_string())
}

/// The ring pattern an Alert-Info value asks for, if any.
pub fn from_alert_info(value: &str) -> Option<&'static str> {
    let v = value.to_ascii_lowercase();
    if let Some(i) = v.find("bellcore-dr") {
        let n = v[i + "bellcore-dr".len()..].chars().next()?;
        return PATTERNS
            .iter()
            .map(|(name, _)| *name)
            .find(|name| name.ends_with(n));
    }
    if v.contains("alert-internal") {
        Some("dr2")
    } else if v.contains("alert-priority") {
        Some("dr3")
    } else if v.contains("alert-external") {
        Some("normal")
    } else {
        None
    }
}

/// Plays `tone` on `sink` in 20 ms frames, paced by the system clock (the
/// sink never blocks), until `stop`.
pub fn ring_until(mut sink: Box<dyn AudioSink>, tone: &Ringtone, stop: &AtomicBool) {
    let rate = sink.sample_rate();
    let mut frame = vec![0i16; rate as usize / 50];
    let start = Instant::now();
    let mut n: u64 = 0; // samples played
    while !stop.load(Ordering::Relaxed) {
        for (i, s) in frame.iter_mut().enumerate() {
            let k = n + i as u64;
            *s = match tone {
                Ringtone::File(pcm) => pcm[(k % pcm.len() as u64) as usize],
                Ringtone::Cadenced {
                    cadence,
                    frequencies,
                } => {
                    let t = k as f64 / f64::from(rate);
                    if cadence.is_on_at(Duration::from_secs_f64(t)) {
                        let amp = 0.5 / frequencies.len().max(1) as f32;
                        let v: f32 = frequencies
                            .iter()
                            .map(|&f| (TAU * f * t as f32).sin())
                            .sum();
                        (v * amp * 32767.0) as i16
                    } else {
                        0
                    }
                }
            };
        }
        if let Err(e) = sink.write(&frame) {
            println!("error: ringer: {e}");
        }
        n += frame.len() as u64;
        let due = start + Duration::from_secs_f64(n as f64 / f64::from(rate));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let _ = sink.flush();
}
