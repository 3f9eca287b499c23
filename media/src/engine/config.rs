//! Engine configuration and its builder.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use openphone_hal::line::{Country, Tone, TonePlan, ToneSpec};
use openphone_hal::{AudioSink, AudioSource, NullSink, NullSource};
use openphone_sal::{CallId, MediaError};

use crate::codec::CodecRegistry;

/// Opens the audio devices of a call: `(source, sink)`.
pub type AudioFactory = Arc<
    dyn Fn(CallId) -> Result<(Box<dyn AudioSource>, Box<dyn AudioSink>), MediaError> + Send + Sync,
>;

/// How the [`Engine`](super::Engine) opens sockets and runs calls.
///
/// ```
/// use std::time::Duration;
/// use openphone_media::EngineConfig;
/// let cfg = EngineConfig::builder()
///     .bind_ip("127.0.0.1".parse().unwrap())
///     .port_range(40000, 40100)
///     .codecs(["PCMA", "PCMU"])
///     .ptime(Duration::from_millis(20))
///     .rtp_timeout(Some(Duration::from_secs(30)))
///     .build()
///     .unwrap();
/// assert_eq!(cfg.rtp_port_range(), (40000, 40100));
/// ```
#[derive(Clone)]
pub struct EngineConfig {
    pub(crate) bind_ip: IpAddr,
    pub(crate) advertised_ip: Option<IpAddr>,
    pub(crate) port_min: u16,
    pub(crate) port_max: u16,
    pub(crate) codecs: Vec<String>,
    pub(crate) telephone_event: bool,
    pub(crate) comfort_noise: bool,
    pub(crate) ptime: Duration,
    pub(crate) rtp_timeout: Option<Duration>,
    pub(crate) jitter_min: Duration,
    pub(crate) jitter_max: Duration,
    pub(crate) symmetric_rtp: bool,
    pub(crate) rtcp_interval: Duration,
    pub(crate) cname: Option<String>,
    pub(crate) audio: AudioFactory,
    pub(crate) registry: Arc<CodecRegistry>,
    pub(crate) call_waiting_tone: ToneSpec,
    pub(crate) shared_device: bool,
    /// The ZRTP retained-secret cache and our ZID, shared by the calls.
    pub(crate) zrtp_cache: super::zrtp_cache::ZrtpCache,
}

impl fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineConfig")
            .field("bind_ip", &self.bind_ip)
            .field("advertised_ip", &self.advertised_ip)
            .field("ports", &(self.port_min, self.port_max))
            .field("codecs", &self.codecs)
            .field("ptime", &self.ptime)
            .field("rtp_timeout", &self.rtp_timeout)
            .field("jitter", &(self.jitter_min, self.jitter_max))
            .field("symmetric_rtp", &self.symmetric_rtp)
            .field("shared_device", &self.shared_device)
            .finish_non_exhaustive()
    }
}

impl EngineConfig {
    /// A builder with the defaults (see [`EngineConfigBuilder`]).
    pub fn builder() -> EngineConfigBuilder {
        EngineConfigBuilder::default()
    }

    /// The address RTP sockets bind to.
    pub fn bind_ip(&self) -> IpAddr {
        self.bind_ip
    }

    /// The address put into offers: the advertised one, else the bind
    /// address, else (binding the wildcard) 127.0.0.1 — an application that
    /// binds `0.0.0.0` for real peers must set [`EngineConfigBuilder::advertised_ip`].
    pub fn offer_ip(&self) -> IpAddr {
        match self.advertised_ip {
            Some(ip) => ip,
            None if !self.bind_ip.is_unspecified() => self.bind_ip,
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }

    /// The RTP port range (inclusive).
    pub fn rtp_port_range(&self) -> (u16, u16) {
        (self.port_min, self.port_max)
    }

    /// Packetisation time we send with unless the peer asks otherwise.
    pub fn ptime(&self) -> Duration {
        self.ptime
    }

    /// The codec registry, in the configured preference order.
    pub fn registry(&self) -> &CodecRegistry {
        &self.registry
    }
}

/// Builder for [`EngineConfig`].
///
/// Defaults: bind `0.0.0.0` (offer 127.0.0.1 unless `advertised_ip` is
/// set), RTP ports 16384–32767 (even RTP, RTCP = RTP + 1), the registry's
/// codec order, telephone-event on, ptime 20 ms, no RTP timeout, jitter
/// buffer 40–300 ms (one packet of cushion; see
/// [`SessionConfig::jitter_min`](crate::session::MediaSessionConfig::jitter_min)), RTCP every 5 s, no symmetric RTP, audio = hal `NullSource` (silence) +
/// `NullSink` (discard) at 8 kHz.
#[derive(Clone)]
pub struct EngineConfigBuilder {
    cfg: EngineConfig,
    registry: Option<CodecRegistry>,
    zrtp_cache: Option<std::path::PathBuf>,
}

impl Default for EngineConfigBuilder {
    fn default() -> Self {
        let audio: AudioFactory = Arc::new(|_call| {
            Ok((
                Box::new(NullSource::new(8000)) as Box<dyn AudioSource>,
                Box::new(NullSink::new(8000)) as Box<dyn AudioSink>,
            ))
        });
        EngineConfigBuilder {
            cfg: EngineConfig {
                bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                advertised_ip: None,
                port_min: 16384,
                port_max: 32767,
                codecs: Vec::new(),
                telephone_event: true,
                comfort_noise: false,
                ptime: Duration::from_millis(20),
                rtp_timeout: None,
                jitter_min: Duration::from_millis(40),
                jitter_max: Duration::from_millis(300),
                symmetric_rtp: false,
                rtcp_interval: Duration::from_secs(5),
                cname: None,
                audio,
                registry: Arc::new(CodecRegistry::with_builtin()),
                call_waiting_tone: TonePlan::for_country(Country::Us)
                    .tone(Tone::CallWaiting)
                    .clone(),
                shared_device: false,
                zrtp_cache: super::zrtp_cache::ZrtpCache::memory(),
            },
            registry: None,
            zrtp_cache: None,
        }
    }
}

impl EngineConfigBuilder {
    /// Local address to bind RTP/RTCP sockets on.
    pub fn bind_ip(mut self, ip: IpAddr) -> Self {
        self.cfg.bind_ip = ip;
        self
    }
    /// Address to put in offers (for a wildcard bind or behind NAT).
    pub fn advertised_ip(mut self, ip: IpAddr) -> Self {
        self.cfg.advertised_ip = Some(ip);
        self
    }
    /// RTP port range, inclusive; RTP takes even ports, RTCP the next odd one.
    pub fn port_range(mut self, min: u16, max: u16) -> Self {
        self.cfg.port_min = min;
        self.cfg.port_max = max;
        self
    }
    /// Codec preference by name (`"PCMU"`, `"gsm"`, `"G726-32"`, `"speex/16000"`…);
    /// codecs not named are not offered. Empty: the registry's default order.
    pub fn codecs<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cfg.codecs = names.into_iter().map(Into::into).collect();
        self
    }
    /// Whether to offer RFC 4733 telephone-event (default on).
    pub fn telephone_event(mut self, on: bool) -> Self {
        self.cfg.telephone_event = on;
        self
    }
    /// Whether to offer RFC 3389 comfort noise, `CN/8000` (default off):
    /// the peer may then stop sending during silence, and its CN packets
    /// are played as noise of their level instead of being concealed.
    pub fn comfort_noise(mut self, on: bool) -> Self {
        self.cfg.comfort_noise = on;
        self
    }
    /// Packetisation time (10–200 ms; default 20 ms).
    pub fn ptime(mut self, ptime: Duration) -> Self {
        self.cfg.ptime = ptime;
        self
    }
    /// Report [`MediaEvent::RtpTimeout`](openphone_sal::MediaEvent::RtpTimeout)
    /// when no RTP arrives for this long while receiving (default: off).
    pub fn rtp_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.cfg.rtp_timeout = timeout;
        self
    }
    /// Jitter buffer delay bounds (default 40–300 ms).
    pub fn jitter_buffer(mut self, min: Duration, max: Duration) -> Self {
        self.cfg.jitter_min = min;
        self.cfg.jitter_max = max;
        self
    }
    /// Symmetric RTP (RFC 4961-style latching): send to where the peer's
    /// RTP actually comes from once that source is learned (default off).
    /// Receiving is strict either way: RTP is played only from the learned
    /// source (see [`crate::session::latch`]).
    pub fn symmetric_rtp(mut self, on: bool) -> Self {
        self.cfg.symmetric_rtp = on;
        self
    }
    /// Nominal RTCP report interval (default 5 s, RFC 3550 §6.2's minimum;
    /// randomised ×0.5–1.5). Shorter values are for tests and LANs.
    pub fn rtcp_interval(mut self, interval: Duration) -> Self {
        self.cfg.rtcp_interval = interval;
        self
    }
    /// RTCP CNAME (default `openphone@<offer ip>`).
    pub fn cname(mut self, cname: impl Into<String>) -> Self {
        self.cfg.cname = Some(cname.into());
        self
    }
    /// Whether the audio factory opens the one local device that every
    /// call shares (a softphone with a headset). Then every call plays
    /// through the mixer, which opens the device once: a second call while
    /// the first is held shares it, a held call is neither heard nor hears,
    /// and a call arriving while another runs plays the call-waiting tone
    /// ([`call_waiting_tone`](Self::call_waiting_tone)). Off by default:
    /// each call has devices of its own (files, per-call streams, a media
    /// server with many calls) and only an explicit
    /// [`MediaEngine::join`](openphone_sal::MediaEngine::join) mixes.
    pub fn shared_device(mut self, on: bool) -> Self {
        self.cfg.shared_device = on;
        self
    }
    /// The tone the local user hears while a call waits (default: the
    /// US plan's call-waiting tone; see `openphone_hal::line::TonePlan`).
    pub fn call_waiting_tone(mut self, tone: ToneSpec) -> Self {
        self.cfg.call_waiting_tone = tone;
        self
    }
    /// Opens each call's audio devices. While calls share the local device
    /// (a local conference, call waiting) the mixer opens it once through
    /// this factory, with the id of the call that started the sharing, and
    /// the calls' own devices are closed.
    pub fn audio_factory(mut self, f: AudioFactory) -> Self {
        self.cfg.audio = f;
        self
    }
    /// Uses another codec registry (e.g. with extra codecs registered).
    pub fn registry(mut self, registry: CodecRegistry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Keeps ZRTP retained secrets (RFC 6189 §4.9) and our ZID in the file
    /// at `path` (created when missing, opened by [`build`](Self::build)),
    /// so a later call, also after a restart, proves continuity with the
    /// same peer. Default: in memory with a random ZID, for this engine's
    /// lifetime only.
    pub fn zrtp_cache(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.zrtp_cache = Some(path.into());
        self
    }

    /// Validates and builds.
    pub fn build(mut self) -> Result<EngineConfig, MediaError> {
        if let Some(path) = self.zrtp_cache.take() {
            self.cfg.zrtp_cache = super::zrtp_cache::ZrtpCache::file(&path)?;
        }
        let c = &self.cfg;
        if c.port_min > c.port_max || c.port_max - c.port_min < 1 || c.port_max == u16::MAX {
            return Err(MediaError::Other(format!(
                "invalid RTP port range {}-{} (need two ports, below 65535)",
                c.port_min, c.port_max
            )));
        }
        if c.ptime < Duration::from_millis(10) || c.ptime > Duration::from_millis(200) {
            return Err(MediaError::Other(format!(
                "ptime {:?} outside 10-200 ms",
                c.ptime
            )));
        }
        if c.rtcp_interval < Duration::from_millis(100) {
            return Err(MediaError::Other("RTCP interval below 100 ms".into()));
        }
        if c.jitter_min > c.jitter_max || c.jitter_max > Duration::from_secs(2) {
            return Err(MediaError::Other(
                "jitter buffer bounds must satisfy min <= max <= 2 s".into(),
            ));
        }
        let mut registry = self
            .registry
            .take()
            .unwrap_or_else(|| (*self.cfg.registry).clone());
        if !self.cfg.codecs.is_empty() {
            registry
                .set_preference(&self.cfg.codecs)
                .map_err(|e| MediaError::Codec(e.to_string()))?;
        }
        registry.set_telephone_event(self.cfg.telephone_event);
        registry.set_comfort_noise(self.cfg.comfort_noise);
        self.cfg.registry = Arc::new(registry);
        Ok(self.cfg)
    }
}
