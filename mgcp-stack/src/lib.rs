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
//!   code that answers them.
#![warn(missing_docs)]

pub mod message;
