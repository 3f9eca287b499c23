//! A predictive decoder must stay in step with the encoder across the two
//! gaps a call normally has: a packet that is late (the jitter buffer runs
//! dry and the audio is extended before it comes) and an RFC 4733 digit
//! (the sender pauses its audio). Speex on a steady tone is the sharpest
//! probe: once its decoder state departs from the encoder's, the tone
//! decodes to noise for seconds (the session 7 call-demo regression: the
//! dry buffer was filled by the decoder's own concealment, and the decoder
//! concealed across digits while our encoder ran on).
//!
//! (A real loss is concealed by the decoder, as it must be; libspeex's own
//! concealment followed by the next packet also turns a steady tone to
//! noise, measured offline on a captured stream, while speech recovers. So
//! these tests cover gaps that are not losses.)
#![cfg(feature = "speex")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_media::codec::speex::{SpeexBand, SpeexEncoder, SpeexParams};
use openphone_media::codec::{AudioEncoder, CodecRegistry};
use openphone_media::rtp::{write_packet, RtpHeader};
use openphone_media::session::{MediaSession, MediaSessionConfig};
use openphone_sal::{CodecDescriptor, NegotiatedMedia, NegotiatedStream, RecvChannel, SendChannel};

const FRAME: usize = 160;
const TONE_HZ: f64 = 1000.0;
const SPEEX_PT: u8 = 96;
const EVENT_PT: u8 = 101;

/// What arrives at the receiver, in order.
enum Arrival {
    /// The next audio packet, `late_ms` after its nominal time.
    Audio { late_ms: u64 },
    /// An RFC 4733 packet taking one sequence number (the sender's
    /// encoder is paused meanwhile).
    Event,
}

const PEER: &str = "10.0.0.1:4000";

fn speex() -> CodecDescriptor {
    CodecDescriptor::new(SPEEX_PT, "speex", 8000)
}

fn receiver(t0: Instant, jitter_min: Duration) -> MediaSession {
    let local: SocketAddr = "10.0.0.2:6000".parse().unwrap();
    let mut recv = RecvChannel::new(vec![(SPEEX_PT, speex())]);
    recv.telephone_event = Some(EVENT_PT);
    // The peer's signalled address is where its packets come from, so the
    // first one is accepted (an unsignalled source is only learned after
    // several packets, and Speex decoded without its first packet is noise).
    let send = SendChannel::new(PEER.parse().unwrap(), speex(), SPEEX_PT);
    let media = NegotiatedMedia::from(
        NegotiatedStream::audio(local)
            .with_send(send)
            .with_recv(recv),
    );
    let mut cfg = MediaSessionConfig::new("gaps@example", Arc::new(CodecRegistry::with_builtin()));
    cfg.jitter_min = jitter_min;
    MediaSession::new(cfg, &media, t0, 0, 5).unwrap()
}

/// Plays `script` (one entry per 20 ms slot) through a receive-only
/// session reading every 20 ms; returns what it played and the frames
/// it concealed.
fn play(script: &[Arrival], jitter_min: Duration) -> (Vec<i16>, u64) {
    let t0 = Instant::now();
    let mut rx = receiver(t0, jitter_min);
    let mut enc =
        SpeexEncoder::with_params(SpeexBand::Narrow, 8, &SpeexParams::from_fmtp(None).unwrap())
            .unwrap();
    let peer: SocketAddr = PEER.parse().unwrap();
    // (time ms, datagram) for arrivals, None for a read; sorted by time.
    let mut timeline: Vec<(u64, u8, Option<Vec<u8>>)> = Vec::new();
    let mut sample = 0u64;
    for (slot, a) in script.iter().enumerate() {
        let slot = slot as u64;
        let (pt, payload, late) = match a {
            Arrival::Audio { late_ms } => {
                let pcm: Vec<i16> = (0..FRAME as u64)
                    .map(|i| {
                        let t = (sample + i) as f64 / 8000.0;
                        (12_000.0 * (std::f64::consts::TAU * TONE_HZ * t).sin()) as i16
                    })
                    .collect();
                let mut out = [0u8; 200];
                let n = enc.encode(&pcm, &mut out).unwrap();
                (SPEEX_PT, out[..n].to_vec(), *late_ms)
            }
            // Digit "1", volume 10, duration so far: a mid-event packet.
            Arrival::Event => (EVENT_PT, vec![1, 10, 0, 160], 0),
        };
        sample += FRAME as u64;
        let h = RtpHeader {
            payload_type: pt,
            marker: false,
            sequence: slot as u16,
            timestamp: slot as u32 * FRAME as u32,
            ssrc: 99,
        };
        let mut buf = [0u8; 300];
        let n = write_packet(&mut buf, &h, &payload).unwrap();
        timeline.push((slot * 20 + late, 0, Some(buf[..n].to_vec())));
        timeline.push((slot * 20 + 5, 1, None));
    }
    timeline.sort_by_key(|(at, order, _)| (*at, *order));
    let mut played = Vec::new();
    let mut out = [0i16; FRAME];
    for (at, _, datagram) in timeline {
        let now = t0 + Duration::from_millis(at);
        match datagram {
            Some(d) => rx.handle_datagram(now, peer, &d),
            None => {
                rx.read_audio(now, &mut out);
                played.extend_from_slice(&out);
            }
        }
    }
    (played, rx.counters().concealed_frames)
}

/// Tone-to-residual ratio (dB) of `x` against the best-fitting sinusoid at
/// `TONE_HZ` (least squares on sine and cosine).
fn tnr_db(x: &[i16]) -> f64 {
    let w = std::f64::consts::TAU * TONE_HZ / 8000.0;
    let (mut ss, mut cc, mut sc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let (s, c) = (w * i as f64).sin_cos();
        let v = v as f64;
        ss += s * s;
        cc += c * c;
        sc += s * c;
        xs += v * s;
        xc += v * c;
    }
    let det = ss * cc - sc * sc;
    let a = (xs * cc - xc * sc) / det;
    let b = (xc * ss - xs * sc) / det;
    let (mut tone, mut resid) = (0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let (s, c) = (w * i as f64).sin_cos();
        let fit = a * s + b * c;
        tone += fit * fit;
        resid += (v as f64 - fit).powi(2);
    }
    10.0 * (tone / resid.max(1e-9)).log10()
}

/// The worst 200 ms window's ratio over `from..to` frames.
fn worst_tnr(played: &[i16], from: usize, to: usize) -> f64 {
    (from..to.saturating_sub(10))
        .step_by(5)
        .map(|f| tnr_db(&played[f * FRAME..(f + 10) * FRAME]))
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn a_delay_spike_leaves_the_decoder_in_step() {
    // A 20 ms floor: playout runs on the packet just arrived, so a 30 ms
    // stall of the network (packets 40 and 41 held, then delivered in
    // order) runs the buffer dry and the audio is extended before they come.
    let script: Vec<Arrival> = (0..150u64)
        .map(|i| Arrival::Audio {
            // Held until 830 ms: packet 40 is 30 ms late, 41 is 10 ms late.
            late_ms: if i < 40 {
                0
            } else {
                (40 * 20 + 30u64).saturating_sub(i * 20)
            },
        })
        .collect();
    let (played, concealed) = play(&script, Duration::from_millis(20));
    assert!(concealed > 0, "the stall did not run the buffer dry");
    let worst = worst_tnr(&played, 60, 150);
    assert!(worst > 25.0, "tone after the stall: worst {worst:.1} dB");
}

#[test]
fn a_digit_leaves_the_decoder_in_step() {
    let script: Vec<Arrival> = (0..150)
        .map(|i| {
            if (50..80).contains(&i) {
                Arrival::Event
            } else {
                Arrival::Audio { late_ms: 0 }
            }
        })
        .collect();
    let (played, _) = play(&script, Duration::from_millis(40));
    let before = worst_tnr(&played, 10, 48);
    let after = worst_tnr(&played, 95, 150);
    assert!(before > 25.0, "tone before the digit: worst {before:.1} dB");
    assert!(after > 25.0, "tone after the digit: worst {after:.1} dB");
}
