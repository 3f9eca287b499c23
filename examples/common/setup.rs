//! Building blocks shared by the bundled phones: a phone on loopback with a
//! given codec and audio devices, statistics printing, a tee sink.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use openphone::hal::{AudioError, AudioSink, AudioSource, NullSink, NullSource};
use openphone::media::{AudioFactory, Engine, EngineConfig};
use openphone::sip::{SipConfig, SipStack};
use openphone::{CallId, MediaEngine, MediaError, MediaStats, Phone};

/// Audio devices for the calls of one phone: each is used by the first call
/// that starts; later calls get silence and a discarding sink.
pub struct Audio {
    source: Mutex<Option<Box<dyn AudioSource>>>,
    sink: Mutex<Option<Box<dyn AudioSink>>>,
}

impl Audio {
    pub fn source(source: Box<dyn AudioSource>) -> Self {
        Audio {
            source: Mutex::new(Some(source)),
            sink: Mutex::new(None),
        }
    }
    pub fn sink(sink: Box<dyn AudioSink>) -> Self {
        Audio {
            source: Mutex::new(None),
            sink: Mutex::new(Some(sink)),
        }
    }
    pub fn both(source: Box<dyn AudioSource>, sink: Box<dyn AudioSink>) -> Self {
        Audio {
            source: Mutex::new(Some(source)),
            sink: Mutex::new(Some(sink)),
        }
    }
    pub fn factory(self, rate: u32) -> AudioFactory {
        let me = Arc::new(self);
        Arc::new(move |_call: CallId| -> Result<_, MediaError> {
            let src = me
                .source
                .lock()
                .map_err(|_| MediaError::Device("audio lock poisoned".into()))?
                .take()
                .unwrap_or_else(|| Box::new(NullSource::new(rate)));
            let sink = me
                .sink
                .lock()
                .map_err(|_| MediaError::Device("audio lock poisoned".into()))?
                .take()
                .unwrap_or_else(|| Box::new(NullSink::new(rate)));
            Ok((src, sink))
        })
    }
}

/// Maps the tool names users type (`gsm`, `g726-32`, `ilbc`) to registry names.
pub fn codec_names(codec: &str) -> Vec<String> {
    match codec {
        "ilbc" => vec!["ilbc30".into(), "ilbc20".into()],
        "speex" => vec!["speex-nb".into()],
        other => vec![other.to_string()],
    }
}

/// A phone with SIP on 127.0.0.1 (a free UDP port) and RTP on 127.0.0.1,
/// offering only `codec`.
pub async fn loopback_phone(
    codec: &str,
    audio: Audio,
) -> Result<Phone, Box<dyn std::error::Error>> {
    loopback_phone_with(codec, audio, None, |engine| engine).await
}

/// [`loopback_phone`] with RTP ports from `rtp_ports` (inclusive; the
/// engine's default range when `None`) and the media engine passed through
/// `wrap` (e.g. call-demo's impairment relay).
pub async fn loopback_phone_with<E: MediaEngine>(
    codec: &str,
    audio: Audio,
    rtp_ports: Option<(u16, u16)>,
    wrap: impl FnOnce(Engine) -> E,
) -> Result<Phone, Box<dyn std::error::Error>> {
    let mut engine = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse()?)
        .codecs(codec_names(codec))
        .audio_factory(audio.factory(8000));
    if let Some((lo, hi)) = rtp_ports {
        engine = engine.port_range(lo, hi);
    }
    let sip = SipConfig::builder()
        .udp_bind("127.0.0.1:0".parse()?)
        .user_agent("OpenPhone call-demo")
        .build();
    Ok(Phone::builder()
        .stack(SipStack::new(sip))
        .media_engine(wrap(Engine::new(engine.build()?)))
        .build()
        .await?)
}

/// The phone's SIP UDP address, from what the stack reported at start.
pub fn sip_udp_addr(phone: &Phone) -> Result<SocketAddr, String> {
    phone
        .listening()
        .iter()
        .find_map(|l| {
            let mut parts = l.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some("sip"), Some(t), Some(a)) if t.eq_ignore_ascii_case("udp") => a.parse().ok(),
                _ => None,
            }
        })
        .ok_or_else(|| format!("no SIP UDP listener in {:?}", phone.listening()))
}

pub fn print_stats(who: &str, s: &MediaStats) {
    for line in stats_lines(who, s) {
        println!("{line}");
    }
}

/// [`print_stats`]'s lines, for whoever prints them elsewhere.
pub fn stats_lines(who: &str, s: &MediaStats) -> Vec<String> {
    let mut lines = vec![format!(
        "{who}: codec {} | sent {} pkts | received {} pkts | lost {} ({:.1}%) | jitter {:.2} ms | jitter buffer {:.0} ms | late {} | concealed {} | RTCP {}/{}",
        s.codec,
        s.packets_sent,
        s.packets_received,
        s.packets_lost,
        s.fraction_lost * 100.0,
        s.jitter_ms,
        s.jitter_buffer_delay_ms,
        s.late_frames,
        s.concealed_frames,
        s.rtcp_sent,
        s.rtcp_received,
    )];
    if let (Some(r), Some(mos)) = (s.r_factor, s.mos) {
        lines.push(format!(
            "{who}: estimated quality (ITU-T G.107 E-model): R {r:.1}, MOS {mos:.2}"
        ));
    }
    lines
}

/// Writes every frame to two sinks.
pub struct Tee<A, B> {
    a: A,
    b: B,
}

impl<A: AudioSink, B: AudioSink> Tee<A, B> {
    pub fn new(a: A, b: B) -> Self {
        Tee { a, b }
    }
}

impl<A: AudioSink, B: AudioSink> AudioSink for Tee<A, B> {
    fn sample_rate(&self) -> u32 {
        self.a.sample_rate()
    }
    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        self.a.write(frame)?;
        self.b.write(frame)
    }
    fn flush(&mut self) -> Result<(), AudioError> {
        self.a.flush()?;
        self.b.flush()
    }
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
}

/// `--rtp-ports LO-HI`: a range below 65535 with room for `pairs` RTP/RTCP
/// port pairs (each an even RTP port and the odd RTCP port after it).
pub fn parse_port_range(s: &str, pairs: u16) -> Result<(u16, u16), String> {
    let (lo, hi) = s
        .split_once('-')
        .ok_or_else(|| format!("{s:?}: expected LO-HI, e.g. 30000-39999"))?;
    let lo: u16 = lo.trim().parse().map_err(|e| format!("{lo:?}: {e}"))?;
    let hi: u16 = hi.trim().parse().map_err(|e| format!("{hi:?}: {e}"))?;
    let room = u32::from(pairs.max(1)) * 2 - 1;
    if lo > hi || u32::from(hi) - u32::from(lo) < room || hi == u16::MAX {
        return Err(format!(
            "{lo}-{hi}: need LO < HI with room for {pairs} RTP/RTCP pair(s), below 65535"
        ));
    }
    Ok((lo, hi))
}
