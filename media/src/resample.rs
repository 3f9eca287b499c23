//! Sample-rate conversion at the device boundary (e.g. a 48 kHz sound card
//! feeding an 8 kHz codec), one fixed-size frame at a time.
//!
//! Built on `rubato`'s synchronous FFT resampler: for the fixed integer
//! ratios telephony needs (8/16 kHz ↔ 48 kHz) it is exact in rate, cheap,
//! and its anti-aliasing filter is sharp. All buffers are allocated in
//! [`Resampler::new`]; [`Resampler::process`] does not allocate.
//!
//! The FFT block is split so that the algorithmic delay stays near 5 ms
//! (reported by [`Resampler::delay_samples`]), a compromise between
//! latency (smaller blocks) and a steeper filter (larger blocks).
//!
//! ```
//! use openphone_media::resample::Resampler;
//! // 20 ms frames at 8 kHz up to 48 kHz.
//! let mut r = Resampler::new(8000, 48000, 160).unwrap();
//! let input = [0i16; 160];
//! let mut out = vec![0i16; r.max_output_len()];
//! let n = r.process(&input, &mut out).unwrap();
//! assert_eq!(n, 960);
//! assert!(r.delay_samples() < 480);
//! ```

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _, WindowFunction};

/// Errors from the resampler.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResampleError {
    /// Zero/absurd rates or frame length.
    #[error("invalid resampler configuration: {0}")]
    Config(String),
    /// The input frame does not have the length given to [`Resampler::new`].
    #[error("expected {expected} input samples, got {got}")]
    FrameSize {
        /// The configured frame length.
        expected: usize,
        /// What was passed.
        got: usize,
    },
    /// The output buffer cannot hold [`Resampler::max_output_len`] samples.
    #[error("output buffer too small: need {need}, have {have}")]
    BufferTooSmall {
        /// Needed.
        need: usize,
        /// Given.
        have: usize,
    },
    /// The resampling library reported an error.
    #[error("resampler failure: {0}")]
    Library(String),
}

/// Highest rate we accept; far above any audio device, keeps buffers sane.
const MAX_RATE: u32 = 384_000;
/// Longest frame we accept (one second at the highest rate).
const MAX_FRAME: usize = MAX_RATE as usize;
/// Wanted FFT sub-block duration: half of the reported delay, in ms.
const SUB_BLOCK_MS: usize = 10;

/// A streaming mono resampler with a fixed input frame length.
pub struct Resampler {
    from_rate: u32,
    to_rate: u32,
    frame_len: usize,
    /// `None` when the rates are equal: samples are copied.
    inner: Option<Fft<f32>>,
    in_buf: Vec<f32>,
    out_buf: Vec<f32>,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("from_rate", &self.from_rate)
            .field("to_rate", &self.to_rate)
            .field("frame_len", &self.frame_len)
            .field("delay_samples", &self.delay_samples())
            .finish()
    }
}

impl Resampler {
    /// A resampler from `from_rate` to `to_rate` Hz that takes exactly
    /// `frame_len` input samples per [`process`](Self::process) call.
    pub fn new(from_rate: u32, to_rate: u32, frame_len: usize) -> Result<Self, ResampleError> {
        if from_rate == 0 || to_rate == 0 || from_rate > MAX_RATE || to_rate > MAX_RATE {
            return Err(ResampleError::Config(format!(
                "rates must be 1..={MAX_RATE} Hz, got {from_rate} -> {to_rate}"
            )));
        }
        if frame_len == 0 || frame_len > MAX_FRAME {
            return Err(ResampleError::Config(format!(
                "frame length must be 1..={MAX_FRAME}, got {frame_len}"
            )));
        }
        if from_rate == to_rate {
            return Ok(Resampler {
                from_rate,
                to_rate,
                frame_len,
                inner: None,
                in_buf: Vec::new(),
                out_buf: Vec::new(),
            });
        }
        // Sub-blocks of about SUB_BLOCK_MS keep the delay low; rubato rounds
        // the block up to a multiple of the smallest exact block for the pair.
        let sub_len = (from_rate as usize * SUB_BLOCK_MS / 1000).max(1);
        let sub_chunks = (frame_len / sub_len).max(1);
        let fft = Fft::<f32>::new_custom(
            from_rate as usize,
            to_rate as usize,
            frame_len,
            sub_chunks,
            1,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .map_err(|e| ResampleError::Config(e.to_string()))?;
        let in_len = fft.input_frames_max().max(frame_len);
        let out_len = fft.output_frames_max();
        Ok(Resampler {
            from_rate,
            to_rate,
            frame_len,
            inner: Some(fft),
            in_buf: vec![0.0; in_len],
            out_buf: vec![0.0; out_len],
        })
    }

    /// Input rate in Hz.
    pub fn from_rate(&self) -> u32 {
        self.from_rate
    }

    /// Output rate in Hz.
    pub fn to_rate(&self) -> u32 {
        self.to_rate
    }

    /// Samples every [`process`](Self::process) call takes.
    pub fn input_frame_len(&self) -> usize {
        self.frame_len
    }

    /// Most samples one [`process`](Self::process) call can produce (size
    /// the output buffer with this). When the frame is a whole number of
    /// the resampler's blocks, every call produces exactly this many.
    pub fn max_output_len(&self) -> usize {
        match &self.inner {
            Some(_) => self.out_buf.len(),
            None => self.frame_len,
        }
    }

    /// Algorithmic delay in output samples: an impulse entering at input
    /// sample 0 appears at output sample `delay_samples()`.
    pub fn delay_samples(&self) -> usize {
        self.inner.as_ref().map_or(0, |r| r.output_delay())
    }

    /// Forgets the stream history (call between unrelated streams).
    pub fn reset(&mut self) {
        if let Some(r) = &mut self.inner {
            r.reset();
        }
    }

    /// Resamples one frame of exactly [`input_frame_len`](Self::input_frame_len)
    /// samples into `out` (at least [`max_output_len`](Self::max_output_len)
    /// long), returning the number of samples written.
    pub fn process(&mut self, input: &[i16], out: &mut [i16]) -> Result<usize, ResampleError> {
        if input.len() != self.frame_len {
            return Err(ResampleError::FrameSize {
                expected: self.frame_len,
                got: input.len(),
            });
        }
        let need = self.max_output_len();
        if out.len() < need {
            return Err(ResampleError::BufferTooSmall {
                need,
                have: out.len(),
            });
        }
        let Some(r) = &mut self.inner else {
            out[..input.len()].copy_from_slice(input);
            return Ok(input.len());
        };
        for (d, &s) in self.in_buf.iter_mut().zip(input) {
            *d = f32::from(s) / 32768.0;
        }
        let frames_in = r.input_frames_next();
        let frames_out = self.out_buf.len();
        let inp = InterleavedSlice::new(&self.in_buf[..], 1, frames_in)
            .map_err(|e| ResampleError::Library(e.to_string()))?;
        let mut outp = InterleavedSlice::new_mut(&mut self.out_buf[..], 1, frames_out)
            .map_err(|e| ResampleError::Library(e.to_string()))?;
        let (_, produced) = r
            .process_into_buffer(&inp, &mut outp, None)
            .map_err(|e| ResampleError::Library(e.to_string()))?;
        let produced = produced.min(frames_out);
        for (d, &s) in out.iter_mut().zip(&self.out_buf[..produced]) {
            // Round and saturate: the filter's ripple can overshoot full scale.
            *d = (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
        }
        Ok(produced)
    }

    /// Like [`process`](Self::process) but appends to `out`; allocation-free
    /// when `out` has [`max_output_len`](Self::max_output_len) spare capacity.
    pub fn process_into(
        &mut self,
        input: &[i16],
        out: &mut Vec<i16>,
    ) -> Result<usize, ResampleError> {
        let start = out.len();
        out.resize(start + self.max_output_len(), 0);
        let res = self.process(input, &mut out[start..]);
        let n = *res.as_ref().unwrap_or(&0);
        out.truncate(start + n);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_config() {
        assert!(Resampler::new(0, 8000, 160).is_err());
        assert!(Resampler::new(8000, 48000, 0).is_err());
        assert!(Resampler::new(8000, 10_000_000, 160).is_err());
    }

    #[test]
    fn rejects_wrong_sizes() {
        let mut r = Resampler::new(8000, 48000, 160).unwrap();
        let mut out = vec![0i16; 960];
        assert_eq!(
            r.process(&[0; 159], &mut out),
            Err(ResampleError::FrameSize {
                expected: 160,
                got: 159
            })
        );
        assert!(matches!(
            r.process(&[0; 160], &mut out[..100]),
            Err(ResampleError::BufferTooSmall { .. })
        ));
    }

    #[test]
    fn same_rate_is_a_copy() {
        let mut r = Resampler::new(16000, 16000, 320).unwrap();
        let input: Vec<i16> = (0..320).map(|i| i as i16 * 7).collect();
        let mut out = Vec::with_capacity(320);
        assert_eq!(r.process_into(&input, &mut out).unwrap(), 320);
        assert_eq!(out, input);
        assert_eq!(r.delay_samples(), 0);
    }

    #[test]
    fn full_scale_saturates_not_wraps() {
        let mut r = Resampler::new(8000, 48000, 160).unwrap();
        let input: Vec<i16> = (0..160)
            .map(|i| if i % 2 == 0 { i16::MAX } else { i16::MIN })
            .collect();
        let mut out = vec![0i16; r.max_output_len()];
        for _ in 0..5 {
            r.process(&input, &mut out).unwrap();
        }
    }
}
