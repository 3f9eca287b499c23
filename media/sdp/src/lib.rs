//! # openphone-sdp — the Session Description Protocol
//!
//! SDP (RFC 8866, which obsoletes RFC 4566) as a typed model, a parser and a
//! printer, with no dependency on the rest of OpenPhone, so that every
//! signalling stack that carries SDP (SIP today, MGCP later) can use it
//! without the media engine.
//!
//! - [`SessionDescription::parse`] turns a body into the model. It is
//!   tolerant where real devices differ harmlessly (LF-only line ends, blank
//!   lines, trailing spaces, non-UTF-8 free text) and strict where meaning is
//!   at stake (line order, numeric fields, unknown line types). It is bounded
//!   by the `MAX_*` limits and never panics.
//! - `Display` prints the model back with CRLF line ends; whatever parses
//!   prints to text that parses to the same model.
//! - Fields offer/answer needs are typed ([`MediaDescription::rtpmap`],
//!   [`MediaDescription::direction`], [`RtcpAttr`]…); everything else is kept
//!   verbatim.
//! - [`static_payload_type`] is RFC 3551's table of static payload types.
//!
//! Offer/answer itself (RFC 3264) works on a protocol-neutral media offer and
//! lives with the media engine (`openphone_media::sdp`).
//!
//! # Example
//!
//! ```
//! use openphone_sdp::{Attribute, Direction, SessionDescription};
//!
//! // A peer's offer, as it arrives in an INVITE body (LF-only ends are fine).
//! let body = b"v=0\n\
//!     o=alice 2890844526 2890844526 IN IP4 192.0.2.1\n\
//!     s=-\n\
//!     c=IN IP4 192.0.2.1\n\
//!     t=0 0\n\
//!     m=audio 49170 RTP/AVP 0 8 97 101\n\
//!     a=rtpmap:97 iLBC/8000\n\
//!     a=rtpmap:101 telephone-event/8000\n\
//!     a=fmtp:101 0-15\n\
//!     a=sendonly\n";
//! let mut sd = SessionDescription::parse(body)?;
//!
//! let audio = &sd.media[0];
//! assert_eq!((audio.media.as_str(), audio.port), ("audio", 49170));
//! assert_eq!(audio.formats, ["0", "8", "97", "101"]);
//! assert_eq!(audio.rtpmap(97).map(|m| m.encoding), Some("iLBC".to_string()));
//! assert_eq!(audio.fmtp("101").as_deref(), Some("0-15"));
//! assert_eq!(audio.direction(), Some(Direction::SendOnly));
//! // Type 8 has no rtpmap: RFC 3551's static table says what it is.
//! assert_eq!(openphone_sdp::static_payload_type(8), Some(("PCMA", 8000, 1)));
//!
//! // Edit and print: CRLF line ends, RFC 8866 order.
//! sd.origin.session_version += 1;
//! sd.media[0].attributes.push(Attribute::value("ptime", "20"));
//! let text = sd.to_string();
//! assert!(text.starts_with("v=0\r\no=alice 2890844526 2890844527 IN IP4 192.0.2.1\r\n"));
//! assert!(text.ends_with("a=sendonly\r\na=ptime:20\r\n"));
//! assert_eq!(SessionDescription::parse(text.as_bytes())?, sd);
//! # Ok::<(), openphone_sdp::SdpError>(())
//! ```
#![warn(missing_docs)]

mod attributes;
#[cfg(feature = "sal")]
mod convert;
mod direction;
mod error;
mod model;
mod parse;
mod print;
mod static_pt;

pub use attributes::{parse_payload_type, Fmtp, RtcpAttr, RtpMap};
#[cfg(feature = "sal")]
pub use convert::{
    description_from_sdp, description_from_sdp_with, media_direction, sdp_answer_for,
    sdp_direction, sdp_from_description, SdpOrigin,
};
pub use direction::Direction;
pub use error::SdpError;
pub use model::{
    addr_type_of, Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription,
    Timing,
};
pub use parse::{MAX_ATTRIBUTES, MAX_FORMATS, MAX_LINES, MAX_MEDIA, MAX_SDP_BYTES};
pub use static_pt::{is_static, static_payload_type};

// The README's example is compiled and run with the doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
