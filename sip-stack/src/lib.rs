//! # openphone-sip — the SIP stack
#![warn(missing_docs)]

pub mod auth;
mod config;
mod core;
mod driver;
pub mod message;
pub mod transaction;
mod transport;

pub use crate::config::{CoreConfig, SipConfig, SipConfigBuilder, DEFAULT_MAX_MESSAGE_SIZE};
pub use crate::core::SipCore;
pub use crate::driver::{LocalAddrs, SipStack};
pub use crate::transport::{ConnId, Transmit, TransportKind};
pub use transaction::TimerConfig;
