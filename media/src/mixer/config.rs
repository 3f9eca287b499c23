//! Mixer and party configuration, and the checks that keep every buffer
//! size fixed from set-up on.

use crate::mixer::MixerError;

/// Lowest party rate in Hz (narrowband telephony).
pub const MIN_RATE: u32 = 8000;
/// Highest party rate in Hz (fullband Opus, sound cards).
pub const MAX_RATE: u32 = 48_000;
/// Longest frame a party may push or pull, in ms (the longest common
/// packetisation, Opus's 120 ms).
pub const MAX_FRAME_MS: u32 = 120;
/// Most parties one mixer accepts, the local party included. Bounds the
/// mix headroom: [`MAX_PARTIES`] full-scale parties at
/// [`MAX_GAIN_DB`](crate::mixer::MAX_GAIN_DB) still sum within an `i32`.
pub const MAX_PARTIES: usize = 256;

/// How the internal mixing rate is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MixRate {
    /// The highest rate of the current parties (and hold music): no
    /// resampling at all when every party shares one rate, and no party is
    /// band-limited by the mix. The rate changes when the fastest party
    /// joins or leaves (see the [module docs](crate::mixer)).
    #[default]
    HighestParty,
    /// A fixed rate in Hz. Parties faster than this are band-limited to
    /// half of it; use it to keep the rate from changing mid-conference.
    Fixed(u32),
}

/// One party's audio format: its sample rate and the frame length it pushes
/// and pulls.
///
/// ```
/// use openphone_media::mixer::PartyConfig;
/// let g711 = PartyConfig::new(8000, 20);
/// assert_eq!(g711.frame_len(), 160);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartyConfig {
    /// Sample rate in Hz, [`MIN_RATE`]..=[`MAX_RATE`].
    pub rate: u32,
    /// Frame length in ms: a whole number of mixer ticks, at most
    /// [`MAX_FRAME_MS`].
    pub frame_ms: u32,
}

impl PartyConfig {
    /// A party at `rate` Hz exchanging `frame_ms` frames.
    pub fn new(rate: u32, frame_ms: u32) -> Self {
        PartyConfig { rate, frame_ms }
    }

    /// Samples in one frame.
    pub fn frame_len(&self) -> usize {
        samples(self.rate, self.frame_ms)
    }

    /// Checks the party against a mixer tick of `tick_ms`.
    pub(crate) fn validate(&self, tick_ms: u32) -> Result<(), MixerError> {
        if !(MIN_RATE..=MAX_RATE).contains(&self.rate) {
            return Err(MixerError::Config(format!(
                "party rate must be {MIN_RATE}..={MAX_RATE} Hz, got {}",
                self.rate
            )));
        }
        check_rate_divides(self.rate, tick_ms)?;
        if self.frame_ms == 0 || self.frame_ms > MAX_FRAME_MS || self.frame_ms % tick_ms != 0 {
            return Err(MixerError::Config(format!(
                "frame must be a multiple of the {tick_ms} ms tick up to {MAX_FRAME_MS} ms, got {} ms",
                self.frame_ms
            )));
        }
        Ok(())
    }
}

/// Mixer-wide settings and the local (device) party.
///
/// ```
/// use openphone_media::mixer::{MixRate, MixerConfig, PartyConfig};
/// let cfg = MixerConfig::new(PartyConfig::new(48_000, 10))
///     .with_tick_ms(10)
///     .with_max_parties(8)
///     .with_mix_rate(MixRate::Fixed(48_000));
/// assert_eq!(cfg.tick_ms, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MixerConfig {
    /// The mixing period in ms (each [`Mixer::mix`](crate::mixer::Mixer::mix)
    /// call is one tick): 10 or 20 usually; every party's frame is a whole
    /// number of ticks. Default 20.
    pub tick_ms: u32,
    /// The local device's format (microphone in, speaker out).
    pub local: PartyConfig,
    /// Most parties, the local one included (≤ [`MAX_PARTIES`]). Default 32.
    pub max_parties: usize,
    /// How the internal mixing rate is chosen. Default
    /// [`MixRate::HighestParty`].
    pub mix_rate: MixRate,
}

impl MixerConfig {
    /// Defaults (20 ms tick, 32 parties, highest-party mixing rate) around
    /// the local device's format.
    pub fn new(local: PartyConfig) -> Self {
        MixerConfig {
            tick_ms: 20,
            local,
            max_parties: 32,
            mix_rate: MixRate::HighestParty,
        }
    }

    /// Sets [`tick_ms`](Self::tick_ms).
    pub fn with_tick_ms(mut self, tick_ms: u32) -> Self {
        self.tick_ms = tick_ms;
        self
    }

    /// Sets [`max_parties`](Self::max_parties).
    pub fn with_max_parties(mut self, max_parties: usize) -> Self {
        self.max_parties = max_parties;
        self
    }

    /// Sets [`mix_rate`](Self::mix_rate).
    pub fn with_mix_rate(mut self, mix_rate: MixRate) -> Self {
        self.mix_rate = mix_rate;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), MixerError> {
        if self.tick_ms == 0 || self.tick_ms > MAX_FRAME_MS {
            return Err(MixerError::Config(format!(
                "tick must be 1..={MAX_FRAME_MS} ms, got {}",
                self.tick_ms
            )));
        }
        if self.max_parties == 0 || self.max_parties > MAX_PARTIES {
            return Err(MixerError::Config(format!(
                "max_parties must be 1..={MAX_PARTIES}, got {}",
                self.max_parties
            )));
        }
        if let MixRate::Fixed(rate) = self.mix_rate {
            if !(MIN_RATE..=MAX_RATE).contains(&rate) {
                return Err(MixerError::Config(format!(
                    "mixing rate must be {MIN_RATE}..={MAX_RATE} Hz, got {rate}"
                )));
            }
            check_rate_divides(rate, self.tick_ms)?;
        }
        self.local.validate(self.tick_ms)
    }
}

/// Samples in `ms` milliseconds at `rate` (exact for validated values).
pub(crate) fn samples(rate: u32, ms: u32) -> usize {
    (u64::from(rate) * u64::from(ms) / 1000) as usize
}

/// A tick must hold a whole number of samples at `rate`.
fn check_rate_divides(rate: u32, tick_ms: u32) -> Result<(), MixerError> {
    if (u64::from(rate) * u64::from(tick_ms)) % 1000 != 0 {
        return Err(MixerError::Config(format!(
            "a {tick_ms} ms tick is not a whole number of samples at {rate} Hz"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_checks() {
        assert!(PartyConfig::new(8000, 20).validate(20).is_ok());
        assert!(PartyConfig::new(8000, 30).validate(10).is_ok());
        assert!(PartyConfig::new(8000, 30).validate(20).is_err());
        assert!(PartyConfig::new(4000, 20).validate(20).is_err());
        assert!(PartyConfig::new(96_000, 20).validate(20).is_err());
        assert!(PartyConfig::new(8000, 0).validate(20).is_err());
        assert!(PartyConfig::new(8000, 140).validate(20).is_err());
        // 11025 Hz × 10 ms is not a whole number of samples.
        assert!(PartyConfig::new(11_025, 20).validate(10).is_err());
        assert!(PartyConfig::new(44_100, 20).validate(10).is_ok());
    }

    #[test]
    fn mixer_checks() {
        let local = PartyConfig::new(48_000, 20);
        assert!(MixerConfig::new(local).validate().is_ok());
        assert!(MixerConfig::new(local).with_tick_ms(0).validate().is_err());
        assert!(MixerConfig::new(local)
            .with_max_parties(0)
            .validate()
            .is_err());
        assert!(MixerConfig::new(local)
            .with_max_parties(MAX_PARTIES + 1)
            .validate()
            .is_err());
        assert!(MixerConfig::new(local)
            .with_mix_rate(MixRate::Fixed(1000))
            .validate()
            .is_err());
        // The local frame must be a whole number of ticks too.
        assert!(MixerConfig::new(PartyConfig::new(48_000, 10))
            .validate()
            .is_err());
    }
}
