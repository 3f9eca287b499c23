//! Command verbs (RFC 3435 §3.2.1.1).

use std::fmt;

/// The command a message carries.
///
/// ```
/// use openphone_mgcp::message::Verb;
/// assert_eq!(Verb::parse("crcx"), Some(Verb::CreateConnection));
/// assert_eq!(Verb::parse("XABC"), Some(Verb::Extension("XABC".into())));
/// assert_eq!(Verb::parse("CREATE"), None);
/// assert_eq!(Verb::Notify.to_string(), "NTFY");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `EPCF` EndpointConfiguration (call agent → gateway).
    EndpointConfiguration,
    /// `CRCX` CreateConnection (call agent → gateway).
    CreateConnection,
    /// `MDCX` ModifyConnection (call agent → gateway).
    ModifyConnection,
    /// `DLCX` DeleteConnection (either way).
    DeleteConnection,
    /// `RQNT` NotificationRequest (call agent → gateway).
    NotificationRequest,
    /// `NTFY` Notify (gateway → call agent).
    Notify,
    /// `AUEP` AuditEndpoint (call agent → gateway).
    AuditEndpoint,
    /// `AUCX` AuditConnection (call agent → gateway).
    AuditConnection,
    /// `RSIP` RestartInProgress (gateway → call agent).
    RestartInProgress,
    /// Any other four-character verb (experimental verbs start with `X`),
    /// upper-cased. Receivers answer 504.
    Extension(String),
}

impl Verb {
    /// The nine verbs RFC 3435 defines.
    pub const ALL: [Verb; 9] = [
        Verb::EndpointConfiguration,
        Verb::CreateConnection,
        Verb::ModifyConnection,
        Verb::DeleteConnection,
        Verb::NotificationRequest,
        Verb::Notify,
        Verb::AuditEndpoint,
        Verb::AuditConnection,
        Verb::RestartInProgress,
    ];

    /// Parses a verb: a letter and three letters or digits,
    /// case-insensitive.
    pub fn parse(s: &str) -> Option<Verb> {
        let b = s.as_bytes();
        if b.len() != 4 || !b[0].is_ascii_alphabetic() || !b.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let upper = s.to_ascii_uppercase();
        Some(
            Verb::ALL
                .into_iter()
                .find(|v| v.as_str() == upper)
                .unwrap_or(Verb::Extension(upper)),
        )
    }

    /// The four-letter code.
    pub fn as_str(&self) -> &str {
        match self {
            Verb::EndpointConfiguration => "EPCF",
            Verb::CreateConnection => "CRCX",
            Verb::ModifyConnection => "MDCX",
            Verb::DeleteConnection => "DLCX",
            Verb::NotificationRequest => "RQNT",
            Verb::Notify => "NTFY",
            Verb::AuditEndpoint => "AUEP",
            Verb::AuditConnection => "AUCX",
            Verb::RestartInProgress => "RSIP",
            Verb::Extension(v) => v,
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
