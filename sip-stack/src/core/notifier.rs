//! The notifier for our own presence (RFC 6665 §4.2, RFC 3856): an
//! incoming SUBSCRIBE with `Event: presence` is accepted, answered 200 and
//! followed by a NOTIFY carrying our current PIDF; the watcher gets a new
//! NOTIFY whenever the application publishes a change, and a final one
//! when it unsubscribes or its subscription expires.
//!
//! Authorization policy: every watcher is accepted (a softphone has no
//! buddy-list policy store; RFC 3856 §6.6 leaves the policy to the
//! presentity). What is told is only the open/closed state and note the
//! application published (open without a note until it publishes).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_sal::{AccountId, BasicStatus, PresenceStatus};
use tracing::debug;

use super::build::OutRequest;
use super::subscribe::event_token;
use super::target::parse_uri_text;
use super::view::InRequest;
use super::{Owner, SipCore};
use crate::event::pidf_document;
use crate::transport::TransportKind;

/// Longest subscription we grant (s).
const MAX_EXPIRES: u32 = 3600;
/// Most watchers kept: a flood of SUBSCRIBEs must not grow memory unbounded.
const MAX_WATCHERS: usize = 1000;

/// A watcher of our presence: the notifier side of a subscription dialog.
#[derive(Debug)]
pub(crate) struct Watcher {
    pub account: Option<AccountId>,
    pub entity: String,
    pub call_id: String,
    pub remote_tag: String,
    /// Our side (the SUBSCRIBE's To, with our tag).
    pub from: String,
    /// Their side (the SUBSCRIBE's From).
    pub to: String,
    pub remote_target: String,
    pub route: Vec<String>,
    pub transport: TransportKind,
    pub dst: SocketAddr,
    pub contact: String,
    pub cseq: u32,
    pub expires_at: Instant,
}

fn watcher_key(call_id: &str, local_tag: &str) -> String {
    format!("{call_id}|{local_tag}")
}

impl SipCore {
    /// An incoming SUBSCRIBE.
    pub(super) fn on_subscribe(&mut self, req: &InRequest, key: &str) {
        let event = req.headers.all("event").next().map(event_token);
        if event.as_deref() != Some("presence") {
            // RFC 6665 §4.2.1.1: 489 with the packages we serve.
            let tag = self.ids.tag();
            self.respond(
                key,
                489,
                Some(&tag),
                &[("Allow-Events", "presence".into())],
                None,
            );
            return;
        }
        let asked = req
            .number("expires")
            .unwrap_or(MAX_EXPIRES)
            .min(MAX_EXPIRES);
        if let Some(to_tag) = req.to_tag() {
            let wkey = watcher_key(&req.call_id, to_tag);
            let from_tag = req.tag_of_from();
            let Some(w) = self
                .ev
                .watchers
                .get_mut(&wkey)
                .filter(|w| Some(w.remote_tag.as_str()) == from_tag)
            else {
                self.respond(key, 481, None, &[], None);
                return;
            };
            w.expires_at = self.now + Duration::from_secs(u64::from(asked));
            let contact = w.contact.clone();
            let h = [
                ("Expires", asked.to_string()),
                ("Contact", format!("<{contact}>")),
            ];
            self.respond(key, 200, None, &h, None);
            return self.notify_watcher(&wkey, asked == 0);
        }
        if self.ev.watchers.len() >= MAX_WATCHERS {
            let tag = self.ids.tag();
            self.respond(key, 503, Some(&tag), &[("Retry-After", "60".into())], None);
            return;
        }
        let accept = req.headers.tokens("accept");
        if !accept.is_empty()
            && !accept.iter().any(|a| {
                let t = event_token(a);
                t == "application/pidf+xml" || t == "application/*" || t == "*/*"
            })
        {
            let tag = self.ids.tag();
            self.respond(
                key,
                406,
                Some(&tag),
                &[("Accept", "application/pidf+xml".into())],
                None,
            );
            return;
        }
        let (Some(remote_tag), Some(contact)) =
            (req.tag_of_from(), req.contacts().first().cloned())
        else {
            let tag = self.ids.tag();
            self.respond(key, 400, Some(&tag), &[], None);
            return;
        };
        let route = req.record_route();
        let next = route
            .first()
            .cloned()
            .unwrap_or_else(|| contact.uri.to_string());
        let (transport, dst) = self
            .resolve_text(&next)
            .unwrap_or((req.transport, req.source));
        let user = req.uri.as_sip().and_then(|s| s.user.clone());
        let account = self.account_for_user(user.as_deref());
        let local_tag = self.ids.tag();
        let entity = parse_uri_text(&req.to_raw)
            .map(|u| u.to_string())
            .unwrap_or_else(|| req.uri.to_string());
        let my_contact = self.contact_uri(user.as_deref(), transport);
        let h = [
            ("Expires", asked.to_string()),
            ("Contact", format!("<{my_contact}>")),
        ];
        self.respond(key, 200, Some(&local_tag), &h, None);
        let wkey = watcher_key(&req.call_id, &local_tag);
        debug!(watcher = %req.from_raw, "presence watcher accepted");
        self.ev.watchers.insert(
            wkey.clone(),
            Watcher {
                account,
                entity,
                call_id: req.call_id.clone(),
                from: format!("{};tag={local_tag}", req.to_raw),
                remote_tag: remote_tag.to_string(),
                to: req.from_raw.clone(),
                remote_target: contact.uri.to_string(),
                route,
                transport,
                dst,
                contact: my_contact,
                cseq: 0,
                expires_at: self.now + Duration::from_secs(u64::from(asked)),
            },
        );
        self.notify_watcher(&wkey, asked == 0);
    }

    /// Our presence as the watchers of `account` see it.
    fn own_presence(&self, account: Option<AccountId>) -> PresenceStatus {
        self.ev
            .own
            .get(&account)
            .or_else(|| self.ev.own.get(&None))
            .cloned()
            .unwrap_or_else(|| PresenceStatus::new(BasicStatus::Open))
    }

    /// Sends one NOTIFY to a watcher; `last` ends its subscription.
    fn notify_watcher(&mut self, wkey: &str, last: bool) {
        let now = self.now;
        let Some(account) = self.ev.watchers.get(wkey).map(|w| w.account) else {
            return;
        };
        let status = self.own_presence(account);
        let Some(w) = self.ev.watchers.get_mut(wkey) else {
            return;
        };
        w.cseq = w.cseq.wrapping_add(1);
        let left = w.expires_at.saturating_duration_since(now).as_secs();
        let state = if last {
            "terminated;reason=timeout".to_string()
        } else {
            format!("active;expires={left}")
        };
        let body = pidf_document(&w.entity, &status, "openphone", Some(&w.contact)).into_bytes();
        let req = OutRequest {
            method: "NOTIFY".into(),
            uri: w.remote_target.clone(),
            from: w.from.clone(),
            to: w.to.clone(),
            call_id: w.call_id.clone(),
            cseq: w.cseq,
            route: w.route.clone(),
            contact: Some(format!("<{}>", w.contact)),
            extra: vec![
                ("Event".into(), "presence".into()),
                ("Subscription-State".into(), state),
            ],
            content_type: Some("application/pidf+xml".into()),
            body,
        };
        let (t, dst) = (w.transport, w.dst);
        if last {
            self.ev.watchers.remove(wkey);
        }
        self.start_client(Owner::Bye(None), req, t, dst, &[]);
    }

    /// Tells every watcher of `account` (all watchers for `None`-less
    /// accounts) the new state.
    pub(super) fn notify_watchers_of(&mut self, account: Option<AccountId>) {
        let keys: Vec<String> = self
            .ev
            .watchers
            .iter()
            .filter(|(_, w)| w.account.is_none() || w.account == account)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            self.notify_watcher(&k, false);
        }
    }

    /// Subscriptions that ran out: a final NOTIFY (RFC 6665 §4.2.2).
    pub(super) fn watcher_timers(&mut self, now: Instant) {
        for k in self.ev.watchers.take_due(now) {
            self.notify_watcher(&k, true);
        }
    }
}
