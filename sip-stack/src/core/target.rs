//! Where a request goes: next-hop URI to transport and socket address (RFC 3263 reduced
//! to what a sans-IO core can do: IP literals, names the driver resolved, `transport`
//! and `maddr` parameters, default port 5060, or 5061 for TLS).
//!
//! A `sips:` URI or `;transport=tls` always means TLS (RFC 3261 §26.2,
//! RFC 5630): without TLS the target does not resolve, so the request fails
//! rather than going out in the clear.

use std::net::{IpAddr, SocketAddr};

use super::SipCore;
use crate::message::{Host, NameAddr, Uri};
use crate::transport::TransportKind;

impl SipCore {
    fn host_ip(&self, host: &Host) -> Option<IpAddr> {
        match host {
            Host::Ipv4(a) => Some(IpAddr::V4(*a)),
            Host::Ipv6(a) => Some(IpAddr::V6(*a)),
            Host::Domain(d) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                if d == "localhost" {
                    return Some(IpAddr::from([127, 0, 0, 1]));
                }
                self.hosts.get(&d).copied()
            }
        }
    }

    /// Transport and address for a SIP URI, if it can be resolved without DNS.
    /// For TLS it also records the name the server's certificate must carry:
    /// the URI's host (or its `maddr`), not the address it resolved to.
    pub(crate) fn resolve_uri(&mut self, uri: &Uri) -> Option<(TransportKind, SocketAddr)> {
        let sip = uri.as_sip()?;
        let param = sip.transport();
        let wants = |t: &str| param.is_some_and(|p| p.eq_ignore_ascii_case(t));
        let transport = if sip.secure || wants("tls") {
            if !self.cfg.tls_client {
                return None;
            }
            TransportKind::Tls
        } else {
            match (wants("tcp"), self.cfg.udp.is_some(), self.cfg.tcp.is_some()) {
                (true, _, true) => TransportKind::Tcp,
                (true, _, false) => return None,
                (false, true, _) => TransportKind::Udp,
                (false, false, true) => TransportKind::Tcp,
                (false, false, false) => return None,
            }
        };
        let host = match sip.maddr().and_then(|m| Host::parse(m).ok()) {
            Some(h) => h,
            None => sip.host.clone(),
        };
        // RFC 3263 targets (a name without a port): transport and port from
        // NAPTR/SRV; an explicit `transport` or `sips:` limits the choice.
        let srv = match (&host, sip.port) {
            (Host::Domain(d), None) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                let tls = transport == TransportKind::Tls;
                let explicit = param.is_some() || tls;
                self.live_target(&d, |t| !explicit || t == transport)
            }
            _ => None,
        };
        let (transport, dst) = match srv {
            Some(t) => (t.transport, t.addr),
            None => {
                let ip = self.host_ip(&host)?;
                (
                    transport,
                    SocketAddr::new(ip, sip.port.unwrap_or(transport.default_port())),
                )
            }
        };
        if transport == TransportKind::Tls {
            let name = match &host {
                Host::Domain(d) => d.trim_end_matches('.').to_ascii_lowercase(),
                Host::Ipv4(a) => a.to_string(),
                Host::Ipv6(a) => a.to_string(),
            };
            self.tls_names.insert(dst, name);
        }
        Some((transport, dst))
    }

    /// Whether a URI (or name-addr) text asks for TLS: `sips:` or `;transport=tls`.
    pub(crate) fn needs_tls(text: &str) -> bool {
        parse_uri_text(text)
            .and_then(|u| {
                u.as_sip().map(|s| {
                    s.secure || s.transport().is_some_and(|t| t.eq_ignore_ascii_case("tls"))
                })
            })
            .unwrap_or(false)
    }

    /// Same for a URI or name-addr given as text (`sip:x@h`, `<sip:x@h;lr>`).
    pub(crate) fn resolve_text(&mut self, text: &str) -> Option<(TransportKind, SocketAddr)> {
        let uri = parse_uri_text(text)?;
        self.resolve_uri(&uri)
    }
}

/// Parses a bare URI or a name-addr.
pub(crate) fn parse_uri_text(text: &str) -> Option<Uri> {
    let t = text.trim();
    if t.contains('<') {
        NameAddr::parse(t).ok().map(|n| n.uri)
    } else {
        Uri::parse(t).ok()
    }
}

/// A name-addr text for a URI given in any form, with `<>`.
pub(crate) fn bracketed(text: &str) -> String {
    let t = text.trim();
    if t.contains('<') {
        t.to_string()
    } else {
        format!("<{t}>")
    }
}
