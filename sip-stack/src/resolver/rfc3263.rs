//! The ordering rules of RFC 3263 §4 (NAPTR then SRV) and RFC 2782 (SRV
//! priority and weighted choice), on plain records: no I/O, so every rule
//! is tested without a DNS server.

use rand::Rng;

use crate::transport::TransportKind;

/// One NAPTR record as far as RFC 3263 needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaptrRecord {
    /// Order (lower first).
    pub order: u16,
    /// Preference among equal orders (lower first).
    pub preference: u16,
    /// Flags (`s` for SIP: the replacement is an SRV name).
    pub flags: String,
    /// Service (`SIP+D2U`, `SIP+D2T`, `SIPS+D2T`…).
    pub service: String,
    /// Replacement domain.
    pub replacement: String,
}

/// One SRV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    /// Priority (lower first).
    pub priority: u16,
    /// Weight among equal priorities.
    pub weight: u16,
    /// Port.
    pub port: u16,
    /// Target host (`.` means "no service").
    pub target: String,
}

/// The transport a NAPTR service field names (RFC 3263 §4.1), if the
/// stack speaks it and it fits a `sips:` URI's demand for TLS.
pub fn naptr_transport(service: &str, secure: bool) -> Option<TransportKind> {
    match service.to_ascii_uppercase().as_str() {
        "SIP+D2U" if !secure => Some(TransportKind::Udp),
        "SIP+D2T" if !secure => Some(TransportKind::Tcp),
        "SIPS+D2T" => Some(TransportKind::Tls),
        _ => None,
    }
}

/// The SRV owner name prefix for a transport (§4.1: `_sip._udp`, `_sip._tcp`,
/// `_sips._tcp`).
pub fn srv_prefix(transport: TransportKind) -> &'static str {
    match transport {
        TransportKind::Udp => "_sip._udp",
        TransportKind::Tcp => "_sip._tcp",
        TransportKind::Tls => "_sips._tcp",
    }
}

/// The usable NAPTR records in order: `s` flag, a SIP service this stack
/// speaks (only TLS for `sips:`), sorted by order then preference. Each
/// gives the transport and the SRV name to query.
pub fn order_naptr(mut records: Vec<NaptrRecord>, secure: bool) -> Vec<(TransportKind, String)> {
    records.sort_by_key(|r| (r.order, r.preference));
    records
        .into_iter()
        .filter(|r| r.flags.eq_ignore_ascii_case("s"))
        .filter_map(|r| naptr_transport(&r.service, secure).map(|t| (t, r.replacement)))
        .collect()
}

/// SRV records in the order to try them (RFC 2782): by priority; within a
/// priority, repeatedly a weighted random choice among those left, where
/// weight-0 records come first in the running sum so they are rarely chosen
/// while others remain. A lone `.` target means the service is not offered.
pub fn order_srv(records: Vec<SrvRecord>, rng: &mut impl Rng) -> Vec<SrvRecord> {
    if records.len() == 1
        && records
            .first()
            .is_some_and(|r| r.target == "." || r.target.is_empty())
    {
        return Vec::new();
    }
    let mut priorities: Vec<u16> = records.iter().map(|r| r.priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    let mut out = Vec::with_capacity(records.len());
    for p in priorities {
        let mut group: Vec<SrvRecord> = records
            .iter()
            .filter(|r| r.priority == p)
            .cloned()
            .collect();
        group.sort_by_key(|r| r.weight != 0);
        while !group.is_empty() {
            let total: u32 = group.iter().map(|r| u32::from(r.weight)).sum();
            let pick = rng.gen_range(0..=total);
            let mut running = 0u32;
            let index = group
                .iter()
                .position(|r| {
                    running += u32::from(r.weight);
                    running >= pick
                })
                .unwrap_or(0);
            out.push(group.remove(index));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn naptr(order: u16, pref: u16, service: &str, repl: &str) -> NaptrRecord {
        NaptrRecord {
            order,
            preference: pref,
            flags: "s".into(),
            service: service.into(),
            replacement: repl.into(),
        }
    }

    fn srv(priority: u16, weight: u16, port: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port,
            target: target.into(),
        }
    }

    #[test]
    fn naptr_order_and_filter() {
        let got = order_naptr(
            vec![
                naptr(20, 10, "SIP+D2U", "_sip._udp.x"),
                naptr(10, 20, "SIP+D2T", "_sip._tcp.x"),
                naptr(10, 10, "SIPS+D2T", "_sips._tcp.x"),
                naptr(5, 10, "SIP+D2W", "_sip._ws.x"),
            ],
            false,
        );
        assert_eq!(
            got,
            vec![
                (TransportKind::Tls, "_sips._tcp.x".to_string()),
                (TransportKind::Tcp, "_sip._tcp.x".to_string()),
                (TransportKind::Udp, "_sip._udp.x".to_string()),
            ]
        );
        // sips: only TLS.
        let secure = order_naptr(
            vec![naptr(1, 1, "SIP+D2U", "u"), naptr(2, 1, "SIPS+D2T", "t")],
            true,
        );
        assert_eq!(secure, vec![(TransportKind::Tls, "t".to_string())]);
    }

    #[test]
    fn srv_priority_first_then_weight() {
        let mut rng = StdRng::seed_from_u64(1);
        let got = order_srv(
            vec![srv(20, 0, 3, "c"), srv(10, 0, 1, "a"), srv(10, 0, 2, "b")],
            &mut rng,
        );
        assert_eq!(got.last().map(|r| r.port), Some(3));
        assert_eq!(got.len(), 3);
        // Weight 90 vs 10: the heavy one is first most of the time, never always both.
        let mut heavy_first = 0;
        for seed in 0..1000 {
            let mut rng = StdRng::seed_from_u64(seed);
            let got = order_srv(
                vec![srv(1, 10, 1, "light"), srv(1, 90, 2, "heavy")],
                &mut rng,
            );
            if got.first().map(|r| r.port) == Some(2) {
                heavy_first += 1;
            }
        }
        assert!(
            (820..=980).contains(&heavy_first),
            "heavy first {heavy_first}/1000"
        );
        assert!(order_srv(vec![srv(0, 0, 0, ".")], &mut rng).is_empty());
    }
}
