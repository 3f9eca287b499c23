//! Calls: the UAC side (RFC 3261 §13.2, §9.1), and ending calls (§15).

use std::str::FromStr;

use openphone_sal::{
    AccountId, Address, CallId, Cause, EndReason, MediaDescription, RawCause, Reason, StackEvent,
};
use tracing::{debug, info_span, warn};

use super::build::OutRequest;
use super::cause_map::response_reason;
use super::dialog::{Call, Phase};
use super::sdp_glue::{self, Origin};
use super::target::parse_uri_text;
use super::view::InResponse;
use super::{client_key, ClientEntry, Owner, SipCore, ALLOW};
use crate::auth::{Credentials, DigestClient};
use crate::message::{NameAddr, Uri};
use crate::transaction::ClientTransaction;

/// Turns a proxy given as `host:port`, `sip:host` or `<sip:host;lr>` into a loose-routing
/// Route value.
pub(crate) fn route_value(proxy: &str) -> String {
    let t = proxy.trim().trim_start_matches('<').trim_end_matches('>');
    let t = if t.contains(':') && (t.starts_with("sip:") || t.starts_with("sips:")) {
        t.to_string()
    } else {
        format!("sip:{t}")
    };
    if t.split(';').skip(1).any(|p| p.eq_ignore_ascii_case("lr")) {
        format!("<{t}>")
    } else {
        format!("<{t};lr>")
    }
}

impl SipCore {
    /// Reports a call that could not even start.
    fn fail_call(&mut self, call: CallId, why: Reason) {
        warn!(%call, %why, "call failed");
        self.emit(StackEvent::CallEnded {
            call,
            reason: EndReason::system(why),
        });
    }

    /// Identity of an account (or an anonymous one): local name-addr, user part, proxy.
    pub(super) fn identity(
        &self,
        account: Option<AccountId>,
    ) -> (String, Option<String>, Option<String>, Option<Credentials>) {
        if let Some(a) = account.and_then(|a| self.accounts.get(&a)) {
            return (
                a.local_name_addr(),
                a.user.clone(),
                a.config.outbound_proxy.clone(),
                a.credentials(),
            );
        }
        let host = Self::host_text(self.local_addr(crate::transport::TransportKind::Udp));
        (
            format!("<sip:openphone@{host}>"),
            Some("openphone".into()),
            None,
            None,
        )
    }

    pub(super) fn dial(
        &mut self,
        id: CallId,
        account: Option<AccountId>,
        to: Address,
        offer: MediaDescription,
    ) {
        let span = info_span!("sip_call", call = %id);
        let _g = span.clone().entered();
        if to.scheme() != "sip" && to.scheme() != "sips" {
            let why = format!("the SIP stack cannot call {} URIs", to.scheme());
            return self.fail_call(id, Reason::new(Cause::Unsupported).with_text(why));
        }
        if Self::needs_tls(to.uri()) && !self.cfg.tls_client {
            let why = format!(
                "{} needs TLS: build openphone-sip with the `tls` feature",
                to.uri()
            );
            return self.fail_call(id, Reason::new(Cause::Unsupported).with_text(why));
        }
        let Ok(uri) = Uri::parse(to.uri()) else {
            let why = format!("invalid SIP URI {}", to.uri());
            return self.fail_call(id, Reason::new(Cause::InvalidRequest).with_text(why));
        };
        let (local, user, proxy, creds) = self.identity(account);
        let route: Vec<String> = proxy.iter().map(|p| route_value(p)).collect();
        let next_hop = match route.first() {
            Some(r) => self.resolve_text(r),
            None => self.resolve_uri(&uri),
        };
        let Some((transport, dst)) = next_hop else {
            let why = format!("cannot resolve the next hop for {}", to.uri());
            return self.fail_call(id, Reason::new(Cause::NetworkError).with_text(why));
        };
        let call_id = self.ids.call_id();
        let local_tag = self.ids.tag();
        let mut origin = Origin {
            session_id: u64::from(self.ids.u32()),
            version: 0,
            address: self.local_addr(transport).ip(),
        };
        let body = origin.encode(&offer);
        let contact = self.contact_uri(user.as_deref(), transport);
        let remote = to.to_string();
        let req = OutRequest {
            method: "INVITE".into(),
            uri: uri.to_string(),
            from: format!("{local};tag={local_tag}"),
            to: remote.clone(),
            call_id: call_id.clone(),
            cseq: 1,
            route: route.clone(),
            contact: Some(format!("<{contact}>")),
            extra: [("Allow".to_string(), ALLOW.to_string())]
                .into_iter()
                .chain(self.invite_option_headers())
                .chain(self.session_request_headers(None))
                .collect(),
            content_type: Some("application/sdp".into()),
            body,
        };
        let key = self.start_client(Owner::Invite(id), req, transport, dst, &[]);
        self.calls.insert(
            id,
            Call {
                id,
                account,
                outgoing: true,
                phase: Phase::Calling,
                ended: false,
                span: span.clone(),
                call_id,
                local_tag,
                remote_tag: None,
                local,
                remote,
                local_cseq: 1,
                remote_cseq: None,
                remote_target: uri.to_string(),
                route_set: route,
                contact,
                transport,
                peer: dst,
                local_media: Some(offer.clone()),
                local_held: false,
                our_offer: Some(offer),
                remote_offer: None,
                remote_sdp: None,
                negotiated: None,
                origin,
                remote_held: false,
                invite_key: Some(key),
                invite_cseq: 1,
                got_provisional: false,
                cancel_wanted: false,
                cancel_sent: false,
                ack: None,
                auth_tries: 0,
                auth: creds.map(DigestClient::new),
                reinvite_key: None,
                reinvite_retry: None,
                refer_accepted: false,
                ring_deadline: None,
                invite_server_key: None,
                reply_to: dst,
                uas_2xx: None,
                bye_after_ack: false,
                offer_in_2xx: false,
                pending_negotiated: None,
                pending_hold: None,
                rel: Default::default(),
                st: Default::default(),
            },
        );
    }

    /// Sends CANCEL for the call's INVITE (§9.1): same Request-URI, Call-ID, From, To,
    /// CSeq number and top Via (branch) as the INVITE.
    fn send_cancel(&mut self, call: CallId) {
        let Some(key) = self.calls.get(&call).and_then(|c| c.invite_key.clone()) else {
            return;
        };
        let Some(entry) = self.clients.get(&key) else {
            return;
        };
        let req = entry.req.clone();
        let via = entry.via.clone();
        let (transport, dst) = (entry.transport, entry.dst);
        let bytes = req.render_as("CANCEL", req.cseq, &via, &self.cfg.user_agent, &[], false);
        let tx = ClientTransaction::new(
            self.now,
            false,
            bytes.clone(),
            transport.is_reliable(),
            self.cfg.timers,
        );
        self.send(transport, dst, bytes);
        let branch = via
            .split(";branch=")
            .nth(1)
            .and_then(|b| b.split(';').next())
            .unwrap_or("")
            .to_string();
        let mut cancel_req = req;
        cancel_req.method = "CANCEL".into();
        self.clients.insert(
            client_key(&branch, "CANCEL"),
            ClientEntry {
                tx,
                owner: Owner::Cancel(call),
                req: cancel_req,
                via,
                transport,
                dst,
            },
        );
        if let Some(c) = self.calls.get_mut(&call) {
            c.cancel_sent = true;
        }
    }

    /// Re-sends a challenged request with credentials (§22.2). Returns `false` when the
    /// challenge cannot or must not be answered.
    pub(super) fn retry_invite_with_auth(
        &mut self,
        call: CallId,
        entry: &ClientEntry,
        resp: &InResponse,
    ) -> bool {
        let cnonce = self.ids.cnonce();
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        if c.auth_tries >= 3 {
            return false;
        }
        let Some(auth) = c.auth.as_mut() else {
            return false;
        };
        let www: Vec<&str> = resp.headers.all("www-authenticate").collect();
        let proxy: Vec<&str> = resp.headers.all("proxy-authenticate").collect();
        if let Err(e) = auth.on_challenge(&www, &proxy) {
            debug!(error = %e, "challenge not answered");
            return false;
        }
        c.auth_tries += 1;
        c.local_cseq = c.local_cseq.wrapping_add(1);
        let mut req = entry.req.clone();
        req.cseq = c.local_cseq;
        let headers = auth.authorize(&req.method, &req.uri, &req.body, &cnonce);
        let reinvite = matches!(entry.owner, Owner::ReInvite(..));
        if !reinvite {
            c.invite_cseq = req.cseq;
            c.got_provisional = false;
        }
        self.resend_call_invite(call, entry, req, &headers);
        true
    }

    /// Sends a call's INVITE or re-INVITE again as a new client transaction
    /// to the same destination (after a challenge or a 422) and remembers
    /// its key, so the call's responses find it.
    pub(super) fn resend_call_invite(
        &mut self,
        call: CallId,
        entry: &ClientEntry,
        req: OutRequest,
        auth: &[(&'static str, String)],
    ) {
        let reinvite = matches!(entry.owner, Owner::ReInvite(..));
        let key = self.start_client(entry.owner.clone(), req, entry.transport, entry.dst, auth);
        if let Some(c) = self.calls.get_mut(&call) {
            if reinvite {
                c.reinvite_key = Some(key);
            } else {
                c.invite_key = Some(key);
            }
        }
    }

    /// Learns the dialog from a response that creates or refreshes it (§12.1.2):
    /// remote tag, remote target from Contact, route set from Record-Route reversed.
    pub(super) fn learn_dialog(&mut self, call: CallId, resp: &InResponse, set_route: bool) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if let Some(tag) = resp.to_tag() {
            c.remote_tag = Some(tag.to_string());
        }
        if let Some(contact) = resp.contacts().first() {
            c.remote_target = contact.uri.to_string();
        }
        if set_route {
            let mut rr = resp.record_route();
            rr.reverse();
            c.route_set = rr;
        }
    }

    pub(super) fn on_invite_response(
        &mut self,
        call: CallId,
        entry: &ClientEntry,
        resp: &InResponse,
    ) {
        let code = resp.code;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let _g = c.span.clone().entered();
        if Some(entry).map(|e| e.req.cseq) != Some(c.invite_cseq) {
            return; // an old, superseded (challenged) INVITE
        }
        if code < 200 {
            if code > 100 && !self.accept_reliable_provisional(call, resp) {
                return;
            }
            let Some(c) = self.calls.get_mut(&call) else {
                return;
            };
            // §9.1: any provisional, 100 Trying included, lets a CANCEL go
            // (after a lost 180 nothing else may come to release it).
            c.got_provisional = true;
            let ended = c.ended;
            let cancel_now = c.cancel_wanted && !c.cancel_sent;
            if code > 100 && resp.to_tag().is_some() && c.phase == Phase::Calling {
                self.learn_dialog(call, resp, true);
            }
            if cancel_now {
                self.send_cancel(call);
            }
            if code == 100 {
                return;
            }
            if !ended {
                let early = code == 183 && !resp.body.is_empty();
                self.emit(StackEvent::Ringing {
                    call,
                    early_media: early,
                });
                if early {
                    self.early_media(call, resp);
                }
            }
            return;
        }
        if code < 300 {
            return self.on_invite_2xx(call, resp);
        }
        let (ended, cancel_sent) = (c.ended, c.cancel_sent);
        // A 488 to an offer that requires SRTP (RTP/SAVP): the peer could
        // not or would not encrypt, which the user must see as such.
        let secure_offer = c
            .our_offer
            .as_ref()
            .and_then(|o| o.audio())
            .is_some_and(|a| a.profile.is_secure());
        if (code == 401 || code == 407) && !ended && self.retry_invite_with_auth(call, entry, resp)
        {
            return;
        }
        if code == 422 && !ended && self.retry_after_422(call, entry, resp) {
            return;
        }
        self.calls.remove(&call);
        if !ended {
            let reason = if code == 487 && cancel_sent {
                EndReason::local(Cause::Cancelled)
            } else if code == 488 && secure_offer {
                let mut r = response_reason(code, &resp.reason);
                r.cause = Cause::SecurityFailure;
                EndReason::remote(r.with_text("the peer refused our SRTP (RTP/SAVP) offer"))
            } else {
                EndReason::remote(response_reason(code, &resp.reason))
            };
            self.emit(StackEvent::CallEnded { call, reason });
        }
    }

    /// A 183 with SDP: the answer arrives early (RFC 3261 §13.2.1, RFC 3264); media can
    /// start. The 2xx repeats the answer and completes again.
    fn early_media(&mut self, call: CallId, resp: &InResponse) {
        let Some(ours) = self.calls.get(&call).and_then(|c| c.our_offer.clone()) else {
            return;
        };
        match sdp_glue::decode(&resp.body).and_then(|theirs| sdp_glue::complete(&ours, &theirs)) {
            Ok(media) => self.emit(StackEvent::MediaNegotiated { call, media }),
            Err(why) => debug!(%why, "unusable early-media answer ignored"),
        }
    }

    /// Builds and sends the ACK for a 2xx (§13.2.2.4), remembering it for retransmitted 2xx.
    pub(super) fn send_2xx_ack(&mut self, call: CallId, cseq: u32, body: Option<Vec<u8>>) {
        let Some((mut req, t, dst)) = self.dialog_request(call, "ACK", Some(cseq)) else {
            return;
        };
        if let Some(b) = body {
            req.content_type = Some("application/sdp".into());
            req.body = b;
        }
        let (via, _) = self.new_via(t);
        let bytes = req.render_as("ACK", cseq, &via, &self.cfg.user_agent, &[], true);
        self.send(t, dst, bytes.clone());
        if let Some(c) = self.calls.get_mut(&call) {
            c.ack = Some((cseq, bytes));
        }
    }

    fn on_invite_2xx(&mut self, call: CallId, resp: &InResponse) {
        self.learn_dialog(call, resp, true);
        let cseq = resp.cseq;
        self.send_2xx_ack(call, cseq, None);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        c.phase = Phase::Confirmed;
        c.invite_key = None;
        let early = c.rel.early_answer.take();
        if c.ended {
            // Hung up while the INVITE was pending: the 2xx still needs ACK, then BYE.
            return self.end_call_with_bye(call, EndReason::local(Cause::NormalClearing));
        }
        let outcome = match (&c.our_offer, resp.body.is_empty()) {
            (Some(ours), false) => {
                sdp_glue::decode(&resp.body).and_then(|theirs| sdp_glue::complete(ours, &theirs))
            }
            // RFC 3262 §5: the answer came in a reliable provisional.
            (Some(_), true) if early.is_some() => {
                early.ok_or_else(|| sdp_glue::Refusal::media("no early answer"))
            }
            _ => Err(sdp_glue::Refusal::media("the 2xx carried no SDP answer")),
        };
        self.session_from_2xx(call, resp);
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        match outcome {
            Ok(neg) => {
                c.our_offer = None;
                c.negotiated = Some(neg.clone());
                self.emit(StackEvent::Connected { call });
                self.emit(StackEvent::MediaNegotiated { call, media: neg });
            }
            Err(why) => {
                self.emit(StackEvent::Connected { call });
                self.end_call_with_bye(call, why.end_reason("the 2xx's answer"));
            }
        }
    }

    /// A 2xx to INVITE without a transaction: a retransmission (re-ACK) or another fork
    /// (ACK then BYE, §13.2.2.4).
    pub(super) fn stray_invite_2xx(&mut self, resp: &InResponse) {
        let found = self
            .calls
            .with_call_id(&resp.call_id)
            // The call we placed, or any call whose re-INVITE this answers
            // (a called party's re-INVITE gets its 2xx re-ACKed too).
            .find(|c| c.outgoing || c.remote_tag.as_deref() == resp.to_tag())
            .map(|c| {
                (
                    c.id,
                    c.remote_tag.clone(),
                    c.ack.clone(),
                    c.transport,
                    c.peer,
                )
            });
        let Some((call, remote_tag, ack, transport, peer)) = found else {
            debug!("2xx for an unknown call dropped");
            return;
        };
        if remote_tag.as_deref() == resp.to_tag() {
            if let Some((cseq, bytes)) = ack {
                if cseq == resp.cseq {
                    let hop = self.calls.get(&call).map(|c| {
                        c.route_set
                            .first()
                            .cloned()
                            .unwrap_or_else(|| c.remote_target.clone())
                    });
                    let dst = hop
                        .and_then(|hop| self.resolve_text(&hop))
                        .unwrap_or((transport, peer));
                    self.send(dst.0, dst.1, bytes);
                }
            }
            return;
        }
        // A second fork answered: confirm and immediately end that dialog.
        let Some(contact) = resp.contacts().first().map(|c| c.uri.to_string()) else {
            return;
        };
        let mut route = resp.record_route();
        route.reverse();
        let hop = route.first().cloned().unwrap_or_else(|| contact.clone());
        let (t, dst) = self.resolve_text(&hop).unwrap_or((transport, peer));
        let mut req = OutRequest {
            method: "ACK".into(),
            uri: contact,
            from: resp.from_raw.clone(),
            to: resp.to_raw.clone(),
            call_id: resp.call_id.clone(),
            cseq: resp.cseq,
            route,
            contact: None,
            extra: Vec::new(),
            content_type: None,
            body: Vec::new(),
        };
        let (via, _) = self.new_via(t);
        let ack = req.render_as("ACK", resp.cseq, &via, &self.cfg.user_agent, &[], false);
        self.send(t, dst, ack);
        req.method = "BYE".into();
        req.cseq = resp.cseq.wrapping_add(1);
        self.start_client(Owner::Bye(None), req, t, dst, &[]);
    }

    /// Our INVITE got no final response (timeout or transport failure).
    pub(super) fn invite_failed(&mut self, call: CallId, reason: EndReason) {
        if let Some(c) = self.calls.remove(&call) {
            if !c.ended {
                self.emit(StackEvent::CallEnded { call, reason });
            }
        }
    }

    /// Ends a call: BYE if the dialog is confirmed, CallEnded if not yet reported.
    pub(super) fn end_call_with_bye(&mut self, call: CallId, reason: EndReason) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let (confirmed, ended) = (c.phase == Phase::Confirmed, c.ended);
        if confirmed {
            if let Some((req, t, dst)) = self.dialog_request(call, "BYE", None) {
                self.start_client(Owner::Bye(Some(call)), req, t, dst, &[]);
            }
        }
        self.calls.remove(&call);
        if !ended {
            self.emit(StackEvent::CallEnded { call, reason });
        }
    }

    pub(super) fn hangup(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else {
            // Already over (the peer or a timer ended it meanwhile): what a
            // hang-up asks for is done, so this is not a failure.
            debug!(%call, "hang-up of a call that is already over");
            return;
        };
        let _g = c.span.clone().entered();
        match c.phase {
            Phase::Calling => self.cancel_invite(call, EndReason::local(Cause::Cancelled)),
            Phase::Incoming => {
                self.final_to_incoming(call, 603, &[]);
                self.calls.remove(&call);
                let why = Reason::new(Cause::Declined).with_raw(RawCause::Sip(603));
                self.emit(StackEvent::CallEnded {
                    call,
                    reason: EndReason::local(why),
                });
            }
            Phase::Answered | Phase::Confirmed => {
                self.end_answered(call, EndReason::local(Cause::NormalClearing))
            }
        }
    }

    /// Ends a call whose INVITE we sent and that has no final response yet:
    /// CANCEL now if a provisional response came, else as soon as one comes
    /// (§9.1); the INVITE transaction finishes the rest (487, or a 2xx that
    /// gets ACK and BYE).
    fn cancel_invite(&mut self, call: CallId, reason: EndReason) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.ended {
            return;
        }
        c.ended = true;
        c.cancel_wanted = true;
        if c.got_provisional {
            self.send_cancel(call);
        }
        self.emit(StackEvent::CallEnded { call, reason });
    }

    /// Ends a call we answered or that is confirmed: BYE, but not before the
    /// ACK of a 2xx of ours (§15), which then triggers it.
    fn end_answered(&mut self, call: CallId, reason: EndReason) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.phase == Phase::Confirmed && c.uas_2xx.is_none() {
            return self.end_call_with_bye(call, reason);
        }
        c.bye_after_ack = true;
        if !c.ended {
            c.ended = true;
            self.emit(StackEvent::CallEnded { call, reason });
        }
    }

    /// The media port could not apply the call's agreed media: end the call
    /// in whatever way its state allows.
    pub(super) fn media_failed(&mut self, call: CallId, cause: Cause, why: &str) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if c.ended {
            return;
        }
        let _g = c.span.clone().entered();
        warn!(%why, "media could not be applied; ending the call");
        let reason = EndReason::system(Reason::new(cause).with_text(why));
        match c.phase {
            // Early media (a 183 answer) could not be applied.
            Phase::Calling => self.cancel_invite(call, reason),
            // Not reached today (media is applied after our answer), kept
            // so that every phase has its way out: refuse the offer.
            Phase::Incoming => {
                self.final_to_incoming(call, 488, &[]);
                self.calls.remove(&call);
                self.emit(StackEvent::CallEnded { call, reason });
            }
            Phase::Answered | Phase::Confirmed => self.end_answered(call, reason),
        }
    }

    pub(super) fn shutdown(&mut self) {
        self.shutting_down = true;
        let calls: Vec<CallId> = self.calls.keys().copied().collect();
        for c in calls {
            self.hangup(c);
        }
        let accounts: Vec<AccountId> = self.accounts.keys().copied().collect();
        for a in accounts {
            self.remove_account(a);
        }
    }
}

/// Why a call whose media could not be agreed or applied ended.
pub(super) fn media_failure(why: &str) -> EndReason {
    EndReason::system(Reason::new(Cause::IncompatibleMedia).with_text(why))
}

/// An [`Address`] for a name-addr or URI text, if it parses.
pub(crate) fn address_of(text: &str) -> Option<Address> {
    if let Ok(na) = NameAddr::parse(text) {
        let mut a = Address::new(na.uri.to_string()).ok()?;
        if let Some(d) = na.display_name {
            a = a.with_display_name(d);
        }
        return Some(a);
    }
    let uri = parse_uri_text(text)?;
    Address::from_str(&uri.to_string()).ok()
}
