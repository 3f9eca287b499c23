//! Hold and resume: our re-INVITEs (RFC 3261 §14.1, RFC 3264 §8.4).
//!
//! Both re-offer the description the phone gave in Dial or Answer, with the
//! direction changed for hold (sendonly, or inactive from recvonly) and
//! restored for resume. A refused re-INVITE leaves the session as it was
//! and is reported as [`StackEvent::CommandFailed`] for the operation; a
//! 491 (glare) is retried after the random wait of §14.1.

use std::time::Duration;

use openphone_sal::{CallId, Cause, EndReason, Operation, Reason, StackEvent};
use tracing::debug;

use super::cause_map::response_reason;
use super::sdp_glue;
use super::view::InResponse;
use super::{ClientEntry, Owner, SipCore, ALLOW};

impl SipCore {
    /// Sends a hold (`Operation::Hold`) or resume re-INVITE.
    pub(super) fn send_reinvite(&mut self, call: CallId, op: Operation) {
        if !self.is_established(call) {
            return self.not_established(call, op);
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.reinvite_key.is_some() || c.uas_2xx.is_some() || c.reinvite_retry.is_some() {
            let why = "an offer/answer exchange is in progress on this call";
            return self.command_failed(
                Some(call),
                op,
                Reason::new(Cause::InvalidRequest).with_text(why),
            );
        }
        let Some(base) = c.local_media.clone() else {
            let why = "the call has no local media description";
            return self.command_failed(
                Some(call),
                op,
                Reason::new(Cause::InvalidRequest).with_text(why),
            );
        };
        let offer = if op == Operation::Hold {
            sdp_glue::held(&base)
        } else {
            base
        };
        let body = c.origin.encode(&offer);
        c.our_offer = Some(offer);
        let Some((mut req, t, dst)) = self.dialog_request(call, "INVITE", None) else {
            return;
        };
        req.content_type = Some("application/sdp".into());
        req.body = body;
        req.extra.push(("Allow".into(), ALLOW.into()));
        req.extra.extend(self.invite_option_headers_in_dialog());
        req.extra.extend(self.session_request_headers(Some(call)));
        let key = self.start_client(Owner::ReInvite(call, op), req, t, dst, &[]);
        if let Some(c) = self.calls.get_mut(&call) {
            c.reinvite_key = Some(key);
        }
    }

    pub(super) fn on_reinvite_response(
        &mut self,
        call: CallId,
        op: Operation,
        entry: &ClientEntry,
        resp: &InResponse,
    ) {
        let code = resp.code;
        if code < 200 {
            return;
        }
        if (code == 401 || code == 407) && self.retry_invite_with_auth(call, entry, resp) {
            return;
        }
        if code == 422 && self.retry_after_422(call, entry, resp) {
            return;
        }
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let _g = c.span.clone().entered();
        c.reinvite_key = None;
        if code >= 300 {
            // §14.1: a failed re-INVITE leaves the session as it was.
            c.our_offer = None;
            if code == 491 {
                // Glare: try again after a random wait, 2.1–4 s if we placed the call
                // (own the Call-ID), 0–2 s otherwise.
                let ms = if c.outgoing {
                    2100 + self.ids.below(1900)
                } else {
                    self.ids.below(2000)
                };
                let at = self.now + Duration::from_millis(ms);
                if let Some(c) = self.calls.get_mut(&call) {
                    c.reinvite_retry = Some((at, op));
                }
                return;
            }
            let why = response_reason(code, &resp.reason);
            if matches!(code, 408 | 481) {
                // §12.2.1.2: the dialog is gone.
                return self.end_call_with_bye(call, EndReason::remote(why));
            }
            if self.session_refresh_failed(call) {
                debug!(
                    code,
                    "session refresh refused; the session runs out unless refreshed"
                );
                return;
            }
            return self.command_failed(Some(call), op, why);
        }
        if let Some(contact) = resp.contacts().first() {
            c.remote_target = contact.uri.to_string();
        }
        let outcome = match (&c.our_offer, resp.body.is_empty()) {
            (Some(ours), false) => {
                sdp_glue::decode(&resp.body).and_then(|theirs| sdp_glue::complete(ours, &theirs))
            }
            _ => Err(sdp_glue::Refusal::media("no SDP answer")),
        };
        c.our_offer = None;
        self.send_2xx_ack(call, resp.cseq, None);
        self.session_from_2xx(call, resp);
        match outcome {
            Ok(neg) => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.local_held = op == Operation::Hold;
                    c.negotiated = Some(neg.clone());
                }
                self.emit(StackEvent::MediaNegotiated { call, media: neg });
            }
            Err(why) => {
                debug!(%why, "re-INVITE answer unusable");
                self.end_call_with_bye(call, why.end_reason("re-INVITE answer"))
            }
        }
    }
}
