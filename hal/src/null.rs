//! Drivers that produce silence and swallow audio: for headless calls,
//! signalling-only tests, and as placeholders before a device is chosen.

use crate::traits::{AudioError, AudioSink, AudioSource};

/// A source of endless silence.
///
/// ```
/// use openphone_hal::{AudioSource, NullSource};
/// let mut src = NullSource::new(8000);
/// let mut frame = [1i16; 160];
/// assert!(src.read(&mut frame).unwrap());
/// assert!(frame.iter().all(|&s| s == 0));
/// ```
#[derive(Debug, Clone)]
pub struct NullSource {
    rate: u32,
}

impl NullSource {
    /// Silence at `rate` samples per second.
    pub fn new(rate: u32) -> Self {
        NullSource { rate }
    }
}

impl AudioSource for NullSource {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        frame.fill(0);
        // Silence never ends: a null microphone is always "live".
        Ok(true)
    }
}

/// A sink that discards audio and counts what it was given.
///
/// ```
/// use openphone_hal::{AudioSink, NullSink};
/// let mut sink = NullSink::new(8000);
/// sink.write(&[0; 160]).unwrap();
/// assert_eq!(sink.samples_written(), 160);
/// ```
#[derive(Debug, Clone)]
pub struct NullSink {
    rate: u32,
    written: u64,
}

impl NullSink {
    /// A discarding sink at `rate` samples per second.
    pub fn new(rate: u32) -> Self {
        NullSink { rate, written: 0 }
    }

    /// Total samples written so far.
    pub fn samples_written(&self) -> u64 {
        self.written
    }
}

impl AudioSink for NullSink {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        self.written = self.written.saturating_add(frame.len() as u64);
        Ok(())
    }
}
