//! Header names: long forms, compact forms (RFC 3261 §7.3.3 and the
//! extensions that define one), and the typed kinds this crate parses.

/// Header fields that get a typed representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum HeaderKind {
    Via,
    From,
    To,
    CallId,
    CSeq,
    Contact,
    MaxForwards,
    ContentLength,
    ContentType,
    Expires,
    MinExpires,
    Route,
    RecordRoute,
    Allow,
    Supported,
    Require,
    Unsupported,
    ProxyRequire,
    WwwAuthenticate,
    ProxyAuthenticate,
    Authorization,
    ProxyAuthorization,
    Accept,
    Event,
    ReferTo,
    UserAgent,
    Server,
    RetryAfter,
    Date,
}

use HeaderKind as K;

/// (long name, compact form, kind)
const TYPED: &[(&str, Option<u8>, HeaderKind)] = &[
    ("Via", Some(b'v'), K::Via),
    ("From", Some(b'f'), K::From),
    ("To", Some(b't'), K::To),
    ("Call-ID", Some(b'i'), K::CallId),
    ("CSeq", None, K::CSeq),
    ("Contact", Some(b'm'), K::Contact),
    ("Max-Forwards", None, K::MaxForwards),
    ("Content-Length", Some(b'l'), K::ContentLength),
    ("Content-Type", Some(b'c'), K::ContentType),
    ("Expires", None, K::Expires),
    ("Min-Expires", None, K::MinExpires),
    ("Route", None, K::Route),
    ("Record-Route", None, K::RecordRoute),
    ("Allow", None, K::Allow),
    ("Supported", Some(b'k'), K::Supported),
    ("Require", None, K::Require),
    ("Unsupported", None, K::Unsupported),
    ("Proxy-Require", None, K::ProxyRequire),
    ("WWW-Authenticate", None, K::WwwAuthenticate),
    ("Proxy-Authenticate", None, K::ProxyAuthenticate),
    ("Authorization", None, K::Authorization),
    ("Proxy-Authorization", None, K::ProxyAuthorization),
    ("Accept", None, K::Accept),
    ("Event", Some(b'o'), K::Event),
    ("Refer-To", Some(b'r'), K::ReferTo),
    ("User-Agent", None, K::UserAgent),
    ("Server", None, K::Server),
    ("Retry-After", None, K::RetryAfter),
    ("Date", None, K::Date),
];

/// Compact forms of headers we keep untyped.
const COMPACT_UNTYPED: &[(u8, &str)] = &[
    (b's', "Subject"),
    (b'e', "Content-Encoding"),
    (b'u', "Allow-Events"),
    (b'b', "Referred-By"),
    (b'x', "Session-Expires"),
    (b'y', "Identity"),
    (b'n', "Identity-Info"),
    (b'a', "Accept-Contact"),
    (b'j', "Reject-Contact"),
    (b'd', "Request-Disposition"),
];

impl HeaderKind {
    /// Looks a received name up (case-insensitive, compact forms too).
    pub fn lookup(name: &str) -> Option<HeaderKind> {
        if let [c] = name.as_bytes() {
            let c = c.to_ascii_lowercase();
            return TYPED
                .iter()
                .find(|(_, short, _)| *short == Some(c))
                .map(|t| t.2);
        }
        // Narrow by length first: most received names are one or two
        // candidates away from a decision.
        let cands: &[HeaderKind] = match name.len() {
            2 => &[K::To],
            3 => &[K::Via],
            4 => &[K::From, K::CSeq, K::Date],
            5 => &[K::Allow, K::Event, K::Route],
            6 => &[K::Accept, K::Server],
            7 => &[K::CallId, K::Contact, K::Expires, K::Require],
            8 => &[K::ReferTo],
            9 => &[K::Supported],
            10 => &[K::UserAgent],
            11 => &[K::MinExpires, K::RetryAfter, K::Unsupported],
            12 => &[K::MaxForwards, K::ContentType, K::RecordRoute],
            13 => &[K::Authorization, K::ProxyRequire],
            14 => &[K::ContentLength],
            16 => &[K::WwwAuthenticate],
            18 => &[K::ProxyAuthenticate],
            19 => &[K::ProxyAuthorization],
            _ => &[],
        };
        cands
            .iter()
            .copied()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// Canonical long name.
    pub fn name(self) -> &'static str {
        match self {
            K::Via => "Via",
            K::From => "From",
            K::To => "To",
            K::CallId => "Call-ID",
            K::CSeq => "CSeq",
            K::Contact => "Contact",
            K::MaxForwards => "Max-Forwards",
            K::ContentLength => "Content-Length",
            K::ContentType => "Content-Type",
            K::Expires => "Expires",
            K::MinExpires => "Min-Expires",
            K::Route => "Route",
            K::RecordRoute => "Record-Route",
            K::Allow => "Allow",
            K::Supported => "Supported",
            K::Require => "Require",
            K::Unsupported => "Unsupported",
            K::ProxyRequire => "Proxy-Require",
            K::WwwAuthenticate => "WWW-Authenticate",
            K::ProxyAuthenticate => "Proxy-Authenticate",
            K::Authorization => "Authorization",
            K::ProxyAuthorization => "Proxy-Authorization",
            K::Accept => "Accept",
            K::Event => "Event",
            K::ReferTo => "Refer-To",
            K::UserAgent => "User-Agent",
            K::Server => "Server",
            K::RetryAfter => "Retry-After",
            K::Date => "Date",
        }
    }
}

/// Expands a compact form of an untyped header to its long name; other
/// names come back unchanged.
pub(crate) fn expand_compact(name: &str) -> &str {
    if let [c] = name.as_bytes() {
        let c = c.to_ascii_lowercase();
        if let Some((_, long)) = COMPACT_UNTYPED.iter().find(|(s, _)| *s == c) {
            return long;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for (long, short, kind) in TYPED {
            assert_eq!(HeaderKind::lookup(long), Some(*kind));
            assert_eq!(HeaderKind::lookup(&long.to_ascii_uppercase()), Some(*kind));
            assert_eq!(kind.name(), *long);
            if let Some(c) = short {
                assert_eq!(HeaderKind::lookup(&(*c as char).to_string()), Some(*kind));
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(HeaderKind::lookup("v"), Some(K::Via));
        assert_eq!(HeaderKind::lookup("ViA"), Some(K::Via));
        assert_eq!(HeaderKind::lookup("L"), Some(K::ContentLength));
        assert_eq!(HeaderKind::lookup("C%6Fntact"), None);
        assert_eq!(HeaderKind::name(K::CallId), "Call-ID");
        assert_eq!(expand_compact("s"), "Subject");
    }
}
