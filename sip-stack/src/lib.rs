//! # openphone-sip — the SIP stack
#![warn(missing_docs)]

pub mod auth;
