//! The session's ZRTP step (RFC 6189): the key exchange runs in the media
//! path, on the RTP socket, before any SRTP or RTP handling.
//!
//! ZRTP packets are told apart from RTP by [`crate::zrtp::is_zrtp`] and go
//! to the [`ZrtpSession`]; what it sends leaves from the RTP socket to the
//! RTP destination; its retransmission timer is part of the session's
//! deadline. When it is secure, its keys become the session's SRTP context
//! (see `secure`).
//!
//! **Before keys.** With a required policy nothing is sent, not even the
//! first RTP packet, and nothing clear is played, until ZRTP is secure; if
//! it fails, the call stays silent and reports
//! [`SecurityState::Failed`](openphone_sal::SecurityState::Failed) (the phone
//! ends it). Without `required`, clear RTP flows while ZRTP runs, as other
//! phones do (best effort), and switches to SRTP once keyed.

use std::time::Instant;

use crate::zrtp::ZrtpSession;

/// A running ZRTP exchange and the packet lent by `poll_transmit`.
pub(super) struct ZrtpLink {
    pub session: Box<ZrtpSession>,
    /// The packet last handed out (kept so the caller may borrow it).
    lent: Vec<u8>,
    /// An SRTP packet from the peer authenticated since keys were set.
    pub srtp_confirmed: bool,
}

impl ZrtpLink {
    /// Starts `session` at `now`, its packets carrying `ssrc`.
    pub fn start(mut session: Box<ZrtpSession>, ssrc: u32, now: Instant) -> Self {
        session.set_ssrc(ssrc);
        session.start(now);
        ZrtpLink {
            session,
            lent: Vec::new(),
            srtp_confirmed: false,
        }
    }

    /// The next packet to send, lent until the next call.
    pub fn next_packet(&mut self) -> Option<&[u8]> {
        self.lent = self.session.poll_transmit()?;
        Some(&self.lent)
    }
}
