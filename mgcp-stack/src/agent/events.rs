//! What the call agent reports.

use std::net::SocketAddr;

use openphone_sal::Reason;
use openphone_sdp::SessionDescription;

use crate::message::{
    CallId, Command, ConnectionId, ConnectionMode, ConnectionParameters, EndpointName, EventSpec,
    ParseError, ReasonCode, RequestId, Response, RestartMethod, TransactionId,
};

/// A connection the call agent created on an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The endpoint (the specific one the gateway chose for a wildcard).
    pub endpoint: EndpointName,
    /// The gateway's connection id.
    pub id: ConnectionId,
    /// The call it belongs to.
    pub call_id: CallId,
    /// The mode last set.
    pub mode: ConnectionMode,
    /// The gateway's side (LocalConnectionDescriptor), as last returned.
    pub local_sdp: Option<SessionDescription>,
    /// The far end's side, as last sent.
    pub remote_sdp: Option<SessionDescription>,
}

/// An event of the [`CallAgent`](super::CallAgent).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AgentEvent {
    /// A CreateConnection succeeded.
    ConnectionCreated {
        /// The command's transaction id.
        transaction: TransactionId,
        /// The new connection.
        connection: Connection,
    },
    /// A ModifyConnection succeeded.
    ConnectionModified {
        /// The command's transaction id.
        transaction: TransactionId,
        /// The connection as it is now.
        connection: Connection,
    },
    /// Connections were deleted: by our DeleteConnection (`transaction`
    /// set) or by the gateway's.
    ConnectionDeleted {
        /// Our command's transaction id, `None` when the gateway deleted.
        transaction: Option<TransactionId>,
        /// The endpoint (may be a wildcard).
        endpoint: EndpointName,
        /// The connection, when one was named.
        connection: Option<ConnectionId>,
        /// The call, when one was named.
        call_id: Option<CallId>,
        /// The final statistics (`P:`), when the gateway gave them.
        statistics: Option<ConnectionParameters>,
        /// The gateway's reason (`E:`), when it deleted on its own.
        reason: Option<ReasonCode>,
    },
    /// A NotificationRequest succeeded.
    NotificationRequested {
        /// The command's transaction id.
        transaction: TransactionId,
        /// The endpoint.
        endpoint: EndpointName,
        /// The request identifier the notifications will carry.
        request_id: RequestId,
    },
    /// An endpoint notified observed events (already answered with 200).
    Notify {
        /// The endpoint.
        endpoint: EndpointName,
        /// The request it answers.
        request_id: Option<RequestId>,
        /// The events, in order.
        observed: Vec<EventSpec>,
        /// Where it came from.
        from: SocketAddr,
    },
    /// An endpoint announced a restart (already answered with 200).
    Restart {
        /// The endpoint (may be a wildcard, for a whole gateway).
        endpoint: EndpointName,
        /// How.
        method: RestartMethod,
        /// The restart delay in seconds, if given.
        delay: Option<u32>,
        /// Where it came from (commands to the endpoint now go there).
        from: SocketAddr,
    },
    /// The final response to another command (an audit, EPCF, or one sent
    /// with [`send_command`](super::CallAgent::send_command)).
    Response {
        /// The command's transaction id.
        transaction: TransactionId,
        /// The command.
        command: Command,
        /// The response.
        response: Response,
    },
    /// A command failed: an error response, or no response at all.
    CommandFailed {
        /// The command's transaction id.
        transaction: TransactionId,
        /// The command.
        command: Command,
        /// The error response; `None` when none came in time.
        response: Option<Response>,
        /// Why, in the SAL's words (with the raw MGCP code).
        reason: Reason,
    },
    /// A datagram that did not parse (a command with a readable
    /// transaction id was answered with the error's code).
    Malformed {
        /// Where it came from.
        from: SocketAddr,
        /// Why.
        error: ParseError,
    },
}

/// The digits in observed events (`D/1`, `D/2`, `D/#`…, and `D/T` for the
/// inter-digit timer), in order, as a dial string.
///
/// ```
/// use openphone_mgcp::agent::observed_digits;
/// use openphone_mgcp::message::parse_event_specs;
/// let o = parse_event_specs("L/hd,D/9,D/1,D/2,D/#,L/hf")?;
/// assert_eq!(observed_digits(&o), "912#");
/// # Ok::<(), openphone_mgcp::message::EventError>(())
/// ```
pub fn observed_digits(observed: &[EventSpec]) -> String {
    observed
        .iter()
        .filter(|e| {
            e.name
                .package
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("D"))
        })
        .flat_map(|e| e.name.event.chars())
        .filter(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D' | 'T'))
        .collect()
}
