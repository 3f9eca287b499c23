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
        // Length plus first letter leaves at most one candidate, so a
        // received name costs one case-insensitive compare.
        let first = name.as_bytes().first().map_or(0, u8::to_ascii_lowercase);
        let (cand, lower): (HeaderKind, &[u8]) = match (name.len(), first) {
            (2, b't') => (K::To, b"to"),
            (3, b'v') => (K::Via, b"via"),
            (4, b'f') => (K::From, b"from"),
            (4, b'c') => (K::CSeq, b"cseq"),
            (4, b'd') => (K::Date, b"date"),
            (5, b'a') => (K::Allow, b"allow"),
            (5, b'e') => (K::Event, b"event"),
            (5, b'r') => (K::Route, b"route"),
            (6, b'a') => (K::Accept, b"accept"),
            (6, b's') => (K::Server, b"server"),
            (7, b'c') => match name.as_bytes().get(2).map(u8::to_ascii_lowercase) {
                Some(b'l') => (K::CallId, b"call-id"),
                _ => (K::Contact, b"contact"),
            },
            (7, b'e') => (K::Expires, b"expires"),
            (7, b'r') => (K::Require, b"require"),
            (8, b'r') => (K::ReferTo, b"refer-to"),
            (9, b's') => (K::Supported, b"supported"),
            (10, b'u') => (K::UserAgent, b"user-agent"),
            (11, b'm') => (K::MinExpires, b"min-expires"),
            (11, b'r') => (K::RetryAfter, b"retry-after"),
            (11, b'u') => (K::Unsupported, b"unsupported"),
            (12, b'm') => (K::MaxForwards, b"max-forwards"),
            (12, b'c') => (K::ContentType, b"content-type"),
            (12, b'r') => (K::RecordRoute, b"record-route"),
            (13, b'a') => (K::Authorization, b"authorization"),
            (13, b'p') => (K::ProxyRequire, b"proxy-require"),
            (14, b'c') => (K::ContentLength, b"content-length"),
            (16, b'w') => (K::WwwAuthenticate, b"www-authenticate"),
            (18, b'p') => (K::ProxyAuthenticate, b"proxy-authenticate"),
            (19, b'p') => (K::ProxyAuthorization, b"proxy-authorization"),
            _ => return None,
        };
        // One side is already lowercase: one fold per byte, not two.
        let n = name.as_bytes();
        (n.len() == lower.len()
            && n.iter()
                .zip(lower)
                .all(|(&a, &b)| a.to_ascii_lowercase() == b))
        .then_some(cand)
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
        // The (length, first letter) dispatch must reach every typed name,
        // in any case, and nothing else of the same shape.
        for (long, _, kind) in TYPED {
            assert_eq!(HeaderKind::lookup(long), Some(*kind), "{long}");
            assert_eq!(HeaderKind::lookup(&long.to_uppercase()), Some(*kind));
            assert_eq!(HeaderKind::lookup(&long.to_lowercase()), Some(*kind));
            let mut near = long.to_lowercase().into_bytes();
            if let Some(last) = near.last_mut() {
                *last = b'#';
            }
            let near = String::from_utf8(near).unwrap();
            assert_eq!(HeaderKind::lookup(&near), None, "{near}");
        }
        assert_eq!(HeaderKind::lookup("Subject"), None);
    }
}
