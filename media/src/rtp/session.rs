//! The sans-IO RTP/RTCP session of one call (RFC 3550): our SSRC, sequence
//! numbers and timestamps, the remote source's statistics, RTCP reports on a
//! timer, RTT from LSR/DLSR, SSRC collisions (§8.2) and source changes.
//!
//! No I/O and no clock: every call takes `now`, and the NTP wall-clock time
//! is derived from the one NTP reading given at construction plus the
//! monotonic `now` (so SR timestamps never jump with the system clock).
//!
//! RTCP interval: RFC 3550 §6.3's algorithm reduces, for a two-party call at
//! telephony bit rates, to its 5 s minimum; we use that minimum randomised
//! uniformly in [0.5, 1.5] × 5 s (§6.3.1) and send the first report after
//! half an interval (§6.2 allows the initial halving). Timer reconsideration
//! and the bandwidth fraction are not needed for two members and are not
//! implemented.
//!
//! ```
//! use std::time::Instant;
//! use openphone_media::rtp::session::{RtpSession, SessionConfig};
//! let now = Instant::now();
//! let mut s = RtpSession::new(now, 0, SessionConfig::new("me@host", 8000), 1);
//! let h = s.outgoing(now, 0, true, 0, 160);
//! assert_eq!(h.ssrc, s.local_ssrc());
//! let h2 = s.outgoing(now, 0, false, 160, 160);
//! assert_eq!(h2.sequence, h.sequence.wrapping_add(1));
//! assert_eq!(h2.timestamp, h.timestamp.wrapping_add(160));
//! ```

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use super::packet::{RtpHeader, RtpPacket};
use super::rtcp::{self, ReportBlock, RtcpError, RtcpPacket, RtcpWriter, SenderInfo};
use super::stats::{ReceiverStats, SeqOutcome};
use super::xr::{ExtendedReport, VoipMetrics, XrBlock};

/// Session settings.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Our RTCP CNAME.
    pub cname: String,
    /// Clock rate of what we send (for SR timestamps).
    pub send_clock_rate: u32,
    /// Nominal RTCP report interval (default 5 s).
    pub rtcp_interval: Duration,
    /// Our own RTP address, to tell a loop from an SSRC collision (§8.2).
    pub local_addr: Option<SocketAddr>,
}

impl SessionConfig {
    /// Defaults: 5 s RTCP interval, no local address.
    pub fn new(cname: impl Into<String>, send_clock_rate: u32) -> Self {
        SessionConfig {
            cname: cname.into(),
            send_clock_rate,
            rtcp_interval: Duration::from_secs(5),
            local_addr: None,
        }
    }
}

/// What the session reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// Someone else uses our SSRC: we picked a new one and will send BYE for the old.
    SsrcCollision {
        /// The SSRC we gave up.
        old: u32,
        /// The one we use now.
        new: u32,
    },
    /// The remote source changed (new SSRC validated, or the sender restarted
    /// its sequence): the receive path must reset its jitter buffer.
    RemoteSourceChanged {
        /// The SSRC we now receive.
        ssrc: u32,
    },
    /// The remote source sent BYE.
    RemoteBye {
        /// The SSRC that left.
        ssrc: u32,
    },
}

/// What to do with a received RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtpVerdict {
    /// Play it.
    Accept,
    /// Not (yet) a validated source, a bad jump, our own looped packet or a
    /// collision: drop it.
    Drop,
}

#[derive(Debug, Clone)]
struct RemoteSource {
    ssrc: u32,
    stats: ReceiverStats,
    /// Middle 32 bits of the NTP time in its last SR, and when it came.
    last_sr: Option<(u32, Instant)>,
}

/// Counters and figures for [`MediaStats`](openphone_sal::MediaStats).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionStats {
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// RTP packets accepted from the remote source.
    pub packets_received: u64,
    /// Their payload bytes.
    pub bytes_received: u64,
    /// Cumulative lost (RFC 3550 A.3).
    pub packets_lost: i64,
    /// Fraction lost in the last reported interval, 0–1.
    pub fraction_lost: f32,
    /// Interarrival jitter of incoming RTP, ms.
    pub jitter_ms: f32,
    /// Jitter the peer reported about us, ms.
    pub remote_jitter_ms: Option<f32>,
    /// Round-trip time from the peer's last report.
    pub rtt: Option<Duration>,
    /// RTCP packets (compounds) sent.
    pub rtcp_sent: u64,
    /// RTCP compounds received.
    pub rtcp_received: u64,
    /// The peer's last RFC 3611 VoIP Metrics block about our stream.
    pub remote_voip: Option<VoipMetrics>,
}

/// One call's RTP/RTCP state.
#[derive(Debug)]
pub struct RtpSession {
    config: SessionConfig,
    rng: rand::rngs::StdRng,
    ssrc: u32,
    seq: u16,
    ts_base: u32,
    /// Last RTP timestamp sent and when, to extrapolate SR timestamps.
    last_sent: Option<(u32, Instant)>,
    sent_packets: u32,
    sent_octets: u32,
    sent_since_report: bool,
    remote: Option<RemoteSource>,
    /// A different SSRC showing up, validated by probation before we switch.
    candidate: Option<RemoteSource>,
    epoch: Instant,
    ntp_at_epoch: u64,
    next_rtcp: Instant,
    pending_bye: Vec<u32>,
    events: VecDeque<SessionEvent>,
    stats: SessionStats,
    recv_clock_rate: u32,
    /// The XR packet appended to each report, kept to reuse its block
    /// storage (no allocation per report); `None`: no XR.
    xr: Option<ExtendedReport>,
}

/// NTP 64-bit fixed point from a duration added to a base.
fn ntp_add(base: u64, d: Duration) -> u64 {
    let secs = d.as_secs();
    let frac = ((d.subsec_nanos() as u64) << 32) / 1_000_000_000;
    base.wrapping_add((secs << 32) | frac)
}

fn mid32(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

impl RtpSession {
    /// A session starting at `now`, when the wall clock read `ntp_now` (NTP
    /// 64-bit format). `seed` seeds SSRC, sequence and timestamp choice and
    /// the RTCP randomisation (the driver passes a random one; tests fix it).
    pub fn new(now: Instant, ntp_now: u64, config: SessionConfig, seed: u64) -> Self {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let ssrc = rng.gen();
        let seq = rng.gen();
        let ts_base = rng.gen();
        let first = config.rtcp_interval.mul_f64(rng.gen_range(0.25..0.75));
        RtpSession {
            config,
            rng,
            ssrc,
            seq,
            ts_base,
            last_sent: None,
            sent_packets: 0,
            sent_octets: 0,
            sent_since_report: false,
            remote: None,
            candidate: None,
            epoch: now,
            ntp_at_epoch: ntp_now,
            next_rtcp: now + first,
            pending_bye: Vec::new(),
            events: VecDeque::new(),
            stats: SessionStats::default(),
            recv_clock_rate: 8000,
            xr: None,
        }
    }

    /// Our current SSRC.
    pub fn local_ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The validated remote SSRC, if any.
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.remote.as_ref().map(|r| r.ssrc)
    }

    /// Sets the sequence number of the next packet we send (RFC 3550 wants
    /// a random start, which [`new`](Self::new) draws from its seed; tests
    /// pick one, e.g. just before the 65,535 → 0 wrap).
    pub fn set_next_sequence(&mut self, seq: u16) {
        self.seq = seq;
    }

    /// Changes the clock rate of what we send (codec change on re-INVITE).
    pub fn set_send_clock_rate(&mut self, rate: u32) {
        self.config.send_clock_rate = rate.max(1);
    }

    fn ntp(&self, now: Instant) -> u64 {
        ntp_add(self.ntp_at_epoch, now.saturating_duration_since(self.epoch))
    }

    /// The header for the next packet we send. `ts_offset` is the media
    /// position in RTP clock units since the start of sending (several
    /// packets of one DTMF event share it); counts the packet for SR.
    pub fn outgoing(
        &mut self,
        now: Instant,
        payload_type: u8,
        marker: bool,
        ts_offset: u32,
        payload_len: usize,
    ) -> RtpHeader {
        let h = RtpHeader {
            payload_type,
            marker,
            sequence: self.seq,
            timestamp: self.ts_base.wrapping_add(ts_offset),
            ssrc: self.ssrc,
        };
        self.seq = self.seq.wrapping_add(1);
        self.sent_packets = self.sent_packets.wrapping_add(1);
        self.sent_octets = self.sent_octets.wrapping_add(payload_len as u32);
        self.sent_since_report = true;
        self.last_sent = Some((h.timestamp, now));
        self.stats.packets_sent += 1;
        self.stats.bytes_sent += payload_len as u64;
        h
    }

    fn change_ssrc(&mut self) {
        let old = self.ssrc;
        let mut new = self.rng.gen();
        while new == old || Some(new) == self.remote_ssrc() {
            new = self.rng.gen();
        }
        self.ssrc = new;
        // §8.2: a new SSRC starts its own counts.
        self.sent_packets = 0;
        self.sent_octets = 0;
        self.pending_bye.push(old);
        self.events
            .push_back(SessionEvent::SsrcCollision { old, new });
    }

    /// Collision or loop check for a packet claiming our SSRC (§8.2).
    /// Returns true when the packet must be dropped.
    fn own_ssrc(&mut self, ssrc: u32, from: SocketAddr) -> bool {
        if ssrc != self.ssrc {
            return false;
        }
        if Some(from) != self.config.local_addr {
            self.change_ssrc();
        }
        true
    }

    /// Feeds a received RTP packet. `clock_rate` is that of its payload
    /// type, for the interarrival jitter; `None` for packets whose
    /// timestamps do not follow the sampling clock (RFC 4733 events keep
    /// the event's start timestamp for 100 ms or more) — they are counted
    /// but left out of the jitter estimate. Returns whether to play it.
    pub fn receive_rtp(
        &mut self,
        now: Instant,
        from: SocketAddr,
        packet: &RtpPacket<'_>,
        clock_rate: Option<u32>,
    ) -> RtpVerdict {
        let h = &packet.header;
        if self.own_ssrc(h.ssrc, from) {
            return RtpVerdict::Drop;
        }
        if let Some(rate) = clock_rate {
            self.recv_clock_rate = rate.max(1);
        }
        let arrival = clock_rate.map(|_| {
            now.saturating_duration_since(self.epoch).as_nanos() as u64
                * self.recv_clock_rate as u64
                / 1_000_000_000
        });
        match &mut self.remote {
            Some(r) if r.ssrc == h.ssrc => {
                let out = r.stats.update_seq(h.sequence);
                if let Some(a) = arrival {
                    r.stats.update_jitter(h.timestamp, a);
                }
                match out {
                    SeqOutcome::Valid => {}
                    SeqOutcome::Restarted => {
                        self.events
                            .push_back(SessionEvent::RemoteSourceChanged { ssrc: h.ssrc });
                    }
                    SeqOutcome::Probation | SeqOutcome::BadJump => return RtpVerdict::Drop,
                }
            }
            None => {
                // The call's first source is played from its first packet:
                // predictive codecs (Speex, iLBC, GSM, G.726) build their
                // state from it, and dropping it during RFC 3550 probation
                // left a Speex decoder off the encoder's track for seconds.
                // Probation still guards any *change* of source (below).
                let mut stats = ReceiverStats::new_trusted(h.sequence);
                if let Some(a) = arrival {
                    stats.update_jitter(h.timestamp, a);
                }
                self.candidate = None;
                self.remote = Some(RemoteSource {
                    ssrc: h.ssrc,
                    stats,
                    last_sr: None,
                });
                self.events
                    .push_back(SessionEvent::RemoteSourceChanged { ssrc: h.ssrc });
            }
            _ => {
                // A different source: validate by probation before switching
                // (a stray packet must not hijack the call).
                let cand = match &mut self.candidate {
                    Some(c) if c.ssrc == h.ssrc => c,
                    _ => self.candidate.insert(RemoteSource {
                        ssrc: h.ssrc,
                        stats: ReceiverStats::new(h.sequence),
                        last_sr: None,
                    }),
                };
                let out = cand.stats.update_seq(h.sequence);
                if let Some(a) = arrival {
                    cand.stats.update_jitter(h.timestamp, a);
                }
                if out != SeqOutcome::Valid {
                    return RtpVerdict::Drop;
                }
                self.remote = self.candidate.take();
                self.events
                    .push_back(SessionEvent::RemoteSourceChanged { ssrc: h.ssrc });
            }
        }
        self.stats.packets_received += 1;
        self.stats.bytes_received += packet.payload.len() as u64;
        RtpVerdict::Accept
    }

    /// Feeds a received RTCP compound. Reports for our SSRC give RTT and
    /// the peer's view of our stream; BYE from the remote source is reported.
    pub fn receive_rtcp(
        &mut self,
        now: Instant,
        from: SocketAddr,
        buf: &[u8],
    ) -> Result<(), RtcpError> {
        let (packets, err) = rtcp::parse_compound_lenient(buf);
        if packets.is_empty() {
            return Err(err.unwrap_or(RtcpError::Empty));
        }
        self.stats.rtcp_received += 1;
        for p in &packets {
            match p {
                RtcpPacket::SenderReport {
                    ssrc,
                    info,
                    reports,
                } => {
                    if self.own_ssrc(*ssrc, from) {
                        return Ok(());
                    }
                    if let Some(r) = self.remote.as_mut().filter(|r| r.ssrc == *ssrc) {
                        r.last_sr = Some((mid32(info.ntp), now));
                    }
                    self.reports(now, reports);
                }
                RtcpPacket::ReceiverReport { ssrc, reports } => {
                    if self.own_ssrc(*ssrc, from) {
                        return Ok(());
                    }
                    self.reports(now, reports);
                }
                RtcpPacket::ExtendedReport(xr) => {
                    let ours = xr.blocks.iter().rev().find_map(|b| match b {
                        XrBlock::VoipMetrics(m) if m.ssrc == self.ssrc => Some(*m),
                        _ => None,
                    });
                    if ours.is_some() {
                        self.stats.remote_voip = ours;
                    }
                }
                RtcpPacket::Goodbye { ssrcs, .. } => {
                    for s in ssrcs {
                        if self.remote_ssrc() == Some(*s) {
                            self.events.push_back(SessionEvent::RemoteBye { ssrc: *s });
                        }
                    }
                }
                _ => {}
            }
        }
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn reports(&mut self, now: Instant, reports: &[ReportBlock]) {
        for rb in reports.iter().filter(|rb| rb.ssrc == self.ssrc) {
            self.stats.remote_jitter_ms =
                Some(rb.jitter as f32 * 1000.0 / self.config.send_clock_rate.max(1) as f32);
            if rb.last_sr != 0 {
                // RTT = A − LSR − DLSR, all in 1/65536 s (§6.4.1).
                let a = mid32(self.ntp(now));
                let rtt = a
                    .wrapping_sub(rb.last_sr)
                    .wrapping_sub(rb.delay_since_last_sr);
                // A negative result (clock trouble, forged report) wraps to
                // a huge value: ignore anything over a minute.
                if rtt < 60 << 16 {
                    self.stats.rtt = Some(Duration::from_nanos((rtt as u64 * 1_000_000_000) >> 16));
                }
            }
        }
    }

    /// When [`poll_rtcp`](Self::poll_rtcp) next wants to run.
    pub fn poll_timeout(&self) -> Instant {
        if self.pending_bye.is_empty() {
            self.next_rtcp
        } else {
            // A BYE for an abandoned SSRC goes out at once.
            self.epoch
        }
    }

    fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        let r = self.remote.as_mut()?;
        let fraction = r.stats.take_fraction_lost();
        self.stats.fraction_lost = fraction as f32 / 256.0;
        let (last_sr, dlsr) = match r.last_sr {
            Some((mid, at)) => {
                let d = now.saturating_duration_since(at);
                let units = (d.as_nanos() << 16) / 1_000_000_000;
                (mid, units.min(u32::MAX as u128) as u32)
            }
            None => (0, 0),
        };
        Some(ReportBlock {
            ssrc: r.ssrc,
            fraction_lost: fraction,
            cumulative_lost: r.stats.cumulative_lost(),
            extended_highest_seq: r.stats.extended_max(),
            jitter: r.stats.jitter(),
            last_sr,
            delay_since_last_sr: dlsr,
        })
    }

    /// Appends an RFC 3611 VoIP Metrics block (about the source it names)
    /// to every report from now on, or stops (`None`). Set it again before
    /// each report to keep it current ([`poll_timeout`](Self::poll_timeout)
    /// says when the next one is due).
    pub fn set_voip_metrics(&mut self, metrics: Option<VoipMetrics>) {
        let Some(m) = metrics else {
            self.xr = None;
            return;
        };
        let xr = self.xr.get_or_insert_with(|| ExtendedReport {
            ssrc: 0,
            blocks: Vec::with_capacity(1),
        });
        match xr.blocks.first_mut() {
            Some(XrBlock::VoipMetrics(v)) => *v = m,
            _ => {
                xr.blocks.clear();
                xr.blocks.push(XrBlock::VoipMetrics(m));
            }
        }
    }

    /// Writes a due RTCP compound (pending BYE for an abandoned SSRC, or the
    /// periodic SR/RR + SDES) into `buf`; `None` if nothing is due.
    pub fn poll_rtcp(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        if let Some(old) = self.pending_bye.pop() {
            let mut w = RtcpWriter::new(buf);
            let ok = w
                .receiver_report(old, &[])
                .and_then(|_| w.bye(&[old], Some("SSRC collision")));
            if ok.is_ok() {
                self.stats.rtcp_sent += 1;
                return Some(w.len());
            }
        }
        if now < self.next_rtcp {
            return None;
        }
        let factor = self.rng.gen_range(0.5..1.5);
        self.next_rtcp = now + self.config.rtcp_interval.mul_f64(factor);
        let n = self.write_report(now, buf).ok()?;
        self.stats.rtcp_sent += 1;
        Some(n)
    }

    fn write_report(&mut self, now: Instant, buf: &mut [u8]) -> Result<usize, RtcpError> {
        let block = self.report_block(now);
        let blocks: &[ReportBlock] = match &block {
            Some(b) => std::slice::from_ref(b),
            None => &[],
        };
        let mut w = RtcpWriter::new(buf);
        if self.sent_since_report {
            let ntp = self.ntp(now);
            let rtp_timestamp = match self.last_sent {
                Some((ts, at)) => {
                    let d = now.saturating_duration_since(at);
                    let ticks = d.as_nanos() * self.config.send_clock_rate as u128 / 1_000_000_000;
                    ts.wrapping_add(ticks as u32)
                }
                None => self.ts_base,
            };
            let info = SenderInfo {
                ntp,
                rtp_timestamp,
                packet_count: self.sent_packets,
                octet_count: self.sent_octets,
            };
            w.sender_report(self.ssrc, &info, blocks)?;
        } else {
            w.receiver_report(self.ssrc, blocks)?;
        }
        self.sent_since_report = false;
        w.sdes_cname(self.ssrc, &self.config.cname)?;
        if let Some(xr) = &mut self.xr {
            xr.ssrc = self.ssrc;
            if let Err(e) = w.extended_report(xr) {
                // The report goes out without it.
                tracing::debug!(error = %e, "RTCP XR left out");
            }
        }
        Ok(w.len())
    }

    /// Writes a final RR/SR + SDES + BYE compound (on hang-up).
    pub fn bye(&mut self, now: Instant, buf: &mut [u8]) -> Result<usize, RtcpError> {
        let n = self.write_report(now, buf)?;
        let rest = buf.get_mut(n..).ok_or(RtcpError::BufferTooSmall)?;
        let mut w = RtcpWriter::new(rest);
        w.bye(&[self.ssrc], None)?;
        self.stats.rtcp_sent += 1;
        Ok(n + w.len())
    }

    /// Next event, if any.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// Current figures.
    pub fn stats(&self) -> SessionStats {
        let mut s = self.stats.clone();
        if let Some(r) = &self.remote {
            s.packets_lost = r.stats.cumulative_lost() as i64;
            s.jitter_ms = r.stats.jitter() as f32 * 1000.0 / self.recv_clock_rate as f32;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::packet::write_packet;

    fn addr(p: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], p))
    }

    /// Sends `n` packets from `a` to `b`, 20 ms apart.
    fn flow(a: &mut RtpSession, b: &mut RtpSession, t0: Instant, n: u32, skip: &[u32]) -> Instant {
        let mut buf = [0u8; 200];
        let mut t = t0;
        for i in 0..n {
            t = t0 + Duration::from_millis(20 * i as u64);
            let h = a.outgoing(t, 0, i == 0, i * 160, 160);
            if skip.contains(&i) {
                continue;
            }
            let len = write_packet(&mut buf, &h, &[0xFF; 160]).unwrap();
            let p = RtpPacket::parse(&buf[..len]).unwrap();
            b.receive_rtp(t, addr(1000), &p, Some(8000));
        }
        t
    }

    #[test]
    fn reports_loss_and_rtt() {
        let t0 = Instant::now();
        let mut a = RtpSession::new(t0, 1 << 40, SessionConfig::new("a", 8000), 1);
        let mut b = RtpSession::new(t0, 5 << 40, SessionConfig::new("b", 8000), 2);
        let t = flow(&mut a, &mut b, t0, 100, &[10, 11, 50]);
        assert_eq!(b.stats().packets_lost, 3);
        assert_eq!(b.stats().jitter_ms, 0.0);
        let mut buf = [0u8; 512];
        // a's SR reaches b 10 ms later; b answers 100 ms after that, arriving 10 ms later.
        let t_sr = t + Duration::from_secs(5);
        let n = a.write_report(t_sr, &mut buf).unwrap();
        b.receive_rtcp(t_sr + Duration::from_millis(10), addr(1001), &buf[..n])
            .unwrap();
        let t_rr = t_sr + Duration::from_millis(110);
        let n = b.write_report(t_rr, &mut buf).unwrap();
        a.receive_rtcp(t_rr + Duration::from_millis(10), addr(1003), &buf[..n])
            .unwrap();
        let rtt = a.stats().rtt.unwrap();
        assert!(
            (rtt.as_secs_f64() - 0.020).abs() < 0.001,
            "rtt {rtt:?} should be 20 ms"
        );
        assert_eq!(a.stats().remote_jitter_ms, Some(0.0));
        assert_eq!(a.stats().rtcp_received, 1);
    }

    #[test]
    fn rtcp_timer_randomised_around_5s() {
        let t0 = Instant::now();
        let mut s = RtpSession::new(t0, 0, SessionConfig::new("x", 8000), 9);
        let mut buf = [0u8; 256];
        let first = s.poll_timeout() - t0;
        assert!(first >= Duration::from_millis(1250) && first <= Duration::from_millis(3750));
        assert!(s.poll_rtcp(t0, &mut buf).is_none());
        let mut t = s.poll_timeout();
        let mut gaps = Vec::new();
        for _ in 0..50 {
            assert!(s.poll_rtcp(t, &mut buf).is_some());
            let next = s.poll_timeout();
            gaps.push(next - t);
            t = next;
        }
        assert!(gaps
            .iter()
            .all(|g| *g >= Duration::from_millis(2500) && *g <= Duration::from_millis(7500)));
        let mean = gaps.iter().sum::<Duration>() / gaps.len() as u32;
        assert!(mean > Duration::from_secs(4) && mean < Duration::from_secs(6));
    }

    #[test]
    fn collision_changes_ssrc_and_sends_bye() {
        let t0 = Instant::now();
        let mut cfg = SessionConfig::new("a", 8000);
        cfg.local_addr = Some(addr(4000));
        let mut a = RtpSession::new(t0, 0, cfg, 1);
        let old = a.local_ssrc();
        let mut buf = [0u8; 64];
        let h = RtpHeader {
            ssrc: old,
            ..Default::default()
        };
        let n = write_packet(&mut buf, &h, &[1, 2]).unwrap();
        let p = RtpPacket::parse(&buf[..n]).unwrap();
        // Our own packet looped back: not a collision.
        assert_eq!(
            a.receive_rtp(t0, addr(4000), &p, Some(8000)),
            RtpVerdict::Drop
        );
        assert_eq!(a.local_ssrc(), old);
        // Same SSRC from elsewhere: collision.
        assert_eq!(
            a.receive_rtp(t0, addr(5000), &p, Some(8000)),
            RtpVerdict::Drop
        );
        let new = a.local_ssrc();
        assert_ne!(new, old);
        assert_eq!(
            a.poll_event(),
            Some(SessionEvent::SsrcCollision { old, new })
        );
        // The BYE is due immediately, not at the next report time.
        assert!(a.poll_timeout() <= t0);
        let mut out = [0u8; 128];
        let n = a.poll_rtcp(t0, &mut out).unwrap();
        let parsed = rtcp::parse_compound(&out[..n]).unwrap();
        assert!(parsed
            .iter()
            .any(|p| matches!(p, RtcpPacket::Goodbye { ssrcs, .. } if ssrcs == &vec![old])));
    }

    #[test]
    fn first_source_plays_at_once_and_a_new_ssrc_needs_probation() {
        let t0 = Instant::now();
        let mut b = RtpSession::new(t0, 0, SessionConfig::new("b", 8000), 2);
        let mut buf = [0u8; 64];
        let mut feed = |b: &mut RtpSession, ssrc: u32, seq: u16| {
            let h = RtpHeader {
                ssrc,
                sequence: seq,
                ..Default::default()
            };
            let n = write_packet(&mut buf, &h, &[1]).unwrap();
            let p = RtpPacket::parse(&buf[..n]).unwrap();
            b.receive_rtp(t0, addr(1), &p, Some(8000))
        };
        // The call's first source plays from its first packet.
        assert_eq!(feed(&mut b, 7, 100), RtpVerdict::Accept);
        assert_eq!(
            b.poll_event(),
            Some(SessionEvent::RemoteSourceChanged { ssrc: 7 })
        );
        assert_eq!(feed(&mut b, 7, 101), RtpVerdict::Accept);
        assert_eq!(b.stats().packets_received, 2);
        // One stray packet from another SSRC does not take over.
        assert_eq!(feed(&mut b, 8, 5000), RtpVerdict::Drop);
        assert_eq!(feed(&mut b, 7, 102), RtpVerdict::Accept);
        assert_eq!(b.remote_ssrc(), Some(7));
        // A sustained new source does.
        assert_eq!(feed(&mut b, 9, 1), RtpVerdict::Drop);
        assert_eq!(feed(&mut b, 9, 2), RtpVerdict::Accept);
        assert_eq!(b.remote_ssrc(), Some(9));
    }
}
