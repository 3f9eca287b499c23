//! # openphone-h323 — the H.323 stack (foundation)
//!
//! H.323 for OpenPhone, sans-IO like the SIP and MGCP stacks. This crate
//! holds the foundation the call and registration cores build on:
//! * [`asn`] — the ASN.1 types of H.225.0 (RAS and call signalling), H.235
//!   and H.245, generated for `rasn`;
//! * [`per`] — their aligned-PER encoding and decoding, bounded, errors as
//!   [`per::PerError`];
//! * [`build`] — the minimal valid messages an endpoint sends (GRQ, RRQ,
//!   Setup, ReleaseComplete, MasterSlaveDetermination,
//!   TerminalCapabilitySet, OpenLogicalChannel) and the values they share;
//! * [`tpkt`] — RFC 1006 framing of the TCP streams, a bounded deframer;
//! * [`q931`] — the Q.931 messages and information elements of H.225.0,
//!   bounded, the `H323-UserInformation` in the User-user element;
//! * [`cause_map`] — Q.850 cause values and the SAL's neutral causes;
//! * [`ras`] — the RAS endpoint core: discovery, registration with
//!   keep-alive, admission, bandwidth, disengage, answers to the
//!   gatekeeper's URQ/DRQ/BRQ/IRQ; retransmission with time passed in.
#![warn(missing_docs)]

pub mod asn;
pub mod build;
pub mod cause_map;
pub mod per;
pub mod q931;
pub mod ras;
pub mod tpkt;
