//! # openphone-sip — the SIP stack
//!
//! An RFC 3261 user agent for OpenPhone: UDP and TCP transports (RFC 3581 `rport`),
//! TLS with the crate feature `tls` (`sips:`, `;transport=tls`, verified server
//! certificates, never a downgrade: see [`TlsConfig`]),
//! the four transaction state machines with their timers, dialogs, calls with SDP
//! offer/answer (SDP through `openphone-sdp`, negotiation through
//! `openphone_sal::media::negotiate`), registration with refresh, digest
//! authentication (RFC 2617/7616/8760: MD5, SHA-256, SHA-512/256), CANCEL, re-INVITE
//! hold/resume, INFO DTMF, REFER with NOTIFY progress, MESSAGE, and events
//! (RFC 6665): presence subscriptions with PIDF bodies (RFC 3856/3863),
//! message-waiting summaries (RFC 3842, also unsolicited), publication of our
//! presence (RFC 3903), and a notifier answering SUBSCRIBEs to our presence
//! (every watcher accepted); the body readers are in [`event`].
//!
//! SIP status codes become the SAL's neutral [`Cause`](openphone_sal::Cause)s (and
//! back) by the table in [`cause_map`]; the raw code travels along
//! in the [`Reason`](openphone_sal::Reason). Not implemented yet, and refused with
//! `StackEvent::CommandFailed` (`Cause::Unsupported`): early media towards a caller
//! (183) and attended transfer.
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
//! 420, 481, 488, 501, 505…). A `sips:` Request-URI is accepted only over TLS
//! (416 otherwise), and without the `tls` feature `sips:` targets fail with
//! `Cause::Unsupported`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use openphone_sal::{Address, CallId, Stack, StackCommand, StackEvent, StackEventSink,
//!                     StackIo, StackMedia};
//! use openphone_sip::{SipConfig, SipStack, TimerConfig};
//!
//! // `media` is the phone's media port; a `Phone` hands its own to each stack.
//! # async fn demo(media: Arc<dyn StackMedia>) -> Result<(), Box<dyn std::error::Error>> {
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
//! let io = StackIo::new(commands, StackEventSink::new(0, events_tx), media.clone());
//! let info = Box::new(stack).start(io).await?;
//! println!("SIP on {:?}", info.listening);
//!
//! // Our description comes from the media endpoint reserved for the call.
//! let call = CallId::next();
//! let offer = media.reserve(call)?;
//! commands_tx
//!     .send(StackCommand::Dial {
//!         call,
//!         account: None,
//!         to: Address::new("sip:bob@192.0.2.20")?,
//!         offer,
//!     })
//!     .await?;
//! while let Some((_, event)) = events.recv().await {
//!     // The stack has already applied it through the media port.
//!     if let StackEvent::MediaNegotiated { media, .. } = event {
//!         println!("media: {media}");
//!     }
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod auth;
mod config;
mod core;
mod driver;
pub mod event;
pub mod message;
pub mod resolver;
mod stats;
pub mod stun;
#[cfg(feature = "tls")]
mod tls;
pub mod transaction;
mod transport;

pub use crate::config::{
    CoreConfig, ReliableProvisional, SessionTimerConfig, SipConfig, SipConfigBuilder, StreamLimits,
    TlsConfig, DEFAULT_MAX_CALLS, DEFAULT_MAX_MESSAGE_SIZE,
};
pub use crate::core::cause_map;
pub use crate::core::cause_map::{cause_for_status, status_for_cause};
pub use crate::core::SipCore;
pub use crate::driver::{LocalAddrs, SipStack};
pub use crate::stats::TransportStats;
#[cfg(feature = "tls")]
pub use crate::tls::TlsSetupError;
pub use crate::transport::{ConnId, Transmit, TransportKind};
pub use transaction::TimerConfig;
