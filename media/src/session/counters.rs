//! A session's figures as one plain value: copied out without locks or
//! allocation, turned into the SAL's [`MediaStats`] when asked.

use openphone_sal::MediaStats;

/// Every counter and current figure of one session.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct SessionCounters {
    /// RTP packets sent (audio and events).
    pub packets_sent: u64,
    /// Their payload bytes.
    pub bytes_sent: u64,
    /// RTP packets accepted from the remote source.
    pub packets_received: u64,
    /// Their payload bytes.
    pub bytes_received: u64,
    /// Lost on the way in (RFC 3550 A.3).
    pub packets_lost: i64,
    /// Fraction lost in the last RTCP interval, 0–1.
    pub fraction_lost: f32,
    /// Interarrival jitter, ms (RFC 3550 A.8).
    pub jitter_ms: f32,
    /// Jitter the peer reported, ms.
    pub remote_jitter_ms: Option<f32>,
    /// The peer's R-factor for our stream (its RTCP XR VoIP Metrics).
    pub remote_r_factor: Option<f32>,
    /// The peer's MOS-CQ for our stream (same block).
    pub remote_mos: Option<f32>,
    /// Round-trip time from RTCP, ms.
    pub rtt_ms: Option<f32>,
    /// RTCP compounds sent.
    pub rtcp_sent: u64,
    /// RTCP compounds received.
    pub rtcp_received: u64,
    /// Jitter-buffer delay averaged over about a second, ms.
    pub jitter_buffer_delay_ms: f32,
    /// Packets that came after their frame was concealed.
    pub late_frames: u64,
    /// Frames made up by codec concealment.
    pub concealed_frames: u64,
    /// Lost frames rebuilt from in-band FEC.
    pub fec_recovered: u64,
    /// Comfort-noise frames played.
    pub comfort_noise_frames: u64,
    /// Duplicate packets discarded by the jitter buffer.
    pub duplicates: u64,
    /// RTP from an address other than the learned source: dropped.
    pub foreign_dropped: u64,
    /// RTCP from an address other than the peer's: dropped.
    pub rtcp_foreign_dropped: u64,
    /// Datagrams that were neither valid RTP nor valid RTCP.
    pub malformed: u64,
    /// RTP with a payload type that was not agreed.
    pub unknown_payload_type: u64,
    /// Packets of an agreed payload type we cannot play (no decoder here).
    pub unplayable: u64,
    /// Payloads the decoder rejected.
    pub decode_errors: u64,
    /// Times another address took over as the source.
    pub relearned: u64,
    /// Datagrams not sent because the caller did not drain `poll_transmit`.
    pub transmit_dropped: u64,
    /// Events not queued because the caller did not drain `poll_event`.
    pub events_dropped: u64,
    /// SRTP/SRTCP packets dropped because they failed authentication (or
    /// were not SRTP at all, e.g. clear RTP on an encrypted call).
    pub srtp_auth_failed: u64,
    /// SRTP/SRTCP packets dropped as replays (seen before, or older than the window).
    pub srtp_replayed: u64,
    /// Packets we did not send because protecting them failed.
    pub srtp_protect_failed: u64,
}

impl SessionCounters {
    /// The SAL's statistics, naming the codec in use.
    pub fn to_media_stats(&self, codec: &str) -> MediaStats {
        let mut m = MediaStats::default();
        self.fill_media_stats(&mut m);
        m.codec = codec.to_string();
        m
    }

    /// Copies the figures into `m` (its codec name is left alone, so a
    /// caller updating the same value again allocates nothing).
    pub fn fill_media_stats(&self, m: &mut MediaStats) {
        m.packets_sent = self.packets_sent;
        m.packets_received = self.packets_received;
        m.bytes_sent = self.bytes_sent;
        m.bytes_received = self.bytes_received;
        m.packets_lost = self.packets_lost;
        m.fraction_lost = self.fraction_lost;
        m.jitter_ms = self.jitter_ms;
        m.remote_jitter_ms = self.remote_jitter_ms;
        m.remote_r_factor = self.remote_r_factor;
        m.remote_mos = self.remote_mos;
        m.rtt_ms = self.rtt_ms;
        m.jitter_buffer_delay_ms = self.jitter_buffer_delay_ms;
        m.late_frames = self.late_frames;
        m.concealed_frames = self.concealed_frames;
        m.rtcp_sent = self.rtcp_sent;
        m.rtcp_received = self.rtcp_received;
    }
}
