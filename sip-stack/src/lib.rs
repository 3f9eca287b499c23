//! # openphone-sip — the SIP stack
#![warn(missing_docs)]

pub mod auth;
pub mod message;
pub mod transaction;

pub use transaction::TimerConfig;
