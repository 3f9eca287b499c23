//! [`DnsResolver`]: RFC 3263 §4 over a real DNS client (hickory), with the
//! system's name servers or a chosen one.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, Protocol, ResolverConfig, ResolverOpts};
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioAsyncResolver;
use tracing::debug;

use super::rfc3263::{order_naptr, order_srv, srv_prefix, NaptrRecord, SrvRecord};
use super::{Lookup, Resolve, ResolveError, Target, TargetLookup, TargetQuery};
use crate::transport::TransportKind;

/// Resolves SIP URIs as RFC 3263 §4 says (NAPTR, SRV, A/AAAA) through DNS.
#[derive(Clone)]
pub struct DnsResolver {
    inner: Arc<TokioAsyncResolver>,
}

impl std::fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsResolver").finish_non_exhaustive()
    }
}

fn options() -> ResolverOpts {
    let mut o = ResolverOpts::default();
    o.timeout = Duration::from_secs(2);
    o.attempts = 2;
    o
}

impl DnsResolver {
    /// Uses the system's configuration (`/etc/resolv.conf`).
    pub fn system() -> Result<Self, ResolveError> {
        let r = TokioAsyncResolver::tokio_from_system_conf()
            .map_err(|e| ResolveError::Config(e.to_string()))?;
        Ok(DnsResolver { inner: Arc::new(r) })
    }

    /// Asks only the name server at `server` (UDP, falling back to TCP for
    /// truncated answers).
    pub fn with_server(server: SocketAddr) -> Self {
        let mut cfg = ResolverConfig::new();
        cfg.add_name_server(NameServerConfig::new(server, Protocol::Udp));
        cfg.add_name_server(NameServerConfig::new(server, Protocol::Tcp));
        DnsResolver {
            inner: Arc::new(TokioAsyncResolver::tokio(cfg, options())),
        }
    }
}

/// A name as an absolute domain, so no search list is applied.
fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

async fn naptr(r: &TokioAsyncResolver, host: &str) -> Vec<NaptrRecord> {
    let Ok(answer) = r.lookup(fqdn(host), RecordType::NAPTR).await else {
        return Vec::new();
    };
    answer
        .iter()
        .filter_map(|d| match d {
            RData::NAPTR(n) => Some(NaptrRecord {
                order: n.order(),
                preference: n.preference(),
                flags: String::from_utf8_lossy(n.flags()).into_owned(),
                service: String::from_utf8_lossy(n.services()).into_owned(),
                replacement: n.replacement().to_ascii(),
            }),
            _ => None,
        })
        .collect()
}

async fn srv(r: &TokioAsyncResolver, name: &str) -> Vec<SrvRecord> {
    let Ok(answer) = r.srv_lookup(fqdn(name)).await else {
        return Vec::new();
    };
    let records = answer
        .iter()
        .map(|s| SrvRecord {
            priority: s.priority(),
            weight: s.weight(),
            port: s.port(),
            target: s.target().to_ascii(),
        })
        .collect();
    order_srv(records, &mut rand::thread_rng())
}

async fn addresses(r: &TokioAsyncResolver, host: &str) -> Vec<IpAddr> {
    match r.lookup_ip(fqdn(host)).await {
        Ok(ips) => ips.iter().collect(),
        Err(e) => {
            debug!(%host, error = %e, "A/AAAA lookup failed");
            Vec::new()
        }
    }
}

/// Targets from ordered SRV records: each target's addresses in turn.
async fn srv_targets(
    r: &TokioAsyncResolver,
    transport: TransportKind,
    records: Vec<SrvRecord>,
) -> Vec<Target> {
    let mut out = Vec::new();
    for rec in records {
        for ip in addresses(r, &rec.target).await {
            out.push(Target {
                transport,
                addr: SocketAddr::new(ip, rec.port),
            });
        }
    }
    out
}

async fn rfc3263(r: &TokioAsyncResolver, q: TargetQuery) -> Result<Vec<Target>, ResolveError> {
    let host = q.host.trim_end_matches('.').to_string();
    // §4.2: a port (or a numeric host, handled before DNS) means A/AAAA only.
    if let Some(port) = q.port {
        let transport = q.transport.unwrap_or(if q.secure {
            TransportKind::Tls
        } else {
            TransportKind::Udp
        });
        let out: Vec<Target> = addresses(r, &host)
            .await
            .into_iter()
            .map(|ip| Target {
                transport,
                addr: SocketAddr::new(ip, port),
            })
            .collect();
        return non_empty(out, &host);
    }
    let mut out = Vec::new();
    if let Some(t) = q.transport {
        // §4.1: the transport is known: SRV for it, then A/AAAA.
        out = srv_targets(r, t, srv(r, &format!("{}.{host}", srv_prefix(t))).await).await;
    } else {
        for (t, name) in order_naptr(naptr(r, &host).await, q.secure) {
            out.extend(srv_targets(r, t, srv(r, &name).await).await);
        }
        if out.is_empty() {
            // No (usable) NAPTR: SRV for every transport we would use.
            let candidates: &[TransportKind] = if q.secure {
                &[TransportKind::Tls]
            } else {
                &[TransportKind::Udp, TransportKind::Tcp, TransportKind::Tls]
            };
            for &t in candidates {
                let name = format!("{}.{host}", srv_prefix(t));
                out.extend(srv_targets(r, t, srv(r, &name).await).await);
            }
        }
    }
    if out.is_empty() {
        // No SRV: A/AAAA with the default port (UDP, TLS for sips).
        let transport = q.transport.unwrap_or(if q.secure {
            TransportKind::Tls
        } else {
            TransportKind::Udp
        });
        out = addresses(r, &host)
            .await
            .into_iter()
            .map(|ip| Target {
                transport,
                addr: SocketAddr::new(ip, transport.default_port()),
            })
            .collect();
    }
    debug!(%host, targets = ?out, "RFC 3263 targets");
    non_empty(out, &host)
}

fn non_empty(out: Vec<Target>, host: &str) -> Result<Vec<Target>, ResolveError> {
    if out.is_empty() {
        Err(ResolveError::NotFound(host.to_string()))
    } else {
        Ok(out)
    }
}

impl Resolve for DnsResolver {
    fn resolve(&self, host: &str) -> Lookup {
        let r = self.inner.clone();
        let host = host.to_string();
        Box::pin(async move { addresses(&r, &host).await.into_iter().next() })
    }

    fn targets(&self, query: &TargetQuery) -> TargetLookup {
        let r = self.inner.clone();
        let q = query.clone();
        Box::pin(async move { rfc3263(&r, q).await })
    }
}
