//! # OpenPhone — an embeddable telephony SDK
//!
//! One call API ([`Phone`], [`Call`], [`PhoneEvent`]) over pluggable
//! signalling stacks, a media engine (RTP/RTCP, jitter buffer, codecs, DTMF)
//! and audio drivers. Pick protocols with Cargo features:
//!
//! | feature | what it adds |
//! |---|---|
//! | `sip` (default) | the SIP stack: [`sip::SipStack`] |
//! | `wav` (default) | WAV file audio source and sink in [`hal`] |
//! | `opus`, `speex` | those codecs in the media engine |
//! | `mgcp` | the MGCP stack, the `mgcp` module: messages, transactions, the call agent, and the endpoint role `mgcp::MgcpStack` (the phone as an MGCP line, scheme `mgcp:`) |
//! | `h323` | the H.323 stack's foundation, the `h323` module: H.225.0/H.245 PER types, TPKT, Q.931, Q.850 causes (no `Stack` yet: `h323:` calls still answer `NoStackForScheme`) |
//! | `tls` | SIP over TLS in the SIP stack: `sips:` URIs, `;transport=tls`, a TLS listener (rustls) |
//! | `alsa` | ALSA sound cards in `hal::alsa` (capture, playback, device list; Linux, links libasound) |
//! | `zrtp` | reserved: ZRTP is in `media::zrtp` but not yet wired into calls |
//!
//! ```no_run
//! use openphone::{media::{Engine, EngineConfig}, sip::{SipConfig, SipStack}, Phone, PhoneEvent};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let phone = Phone::builder()
//!     .stack(SipStack::new(SipConfig::default()))
//!     .media_engine(Engine::new(EngineConfig::builder().build()?))
//!     .build()
//!     .await?;
//! let call = phone.call("sip:bob@127.0.0.1:5062")?;
//! while let Some(event) = phone.next_event().await {
//!     if let PhoneEvent::CallEnded { call: id, reason } = event {
//!         if id == call.id() { println!("ended: {reason}"); break; }
//!     }
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub use openphone_sal::*;

/// Audio devices and drivers (re-export of `openphone-hal`).
pub mod hal {
    pub use openphone_hal::*;
}

/// The media engine: RTP, codecs, jitter buffer, SDP (re-export of
/// `openphone-media`), and the protocol-neutral offer/answer of the SAL.
pub mod media {
    pub use openphone_media::*;
    pub use openphone_sal::media::negotiate;
}

/// The SIP stack (re-export of `openphone-sip`).
#[cfg(feature = "sip")]
pub mod sip {
    pub use openphone_sip::*;
}

/// The MGCP stack (re-export of `openphone-mgcp`).
#[cfg(feature = "mgcp")]
pub mod mgcp {
    pub use openphone_mgcp::*;
}

/// The H.323 stack's foundation (re-export of `openphone-h323`).
#[cfg(feature = "h323")]
pub mod h323 {
    pub use openphone_h323::*;
}

/// The README's embedding example, compiled as a doc test so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
