//! Registration of accounts (RFC 3261 §10): REGISTER with refresh, digest challenges,
//! 423 Interval Too Brief, and removal with `Expires: 0`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_sal::{AccountConfig, AccountId, Cause, Reason, RegistrationState, StackEvent};
use tracing::{debug, warn};

use super::build::OutRequest;
use super::calls::route_value;
use super::cause_map::response_reason;
use super::view::InResponse;
use super::{ClientEntry, Owner, SipCore};
use crate::auth::{Credentials, DigestClient};
use crate::message::Uri;
use crate::transport::TransportKind;

/// One account.
#[derive(Debug)]
pub(crate) struct Account {
    pub config: AccountConfig,
    pub aor: Uri,
    pub user: Option<String>,
    pub registrar: String,
    pub call_id: String,
    pub tag: String,
    pub cseq: u32,
    pub auth: Option<DigestClient>,
    pub auth_tries: u8,
    /// Lifetime we ask for (raised by 423).
    pub expires: u32,
    pub refresh_at: Option<Instant>,
    pub registered: bool,
    pub removing: bool,
    pub transport: TransportKind,
    pub dst: SocketAddr,
}

impl Account {
    pub(crate) fn local_name_addr(&self) -> String {
        match self.config.aor.display_name() {
            Some(d) => format!("\"{}\" <{}>", d.replace('"', ""), self.aor),
            None => format!("<{}>", self.aor),
        }
    }

    pub(crate) fn credentials(&self) -> Option<Credentials> {
        let password = self.config.password.clone()?;
        let username = self.config.username.clone().or_else(|| self.user.clone())?;
        Some(Credentials { username, password })
    }
}

/// Delay before registering again after a failure.
const REGISTER_RETRY: Duration = Duration::from_secs(60);

/// When to refresh a binding granted for `expires` seconds: a margin before expiry
/// (half the lifetime for short ones).
fn refresh_after(expires: u32) -> Duration {
    let e = u64::from(expires);
    Duration::from_secs(if e > 60 { e - 30 } else { (e / 2).max(1) })
}

impl SipCore {
    pub(super) fn add_account(&mut self, id: AccountId, config: AccountConfig) {
        let fail = |core: &mut SipCore, cause: Cause, why: String| {
            warn!(account = %id, %why, "account not usable");
            core.emit(StackEvent::Registration {
                account: id,
                state: RegistrationState::Failed {
                    reason: Reason::new(cause).with_text(why),
                },
            });
        };
        let Ok(aor) = Uri::parse(config.aor.uri()) else {
            let why = format!("invalid address of record {}", config.aor.uri());
            return fail(self, Cause::InvalidRequest, why);
        };
        let Some(sip) = aor.as_sip() else {
            let why = format!("the SIP stack cannot register {} URIs", aor.scheme());
            return fail(self, Cause::Unsupported, why);
        };
        let user = sip.user.clone();
        // §10.2: a sips: address of record registers with its domain over TLS.
        let scheme = if sip.secure { "sips" } else { "sip" };
        let registrar = match &config.registrar {
            Some(r) => {
                let r = r.trim().trim_start_matches('<').trim_end_matches('>');
                if r.starts_with("sip:") || r.starts_with("sips:") {
                    r.to_string()
                } else {
                    format!("{scheme}:{r}")
                }
            }
            None => {
                // The AOR's transport comes along: `;transport=tls` on the
                // address of record must not register in the clear.
                let transport = sip
                    .transport()
                    .map(|t| format!(";transport={t}"))
                    .unwrap_or_default();
                match sip.port {
                    Some(p) => format!("{scheme}:{}:{p}{transport}", sip.host),
                    None => format!("{scheme}:{}{transport}", sip.host),
                }
            }
        };
        let secure_hop = sip.secure
            || Self::needs_tls(&registrar)
            || config
                .outbound_proxy
                .as_deref()
                .is_some_and(Self::needs_tls);
        if secure_hop && !self.cfg.tls_client {
            let why =
                "sips: and transport=tls need TLS: build openphone-sip with the `tls` feature"
                    .to_string();
            return fail(self, Cause::Unsupported, why);
        }
        let hop = match &config.outbound_proxy {
            Some(p) => self.resolve_text(&route_value(p)),
            None => self.resolve_text(&registrar),
        };
        let Some((transport, dst)) = hop else {
            let why = format!("cannot resolve the registrar {registrar}");
            return fail(self, Cause::NetworkError, why);
        };
        let mut acc = Account {
            expires: u32::try_from(config.expires.as_secs()).unwrap_or(u32::MAX),
            aor,
            user,
            registrar,
            call_id: self.ids.call_id(),
            tag: self.ids.tag(),
            cseq: 0,
            auth: None,
            auth_tries: 0,
            refresh_at: None,
            registered: false,
            removing: false,
            transport,
            dst,
            config,
        };
        acc.auth = acc.credentials().map(DigestClient::new);
        let register = acc.config.register;
        self.accounts.insert(id, acc);
        if register {
            self.emit(StackEvent::Registration {
                account: id,
                state: RegistrationState::Registering,
            });
            self.send_register(id);
        }
    }

    pub(super) fn remove_account(&mut self, id: AccountId) {
        let Some(acc) = self.accounts.get_mut(&id) else {
            warn!(account = %id, "removing an unknown account");
            return;
        };
        acc.refresh_at = None;
        if acc.registered && !acc.removing {
            acc.removing = true;
            self.send_register(id);
        } else if !acc.removing {
            self.accounts.remove(&id);
            self.emit(StackEvent::Registration {
                account: id,
                state: RegistrationState::Unregistered,
            });
        }
    }

    fn send_register(&mut self, id: AccountId) {
        let cnonce = self.ids.cnonce();
        let Some(acc) = self.accounts.get(&id) else {
            return;
        };
        let expires = if acc.removing { 0 } else { acc.expires };
        let contact = self.contact_uri(acc.user.as_deref(), acc.transport);
        let aor = acc.local_name_addr();
        let route: Vec<String> = acc
            .config
            .outbound_proxy
            .iter()
            .map(|p| route_value(p))
            .collect();
        let (transport, dst) = (acc.transport, acc.dst);
        let Some(acc) = self.accounts.get_mut(&id) else {
            return;
        };
        acc.cseq = acc.cseq.wrapping_add(1);
        let req = OutRequest {
            method: "REGISTER".into(),
            uri: acc.registrar.clone(),
            from: format!("{aor};tag={}", acc.tag),
            to: aor,
            call_id: acc.call_id.clone(),
            cseq: acc.cseq,
            route,
            contact: Some(format!("<{contact}>")),
            extra: vec![("Expires".into(), expires.to_string())],
            content_type: None,
            body: Vec::new(),
        };
        // Answer a remembered challenge up front (nonce reuse with nc+1).
        let auth = match acc.auth.as_mut() {
            Some(a) if a.has_challenges() => a.authorize("REGISTER", &req.uri, &[], &cnonce),
            _ => Vec::new(),
        };
        self.start_client(Owner::Register(id), req, transport, dst, &auth);
    }

    /// The registrar refused, or did not answer (`reason` says which).
    pub(super) fn register_failed(&mut self, id: AccountId, reason: Reason) {
        let Some(acc) = self.accounts.get_mut(&id) else {
            return;
        };
        if acc.removing {
            self.accounts.remove(&id);
            self.emit(StackEvent::Registration {
                account: id,
                state: RegistrationState::Unregistered,
            });
            return;
        }
        acc.registered = false;
        // Try again later: the registrar may come back, or the password be fixed.
        acc.refresh_at = Some(self.now + REGISTER_RETRY);
        acc.auth_tries = 0;
        self.emit(StackEvent::Registration {
            account: id,
            state: RegistrationState::Failed { reason },
        });
    }

    pub(super) fn on_register_response(
        &mut self,
        id: AccountId,
        entry: &ClientEntry,
        resp: &InResponse,
    ) {
        let code = resp.code;
        if code < 200 {
            return;
        }
        let now = self.now;
        let ours = self.local_addr(entry.transport);
        let Some(acc) = self.accounts.get_mut(&id) else {
            return;
        };
        if entry.req.cseq != acc.cseq {
            return; // superseded
        }
        if code < 300 {
            acc.auth_tries = 0;
            if acc.removing {
                self.accounts.remove(&id);
                self.emit(StackEvent::Registration {
                    account: id,
                    state: RegistrationState::Unregistered,
                });
                return;
            }
            // The registrar's word: our Contact's expires, else Expires, else what we asked.
            let mine = resp.contacts().into_iter().find(|c| {
                c.uri.as_sip().is_some_and(|s| {
                    s.host.ip() == Some(ours.ip()) && s.port.unwrap_or(5060) == ours.port()
                })
            });
            let granted = mine
                .and_then(|c| c.expires())
                .or_else(|| resp.number("expires"))
                .unwrap_or(acc.expires);
            if granted == 0 {
                let why =
                    Reason::new(Cause::ServerError).with_text("the registrar granted no lifetime");
                return self.register_failed(id, why);
            }
            acc.registered = true;
            acc.refresh_at = Some(now + refresh_after(granted));
            self.emit(StackEvent::Registration {
                account: id,
                state: RegistrationState::Registered {
                    expires: Duration::from_secs(u64::from(granted)),
                },
            });
            return;
        }
        if code == 401 || code == 407 {
            let www: Vec<&str> = resp.headers.all("www-authenticate").collect();
            let proxy: Vec<&str> = resp.headers.all("proxy-authenticate").collect();
            let outcome = match acc.auth.as_mut() {
                Some(_) if acc.auth_tries >= 3 => Err("too many challenges".to_string()),
                Some(a) => a.on_challenge(&www, &proxy).map_err(|e| e.to_string()),
                None => Err("no credentials configured".to_string()),
            };
            match outcome {
                Ok(()) => {
                    acc.auth_tries += 1;
                    self.send_register(id);
                }
                Err(why) => {
                    debug!(%why, "registration challenge not answered");
                    let phrase = format!("{} ({why})", resp.reason);
                    self.register_failed(id, response_reason(code, &phrase));
                }
            }
            return;
        }
        if code == 423 {
            if let Some(min) = resp.number("min-expires") {
                if min > acc.expires {
                    acc.expires = min;
                    self.send_register(id);
                    return;
                }
            }
        }
        self.register_failed(id, response_reason(code, &resp.reason));
    }

    pub(super) fn account_timers(&mut self, now: Instant) {
        let due = self.accounts.take_due(now);
        for id in due {
            if let Some(a) = self.accounts.get_mut(&id) {
                a.refresh_at = None;
            }
            self.send_register(id);
        }
    }

    /// The account a request to `user` is for.
    pub(super) fn account_for_user(&self, user: Option<&str>) -> Option<AccountId> {
        let user = user?;
        self.accounts
            .iter()
            .find(|(_, a)| a.user.as_deref() == Some(user))
            .map(|(id, _)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_margin() {
        assert_eq!(refresh_after(3600), Duration::from_secs(3570));
        assert_eq!(refresh_after(60), Duration::from_secs(30));
        assert_eq!(refresh_after(1), Duration::from_secs(1));
    }
}
