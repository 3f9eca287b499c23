//! The audio devices of a call and the resampling at their boundary: the
//! session speaks the codec's PCM rate, the devices their own.

use openphone_hal::{AudioSink, AudioSource};
use openphone_sal::MediaError;

use crate::resample::Resampler;
use crate::session::AudioFormat;

/// Source and sink with their buffers, allocated per audio format.
pub(crate) struct Devices {
    source: Box<dyn AudioSource>,
    sink: Box<dyn AudioSink>,
    /// One packet time at the source's rate.
    src_pcm: Vec<i16>,
    /// One packet time at the codec rate, to send.
    send_pcm: Vec<i16>,
    send_rs: Option<Resampler>,
    /// One packet time at the codec rate, to play.
    play_pcm: Vec<i16>,
    recv_rs: Option<Resampler>,
    /// Resampled playout at the sink's rate.
    sink_pcm: Vec<i16>,
    finished: bool,
}

fn per_packet(rate: u32, f: &AudioFormat) -> usize {
    (rate as u128 * f.packet_time.as_micros() / 1_000_000) as usize
}

fn resample_err(e: impl std::fmt::Display) -> MediaError {
    MediaError::Codec(e.to_string())
}

impl Devices {
    pub fn new(
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
        format: AudioFormat,
    ) -> Result<Self, MediaError> {
        let mut d = Devices {
            source,
            sink,
            src_pcm: Vec::new(),
            send_pcm: Vec::new(),
            send_rs: None,
            play_pcm: Vec::new(),
            recv_rs: None,
            sink_pcm: Vec::new(),
            finished: false,
        };
        d.set_format(format)?;
        Ok(d)
    }

    /// Rebuilds buffers and resamplers for a new codec format.
    pub fn set_format(&mut self, f: AudioFormat) -> Result<(), MediaError> {
        let (src_rate, sink_rate) = (self.source.sample_rate(), self.sink.sample_rate());
        let src_len = per_packet(src_rate, &f).max(1);
        self.send_rs = if src_rate != f.sample_rate {
            Some(Resampler::new(src_rate, f.sample_rate, src_len).map_err(resample_err)?)
        } else {
            None
        };
        self.recv_rs = if sink_rate != f.sample_rate {
            Some(
                Resampler::new(f.sample_rate, sink_rate, f.samples_per_packet)
                    .map_err(resample_err)?,
            )
        } else {
            None
        };
        self.src_pcm = vec![0; src_len];
        let send_len = self
            .send_rs
            .as_ref()
            .map_or(f.samples_per_packet, |r| r.max_output_len())
            .max(f.samples_per_packet);
        self.send_pcm = vec![0; send_len];
        self.play_pcm = vec![0; f.samples_per_packet];
        let sink_len = self
            .recv_rs
            .as_ref()
            .map_or(f.samples_per_packet, |r| r.max_output_len());
        self.sink_pcm = vec![0; sink_len];
        Ok(())
    }

    /// Reads one packet time from the source, at the codec rate (silence
    /// when `muted`: the source is still read, so it keeps its pace). The
    /// flag is true the first time the source reports its end.
    pub fn capture(&mut self, muted: bool) -> (&[i16], bool) {
        let n = self.play_pcm.len();
        let mut ended_now = false;
        match self.source.read(&mut self.src_pcm) {
            Ok(true) => {}
            Ok(false) => {
                ended_now = !self.finished;
                self.finished = true;
            }
            Err(e) => {
                tracing::warn!(error = %e, "audio source failed; sending silence");
                self.src_pcm.fill(0);
            }
        }
        match &mut self.send_rs {
            Some(r) => {
                let got = r.process(&self.src_pcm, &mut self.send_pcm).unwrap_or(0);
                // Telephony ratios give exactly one packet time per call;
                // anything short is padded rather than sent short.
                if let Some(rest) = self.send_pcm.get_mut(got.min(n)..n) {
                    rest.fill(0);
                }
            }
            None => {
                if let (Some(dst), Some(src)) = (self.send_pcm.get_mut(..n), self.src_pcm.get(..n))
                {
                    dst.copy_from_slice(src);
                }
            }
        }
        if muted {
            self.send_pcm.fill(0);
        }
        (self.send_pcm.get(..n).unwrap_or_default(), ended_now)
    }

    /// The buffer the session fills with one packet time of playout.
    pub fn playout(&mut self) -> &mut [i16] {
        &mut self.play_pcm
    }

    /// Plays what [`playout`](Self::playout) holds, resampled to the sink.
    pub fn play(&mut self) {
        let res = match &mut self.recv_rs {
            Some(r) => match r.process(&self.play_pcm, &mut self.sink_pcm) {
                Ok(n) => self.sink.write(self.sink_pcm.get(..n).unwrap_or_default()),
                Err(_) => Ok(()),
            },
            None => self.sink.write(&self.play_pcm),
        };
        if let Err(e) = res {
            tracing::warn!(error = %e, "audio sink failed");
        }
    }

    /// Flushes the sink (a file's header, a device's queue).
    pub fn flush(&mut self) {
        if let Err(e) = self.sink.flush() {
            tracing::warn!(error = %e, "audio sink flush failed");
        }
    }
}
