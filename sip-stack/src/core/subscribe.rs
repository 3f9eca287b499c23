//! The subscriber (RFC 6665 §4.1): SUBSCRIBE with refresh and removal,
//! NOTIFY within a subscription (Subscription-State, typed bodies), and
//! unsolicited `message-summary` NOTIFYs as message-waiting servers send
//! them outside any subscription. Also holds the tables of the publisher
//! (`publish.rs`) and the notifier (`notifier.rs`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_sal::{
    AccountId, Address, Cause, EventPackage, NotifyContent, Operation, PresenceStatus, Reason,
    StackEvent, SubscriptionId, SubscriptionState,
};
use tracing::{debug, warn};

use super::build::OutRequest;
use super::calls::{address_of, route_value};
use super::cause_map::response_reason;
use super::notifier::Watcher;
use super::publish::Publication;
use super::target::parse_uri_text;
use super::timed::Timed;
use super::view::{InRequest, InResponse};
use super::{ClientEntry, Owner, SipCore};
use crate::event::{parse_message_summary, parse_pidf};
use crate::message::Uri;
use crate::transport::TransportKind;

/// Subscriptions, publications and watchers, each with its timer.
#[derive(Debug)]
pub(crate) struct EventTables {
    pub subs: Timed<SubscriptionId, Sub>,
    pub pubs: Timed<AccountId, Publication>,
    pub watchers: Timed<String, Watcher>,
    /// Our presence as last published by the application, per account
    /// (`None`: any account); what the notifier tells watchers.
    pub own: HashMap<Option<AccountId>, PresenceStatus>,
}

impl EventTables {
    pub(crate) fn new() -> Self {
        EventTables {
            subs: Timed::new(|s: &Sub| s.refresh_at),
            pubs: Timed::new(|p: &Publication| p.refresh_at),
            watchers: Timed::new(|w: &Watcher| Some(w.expires_at)),
            own: HashMap::new(),
        }
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        [
            self.subs.next_deadline(),
            self.pubs.next_deadline(),
            self.watchers.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// One subscription we hold (the subscriber's dialog, RFC 6665 §4.1).
#[derive(Debug)]
pub(crate) struct Sub {
    pub account: Option<AccountId>,
    pub package: EventPackage,
    pub target: String,
    pub to: String,
    pub from: String,
    pub local_tag: String,
    pub remote_tag: Option<String>,
    pub call_id: String,
    pub cseq: u32,
    pub remote_target: Option<String>,
    pub route: Vec<String>,
    pub transport: TransportKind,
    pub dst: SocketAddr,
    pub contact: String,
    /// Lifetime asked for.
    pub expires: u32,
    pub refresh_at: Option<Instant>,
    /// Last state reported to the phone.
    pub reported: Option<SubscriptionState>,
    pub unsubscribing: bool,
    pub auth_tries: u8,
}

/// The `Event` package token of a header value (`presence;id=1` → `presence`).
pub(crate) fn event_token(v: &str) -> String {
    v.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The package a token names.
fn package_of(token: &str) -> EventPackage {
    match token {
        "presence" => EventPackage::Presence,
        "message-summary" => EventPackage::MessageSummary,
        other => EventPackage::Other(other.to_string()),
    }
}

/// The body types we accept for a package (the `Accept` header).
fn accept_for(p: &EventPackage) -> &'static str {
    match p {
        EventPackage::Presence => "application/pidf+xml",
        EventPackage::MessageSummary => "application/simple-message-summary",
        _ => "*/*",
    }
}

/// A `Subscription-State` value (RFC 6665 §8.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubState {
    pub state: String,
    pub expires: Option<u32>,
    pub reason: Option<String>,
    pub retry_after: Option<u32>,
}

pub(crate) fn parse_sub_state(v: &str) -> SubState {
    let mut parts = v.split(';');
    let state = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let mut out = SubState {
        state,
        expires: None,
        reason: None,
        retry_after: None,
    };
    for p in parts {
        let Some((k, val)) = p.split_once('=') else {
            continue;
        };
        let val = val.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "expires" => out.expires = val.parse().ok(),
            "reason" => out.reason = Some(val.to_ascii_lowercase()),
            "retry-after" => out.retry_after = val.parse().ok(),
            _ => {}
        }
    }
    out
}

/// When to refresh something granted for `secs`: before expiry, with a
/// margin (RFC 6665 §4.1.2.1 asks the subscriber to refresh in time).
pub(crate) fn refresh_in(secs: u32) -> Duration {
    let s = u64::from(secs);
    Duration::from_secs(if s > 64 { s - 32 } else { (s / 2).max(1) })
}

/// Decodes a NOTIFY body into typed content by package and Content-Type.
pub(crate) fn notify_content(
    package: &EventPackage,
    content_type: Option<&str>,
    body: &[u8],
) -> Option<NotifyContent> {
    if body.is_empty() {
        return None;
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    match package {
        EventPackage::Presence if ct.is_empty() || ct == "application/pidf+xml" => {
            match parse_pidf(body) {
                Ok(p) => Some(NotifyContent::Presence {
                    entity: p.entity,
                    status: p.status,
                }),
                Err(e) => {
                    debug!(error = %e, "PIDF body not understood");
                    None
                }
            }
        }
        EventPackage::MessageSummary
            if ct.is_empty() || ct == "application/simple-message-summary" =>
        {
            match parse_message_summary(body) {
                Ok(m) => Some(NotifyContent::MessageSummary(m)),
                Err(e) => {
                    debug!(error = %e, "message summary not understood");
                    None
                }
            }
        }
        _ => Some(NotifyContent::Other {
            content_type: ct,
            body: body.to_vec(),
        }),
    }
}

impl SipCore {
    pub(super) fn subscribe(
        &mut self,
        id: SubscriptionId,
        account: Option<AccountId>,
        to: Address,
        package: EventPackage,
        expires: Duration,
    ) {
        let fail = |core: &mut SipCore, cause: Cause, why: String| {
            let reason = Reason::new(cause).with_text(why);
            core.command_failed(None, Operation::Subscribe, reason.clone());
            core.emit(StackEvent::Subscription {
                subscription: id,
                state: SubscriptionState::Terminated(reason),
            });
        };
        let Ok(uri) = Uri::parse(to.uri()) else {
            return fail(
                self,
                Cause::InvalidRequest,
                format!("invalid SIP URI {}", to.uri()),
            );
        };
        let (local, user, proxy, _) = self.identity(account);
        let route: Vec<String> = proxy.iter().map(|p| route_value(p)).collect();
        let hop = match route.first() {
            Some(r) => self.resolve_text(r),
            None => self.resolve_uri(&uri),
        };
        let Some((transport, dst)) = hop else {
            let why = format!("cannot resolve the next hop for {}", to.uri());
            return fail(self, Cause::NetworkError, why);
        };
        let local_tag = self.ids.tag();
        let sub = Sub {
            account,
            package,
            target: uri.to_string(),
            to: format!("<{uri}>"),
            from: format!("{local};tag={local_tag}"),
            local_tag,
            remote_tag: None,
            call_id: self.ids.call_id(),
            cseq: 0,
            remote_target: None,
            route,
            transport,
            dst,
            contact: self.contact_uri(user.as_deref(), transport),
            expires: u32::try_from(expires.as_secs()).unwrap_or(u32::MAX),
            refresh_at: None,
            reported: None,
            unsubscribing: false,
            auth_tries: 0,
        };
        self.ev.subs.insert(id, sub);
        self.send_subscribe(id, &[]);
    }

    /// Sends SUBSCRIBE (initial, refresh or removal) with the next CSeq.
    fn send_subscribe(&mut self, id: SubscriptionId, auth: &[(&'static str, String)]) {
        let Some(s) = self.ev.subs.get_mut(&id) else {
            return;
        };
        s.cseq = s.cseq.wrapping_add(1);
        s.refresh_at = None;
        let expires = if s.unsubscribing { 0 } else { s.expires };
        let to = match &s.remote_tag {
            Some(t) => format!("{};tag={t}", s.to),
            None => s.to.clone(),
        };
        let req = OutRequest {
            method: "SUBSCRIBE".into(),
            uri: s.remote_target.clone().unwrap_or_else(|| s.target.clone()),
            from: s.from.clone(),
            to,
            call_id: s.call_id.clone(),
            cseq: s.cseq,
            route: s.route.clone(),
            contact: Some(format!("<{}>", s.contact)),
            extra: vec![
                ("Event".into(), s.package.to_string()),
                ("Accept".into(), accept_for(&s.package).into()),
                ("Expires".into(), expires.to_string()),
                ("Allow-Events".into(), "presence".into()),
            ],
            content_type: None,
            body: Vec::new(),
        };
        let (t, dst) = (s.transport, s.dst);
        self.start_client(Owner::Subscribe(id), req, t, dst, auth);
    }

    pub(super) fn unsubscribe(&mut self, id: SubscriptionId) {
        let Some(s) = self.ev.subs.get_mut(&id) else {
            return self.command_failed(
                None,
                Operation::Unsubscribe,
                Reason::new(Cause::InvalidRequest).with_text("no such subscription"),
            );
        };
        s.unsubscribing = true;
        s.auth_tries = 0;
        self.send_subscribe(id, &[]);
    }

    /// Reports a new state once (repeats are not events).
    fn report_sub(&mut self, id: SubscriptionId, state: SubscriptionState) {
        let Some(s) = self.ev.subs.get_mut(&id) else {
            return;
        };
        if s.reported.as_ref() == Some(&state) {
            return;
        }
        s.reported = Some(state.clone());
        if matches!(state, SubscriptionState::Terminated(_)) {
            self.ev.subs.remove(&id);
        }
        self.emit(StackEvent::Subscription {
            subscription: id,
            state,
        });
    }

    pub(super) fn on_subscribe_response(
        &mut self,
        id: SubscriptionId,
        entry: &ClientEntry,
        resp: &InResponse,
    ) {
        if resp.code < 200 {
            return;
        }
        if resp.code == 401 || resp.code == 407 {
            let cnonce = self.ids.cnonce();
            let account = self.ev.subs.get(&id).and_then(|s| s.account);
            let tries = self.ev.subs.get(&id).map_or(9, |s| s.auth_tries);
            if tries < 2 {
                if let Some(acc) = account.and_then(|a| self.accounts.get_mut(&a)) {
                    if let Some(auth) = acc.auth.as_mut() {
                        let www: Vec<&str> = resp.headers.all("www-authenticate").collect();
                        let proxy: Vec<&str> = resp.headers.all("proxy-authenticate").collect();
                        if auth.on_challenge(&www, &proxy).is_ok() {
                            let h = auth.authorize("SUBSCRIBE", &entry.req.uri, &[], &cnonce);
                            if let Some(s) = self.ev.subs.get_mut(&id) {
                                s.auth_tries += 1;
                            }
                            return self.send_subscribe(id, &h);
                        }
                    }
                }
            }
        }
        let Some(s) = self.ev.subs.get_mut(&id) else {
            return;
        };
        if resp.code >= 300 {
            // §4.1.2.2: a failed refresh leaves the subscription as the
            // NOTIFYs say; a failed initial or removal ends it.
            let why = response_reason(resp.code, &resp.reason);
            if s.unsubscribing || s.remote_tag.is_none() || matches!(resp.code, 481 | 489) {
                self.report_sub(id, SubscriptionState::Terminated(why));
            } else {
                warn!(code = resp.code, "subscription refresh refused");
                self.report_sub(id, SubscriptionState::Terminated(why));
            }
            return;
        }
        s.auth_tries = 0;
        // §4.1.2.1: the dialog is made by the 2xx (or the first NOTIFY).
        if s.remote_tag.is_none() {
            s.remote_tag = resp.to_tag().map(str::to_string);
            if let Some(c) = resp.contacts().first() {
                s.remote_target = Some(c.uri.to_string());
            }
            let rr = resp.record_route();
            if !rr.is_empty() {
                s.route = rr.into_iter().rev().collect();
                if let Some((t, d)) = s.route.first().cloned().and_then(|r| self.resolve_text(&r)) {
                    if let Some(s) = self.ev.subs.get_mut(&id) {
                        (s.transport, s.dst) = (t, d);
                    }
                }
            }
        }
        let Some(s) = self.ev.subs.get_mut(&id) else {
            return;
        };
        if s.unsubscribing {
            // The final NOTIFY (terminated) may still come; the subscription
            // is over for the application now.
            let why = Reason::new(Cause::NormalClearing).with_text("unsubscribed");
            return self.report_sub(id, SubscriptionState::Terminated(why));
        }
        let granted = resp
            .number("expires")
            .unwrap_or(s.expires)
            .min(s.expires.max(1));
        s.refresh_at = Some(self.now + refresh_in(granted));
        if resp.code == 202 && s.reported.is_none() {
            self.report_sub(id, SubscriptionState::Pending);
        }
    }

    pub(super) fn subscribe_failed(&mut self, id: SubscriptionId, why: Reason) {
        self.report_sub(id, SubscriptionState::Terminated(why));
    }

    pub(super) fn subscription_timers(&mut self, now: Instant) {
        for id in self.ev.subs.take_due(now) {
            if let Some(s) = self.ev.subs.get_mut(&id) {
                s.auth_tries = 0;
            }
            debug!(subscription = %id, "refreshing subscription");
            self.send_subscribe(id, &[]);
        }
    }

    /// A NOTIFY outside any call dialog: within one of our subscriptions,
    /// or an unsolicited message summary. Anything else gets 481.
    pub(super) fn on_event_notify(&mut self, req: &InRequest, key: &str) {
        let event = req.headers.all("event").next().map(event_token);
        let Some(event) = event else {
            // RFC 6665 §8.2.1: Event is mandatory in NOTIFY.
            self.respond(key, 400, None, &[], None);
            return;
        };
        let to_tag = req.to_tag();
        let found = self
            .ev
            .subs
            .iter()
            .find(|(_, s)| {
                s.call_id == req.call_id
                    && Some(s.local_tag.as_str()) == to_tag
                    && s.remote_tag
                        .as_deref()
                        .is_none_or(|t| Some(t) == req.tag_of_from())
            })
            .map(|(id, s)| (*id, s.package.clone(), s.account));
        let Some((id, package, account)) = found else {
            if event == "message-summary" {
                return self.unsolicited_summary(req, key);
            }
            let ending = req
                .headers
                .all("subscription-state")
                .next()
                .is_some_and(|v| parse_sub_state(v).state == "terminated");
            // The final NOTIFY after our removal arrives once the
            // subscription is gone here: nothing is left to end, so 200
            // rather than an error the notifier would log.
            let code = if ending { 200 } else { 481 };
            self.respond(key, code, None, &[], None);
            return;
        };
        if package_of(&event) != package {
            self.respond(key, 489, None, &[("Allow-Events", "presence".into())], None);
            return;
        }
        if let Some(s) = self.ev.subs.get_mut(&id) {
            if s.remote_tag.is_none() {
                s.remote_tag = req.tag_of_from().map(str::to_string);
                // The NOTIFY made the dialog: its Record-Route is the route set
                // in the order received (we are its UAS, §12.1.1).
                let rr = req.record_route();
                if !rr.is_empty() {
                    s.route = rr;
                }
            }
            if let Some(c) = req.contacts().first() {
                s.remote_target = Some(c.uri.to_string());
            }
        }
        self.respond(key, 200, None, &[], None);
        let state = req
            .headers
            .all("subscription-state")
            .next()
            .map(parse_sub_state);
        if let Some(content) = notify_content(&package, req.content_type().as_deref(), &req.body) {
            self.emit(StackEvent::Notify {
                subscription: Some(id),
                account,
                content,
            });
        }
        let Some(st) = state else { return };
        match st.state.as_str() {
            "active" => {
                let lifetime = st.expires.unwrap_or(3600);
                if let Some(s) = self.ev.subs.get_mut(&id) {
                    // §4.1.2.1: the notifier may shorten the lifetime.
                    let at = self.now + refresh_in(lifetime);
                    if !s.unsubscribing && s.refresh_at.is_none_or(|r| at < r) {
                        s.refresh_at = Some(at);
                    }
                }
                self.report_sub(
                    id,
                    SubscriptionState::Active {
                        expires: Duration::from_secs(u64::from(lifetime)),
                    },
                );
            }
            "pending" => self.report_sub(id, SubscriptionState::Pending),
            "terminated" => {
                let reason = st.reason.unwrap_or_else(|| "noresource".into());
                let mut text = format!("terminated by the notifier: {reason}");
                if let Some(r) = st.retry_after {
                    text.push_str(&format!(" (retry after {r} s)"));
                }
                let cause = match reason.as_str() {
                    "rejected" => Cause::Declined,
                    "noresource" => Cause::NotFound,
                    _ => Cause::NormalClearing,
                };
                self.report_sub(
                    id,
                    SubscriptionState::Terminated(Reason::new(cause).with_text(text)),
                );
            }
            other => debug!(state = other, "unknown Subscription-State ignored"),
        }
    }

    /// An out-of-dialog NOTIFY with Event: message-summary (RFC 3842 §3 lets
    /// a voicemail server send them without a subscription; Asterisk does).
    fn unsolicited_summary(&mut self, req: &InRequest, key: &str) {
        let content = notify_content(
            &EventPackage::MessageSummary,
            req.content_type().as_deref(),
            &req.body,
        );
        let tag = self.ids.tag();
        self.respond(key, 200, Some(&tag), &[], None);
        let Some(content) = content else {
            debug!("unsolicited message summary without a readable body");
            return;
        };
        let user = req.uri.as_sip().and_then(|s| s.user.clone());
        let account = self.account_for_user(user.as_deref()).or_else(|| {
            // The To URI names the mailbox's owner when the Request-URI is our Contact.
            let to = parse_uri_text(&req.to_raw)?;
            let u = to.as_sip()?.user.clone();
            self.account_for_user(u.as_deref())
        });
        let _ = address_of;
        self.emit(StackEvent::Notify {
            subscription: None,
            account,
            content,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_state_values() {
        let s = parse_sub_state("active;expires=600");
        assert_eq!((s.state.as_str(), s.expires), ("active", Some(600)));
        let s = parse_sub_state("Terminated; reason=Rejected ;retry-after=30");
        assert_eq!(s.state, "terminated");
        assert_eq!(s.reason.as_deref(), Some("rejected"));
        assert_eq!(s.retry_after, Some(30));
        assert_eq!(parse_sub_state("").state, "");
        assert_eq!(event_token("Presence ; id=7"), "presence");
        assert_eq!(refresh_in(3600), Duration::from_secs(3568));
        assert_eq!(refresh_in(10), Duration::from_secs(5));
    }
}
