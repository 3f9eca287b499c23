//! The media engine: [`Engine`] implements [`openphone_sal::MediaEngine`],
//! one RTP/RTCP socket pair and one tokio task per call, each task a thin
//! driver around the sans-IO [`MediaSession`].
//!
//! `create_session` binds the sockets (RTP on an even port chosen at random
//! in the configured range, RTCP on the next) and returns a session whose
//! `local_description` lists the configured codecs; `apply` checks what was
//! agreed and builds the encoder synchronously
//! ([`MediaPlan`], so an unusable negotiation
//! is an error to the caller) and starts or updates the task; `stop` sends
//! RTCP BYE and ends the task, which closes the sockets.
//!
//! Per packet time the task reads one frame from the source (resampled at
//! the device boundary when the device rate is not the codec's), hands it
//! to the session (which encodes and sends it, or RFC 4733 packets instead
//! while a digit is being sent), then plays one packet time from the
//! session (jitter buffer, decoding, concealment, comfort noise) into the
//! sink. Incoming datagrams on either socket go to the session, which
//! tells RTP from RTCP (RFC 5761). RTP is played only from the learned
//! source address (see [`crate::session::latch`]: the signalled address at
//! once, another after three coherent packets, a change only after a
//! second of silence); with [`EngineConfigBuilder::symmetric_rtp`] we also
//! *send* to that learned address (for peers behind NAT). Statistics are
//! published after every tick through atomics, read without a lock.
//!
//! # Calls sharing the local device
//!
//! A call plays on devices of its own (from the audio factory) until it
//! shares the local device with others — from the start when the factory
//! opens the one local device ([`EngineConfigBuilder::shared_device`]): [`MediaEngine::join`] (the phone's
//! `conference`) puts calls into one mix, where each hears the others and
//! the local user, never itself, and the local user hears them all;
//! [`MediaEngine::split`] takes one back to a device of its own;
//! with a shared device, [`MediaEngine::call_waiting`] moves the running
//! calls into the mix and
//! plays the call-waiting tone ([`EngineConfigBuilder::call_waiting_tone`])
//! to the local user until the new call's media starts or ends; answering
//! it parks the calls already mixed (held in the mix at once, before any
//! hold is signalled) until each is resumed or conferenced. While the
//! mix owns the local device, calls that start join it; a call we hold
//! (our media not receiving) is neither heard nor hears. The mix runs on a
//! thread of its own with the [`crate::mixer::Mixer`] and the device (one
//! 20 ms tick: microphone in, mix, each call its frame, speaker out); each
//! mixed call's task exchanges one frame per packet time with it through
//! two lock-free rings, so device calls stay off the async runtime and the
//! steady state allocates nothing. Mixed calls need a packet time that is a
//! multiple of 20 ms. Volumes and mutes ([`Engine::set_call_volume`],
//! [`Engine::set_call_muted`], [`Engine::set_master_volume`],
//! [`Engine::set_microphone_muted`]) apply on either path.
//!
//! Not implemented (reported, not faked): SRTP/ZRTP, sending comfort noise
//! (received CN is played), RFC 4733 long-event segmentation (events are
//! capped at 8 s), playing received codecs whose sample rate differs from
//! the send codec's (their packets are dropped), a driver running many
//! sessions per thread (issue "Media engine v2", next step), music on hold
//! from the mix (the mixer has it; the engine does not feed it yet).
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

mod calls;
mod config;
mod controls;
mod devices;
mod hub;
mod ring;
mod security;
mod shared;
mod task;
mod zrtp_cache;

use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openphone_sal::{
    CallId, CallMedia, MediaDescription, MediaDirection, MediaEncryption, MediaEngine, MediaError,
    MediaEventSink, MediaLoop, MediaStats, NegotiatedMedia, SecurityPolicy, SecurityState,
    StreamDescription,
};
use tokio::sync::mpsc;

pub use config::{AudioFactory, EngineConfig, EngineConfigBuilder};

use calls::Calls;
use controls::{checked_db, CallControls};
use devices::Devices;
use shared::SharedStats;
use task::{AudioPath, Cmd, Mixed, Task};

use crate::session::{MediaPlan, MediaSession, MediaSessionConfig};

/// Creates RTP media sessions for calls, and mixes the calls that share
/// the local device.
#[derive(Clone)]
pub struct Engine {
    config: Arc<EngineConfig>,
    calls: Arc<Calls>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("mixed", &self.calls.mixed())
            .finish()
    }
}

fn bad_db(db: f32) -> MediaError {
    MediaError::Other(format!("volume must be a finite number of dB, got {db}"))
}

impl Engine {
    /// An engine with this configuration.
    pub fn new(config: EngineConfig) -> Self {
        let config = Arc::new(config);
        Engine {
            calls: Arc::new(Calls::new(config.clone())),
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Sets how loud `call` is heard, in dB (0 = as received; clamped to
    /// [`MIN_GAIN_DB`](crate::mixer::MIN_GAIN_DB)..=[`MAX_GAIN_DB`](crate::mixer::MAX_GAIN_DB)):
    /// by the local user, and in a conference by the other calls too.
    /// Takes effect at the next packet time; kept across join and split.
    pub fn set_call_volume(&self, call: CallId, db: f32) -> Result<(), MediaError> {
        let db = checked_db(db).ok_or_else(|| bad_db(db))?;
        self.calls.controls(call)?.volume_db.store(db);
        Ok(())
    }

    /// The volume set with [`set_call_volume`](Self::set_call_volume).
    pub fn call_volume(&self, call: CallId) -> Result<f32, MediaError> {
        Ok(self.calls.controls(call)?.volume_db.load())
    }

    /// Mutes `call`: nobody hears it (neither the local user nor, in a
    /// conference, the other calls); it still hears the others.
    pub fn set_call_muted(&self, call: CallId, muted: bool) -> Result<(), MediaError> {
        self.calls
            .controls(call)?
            .muted
            .store(muted, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Whether `call` is muted.
    pub fn is_call_muted(&self, call: CallId) -> Result<bool, MediaError> {
        Ok(self
            .calls
            .controls(call)?
            .muted
            .load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Sets the master volume in dB: how loud the local user hears
    /// everything (every call, and tones), on top of each call's volume.
    pub fn set_master_volume(&self, db: f32) -> Result<(), MediaError> {
        let db = checked_db(db).ok_or_else(|| bad_db(db))?;
        self.calls.local.master_db.store(db);
        Ok(())
    }

    /// The volume set with [`set_master_volume`](Self::set_master_volume).
    pub fn master_volume(&self) -> f32 {
        self.calls.local.master_db.load()
    }

    /// Mutes the local microphone for every call (they then hear only
    /// each other in a conference).
    pub fn set_microphone_muted(&self, muted: bool) {
        self.calls
            .local
            .mic_muted
            .store(muted, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the microphone is muted.
    pub fn is_microphone_muted(&self) -> bool {
        self.calls
            .local
            .mic_muted
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The calls whose audio goes through the mixer now, in id order.
    pub fn mixed_calls(&self) -> Vec<CallId> {
        self.calls.mixed()
    }

    /// Whether the mixer owns the local device now (a conference, or
    /// calls sharing it around call waiting).
    pub fn is_device_shared(&self) -> bool {
        self.calls.hub_running()
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
        // A random first try: a call's port must not be guessable from the
        // range (the first call always on its first port invited RTP
        // injection), and a just-closed port is rarely reused at once.
        let start = rand::random::<u32>() % pairs;
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
        let controls = self.calls.register(call);
        Ok(Box::new(Session {
            call,
            calls: self.calls.clone(),
            controls,
            config: self.config.clone(),
            events,
            local,
            sockets: Some((rtp, rtcp)),
            cmds: None,
            applied: None,
            security: security::CallSecurity::default(),
            stats: Arc::new(SharedStats::default()),
            stopped: false,
        }))
    }

    /// SDES-keyed SRTP (every suite of [`crate::srtp::SrtpSuite::ALL`])
    /// and ZRTP (RFC 6189, [`crate::zrtp`]; retained secrets in
    /// [`EngineConfigBuilder::zrtp_cache`]).
    fn supports_encryption(&self, method: MediaEncryption) -> bool {
        matches!(
            method,
            MediaEncryption::None | MediaEncryption::Sdes | MediaEncryption::Zrtp
        )
    }

    /// Mixes `calls` into one local conference on the local device: each
    /// call hears the others and the local user, never itself; the local
    /// user hears every call. Calls already mixed stay; a call we hold
    /// stays held (not heard, hearing nothing) until resumed. Every call
    /// must have started media with a packet time that is a multiple of
    /// 20 ms; nothing moves unless all can.
    fn join(&self, calls: &[CallId]) -> Result<(), MediaError> {
        self.calls.join(calls)
    }

    fn set_call_volume(&self, call: CallId, db: f32) -> Result<(), MediaError> {
        Engine::set_call_volume(self, call, db)
    }

    fn set_call_muted(&self, call: CallId, muted: bool) -> Result<(), MediaError> {
        Engine::set_call_muted(self, call, muted)
    }

    fn set_master_volume(&self, db: f32) -> Result<(), MediaError> {
        Engine::set_master_volume(self, db)
    }

    fn set_microphone_muted(&self, muted: bool) -> Result<(), MediaError> {
        Engine::set_microphone_muted(self, muted);
        Ok(())
    }

    /// Takes `call` out of the mix back to a device of its own (opened
    /// through the audio factory). The local device is closed by the mixer
    /// once no call is left in it.
    fn split(&self, call: CallId) -> Result<(), MediaError> {
        self.calls.split(call)
    }

    /// With a shared device ([`EngineConfigBuilder::shared_device`]), plays
    /// the configured call-waiting tone to the local user through the
    /// mixer (moving the running calls into it) until `call`'s media starts
    /// or ends, or `waiting` is false; answering `call` then parks the other
    /// calls in the mix. Without one, `Unsupported`: each call has devices
    /// of its own and nothing is mixed unasked.
    fn call_waiting(&self, call: CallId, waiting: bool) -> Result<(), MediaError> {
        self.calls
            .call_waiting(call, waiting, &self.config.call_waiting_tone)
    }
}

/// What the handle knows of the running media, to answer at once.
#[derive(Debug, Clone)]
struct Applied {
    codec: String,
    packet_time: Duration,
    direction: MediaDirection,
    has_send: bool,
    telephone_event: bool,
}

impl Applied {
    fn of(plan: &MediaPlan) -> Self {
        Applied {
            codec: plan.codec_name().to_string(),
            packet_time: plan.format().packet_time,
            direction: plan.direction(),
            has_send: plan.has_send(),
            telephone_event: plan.sends_telephone_event(),
        }
    }
}

/// One call's media: implements [`CallMedia`].
pub struct Session {
    call: CallId,
    calls: Arc<Calls>,
    controls: Arc<CallControls>,
    config: Arc<EngineConfig>,
    events: MediaEventSink,
    local: SocketAddr,
    sockets: Option<(StdUdpSocket, StdUdpSocket)>,
    cmds: Option<mpsc::Sender<Cmd>>,
    applied: Option<Applied>,
    security: security::CallSecurity,
    stats: Arc<SharedStats>,
    stopped: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("call", &self.call)
            .field("local", &self.local)
            .field("running", &self.cmds.is_some())
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
    fn session_config(&self, local_rtp: Option<SocketAddr>) -> MediaSessionConfig {
        let c = &self.config;
        let cname = c
            .cname
            .clone()
            .unwrap_or_else(|| format!("openphone@{}", c.offer_ip()));
        let mut s = MediaSessionConfig::new(cname, c.registry.clone());
        s.rtcp_interval = c.rtcp_interval;
        s.rtp_timeout = c.rtp_timeout;
        s.jitter_min = c.jitter_min;
        s.jitter_max = c.jitter_max;
        s.symmetric_rtp = c.symmetric_rtp;
        s.local_rtp = local_rtp;
        s
    }

    fn start(&mut self, plan: MediaPlan) -> Result<(), MediaError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            MediaError::Other("CallMedia::apply must be called inside a tokio runtime".into())
        })?;
        if self.sockets.is_none() {
            return Err(MediaError::NotStarted);
        }
        let format = plan.format();
        let (tx, rx) = mpsc::channel(64);
        // The mixer's, when it owns the local device; else the call's own.
        let audio = match self.calls.started(self.call, tx.clone(), format) {
            Some(link) => AudioPath::Mixed(Mixed::new(link)),
            None => {
                let opened = (self.config.audio)(self.call)
                    .and_then(|(source, sink)| Devices::new(source, sink, format));
                match opened {
                    Ok(d) => AudioPath::Own(Box::new(d)),
                    Err(e) => {
                        self.calls.stopped(self.call);
                        return Err(e);
                    }
                }
            }
        };
        let (rtp, rtcp) = self.sockets.take().ok_or(MediaError::NotStarted)?;
        let _guard = handle.enter();
        let rtp = tokio::net::UdpSocket::from_std(rtp)?;
        let rtcp = tokio::net::UdpSocket::from_std(rtcp)?;
        let scfg = self.session_config(rtp.local_addr().ok());
        // The driver supplies what the core may not take itself: the
        // clock, the wall-clock time and randomness.
        let now = Instant::now();
        let mut session = MediaSession::with_plan(scfg, plan, now, ntp_now(), rand::random());
        if let Some((zrtp, required)) = self.security.take_zrtp() {
            // Before the first packet: with `required` none leaves clear.
            session.start_zrtp(now, zrtp, required);
        }
        let task = Task::new(
            self.call,
            self.events.clone(),
            (rtp, rtcp),
            session,
            audio,
            (self.controls.clone(), self.calls.local.clone()),
            (self.stats.clone(), self.security.shared()),
        );
        let span = tracing::info_span!("media", call = %self.call);
        handle.spawn(tracing::Instrument::instrument(task.run(rx), span));
        self.cmds = Some(tx);
        Ok(())
    }
}

impl CallMedia for Session {
    fn local_description(&self) -> MediaDescription {
        let mut audio = StreamDescription::audio(self.local).with_ptime(self.config.ptime());
        audio.codecs = self.config.registry().supported();
        self.security.describe(&mut audio);
        MediaDescription::from(audio)
    }

    fn set_security(&mut self, policy: SecurityPolicy) -> Result<(), MediaError> {
        if self.cmds.is_some() {
            return Err(MediaError::Other(
                "the security policy is set before media starts".into(),
            ));
        }
        self.security.set_policy(policy, &self.config.zrtp_cache)
    }

    fn security(&self) -> SecurityState {
        self.security.state()
    }

    /// Records the user's SAS comparison in the ZRTP cache (sent as the V
    /// flag on later calls) and reports it in [`security`](Self::security).
    fn set_sas_verified(&mut self, verified: bool) -> Result<(), MediaError> {
        if !self.security.is_zrtp() {
            return Err(MediaError::Unsupported(
                "SAS verification (no ZRTP on this call)",
            ));
        }
        let tx = self.cmds.as_ref().ok_or(MediaError::NotStarted)?;
        tx.try_send(Cmd::SasVerified(verified))
            .map_err(|_| MediaError::Other("media task not responding".into()))
    }

    fn apply(&mut self, negotiated: &NegotiatedMedia) -> Result<(), MediaError> {
        if self.stopped {
            return Err(MediaError::NotStarted);
        }
        // Checked and built here, so a bad negotiation is the caller's error.
        self.security.check(negotiated)?;
        let plan = MediaPlan::new(self.config.registry(), negotiated)?;
        let applied = Applied::of(&plan);
        let suite = plan.srtp_suite();
        match &self.cmds {
            None => self.start(plan)?,
            Some(tx) => {
                let format = plan.format();
                tx.try_send(Cmd::Apply(Box::new(plan)))
                    .map_err(|_| MediaError::Other("media task not responding".into()))?;
                // A mixed call's link follows the new format.
                self.calls.reformat(self.call, format)?;
            }
        }
        self.applied = Some(applied);
        self.security.applied(suite);
        Ok(())
    }

    fn send_dtmf(&mut self, digit: char, duration: Duration) -> Result<(), MediaError> {
        if crate::dtmf::event_code(digit).is_none() {
            return Err(MediaError::Other(format!("{digit:?} is not a DTMF digit")));
        }
        let (Some(tx), Some(a)) = (&self.cmds, &self.applied) else {
            return Err(MediaError::NotStarted);
        };
        if a.has_send && !a.telephone_event {
            return Err(MediaError::Codec(
                "the peer did not accept telephone-event".into(),
            ));
        }
        if !a.has_send || !a.direction.sends() {
            return Err(MediaError::Other(
                "cannot send DTMF while not sending media".into(),
            ));
        }
        tx.try_send(Cmd::Dtmf(digit, duration))
            .map_err(|_| MediaError::Other("DTMF queue full".into()))
    }

    fn stats(&self) -> MediaStats {
        let mut m = MediaStats::default();
        self.stats.read_into(&mut m);
        if let Some(a) = &self.applied {
            m.codec.clone_from(&a.codec);
            rate_quality(&mut m, a.packet_time);
        }
        m
    }

    fn set_loop(&mut self, mode: MediaLoop) -> Result<(), MediaError> {
        if self.stopped {
            return Err(MediaError::NotStarted);
        }
        // Read by the task every tick; set before media starts, it holds
        // from the first packet.
        self.controls.loop_mode.store(mode);
        tracing::debug!(call = %self.call, %mode, "media loop");
        Ok(())
    }

    fn stop(&mut self) {
        if !self.stopped {
            self.calls.stopped(self.call);
        }
        self.stopped = true;
        self.sockets = None;
        if let Some(tx) = self.cmds.take() {
            // The task sends RTCP BYE, flushes the sink and drops the sockets.
            let _ = tx.try_send(Cmd::Stop);
        }
    }
}

/// Fills the E-model estimate (ITU-T G.107, [`crate::quality`]) from the
/// running figures; computed when the statistics are read, never per packet.
fn rate_quality(s: &mut MediaStats, frame: Duration) {
    if s.packets_received == 0 {
        return;
    }
    let ms = |v: f32| Duration::from_secs_f64(f64::from(v.max(0.0)) / 1000.0);
    let figures = crate::quality::CallFigures {
        codec: s.codec.clone(),
        frame,
        packets_received: s.packets_received,
        packets_lost: s.packets_lost,
        packets_discarded: s.late_frames,
        jitter: ms(s.jitter_ms),
        rtt: s.rtt_ms.map(ms),
        jitter_buffer_mean: ms(s.jitter_buffer_delay_ms),
        concealed: frame * u32::try_from(s.concealed_frames).unwrap_or(u32::MAX),
        ..Default::default()
    };
    let report = crate::quality::QualityReport::new(&figures);
    s.r_factor = Some(report.r_factor as f32);
    s.mos = Some(report.mos as f32);
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}
