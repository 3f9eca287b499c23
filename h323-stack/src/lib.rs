//! # openphone-h323 — the H.323 stack (foundation)
//!
//! H.323 for OpenPhone, sans-IO like the SIP and MGCP stacks. This crate
//! holds the foundation the call and registration cores build on:
//! * [`asn`] — the ASN.1 types of H.225.0 (RAS and call signalling), H.235
//!   and H.245, generated for `rasn` and encoded with aligned PER.
#![warn(missing_docs)]

pub mod asn;
