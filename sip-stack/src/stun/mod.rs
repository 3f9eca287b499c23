//! STUN (RFC 5389) Binding, sans-IO: the message codec ([`Message`]) and a
//! client transaction with the RFC 5389 §7.2.1 retransmission schedule
//! ([`BindingClient`]). The SIP driver uses them to learn the public address
//! of its UDP socket and to keep NAT bindings open.
//!
//! ```
//! use std::time::Instant;
//! use openphone_sip::stun::{BindingClient, Message, TransactionId};
//! let now = Instant::now();
//! let mut client = BindingClient::new(TransactionId([7; 12]), now);
//! let request = client.poll_transmit(now).expect("first send at once");
//! let parsed = Message::decode(&request).expect("valid request");
//! assert!(parsed.is_binding_request());
//! ```

mod client;
mod crc32;
mod message;

pub use client::{BindingClient, BindingOutcome, RetransmitConfig};
pub use message::{
    is_stun, Attribute, Class, Message, StunError, TransactionId, BINDING, MAGIC_COOKIE,
};
