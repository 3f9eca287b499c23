//! Event and signal names and the lists built from them (RFC 3435 §2.1.7,
//! §3.2.2): `RequestedEvents` (`R:`), `SignalRequests` (`S:`),
//! `ObservedEvents` (`O:`), `DetectEvents` (`T:`) and `EventStates`
//! (`ES:`).

use std::fmt;
use std::str::FromStr;

use openphone_sal::DigitMap;

use crate::message::ids::ConnectionId;
use crate::message::scan::{balanced, split_groups, split_top_level};

/// Why an event list was refused; each maps to its return code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// A malformed event or signal name (answered with 522).
    #[error("malformed event or signal name {0:?}")]
    Name(String),
    /// An unknown action or a malformed action list (answered with 523).
    #[error("unknown or malformed action {0:?}")]
    Action(String),
    /// Malformed event or signal parameters (answered with 538).
    #[error("malformed event or signal parameters")]
    Parameters,
    /// A malformed digit map inside an embedded request.
    #[error("embedded digit map: {0}")]
    DigitMap(#[from] openphone_sal::DigitMapError),
}

/// Which connection an event or signal applies to: `@id`, `@*` (all
/// connections) or `@$` (the current one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventConnection {
    /// One connection.
    Id(ConnectionId),
    /// `*`: every connection of the endpoint.
    All,
    /// `$`: the connection the command creates or modifies.
    Current,
}

impl fmt::Display for EventConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventConnection::Id(id) => write!(f, "{id}"),
            EventConnection::All => f.write_str("*"),
            EventConnection::Current => f.write_str("$"),
        }
    }
}

/// An event or signal name: `[package/]event[@connection]`, such as
/// `L/hd`, `D/[0-9#T]`, `hu` (in the endpoint's default package), `L/*`
/// or `R/qa@0A3F58`. Package and event compare case-insensitively.
///
/// ```
/// use openphone_mgcp::message::EventName;
/// let e: EventName = "L/HD".parse()?;
/// assert!(e.is("l", "hd"));
/// assert_eq!(e.to_string(), "L/HD");
/// let digits: EventName = "D/[0-9#*T]".parse()?;
/// assert_eq!(digits.event, "[0-9#*T]");
/// # Ok::<(), openphone_mgcp::message::EventError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventName {
    /// The package (`L`, `D`, `G`…), `*` for every package, or `None`
    /// for the endpoint's default package.
    pub package: Option<String>,
    /// The event or signal code, `all`, `*`, or a digit range in brackets.
    pub event: String,
    /// The connection, for connection events and signals.
    pub connection: Option<EventConnection>,
}

fn valid_package(s: &str) -> bool {
    s == "*"
        || (!s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn valid_event(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'#' | b'*' | b'[' | b']')
        })
}

impl EventName {
    /// `package/event`, checked.
    pub fn new(package: &str, event: &str) -> Result<Self, EventError> {
        format!("{package}/{event}").parse()
    }

    /// Whether this is `event` of `package` (case-insensitive).
    pub fn is(&self, package: &str, event: &str) -> bool {
        self.package
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(package))
            && self.event.eq_ignore_ascii_case(event)
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.package {
            write!(f, "{p}/")?;
        }
        f.write_str(&self.event)?;
        if let Some(c) = &self.connection {
            write!(f, "@{c}")?;
        }
        Ok(())
    }
}

impl FromStr for EventName {
    type Err = EventError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || EventError::Name(s.chars().take(64).collect());
        let (name, connection) = match s.split_once('@') {
            Some((n, "*")) => (n, Some(EventConnection::All)),
            Some((n, "$")) => (n, Some(EventConnection::Current)),
            Some((n, c)) => (
                n,
                Some(EventConnection::Id(
                    ConnectionId::new(c).map_err(|_| bad())?,
                )),
            ),
            None => (s, None),
        };
        let (package, event) = match name.split_once('/') {
            Some((p, e)) => (Some(p), e),
            None => (None, name),
        };
        if package.is_some_and(|p| !valid_package(p)) || !valid_event(event) {
            return Err(bad());
        }
        Ok(EventName {
            package: package.map(str::to_string),
            event: event.to_string(),
            connection,
        })
    }
}

/// Parameters of an event or signal, the text between its parentheses
/// (`L/ci(10/14/17/26, "555 1212")`, `T/tt(to=3000)`); kept verbatim, the
/// package that defines the event reads them.
fn check_parameters(p: &str) -> Result<String, EventError> {
    if balanced(p) {
        Ok(p.to_string())
    } else {
        Err(EventError::Parameters)
    }
}

/// An event or signal with optional parameters, as listed in `S:`, `O:`,
/// `T:` and `ES:`.
///
/// ```
/// use openphone_mgcp::message::EventSpec;
/// let s: EventSpec = "L/ci(10/14/17/26, \"555 1212\", \"Doe, John\")".parse()?;
/// assert!(s.name.is("L", "ci"));
/// assert_eq!(s.parameters.as_deref(), Some("10/14/17/26, \"555 1212\", \"Doe, John\""));
/// # Ok::<(), openphone_mgcp::message::EventError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventSpec {
    /// The name.
    pub name: EventName,
    /// The parameters, without the parentheses.
    pub parameters: Option<String>,
}

impl EventSpec {
    /// An event or signal without parameters.
    pub fn new(name: EventName) -> Self {
        EventSpec {
            name,
            parameters: None,
        }
    }

    /// Adds parameters (checked to be balanced when printed and re-parsed).
    pub fn with_parameters(mut self, parameters: impl Into<String>) -> Self {
        self.parameters = Some(parameters.into());
        self
    }
}

impl fmt::Display for EventSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if let Some(p) = &self.parameters {
            write!(f, "({p})")?;
        }
        Ok(())
    }
}

impl FromStr for EventSpec {
    type Err = EventError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (head, groups) = split_groups(s).map_err(|_| EventError::Parameters)?;
        if groups.len() > 1 {
            return Err(EventError::Parameters);
        }
        Ok(EventSpec {
            name: head.trim_end().parse()?,
            parameters: groups.first().map(|p| check_parameters(p)).transpose()?,
        })
    }
}

/// What the endpoint does when a requested event occurs (RFC 3435
/// §2.3.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// `N`: notify the call agent at once.
    Notify,
    /// `A`: accumulate it in the list of observed events.
    Accumulate,
    /// `D`: accumulate it according to the digit map.
    DigitMap,
    /// `S`: swap (the "hook-flash" of a held call).
    Swap,
    /// `I`: ignore it.
    Ignore,
    /// `K`: keep the signals active.
    KeepSignals,
    /// `E(...)`: apply an embedded notification request.
    Embedded(EmbeddedRequest),
    /// An extension action, `package/name`.
    Extension(String),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Notify => f.write_str("N"),
            Action::Accumulate => f.write_str("A"),
            Action::DigitMap => f.write_str("D"),
            Action::Swap => f.write_str("S"),
            Action::Ignore => f.write_str("I"),
            Action::KeepSignals => f.write_str("K"),
            Action::Embedded(e) => write!(f, "E({e})"),
            Action::Extension(x) => f.write_str(x),
        }
    }
}

impl FromStr for Action {
    type Err = EventError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || EventError::Action(s.chars().take(64).collect());
        let (head, groups) = split_groups(s).map_err(|_| bad())?;
        let head = head.trim();
        if !groups.is_empty() {
            if !head.eq_ignore_ascii_case("E") || groups.len() != 1 {
                return Err(bad());
            }
            return Ok(Action::Embedded(groups[0].parse()?));
        }
        Ok(match head.to_ascii_uppercase().as_str() {
            "N" => Action::Notify,
            "A" => Action::Accumulate,
            "D" => Action::DigitMap,
            "S" => Action::Swap,
            "I" => Action::Ignore,
            "K" => Action::KeepSignals,
            _ => match head.split_once('/') {
                Some((p, a)) if valid_package(p) && valid_event(a) => {
                    Action::Extension(head.to_string())
                }
                _ => return Err(bad()),
            },
        })
    }
}

/// An embedded notification request (`E(R(...),S(...),D(...))`): what
/// to ask for once the event occurs, without a round trip to the call
/// agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct EmbeddedRequest {
    /// `R(...)`: the new requested events.
    pub requested_events: Option<Vec<RequestedEvent>>,
    /// `S(...)`: the new signals.
    pub signals: Option<Vec<EventSpec>>,
    /// `D(...)`: the new digit map.
    pub digit_map: Option<DigitMap>,
}

impl fmt::Display for EmbeddedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            if !std::mem::take(&mut first) {
                f.write_str(",")?;
            }
            Ok::<(), fmt::Error>(())
        };
        if let Some(r) = &self.requested_events {
            sep(f)?;
            write!(f, "R({})", join(r))?;
        }
        if let Some(s) = &self.signals {
            sep(f)?;
            write!(f, "S({})", join(s))?;
        }
        if let Some(d) = &self.digit_map {
            sep(f)?;
            write!(f, "D({d})")?;
        }
        Ok(())
    }
}

impl FromStr for EmbeddedRequest {
    type Err = EventError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || EventError::Action(s.chars().take(64).collect());
        let mut e = EmbeddedRequest::default();
        for part in split_top_level(s, b',').map_err(|_| bad())? {
            let (head, groups) = split_groups(part).map_err(|_| bad())?;
            if groups.len() != 1 {
                return Err(bad());
            }
            let body = groups[0];
            match head.trim().to_ascii_uppercase().as_str() {
                "R" if e.requested_events.is_none() => {
                    e.requested_events = Some(parse_requested_events(body)?)
                }
                "S" if e.signals.is_none() => e.signals = Some(parse_event_specs(body)?),
                "D" if e.digit_map.is_none() => e.digit_map = Some(DigitMap::parse(body)?),
                _ => return Err(bad()),
            }
        }
        Ok(e)
    }
}

/// One entry of `RequestedEvents`: an event, the actions to take when it
/// occurs (none: the package's default, usually notify) and parameters.
///
/// ```
/// use openphone_mgcp::message::{Action, RequestedEvent};
/// let r: RequestedEvent = "L/hf(S,N)".parse()?;
/// assert_eq!(r.actions, [Action::Swap, Action::Notify]);
/// let e: RequestedEvent = "L/hd(E(S(L/dl),R(L/hu(N),D/[0-9#*T](D))))".parse()?;
/// assert_eq!(e.to_string(), "L/hd(E(R(L/hu(N),D/[0-9#*T](D)),S(L/dl)))");
/// # Ok::<(), openphone_mgcp::message::EventError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestedEvent {
    /// The event.
    pub name: EventName,
    /// The actions, in order; empty for the default.
    pub actions: Vec<Action>,
    /// The event's parameters, without parentheses.
    pub parameters: Option<String>,
}

impl RequestedEvent {
    /// An event with actions.
    pub fn new(name: EventName, actions: Vec<Action>) -> Self {
        RequestedEvent {
            name,
            actions,
            parameters: None,
        }
    }
}

impl fmt::Display for RequestedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if !self.actions.is_empty() || self.parameters.is_some() {
            write!(f, "({})", join(&self.actions))?;
        }
        if let Some(p) = &self.parameters {
            write!(f, "({p})")?;
        }
        Ok(())
    }
}

impl FromStr for RequestedEvent {
    type Err = EventError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (head, groups) = split_groups(s).map_err(|_| EventError::Parameters)?;
        let name = head.trim_end().parse()?;
        let mut actions = Vec::new();
        if let Some(list) = groups.first() {
            let items = split_top_level(list, b',')
                .map_err(|_| EventError::Action(list.chars().take(64).collect()))?;
            for a in items {
                actions.push(a.parse()?);
            }
        }
        Ok(RequestedEvent {
            name,
            actions,
            parameters: groups.get(1).map(|p| check_parameters(p)).transpose()?,
        })
    }
}

/// Joins items with commas (how lists are printed).
pub(crate) fn join<T: fmt::Display>(items: &[T]) -> String {
    let mut s = String::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&x.to_string());
    }
    s
}

fn parse_list<T: FromStr<Err = EventError>>(s: &str) -> Result<Vec<T>, EventError> {
    let items = split_top_level(s, b',').map_err(|_| EventError::Parameters)?;
    items.into_iter().map(str::parse).collect()
}

/// Parses a `RequestedEvents` value; empty text is an empty list (it
/// cancels every request).
pub fn parse_requested_events(s: &str) -> Result<Vec<RequestedEvent>, EventError> {
    parse_list(s)
}

/// Parses an `S:`, `O:`, `T:` or `ES:` value; empty text is an empty list.
pub fn parse_event_specs(s: &str) -> Result<Vec<EventSpec>, EventError> {
    parse_list(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let e: EventName = "R/qa@0A3F58".parse().unwrap();
        assert_eq!(
            e.connection,
            Some(EventConnection::Id(ConnectionId::new("0a3f58").unwrap()))
        );
        assert_eq!("hu".parse::<EventName>().unwrap().package, None);
        assert_eq!(
            "L/rg@$".parse::<EventName>().unwrap().connection,
            Some(EventConnection::Current)
        );
        assert!("*/all".parse::<EventName>().is_ok());
        assert!("L/".parse::<EventName>().is_err());
        assert!("L/h d".parse::<EventName>().is_err());
        assert!("L/hd@xyz".parse::<EventName>().is_err());
        assert!("L/hd@".parse::<EventName>().is_err());
    }

    #[test]
    fn requested() {
        let list = parse_requested_events("L/hu (N), L/hf(S,N), D/[0-9#T](D)").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].actions, [Action::Notify]);
        assert_eq!(join(&list), "L/hu(N),L/hf(S,N),D/[0-9#T](D)");
        assert!(parse_requested_events("").unwrap().is_empty());
        assert!(matches!(
            parse_requested_events("L/hu(Q)"),
            Err(EventError::Action(_))
        ));
        assert!(matches!(
            parse_requested_events("L/hu(N"),
            Err(EventError::Parameters)
        ));
        let p: RequestedEvent = "L/oc()(p=1)".parse().unwrap();
        assert!(p.actions.is_empty());
        assert_eq!(p.to_string(), "L/oc()(p=1)");
        let x: RequestedEvent = "L/hd(X-acme/beep,N)".parse().unwrap();
        assert_eq!(x.actions[0], Action::Extension("X-acme/beep".into()));
        assert!("L/hd(E(R(L/hu)))x".parse::<RequestedEvent>().is_err());
        assert!("L/hd(E(Q(1)))".parse::<RequestedEvent>().is_err());
        assert!("L/hd(E(D([5-2])))".parse::<RequestedEvent>().is_err());
    }
}
