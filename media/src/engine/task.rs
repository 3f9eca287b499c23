//! The per-call tokio task: a thin driver around the sans-IO
//! [`MediaSession`] that owns the two sockets, the packet-time tick and the
//! devices. Everything else (latching, RTP/RTCP, jitter buffer, DTMF, RTP
//! timeout, statistics) is the session's.
//!
//! Pacing: a `tokio::time::interval` of one packet time with
//! `MissedTickBehavior::Burst`. Burst keeps the long-run packet rate exactly
//! the nominal one (a late tick is followed by quicker ones), so RTP
//! timestamps, which advance one packet per tick, never drift from real
//! time and a file source plays at its true speed; `Delay` would lose a
//! packet's worth of time on every hiccup and the peer's jitter buffer would
//! see the stream slowly fall behind. A stall longer than 10 packets (process
//! suspended) is not replayed as a flood: the timestamp jumps over the gap
//! ([`MediaSession::skip_audio`]) and the interval restarts.
//!
//! Audio goes one of two ways ([`AudioPath`]): the call's own devices, or,
//! while the local device is shared ([`super::hub`]), two lock-free rings
//! to the mixer thread; [`Cmd::Join`] and [`Cmd::Split`] switch between
//! them without stopping the call.
//!
//! A maintenance loop ([`MediaLoop`], read from the call's controls every
//! tick) turns audio back at this task: the captured frame to the playout
//! (circuit), or the decoded frame to the encoder (network).

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_sal::{CallId, MediaEvent, MediaEventSink, MediaLoop, SecurityState};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior};

use super::controls::{CallControls, LocalControls};
use super::devices::Devices;
use super::hub::PartyLink;
use super::shared::SharedStats;
use crate::mixer::gain::{saturate, Gain};
use crate::session::{MediaPlan, MediaSession, Via};

/// Commands from the `CallMedia` handle.
pub(crate) enum Cmd {
    Apply(Box<MediaPlan>),
    Dtmf(char, Duration),
    /// The user compared the ZRTP SAS (or withdrew it).
    SasVerified(bool),
    /// Play through the mixer from now on.
    Join(Arc<PartyLink>),
    /// Play on these devices from now on.
    Split(Box<Devices>),
    Stop,
}

/// Where a call's audio comes from and goes to.
pub(crate) enum AudioPath {
    /// Its own source and sink.
    Own(Box<Devices>),
    /// The mixer, through a [`PartyLink`].
    Mixed(Mixed),
}

/// A call's end of its link to the mixer, with its frame buffers.
pub(crate) struct Mixed {
    link: Arc<PartyLink>,
    /// What the peer said, going up.
    heard: Vec<i16>,
    /// What the peer is to hear, coming down.
    said: Vec<i16>,
    /// Frames the mixer had no room for, or did not deliver in time.
    dropped_up: u64,
    missing_down: u64,
}

impl Mixed {
    pub(crate) fn new(link: Arc<PartyLink>) -> Mixed {
        let n = link.up.frame_len();
        Mixed {
            link,
            heard: vec![0; n],
            said: vec![0; n],
            dropped_up: 0,
            missing_down: 0,
        }
    }
}

/// The playout gain of a call on its own devices: its volume plus the
/// master volume, recomputed only when either changes.
struct OwnGain {
    key: (f32, f32),
    gain: Gain,
}

impl OwnGain {
    fn apply(&mut self, volume: f32, master: f32, pcm: &mut [i16]) {
        if self.key != (volume, master) {
            self.gain = Gain::from_db(volume + master).unwrap_or(Gain::UNITY);
            self.key = (volume, master);
        }
        if self.key != (0.0, 0.0) {
            for s in pcm.iter_mut() {
                *s = saturate(self.gain.apply(i32::from(*s)));
            }
        }
    }
}

/// Datagrams taken from one socket per wake-up before the task looks at
/// its other work (the tick must not starve under a flood).
const MAX_BATCH: usize = 32;

thread_local! {
    /// The receive buffer, one per runtime thread instead of one per call:
    /// a datagram is read and handed to the session without an await in
    /// between, so calls on a thread never need it at the same time.
    static RECV_BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; MAX_DATAGRAM]);
}

/// Receive buffer size. A datagram that fills it may have been truncated by
/// the OS and is dropped (RTP for audio is far smaller).
const MAX_DATAGRAM: usize = 2048;

pub(crate) struct Task {
    call: CallId,
    events: MediaEventSink,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    session: MediaSession,
    audio: AudioPath,
    controls: Arc<CallControls>,
    local: Arc<LocalControls>,
    own_gain: OwnGain,
    shared: Arc<SharedStats>,
    /// The security state for the handle (ZRTP reaches it here).
    security: Arc<std::sync::Mutex<SecurityState>>,
    truncated: u64,
    /// The captured frame while the circuit is looped.
    loop_buf: Vec<i16>,
}

fn interval(period: Duration) -> Interval {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    tick
}

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl Task {
    pub fn new(
        call: CallId,
        events: MediaEventSink,
        (rtp, rtcp): (UdpSocket, UdpSocket),
        session: MediaSession,
        audio: AudioPath,
        (controls, local): (Arc<CallControls>, Arc<LocalControls>),
        (shared, security): (Arc<SharedStats>, Arc<std::sync::Mutex<SecurityState>>),
    ) -> Task {
        let held = !session.direction().receives();
        controls.held.store(held, Relaxed);
        Task {
            call,
            events,
            rtp,
            rtcp,
            session,
            audio,
            controls,
            local,
            own_gain: OwnGain {
                key: (0.0, 0.0),
                gain: Gain::UNITY,
            },
            shared,
            security,
            truncated: 0,
            loop_buf: Vec::new(),
        }
    }

    /// Sends what the session has queued and delivers its events.
    async fn flush(&mut self) {
        while let Some(t) = self.session.poll_transmit() {
            let socket = match t.via {
                Via::Rtp => &self.rtp,
                Via::Rtcp => &self.rtcp,
            };
            if let Err(e) = socket.send_to(t.bytes, t.dst).await {
                tracing::debug!(error = %e, dst = %t.dst, "send failed");
            }
        }
        while let Some(e) = self.session.poll_event() {
            if let crate::session::MediaSessionEvent::Security(state) = &e {
                // Published before the event, so a handler that asks
                // `security()` sees it.
                if let Ok(mut s) = self.security.lock() {
                    s.clone_from(state);
                }
            }
            if let Some(ev) = e.to_media_event() {
                self.events.send(ev);
            } else {
                tracing::debug!(event = ?e, "media session event");
            }
        }
    }

    fn on_tick(&mut self, now: Instant) {
        let mode = self.controls.loop_mode.load();
        match &mut self.audio {
            AudioPath::Own(devices) => {
                let mic_muted = self.local.mic_muted.load(Relaxed);
                let (pcm, ended_now) = devices.capture(mic_muted);
                match mode {
                    MediaLoop::None => {
                        if let Err(e) = self.session.write_audio(now, pcm) {
                            tracing::warn!(error = %e, "audio frame not sent");
                        }
                    }
                    MediaLoop::Circuit => {
                        // The line hears itself; the network gets nothing
                        // (the timestamp still advances, as on hold).
                        self.loop_buf.clear();
                        self.loop_buf.extend_from_slice(pcm);
                        self.session.skip_audio(1);
                    }
                    MediaLoop::Network => {}
                }
                if ended_now {
                    self.events.send(MediaEvent::SourceFinished);
                }
                let out = devices.playout();
                self.session.read_audio(now, out);
                match mode {
                    MediaLoop::None => {}
                    MediaLoop::Circuit => {
                        if self.loop_buf.len() == out.len() {
                            out.copy_from_slice(&self.loop_buf);
                        } else {
                            out.fill(0);
                        }
                    }
                    MediaLoop::Network => {
                        // Back to the sender; the local side hears nothing.
                        if let Err(e) = self.session.write_audio(now, out) {
                            tracing::warn!(error = %e, "looped frame not sent");
                        }
                        out.fill(0);
                    }
                }
                if self.controls.muted.load(Relaxed) {
                    out.fill(0);
                } else {
                    let volume = self.controls.volume_db.load();
                    self.own_gain
                        .apply(volume, self.local.master_db.load(), out);
                }
                devices.play();
            }
            AudioPath::Mixed(m) => {
                self.session.read_audio(now, &mut m.heard);
                if !m.link.down.pop(&mut m.said) {
                    // The mixer's first frame is not there yet (or it
                    // stalled): silence, never the previous frame again.
                    m.said.fill(0);
                    m.missing_down += 1;
                }
                let sent = match mode {
                    MediaLoop::None => self.session.write_audio(now, &m.said),
                    MediaLoop::Circuit => {
                        // The mix (the local side) hears itself.
                        m.heard.copy_from_slice(&m.said);
                        self.session.skip_audio(1);
                        Ok(())
                    }
                    MediaLoop::Network => {
                        let r = self.session.write_audio(now, &m.heard);
                        m.heard.fill(0);
                        r
                    }
                };
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "audio frame not sent");
                }
                if !m.link.up.push(&m.heard) {
                    m.dropped_up += 1;
                }
            }
        }
        self.shared.publish(&self.session.counters());
    }

    fn apply(&mut self, plan: MediaPlan, now: Instant) {
        let old = self.session.audio_format();
        self.session.apply_plan(now, plan);
        // Our hold (not receiving) takes the call out of the mix's hearing;
        // resuming it also ends a park (see `super::calls`).
        let held = !self.session.direction().receives();
        if self.controls.held.swap(held, Relaxed) && !held {
            self.controls.parked.store(false, Relaxed);
        }
        let new = self.session.audio_format();
        if new != old {
            if let AudioPath::Own(devices) = &mut self.audio {
                if let Err(e) = devices.set_format(new) {
                    tracing::warn!(error = %e, "devices cannot follow the new codec");
                }
            }
            // A mixed call gets a new link from the engine (Cmd::Join).
        }
    }

    fn switch(&mut self, to: AudioPath) {
        match std::mem::replace(&mut self.audio, to) {
            AudioPath::Own(mut devices) => devices.flush(),
            AudioPath::Mixed(m) => tracing::debug!(
                dropped_up = m.dropped_up,
                missing_down = m.missing_down,
                "left the mix"
            ),
        }
    }

    /// Hands the session what is waiting on one socket (at most
    /// `MAX_BATCH` datagrams), through the thread's receive buffer.
    fn drain(&mut self, via: Via) {
        let socket = match via {
            Via::Rtp => &self.rtp,
            Via::Rtcp => &self.rtcp,
        };
        RECV_BUF.with(|buf| {
            let mut buf = buf.borrow_mut();
            for _ in 0..MAX_BATCH {
                match socket.try_recv_from(&mut buf) {
                    Ok((n, _)) if n >= MAX_DATAGRAM => self.truncated += 1,
                    Ok((n, from)) => {
                        if let Some(d) = buf.get(..n) {
                            self.session.handle_datagram(now(), from, d);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    // An error about an earlier send (ICMP): the next read
                    // may hold data.
                    Err(_) => {}
                }
            }
        });
    }

    /// Runs until `Stop` or until the handle is dropped.
    pub async fn run(mut self, mut cmds: mpsc::Receiver<Cmd>) {
        let mut period = self.session.audio_format().packet_time;
        let mut tick = interval(period);
        loop {
            let timer = self
                .session
                .poll_timeout()
                .map(tokio::time::Instant::from_std);
            tokio::select! {
                cmd = cmds.recv() => {
                    let now = now();
                    match cmd {
                        None | Some(Cmd::Stop) => {
                            self.session.close(now);
                            self.flush().await;
                            if let AudioPath::Own(devices) = &mut self.audio {
                                devices.flush();
                            }
                            self.shared.publish(&self.session.counters());
                            break;
                        }
                        Some(Cmd::Apply(plan)) => {
                            self.apply(*plan, now);
                            let p = self.session.audio_format().packet_time;
                            if p != period {
                                period = p;
                                tick = interval(period);
                            }
                        }
                        Some(Cmd::Join(link)) => {
                            self.switch(AudioPath::Mixed(Mixed::new(link)));
                        }
                        Some(Cmd::Split(devices)) => self.switch(AudioPath::Own(devices)),
                        Some(Cmd::SasVerified(v)) => {
                            if let Err(e) = self.session.set_sas_verified(v) {
                                tracing::warn!(error = %e, "SAS verification not recorded");
                            }
                        }
                        Some(Cmd::Dtmf(d, dur)) => {
                            if let Err(e) = self.session.send_dtmf(d, dur) {
                                tracing::warn!(error = %e, "DTMF not queued");
                            }
                        }
                    }
                }
                r = self.rtp.readable() => {
                    // Errors (e.g. ICMP port unreachable reported as
                    // ECONNREFUSED) concern one earlier send: keep going.
                    if r.is_ok() {
                        self.drain(Via::Rtp);
                    }
                }
                r = self.rtcp.readable() => {
                    if r.is_ok() {
                        self.drain(Via::Rtcp);
                    }
                }
                at = tick.tick() => {
                    let now = tokio::time::Instant::now();
                    let lag = now.saturating_duration_since(at);
                    if lag > period * 10 {
                        // Stalled: skip the gap instead of bursting it out.
                        let missed = (lag.as_micros() / period.as_micros().max(1)) as u32;
                        self.session.skip_audio(missed);
                        tick.reset();
                    }
                    self.on_tick(now.into_std());
                }
                _ = async {
                    match timer {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending::<()>().await,
                    }
                } => {
                    self.session.handle_timeout(now());
                }
            }
            self.flush().await;
        }
        tracing::debug!(call = %self.call, truncated = self.truncated, "media task ended");
    }
}
