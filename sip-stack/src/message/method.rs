//! SIP request methods (RFC 3261 §7.1, §27.4). Method names are
//! case-sensitive: `invite` is an extension method, not INVITE.

use std::fmt;
use std::str::FromStr;

use super::scan::is_token;

/// A SIP method.
///
/// ```
/// use openphone_sip::message::Method;
/// assert_eq!("INVITE".parse::<Method>().unwrap(), Method::Invite);
/// assert_eq!("invite".parse::<Method>().unwrap(), Method::Extension("invite".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Method {
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Register,
    Info,
    Update,
    Prack,
    Subscribe,
    Notify,
    Refer,
    Message,
    Publish,
    /// Any other `token`, kept exactly as received.
    Extension(String),
}

/// The text was not a `token`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid method name")]
pub struct InvalidMethod;

impl Method {
    /// The method name as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Extension(s) => s,
        }
    }

    /// Whether this is one of the methods RFC 3261 and its common
    /// extensions define (not [`Method::Extension`]).
    pub fn is_standard(&self) -> bool {
        !matches!(self, Method::Extension(_))
    }
}

impl FromStr for Method {
    type Err = InvalidMethod;

    fn from_str(s: &str) -> Result<Self, InvalidMethod> {
        Ok(match s {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "OPTIONS" => Method::Options,
            "REGISTER" => Method::Register,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "PUBLISH" => Method::Publish,
            _ if !s.is_empty() && s.bytes().all(is_token) => Method::Extension(s.to_owned()),
            _ => return Err(InvalidMethod),
        })
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_sensitive_and_token_checked() {
        assert_eq!("BYE".parse::<Method>(), Ok(Method::Bye));
        assert!(matches!("Bye".parse::<Method>(), Ok(Method::Extension(_))));
        assert_eq!(
            "RE%47IST%45R".parse::<Method>().unwrap().as_str(),
            "RE%47IST%45R"
        );
        assert!("A B".parse::<Method>().is_err());
        assert!("".parse::<Method>().is_err());
    }
}
