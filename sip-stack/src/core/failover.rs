//! RFC 3263 §4.3 failover: a request whose target could not be reached
//! (connection refused, transaction timeout) is sent again, as a new
//! transaction, to the next target its host resolved to.

use tracing::info;

use super::{ClientEntry, Owner, SipCore};
use crate::resolver::Target;
use crate::transport::TransportKind;
use openphone_sal::Reason;

impl SipCore {
    /// Whether the core can send over `t` (the same rules as [`Self::resolve_uri`]).
    pub(crate) fn can_send(&self, t: TransportKind) -> bool {
        match t {
            TransportKind::Udp => self.cfg.udp.is_some(),
            TransportKind::Tcp => self.cfg.tcp.is_some(),
            TransportKind::Tls => self.cfg.tls_client,
        }
    }

    /// The first live target for `host` (lowercase) that `allowed` accepts.
    pub(crate) fn live_target(
        &self,
        host: &str,
        allowed: impl Fn(TransportKind) -> bool,
    ) -> Option<Target> {
        let list = self.targets.get(host)?;
        let usable = |t: &&Target| allowed(t.transport) && self.can_send(t.transport);
        let mut it = list.iter().filter(usable);
        // When every target failed, start over with the first one.
        list.iter()
            .filter(usable)
            .find(|t| !self.dead_targets.contains(t))
            .or_else(|| it.next())
            .copied()
    }

    /// The client transaction `e` failed with `why`: retry at the next live
    /// target of the same host, or report the failure to its owner.
    pub(crate) fn fail_over_or_fail(&mut self, e: ClientEntry, why: Reason) {
        let failed = Target {
            transport: e.transport,
            addr: e.dst,
        };
        self.dead_targets.insert(failed);
        let next = self.targets.values().find_map(|list| {
            let i = list.iter().position(|t| *t == failed)?;
            list.get(i + 1..)?
                .iter()
                .find(|t| !self.dead_targets.contains(t) && self.can_send(t.transport))
                .copied()
        });
        let Some(next) = next.filter(|_| !self.shutting_down) else {
            self.on_client_failure(e.owner, why);
            return;
        };
        info!(from = %failed.addr, to = %next.addr, transport = next.transport.as_str(),
            method = %e.req.method, "target failed; trying the next RFC 3263 target");
        if next.transport == TransportKind::Tls {
            if let Some(name) = self.tls_names.get(&failed.addr).cloned() {
                self.tls_names.insert(next.addr, name);
            }
        }
        let owner = e.owner.clone();
        let key = self.start_client(e.owner, e.req, next.transport, next.addr, &[]);
        if let Owner::Invite(id) = owner {
            if let Some(c) = self.calls.get_mut(&id) {
                c.invite_key = Some(key);
            }
        }
    }
}
