//! The media engine: [`Engine`] implements [`openphone_sal::MediaEngine`],
//! one RTP/RTCP socket pair and one tokio task per call.
//!
//! `create_session` binds the sockets (RTP on an even port, RTCP on the next)
//! and returns a session whose `local_description` lists the configured codecs;
//! `apply` builds the codec pipeline (checked synchronously, so an unusable
//! negotiation is an error to the caller) and starts or updates the task;
//! `stop` sends RTCP BYE and ends the task, which closes the sockets.
//!
//! Per packet time the task reads one frame from the source (resampled at
//! the device boundary when the device rate is not the codec's), encodes
//! and sends it — or, while an RFC 4733 event is being sent, sends the
//! event's packets instead of audio — then plays one packet time from the
//! jitter buffer (decoding, or concealing a lost packet) into the sink.
//! Incoming RTP is checked by the RTP session (source validation, SSRC
//! collision, statistics) before it reaches the jitter buffer; RTCP goes
//! out every ~5 s (see [`crate::rtp::session`]) and is also accepted
//! multiplexed on the RTP port. With [`EngineConfigBuilder::symmetric_rtp`]
//! the session latches onto the address the peer's validated RTP comes
//! from (for peers behind NAT); off by default, because it lets whoever
//! sends valid RTP first redirect our media.
//!
//! Not implemented (reported, not faked): SRTP/ZRTP, comfort noise (CN
//! packets are dropped), RFC 4733 long-event segmentation (events are
//! capped at 8 s), playing received codecs whose sample rate differs from
//! the send codec's (their packets are dropped).
//!
//! ```no_run
//! use std::sync::Arc;
//! use openphone_media::{Engine, EngineConfig};
//! use openphone_sal::{CallId, MediaEngine, MediaEventSink};
//! # async fn demo() -> Result<(), openphone_sal::MediaError> {
//! let engine = Engine::new(
//!     EngineConfig::builder().bind_ip("127.0.0.1".parse().unwrap()).build()?,
//! );
//! let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
//! let call = CallId::next();
//! let media = engine.create_session(call, MediaEventSink::new(call, tx))?;
//! let offer = media.local_description(); // goes into SDP (or H.245)
//! # let _ = offer; Ok(()) }
//! ```

mod agreed;
mod config;
mod pipeline;
mod task;

use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openphone_sal::{
    CallId, CallMedia, MediaDescription, MediaEngine, MediaError, MediaEventSink, MediaStats,
    NegotiatedMedia, StreamDescription,
};
use tokio::sync::mpsc;

pub use config::{AudioFactory, EngineConfig, EngineConfigBuilder};

use agreed::Agreed;
use pipeline::Pipeline;
use task::{Cmd, Task, TaskConfig};

use crate::rtp::{RtpSession, SessionConfig};

/// Creates RTP media sessions for calls.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Arc<EngineConfig>,
    /// Next port pair to try, as an offset into the range (spreads calls
    /// over the range so a just-closed port is not reused at once).
    next_port: Arc<AtomicU32>,
}

impl Engine {
    /// An engine with this configuration.
    pub fn new(config: EngineConfig) -> Self {
        Engine {
            config: Arc::new(config),
            next_port: Arc::new(AtomicU32::new(0)),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    fn bind_pair(&self) -> Result<(StdUdpSocket, StdUdpSocket), MediaError> {
        let (min, max) = self.config.rtp_port_range();
        let first_even = (min as u32).div_ceil(2) * 2;
        let last_even = ((max as u32).saturating_sub(1)) / 2 * 2; // RTCP must fit
        if first_even > last_even {
            return Err(MediaError::Other(format!(
                "RTP port range {min}-{max} holds no even/odd pair"
            )));
        }
        let pairs = (last_even - first_even) / 2 + 1;
        let start = self.next_port.fetch_add(1, Ordering::Relaxed) % pairs;
        let mut last_err = None;
        for i in 0..pairs {
            let port = first_even + ((start + i) % pairs) * 2;
            let ip = self.config.bind_ip();
            let rtp = match StdUdpSocket::bind(SocketAddr::new(ip, port as u16)) {
                Ok(s) => s,
                Err(e) => {
                    last_err = Some(e);
                    continue;
                }
            };
            match StdUdpSocket::bind(SocketAddr::new(ip, port as u16 + 1)) {
                Ok(rtcp) => {
                    self.next_port.store(start + i + 1, Ordering::Relaxed);
                    rtp.set_nonblocking(true)?;
                    rtcp.set_nonblocking(true)?;
                    return Ok((rtp, rtcp));
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(MediaError::Socket(last_err.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::AddrInUse, "no free RTP port pair")
        })))
    }
}

impl MediaEngine for Engine {
    fn create_session(
        &self,
        call: CallId,
        events: MediaEventSink,
    ) -> Result<Box<dyn CallMedia>, MediaError> {
        let (rtp, rtcp) = self.bind_pair()?;
        let port = rtp.local_addr()?.port();
        let local = SocketAddr::new(self.config.offer_ip(), port);
        tracing::debug!(%call, %local, "media session created");
        Ok(Box::new(Session {
            call,
            config: self.config.clone(),
            events,
            local,
            sockets: Some((rtp, rtcp)),
            cmds: None,
            running: None,
            stats: Arc::new(Mutex::new(MediaStats::default())),
            stopped: false,
            device_rates: (8000, 8000),
        }))
    }
}

/// One call's media: implements [`CallMedia`].
pub struct Session {
    call: CallId,
    config: Arc<EngineConfig>,
    events: MediaEventSink,
    local: SocketAddr,
    sockets: Option<(StdUdpSocket, StdUdpSocket)>,
    cmds: Option<mpsc::Sender<Cmd>>,
    running: Option<Agreed>,
    stats: Arc<Mutex<MediaStats>>,
    stopped: bool,
    /// Device rates (source, sink) of the running task.
    device_rates: (u32, u32),
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("call", &self.call)
            .field("local", &self.local)
            .field("running", &self.running.is_some())
            .finish_non_exhaustive()
    }
}

/// NTP time (RFC 5905 64-bit format) now, for RTCP sender reports.
fn ntp_now() -> u64 {
    const NTP_UNIX_OFFSET: u64 = 2_208_988_800;
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let secs = d.as_secs() + NTP_UNIX_OFFSET;
    let frac = ((d.subsec_nanos() as u64) << 32) / 1_000_000_000;
    (secs << 32) | frac
}

impl Session {
    fn start(
        &mut self,
        n: &Agreed,
        pipeline: Pipeline,
        source_sink: SourceSink,
    ) -> Result<(), MediaError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            MediaError::Other("CallMedia::apply must be called inside a tokio runtime".into())
        })?;
        let (rtp, rtcp) = self.sockets.take().ok_or(MediaError::NotStarted)?;
        let _guard = handle.enter();
        let rtp = tokio::net::UdpSocket::from_std(rtp)?;
        let rtcp = tokio::net::UdpSocket::from_std(rtcp)?;
        let local_addr = rtp.local_addr().ok();
        let now = Instant::now();
        let cname = self
            .config
            .cname
            .clone()
            .unwrap_or_else(|| format!("openphone@{}", self.config.offer_ip()));
        let mut scfg = SessionConfig::new(cname, pipeline.encoder.info().rtp_clock_rate);
        scfg.local_addr = local_addr;
        scfg.rtcp_interval = self.config.rtcp_interval;
        let session = RtpSession::new(now, ntp_now(), scfg, rand::random());
        let (source, sink) = source_sink;
        let task = Task::new(
            self.call,
            self.events.clone(),
            rtp,
            rtcp,
            Box::new(pipeline),
            source,
            sink,
            session,
            TaskConfig {
                rtp_timeout: self.config.rtp_timeout,
                jitter_min: self.config.jitter_min,
                jitter_max: self.config.jitter_max,
                symmetric_rtp: self.config.symmetric_rtp,
            },
            self.stats.clone(),
            now,
        );
        let (tx, rx) = mpsc::channel(64);
        let span = tracing::info_span!("media", call = %self.call);
        handle.spawn(tracing::Instrument::instrument(task.run(rx), span));
        self.cmds = Some(tx);
        self.running = Some(n.clone());
        Ok(())
    }
}

type SourceSink = (
    Box<dyn openphone_hal::AudioSource>,
    Box<dyn openphone_hal::AudioSink>,
);

impl CallMedia for Session {
    fn local_description(&self) -> MediaDescription {
        let mut audio = StreamDescription::audio(self.local).with_ptime(self.config.ptime());
        audio.codecs = self.config.registry().supported();
        MediaDescription::from(audio)
    }

    fn apply(&mut self, negotiated: &NegotiatedMedia) -> Result<(), MediaError> {
        let n = &Agreed::from_negotiated(negotiated)?;
        if self.stopped {
            return Err(MediaError::NotStarted);
        }
        match &self.cmds {
            None => {
                let (source, sink) = (self.config.audio)(self.call)?;
                self.device_rates = (source.sample_rate(), sink.sample_rate());
                let pipeline = Pipeline::new(
                    self.config.registry(),
                    n,
                    source.sample_rate(),
                    sink.sample_rate(),
                )?;
                self.start(n, pipeline, (source, sink))
            }
            Some(tx) => {
                // Devices stay open; only the codec side is rebuilt.
                let (src_rate, sink_rate) = self.device_rates;
                let pipeline = Pipeline::new(self.config.registry(), n, src_rate, sink_rate)?;
                tx.try_send(Cmd::Apply(Box::new(pipeline)))
                    .map_err(|_| MediaError::Other("media task not responding".into()))?;
                self.running = Some(n.clone());
                Ok(())
            }
        }
    }

    fn send_dtmf(&mut self, digit: char, duration: Duration) -> Result<(), MediaError> {
        if crate::dtmf::event_code(digit).is_none() {
            return Err(MediaError::Other(format!("{digit:?} is not a DTMF digit")));
        }
        let (Some(tx), Some(n)) = (&self.cmds, &self.running) else {
            return Err(MediaError::NotStarted);
        };
        if n.send_telephone_event.is_none() {
            return Err(MediaError::Codec(
                "the peer did not accept telephone-event".into(),
            ));
        }
        if !n.direction.sends() {
            return Err(MediaError::Other(
                "cannot send DTMF while not sending media".into(),
            ));
        }
        tx.try_send(Cmd::Dtmf(digit, duration))
            .map_err(|_| MediaError::Other("DTMF queue full".into()))
    }

    fn stats(&self) -> MediaStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.sockets = None;
        if let Some(tx) = self.cmds.take() {
            // The task sends RTCP BYE, flushes the sink and drops the sockets.
            let _ = tx.try_send(Cmd::Stop);
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}
