//! Where a request goes: next-hop URI to transport and socket address (RFC 3263 reduced
//! to what a sans-IO core can do: IP literals, names the driver resolved, `transport`
//! and `maddr` parameters, default port 5060).

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
    pub(crate) fn resolve_uri(&self, uri: &Uri) -> Option<(TransportKind, SocketAddr)> {
        let sip = uri.as_sip()?;
        let wants_tcp = sip
            .transport()
            .is_some_and(|t| t.eq_ignore_ascii_case("tcp"));
        let transport = match (wants_tcp, self.cfg.udp.is_some(), self.cfg.tcp.is_some()) {
            (true, _, true) => TransportKind::Tcp,
            (true, _, false) => return None,
            (false, true, _) => TransportKind::Udp,
            (false, false, true) => TransportKind::Tcp,
            (false, false, false) => return None,
        };
        let ip = match sip.maddr().and_then(|m| Host::parse(m).ok()) {
            Some(h) => self.host_ip(&h)?,
            None => self.host_ip(&sip.host)?,
        };
        Some((transport, SocketAddr::new(ip, sip.port.unwrap_or(5060))))
    }

    /// Same for a URI or name-addr given as text (`sip:x@h`, `<sip:x@h;lr>`).
    pub(crate) fn resolve_text(&self, text: &str) -> Option<(TransportKind, SocketAddr)> {
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
