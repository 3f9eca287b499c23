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

use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_sal::{CallId, MediaEvent, MediaEventSink};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior};

use super::devices::Devices;
use super::shared::SharedStats;
use crate::session::{MediaPlan, MediaSession, Via};

/// Commands from the `CallMedia` handle.
pub(crate) enum Cmd {
    Apply(Box<MediaPlan>),
    Dtmf(char, Duration),
    Stop,
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
    devices: Devices,
    shared: Arc<SharedStats>,
    truncated: u64,
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
        devices: Devices,
        shared: Arc<SharedStats>,
    ) -> Task {
        Task {
            call,
            events,
            rtp,
            rtcp,
            session,
            devices,
            shared,
            truncated: 0,
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
            if let Some(ev) = e.to_media_event() {
                self.events.send(ev);
            } else {
                tracing::debug!(event = ?e, "media session event");
            }
        }
    }

    fn on_tick(&mut self, now: Instant) {
        let (pcm, ended_now) = self.devices.capture();
        if let Err(e) = self.session.write_audio(now, pcm) {
            tracing::warn!(error = %e, "audio frame not sent");
        }
        if ended_now {
            self.events.send(MediaEvent::SourceFinished);
        }
        self.session.read_audio(now, self.devices.playout());
        self.devices.play();
        self.shared.publish(&self.session.counters());
    }

    fn apply(&mut self, plan: MediaPlan, now: Instant) {
        let old = self.session.audio_format();
        self.session.apply_plan(now, plan);
        let new = self.session.audio_format();
        if new != old {
            if let Err(e) = self.devices.set_format(new) {
                tracing::warn!(error = %e, "devices cannot follow the new codec");
            }
        }
    }

    /// Runs until `Stop` or until the handle is dropped.
    pub async fn run(mut self, mut cmds: mpsc::Receiver<Cmd>) {
        let mut rtp_buf = vec![0u8; MAX_DATAGRAM];
        let mut rtcp_buf = vec![0u8; MAX_DATAGRAM];
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
                            self.devices.flush();
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
                        Some(Cmd::Dtmf(d, dur)) => {
                            if let Err(e) = self.session.send_dtmf(d, dur) {
                                tracing::warn!(error = %e, "DTMF not queued");
                            }
                        }
                    }
                }
                r = self.rtp.recv_from(&mut rtp_buf) => {
                    // Errors (e.g. ICMP port unreachable reported as
                    // ECONNREFUSED) concern one earlier send: keep going.
                    match r {
                        Ok((n, _)) if n >= MAX_DATAGRAM => self.truncated += 1,
                        Ok((n, from)) => {
                            if let Some(d) = rtp_buf.get(..n) {
                                self.session.handle_datagram(now(), from, d);
                            }
                        }
                        Err(_) => {}
                    }
                }
                r = self.rtcp.recv_from(&mut rtcp_buf) => {
                    match r {
                        Ok((n, _)) if n >= MAX_DATAGRAM => self.truncated += 1,
                        Ok((n, from)) => {
                            if let Some(d) = rtcp_buf.get(..n) {
                                self.session.handle_datagram(now(), from, d);
                            }
                        }
                        Err(_) => {}
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
