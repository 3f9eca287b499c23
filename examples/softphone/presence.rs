//! Presence and message waiting in the softphone: `subscribe URI
//! [presence|mwi]`, `unsubscribe URI`, `publish open|closed [NOTE]`, and
//! readable lines for their events (`presence sip:bob@… open (note)`,
//! `mwi 2 new / 8 old voice messages`).
//!
//! Watchers of our own presence are accepted by the SIP stack's notifier
//! (policy: everyone may watch).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use openphone::{
    BasicStatus, EventPackage, NotifyContent, Phone, PhoneEvent, PresenceStatus, Subscription,
    SubscriptionId,
};

/// The subscriptions this run made, by URI. Process-wide because command
/// lines are handled one at a time without state of their own, and the
/// event printer must name the URI a subscription id stands for.
fn subscriptions() -> MutexGuard<'static, HashMap<String, Subscription>> {
    static SUBS: OnceLock<Mutex<HashMap<String, Subscription>>> = OnceLock::new();
    SUBS.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// The URI a subscription watches.
fn uri_of(id: SubscriptionId) -> Option<String> {
    subscriptions()
        .iter()
        .find(|(_, s)| s.id() == id)
        .map(|(u, _)| u.clone())
}

/// Runs `subscribe`, `unsubscribe` or `publish`; returns the lines to show.
pub fn command(phone: &Phone, cmd: &str, rest: &str) -> Vec<String> {
    let mut words = rest.split_whitespace();
    match cmd {
        "subscribe" => {
            let Some(uri) = words.next() else {
                return vec!["error: subscribe needs a URI".into()];
            };
            let package = match words.next() {
                None | Some("presence") => EventPackage::Presence,
                Some("mwi") | Some("message-summary") => EventPackage::MessageSummary,
                Some(other) => {
                    return vec![format!("error: subscribe: presence or mwi, not {other:?}")]
                }
            };
            let what = if package == EventPackage::Presence {
                "presence"
            } else {
                "mwi"
            };
            match phone.subscribe(uri, package) {
                Ok(s) => {
                    let id = s.id();
                    subscriptions().insert(uri.to_string(), s);
                    vec![format!("subscribe: {what} of {uri} ({id})")]
                }
                Err(e) => vec![format!("error: subscribe: {e}")],
            }
        }
        "unsubscribe" => {
            let Some(uri) = words.next() else {
                return vec!["error: unsubscribe needs a URI".into()];
            };
            let Some(s) = subscriptions().get(uri).cloned() else {
                return vec![format!("error: unsubscribe: no subscription to {uri}")];
            };
            match s.cancel() {
                Ok(()) => vec![format!("unsubscribe: {uri}")],
                Err(e) => vec![format!("error: unsubscribe: {e}")],
            }
        }
        "publish" => {
            let basic = match words.next() {
                Some("open") => BasicStatus::Open,
                Some("closed") => BasicStatus::Closed,
                _ => return vec!["error: publish open|closed [NOTE]".into()],
            };
            let note = words.collect::<Vec<_>>().join(" ");
            let mut status = PresenceStatus::new(basic);
            if !note.is_empty() {
                status = status.with_note(note);
            }
            match phone.publish(status.clone()) {
                Ok(n) => vec![format!("publish: {status} on {n} account(s)")],
                Err(e) => vec![format!("error: publish: {e}")],
            }
        }
        _ => vec![format!("error: unknown command {cmd:?}")],
    }
}

/// A readable line for a presence or message-waiting event, `None` for
/// other events.
pub fn describe(ev: &PhoneEvent) -> Option<String> {
    match ev {
        PhoneEvent::Notify {
            subscription,
            content,
            ..
        } => match content {
            NotifyContent::Presence { entity, status } => {
                let who = subscription
                    .and_then(uri_of)
                    .unwrap_or_else(|| entity.clone());
                Some(format!("presence {who} {status}"))
            }
            NotifyContent::MessageSummary(m) => {
                let mut line = format!(
                    "mwi {} new / {} old voice messages",
                    m.voice_new, m.voice_old
                );
                if m.voice_new_urgent + m.voice_old_urgent > 0 {
                    line.push_str(&format!(
                        " ({} / {} urgent)",
                        m.voice_new_urgent, m.voice_old_urgent
                    ));
                }
                if !m.waiting {
                    line.push_str(" (none waiting)");
                }
                if let Some(a) = &m.account {
                    line.push_str(&format!(" for {a}"));
                }
                Some(line)
            }
            _ => None,
        },
        PhoneEvent::Subscription {
            subscription,
            state,
        } => {
            let uri = uri_of(*subscription)?;
            if matches!(state, openphone::SubscriptionState::Terminated(_)) {
                subscriptions().retain(|_, s| s.id() != *subscription);
            }
            Some(format!("subscription {uri} {state}"))
        }
        _ => None,
    }
}
