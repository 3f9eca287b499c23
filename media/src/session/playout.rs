//! The receive path after the network: jitter buffer, decoders created
//! when their payload type first arrives, concealment, Opus FEC, comfort
//! noise, and the frame the caller plays.

use std::time::Instant;

use openphone_sal::CodecDescriptor;

use super::comfort::{noise_level, ComfortNoise};
use super::plan::{AudioFormat, RecvPlan};
use crate::codec::plc::PitchPlc;
use crate::codec::{AudioDecoder, CodecRegistry};
use crate::jitter::{JitterBuffer, JitterConfig, JitterStats, Pop};
use crate::quality::{LossPattern, PacketOutcome};

/// One payload type we accept, and its decoder once created.
struct Decoder {
    pt: u8,
    codec: CodecDescriptor,
    playable: bool,
    dec: Option<Box<dyn AudioDecoder>>,
}

/// Counters of the receive path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct PlayoutCounters {
    /// Frames made up by codec concealment.
    pub concealed: u64,
    /// Lost frames rebuilt from the next packet's FEC.
    pub fec_recovered: u64,
    /// Comfort-noise frames played.
    pub comfort_noise: u64,
    /// Payloads the decoder rejected (concealed instead).
    pub decode_errors: u64,
    /// Packets of a payload type we accept but cannot play.
    pub unplayable: u64,
}

/// The receive side of a session.
pub(super) struct Playout {
    jitter: JitterBuffer,
    jitter_cfg: JitterConfig,
    decoders: Vec<Decoder>,
    active: Option<usize>,
    cn_pt: Option<u8>,
    /// RFC 4733 events take sequence numbers: played as a silent frame.
    event_pt: Option<u8>,
    cn: ComfortNoise,
    /// Decoded audio waiting to be read: one frame plus the largest packet.
    play: Vec<i16>,
    play_len: usize,
    frame: usize,
    /// The PCM rate of `play`.
    rate: u32,
    /// Frames the audio may still be extended by when the buffer runs dry
    /// (see `read_frame`).
    expand_left: u32,
    /// Extends the played audio over a dry buffer without touching the
    /// decoder (see `read_frame`); it hears every played frame.
    expand: PitchPlc,
    delay_avg_ms: f32,
    pub counters: PlayoutCounters,
    /// What became of each expected audio packet, in order (for RTCP XR
    /// and the burst ratio); comfort noise and digits are not audio loss.
    pub loss: LossPattern,
}

/// RFC 3611 §4.7.2's recommended Gmin.
const GMIN: u8 = 16;

/// When the buffer runs dry in the middle of speech (a lost last packet,
/// or a delay spike), the codec's concealment extends the audio for up to
/// this many frames instead of cutting to silence; by then G.711 PLC has
/// faded out (60 ms), and a stream that really stopped is not "concealed"
/// for ever.
const MAX_EXPAND: u32 = 3;

/// At most this many skipped packets are concealed (silently) to keep a
/// decoder in step: beyond it (a long outage) any codec has reset to
/// silence anyway.
const MAX_SKIPPED_CONCEAL: u32 = 10;

/// Bounds the work for one restart's skipped packets in the loss pattern
/// (a longer outage is a burst all the same).
const MAX_SKIPPED_RECORDED: u32 = 1000;

impl Playout {
    /// An idle receive side (nothing accepted until configured).
    pub fn new(seed: u32) -> Self {
        let jitter_cfg = JitterConfig::default();
        Playout {
            jitter: JitterBuffer::new(jitter_cfg.clone()),
            jitter_cfg,
            decoders: Vec::new(),
            active: None,
            cn_pt: None,
            event_pt: None,
            cn: ComfortNoise::new(seed),
            play: Vec::new(),
            play_len: 0,
            frame: 0,
            rate: 8000,
            expand_left: 0,
            expand: PitchPlc::new(),
            delay_avg_ms: 0.0,
            counters: PlayoutCounters::default(),
            loss: LossPattern::new(GMIN),
        }
    }

    /// Takes a (new) receive plan. Decoders of payload types that keep
    /// their format keep their state; buffers are re-made only when sizes change.
    pub fn configure(&mut self, plan: &RecvPlan, format: AudioFormat, jitter: JitterConfig) {
        let active_pt = self.active.and_then(|i| self.decoders.get(i)).map(|d| d.pt);
        let mut old = std::mem::take(&mut self.decoders);
        for c in &plan.codecs {
            let kept = old
                .iter()
                .position(|d| {
                    d.pt == c.pt && d.codec.same_format(&c.codec) && d.codec.fmtp == c.codec.fmtp
                })
                .and_then(|i| old.get_mut(i))
                .and_then(|d| d.dec.take());
            self.decoders.push(Decoder {
                pt: c.pt,
                codec: c.codec.clone(),
                playable: c.playable,
                dec: if c.playable { kept } else { None },
            });
        }
        // The codec playing now stays the one to conceal with, if kept.
        self.active = active_pt.and_then(|pt| {
            self.decoders
                .iter()
                .position(|d| d.pt == pt && d.dec.is_some())
        });
        self.cn_pt = plan.comfort_noise;
        self.event_pt = plan.telephone_event;
        let size = format.samples_per_packet + plan.max_decoded;
        if self.play.len() != size || self.frame != format.samples_per_packet {
            self.play = vec![0; size];
            self.play_len = 0;
            self.frame = format.samples_per_packet;
        }
        if format.sample_rate != self.rate {
            self.expand = PitchPlc::with_rate(format.sample_rate);
            self.rate = format.sample_rate;
        }
        let same = jitter.frame == self.jitter_cfg.frame
            && jitter.clock_rate == self.jitter_cfg.clock_rate
            && jitter.min_delay == self.jitter_cfg.min_delay
            && jitter.max_delay == self.jitter_cfg.max_delay
            && jitter.max_payload == self.jitter_cfg.max_payload;
        if !same {
            self.jitter = JitterBuffer::new(jitter.clone());
            self.jitter_cfg = jitter;
        }
        self.jitter.set_comfort_noise_pt(self.cn_pt);
    }

    /// Forgets buffered packets (the remote source changed).
    pub fn reset(&mut self) {
        self.jitter.reset();
        self.cn.stop();
        self.expand_left = 0;
    }

    /// Takes the sequence number of an RFC 4733 event packet, so the
    /// audio it replaced plays as silence rather than as a loss.
    pub fn push_event(&mut self, now: Instant, seq: u16, timestamp: u32, pt: u8) {
        self.jitter.push_filler(now, seq, timestamp, pt, &[]);
    }

    /// Buffers an arriving packet of an accepted payload type, creating
    /// its decoder on the first one.
    pub fn push(
        &mut self,
        now: Instant,
        registry: &CodecRegistry,
        seq: u16,
        timestamp: u32,
        pt: u8,
        payload: &[u8],
    ) {
        if Some(pt) != self.cn_pt {
            let Some(d) = self.decoders.iter_mut().find(|d| d.pt == pt) else {
                self.counters.unplayable += 1;
                return;
            };
            if d.playable && d.dec.is_none() {
                match registry.decoder(&d.codec) {
                    Ok(dec) => d.dec = Some(dec),
                    Err(e) => {
                        tracing::warn!(pt, error = %e, "no decoder: payload type not played");
                        d.playable = false;
                    }
                }
            }
            if !d.playable {
                self.counters.unplayable += 1;
                return;
            }
        }
        self.jitter.push(now, seq, timestamp, pt, payload);
    }

    /// Fills `out` with what plays now: decoded audio, concealment, comfort
    /// noise or silence (`receiving` false: silence, nothing is consumed).
    pub fn read(&mut self, now: Instant, out: &mut [i16], receiving: bool) {
        if self.play.is_empty() {
            // Never configured (no receive half agreed yet).
            out.fill(0);
            return;
        }
        let frame = self.frame.max(1);
        for chunk in out.chunks_mut(frame) {
            self.read_frame(now, chunk, receiving);
        }
    }

    fn read_frame(&mut self, now: Instant, out: &mut [i16], receiving: bool) {
        let need = out.len();
        // What is buffered when a frame is due, the frame itself included:
        // the delay the buffer adds to the frame played now, smoothed over
        // about a second (the level swings by a frame on every pop).
        let level_ms = self.jitter.stats().delay.as_secs_f32() * 1000.0;
        let mut expanded = false;
        self.delay_avg_ms += (level_ms - self.delay_avg_ms) / 50.0;
        while receiving && self.play_len < need {
            match self.jitter.pop(now) {
                Pop::Frame {
                    payload_type,
                    payload,
                    skipped,
                    discard,
                    ..
                } => {
                    if discard {
                        // Shrinking: the decoder sees the packet, the
                        // listener does not; the next pop plays.
                        if let Some(d) = self
                            .decoders
                            .iter_mut()
                            .find(|d| d.pt == payload_type)
                            .and_then(|d| d.dec.as_mut())
                        {
                            let scratch = self.play.get_mut(self.play_len..).unwrap_or_default();
                            let _ = d.decode(payload, scratch);
                        }
                        self.loss.record(PacketOutcome::Discarded);
                        continue;
                    }
                    if Some(payload_type) == self.cn_pt {
                        self.cn.set_level(noise_level(payload).unwrap_or(127));
                        self.counters.comfort_noise += 1;
                        if let Some(dst) = self.play.get_mut(self.play_len..need) {
                            self.cn.fill(dst);
                        }
                        self.play_len = need;
                        continue;
                    }
                    if Some(payload_type) == self.event_pt {
                        // The sender sent a digit instead of audio: play
                        // silence. The decoder is left alone: senders pause
                        // their encoder under a digit (we do), so its state
                        // still matches the stream when audio resumes;
                        // concealing here would put it out of step.
                        if let Some(dst) = self.play.get_mut(self.play_len..need) {
                            dst.fill(0);
                        }
                        self.play_len = need;
                        continue;
                    }
                    self.cn.stop();
                    if let Some(i) = self.decoders.iter().position(|d| d.pt == payload_type) {
                        self.active = Some(i);
                    }
                    let dst = self.play.get_mut(self.play_len..).unwrap_or_default();
                    let Some(d) = self
                        .active
                        .and_then(|i| self.decoders.get_mut(i))
                        .and_then(|d| d.dec.as_mut())
                    else {
                        break;
                    };
                    // Packets playout restarted without (see `Pop::Frame`)
                    // are concealed as lost, the audio discarded: it was
                    // extended over their time already.
                    for _ in 0..skipped.min(MAX_SKIPPED_CONCEAL) {
                        if d.conceal(dst).is_err() {
                            break;
                        }
                    }
                    for _ in 0..skipped.min(MAX_SKIPPED_RECORDED) {
                        self.loss.record(PacketOutcome::Lost);
                    }
                    self.loss.record(PacketOutcome::Received);
                    self.expand_left = MAX_EXPAND;
                    let n = match d.decode(payload, dst) {
                        Ok(n) => n,
                        Err(e) => {
                            tracing::debug!(error = %e, "undecodable payload: concealed");
                            self.counters.decode_errors += 1;
                            self.counters.concealed += 1;
                            d.conceal(dst).unwrap_or(0)
                        }
                    };
                    self.play_len += n;
                }
                Pop::Lost { .. } => {
                    if !self.cn.active() {
                        self.loss.record(PacketOutcome::Lost);
                    }
                    if self.cn.active() {
                        // A lost packet during the sender's silence: more noise.
                        if let Some(dst) = self.play.get_mut(self.play_len..need) {
                            self.cn.fill(dst);
                        }
                        self.play_len = need;
                        continue;
                    }
                    let active = self.active.and_then(|i| self.decoders.get_mut(i));
                    let Some((pt, d)) = active.and_then(|d| Some((d.pt, d.dec.as_mut()?))) else {
                        break;
                    };
                    let dst = self.play.get_mut(self.play_len..).unwrap_or_default();
                    // In-band FEC: the packet after the lost one may carry it.
                    let fec = match self.jitter.peek() {
                        Some((next_pt, next)) if next_pt == pt => {
                            d.recover_from_next(next, dst).ok().flatten()
                        }
                        _ => None,
                    };
                    let n = match fec {
                        Some(n) => {
                            self.counters.fec_recovered += 1;
                            n
                        }
                        None => {
                            self.counters.concealed += 1;
                            d.conceal(dst).unwrap_or(0)
                        }
                    };
                    if n == 0 {
                        break;
                    }
                    self.play_len += n;
                }
                Pop::Empty => {
                    // Dry in the middle of speech (a lost last packet, or
                    // packets merely late): extend the audio by repeating
                    // its last pitch periods. Not by the decoder's own
                    // concealment: a late packet is still decoded when it
                    // comes, and a predictive decoder (Speex) that had
                    // concealed in between decodes it against the wrong
                    // state; a steady tone then turned to noise for the
                    // rest of the call. The buffer restarts by itself.
                    if self.expand_left > 0 && !self.cn.active() {
                        self.expand_left -= 1;
                        if let Some(dst) = self.play.get_mut(self.play_len..need) {
                            self.expand.conceal(dst);
                            self.counters.concealed += 1;
                            self.play_len = need;
                            expanded = true;
                        }
                    }
                    break;
                }
            }
        }
        // Short of audio (buffering, silence, not receiving): comfort noise
        // after a CN frame, else silence, so the device keeps its clock.
        if self.play_len < need {
            if let Some(rest) = self.play.get_mut(self.play_len..need) {
                if self.cn.active() && receiving {
                    self.cn.fill(rest);
                } else {
                    rest.fill(0);
                }
            }
            self.play_len = need;
        }
        if let Some(src) = self.play.get_mut(..need) {
            if !expanded {
                // History for a later extension; right after one, this
                // also cross-fades from it into the real audio.
                self.expand.good(src);
            }
            out.copy_from_slice(src);
        }
        self.play.copy_within(need..self.play_len, 0);
        self.play_len -= need;
    }

    /// Jitter-buffer figures.
    pub fn jitter_stats(&self) -> JitterStats {
        self.jitter.stats()
    }

    /// The buffer delay smoothed over about a second, ms.
    pub fn delay_ms(&self) -> f32 {
        self.delay_avg_ms
    }

    /// Bytes held by the receive path's buffers (decoders not included).
    pub fn memory(&self) -> usize {
        self.jitter.payload_memory()
            + self.jitter.capacity() * 32
            + self.play.len() * std::mem::size_of::<i16>()
    }
}
