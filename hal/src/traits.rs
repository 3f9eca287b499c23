//! The device traits every driver implements.

/// Errors from audio devices.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The file or device could not be opened or read.
    #[error("audio I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The file's format is not one we can use.
    #[error("unsupported audio format: {0}")]
    Format(String),
    /// The device reported an error.
    #[error("audio device error: {0}")]
    Device(String),
}

/// Produces audio: a microphone, a WAV file, a tone generator.
///
/// `read` fills `frame` (any length; the media session asks for one codec
/// frame, usually 20 ms) at the source's [`sample_rate`](AudioSource::sample_rate).
pub trait AudioSource: Send {
    /// Samples per second.
    fn sample_rate(&self) -> u32;
    /// Fills `frame` completely. Returns `Ok(false)` once the source has
    /// ended; `frame` is then filled with silence.
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError>;
}

/// Consumes audio: a speaker, a WAV file, a memory buffer.
pub trait AudioSink: Send {
    /// Samples per second.
    fn sample_rate(&self) -> u32;
    /// Plays or stores `frame`.
    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError>;
    /// Flushes buffered audio (a file's header, a device's queue).
    fn flush(&mut self) -> Result<(), AudioError> {
        Ok(())
    }
}

impl<T: AudioSource + ?Sized> AudioSource for Box<T> {
    fn sample_rate(&self) -> u32 {
        (**self).sample_rate()
    }
    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        (**self).read(frame)
    }
}

impl<T: AudioSink + ?Sized> AudioSink for Box<T> {
    fn sample_rate(&self) -> u32 {
        (**self).sample_rate()
    }
    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        (**self).write(frame)
    }
    fn flush(&mut self) -> Result<(), AudioError> {
        (**self).flush()
    }
}
