//! Commands (RFC 3435 §3.2): the command line, parameter lines and an
//! optional session description.

use std::fmt;

use openphone_sdp::SessionDescription;

use super::endpoint::EndpointName;
use super::ids::TransactionId;
use super::params::{Parameter, Parameters};
use super::verb::Verb;
use super::write_body;

/// A command: `CRCX 1204 aaln/1@rgw.example.net MGCP 1.0`, its
/// parameters, and the session description that follows an empty line
/// (the RemoteConnectionDescriptor of a CreateConnection or
/// ModifyConnection).
///
/// ```
/// use openphone_mgcp::message::*;
///
/// let cmd = Command::new(
///     Verb::CreateConnection,
///     TransactionId::new(1204)?,
///     "aaln/1@rgw.example.net".parse()?,
/// )
/// .with(Parameter::CallId(CallId::new("A3C47F21456789F0")?))
/// .with(Parameter::LocalConnectionOptions("p:10, a:PCMU".parse()?))
/// .with(Parameter::ConnectionMode(ConnectionMode::RecvOnly));
/// assert_eq!(
///     cmd.to_string(),
///     "CRCX 1204 aaln/1@rgw.example.net MGCP 1.0\r\n\
///      C: A3C47F21456789F0\r\n\
///      L: p:10, a:PCMU\r\n\
///      M: recvonly\r\n"
/// );
/// assert_eq!(Message::parse(cmd.to_string().as_bytes())?, Message::Command(cmd));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The verb.
    pub verb: Verb,
    /// The transaction identifier.
    pub transaction_id: TransactionId,
    /// The endpoint (possibly wildcarded).
    pub endpoint: EndpointName,
    /// A profile after `MGCP 1.0` (as in `MGCP 1.0 NCS 1.0`).
    pub profile: Option<String>,
    /// The parameter lines.
    pub parameters: Parameters,
    /// Session descriptions after the empty line (at most two).
    pub sdp: Vec<SessionDescription>,
}

impl Command {
    /// A command with no parameters.
    pub fn new(verb: Verb, transaction_id: TransactionId, endpoint: EndpointName) -> Self {
        Command {
            verb,
            transaction_id,
            endpoint,
            profile: None,
            parameters: Parameters::default(),
            sdp: Vec::new(),
        }
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

    /// The printed command.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} MGCP 1.0",
            self.verb, self.transaction_id, self.endpoint
        )?;
        if let Some(p) = &self.profile {
            write!(f, " {p}")?;
        }
        f.write_str("\r\n")?;
        write_body(f, &self.parameters, &self.sdp)
    }
}
