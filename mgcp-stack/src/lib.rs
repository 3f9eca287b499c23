//! # openphone-mgcp — the MGCP stack
//!
//! MGCP (RFC 3435) for OpenPhone: a call agent controls the endpoints of
//! media gateways with nine commands (EPCF, CRCX, MDCX, DLCX, RQNT, NTFY,
//! AUEP, AUCX, RSIP) over UDP. Like the SIP stack, every layer is a
//! sans-IO state machine: bytes and time go in, bytes to send, events and
//! the next deadline come out.
//!
//! Layers, bottom up:
//! * [`message`] — the typed parser and printer of commands, responses,
//!   every parameter line of §3.2.2, embedded SDP (through
//!   `openphone-sdp`) and piggy-backed datagrams; errors carry the return
//!   code that answers them;
//! * [`transaction`] — transaction identifiers, retransmission with
//!   exponential back-off (§3.5.3), the response cache that answers a
//!   duplicate command without executing it again (§3.5.1–3.5.2),
//!   provisional responses and response acknowledgements (`000`, `K:`);
//! * [`agent`] — the call-agent role ([`agent::CallAgent`]): endpoints and
//!   their gateways, connections created, modified and deleted (with their
//!   final statistics), notification requests with digit maps, and the
//!   gateways' Notify, DeleteConnection and RestartInProgress commands;
//! * [`endpoint`] — the endpoint role ([`endpoint::Endpoint`]): the phone
//!   as lines of a residential gateway (line, DTMF and generic packages),
//!   with digit maps, signals, NTFY, connections through the SAL's media
//!   port, audits and RSIP; [`MgcpStack`] is its tokio driver, the
//!   `openphone_sal::Stack` a `Phone` is built with (scheme `mgcp`);
//! * [`restart`] — the endpoint's restart procedures (§4.4): the first
//!   RestartInProgress after a random delay, the disconnected procedure
//!   with its doubling timer, redirection to another call agent, graceful
//!   and forced removal from service.
#![warn(missing_docs)]

pub mod agent;
pub mod endpoint;
pub mod message;
pub mod restart;
pub mod transaction;

mod driver;

pub use driver::{BoundAddr, MgcpConfig, MgcpStack, DEFAULT_GATEWAY_PORT};
