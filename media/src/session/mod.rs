//! `MediaSession`: the sans-IO media core of one call leg.
//!
//! Everything a call's media does between the sockets and the audio
//! device, as a deterministic state machine: no sockets, no clock reads, no
//! randomness of its own (the SSRC, sequence and timestamp start and the
//! RTCP timer jitter come from a seed the caller gives, wall-clock time
//! from one NTP reading at creation). The driver around it
//! ([`crate::engine`]) owns sockets, timers and devices and does only this:
//!
//! ```text
//! session.handle_datagram(now, from, &bytes);    // RTP or RTCP, either socket
//! session.write_audio(now, &mic_frame)?;         // once per packet time
//! session.read_audio(now, &mut speaker_frame);   // once per packet time
//! session.handle_timeout(now);                   // when poll_timeout says
//! while let Some(t) = session.poll_transmit() { /* send t.bytes to t.dst via t.via */ }
//! while let Some(e) = session.poll_event() { /* DTMF, RTP timeout, … */ }
//! let next = session.poll_timeout();
//! ```
//!
//! Inside: the RTP/RTCP session ([`crate::rtp::RtpSession`]: SSRC, sequence
//! validation, statistics, SR/RR, RTT, collisions; each report carries an
//! RFC 3611 VoIP Metrics block about the stream received, unless
//! [`MediaSessionConfig::rtcp_xr`] is off), source latching
//! ([`latch`]), the jitter buffer with concealment, Opus in-band FEC and
//! RFC 3389 comfort noise, RFC 4733 events both ways, the encoder and the
//! decoders (each created when its payload type first arrives).
//!
//! **Security rule.** RTP is played from one learned source address only;
//! see [`latch`] for when another address may take over. RTCP is accepted
//! only from the learned source's IP address (before anything is learned,
//! from the signalled peer's). Both kinds of strays are dropped and counted
//! ([`SessionCounters::foreign_dropped`], `rtcp_foreign_dropped`).
//!
//! **SRTP.** When SDES agreed keys ([`NegotiatedStream::sdes`](openphone_sal::NegotiatedStream)),
//! every RTP and RTCP packet is protected before it enters the send ring
//! and every datagram is unprotected before anything else reads it; what
//! fails is dropped and counted (`srtp_auth_failed`, `srtp_replayed`). Keys
//! once agreed are never dropped for clear media (see `secure`); the state
//! is reported as [`MediaSessionEvent::Security`].
//!
//! **ZRTP.** A driver that runs ZRTP hands the session a
//! [`ZrtpSession`](crate::zrtp::ZrtpSession) with
//! [`start_zrtp`](MediaSession::start_zrtp) when media starts: ZRTP packets
//! on the RTP socket go to it before SRTP, its packets leave through
//! [`poll_transmit`](MediaSession::poll_transmit) to the RTP destination,
//! its timer is part of [`poll_timeout`](MediaSession::poll_timeout), and
//! once secure its keys protect the media. With encryption required no RTP
//! leaves (not even the first packet) until then; without, clear RTP flows
//! meanwhile (best effort, as other phones do). See `zrtp`.
//!
//! **Allocation.** Buffers are sized by [`MediaPlan`] from the agreed
//! codecs (send ring: 12 bytes + the codec's largest packet; playout: one
//! packet time + the most a 120 ms packet decodes to; jitter payloads as
//! they arrive) and allocated in `apply`; the steady-state per-packet path
//! (`handle_datagram` for RTP, `write_audio`, `read_audio`,
//! `poll_transmit`) allocates nothing (`tests/no_alloc.rs`). RTCP parsing,
//! every few seconds, may; so does SRTP, one buffer per packet each way
//! (`rtc-srtp` has no in-place call; see [`crate::srtp`]).
//!
//! **Audio** moves as frames of [`AudioFormat::samples_per_packet`] samples
//! at the codec's PCM rate ([`MediaSession::audio_format`]); resampling to
//! the device's rate is the driver's business. Call `write_audio` once per
//! packet time whatever the direction (the RTP timestamp advances with it;
//! nothing is sent while on hold).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, Instant};
//! use openphone_media::codec::CodecRegistry;
//! use openphone_media::session::{MediaSession, MediaSessionConfig};
//! use openphone_sal::{CodecDescriptor, NegotiatedMedia, NegotiatedStream, RecvChannel, SendChannel};
//!
//! let (a_addr, b_addr) = ("10.0.0.1:4000".parse().unwrap(), "10.0.0.2:5000".parse().unwrap());
//! let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
//! let leg = |local, remote| NegotiatedMedia::from(
//!     NegotiatedStream::audio(local)
//!         .with_send(SendChannel::new(remote, pcmu.clone(), 0))
//!         .with_recv(RecvChannel::new(vec![(0, pcmu.clone())])),
//! );
//! let cfg = MediaSessionConfig::new("a@example", Arc::new(CodecRegistry::with_builtin()));
//! let t0 = Instant::now();
//! let mut a = MediaSession::new(cfg.clone(), &leg(a_addr, b_addr), t0, 0, 1).unwrap();
//! let mut b = MediaSession::new(cfg, &leg(b_addr, a_addr), t0, 0, 2).unwrap();
//! let tone: Vec<i16> = (0..160).map(|i| if i % 8 < 4 { 8000 } else { -8000 }).collect();
//! let mut heard = vec![0i16; 160];
//! for i in 0..10u64 {
//!     let now = t0 + Duration::from_millis(20 * i);
//!     a.write_audio(now, &tone).unwrap();
//!     while let Some(t) = a.poll_transmit() {
//!         assert_eq!(t.dst, b_addr);
//!         let bytes = t.bytes.to_vec();
//!         b.handle_datagram(now, a_addr, &bytes);
//!     }
//!     b.read_audio(now, &mut heard);
//! }
//! assert_eq!(b.counters().packets_received, 10);
//! assert!(heard.iter().any(|&s| s > 6000));
//! ```

mod comfort;
mod config;
mod counters;
mod error;
mod events;
pub mod latch;
mod plan;
mod playout;
mod secure;
mod transmit;
mod xr;
mod zrtp;

pub use config::MediaSessionConfig;
pub use counters::SessionCounters;
pub use error::SessionError;
pub use events::MediaSessionEvent;
pub use plan::{AudioFormat, MediaPlan};
pub use transmit::{Transmit, Via};

use std::net::SocketAddr;
use std::time::Instant;

use openphone_sal::{MediaDirection, MediaError, MediaStats, NegotiatedMedia, SecurityState};

use crate::dtmf::{self, DtmfError, DtmfReceiver, DtmfSender};
use crate::jitter::JitterConfig;
use crate::rtp::rtcp;
use crate::rtp::{
    write_header, write_packet, RtpPacket, RtpSession, RtpVerdict, SessionConfig, SessionEvent,
};
use events::EventQueue;
use latch::{Latch, LatchVerdict};
use plan::{RecvPlan, SendPlan};
use playout::Playout;
use secure::Secure;
use transmit::TxRing;

/// RTP send buffers: one audio packet per packet time, a few RFC 4733
/// packets around it; more means the caller is not draining.
const RTP_SLOTS: usize = 4;
/// RTCP send buffers (a pending BYE and a report).
const RTCP_SLOTS: usize = 2;
/// RTCP compound size: SR + one report block + SDES CNAME + BYE, and room
/// for RFC 3611 XR blocks.
const RTCP_BYTES: usize = 512;
/// Smallest RTP buffer: header + one RFC 4733 event.
const MIN_RTP_BYTES: usize = 12 + 4;

/// What a packet's payload type makes it.
#[derive(Clone, Copy)]
enum Kind {
    Event,
    ComfortNoise(u32),
    Audio(u32),
}

/// Counters kept by the session itself (the rest come from its parts).
#[derive(Debug, Clone, Copy, Default)]
struct Own {
    foreign_dropped: u64,
    rtcp_foreign_dropped: u64,
    malformed: u64,
    unknown_payload_type: u64,
    relearned: u64,
}

/// The media of one call leg, sans-IO. See the [module docs](self).
pub struct MediaSession {
    config: MediaSessionConfig,
    rtp: RtpSession,
    direction: MediaDirection,
    send: Option<SendPlan>,
    recv: Option<RecvPlan>,
    format: AudioFormat,
    codec_name: String,
    /// For the RTCP XR VoIP Metrics block (see `xr`).
    xr_codec: xr::XrCodec,
    playout: Playout,
    latch: Latch,
    /// Where the peer's RTCP last came from (its IP matched the source's).
    learned_rtcp: Option<SocketAddr>,
    rtp_ring: TxRing,
    rtcp_ring: TxRing,
    events: EventQueue,
    dtmf_tx: DtmfSender,
    dtmf_rx: DtmfReceiver,
    /// Media position of the next packet, in RTP clock units.
    ts_offset: u32,
    /// Set the marker bit on the next audio packet (start or codec change).
    marker: bool,
    last_rtp_at: Instant,
    timeout_reported: bool,
    closed: bool,
    own: Own,
    /// SRTP (see [`secure`]): protects what we send, unprotects what we receive.
    secure: Secure,
    /// ZRTP, when the driver started it.
    zrtp: Option<zrtp::ZrtpLink>,
    /// The peer's `a=zrtp-hash` from the last plan.
    peer_zrtp_hash: Option<String>,
}

impl std::fmt::Debug for MediaSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSession")
            .field("codec", &self.codec_name)
            .field("direction", &self.direction)
            .field("format", &self.format)
            .field("learned", &self.latch.learned())
            .field("local_ssrc", &self.rtp.local_ssrc())
            .finish_non_exhaustive()
    }
}

impl MediaSession {
    /// A session for what was agreed, at `now`, when the wall clock read
    /// `ntp_now` (NTP 64-bit format, for RTCP sender reports). `seed` draws
    /// the SSRC, the first sequence number and timestamp, the RTCP timer
    /// jitter and the comfort noise (pass a random one; tests fix it).
    pub fn new(
        config: MediaSessionConfig,
        negotiated: &NegotiatedMedia,
        now: Instant,
        ntp_now: u64,
        seed: u64,
    ) -> Result<Self, MediaError> {
        let plan = MediaPlan::new(&config.registry, negotiated)?;
        Ok(Self::with_plan(config, plan, now, ntp_now, seed))
    }

    /// Like [`new`](Self::new) with a plan already built (and checked).
    pub fn with_plan(
        config: MediaSessionConfig,
        plan: MediaPlan,
        now: Instant,
        ntp_now: u64,
        seed: u64,
    ) -> Self {
        let clock = plan.send.as_ref().map_or(8000, |s| s.rtp_clock_rate);
        let mut scfg = SessionConfig::new(config.cname.clone(), clock);
        scfg.rtcp_interval = config.rtcp_interval;
        scfg.local_addr = config.local_rtp;
        let mut rtp = RtpSession::new(now, ntp_now, scfg, seed);
        if let Some(seq) = config.initial_sequence {
            rtp.set_next_sequence(seq);
        }
        let latch = Latch::new(config.relearn_quiet, config.relearn_packets);
        let mut s = MediaSession {
            rtp,
            direction: MediaDirection::Inactive,
            send: None,
            recv: None,
            format: plan.format,
            codec_name: String::new(),
            xr_codec: xr::XrCodec::new("", plan.format.packet_time),
            playout: Playout::new((seed >> 32) as u32 ^ seed as u32),
            latch,
            learned_rtcp: None,
            rtp_ring: TxRing::new(RTP_SLOTS, MIN_RTP_BYTES),
            rtcp_ring: TxRing::new(RTCP_SLOTS, RTCP_BYTES),
            events: EventQueue::new(),
            dtmf_tx: DtmfSender::new(clock),
            dtmf_rx: DtmfReceiver::new(clock),
            ts_offset: 0,
            marker: true,
            last_rtp_at: now,
            timeout_reported: false,
            closed: false,
            own: Own::default(),
            secure: Secure::default(),
            zrtp: None,
            peer_zrtp_hash: None,
            config,
        };
        s.apply_plan(now, plan);
        s
    }

    /// Changes what runs: direction (hold), codec, remote address.
    /// Buffered audio and decoder state survive where the codec stays.
    pub fn apply(&mut self, now: Instant, negotiated: &NegotiatedMedia) -> Result<(), MediaError> {
        let plan = MediaPlan::new(&self.config.registry, negotiated)?;
        self.apply_plan(now, plan);
        Ok(())
    }

    /// [`apply`](Self::apply) with a plan built elsewhere (a driver builds
    /// it on the caller's thread, where errors can be answered at once).
    pub fn apply_plan(&mut self, now: Instant, plan: MediaPlan) {
        let MediaPlan {
            direction,
            send,
            recv,
            format,
            codec_name,
            srtp,
            zrtp_hash,
        } = plan;
        if let Some(h) = zrtp_hash {
            if let Some(z) = &mut self.zrtp {
                if !z.session.set_peer_hello_hash(&h) {
                    tracing::warn!(value = %h, "unreadable a=zrtp-hash ignored");
                }
            }
            self.peer_zrtp_hash = Some(h);
        }
        if let Some(state) = self.secure.apply(srtp) {
            self.events.push(MediaSessionEvent::Security(state));
        }
        let old_remote = self.send.as_ref().map(|s| s.remote_rtp);
        let new_remote = send.as_ref().map(|s| s.remote_rtp);
        if old_remote.is_some() && old_remote != new_remote {
            // Signalling moved the peer: learn its source again.
            self.latch.reset();
            self.learned_rtcp = None;
        }
        if let Some(s) = &send {
            let changed = self
                .send
                .as_ref()
                .is_none_or(|o| o.payload_type != s.payload_type || o.codec != s.codec);
            if changed {
                self.marker = true;
            }
            let old_clock = self.send.as_ref().map(|o| o.rtp_clock_rate);
            if old_clock != Some(s.rtp_clock_rate) {
                self.rtp.set_send_clock_rate(s.rtp_clock_rate);
                self.dtmf_tx = DtmfSender::new(s.rtp_clock_rate);
                self.dtmf_rx = DtmfReceiver::new(s.rtp_clock_rate);
            }
            let size = (12 + s.max_payload).max(MIN_RTP_BYTES) + crate::srtp::MAX_OVERHEAD;
            if self.rtp_ring.buffer_size() != size {
                self.rtp_ring = TxRing::new(RTP_SLOTS, size);
            }
        }
        if let Some(r) = &recv {
            let jitter = JitterConfig {
                frame: format.packet_time,
                clock_rate: r.clock_rate,
                min_delay: self.config.jitter_min,
                max_delay: self.config.jitter_max,
                max_payload: r.max_payload,
            };
            self.playout.configure(r, format, jitter);
        }
        self.latch.set_expected(send.as_ref().map(|s| s.remote_rtp));
        tracing::debug!(%direction, codec = %codec_name, "media session applied");
        self.direction = direction;
        self.send = send;
        self.recv = recv;
        self.format = format;
        self.xr_codec = xr::XrCodec::new(&codec_name, format.packet_time);
        self.codec_name = codec_name;
        self.last_rtp_at = now;
        self.timeout_reported = false;
    }

    /// The PCM frames `write_audio` takes and `read_audio` gives.
    pub fn audio_format(&self) -> AudioFormat {
        self.format
    }

    /// Which way media flows now.
    pub fn direction(&self) -> MediaDirection {
        self.direction
    }

    /// Our SSRC now.
    pub fn local_ssrc(&self) -> u32 {
        self.rtp.local_ssrc()
    }

    /// The learned RTP source, if any.
    pub fn learned_source(&self) -> Option<SocketAddr> {
        self.latch.learned()
    }

    /// Where our RTP goes: the learned source with symmetric RTP, else the
    /// signalled address.
    fn rtp_dst(&self) -> Option<SocketAddr> {
        let signalled = self.send.as_ref()?.remote_rtp;
        Some(match self.latch.learned() {
            Some(l) if self.config.symmetric_rtp => l,
            _ => signalled,
        })
    }

    /// Where our RTCP goes and from which socket (the RTP one when the
    /// peer multiplexes, RFC 5761).
    fn rtcp_dst(&self) -> Option<(SocketAddr, Via)> {
        let (rtp, rtcp) = match &self.send {
            Some(s) => (s.remote_rtp, s.remote_rtcp),
            None => {
                let l = self.latch.learned()?;
                let mut c = l;
                c.set_port(l.port().wrapping_add(1));
                (l, c)
            }
        };
        let mux = rtp == rtcp;
        let via = if mux { Via::Rtp } else { Via::Rtcp };
        let dst = match self.latch.learned() {
            Some(l) if self.config.symmetric_rtp => match (mux, self.learned_rtcp) {
                (true, _) => l,
                (false, Some(r)) => r,
                (false, None) => {
                    let mut c = l;
                    c.set_port(l.port().wrapping_add(1));
                    c
                }
            },
            _ => rtcp,
        };
        Some((dst, via))
    }

    /// Feeds a datagram from either of our sockets: RTP, or RTCP (also
    /// multiplexed on the RTP port, told apart by RFC 5761 §4). With SRTP
    /// keys, only packets that authenticate get past this point.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        if self.closed {
            return;
        }
        if let Some(z) = &mut self.zrtp {
            if crate::zrtp::is_zrtp(data) {
                z.session.handle_packet(data, now);
                self.pump_zrtp();
                return;
            }
        }
        let Some(mut srtp) = self.secure.take() else {
            if self.secure.clear_refused() {
                // Encryption required and not keyed yet: nothing clear
                // is played.
                self.secure.auth_failed += 1;
            } else {
                self.handle_clear(now, from, data);
            }
            return;
        };
        match srtp.unprotect(data) {
            Ok(clear) => {
                if let Some(z) = self.zrtp.as_mut().filter(|z| !z.srtp_confirmed) {
                    // Proves the peer holds the keys (stands for a lost
                    // Conf2ACK, RFC 6189 §6).
                    z.srtp_confirmed = true;
                    z.session.srtp_authenticated();
                }
                self.handle_clear(now, from, clear)
            }
            Err(e) => self.secure.count_failure(&e),
        }
        self.secure.put_back(srtp);
    }

    /// Starts ZRTP (RFC 6189) on this session at `now` (normally when media
    /// starts, before the first packet is sent): see the [module docs](self).
    /// With `required`, no RTP or RTCP is sent and nothing clear is played
    /// until ZRTP is secure.
    pub fn start_zrtp(
        &mut self,
        now: Instant,
        mut session: Box<crate::zrtp::ZrtpSession>,
        required: bool,
    ) {
        if let Some(h) = &self.peer_zrtp_hash {
            if !session.set_peer_hello_hash(h) {
                tracing::warn!(value = %h, "unreadable a=zrtp-hash ignored");
            }
        }
        self.zrtp = Some(zrtp::ZrtpLink::start(session, self.rtp.local_ssrc(), now));
        let state = self.secure.start_zrtp(required);
        self.events.push(MediaSessionEvent::Security(state));
        self.pump_zrtp();
    }

    /// Records the user's comparison of the SAS (kept in the ZRTP cache for
    /// later calls) and reports the new state.
    pub fn set_sas_verified(&mut self, verified: bool) -> Result<(), MediaError> {
        let Some(z) = &mut self.zrtp else {
            return Err(MediaError::Unsupported(
                "SAS verification (no ZRTP on this call)",
            ));
        };
        z.session
            .set_sas_verified(verified)
            .map_err(|e| MediaError::Security(format!("ZRTP cache: {e}")))?;
        if let Some(state) = self.secure.set_verified(verified) {
            self.events.push(MediaSessionEvent::Security(state));
        }
        Ok(())
    }

    /// Takes what the ZRTP exchange reported: keys become the SRTP
    /// context, a failure the security state.
    fn pump_zrtp(&mut self) {
        let Some(z) = &mut self.zrtp else {
            return;
        };
        while let Some(e) = z.session.poll_event() {
            use crate::zrtp::ZrtpEvent;
            let state = match e {
                ZrtpEvent::Secure(info) => {
                    let Some(keys) = z.session.srtp_keys() else {
                        continue;
                    };
                    match crate::srtp::SrtpContext::new(&keys.send, &keys.receive, 64) {
                        Ok(ctx) => self.secure.apply_zrtp(ctx, &info),
                        Err(e) => self.secure.zrtp_failed(format!("ZRTP keys refused: {e}")),
                    }
                }
                ZrtpEvent::Failed { reason } => {
                    tracing::warn!(?reason, "ZRTP failed");
                    self.secure.zrtp_failed(format!("ZRTP failed: {reason:?}"))
                }
                ZrtpEvent::PeerHello { zid, client_id } => {
                    tracing::debug!(?zid, %client_id, "ZRTP peer Hello");
                    continue;
                }
                other => {
                    tracing::info!(event = ?other, "ZRTP");
                    continue;
                }
            };
            self.events.push(MediaSessionEvent::Security(state));
        }
    }

    /// A clear (or unprotected) datagram.
    fn handle_clear(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        if rtcp::is_rtcp(data) {
            self.handle_rtcp(now, from, data);
            return;
        }
        let Ok(pkt) = RtpPacket::parse(data) else {
            self.own.malformed += 1;
            return;
        };
        let h = pkt.header;
        let Some(kind) = self.kind(h.payload_type) else {
            self.own.unknown_payload_type += 1;
            return;
        };
        match self.latch.check(now, from, h.ssrc, h.sequence) {
            LatchVerdict::Accept => {}
            LatchVerdict::Foreign => {
                self.own.foreign_dropped += 1;
                return;
            }
            LatchVerdict::Learned => {
                tracing::debug!(%from, "RTP source learned");
                self.events
                    .push(MediaSessionEvent::SourceLearned { addr: from });
            }
            LatchVerdict::Relearned { from: old } => {
                tracing::info!(%old, new = %from, "RTP source re-learned after silence");
                self.own.relearned += 1;
                self.learned_rtcp = None;
                self.events.push(MediaSessionEvent::SourceRelearned {
                    from: old,
                    to: from,
                });
            }
        }
        // RFC 4733 events keep their start timestamp: no jitter sample.
        let clock = match kind {
            Kind::Event => None,
            Kind::ComfortNoise(c) | Kind::Audio(c) => Some(c),
        };
        let verdict = self.rtp.receive_rtp(now, from, &pkt, clock);
        self.drain_rtp_events();
        if verdict != RtpVerdict::Accept {
            return;
        }
        self.last_rtp_at = now;
        self.timeout_reported = false;
        match kind {
            Kind::Event => {
                if self.direction.receives() {
                    self.playout
                        .push_event(now, h.sequence, h.timestamp, h.payload_type);
                }
                let d = self.dtmf_rx.receive(h.timestamp, pkt.payload);
                for digit in d.into_iter().chain(self.dtmf_rx.take_pending()) {
                    self.events.push(MediaSessionEvent::Dtmf {
                        digit: digit.digit,
                        duration: digit.duration,
                    });
                }
            }
            Kind::ComfortNoise(_) | Kind::Audio(_) => {
                if self.direction.receives() {
                    self.playout.push(
                        now,
                        &self.config.registry,
                        h.sequence,
                        h.timestamp,
                        h.payload_type,
                        pkt.payload,
                    );
                }
            }
        }
    }

    fn kind(&self, pt: u8) -> Option<Kind> {
        let r = self.recv.as_ref()?;
        if r.telephone_event == Some(pt) {
            Some(Kind::Event)
        } else if r.comfort_noise == Some(pt) {
            Some(Kind::ComfortNoise(r.clock_rate))
        } else {
            r.codec(pt).map(|c| Kind::Audio(c.codec.clock_rate))
        }
    }

    fn handle_rtcp(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        let peer_ip = self
            .latch
            .learned()
            .map(|a| a.ip())
            .or_else(|| self.send.as_ref().map(|s| s.remote_rtcp.ip()));
        if peer_ip.is_some_and(|ip| ip != from.ip()) {
            self.own.rtcp_foreign_dropped += 1;
            return;
        }
        match self.rtp.receive_rtcp(now, from, data) {
            Ok(()) => {
                if self.latch.learned().is_some() {
                    self.learned_rtcp = Some(from);
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, %from, "bad RTCP");
                self.own.malformed += 1;
            }
        }
        self.drain_rtp_events();
    }

    fn drain_rtp_events(&mut self) {
        while let Some(e) = self.rtp.poll_event() {
            match e {
                SessionEvent::RemoteSourceChanged { ssrc } => {
                    tracing::debug!(ssrc, "remote RTP source (re)started");
                    self.playout.reset();
                    self.events
                        .push(MediaSessionEvent::RemoteSsrcChanged { ssrc });
                }
                SessionEvent::SsrcCollision { old, new } => {
                    tracing::info!(old, new, "SSRC collision: changed our SSRC");
                    if let Some(z) = &mut self.zrtp {
                        z.session.set_ssrc(new);
                    }
                    self.events
                        .push(MediaSessionEvent::SsrcCollision { old, new });
                }
                SessionEvent::RemoteBye { ssrc } => {
                    tracing::debug!(ssrc, "remote BYE");
                    self.events.push(MediaSessionEvent::RemoteBye { ssrc });
                }
            }
        }
    }

    /// Encodes and sends one packet time of audio from the device side
    /// (`audio_format().samples_per_packet` samples at the codec rate), or
    /// RFC 4733 packets instead while a digit is being sent. Call it once
    /// per packet time whatever the direction: the RTP timestamp advances
    /// with it, and nothing is sent while not sending.
    pub fn write_audio(&mut self, now: Instant, pcm: &[i16]) -> Result<(), SessionError> {
        let expected = self.format.samples_per_packet;
        if pcm.len() != expected {
            return Err(SessionError::FrameSize {
                expected,
                got: pcm.len(),
            });
        }
        let Some(step) = self.send.as_ref().map(|s| s.ts_step) else {
            return Ok(());
        };
        if self.direction.sends() && !self.closed {
            let te = self.send.as_ref().and_then(|s| s.telephone_event);
            if te.is_some() && !self.dtmf_tx.is_active() {
                if let Some((digit, duration)) = self.dtmf_tx.next_queued() {
                    if let Err(e) = self.dtmf_tx.start(now, digit, duration, self.ts_offset) {
                        tracing::warn!(error = %e, "DTMF digit not started");
                    }
                }
            }
            if self.dtmf_tx.is_active() {
                self.send_dtmf_due(now);
            } else {
                self.send_audio(now, pcm);
            }
        }
        self.ts_offset = self.ts_offset.wrapping_add(step);
        Ok(())
    }

    /// Skips `packets` packet times without sending (the driver stalled):
    /// the RTP timestamp jumps so it keeps pace with real time.
    pub fn skip_audio(&mut self, packets: u32) {
        if let Some(s) = &self.send {
            self.ts_offset = self.ts_offset.wrapping_add(s.ts_step.wrapping_mul(packets));
        }
    }

    fn send_audio(&mut self, now: Instant, pcm: &[i16]) {
        if self.secure.sending_held() {
            return;
        }
        let Some(dst) = self.rtp_dst() else {
            return;
        };
        let Some(send) = self.send.as_mut() else {
            return;
        };
        let (rtp, marker, ts) = (&mut self.rtp, self.marker, self.ts_offset);
        let secure = &mut self.secure;
        let sent = self.rtp_ring.push(dst, Via::Rtp, |buf| {
            let (head, body) = buf.split_at_mut_checked(12)?;
            let mut written = 0;
            for chunk in pcm
                .chunks_exact(send.frame_samples)
                .take(send.frames_per_packet)
            {
                match send.encoder.encode(chunk, body.get_mut(written..)?) {
                    Ok(n) => written += n,
                    Err(e) => {
                        tracing::warn!(error = %e, "encode failed: packet not sent");
                        return None;
                    }
                }
            }
            let h = rtp.outgoing(now, send.payload_type, marker, ts, written);
            write_header(head, &h).ok()?;
            secure.protect_rtp(buf, 12 + written)
        });
        if sent {
            self.marker = false;
        }
    }

    fn send_dtmf_due(&mut self, now: Instant) {
        if self.secure.sending_held() {
            return;
        }
        let (Some(dst), Some(pt)) = (
            self.rtp_dst(),
            self.send.as_ref().and_then(|s| s.telephone_event),
        ) else {
            return;
        };
        while let Some(p) = self.dtmf_tx.poll_packet(now) {
            let (rtp, secure) = (&mut self.rtp, &mut self.secure);
            self.rtp_ring.push(dst, Via::Rtp, |buf| {
                let h = rtp.outgoing(now, pt, p.marker, p.timestamp_offset, p.payload.len());
                let n = write_packet(buf, &h, &p.payload).ok()?;
                secure.protect_rtp(buf, n)
            });
        }
    }

    /// Fills `out` with the audio to play now (any length; normally one
    /// packet time): decoded, concealed, comfort noise, or silence while
    /// buffering or not receiving.
    pub fn read_audio(&mut self, now: Instant, out: &mut [i16]) {
        let receiving = self.direction.receives() && self.recv.is_some() && !self.closed;
        self.playout.read(now, out, receiving);
    }

    /// Queues an RFC 4733 digit; it starts with the next `write_audio`.
    pub fn send_dtmf(
        &mut self,
        digit: char,
        duration: std::time::Duration,
    ) -> Result<(), SessionError> {
        if dtmf::event_code(digit).is_none() {
            return Err(DtmfError::BadDigit(digit).into());
        }
        let Some(send) = &self.send else {
            return Err(SessionError::NotSending(self.direction));
        };
        if send.telephone_event.is_none() {
            return Err(SessionError::NoTelephoneEvent);
        }
        if !self.direction.sends() {
            return Err(SessionError::NotSending(self.direction));
        }
        self.dtmf_tx.queue(digit, duration)?;
        Ok(())
    }

    /// Runs what is due at `now`: RFC 4733 packets, RTCP reports, the RTP
    /// timeout.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if self.direction.sends() {
            self.send_dtmf_due(now);
        }
        if let Some(z) = &mut self.zrtp {
            if z.session.poll_timeout().is_some_and(|t| t <= now) {
                z.session.handle_timeout(now);
                self.pump_zrtp();
            }
        }
        // At most a BYE for an abandoned SSRC and one report per call.
        for _ in 0..2 {
            if self.rtp.poll_timeout() > now {
                break;
            }
            self.update_xr();
            let target = self.rtcp_dst();
            let (dst, via) = target.unwrap_or((SocketAddr::from(([0, 0, 0, 0], 0)), Via::Rtcp));
            let (rtp, secure) = (&mut self.rtp, &mut self.secure);
            // Without a destination the report is written and dropped, so
            // the timer still moves on.
            self.rtcp_ring.push_evicting(dst, via, |buf| {
                let n = secure.protect_rtcp_with(buf, |b| rtp.poll_rtcp(now, b))?;
                target.map(|_| n)
            });
        }
        if let Some(at) = self.timeout_at() {
            if now >= at {
                self.timeout_reported = true;
                self.events.push(MediaSessionEvent::RtpTimeout);
            }
        }
    }

    /// Refreshes the VoIP Metrics block for the report about to be
    /// written: about the source we receive, while we receive one.
    fn update_xr(&mut self) {
        let source = self
            .rtp
            .remote_ssrc()
            .filter(|_| self.config.rtcp_xr && self.recv.is_some() && self.direction.receives());
        let m = source.map(|ssrc| {
            xr::metrics(
                ssrc,
                &self.xr_codec,
                self.format.packet_time,
                &self.counters(),
                &self.playout,
                self.config.jitter_max,
            )
        });
        self.rtp.set_voip_metrics(m);
    }

    fn timeout_at(&self) -> Option<Instant> {
        let t = self.config.rtp_timeout?;
        let armed = !self.timeout_reported && self.direction.receives() && self.recv.is_some();
        armed.then_some(self.last_rtp_at + t)
    }

    /// When [`handle_timeout`](Self::handle_timeout) next wants to run;
    /// `None` once closed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let mut next = self.rtp.poll_timeout();
        if self.direction.sends() {
            if let Some(t) = self.dtmf_tx.poll_timeout() {
                next = next.min(t);
            }
        }
        if let Some(t) = self.timeout_at() {
            next = next.min(t);
        }
        if let Some(t) = self.zrtp.as_ref().and_then(|z| z.session.poll_timeout()) {
            next = next.min(t);
        }
        Some(next)
    }

    /// The next datagram to send, lent until the next call on the session.
    pub fn poll_transmit(&mut self) -> Option<Transmit<'_>> {
        if self.rtp_ring.queued() > 0 {
            return self.rtp_ring.front();
        }
        // Frees the RTP ring's lent buffer before the RTCP one is lent.
        let _ = self.rtp_ring.front();
        // ZRTP leaves from the RTP socket to where RTP goes.
        if let Some(dst) = self.rtp_dst().filter(|_| !self.closed) {
            if let Some(bytes) = self.zrtp.as_mut().and_then(|z| z.next_packet()) {
                return Some(Transmit {
                    dst,
                    via: Via::Rtp,
                    bytes,
                });
            }
        }
        self.rtcp_ring.front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<MediaSessionEvent> {
        self.events.pop()
    }

    /// Ends the session: queues an RTCP BYE (drain `poll_transmit`), then
    /// ignores input and sends nothing more.
    pub fn close(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if let Some((dst, via)) = self.rtcp_dst() {
            let (rtp, secure) = (&mut self.rtp, &mut self.secure);
            self.rtcp_ring.push_evicting(dst, via, |buf| {
                secure.protect_rtcp_with(buf, |b| rtp.bye(now, b).ok())
            });
        }
        self.closed = true;
    }

    /// Every counter, copied without allocating.
    pub fn counters(&self) -> SessionCounters {
        let r = self.rtp.stats();
        let j = self.playout.jitter_stats();
        let p = self.playout.counters;
        SessionCounters {
            packets_sent: r.packets_sent,
            bytes_sent: r.bytes_sent,
            packets_received: r.packets_received,
            bytes_received: r.bytes_received,
            packets_lost: r.packets_lost,
            fraction_lost: r.fraction_lost,
            jitter_ms: r.jitter_ms,
            remote_jitter_ms: r.remote_jitter_ms,
            remote_r_factor: r.remote_voip.and_then(|v| v.r_factor()).map(f32::from),
            remote_mos: r.remote_voip.and_then(|v| v.mos_cq()),
            rtt_ms: r.rtt.map(|d| d.as_secs_f32() * 1000.0),
            rtcp_sent: r.rtcp_sent,
            rtcp_received: r.rtcp_received,
            jitter_buffer_delay_ms: self.playout.delay_ms(),
            late_frames: j.late,
            concealed_frames: p.concealed,
            fec_recovered: p.fec_recovered,
            comfort_noise_frames: p.comfort_noise,
            duplicates: j.duplicates,
            foreign_dropped: self.own.foreign_dropped,
            rtcp_foreign_dropped: self.own.rtcp_foreign_dropped,
            malformed: self.own.malformed,
            unknown_payload_type: self.own.unknown_payload_type,
            unplayable: p.unplayable,
            decode_errors: p.decode_errors,
            relearned: self.own.relearned,
            transmit_dropped: self.rtp_ring.dropped + self.rtcp_ring.dropped,
            events_dropped: self.events.dropped,
            srtp_auth_failed: self.secure.auth_failed,
            srtp_replayed: self.secure.replayed,
            srtp_protect_failed: self.secure.protect_failed,
        }
    }

    /// The SAL's statistics (allocates the codec name).
    pub fn stats(&self) -> MediaStats {
        self.counters().to_media_stats(&self.codec_name)
    }

    /// The media security now: clear, or SRTP with its suite.
    pub fn security(&self) -> &SecurityState {
        self.secure.state()
    }

    /// The codec in use (its encoding name).
    pub fn codec_name(&self) -> &str {
        &self.codec_name
    }

    /// Jitter-buffer figures (target, current delay, reorderings…).
    pub fn jitter_stats(&self) -> crate::jitter::JitterStats {
        self.playout.jitter_stats()
    }

    /// Bytes held by the session's own buffers (send rings, jitter buffer,
    /// playout), for memory budgets; codec state is not included.
    pub fn buffer_memory(&self) -> usize {
        self.rtp_ring.memory() + self.rtcp_ring.memory() + self.playout.memory()
    }
}
