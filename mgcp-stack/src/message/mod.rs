//! The MGCP message layer (RFC 3435 §3): typed parser and printer.
//!
//! * [`Message::parse`] parses one message, [`parse_datagram`] a datagram
//!   that may carry several piggy-backed ones (separated by a `.` line,
//!   §3.5.5); [`print_datagram`] joins them again.
//! * Commands ([`Command`]) have a [`Verb`], a [`TransactionId`], an
//!   [`EndpointName`] (with `*` and `$` wildcards) and `MGCP 1.0`;
//!   responses ([`Response`]) a [`ReturnCode`], the transaction id, an
//!   optional `/package` and commentary.
//! * Every parameter line of §3.2.2 is typed ([`Parameter`]); extensions
//!   and unknown codes are kept verbatim. A session description after the
//!   empty line is parsed by `openphone-sdp`.
//! * Lines end in CRLF or LF; printing always uses CRLF. Whatever parses
//!   prints to text that parses to the same message.
//! * Input is bounded ([`MAX_DATAGRAM_BYTES`], [`MAX_LINE_LEN`],
//!   [`MAX_PARAMETERS`], [`MAX_MESSAGES_PER_DATAGRAM`], list and nesting
//!   limits) and never panics; an error carries the return code to answer
//!   a broken command with ([`ParseError::error_response_code`]).
//!
//! ```
//! use openphone_mgcp::message::*;
//!
//! // RFC 3435 §2.3.3: a NotificationRequest with a digit map.
//! let raw = b"RQNT 1201 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
//! N: ca@ca1.whatever.net:5678\r\n\
//! X: 0123456789AC\r\n\
//! R: L/hd(A, E(S(L/dl),R(L/oc,L/hu,D/[0-9#*T](D))))\r\n\
//! D: (0T|00T|[1-7]xxx|8xxxxxxx|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)\r\n\
//! S:\r\n\
//! Q: process,loop\r\n";
//! let Message::Command(cmd) = Message::parse(raw)? else { unreachable!() };
//! assert_eq!(cmd.verb, Verb::NotificationRequest);
//! assert_eq!(cmd.endpoint.local_name(), "aaln/1");
//! assert_eq!(cmd.parameters.notified_entity().and_then(|n| n.port), Some(5678));
//! let r = &cmd.parameters.requested_events().unwrap()[0];
//! assert!(r.name.is("L", "hd"));
//! assert!(matches!(r.actions[1], Action::Embedded(_)));
//! assert!(cmd.parameters.signal_requests().unwrap().is_empty());
//! # Ok::<(), ParseError>(())
//! ```

mod command;
mod endpoint;
mod error;
mod ids;
mod params;
mod parse;
mod response;
mod return_code;
mod scan;
mod verb;

use std::fmt;

use openphone_sdp::SessionDescription;

pub use command::Command;
pub use endpoint::{
    Domain, EndpointName, InvalidName, NameTerm, NotifiedEntity, MAX_DOMAIN_LEN, MAX_NAME_TERMS,
};
pub use error::{ParseError, ParseErrorKind};
pub use ids::{
    CallId, ConnectionId, InvalidId, RequestId, TransactionId, MAX_HEX_ID_LEN, MAX_TRANSACTION_ID,
};
pub use params::{
    parse_event_specs, parse_requested_events, Action, BearerInformation, ConnectionMode,
    ConnectionOption, ConnectionParameters, EmbeddedRequest, EventConnection, EventError,
    EventName, EventSpec, InvalidOptions, InvalidValue, LocalConnectionOptions, PackageList,
    PackageVersion, Pairs, Parameter, Parameters, QuarantineHandling, QuarantineMode, Range,
    ReasonCode, RequestedEvent, RequestedInfo, ResponseAck, RestartMethod, MAX_PARAMETERS,
    MAX_VALUE_LEN,
};
pub use response::Response;
pub use return_code::ReturnCode;
pub use scan::{MAX_LIST_ITEMS, MAX_NESTING};
pub use verb::Verb;

/// The largest datagram parsed, in bytes.
pub const MAX_DATAGRAM_BYTES: usize = 65_535;

/// The longest header line, in bytes.
pub const MAX_LINE_LEN: usize = 4096;

/// The most piggy-backed messages in one datagram.
pub const MAX_MESSAGES_PER_DATAGRAM: usize = 8;

/// A command or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A command.
    Command(Command),
    /// A response.
    Response(Response),
}

impl Message {
    /// Parses exactly one message (a datagram with piggy-backed messages
    /// goes through [`parse_datagram`]).
    pub fn parse(data: &[u8]) -> Result<Message, ParseError> {
        parse::parse_message(data)
    }

    /// The transaction identifier.
    pub fn transaction_id(&self) -> TransactionId {
        match self {
            Message::Command(c) => c.transaction_id,
            Message::Response(r) => r.transaction_id,
        }
    }

    /// The command, if this is one.
    pub fn as_command(&self) -> Option<&Command> {
        match self {
            Message::Command(c) => Some(c),
            Message::Response(_) => None,
        }
    }

    /// The response, if this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Message::Response(r) => Some(r),
            Message::Command(_) => None,
        }
    }

    /// The printed message.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Command(c) => c.fmt(f),
            Message::Response(r) => r.fmt(f),
        }
    }
}

impl From<Command> for Message {
    fn from(c: Command) -> Self {
        Message::Command(c)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}

/// Parses a datagram: one message, or several separated by lines holding a
/// single `.` (piggy-backing, RFC 3435 §3.5.5). Each message parses on its
/// own, so one broken message does not hide the others; blank parts (a
/// trailing separator) are skipped. The outer error is for a datagram too
/// large or with too many parts.
///
/// ```
/// use openphone_mgcp::message::*;
/// let d = b"200 1203 OK\r\n.\r\nDLCX 1244 card23/21@tgw-2.example.net MGCP 1.0\r\nC: A3C47F21456789F0\r\n";
/// let msgs = parse_datagram(d)?;
/// assert_eq!(msgs.len(), 2);
/// assert!(msgs[0].as_ref().is_ok_and(|m| m.as_response().is_some()));
/// let printed = print_datagram(&msgs.into_iter().collect::<Result<Vec<_>, _>>()?);
/// assert_eq!(parse_datagram(&printed)?.len(), 2);
/// # Ok::<(), ParseError>(())
/// ```
pub fn parse_datagram(data: &[u8]) -> Result<Vec<Result<Message, ParseError>>, ParseError> {
    Ok(parse::split_datagram(data)?
        .into_iter()
        .filter(|part| !part.iter().all(u8::is_ascii_whitespace))
        .map(parse::parse_message)
        .collect())
}

/// Prints messages into one datagram, separated by `.` lines.
pub fn print_datagram(messages: &[Message]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b".\r\n");
        }
        out.extend_from_slice(&m.to_bytes());
    }
    out
}

/// Parameter lines, then each session description after an empty line.
fn write_body(
    f: &mut fmt::Formatter<'_>,
    parameters: &Parameters,
    sdp: &[SessionDescription],
) -> fmt::Result {
    for p in parameters {
        write!(f, "{p}\r\n")?;
    }
    for s in sdp {
        write!(f, "\r\n{s}")?;
    }
    Ok(())
}
