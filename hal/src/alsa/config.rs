//! Device settings and opening a PCM with them.

use std::time::Duration;

use alsa::pcm::{Access, Format, HwParams, PCM};
use alsa::{Direction, ValueOr};

use crate::drift::SlipBand;
use crate::AudioError;

/// How an ALSA device is opened.
#[derive(Debug, Clone, PartialEq)]
pub struct AlsaConfig {
    /// Samples per second asked for (the device may take another).
    pub rate: u32,
    /// One ALSA period; 10 ms divides every packet time.
    pub period: Duration,
    /// Periods in the device's buffer.
    pub periods: u32,
    /// Frames (periods) the ring between the device thread and the call
    /// holds at most.
    pub ring_frames: usize,
    /// Where the ring's level is held (drift slips).
    pub band: SlipBand,
    /// Ask for `SCHED_FIFO` for the device thread.
    pub realtime: bool,
}

impl AlsaConfig {
    /// 10 ms periods, 4 of them buffered, a ring of 32 periods, real-time
    /// scheduling where permitted, at `rate` samples per second.
    pub fn new(rate: u32) -> AlsaConfig {
        AlsaConfig {
            rate,
            period: Duration::from_millis(10),
            periods: 4,
            ring_frames: 32,
            band: SlipBand::default(),
            realtime: true,
        }
    }
}

/// An open, configured PCM and what it agreed to.
pub(crate) struct Setup {
    pub pcm: PCM,
    pub rate: u32,
    /// Frames per period.
    pub period: usize,
    /// Frames in the buffer.
    pub buffer: usize,
}

fn dir_name(dir: Direction) -> &'static str {
    match dir {
        Direction::Capture => "capture",
        Direction::Playback => "playback",
    }
}

/// Opens `name` for `dir`: S16 native-endian mono, interleaved access.
pub(crate) fn open(name: &str, dir: Direction, cfg: &AlsaConfig) -> Result<Setup, AudioError> {
    let what = dir_name(dir);
    let fail = |step: &str, e: alsa::Error| {
        AudioError::Device(format!("ALSA {what} device {name:?}: {step}: {e}"))
    };
    if cfg.rate == 0 || cfg.period.is_zero() || cfg.periods < 2 {
        return Err(AudioError::Format(format!(
            "ALSA {what} device {name:?}: rate, period and at least 2 periods needed"
        )));
    }
    let pcm = PCM::new(name, dir, false).map_err(|e| fail("cannot open", e))?;
    let (rate, period, buffer) = {
        let hw = HwParams::any(&pcm).map_err(|e| fail("no parameters", e))?;
        hw.set_access(Access::RWInterleaved)
            .map_err(|e| fail("interleaved access", e))?;
        hw.set_format(Format::s16())
            .map_err(|e| fail("S16 samples (a plughw: name converts)", e))?;
        hw.set_channels(1)
            .map_err(|e| fail("mono (a plughw: name converts)", e))?;
        let rate = hw
            .set_rate_near(cfg.rate, ValueOr::Nearest)
            .map_err(|e| fail("rate", e))?;
        let want = (u128::from(rate) * cfg.period.as_micros() / 1_000_000).max(1);
        let want = alsa::pcm::Frames::try_from(want).unwrap_or(alsa::pcm::Frames::MAX);
        let period = hw
            .set_period_size_near(want, ValueOr::Nearest)
            .map_err(|e| fail("period size", e))?;
        hw.set_buffer_size_near(period.saturating_mul(cfg.periods.into()))
            .map_err(|e| fail("buffer size", e))?;
        pcm.hw_params(&hw)
            .map_err(|e| fail("hardware parameters", e))?;
        let cur = pcm
            .hw_params_current()
            .map_err(|e| fail("hardware parameters", e))?;
        let period = cur.get_period_size().map_err(|e| fail("period size", e))?;
        let buffer = cur.get_buffer_size().map_err(|e| fail("buffer size", e))?;
        (rate, period, buffer)
    };
    {
        let sw = pcm
            .sw_params_current()
            .map_err(|e| fail("software parameters", e))?;
        sw.set_avail_min(period).map_err(|e| fail("avail_min", e))?;
        // Playback starts once two periods are queued (one to play, one
        // in hand); capture at the first read.
        let start = match dir {
            Direction::Playback => (2 * period).min(buffer),
            Direction::Capture => 1,
        };
        sw.set_start_threshold(start)
            .map_err(|e| fail("start threshold", e))?;
        pcm.sw_params(&sw)
            .map_err(|e| fail("software parameters", e))?;
    }
    let period = usize::try_from(period).unwrap_or(0);
    let buffer = usize::try_from(buffer).unwrap_or(0);
    if period == 0 || buffer < period {
        return Err(AudioError::Device(format!(
            "ALSA {what} device {name:?}: unusable period {period} / buffer {buffer}"
        )));
    }
    tracing::debug!(
        device = name,
        what,
        rate,
        period,
        buffer,
        "ALSA device opened"
    );
    Ok(Setup {
        pcm,
        rate,
        period,
        buffer,
    })
}
