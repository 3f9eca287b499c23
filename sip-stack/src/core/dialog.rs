//! Calls and their dialogs (RFC 3261 §12): identifiers, route set, remote target,
//! CSeq spaces, and building requests inside a dialog.

use std::net::SocketAddr;
use std::time::Instant;

use openphone_sal::{
    AccountId, CallId, Cause, EndReason, MediaDescription, NegotiatedMedia, Operation, Reason,
};

use super::build::OutRequest;
use super::sdp_glue::{self, Origin};
use super::target::parse_uri_text;
use super::SipCore;
use crate::transaction::Retransmitter;
use crate::transport::TransportKind;

/// Where a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// UAC: INVITE sent, no final response.
    Calling,
    /// UAS: INVITE received, no final response sent.
    Incoming,
    /// UAS: 2xx sent, waiting for the ACK.
    Answered,
    /// Dialog confirmed.
    Confirmed,
}

/// One call.
#[derive(Debug)]
pub(crate) struct Call {
    pub id: CallId,
    /// The account the call belongs to (kept for logs and future per-account policy).
    #[allow(dead_code)]
    pub account: Option<AccountId>,
    pub outgoing: bool,
    pub phase: Phase,
    /// CallEnded was reported; the entry only lingers to finish protocol duties.
    pub ended: bool,
    pub span: tracing::Span,

    // Dialog identity and state (§12.1).
    pub call_id: String,
    pub local_tag: String,
    pub remote_tag: Option<String>,
    /// Our name-addr without tag (From for UAC, To for UAS).
    pub local: String,
    /// The peer's name-addr without tag.
    pub remote: String,
    pub local_cseq: u32,
    pub remote_cseq: Option<u32>,
    /// Remote target URI (from Contact).
    pub remote_target: String,
    /// Route set, in the order Route headers are sent.
    pub route_set: Vec<String>,
    pub contact: String,
    pub transport: TransportKind,
    /// Where in-dialog requests go when the route set/target cannot be resolved.
    pub peer: SocketAddr,

    // Offer/answer.
    /// Our description as the phone gave it in Dial or Answer; hold and
    /// resume re-offer it with the direction changed.
    pub local_media: Option<MediaDescription>,
    /// We hold the peer (the last hold re-INVITE succeeded).
    pub local_held: bool,
    pub our_offer: Option<MediaDescription>,
    pub remote_offer: Option<MediaDescription>,
    /// The peer's last SDP offer, whole (our answer mirrors its m-lines).
    pub remote_sdp: Option<openphone_sdp::SessionDescription>,
    pub negotiated: Option<NegotiatedMedia>,
    pub origin: Origin,
    pub remote_held: bool,

    // UAC.
    pub invite_key: Option<String>,
    pub invite_cseq: u32,
    pub got_provisional: bool,
    pub cancel_wanted: bool,
    pub cancel_sent: bool,
    /// Last ACK for a 2xx, re-sent when the 2xx is retransmitted.
    pub ack: Option<(u32, Vec<u8>)>,
    pub auth_tries: u8,
    pub auth: Option<crate::auth::DigestClient>,
    pub reinvite_key: Option<String>,
    /// A hold or resume re-INVITE refused with 491 (glare), to try again at
    /// this instant (§14.1).
    pub reinvite_retry: Option<(Instant, Operation)>,
    /// Our REFER was accepted: NOTIFYs with its progress may follow (RFC 3515 §2.4.4).
    pub refer_accepted: bool,
    /// UAS: the INVITE's `Expires` ran out before an answer (§13.3.1).
    pub ring_deadline: Option<Instant>,

    // UAS.
    pub invite_server_key: Option<String>,
    pub reply_to: SocketAddr,
    pub uas_2xx: Option<(u32, Retransmitter)>,
    /// BYE to send once the ACK arrives (hang-up while answering, §15).
    pub bye_after_ack: bool,
    /// Our offer was in the 2xx; the answer comes in the ACK.
    pub offer_in_2xx: bool,
    /// MediaNegotiated to emit when the ACK arrives.
    pub pending_negotiated: Option<NegotiatedMedia>,
    pub pending_hold: Option<bool>,

    /// 100rel/PRACK state (RFC 3262).
    pub rel: super::prack::Reliable,
    /// Session timer state (RFC 4028).
    pub st: super::session_timer::SessionTimer,
}

impl Call {
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let retry = self.reinvite_retry.as_ref().map(|(t, _)| *t);
        let ring = self.ring_deadline.filter(|_| self.phase == Phase::Incoming);
        [
            self.uas_2xx.as_ref().map(|(_, r)| r.next_deadline()),
            retry,
            ring,
            self.rel.next_deadline(),
            self.st.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Our description as it stands: the phone's, held if we hold the peer.
    pub(crate) fn current_local(&self) -> Option<MediaDescription> {
        let d = self.local_media.as_ref()?;
        Some(if self.local_held {
            sdp_glue::held(d)
        } else {
            d.clone()
        })
    }

    /// From/To values for a request we send in this dialog.
    pub(crate) fn tags_pair(&self) -> (String, String) {
        let from = format!("{};tag={}", self.local, self.local_tag);
        let to = match &self.remote_tag {
            Some(t) => format!("{};tag={t}", self.remote),
            None => self.remote.clone(),
        };
        (from, to)
    }
}

impl SipCore {
    /// A request within the call's dialog (§12.2.1.1), with the next local CSeq.
    pub(crate) fn dialog_request(
        &mut self,
        call: CallId,
        method: &str,
        cseq: Option<u32>,
    ) -> Option<(OutRequest, TransportKind, SocketAddr)> {
        let c = self.calls.get_mut(&call)?;
        let cseq = match cseq {
            Some(n) => n,
            None => {
                c.local_cseq = c.local_cseq.wrapping_add(1);
                c.local_cseq
            }
        };
        let (from, to) = c.tags_pair();
        // Loose routing if the first route has `lr`; strict routing otherwise (§12.2.1.1).
        let strict = c
            .route_set
            .first()
            .and_then(|r| parse_uri_text(r))
            .and_then(|u| u.as_sip().map(|s| !s.lr()))
            .unwrap_or(false);
        let (uri, route) = if strict {
            let mut rest: Vec<String> = c.route_set.iter().skip(1).cloned().collect();
            rest.push(format!("<{}>", c.remote_target));
            let first = c
                .route_set
                .first()
                .and_then(|r| parse_uri_text(r))
                .map(|u| u.to_string())
                .unwrap_or_else(|| c.remote_target.clone());
            (first, rest)
        } else {
            (c.remote_target.clone(), c.route_set.clone())
        };
        let req = OutRequest {
            method: method.to_string(),
            uri,
            from,
            to,
            call_id: c.call_id.clone(),
            cseq,
            route,
            contact: Some(format!("<{}>", c.contact)),
            extra: Vec::new(),
            content_type: None,
            body: Vec::new(),
        };
        let next_hop = c
            .route_set
            .first()
            .cloned()
            .unwrap_or_else(|| c.remote_target.clone());
        let (fallback_t, fallback) = (c.transport, c.peer);
        let (t, dst) = self
            .resolve_text(&next_hop)
            .unwrap_or((fallback_t, fallback));
        Some((req, t, dst))
    }

    /// Finds the call whose dialog a request belongs to (§12.2.2): Call-ID, our tag in
    /// To, the peer's tag in From.
    pub(crate) fn find_dialog(
        &self,
        call_id: &str,
        local_tag: Option<&str>,
        remote_tag: Option<&str>,
    ) -> Option<CallId> {
        self.calls
            .with_call_id(call_id)
            .find(|c| {
                Some(c.local_tag.as_str()) == local_tag
                    && (c.remote_tag.as_deref() == remote_tag || remote_tag.is_none())
            })
            .map(|c| c.id)
    }

    pub(crate) fn call_timers(&mut self, now: Instant) {
        let due = self.calls.take_due(now);
        for id in due {
            let expired = self.calls.get(&id).is_some_and(|c| {
                c.phase == Phase::Incoming && c.ring_deadline.is_some_and(|t| t <= now)
            });
            if expired {
                // §13.3.1: the invitation expired unanswered.
                self.final_to_incoming(id, 487, &[]);
                self.calls.remove(&id);
                let why = Reason::new(Cause::NoAnswer)
                    .with_text("the caller's invitation expired unanswered");
                self.emit(openphone_sal::StackEvent::CallEnded {
                    call: id,
                    reason: EndReason::system(why),
                });
                continue;
            }
            self.uas_retransmit(id, now);
            self.prack_timer(id, now);
            self.session_timer_due(id, now);
            let retry = self
                .calls
                .get_mut(&id)
                .and_then(|c| match &c.reinvite_retry {
                    Some((t, _)) if *t <= now => c.reinvite_retry.take().map(|(_, op)| op),
                    _ => None,
                });
            if let Some(op) = retry {
                // The peer's own re-INVITE may be mid-way (its 2xx not yet
                // ACKed): wait for it rather than fail the retry.
                let t1 = self.cfg.timers.t1;
                match self.calls.get_mut(&id) {
                    Some(c) if c.uas_2xx.is_some() || c.reinvite_key.is_some() => {
                        c.reinvite_retry = Some((now + t1, op));
                    }
                    _ => self.send_reinvite(id, op),
                }
            }
        }
    }
}
