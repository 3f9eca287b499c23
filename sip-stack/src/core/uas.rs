//! Incoming requests: server transaction matching (§17.2.3), the UAS core (§8.2, §13.3),
//! and in-dialog requests (BYE, re-INVITE, INFO, REFER, NOTIFY), plus OPTIONS and MESSAGE.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_sal::{
    Address, CallId, Cause, EndReason, MediaDescription, Operation, RawCause, Reason, StackEvent,
};
use tracing::{debug, info_span, warn};

use super::build::{self, Echo};
use super::calls::{address_of, media_failure};
use super::cause_map::reject_status;
use super::dialog::{Call, Phase};
use super::sdp_glue::{self, Origin};
use super::validate;
use super::view::InRequest;
use super::{ServerEntry, SipCore, ACCEPT, ALLOW};
use crate::message::Method;
use crate::transaction::{RetransmitAction, Retransmitter, ServerTransaction};

/// Server transaction key (§17.2.3): branch + sent-by + method (ACK counts as INVITE);
/// RFC 2543 requests (no magic cookie) fall back to Call-ID, CSeq number, From tag
/// and top Via.
pub(crate) fn server_key(req: &InRequest, method: &Method) -> String {
    let method = if *method == Method::Ack {
        "INVITE"
    } else {
        method.as_str()
    };
    let Some(top) = req.vias.first() else {
        return String::new();
    };
    let sent_by = format!("{}:{}", top.host, top.port.unwrap_or(5060));
    match top.branch() {
        Some(b) if top.has_rfc3261_branch() && b.len() > 7 => format!("{b}|{sent_by}|{method}"),
        _ => format!(
            "2543|{}|{}|{}|{sent_by}|{method}",
            req.call_id,
            req.cseq,
            req.tag_of_from().unwrap_or("")
        ),
    }
}

impl SipCore {
    pub(super) fn on_request(&mut self, req: InRequest, reply_to: SocketAddr) {
        let key = server_key(&req, &req.method);
        if req.method == Method::Ack {
            return self.on_ack(req, &key);
        }
        if let Some(e) = self.servers.get(&key) {
            if let Some(bytes) = e.tx.on_request_retransmission() {
                let (t, d) = (e.transport, e.reply_to);
                self.send(t, d, bytes);
            }
            return;
        }
        if self.servers.len() >= self.cfg.max_server_transactions {
            // Overloaded: a 503 sent without keeping any state tells the
            // peer to back off (§21.5.4) instead of leaving it to time out.
            warn!("server transaction table full; 503 sent statelessly");
            let tag = self.ids.tag();
            let ua = self.cfg.user_agent.clone();
            let retry = [("Retry-After", "5".to_string())];
            let bytes = build::response(&Echo::of(&req), 503, Some(&tag), &ua, &retry, None);
            self.send(req.transport, reply_to, bytes);
            return;
        }
        self.servers.insert(
            key.clone(),
            ServerEntry {
                tx: ServerTransaction::new(
                    req.method == Method::Invite,
                    req.transport.is_reliable(),
                    self.cfg.timers,
                ),
                transport: req.transport,
                reply_to,
                echo: Echo::of(&req),
                call: None,
            },
        );
        if req.method == Method::Cancel {
            return self.on_cancel(&req, &key);
        }
        let tags = self.supported_tags();
        if let Some(r) = validate::inspect(&req, &tags) {
            debug!(code = r.code, method = %req.method, "request refused");
            let tag = self.ids.tag();
            self.respond(&key, r.code, Some(&tag), &r.headers, None);
            return;
        }
        match req.method {
            Method::Invite if req.to_tag().is_some() => self.on_reinvite(req, &key),
            Method::Invite => self.on_new_invite(req, &key, reply_to),
            Method::Bye => self.on_bye(&req, &key),
            Method::Prack => self.on_prack(&req, &key),
            Method::Options => {
                let tag = self.ids.tag();
                let h = [
                    ("Allow", ALLOW.to_string()),
                    ("Accept", ACCEPT.to_string()),
                    ("Supported", self.supported_tags().join(", ")),
                ];
                self.respond(&key, 200, Some(&tag), &h, None);
            }
            Method::Info => self.on_info(&req, &key),
            Method::Refer => self.on_refer(&req, &key),
            Method::Notify => self.on_notify(&req, &key),
            Method::Subscribe => self.on_subscribe(&req, &key),
            Method::Message => {
                let tag = self.ids.tag();
                self.respond(&key, 200, Some(&tag), &[], None);
                if let Some(from) = address_of(&req.from_raw) {
                    let user = req.uri.as_sip().and_then(|s| s.user.clone());
                    self.emit(StackEvent::Message {
                        account: self.account_for_user(user.as_deref()),
                        from,
                        content_type: req.content_type().unwrap_or_else(|| "text/plain".into()),
                        body: req.body.clone(),
                    });
                }
            }
            _ => {
                let tag = self.ids.tag();
                self.respond(&key, 501, Some(&tag), &[("Allow", ALLOW.to_string())], None);
            }
        }
    }

    /// Sends a response through a server transaction.
    pub(super) fn respond(
        &mut self,
        key: &str,
        code: u16,
        to_tag: Option<&str>,
        extra: &[(&str, String)],
        body: Option<(&str, &[u8])>,
    ) -> Option<Vec<u8>> {
        let now = self.now;
        let ua = self.cfg.user_agent.clone();
        let e = self.servers.get_mut(key)?;
        let bytes = build::response(&e.echo, code, to_tag, &ua, extra, body);
        if !e.tx.send_response(now, code, bytes.clone()) {
            return None;
        }
        let (t, d) = (e.transport, e.reply_to);
        if e.tx.state() == crate::transaction::ServerState::Terminated {
            // 2xx to INVITE: the transaction ends here (§17.2.1); the UAS core retransmits.
            self.servers.remove(key);
        }
        self.send(t, d, bytes.clone());
        Some(bytes)
    }

    fn dialog_of(&self, req: &InRequest) -> Option<CallId> {
        self.find_dialog(&req.call_id, req.to_tag(), req.tag_of_from())
    }

    fn on_new_invite(&mut self, req: InRequest, key: &str, reply_to: SocketAddr) {
        // A retransmitted INVITE whose transaction already ended with a 2xx (§13.3.1.4):
        // the UAS core re-sends the 2xx.
        let retransmitted = self
            .calls
            .with_call_id(&req.call_id)
            .find(|c| {
                !c.outgoing
                    && c.remote_tag.as_deref() == req.tag_of_from()
                    && c.remote_cseq == Some(req.cseq)
            })
            .map(|c| {
                let resend = c.uas_2xx.as_ref().map(|(_, r)| r.bytes().to_vec());
                (resend, c.transport, c.reply_to)
            });
        if let Some((resend, t, d)) = retransmitted {
            self.servers.remove(key);
            if let Some(b) = resend {
                self.send(t, d, b);
            }
            return;
        }
        if self.calls.len() >= self.cfg.max_calls {
            let tag = self.ids.tag();
            self.respond(
                key,
                503,
                Some(&tag),
                &[("Retry-After", "30".to_string())],
                None,
            );
            return;
        }
        let (offer, remote_sdp) = if req.body.is_empty() {
            (None, None)
        } else {
            match sdp_glue::decode_with_sdp(&req.body) {
                Ok((o, sd)) => (Some(o), Some(sd)),
                Err(why) => {
                    debug!(%why, "unusable SDP offer");
                    let tag = self.ids.tag();
                    self.respond(key, 488, Some(&tag), &[], None);
                    return;
                }
            }
        };
        // RFC 3262 §3 (421 when we require 100rel), RFC 4028 §9 (422).
        let agreed = match self
            .prack_refusal(&req)
            .map_or_else(|| self.session_negotiate(&req), Err)
        {
            Ok(a) => a,
            Err((code, headers)) => {
                let tag = self.ids.tag();
                self.respond(key, code, Some(&tag), &headers, None);
                return;
            }
        };
        // RFC 3891: an INVITE that replaces one of our dialogs.
        let replaces = match self.replaced_call(&req) {
            Ok(r) => r,
            Err(code) => {
                let tag = self.ids.tag();
                self.respond(key, code, Some(&tag), &[], None);
                return;
            }
        };
        let id = CallId::next();
        let span = info_span!("sip_call", call = %id, sip_call_id = %req.call_id);
        let _g = span.clone().entered();
        let user = req.uri.as_sip().and_then(|s| s.user.clone());
        let account = self.account_for_user(user.as_deref());
        let mut remote = req.from.clone();
        remote.params.remove("tag");
        let remote_target = req
            .contacts()
            .first()
            .map(|c| c.uri.to_string())
            .unwrap_or_else(|| req.from.uri.to_string());
        let local_tag = self.ids.tag();
        let contact = self.contact_uri(user.as_deref(), req.transport);
        let origin = Origin {
            session_id: u64::from(self.ids.u32()),
            version: 0,
            address: self.local_addr(req.transport).ip(),
        };
        self.respond(key, 100, None, &[], None);
        if let Some(e) = self.servers.get_mut(key) {
            e.call = Some(id);
        }
        let from = address_of(&req.from_raw);
        let to = address_of(&req.to_raw);
        // Distinctive ringing: the caller's Alert-Info, for the application.
        let alert_info = Some(req.headers.list("alert-info").join(", ")).filter(|a| !a.is_empty());
        self.calls.insert(
            id,
            Call {
                id,
                account,
                outgoing: false,
                phase: Phase::Incoming,
                ended: false,
                span: span.clone(),
                call_id: req.call_id.clone(),
                local_tag: local_tag.clone(),
                remote_tag: req.tag_of_from().map(str::to_string),
                local: req.to_raw.clone(),
                remote: remote.to_string(),
                local_cseq: 0,
                remote_cseq: Some(req.cseq),
                remote_target,
                route_set: req.record_route(),
                contact: contact.clone(),
                transport: req.transport,
                peer: req.source,
                local_media: None,
                local_held: false,
                our_offer: None,
                remote_offer: offer.clone(),
                remote_sdp,
                negotiated: None,
                origin,
                remote_held: false,
                invite_key: None,
                invite_cseq: 0,
                got_provisional: false,
                cancel_wanted: false,
                cancel_sent: false,
                ack: None,
                auth_tries: 0,
                auth: None,
                reinvite_key: None,
                reinvite_retry: None,
                refer_accepted: false,
                ring_deadline: req
                    .number("expires")
                    .map(|s| self.now + Duration::from_secs(u64::from(s))),
                invite_server_key: Some(key.to_string()),
                reply_to,
                uas_2xx: None,
                bye_after_ack: false,
                offer_in_2xx: false,
                pending_negotiated: None,
                pending_hold: None,
                rel: Default::default(),
                st: Default::default(),
            },
        );
        self.prack_note_invite(id, &req);
        if let Some(c) = self.calls.get_mut(&id) {
            c.st.offer = agreed;
        }
        self.send_ringing(id, key);
        match (from, to) {
            (Some(from), Some(to)) => self.emit(StackEvent::IncomingCall {
                call: id,
                account,
                from,
                to,
                offer,
                replaces,
                alert_info,
            }),
            _ => {
                warn!("caller or callee address not representable; refusing");
                self.final_to_incoming(id, 400, &[]);
                self.calls.remove(&id);
            }
        }
    }

    /// Sends a final non-2xx response to the call's pending INVITE.
    pub(super) fn final_to_incoming(&mut self, call: CallId, code: u16, extra: &[(&str, String)]) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let (Some(key), tag) = (c.invite_server_key.clone(), c.local_tag.clone()) else {
            return;
        };
        self.respond(&key, code, Some(&tag), extra, None);
    }

    pub(super) fn answer(&mut self, call: CallId, media: MediaDescription) {
        let Some(c) = self.calls.get_mut(&call) else {
            return self.not_ringing(call, Operation::Answer);
        };
        let _g = c.span.clone().entered();
        if c.phase != Phase::Incoming {
            return self.not_ringing(call, Operation::Answer);
        }
        let body = match c.remote_offer.clone() {
            Some(remote) => match sdp_glue::answer(&media, &remote) {
                Ok((ans, neg)) => {
                    c.pending_negotiated = Some(neg);
                    c.remote_held = sdp_glue::holds_us(&remote);
                    c.pending_hold = c.remote_held.then_some(true);
                    c.origin.encode_answer(&ans, c.remote_sdp.as_ref())
                }
                Err(why) => {
                    debug!(%why, "no common media");
                    self.final_to_incoming(call, 488, &[]);
                    self.calls.remove(&call);
                    let reason = Reason::new(why.cause)
                        .with_raw(RawCause::Sip(488))
                        .with_text(why.text);
                    self.emit(StackEvent::CallEnded {
                        call,
                        reason: EndReason::local(reason),
                    });
                    return;
                }
            },
            None => {
                c.offer_in_2xx = true;
                c.our_offer = Some(media.clone());
                c.origin.encode(&media)
            }
        };
        c.local_media = Some(media);
        c.phase = Phase::Answered;
        let (Some(key), tag, contact, cseq) = (
            c.invite_server_key.clone(),
            c.local_tag.clone(),
            c.contact.clone(),
            c.remote_cseq.unwrap_or(0),
        ) else {
            return;
        };
        let agreed = self.calls.get_mut(&call).and_then(|c| {
            c.rel.on_final();
            c.st.offer.take()
        });
        let mut extra = vec![
            ("Contact", format!("<{contact}>")),
            ("Allow", ALLOW.to_string()),
        ];
        extra.extend(Self::session_response_headers(agreed));
        self.session_started_uas(call, agreed);
        if let Some(bytes) = self.respond(
            &key,
            200,
            Some(&tag),
            &extra,
            Some(("application/sdp", &body)),
        ) {
            let r = Retransmitter::new(self.now, bytes, self.cfg.timers);
            if let Some(c) = self.calls.get_mut(&call) {
                c.uas_2xx = Some((cseq, r));
            }
        }
    }

    /// Refuses a ringing call with the status [`reject_status`] picks.
    pub(super) fn reject(&mut self, call: CallId, reason: Reason) {
        match self.calls.get(&call) {
            Some(c) if c.phase == Phase::Incoming => {
                let code = reject_status(&reason);
                self.final_to_incoming(call, code, &[]);
                self.calls.remove(&call);
                self.emit(StackEvent::CallEnded {
                    call,
                    reason: EndReason::local(reason.with_raw(RawCause::Sip(code))),
                });
            }
            Some(_) => self.not_ringing(call, Operation::Reject),
            // Already over (the caller cancelled meanwhile): refusing it is
            // what was asked, so this is not a failure.
            None => debug!(%call, "reject of a call that is already over"),
        }
    }

    pub(super) fn redirect(&mut self, call: CallId, targets: Vec<Address>) {
        if !self
            .calls
            .get(&call)
            .is_some_and(|c| c.phase == Phase::Incoming)
        {
            return self.not_ringing(call, Operation::Redirect);
        }
        if targets.is_empty() {
            let why = "a redirection needs at least one target";
            return self.command_failed(
                Some(call),
                Operation::Redirect,
                Reason::new(Cause::InvalidRequest).with_text(why),
            );
        }
        let contacts: Vec<(&str, String)> = targets
            .iter()
            .map(|a| ("Contact", super::target::bracketed(a.uri())))
            .collect();
        self.final_to_incoming(call, 302, &contacts);
        self.calls.remove(&call);
        let reason = Reason::new(Cause::Redirected).with_raw(RawCause::Sip(302));
        self.emit(StackEvent::CallEnded {
            call,
            reason: EndReason::local(reason),
        });
    }

    fn on_ack(&mut self, req: InRequest, key: &str) {
        let now = self.now;
        if let Some(e) = self.servers.get_mut(key) {
            if e.tx.on_ack(now) {
                return; // ACK for a non-2xx final (§17.2.1)
            }
        }
        let Some(call) = self.dialog_of(&req) else {
            debug!("ACK outside any dialog dropped");
            return;
        };
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let _g = c.span.clone().entered();
        match &c.uas_2xx {
            Some((cseq, _)) if *cseq == req.cseq => {}
            _ => return, // a retransmitted ACK
        }
        c.uas_2xx = None;
        let initial = c.phase == Phase::Answered;
        c.phase = Phase::Confirmed;
        if c.bye_after_ack {
            return self.end_call_with_bye(call, EndReason::local(Cause::NormalClearing));
        }
        let negotiated = if c.offer_in_2xx {
            c.offer_in_2xx = false;
            let ours = c.our_offer.take();
            match (ours, req.body.is_empty()) {
                (Some(ours), false) => {
                    match sdp_glue::decode(&req.body).and_then(|theirs| {
                        let hold = sdp_glue::holds_us(&theirs);
                        sdp_glue::complete(&ours, &theirs).map(|n| (n, hold))
                    }) {
                        Ok((n, hold)) => {
                            if hold != c.remote_held {
                                c.remote_held = hold;
                                c.pending_hold = Some(hold);
                            }
                            Some(n)
                        }
                        Err(why) => {
                            if initial {
                                self.emit(StackEvent::Connected { call });
                            }
                            return self
                                .end_call_with_bye(call, why.end_reason("the ACK's answer"));
                        }
                    }
                }
                _ => {
                    if initial {
                        self.emit(StackEvent::Connected { call });
                    }
                    return self
                        .end_call_with_bye(call, media_failure("the ACK carried no SDP answer"));
                }
            }
        } else {
            c.pending_negotiated.take()
        };
        let hold = c.pending_hold.take();
        if let Some(n) = &negotiated {
            c.negotiated = Some(n.clone());
        }
        if initial {
            self.emit(StackEvent::Connected { call });
        }
        if let Some(media) = negotiated {
            self.emit(StackEvent::MediaNegotiated { call, media });
        }
        if let Some(held) = hold {
            self.emit(StackEvent::RemoteHold { call, held });
        }
    }

    /// 2xx retransmission timer of the UAS core (§13.3.1.4).
    pub(super) fn uas_retransmit(&mut self, call: CallId, now: Instant) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some((_, r)) = c.uas_2xx.as_mut() else {
            return;
        };
        match r.on_timeout(now) {
            RetransmitAction::None => {}
            RetransmitAction::Send(bytes) => {
                if !c.transport.is_reliable() {
                    let (t, d) = (c.transport, c.reply_to);
                    self.send(t, d, bytes);
                }
            }
            RetransmitAction::GiveUp => {
                c.uas_2xx = None;
                c.phase = Phase::Confirmed;
                warn!(%call, "no ACK for our 2xx; ending the call");
                let why = Reason::new(Cause::Timeout).with_text("no ACK for our 2xx");
                self.end_call_with_bye(call, EndReason::system(why));
            }
        }
    }

    fn on_cancel(&mut self, req: &InRequest, key: &str) {
        let invite_key = server_key(req, &Method::Invite);
        let pending = self
            .servers
            .get(&invite_key)
            .map(|e| (e.call, e.tx.has_final()));
        let Some((call, has_final)) = pending else {
            self.respond(key, 481, None, &[], None);
            return;
        };
        self.respond(key, 200, None, &[], None);
        if has_final {
            return; // too late (§9.2): the CANCEL has no effect
        }
        match call.and_then(|c| self.calls.get(&c).map(|x| (c, x.local_tag.clone()))) {
            Some((call, tag)) => {
                self.respond(&invite_key, 487, Some(&tag), &[], None);
                self.calls.remove(&call);
                // RFC 3326: a forking proxy says why it cancels.
                let cause = if completed_elsewhere(req) {
                    Cause::AnsweredElsewhere
                } else {
                    Cause::Cancelled
                };
                self.emit(StackEvent::CallEnded {
                    call,
                    reason: EndReason::remote(cause),
                });
            }
            None => {
                let tag = self.ids.tag();
                self.respond(&invite_key, 487, Some(&tag), &[], None);
            }
        }
    }

    fn on_bye(&mut self, req: &InRequest, key: &str) {
        let Some(call) = self.dialog_of(req) else {
            self.respond(key, 481, None, &[], None);
            return;
        };
        self.respond(key, 200, None, &[], None);
        if let Some(c) = self.calls.remove(&call) {
            let _g = c.span.clone().entered();
            if c.phase == Phase::Incoming {
                // BYE in an early dialog ends the pending INVITE too.
                if let Some(k) = &c.invite_server_key {
                    self.respond(k, 487, Some(&c.local_tag), &[], None);
                }
            }
            if !c.ended {
                self.emit(StackEvent::CallEnded {
                    call,
                    reason: EndReason::remote(Cause::NormalClearing),
                });
            }
        }
    }

    /// Checks the CSeq of an in-dialog request (§12.2.2) and records it.
    fn accept_cseq(&mut self, call: CallId, req: &InRequest, key: &str) -> bool {
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        if c.remote_cseq.is_some_and(|r| req.cseq <= r) {
            self.respond(key, 500, None, &[("Retry-After", "1".to_string())], None);
            return false;
        }
        c.remote_cseq = Some(req.cseq);
        true
    }

    fn on_reinvite(&mut self, req: InRequest, key: &str) {
        let Some(call) = self.dialog_of(&req) else {
            self.respond(key, 481, None, &[], None);
            return;
        };
        // A retransmission of the re-INVITE we answered with a 2xx (whose
        // transaction is over, §13.3.1.4): the 2xx again, not a 491.
        let resend = self.calls.get(&call).and_then(|c| match &c.uas_2xx {
            Some((cseq, r)) if *cseq == req.cseq => Some((r.bytes().to_vec(), c.transport)),
            _ => None,
        });
        if let Some((bytes, t)) = resend {
            let dst = self.servers.remove(key).map(|e| e.reply_to);
            if let Some(d) = dst {
                self.send(t, d, bytes);
            }
            return;
        }
        let busy = self.calls.get(&call).is_some_and(|c| {
            c.phase != Phase::Confirmed
                || c.reinvite_key.is_some()
                || c.uas_2xx.is_some()
                || c.ended
        });
        if busy {
            // §14.2: an offer/answer exchange is already in progress.
            self.respond(key, 491, None, &[], None);
            return;
        }
        if !self.accept_cseq(call, &req, key) {
            return;
        }
        let agreed = match self.session_negotiate(&req) {
            Ok(a) => a,
            Err((code, headers)) => {
                self.respond(key, code, None, &headers, None);
                return;
            }
        };
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let _g = c.span.clone().entered();
        if let Some(contact) = req.contacts().first() {
            c.remote_target = contact.uri.to_string();
        }
        let Some(local) = c.current_local() else {
            self.respond(key, 500, None, &[], None);
            return;
        };
        let body = if req.body.is_empty() {
            c.offer_in_2xx = true;
            c.our_offer = Some(local.clone());
            c.origin.encode(&local)
        } else {
            let answered = sdp_glue::decode_with_sdp(&req.body).and_then(|(remote, sd)| {
                let hold = sdp_glue::holds_us(&remote);
                sdp_glue::answer(&local, &remote).map(|(a, n)| (a, n, hold, sd))
            });
            match answered {
                Ok((ans, neg, hold, sd)) => {
                    c.remote_sdp = Some(sd);
                    if hold != c.remote_held {
                        c.remote_held = hold;
                        c.pending_hold = Some(hold);
                    }
                    c.pending_negotiated = Some(neg);
                    c.origin.encode_answer(&ans, c.remote_sdp.as_ref())
                }
                Err(why) => {
                    debug!(%why, "re-INVITE offer not acceptable");
                    self.respond(key, 488, None, &[], None);
                    return;
                }
            }
        };
        let contact = c.contact.clone();
        let mut extra = vec![("Contact", format!("<{contact}>"))];
        extra.extend(Self::session_response_headers(agreed));
        self.session_started_uas(call, agreed);
        if let Some(bytes) = self.respond(key, 200, None, &extra, Some(("application/sdp", &body)))
        {
            let r = Retransmitter::new(self.now, bytes, self.cfg.timers);
            if let Some(c) = self.calls.get_mut(&call) {
                c.uas_2xx = Some((req.cseq, r));
                c.reply_to = self
                    .servers
                    .get(key)
                    .map(|e| e.reply_to)
                    .unwrap_or(c.reply_to);
            }
        }
    }

    fn on_notify(&mut self, req: &InRequest, key: &str) {
        let Some(call) = self.dialog_of(req) else {
            // Not a call's (REFER progress): a subscription's, or unsolicited MWI.
            return self.on_event_notify(req, key);
        };
        if !self.accept_cseq(call, req, key) {
            return;
        }
        self.respond(key, 200, None, &[], None);
        self.on_refer_notify(call, req);
    }

    fn on_info(&mut self, req: &InRequest, key: &str) {
        let Some(call) = self.dialog_of(req) else {
            self.respond(key, 481, None, &[], None);
            return;
        };
        if !self.accept_cseq(call, req, key) {
            return;
        }
        let ct = req.content_type();
        let body = String::from_utf8_lossy(&req.body).to_string();
        let dtmf = match ct.as_deref() {
            Some("application/dtmf-relay") => parse_dtmf_relay(&body),
            Some("application/dtmf") => body
                .trim()
                .chars()
                .next()
                .map(|d| (d, Duration::from_millis(250))),
            None if req.body.is_empty() => None,
            _ => {
                self.respond(
                    key,
                    415,
                    None,
                    &[("Accept", "application/dtmf-relay, application/dtmf".into())],
                    None,
                );
                return;
            }
        };
        self.respond(key, 200, None, &[], None);
        if let Some((digit, duration)) = dtmf {
            self.emit(StackEvent::Dtmf {
                call,
                digit,
                duration,
            });
        }
    }

    fn on_refer(&mut self, req: &InRequest, key: &str) {
        let Some(call) = self.dialog_of(req) else {
            self.respond(key, 481, None, &[], None);
            return;
        };
        if !self.accept_cseq(call, req, key) {
            return;
        }
        let Some(target) = req.headers.all("refer-to").next().and_then(address_of) else {
            self.respond(key, 400, None, &[], None);
            return;
        };
        self.respond(key, 202, None, &[], None);
        self.emit(StackEvent::TransferRequested { call, target });
        // RFC 3515 §2.4.4: the implicit subscription gets a NOTIFY. We do not track the
        // new call's progress, so we report "Trying" and end the subscription.
        if let Some((mut notify, t, dst)) = self.dialog_request(call, "NOTIFY", None) {
            notify.extra.push(("Event".into(), "refer".into()));
            notify.extra.push((
                "Subscription-State".into(),
                "terminated;reason=noresource".into(),
            ));
            notify.content_type = Some("message/sipfrag;version=2.0".into());
            notify.body = b"SIP/2.0 100 Trying\r\n".to_vec();
            self.start_client(super::Owner::Bye(None), notify, t, dst, &[]);
        }
    }
}

/// Whether a CANCEL says the call was answered elsewhere (RFC 3326
/// `Reason: SIP ;cause=200`, sent by forking proxies).
fn completed_elsewhere(req: &InRequest) -> bool {
    req.headers.list("reason").iter().any(|r| {
        let mut parts = r.split(';');
        let proto = parts.next().unwrap_or("").trim();
        proto.eq_ignore_ascii_case("SIP")
            && parts.any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("cause") && v.trim() == "200"
                })
            })
    })
}

/// `Signal=5\r\nDuration=160` (the de-facto application/dtmf-relay format).
fn parse_dtmf_relay(body: &str) -> Option<(char, Duration)> {
    let mut digit = None;
    let mut duration = Duration::from_millis(250);
    for line in body.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "signal" => {
                digit = v
                    .trim()
                    .chars()
                    .next()
                    .filter(|c| matches!(c, '0'..='9' | '*' | '#' | 'A'..='D' | 'a'..='d'))
                    .map(|c| c.to_ascii_uppercase());
            }
            "duration" => {
                if let Ok(ms) = v.trim().parse::<u64>() {
                    duration = Duration::from_millis(ms.min(60_000));
                }
            }
            _ => {}
        }
    }
    digit.map(|d| (d, duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_relay_bodies() {
        assert_eq!(
            parse_dtmf_relay("Signal=5\r\nDuration=160\r\n"),
            Some(('5', Duration::from_millis(160)))
        );
        assert_eq!(
            parse_dtmf_relay("Signal= #\nDuration=x"),
            Some(('#', Duration::from_millis(250)))
        );
        assert_eq!(parse_dtmf_relay("Signal=Z"), None);
        assert_eq!(parse_dtmf_relay(""), None);
    }
}
