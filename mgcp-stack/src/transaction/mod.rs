//! The MGCP transaction layer (RFC 3435 §3.5), sans-IO.
//!
//! MGCP runs over UDP, so the protocol itself makes delivery reliable:
//!
//! * **Transaction identifiers** number our commands ([`TransactionLayer::send_command`]
//!   assigns them, wrapping after 999,999,999).
//! * **Retransmission** (§3.5.3): a command without a response is sent
//!   again after 200 ms, then with the wait doubling up to 4 s; after 7
//!   retransmissions (or 20 s) the layer gives up with
//!   [`TransactionEvent::Timeout`]. See [`TransactionConfig`].
//! * **At most once** (§3.5.1): a peer's command is handed to the
//!   application once ([`TransactionEvent::Command`]). A duplicate that
//!   arrives while it executes is answered with a provisional `100`; one
//!   that arrives after the answer gets the cached response, for 30 s
//!   (T-HIST) or until the peer acknowledges it, and after that is ignored.
//! * **Provisional responses** (§3.5.6): the application may answer
//!   `100`/`101` first; the final response then carries an empty `K:` and
//!   is retransmitted until the peer's `000` acknowledgement. On our side
//!   a provisional response stops the fast retransmissions.
//! * **Response acknowledgement** (§3.5.2): the ids of final responses we
//!   received travel in `K:` of our next command to that peer, which lets
//!   it drop them from its cache; a final response with an empty `K:` is
//!   acknowledged at once with `000`.
//!
//! Time comes in as an argument and nothing does I/O:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use openphone_mgcp::message::*;
//! use openphone_mgcp::transaction::*;
//!
//! let agent_addr = "127.0.0.1:2727".parse().unwrap();
//! let gw_addr = "127.0.0.1:2427".parse().unwrap();
//! let mut agent = TransactionLayer::new(TransactionConfig::default(), TransactionId::new(100)?);
//! let mut gw = TransactionLayer::new(TransactionConfig::default(), TransactionId::new(500)?);
//! let t0 = Instant::now();
//!
//! let cmd = Command::new(Verb::AuditEndpoint, TransactionId::new(1)?, "aaln/1@gw".parse()?);
//! let tid = agent.send_command(t0, gw_addr, cmd)?;
//! assert_eq!(tid.get(), 100);
//!
//! // The datagram is lost; 200 ms later it goes again.
//! let lost = agent.poll_transmit().unwrap();
//! assert_eq!(agent.poll_timeout(), Some(t0 + Duration::from_millis(200)));
//! agent.handle_timeout(t0 + Duration::from_millis(200));
//! let again = agent.poll_transmit().unwrap();
//! assert_eq!(again.bytes, lost.bytes);
//!
//! // The gateway executes it once and answers.
//! gw.handle_datagram(t0, agent_addr, &again.bytes);
//! let Some(TransactionEvent::Command { from, command }) = gw.poll_event() else { panic!() };
//! gw.respond(t0, from, Response::new(ReturnCode::OK, command.transaction_id))?;
//! let reply = gw.poll_transmit().unwrap();
//!
//! agent.handle_datagram(t0, gw_addr, &reply.bytes);
//! let Some(TransactionEvent::Response { response, .. }) = agent.poll_event() else { panic!() };
//! assert_eq!(response.code, ReturnCode::OK);
//! assert_eq!(agent.poll_timeout(), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod incoming;
mod layer;
mod outgoing;

use std::net::SocketAddr;

pub use config::TransactionConfig;
pub use layer::TransactionLayer;

use crate::message::{Command, ParseError, Response, TransactionId};

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to.
    pub to: SocketAddr,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// What the transaction layer reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TransactionEvent {
    /// A new command from a peer: execute it and answer with
    /// [`TransactionLayer::respond`] (to `from`).
    Command {
        /// The peer's address.
        from: SocketAddr,
        /// The command.
        command: Command,
    },
    /// The final response to one of our commands.
    Response {
        /// Where it came from.
        from: SocketAddr,
        /// The command it answers.
        command: Command,
        /// The response.
        response: Response,
    },
    /// The first provisional response to one of our commands.
    Provisional {
        /// The command's transaction id.
        transaction_id: TransactionId,
        /// The provisional response (100 or 101).
        response: Response,
    },
    /// One of our commands got no final response in time.
    Timeout {
        /// Where it was sent.
        to: SocketAddr,
        /// The command.
        command: Command,
    },
    /// A message that did not parse. If it was a command with a readable
    /// transaction id it has been answered with the error's return code.
    Malformed {
        /// Where it came from.
        from: SocketAddr,
        /// Why.
        error: ParseError,
    },
}

/// A call on the transaction layer that cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransactionError {
    /// [`TransactionConfig::max_outgoing`] commands already await a response.
    #[error("too many commands awaiting a response")]
    TooManyOutgoing,
    /// No command with this transaction id from this peer awaits an answer.
    #[error("no command {transaction_id} from {from} awaits an answer")]
    UnknownTransaction {
        /// The peer.
        from: SocketAddr,
        /// The transaction id.
        transaction_id: TransactionId,
    },
    /// A `000` acknowledgement is not an answer to a command.
    #[error("a response acknowledgement does not answer a command")]
    AckIsNotAnAnswer,
}

#[cfg(test)]
mod tests;
