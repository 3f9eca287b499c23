//! The publisher (RFC 3903): PUBLISH our presence as PIDF to the account's
//! server, keep the entity-tag, refresh with `SIP-If-Match` before expiry,
//! publish afresh after 412, remove with `Expires: 0`.
//!
//! An account that does not register and has no outbound proxy has no presence
//! server: publishing then only changes what our own notifier tells the
//! watchers that subscribed to us directly (`notifier.rs`).

use std::net::SocketAddr;
use std::time::Instant;

use openphone_sal::{AccountId, Cause, Operation, PresenceStatus, Reason};
use tracing::{debug, warn};

use super::build::OutRequest;
use super::cause_map::response_reason;
use super::subscribe::refresh_in;
use super::view::InResponse;
use super::{ClientEntry, Owner, SipCore};
use crate::event::pidf_document;
use crate::transport::TransportKind;

/// Lifetime we ask for a publication (s).
const PUBLISH_EXPIRES: u32 = 3600;

/// One account's publication.
#[derive(Debug)]
pub(crate) struct Publication {
    pub status: PresenceStatus,
    pub etag: Option<String>,
    pub call_id: String,
    pub cseq: u32,
    pub refresh_at: Option<Instant>,
    pub removing: bool,
    pub auth_tries: u8,
    pub transport: TransportKind,
    pub dst: SocketAddr,
}

impl SipCore {
    pub(super) fn publish(&mut self, account: AccountId, status: PresenceStatus) {
        let Some(acc) = self.accounts.get(&account) else {
            let why = Reason::new(Cause::InvalidRequest).with_text("no such account");
            return self.command_failed(None, Operation::Publish, why);
        };
        // A registering account has a server (its registrar); one that does
        // not register and names no proxy talks peer to peer.
        let has_server = acc.config.register
            || acc.config.registrar.is_some()
            || acc.config.outbound_proxy.is_some();
        let (t, dst) = (acc.transport, acc.dst);
        self.ev.own.insert(Some(account), status.clone());
        self.ev.own.insert(None, status.clone());
        self.notify_watchers_of(Some(account));
        if !has_server {
            debug!(%account, "no presence server: the state goes to direct watchers only");
            return;
        }
        let call_id = self.ids.call_id();
        let p = self.ev.pubs.get_mut(&account);
        match p {
            Some(p) => {
                p.status = status;
                p.removing = false;
                p.auth_tries = 0;
            }
            None => {
                self.ev.pubs.insert(
                    account,
                    Publication {
                        status,
                        etag: None,
                        call_id,
                        cseq: 0,
                        refresh_at: None,
                        removing: false,
                        auth_tries: 0,
                        transport: t,
                        dst,
                    },
                );
            }
        }
        // A changed state is a modification: body plus SIP-If-Match (§4.4).
        self.send_publish(account, true, &[]);
    }

    /// Removes our publication (RFC 3903 §4.5), as an account goes away.
    pub(super) fn unpublish(&mut self, account: AccountId) {
        let Some(p) = self.ev.pubs.get_mut(&account) else {
            return;
        };
        if p.etag.is_none() {
            self.ev.pubs.remove(&account);
            return;
        }
        p.removing = true;
        self.send_publish(account, false, &[]);
    }

    fn send_publish(
        &mut self,
        account: AccountId,
        with_body: bool,
        auth: &[(&'static str, String)],
    ) {
        let (local, _, proxy, _) = self.identity(Some(account));
        let Some(aor) = self.accounts.get(&account).map(|a| a.aor.to_string()) else {
            return;
        };
        let tag = self.ids.tag();
        let Some(p) = self.ev.pubs.get_mut(&account) else {
            return;
        };
        p.cseq = p.cseq.wrapping_add(1);
        p.refresh_at = None;
        let expires = if p.removing { 0 } else { PUBLISH_EXPIRES };
        let mut extra = vec![
            ("Event".to_string(), "presence".to_string()),
            ("Expires".to_string(), expires.to_string()),
        ];
        if let Some(e) = &p.etag {
            extra.push(("SIP-If-Match".into(), e.clone()));
        }
        let body = if (with_body || p.etag.is_none()) && !p.removing {
            pidf_document(&aor, &p.status, "openphone", None).into_bytes()
        } else {
            Vec::new()
        };
        let req = OutRequest {
            method: "PUBLISH".into(),
            uri: aor.clone(),
            from: format!("{local};tag={tag}"),
            to: local.clone(),
            call_id: p.call_id.clone(),
            cseq: p.cseq,
            route: proxy.iter().map(|x| super::calls::route_value(x)).collect(),
            contact: None,
            extra,
            content_type: (!body.is_empty()).then(|| "application/pidf+xml".to_string()),
            body,
        };
        let (t, dst) = (p.transport, p.dst);
        self.start_client(Owner::Publish(account), req, t, dst, auth);
    }

    pub(super) fn on_publish_response(
        &mut self,
        account: AccountId,
        entry: &ClientEntry,
        resp: &InResponse,
    ) {
        if resp.code < 200 {
            return;
        }
        let with_body = !entry.req.body.is_empty();
        if resp.code == 401 || resp.code == 407 {
            let cnonce = self.ids.cnonce();
            let tries = self.ev.pubs.get(&account).map_or(9, |p| p.auth_tries);
            if tries < 2 {
                if let Some(auth) = self
                    .accounts
                    .get_mut(&account)
                    .and_then(|a| a.auth.as_mut())
                {
                    let www: Vec<&str> = resp.headers.all("www-authenticate").collect();
                    let proxy: Vec<&str> = resp.headers.all("proxy-authenticate").collect();
                    if auth.on_challenge(&www, &proxy).is_ok() {
                        let h = auth.authorize("PUBLISH", &entry.req.uri, &entry.req.body, &cnonce);
                        if let Some(p) = self.ev.pubs.get_mut(&account) {
                            p.auth_tries += 1;
                        }
                        return self.send_publish(account, with_body, &h);
                    }
                }
            }
        }
        let Some(p) = self.ev.pubs.get_mut(&account) else {
            return;
        };
        if resp.code == 412 && !p.removing {
            // §6: the server lost our entity: publish the full state afresh.
            warn!(%account, "publication unknown to the server (412): publishing afresh");
            p.etag = None;
            return self.send_publish(account, true, &[]);
        }
        if resp.code >= 300 {
            let removing = p.removing;
            self.ev.pubs.remove(&account);
            if !removing {
                let why = response_reason(resp.code, &resp.reason);
                self.command_failed(None, Operation::Publish, why);
            }
            return;
        }
        p.auth_tries = 0;
        if p.removing {
            self.ev.pubs.remove(&account);
            return;
        }
        // §11.3: SIP-ETag names the publication for refreshes and changes.
        if let Some(e) = resp.headers.all("sip-etag").next() {
            p.etag = Some(e.trim().to_string());
        }
        let granted = resp.number("expires").unwrap_or(PUBLISH_EXPIRES).max(1);
        p.refresh_at = Some(self.now + refresh_in(granted));
    }

    pub(super) fn publish_failed(&mut self, account: AccountId, why: Reason) {
        if let Some(p) = self.ev.pubs.remove(&account) {
            if !p.removing {
                self.command_failed(None, Operation::Publish, why);
            }
        }
    }

    pub(super) fn publication_timers(&mut self, now: Instant) {
        for account in self.ev.pubs.take_due(now) {
            if let Some(p) = self.ev.pubs.get_mut(&account) {
                p.auth_tries = 0;
            }
            // §4.2: a refresh carries SIP-If-Match and no body.
            self.send_publish(account, false, &[]);
        }
    }
}
