//! # openphone-sip — the SIP stack
//!
//! An RFC 3261 user agent for OpenPhone: UDP and TCP transports (RFC 3581 `rport`),
//! the four transaction state machines with their timers, dialogs, calls with SDP
//! offer/answer (through `openphone_media::sdp`), registration with refresh, digest
//! authentication (RFC 2617/7616/8760: MD5, SHA-256, SHA-512/256), CANCEL, re-INVITE
//! hold/resume, INFO DTMF, REFER and MESSAGE.
//!
//! Layers, bottom up:
//! * [`message`] — typed parser and printer, and [`message::MessageView`], the
//!   zero-copy check of a datagram against the same grammar that the core runs on
//!   every UDP packet;
//! * [`transaction`] — RFC 3261 §17 state machines and timers, syntax-free;
//! * [`auth`] — digest credentials;
//! * [`SipCore`] — the sans-IO UA core: bytes, commands and time in; bytes to send,
//!   [`StackEvent`](openphone_sal::StackEvent)s and the next deadline out;
//! * [`SipStack`] — the tokio driver implementing [`openphone_sal::Stack`].
//!
//! As a UAS the stack never challenges (it keeps no user database), answers OPTIONS
//! itself, and refuses what it cannot do with the RFC's status codes (405, 415, 416,
//! 420, 481, 488, 501, 505…). `sips:` is refused until TLS exists.
//!
//! ```no_run
//! use openphone_sal::{Address, CallId, CodecDescriptor, MediaOffer, Stack, StackCommand,
//!                     StackEvent, StackEventSink, StackIo};
//! use openphone_sip::{SipConfig, SipStack, TimerConfig};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SipConfig::builder()
//!     .udp_bind("0.0.0.0:5060".parse()?)
//!     .tcp_bind("0.0.0.0:5060".parse()?)
//!     .public_address("192.0.2.10".parse()?) // what Via/Contact advertise
//!     .user_agent("my-phone/1.0")
//!     .timers(TimerConfig::default())
//!     .build();
//! let stack = SipStack::new(config);
//! let (commands_tx, commands) = tokio::sync::mpsc::channel(64);
//! let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
//! let info = Box::new(stack)
//!     .start(StackIo { commands, events: StackEventSink::new(0, events_tx) })
//!     .await?;
//! println!("SIP on {:?}", info.listening);
//!
//! let offer = MediaOffer::new("192.0.2.10:40000".parse()?)
//!     .with_codec(CodecDescriptor::new(0, "PCMU", 8000));
//! commands_tx
//!     .send(StackCommand::Dial {
//!         call: CallId::next(),
//!         account: None,
//!         to: Address::new("sip:bob@192.0.2.20")?,
//!         offer,
//!     })
//!     .await?;
//! while let Some((_, event)) = events.recv().await {
//!     if let StackEvent::MediaNegotiated { media, .. } = event {
//!         println!("send {} to {}", media.send_codec.encoding, media.remote_rtp);
//!     }
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod auth;
mod config;
mod core;
mod driver;
pub mod message;
pub mod transaction;
mod transport;

pub use crate::config::{
    CoreConfig, SipConfig, SipConfigBuilder, DEFAULT_MAX_CALLS, DEFAULT_MAX_MESSAGE_SIZE,
};
pub use crate::core::SipCore;
pub use crate::driver::{LocalAddrs, SipStack};
pub use crate::transport::{ConnId, Transmit, TransportKind};
pub use transaction::TimerConfig;
