//! Parameter lines (RFC 3435 §3.2.2): `code: value`, one per line.
//!
//! Every parameter of the RFC is typed ([`Parameter`]); extension
//! parameters (`X-...`, `X+...`) and codes this crate does not know are
//! kept verbatim as [`Parameter::Other`]. Codes are case-insensitive and
//! printed upper-case. [`Parameters`] keeps them in order and has a getter
//! for each.

mod events;
mod options;
mod simple;

use std::fmt;

use openphone_sal::DigitMap;

pub use events::{
    parse_event_specs, parse_requested_events, Action, EmbeddedRequest, EventConnection,
    EventError, EventName, EventSpec, RequestedEvent,
};
pub use options::{
    BearerInformation, ConnectionOption, ConnectionParameters, InvalidOptions,
    LocalConnectionOptions, Pairs, Range,
};
pub use simple::{
    ConnectionMode, InvalidValue, PackageList, PackageVersion, QuarantineHandling, QuarantineMode,
    ReasonCode, RequestedInfo, ResponseAck, RestartMethod,
};

use super::endpoint::{EndpointName, NotifiedEntity};
use super::error::ParseErrorKind;
use super::ids::{CallId, ConnectionId, RequestId};
use events::join;

/// The most parameter lines in one message.
pub const MAX_PARAMETERS: usize = 64;

/// One parameter line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Parameter {
    /// `K:` ResponseAck.
    ResponseAck(ResponseAck),
    /// `B:` BearerInformation.
    BearerInformation(BearerInformation),
    /// `C:` CallId.
    CallId(CallId),
    /// `A:` Capabilities (one line per capability set).
    Capabilities(LocalConnectionOptions),
    /// `I:` ConnectionId; an AuditEndpoint response may list several.
    ConnectionId(Vec<ConnectionId>),
    /// `M:` ConnectionMode.
    ConnectionMode(ConnectionMode),
    /// `P:` ConnectionParameters.
    ConnectionParameters(ConnectionParameters),
    /// `T:` DetectEvents.
    DetectEvents(Vec<EventSpec>),
    /// `D:` DigitMap.
    DigitMap(DigitMap),
    /// `ES:` EventStates.
    EventStates(Vec<EventSpec>),
    /// `L:` LocalConnectionOptions.
    LocalConnectionOptions(LocalConnectionOptions),
    /// `MD:` MaxMGCPDatagram, in octets.
    MaxDatagram(u32),
    /// `N:` NotifiedEntity.
    NotifiedEntity(NotifiedEntity),
    /// `O:` ObservedEvents.
    ObservedEvents(Vec<EventSpec>),
    /// `PL:` PackageList.
    PackageList(PackageList),
    /// `Q:` QuarantineHandling.
    QuarantineHandling(QuarantineHandling),
    /// `E:` ReasonCode.
    ReasonCode(ReasonCode),
    /// `R:` RequestedEvents (empty: cancel every request).
    RequestedEvents(Vec<RequestedEvent>),
    /// `F:` RequestedInfo.
    RequestedInfo(RequestedInfo),
    /// `X:` RequestIdentifier.
    RequestId(RequestId),
    /// `RD:` RestartDelay, in seconds.
    RestartDelay(u32),
    /// `RM:` RestartMethod.
    RestartMethod(RestartMethod),
    /// `I2:` SecondConnectionId.
    SecondConnectionId(ConnectionId),
    /// `Z2:` SecondEndpointId.
    SecondEndpointId(EndpointName),
    /// `S:` SignalRequests (empty: stop every signal).
    SignalRequests(Vec<EventSpec>),
    /// `Z:` SpecificEndPointId (repeated in a wildcard audit's response).
    SpecificEndpointId(EndpointName),
    /// Any other line: an extension (`X-...`, `X+...`) or a code this crate
    /// does not know. The name is kept as received, the value trimmed.
    Other {
        /// The parameter code.
        name: String,
        /// The value.
        value: String,
    },
}

/// The longest parameter value printed or parsed, in bytes.
pub const MAX_VALUE_LEN: usize = 2048;

fn number(name: &'static str, v: &str) -> Result<u32, ParseErrorKind> {
    if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(name, "not a decimal number"));
    }
    v.parse().map_err(|_| invalid(name, "not a decimal number"))
}

fn invalid(name: &'static str, reason: impl fmt::Display) -> ParseErrorKind {
    ParseErrorKind::InvalidParameter {
        name,
        reason: reason.to_string(),
    }
}

fn events<T>(name: &'static str, r: Result<T, EventError>) -> Result<T, ParseErrorKind> {
    r.map_err(|error| ParseErrorKind::Events { name, error })
}

impl Parameter {
    /// The parameter code as printed (`C`, `ES`, or the extension's name).
    pub fn code(&self) -> &str {
        match self {
            Parameter::ResponseAck(_) => "K",
            Parameter::BearerInformation(_) => "B",
            Parameter::CallId(_) => "C",
            Parameter::Capabilities(_) => "A",
            Parameter::ConnectionId(_) => "I",
            Parameter::ConnectionMode(_) => "M",
            Parameter::ConnectionParameters(_) => "P",
            Parameter::DetectEvents(_) => "T",
            Parameter::DigitMap(_) => "D",
            Parameter::EventStates(_) => "ES",
            Parameter::LocalConnectionOptions(_) => "L",
            Parameter::MaxDatagram(_) => "MD",
            Parameter::NotifiedEntity(_) => "N",
            Parameter::ObservedEvents(_) => "O",
            Parameter::PackageList(_) => "PL",
            Parameter::QuarantineHandling(_) => "Q",
            Parameter::ReasonCode(_) => "E",
            Parameter::RequestedEvents(_) => "R",
            Parameter::RequestedInfo(_) => "F",
            Parameter::RequestId(_) => "X",
            Parameter::RestartDelay(_) => "RD",
            Parameter::RestartMethod(_) => "RM",
            Parameter::SecondConnectionId(_) => "I2",
            Parameter::SecondEndpointId(_) => "Z2",
            Parameter::SignalRequests(_) => "S",
            Parameter::SpecificEndpointId(_) => "Z",
            Parameter::Other { name, .. } => name,
        }
    }

    /// Whether the parameter may appear more than once in a message:
    /// capability sets, specific endpoint names and connection ids of an
    /// audit response, and extensions.
    pub fn may_repeat(&self) -> bool {
        matches!(
            self,
            Parameter::Capabilities(_)
                | Parameter::SpecificEndpointId(_)
                | Parameter::ConnectionId(_)
                | Parameter::Other { .. }
        )
    }

    /// Whether this is a critical extension (`X+...`): a receiver that
    /// does not support it must refuse the command with 511.
    pub fn is_critical_extension(&self) -> bool {
        matches!(self, Parameter::Other { name, .. } if name.starts_with("X+") || name.starts_with("x+"))
    }

    /// Parses one parameter from its code and (trimmed) value.
    pub(crate) fn parse(code: &str, value: &str) -> Result<Parameter, ParseErrorKind> {
        if value.len() > MAX_VALUE_LEN {
            return Err(ParseErrorKind::LineTooLong);
        }
        let upper = code.to_ascii_uppercase();
        Ok(match upper.as_str() {
            "K" => Parameter::ResponseAck(value.parse().map_err(|e| invalid("K", e))?),
            "B" => Parameter::BearerInformation(value.parse().map_err(|e| invalid("B", e))?),
            "C" => Parameter::CallId(value.parse().map_err(|e| invalid("C", e))?),
            "A" => Parameter::Capabilities(value.parse().map_err(|e| invalid("A", e))?),
            "I" => {
                let mut ids = Vec::new();
                // An audit of an endpoint without connections may say `I:`.
                for id in value.split(',').filter(|_| !value.is_empty()) {
                    ids.push(id.trim().parse().map_err(|e| invalid("I", e))?);
                    if ids.len() > crate::message::scan::MAX_LIST_ITEMS {
                        return Err(invalid("I", "too many connection ids"));
                    }
                }
                Parameter::ConnectionId(ids)
            }
            "M" => Parameter::ConnectionMode(value.parse().map_err(|e| invalid("M", e))?),
            "P" => Parameter::ConnectionParameters(value.parse().map_err(|e| invalid("P", e))?),
            "T" => Parameter::DetectEvents(events("T", parse_event_specs(value))?),
            "D" => Parameter::DigitMap(DigitMap::parse(value).map_err(ParseErrorKind::DigitMap)?),
            "ES" => Parameter::EventStates(events("ES", parse_event_specs(value))?),
            "L" => Parameter::LocalConnectionOptions(value.parse().map_err(|e| invalid("L", e))?),
            "MD" => Parameter::MaxDatagram(number("MD", value)?),
            "N" => Parameter::NotifiedEntity(value.parse().map_err(|e| invalid("N", e))?),
            "O" => Parameter::ObservedEvents(events("O", parse_event_specs(value))?),
            "PL" => Parameter::PackageList(value.parse().map_err(|e| invalid("PL", e))?),
            "Q" => Parameter::QuarantineHandling(value.parse().map_err(|e| invalid("Q", e))?),
            "E" => Parameter::ReasonCode(value.parse().map_err(|e| invalid("E", e))?),
            "R" => Parameter::RequestedEvents(events("R", parse_requested_events(value))?),
            "F" => Parameter::RequestedInfo(value.parse().map_err(|e| invalid("F", e))?),
            "X" => Parameter::RequestId(value.parse().map_err(|e| invalid("X", e))?),
            "RD" => Parameter::RestartDelay(number("RD", value)?),
            "RM" => Parameter::RestartMethod(value.parse().map_err(|e| invalid("RM", e))?),
            "I2" => Parameter::SecondConnectionId(value.parse().map_err(|e| invalid("I2", e))?),
            "Z2" => Parameter::SecondEndpointId(value.parse().map_err(|e| invalid("Z2", e))?),
            "S" => Parameter::SignalRequests(events("S", parse_event_specs(value))?),
            "Z" => Parameter::SpecificEndpointId(value.parse().map_err(|e| invalid("Z", e))?),
            _ => Parameter::Other {
                name: code.to_string(),
                value: value.to_string(),
            },
        })
    }
}

impl fmt::Display for Parameter {
    /// The line without its line end: `C: A3C47F21456789F0`; an empty value
    /// prints as `R:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = match self {
            Parameter::ResponseAck(v) => v.to_string(),
            Parameter::BearerInformation(v) => v.to_string(),
            Parameter::CallId(v) => v.to_string(),
            Parameter::Capabilities(v) => v.to_string(),
            Parameter::ConnectionId(v) => join(v),
            Parameter::ConnectionMode(v) => v.to_string(),
            Parameter::ConnectionParameters(v) => v.to_string(),
            Parameter::DetectEvents(v) => join(v),
            Parameter::DigitMap(v) => v.to_string(),
            Parameter::EventStates(v) => join(v),
            Parameter::LocalConnectionOptions(v) => v.to_string(),
            Parameter::MaxDatagram(v) => v.to_string(),
            Parameter::NotifiedEntity(v) => v.to_string(),
            Parameter::ObservedEvents(v) => join(v),
            Parameter::PackageList(v) => v.to_string(),
            Parameter::QuarantineHandling(v) => v.to_string(),
            Parameter::ReasonCode(v) => v.to_string(),
            Parameter::RequestedEvents(v) => join(v),
            Parameter::RequestedInfo(v) => v.to_string(),
            Parameter::RequestId(v) => v.to_string(),
            Parameter::RestartDelay(v) => v.to_string(),
            Parameter::RestartMethod(v) => v.to_string(),
            Parameter::SecondConnectionId(v) => v.to_string(),
            Parameter::SecondEndpointId(v) => v.to_string(),
            Parameter::SignalRequests(v) => join(v),
            Parameter::SpecificEndpointId(v) => v.to_string(),
            Parameter::Other { value, .. } => value.clone(),
        };
        if value.is_empty() {
            write!(f, "{}:", self.code())
        } else {
            write!(f, "{}: {value}", self.code())
        }
    }
}

/// The parameter lines of a message, in order, with a getter per typed
/// parameter (the first occurrence).
///
/// ```
/// use openphone_mgcp::message::{CallId, ConnectionMode, Parameter, Parameters};
/// let mut p = Parameters::default();
/// p.push(Parameter::CallId(CallId::new("A3C47F21456789F0")?));
/// p.push(Parameter::ConnectionMode(ConnectionMode::RecvOnly));
/// assert_eq!(p.mode(), Some(&ConnectionMode::RecvOnly));
/// assert_eq!(p.call_id().map(|c| c.as_str()), Some("A3C47F21456789F0"));
/// assert!(p.connection_id().is_none());
/// # Ok::<(), openphone_mgcp::message::InvalidId>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parameters(pub Vec<Parameter>);

macro_rules! getter {
    ($(#[$doc:meta])* $fn:ident, $variant:ident, $ty:ty) => {
        $(#[$doc])*
        pub fn $fn(&self) -> Option<&$ty> {
            self.0.iter().find_map(|p| match p {
                Parameter::$variant(v) => Some(v),
                _ => None,
            })
        }
    };
}

impl Parameters {
    /// Appends a parameter.
    pub fn push(&mut self, p: Parameter) {
        self.0.push(p);
    }

    /// Appends a parameter (builder style).
    pub fn with(mut self, p: Parameter) -> Self {
        self.0.push(p);
        self
    }

    /// Removes every parameter with `code` (case-insensitive).
    pub fn remove(&mut self, code: &str) {
        self.0.retain(|p| !p.code().eq_ignore_ascii_case(code));
    }

    /// The parameters, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Parameter> {
        self.0.iter()
    }

    /// How many parameter lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of an untyped (extension) parameter by code.
    pub fn other(&self, code: &str) -> Option<&str> {
        self.0.iter().find_map(|p| match p {
            Parameter::Other { name, value } if name.eq_ignore_ascii_case(code) => {
                Some(value.as_str())
            }
            _ => None,
        })
    }

    /// The single connection id of `I:` (none when it lists several).
    pub fn connection_id(&self) -> Option<&ConnectionId> {
        self.0.iter().find_map(|p| match p {
            Parameter::ConnectionId(ids) if ids.len() == 1 => ids.first(),
            _ => None,
        })
    }

    /// Every `Z:` endpoint name (a wildcard audit lists several).
    pub fn specific_endpoint_ids(&self) -> impl Iterator<Item = &EndpointName> {
        self.0.iter().filter_map(|p| match p {
            Parameter::SpecificEndpointId(z) => Some(z),
            _ => None,
        })
    }

    /// The first critical extension (`X+...`), which a receiver that does
    /// not know it refuses with 511.
    pub fn critical_extension(&self) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.is_critical_extension())
            .map(Parameter::code)
    }

    getter!(/// `K:`.
        response_ack, ResponseAck, ResponseAck);
    getter!(/// `B:`.
        bearer_information, BearerInformation, BearerInformation);
    getter!(/// `C:`.
        call_id, CallId, CallId);
    getter!(/// `M:`.
        mode, ConnectionMode, ConnectionMode);
    getter!(/// `P:`.
        connection_parameters, ConnectionParameters, ConnectionParameters);
    getter!(/// `T:`.
        detect_events, DetectEvents, Vec<EventSpec>);
    getter!(/// `D:`.
        digit_map, DigitMap, DigitMap);
    getter!(/// `ES:`.
        event_states, EventStates, Vec<EventSpec>);
    getter!(/// `L:`.
        local_connection_options, LocalConnectionOptions, LocalConnectionOptions);
    getter!(/// `MD:`.
        max_datagram, MaxDatagram, u32);
    getter!(/// `N:`.
        notified_entity, NotifiedEntity, NotifiedEntity);
    getter!(/// `O:`.
        observed_events, ObservedEvents, Vec<EventSpec>);
    getter!(/// `PL:`.
        package_list, PackageList, PackageList);
    getter!(/// `Q:`.
        quarantine_handling, QuarantineHandling, QuarantineHandling);
    getter!(/// `E:`.
        reason_code, ReasonCode, ReasonCode);
    getter!(/// `R:`.
        requested_events, RequestedEvents, Vec<RequestedEvent>);
    getter!(/// `F:`.
        requested_info, RequestedInfo, RequestedInfo);
    getter!(/// `X:`.
        request_id, RequestId, RequestId);
    getter!(/// `RD:`.
        restart_delay, RestartDelay, u32);
    getter!(/// `RM:`.
        restart_method, RestartMethod, RestartMethod);
    getter!(/// `I2:`.
        second_connection_id, SecondConnectionId, ConnectionId);
    getter!(/// `Z2:`.
        second_endpoint_id, SecondEndpointId, EndpointName);
    getter!(/// `S:`.
        signal_requests, SignalRequests, Vec<EventSpec>);
    getter!(/// `Z:` (the first).
        specific_endpoint_id, SpecificEndpointId, EndpointName);
}

impl<'a> IntoIterator for &'a Parameters {
    type Item = &'a Parameter;
    type IntoIter = std::slice::Iter<'a, Parameter>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
