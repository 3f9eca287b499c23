//! The per-call tokio task: a thin driver around the sans-IO parts (RTP
//! session, jitter buffer, DTMF) that owns the sockets and the devices.
//!
//! Pacing: a `tokio::time::interval` of one packet time with
//! `MissedTickBehavior::Burst`. Burst keeps the long-run packet rate exactly
//! the nominal one (a late tick is followed by quicker ones), so RTP
//! timestamps, which advance one packet per tick, never drift from real
//! time and a file source plays at its true speed; `Delay` would lose a
//! packet's worth of time on every hiccup and the peer's jitter buffer would
//! see the stream slowly fall behind. A stall longer than 10 packets (process
//! suspended) is not replayed as a flood: the timestamp jumps over the gap
//! and the interval restarts.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openphone_hal::{AudioSink, AudioSource};
use openphone_sal::{CallId, MediaEvent, MediaEventSink, MediaStats};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use super::pipeline::Pipeline;
use crate::dtmf::{DtmfReceiver, DtmfSender};
use crate::jitter::{JitterBuffer, JitterConfig, Pop};
use crate::rtp::rtcp;
use crate::rtp::{write_packet, RtpPacket, RtpSession, RtpVerdict, SessionEvent};

/// Commands from the `CallMedia` handle.
pub(crate) enum Cmd {
    Apply(Box<Pipeline>),
    Dtmf(char, Duration),
    Stop,
}

/// Settings the task needs from the engine config.
#[derive(Clone)]
pub(crate) struct TaskConfig {
    pub rtp_timeout: Option<Duration>,
    pub jitter_min: Duration,
    pub jitter_max: Duration,
    pub symmetric_rtp: bool,
}

/// Receive buffer size. A datagram that fills it may have been truncated by
/// the OS and is dropped (RTP for audio is far smaller).
const MAX_DATAGRAM: usize = 4096;

pub(crate) struct Task {
    call: CallId,
    events: MediaEventSink,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    p: Box<Pipeline>,
    source: Box<dyn AudioSource>,
    sink: Box<dyn AudioSink>,
    session: RtpSession,
    jitter: JitterBuffer,
    dtmf_tx: DtmfSender,
    dtmf_rx: DtmfReceiver,
    remote_rtp: SocketAddr,
    remote_rtcp: SocketAddr,
    latched: bool,
    ts_offset: u32,
    first_packet: bool,
    cfg: TaskConfig,
    shared: Arc<Mutex<MediaStats>>,
    // Buffers, allocated once per pipeline.
    src_pcm: Vec<i16>,
    codec_pcm: Vec<i16>,
    payload: Vec<u8>,
    out: Vec<u8>,
    play: Vec<i16>,
    play_len: usize,
    dec_pcm: Vec<i16>,
    sink_pcm: Vec<i16>,
    rtcp_out: Vec<u8>,
    last_rtp_at: Instant,
    timeout_reported: bool,
    source_finished: bool,
    malformed: u64,
    /// Jitter-buffer delay smoothed over ~1 s of ticks (the instantaneous
    /// level swings by a frame on every pop).
    delay_avg_ms: f32,
}

impl Task {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        call: CallId,
        events: MediaEventSink,
        rtp: UdpSocket,
        rtcp: UdpSocket,
        p: Box<Pipeline>,
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
        session: RtpSession,
        cfg: TaskConfig,
        shared: Arc<Mutex<MediaStats>>,
        now: Instant,
    ) -> Task {
        let clock = p.encoder.info().rtp_clock_rate;
        let mut t = Task {
            call,
            events,
            rtp,
            rtcp,
            remote_rtp: p.negotiated.remote_rtp,
            remote_rtcp: p.negotiated.remote_rtcp,
            jitter: JitterBuffer::new(JitterConfig::default()),
            p,
            source,
            sink,
            session,
            dtmf_tx: DtmfSender::new(clock),
            dtmf_rx: DtmfReceiver::new(clock),
            latched: false,
            ts_offset: 0,
            first_packet: true,
            cfg,
            shared,
            src_pcm: Vec::new(),
            codec_pcm: Vec::new(),
            payload: Vec::new(),
            out: Vec::new(),
            play: Vec::new(),
            play_len: 0,
            dec_pcm: Vec::new(),
            sink_pcm: Vec::new(),
            rtcp_out: vec![0; 1500],
            last_rtp_at: now,
            timeout_reported: false,
            source_finished: false,
            malformed: 0,
            delay_avg_ms: 0.0,
        };
        t.setup_buffers();
        t
    }

    fn jitter_config(&self) -> JitterConfig {
        JitterConfig {
            frame: self.p.packet_time,
            clock_rate: self.p.encoder.info().rtp_clock_rate,
            min_delay: self.cfg.jitter_min,
            max_delay: self.cfg.jitter_max,
            max_payload: 1500,
        }
    }

    fn setup_buffers(&mut self) {
        let p = &self.p;
        let max_payload = p.encoder.info().max_payload_bytes * p.frames_per_packet;
        self.src_pcm = vec![0; p.source_samples.max(1)];
        self.codec_pcm = vec![0; p.codec_samples.max(1)];
        self.payload = vec![0; max_payload.max(1)];
        self.out = vec![0; 12 + max_payload.max(1)];
        // Decoded audio waits here until a whole packet time is available;
        // 1500-byte G.711 payloads decode to 1500 samples.
        self.dec_pcm = vec![0; 4096];
        self.play = vec![0; p.codec_samples * 2 + 4096];
        self.play_len = 0;
        let sink_len = match &p.recv_resampler {
            Some(r) => r.max_output_len(),
            None => p.codec_samples,
        };
        self.sink_pcm = vec![0; sink_len.max(1)];
        self.jitter = JitterBuffer::new(self.jitter_config());
    }

    fn reconfigure(&mut self, p: Box<Pipeline>, now: Instant) {
        let codec_changed = !p
            .negotiated
            .send_codec
            .same_format(&self.p.negotiated.send_codec)
            || p.packet_time != self.p.packet_time;
        if !self.latched || p.negotiated.remote_rtp != self.p.negotiated.remote_rtp {
            self.remote_rtp = p.negotiated.remote_rtp;
            self.remote_rtcp = p.negotiated.remote_rtcp;
            self.latched = false;
        }
        let clock = p.encoder.info().rtp_clock_rate;
        self.session.set_send_clock_rate(clock);
        self.dtmf_tx = DtmfSender::new(clock);
        self.dtmf_rx = DtmfReceiver::new(clock);
        self.p = p;
        if codec_changed {
            self.setup_buffers();
            self.first_packet = true;
        }
        self.last_rtp_at = now;
        self.timeout_reported = false;
    }

    fn publish_stats(&self) {
        let s = self.session.stats();
        let j = self.jitter.stats();
        if let Ok(mut m) = self.shared.lock() {
            if m.codec != self.p.negotiated.send_codec.encoding {
                // Only on a codec change: no allocation per tick.
                m.codec.clone_from(&self.p.negotiated.send_codec.encoding);
            }
            m.packets_sent = s.packets_sent;
            m.packets_received = s.packets_received;
            m.bytes_sent = s.bytes_sent;
            m.bytes_received = s.bytes_received;
            m.packets_lost = s.packets_lost;
            m.fraction_lost = s.fraction_lost;
            m.jitter_ms = s.jitter_ms;
            m.remote_jitter_ms = s.remote_jitter_ms;
            m.rtt_ms = s.rtt.map(|d| d.as_secs_f32() * 1000.0);
            m.jitter_buffer_delay_ms = self.delay_avg_ms;
            m.late_frames = j.late;
            m.concealed_frames = j.lost;
            m.rtcp_sent = s.rtcp_sent;
            m.rtcp_received = s.rtcp_received;
        }
    }

    async fn send_rtp(&mut self, len: usize) {
        let Some(bytes) = self.out.get(..len) else {
            return;
        };
        if let Err(e) = self.rtp.send_to(bytes, self.remote_rtp).await {
            tracing::debug!(error = %e, "RTP send failed");
        }
    }

    async fn on_tick(&mut self, now: Instant) {
        // --- send side ---
        let n = self.src_pcm.len();
        match self.source.read(&mut self.src_pcm[..n]) {
            Ok(true) => {}
            Ok(false) => {
                if !self.source_finished {
                    self.source_finished = true;
                    self.events.send(MediaEvent::SourceFinished);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "audio source failed; sending silence");
                self.src_pcm.fill(0);
            }
        }
        let sends = self.p.negotiated.direction.sends();
        if sends {
            if let (false, Some(_)) = (
                self.dtmf_tx.is_active(),
                self.p.negotiated.send_telephone_event,
            ) {
                if let Some((digit, dur)) = self.dtmf_tx.next_queued() {
                    let _ = self.dtmf_tx.start(now, digit, dur, self.ts_offset);
                }
            }
            if self.dtmf_tx.is_active() {
                let pt = self.p.negotiated.send_telephone_event.unwrap_or(101);
                while let Some(pkt) = self.dtmf_tx.poll_packet(now) {
                    let h = self.session.outgoing(
                        now,
                        pt,
                        pkt.marker,
                        pkt.timestamp_offset,
                        pkt.payload.len(),
                    );
                    if let Ok(len) = write_packet(&mut self.out, &h, &pkt.payload) {
                        self.send_rtp(len).await;
                    }
                }
            } else if let Some(len) = self.encode_audio(now) {
                self.send_rtp(len).await;
            }
        }
        self.ts_offset = self.ts_offset.wrapping_add(self.p.ts_step);

        // --- receive side ---
        self.playout(now);

        if let (Some(timeout), true) =
            (self.cfg.rtp_timeout, self.p.negotiated.direction.receives())
        {
            if !self.timeout_reported && now.saturating_duration_since(self.last_rtp_at) >= timeout
            {
                self.timeout_reported = true;
                self.events.send(MediaEvent::RtpTimeout);
            }
        }
        self.publish_stats();
    }

    /// Encodes one packet of audio into `self.out`; returns its length.
    fn encode_audio(&mut self, now: Instant) -> Option<usize> {
        let pcm: &[i16] = match &mut self.p.send_resampler {
            Some(r) => {
                let n = r.process(&self.src_pcm, &mut self.codec_pcm).ok()?;
                self.codec_pcm.get(..n)?
            }
            None => &self.src_pcm,
        };
        let frame = self.p.encoder.info().frame_samples;
        let mut written = 0;
        for chunk in pcm.chunks_exact(frame).take(self.p.frames_per_packet) {
            let out = self.payload.get_mut(written..)?;
            match self.p.encoder.encode(chunk, out) {
                Ok(k) => written += k,
                Err(e) => {
                    tracing::warn!(error = %e, "encode failed");
                    return None;
                }
            }
        }
        let pt = self.p.negotiated.send_pt;
        let marker = std::mem::take(&mut self.first_packet);
        let h = self
            .session
            .outgoing(now, pt, marker, self.ts_offset, written);
        write_packet(&mut self.out, &h, self.payload.get(..written)?).ok()
    }

    fn append_play(&mut self, n: usize) {
        let room = self.play.len() - self.play_len;
        let n = n.min(room).min(self.dec_pcm.len());
        if let (Some(dst), Some(src)) = (
            self.play.get_mut(self.play_len..self.play_len + n),
            self.dec_pcm.get(..n),
        ) {
            dst.copy_from_slice(src);
            self.play_len += n;
        }
    }

    fn playout(&mut self, now: Instant) {
        // What is buffered when a frame is due, the frame itself included:
        // the delay the buffer adds to the frame played now.
        let level_ms = self.jitter.stats().delay.as_secs_f32() * 1000.0;
        self.delay_avg_ms += (level_ms - self.delay_avg_ms) / 50.0;
        let need = self.p.codec_samples;
        let receives = self.p.negotiated.direction.receives();
        while receives && self.play_len < need {
            match self.jitter.pop(now) {
                Pop::Frame {
                    payload_type,
                    payload,
                    ..
                } => {
                    if let Some(i) = self.p.decoder_for(payload_type) {
                        self.p.active = i;
                    }
                    let Some(d) = self.p.decoders.get_mut(self.p.active) else {
                        break;
                    };
                    match d.decoder.decode(payload, &mut self.dec_pcm) {
                        Ok(n) => self.append_play(n),
                        Err(_) => {
                            self.malformed += 1;
                            if let Ok(n) = d.decoder.conceal(&mut self.dec_pcm) {
                                self.append_play(n);
                            }
                        }
                    }
                }
                Pop::Lost { .. } => {
                    let Some(d) = self.p.decoders.get_mut(self.p.active) else {
                        break;
                    };
                    match d.decoder.conceal(&mut self.dec_pcm) {
                        Ok(n) if n > 0 => self.append_play(n),
                        _ => break,
                    }
                }
                Pop::Empty => break,
            }
        }
        // Short of audio (buffering, not receiving): pad with silence so the
        // device keeps a steady clock.
        if self.play_len < need {
            if let Some(s) = self.play.get_mut(self.play_len..need) {
                s.fill(0);
            }
            self.play_len = need;
        }
        let frame = &self.play[..need];
        let res = match &mut self.p.recv_resampler {
            Some(r) => match r.process(frame, &mut self.sink_pcm) {
                Ok(n) => self
                    .sink
                    .write(&self.sink_pcm[..n.min(self.sink_pcm.len())]),
                Err(_) => Ok(()),
            },
            None => self.sink.write(frame),
        };
        if let Err(e) = res {
            tracing::warn!(error = %e, "audio sink failed");
        }
        self.play.copy_within(need..self.play_len, 0);
        self.play_len -= need;
    }

    async fn on_rtp(&mut self, now: Instant, from: SocketAddr, len: usize, buf: &[u8]) {
        let Some(data) = buf.get(..len) else {
            return;
        };
        if rtcp::is_rtcp(data) {
            // RTCP multiplexed on the RTP port (RFC 5761).
            self.on_rtcp(now, from, data);
            return;
        }
        let Ok(pkt) = RtpPacket::parse(data) else {
            self.malformed += 1;
            return;
        };
        let pt = pkt.header.payload_type;
        let is_te = self.p.negotiated.recv_telephone_event == Some(pt);
        // Events keep their start timestamp: no jitter sample from them.
        let clock = if is_te {
            None
        } else {
            match self.p.decoder_for(pt).and_then(|i| self.p.decoders.get(i)) {
                Some(d) => Some(d.clock_rate),
                None => {
                    self.malformed += 1;
                    return;
                }
            }
        };
        let verdict = self.session.receive_rtp(now, from, &pkt, clock);
        while let Some(ev) = self.session.poll_event() {
            match ev {
                SessionEvent::RemoteSourceChanged { ssrc } => {
                    tracing::debug!(ssrc, "remote RTP source (re)started");
                    self.jitter.reset();
                }
                SessionEvent::SsrcCollision { old, new } => {
                    tracing::info!(old, new, "SSRC collision: changed our SSRC");
                }
                SessionEvent::RemoteBye { ssrc } => tracing::debug!(ssrc, "remote BYE"),
            }
        }
        if verdict != RtpVerdict::Accept {
            return;
        }
        self.last_rtp_at = now;
        self.timeout_reported = false;
        if self.cfg.symmetric_rtp && from != self.remote_rtp {
            tracing::info!(%from, "symmetric RTP: latching to the peer's source address");
            self.remote_rtp = from;
            let mut rtcp = from;
            rtcp.set_port(from.port().wrapping_add(1));
            self.remote_rtcp = rtcp;
            self.latched = true;
        }
        if is_te {
            let d = self.dtmf_rx.receive(pkt.header.timestamp, pkt.payload);
            for digit in d.into_iter().chain(self.dtmf_rx.take_pending()) {
                self.events.send(MediaEvent::Dtmf {
                    digit: digit.digit,
                    duration: digit.duration,
                });
            }
        } else if self.p.negotiated.direction.receives() {
            self.jitter.push(
                now,
                pkt.header.sequence,
                pkt.header.timestamp,
                pt,
                pkt.payload,
            );
        }
    }

    fn on_rtcp(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        if self.session.receive_rtcp(now, from, data).is_err() {
            self.malformed += 1;
        }
    }

    async fn send_rtcp_due(&mut self, now: Instant) {
        while let Some(n) = self.session.poll_rtcp(now, &mut self.rtcp_out) {
            if let Some(b) = self.rtcp_out.get(..n) {
                if let Err(e) = self.rtcp.send_to(b, self.remote_rtcp).await {
                    tracing::debug!(error = %e, "RTCP send failed");
                }
            }
        }
    }

    async fn finish(&mut self, now: Instant) {
        if let Ok(n) = self.session.bye(now, &mut self.rtcp_out) {
            if let Some(b) = self.rtcp_out.get(..n) {
                let _ = self.rtcp.send_to(b, self.remote_rtcp).await;
            }
        }
        let _ = self.sink.flush();
        self.publish_stats();
    }

    /// Runs until `Stop` or until the handle is dropped.
    pub async fn run(mut self, mut cmds: mpsc::Receiver<Cmd>) {
        let mut rtp_buf = vec![0u8; MAX_DATAGRAM];
        let mut rtcp_buf = vec![0u8; MAX_DATAGRAM];
        let mut tick = tokio::time::interval(self.p.packet_time);
        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
        loop {
            let rtcp_at = tokio::time::Instant::from_std(self.session.poll_timeout());
            tokio::select! {
                cmd = cmds.recv() => {
                    let now = tokio::time::Instant::now().into_std();
                    match cmd {
                        None | Some(Cmd::Stop) => {
                            self.finish(now).await;
                            break;
                        }
                        Some(Cmd::Apply(p)) => {
                            let new_period = p.packet_time != self.p.packet_time;
                            self.reconfigure(p, now);
                            if new_period {
                                tick = tokio::time::interval(self.p.packet_time);
                                tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
                            }
                        }
                        Some(Cmd::Dtmf(d, dur)) => {
                            if let Err(e) = self.dtmf_tx.queue(d, dur) {
                                tracing::warn!(error = %e, "DTMF not queued");
                            }
                        }
                    }
                }
                r = self.rtp.recv_from(&mut rtp_buf) => {
                    // Errors (e.g. ICMP port unreachable reported as
                    // ECONNREFUSED) concern one earlier send: keep going.
                    match r {
                        Ok((n, _)) if n >= MAX_DATAGRAM => self.malformed += 1,
                        Ok((n, from)) => {
                            let now = tokio::time::Instant::now().into_std();
                            self.on_rtp(now, from, n, &rtp_buf).await;
                        }
                        Err(_) => {}
                    }
                }
                r = self.rtcp.recv_from(&mut rtcp_buf) => {
                    match r {
                        Ok((n, _)) if n >= MAX_DATAGRAM => self.malformed += 1,
                        Ok((n, from)) => {
                            let now = tokio::time::Instant::now().into_std();
                            if let Some(d) = rtcp_buf.get(..n) {
                                self.on_rtcp(now, from, d);
                            }
                        }
                        Err(_) => {}
                    }
                }
                at = tick.tick() => {
                    let now = tokio::time::Instant::now();
                    let lag = now.saturating_duration_since(at);
                    if lag > self.p.packet_time * 10 {
                        // Stalled: skip the gap instead of bursting it out.
                        let missed = (lag.as_micros() / self.p.packet_time.as_micros().max(1)) as u32;
                        self.ts_offset = self.ts_offset.wrapping_add(self.p.ts_step.wrapping_mul(missed));
                        tick.reset();
                    }
                    self.on_tick(now.into_std()).await;
                }
                _ = tokio::time::sleep_until(rtcp_at) => {
                    let now = tokio::time::Instant::now().into_std();
                    self.send_rtcp_due(now).await;
                }
            }
        }
        tracing::debug!(call = %self.call, malformed = self.malformed, "media task ended");
    }
}
