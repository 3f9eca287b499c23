//! Responses (RFC 3435 §3.3): the response line, parameter lines and an
//! optional session description.

use std::fmt;

use openphone_sdp::SessionDescription;

use super::ids::TransactionId;
use super::params::{Parameter, Parameters};
use super::return_code::ReturnCode;
use super::write_body;

/// A response: `200 1204 OK`, its parameters, and the session description
/// that follows an empty line (the LocalConnectionDescriptor of a
/// CreateConnection).
///
/// ```
/// use openphone_mgcp::message::*;
///
/// let r = Response::new(ReturnCode::OK, TransactionId::new(1204)?)
///     .with(Parameter::ConnectionId(vec![ConnectionId::new("FDE234C8")?]));
/// assert_eq!(r.to_string(), "200 1204 OK\r\nI: FDE234C8\r\n");
///
/// let ack = Response::ack(TransactionId::new(1204)?);
/// assert_eq!(ack.to_string(), "000 1204\r\n");
///
/// let p = Message::parse(b"801 1205 /al Hook state unknown\r\n")?;
/// let Message::Response(p) = p else { unreachable!() };
/// assert_eq!(p.package.as_deref(), Some("al"));
/// assert_eq!(p.commentary, "Hook state unknown");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The return code.
    pub code: ReturnCode,
    /// The transaction identifier of the command answered.
    pub transaction_id: TransactionId,
    /// The package a package-specific (8xx) code belongs to.
    pub package: Option<String>,
    /// Commentary after the code (`OK`, `Connection deleted`…).
    pub commentary: String,
    /// The parameter lines.
    pub parameters: Parameters,
    /// Session descriptions after the empty line (at most two: an audit
    /// of a connection returns the local one first, then the remote one).
    pub sdp: Vec<SessionDescription>,
}

impl Response {
    /// A response with the RFC's short description as commentary (`OK`
    /// for 200), or none for a `000` acknowledgement.
    pub fn new(code: ReturnCode, transaction_id: TransactionId) -> Self {
        Response {
            code,
            transaction_id,
            package: None,
            commentary: if code.is_ack() {
                String::new()
            } else {
                code.description().to_string()
            },
            parameters: Parameters::default(),
            sdp: Vec::new(),
        }
    }

    /// A response acknowledgement (`000`), sent for a final response that
    /// asked for one with an empty `K:`.
    pub fn ack(transaction_id: TransactionId) -> Self {
        Response::new(ReturnCode::RESPONSE_ACK, transaction_id)
    }

    /// Replaces the commentary.
    pub fn with_commentary(mut self, commentary: impl Into<String>) -> Self {
        self.commentary = commentary.into();
        self
    }

    /// Adds a parameter line.
    pub fn with(mut self, parameter: Parameter) -> Self {
        self.parameters.push(parameter);
        self
    }

    /// Adds a session description.
    pub fn with_sdp(mut self, sdp: SessionDescription) -> Self {
        self.sdp.push(sdp);
        self
    }

    /// The (first) session description.
    pub fn sdp(&self) -> Option<&SessionDescription> {
        self.sdp.first()
    }

    /// The printed response.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.transaction_id)?;
        if let Some(p) = &self.package {
            write!(f, " /{p}")?;
        }
        if !self.commentary.is_empty() {
            write!(f, " {}", self.commentary)?;
        }
        f.write_str("\r\n")?;
        write_body(f, &self.parameters, &self.sdp)
    }
}
