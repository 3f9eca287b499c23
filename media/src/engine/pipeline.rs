//! The codec side of a call: encoder, decoders by payload type, resamplers
//! at the device boundary and every buffer the per-packet path needs, all
//! allocated here (in `apply`, off the hot path).

use std::time::Duration;

use openphone_sal::MediaError;

use super::agreed::Agreed;

use crate::codec::{AudioDecoder, AudioEncoder, CodecRegistry};
use crate::resample::Resampler;

/// One payload type we accept.
pub(crate) struct RecvCodec {
    pub pt: u8,
    pub encoding: String,
    pub clock_rate: u32,
    pub decoder: Box<dyn AudioDecoder>,
}

/// What `apply` prepares for the media task.
pub(crate) struct Pipeline {
    pub negotiated: Agreed,
    pub encoder: Box<dyn AudioEncoder>,
    /// Codec frames per packet.
    pub frames_per_packet: usize,
    /// Effective packet interval (a whole number of codec frames).
    pub packet_time: Duration,
    /// RTP timestamp step per packet.
    pub ts_step: u32,
    /// Samples per packet at the codec rate.
    pub codec_samples: usize,
    /// Samples per packet at the source rate.
    pub source_samples: usize,
    pub send_resampler: Option<Resampler>,
    pub recv_resampler: Option<Resampler>,
    pub decoders: Vec<RecvCodec>,
    /// Index into `decoders` of the codec playing now.
    pub active: usize,
}

fn codec_err(e: impl std::fmt::Display) -> MediaError {
    MediaError::Codec(e.to_string())
}

impl Pipeline {
    /// Builds the pipeline for `n`, with devices at `source_rate`/`sink_rate`.
    pub fn new(
        registry: &CodecRegistry,
        n: &Agreed,
        source_rate: u32,
        sink_rate: u32,
    ) -> Result<Pipeline, MediaError> {
        let encoder = registry.encoder(&n.send_codec).map_err(codec_err)?;
        let info = encoder.info().clone();
        let frame_ms = info.frame_ms().max(1) as u128;
        let ptime_ms = n.ptime.as_millis().clamp(10, 200);
        let frames_per_packet = ((ptime_ms / frame_ms).max(1)) as usize;
        let packet_time = Duration::from_millis((frames_per_packet as u128 * frame_ms) as u64);
        let codec_samples = info.frame_samples * frames_per_packet;
        let ts_step = info.rtp_timestamp_step() * frames_per_packet as u32;
        let per_packet = |rate: u32| (rate as u128 * packet_time.as_micros() / 1_000_000) as usize;
        let source_samples = per_packet(source_rate);
        let send_resampler = if source_rate != info.sample_rate {
            Some(Resampler::new(source_rate, info.sample_rate, source_samples).map_err(codec_err)?)
        } else {
            None
        };
        let recv_resampler = if sink_rate != info.sample_rate {
            Some(Resampler::new(info.sample_rate, sink_rate, codec_samples).map_err(codec_err)?)
        } else {
            None
        };
        let mut decoders = Vec::new();
        for (pt, c) in n
            .recv_codecs
            .iter()
            .filter(|(_, c)| !c.is_telephone_event())
        {
            // Codecs we cannot decode are skipped (their packets are dropped);
            // the one we send must decode too, checked below.
            let Ok(decoder) = registry.decoder(c) else {
                continue;
            };
            let sample_rate = decoder.info().sample_rate;
            // Received audio at another rate than the send codec would need a
            // second resampler chain; we play only codecs at the send codec's rate.
            if sample_rate != info.sample_rate {
                continue;
            }
            decoders.push(RecvCodec {
                pt: *pt,
                encoding: c.encoding.clone(),
                clock_rate: c.clock_rate,
                decoder,
            });
        }
        if n.direction.receives() && decoders.is_empty() {
            return Err(MediaError::Codec(format!(
                "none of the receive codecs {:?} can be decoded at {} Hz",
                n.recv_codecs
                    .iter()
                    .map(|(_, c)| format!("{}/{}", c.encoding, c.clock_rate))
                    .collect::<Vec<_>>(),
                info.sample_rate
            )));
        }
        let active = decoders
            .iter()
            .position(|d| d.encoding.eq_ignore_ascii_case(&n.send_codec.encoding))
            .unwrap_or(0);
        Ok(Pipeline {
            negotiated: n.clone(),
            encoder,
            frames_per_packet,
            packet_time,
            ts_step,
            codec_samples,
            source_samples,
            send_resampler,
            recv_resampler,
            decoders,
            active,
        })
    }

    /// Decoder index for a payload type.
    pub fn decoder_for(&self, pt: u8) -> Option<usize> {
        self.decoders.iter().position(|d| d.pt == pt)
    }
}
