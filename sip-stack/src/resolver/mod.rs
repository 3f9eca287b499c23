//! Host-name resolution for the SIP driver, off its signalling loop.
//!
//! The core does no DNS: the driver resolves the names a command names
//! (the dialled URI, a registrar, an outbound proxy) and teaches the core
//! their addresses. A lookup can take seconds (an unreachable DNS server),
//! so it runs as its own task; meanwhile the driver keeps receiving,
//! answering and retransmitting, and only the commands issued after the
//! waiting one are held back, in order, until its names are known.
//!
//! [`Resolve::targets`] gives the ordered list of RFC 3263 targets
//! (transport, address, port) for a URI; [`DnsResolver`] does it with
//! NAPTR, SRV and A/AAAA lookups. The core sends to the first target and,
//! when it cannot be reached (connection refused, transaction timeout),
//! to the next one.

mod dns;
pub mod rfc3263;

pub use dns::DnsResolver;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::Duration;

use crate::transport::TransportKind;

/// How long one lookup may take before the name counts as unresolvable.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// A lookup in progress.
pub type Lookup = Pin<Box<dyn Future<Output = Option<IpAddr>> + Send>>;

/// A lookup of RFC 3263 targets in progress.
pub type TargetLookup = Pin<Box<dyn Future<Output = Result<Vec<Target>, ResolveError>> + Send>>;

/// Why a URI's host gave no target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No NAPTR, SRV or address record led anywhere.
    #[error("{0} does not resolve (no NAPTR, SRV, A or AAAA record)")]
    NotFound(String),
    /// The resolver could not be set up (no readable system configuration).
    #[error("resolver configuration: {0}")]
    Config(String),
}

/// What RFC 3263 §4 needs from a SIP URI to find its targets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetQuery {
    /// The host (or `maddr`), a domain name.
    pub host: String,
    /// The URI's explicit port: then only A/AAAA are looked up (§4.2).
    pub port: Option<u16>,
    /// The URI's `transport` parameter, if any (§4.1).
    pub transport: Option<TransportKind>,
    /// A `sips:` URI: TLS only.
    pub secure: bool,
}

/// One place to send a request: transport and socket address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    /// Transport to use.
    pub transport: TransportKind,
    /// Address and port.
    pub addr: SocketAddr,
}

/// Resolves host names to addresses for [`SipStack`](crate::SipStack).
///
/// The default is the system resolver ([`SystemResolver`]); a custom one
/// (a DNS client, a fixed table in tests) is set with
/// [`SipStack::with_resolver`](crate::SipStack::with_resolver). The driver
/// bounds every lookup by [`LOOKUP_TIMEOUT`].
///
/// ```
/// use std::net::IpAddr;
/// use openphone_sip::resolver::{Lookup, Resolve};
///
/// /// Every name is the documentation address 192.0.2.7.
/// struct Fixed;
/// impl Resolve for Fixed {
///     fn resolve(&self, _host: &str) -> Lookup {
///         Box::pin(async { Some(IpAddr::from([192, 0, 2, 7])) })
///     }
/// }
/// ```
pub trait Resolve: Send + Sync + 'static {
    /// The first address of `host`, or `None` when it does not resolve.
    fn resolve(&self, host: &str) -> Lookup;

    /// The RFC 3263 targets for a URI, in the order to try them. The
    /// default asks [`resolve`](Self::resolve) for one address and uses the
    /// URI's port and transport (or 5060/5061 and UDP/TLS): a resolver that
    /// only knows addresses still works.
    fn targets(&self, query: &TargetQuery) -> TargetLookup {
        let lookup = self.resolve(&query.host);
        let q = query.clone();
        Box::pin(async move {
            let ip = lookup
                .await
                .ok_or_else(|| ResolveError::NotFound(q.host.clone()))?;
            let transport = q.transport.unwrap_or(if q.secure {
                TransportKind::Tls
            } else {
                TransportKind::Udp
            });
            let port = q.port.unwrap_or(transport.default_port());
            Ok(vec![Target {
                transport,
                addr: SocketAddr::new(ip, port),
            }])
        })
    }
}

/// The operating system's resolver (`getaddrinfo` through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str) -> Lookup {
        let query = format!("{host}:5060");
        Box::pin(async move {
            tokio::net::lookup_host(query)
                .await
                .ok()?
                .next()
                .map(|a| a.ip())
        })
    }
}
