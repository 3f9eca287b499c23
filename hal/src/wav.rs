//! WAV file drivers (feature `wav`): play a file into a call, record a call
//! into a file.
//!
//! [`WavSource`] accepts PCM integer files of 8, 16, 24 or 32 bits and 32-bit
//! float files, with any channel count: channels are averaged to mono and
//! samples scaled to 16 bits, so a recording from any common tool plays.
//! [`WavSink`] always writes 16-bit mono PCM, the format of the media path.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use hound::{SampleFormat, WavReader, WavSpec, WavWriter};

use crate::traits::{AudioError, AudioSink, AudioSource};

fn wav_err(e: hound::Error) -> AudioError {
    match e {
        hound::Error::IoError(io) => AudioError::Io(io),
        other => AudioError::Format(other.to_string()),
    }
}

/// How each stored sample becomes an `i16`.
#[derive(Debug, Clone, Copy)]
enum Conversion {
    /// Integer samples of this many bits, read as `i32`.
    Int(u16),
    /// IEEE float samples in -1.0..=1.0.
    Float,
}

/// Plays a WAV file: an [`AudioSource`] at the file's own sample rate.
///
/// `read` returns `Ok(false)` once the file has ended (the frame's tail is
/// filled with silence), unless [`looping`](WavSource::looping) is on.
///
/// ```no_run
/// use openphone_hal::{AudioSource, WavSource};
/// let mut src = WavSource::open("prompt.wav")?.looping(true);
/// let mut frame = vec![0i16; src.sample_rate() as usize / 50]; // 20 ms
/// src.read(&mut frame)?;
/// # Ok::<(), openphone_hal::AudioError>(())
/// ```
pub struct WavSource {
    reader: WavReader<BufReader<File>>,
    path: PathBuf,
    rate: u32,
    channels: u16,
    conversion: Conversion,
    looping: bool,
    ended: bool,
}

impl std::fmt::Debug for WavSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSource")
            .field("rate", &self.rate)
            .field("channels", &self.channels)
            .field("conversion", &self.conversion)
            .field("looping", &self.looping)
            .field("ended", &self.ended)
            .finish()
    }
}

impl WavSource {
    /// Opens `path` and checks its format.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AudioError> {
        let path = path.as_ref().to_path_buf();
        let reader = WavReader::open(&path).map_err(wav_err)?;
        let spec = reader.spec();
        let conversion = match (spec.sample_format, spec.bits_per_sample) {
            (SampleFormat::Int, b @ (8 | 16 | 24 | 32)) => Conversion::Int(b),
            (SampleFormat::Float, 32) => Conversion::Float,
            (f, b) => {
                return Err(AudioError::Format(format!(
                    "{b}-bit {f:?} samples are not supported"
                )))
            }
        };
        if spec.channels == 0 {
            return Err(AudioError::Format("file declares no channels".into()));
        }
        if spec.sample_rate == 0 {
            return Err(AudioError::Format("file declares a 0 Hz rate".into()));
        }
        Ok(WavSource {
            reader,
            path,
            rate: spec.sample_rate,
            channels: spec.channels,
            conversion,
            looping: false,
            ended: false,
        })
    }

    /// Restart from the beginning at the end of the file instead of ending.
    pub fn looping(mut self, on: bool) -> Self {
        self.looping = on;
        self
    }

    /// Channels stored in the file (they are mixed down to mono on read).
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Length of the file in sample frames (per channel).
    pub fn len_frames(&self) -> u32 {
        self.reader.duration()
    }

    /// Reads one mono sample (averaging all channels), `None` at the end.
    fn next_mono(&mut self) -> Result<Option<i16>, AudioError> {
        let channels = self.channels;
        let mut sum: f64 = 0.0;
        for _ in 0..channels {
            match self.next_raw()? {
                Some(v) => sum += v,
                // End of data (or a file truncated part-way through a frame
                // of channels): the end, rather than a failed call.
                None => return Ok(None),
            }
        }
        let mono = (sum / f64::from(channels)).round();
        Ok(Some(mono.clamp(-32768.0, 32767.0) as i16))
    }

    /// Reads one stored sample scaled to the 16-bit range, `None` at the end
    /// of the data or where a truncated file stops short of its header's length.
    fn next_raw(&mut self) -> Result<Option<f64>, AudioError> {
        let scaled = match self.conversion {
            Conversion::Int(bits) => match self.reader.samples::<i32>().next() {
                None => return Ok(None),
                Some(r) => r.map(|v| {
                    let v = f64::from(v);
                    match bits {
                        8 => v * 256.0,
                        16 => v,
                        24 => v / 256.0,
                        _ => v / 65536.0,
                    }
                }),
            },
            Conversion::Float => match self.reader.samples::<f32>().next() {
                None => return Ok(None),
                Some(r) => r.map(|v| {
                    if v.is_finite() {
                        f64::from(v.clamp(-1.0, 1.0)) * 32767.0
                    } else {
                        0.0
                    }
                }),
            },
        };
        match scaled {
            Ok(v) => Ok(Some(v)),
            // hound reports a file shorter than its header claims as an
            // `Other` ("failed to read enough bytes") or `UnexpectedEof` error.
            Err(hound::Error::IoError(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::Other
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(wav_err(e)),
        }
    }
}

impl AudioSource for WavSource {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        let mut i = 0;
        // Rewinding an empty file would spin forever: loop only when there is
        // something to loop.
        let can_loop = self.looping && self.reader.duration() > 0;
        // Whether a sample was read since the last rewind: a truncated file
        // whose header promises data it lacks must not rewind forever.
        let mut progressed = true;
        while i < frame.len() {
            if self.ended {
                break;
            }
            match self.next_mono()? {
                Some(s) => {
                    if let Some(slot) = frame.get_mut(i) {
                        *slot = s;
                    }
                    i += 1;
                    progressed = true;
                }
                None if can_loop && progressed => {
                    // Reopen rather than seek: after a short read of a
                    // truncated file hound's relative seek lands mid-sample.
                    self.reader = WavReader::open(&self.path).map_err(wav_err)?;
                    progressed = false;
                }
                None => self.ended = true,
            }
        }
        if let Some(rest) = frame.get_mut(i..) {
            rest.fill(0);
        }
        Ok(!self.ended)
    }
}

/// Records into a 16-bit mono PCM WAV file.
///
/// The header's lengths are written on [`flush`](AudioSink::flush), on
/// [`finish`](WavSink::finish), and when the sink is dropped, so a file is
/// playable even if the call ends abruptly. Prefer `finish` to see errors.
///
/// ```no_run
/// use openphone_hal::{AudioSink, WavSink};
/// let mut sink = WavSink::create("call.wav", 8000)?;
/// sink.write(&[0i16; 160])?;
/// sink.finish()?;
/// # Ok::<(), openphone_hal::AudioError>(())
/// ```
pub struct WavSink {
    writer: Option<WavWriter<BufWriter<File>>>,
    rate: u32,
}

impl std::fmt::Debug for WavSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSink")
            .field("rate", &self.rate)
            .field("open", &self.writer.is_some())
            .finish()
    }
}

impl WavSink {
    /// Creates (or truncates) `path` for 16-bit mono audio at `rate`.
    pub fn create(path: impl AsRef<Path>, rate: u32) -> Result<Self, AudioError> {
        if rate == 0 {
            return Err(AudioError::Format("sample rate 0".into()));
        }
        let spec = WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        let writer = WavWriter::create(path, spec).map_err(wav_err)?;
        Ok(WavSink {
            writer: Some(writer),
            rate,
        })
    }

    /// Writes the final header and closes the file, reporting any error.
    pub fn finish(mut self) -> Result<(), AudioError> {
        match self.writer.take() {
            Some(w) => w.finalize().map_err(wav_err),
            None => Ok(()),
        }
    }

    fn writer(&mut self) -> Result<&mut WavWriter<BufWriter<File>>, AudioError> {
        self.writer
            .as_mut()
            .ok_or_else(|| AudioError::Device("WAV sink already finished".into()))
    }
}

impl AudioSink for WavSink {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        let w = self.writer()?;
        // Per-sample writes: hound's buffered i16 writer panics on a count
        // mismatch, and BufWriter already batches the file I/O.
        for &s in frame {
            w.write_sample(s).map_err(wav_err)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), AudioError> {
        self.writer()?.flush().map_err(wav_err)
    }
}

impl Drop for WavSink {
    fn drop(&mut self) {
        if let Some(w) = self.writer.take() {
            // Nobody to report to in drop; `finish` exists for callers who care.
            let _ = w.finalize();
        }
    }
}
