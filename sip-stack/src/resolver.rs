//! Host-name resolution for the SIP driver, off its signalling loop.
//!
//! The core does no DNS: the driver resolves the names a command names
//! (the dialled URI, a registrar, an outbound proxy) and teaches the core
//! their addresses. A lookup can take seconds (an unreachable DNS server),
//! so it runs as its own task; meanwhile the driver keeps receiving,
//! answering and retransmitting, and only the commands issued after the
//! waiting one are held back, in order, until its names are known.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

/// How long one lookup may take before the name counts as unresolvable.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// A lookup in progress.
pub type Lookup = Pin<Box<dyn Future<Output = Option<IpAddr>> + Send>>;

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
