//! Settings of a media session that do not come from negotiation.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::codec::CodecRegistry;

/// How a [`MediaSession`](super::MediaSession) runs, apart from what
/// offer/answer agreed.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use openphone_media::codec::CodecRegistry;
/// use openphone_media::session::MediaSessionConfig;
/// let mut cfg = MediaSessionConfig::new("alice@192.0.2.1", Arc::new(CodecRegistry::with_builtin()));
/// cfg.rtp_timeout = Some(Duration::from_secs(30));
/// assert_eq!(cfg.relearn_quiet, Duration::from_secs(1));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MediaSessionConfig {
    /// Our RTCP CNAME.
    pub cname: String,
    /// Where encoders and decoders come from.
    pub registry: Arc<CodecRegistry>,
    /// Nominal RTCP interval (RFC 3550 §6.2; default 5 s).
    pub rtcp_interval: Duration,
    /// Report [`MediaSessionEvent::RtpTimeout`](super::MediaSessionEvent::RtpTimeout)
    /// when no RTP arrives for this long while receiving (default off).
    pub rtp_timeout: Option<Duration>,
    /// Jitter buffer delay bounds (default 40–300 ms).
    ///
    /// The delay counts the frame due now, so 40 ms is one packet of
    /// cushion. At 20 ms playout started on the first packet and the next
    /// scheduling hiccup ran the buffer dry; the concealment that filled
    /// the gap desynchronised predictive decoders (Speex decoded a steady
    /// tone to noise for the rest of the call).
    pub jitter_min: Duration,
    /// Upper jitter buffer bound.
    pub jitter_max: Duration,
    /// Send to the address the peer's RTP comes from once learned, instead
    /// of the signalled one (peers behind NAT; default off). Receiving is
    /// strict either way (see the latching rule in [`super`]).
    pub symmetric_rtp: bool,
    /// How long the learned source must have been silent before another
    /// address may take over (default 1 s).
    pub relearn_quiet: Duration,
    /// Consecutive packets (one SSRC, consecutive sequence numbers) from
    /// the new address needed to take over (default 3).
    pub relearn_packets: u32,
    /// Our own RTP address, to tell our looped packets from an SSRC collision.
    pub local_rtp: Option<SocketAddr>,
    /// First RTP sequence number we send; `None` draws it from the seed
    /// (tests start just before the 65,535 → 0 wrap).
    pub initial_sequence: Option<u16>,
    /// Append an RFC 3611 VoIP Metrics block (loss and discard rates,
    /// burst/gap pattern, jitter-buffer delays, R-factor and MOS) about
    /// the stream we receive to every RTCP report (default on). Receivers
    /// ignore RTCP packet types they do not know (RFC 3550 §6.1).
    pub rtcp_xr: bool,
}

impl MediaSessionConfig {
    /// Defaults: RTCP every 5 s with XR VoIP metrics, no RTP timeout, jitter buffer 40–300 ms,
    /// no symmetric sending, re-learning after 1 s of silence and 3 packets.
    pub fn new(cname: impl Into<String>, registry: Arc<CodecRegistry>) -> Self {
        MediaSessionConfig {
            cname: cname.into(),
            registry,
            rtcp_interval: Duration::from_secs(5),
            rtp_timeout: None,
            jitter_min: Duration::from_millis(40),
            jitter_max: Duration::from_millis(300),
            symmetric_rtp: false,
            relearn_quiet: Duration::from_secs(1),
            relearn_packets: 3,
            local_rtp: None,
            initial_sequence: None,
            rtcp_xr: true,
        }
    }
}
