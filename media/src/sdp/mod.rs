//! SDP (RFC 8866, formerly RFC 4566) and the offer/answer model (RFC 3264).
//!
//! - The model, parser and printer are the `openphone-sdp` crate, re-exported
//!   here whole: [`SessionDescription::parse`] turns a body into a typed
//!   model, and `Display` prints it back with CRLF line ends.
//! - [`offer_from_sdp`] extracts the audio stream as a protocol-neutral
//!   [`MediaOffer`](openphone_sal::MediaOffer); [`sdp_from_offer`] and
//!   [`sdp_answer_for`] write ours.
//! - [`answer`] answers a peer's offer; [`complete`] finishes our own offer
//!   with the peer's answer. Both give a
//!   [`NegotiatedMedia`](openphone_sal::NegotiatedMedia) for the media engine.
//!
//! SIP and MGCP both carry SDP, so it lives outside the stacks: the
//! description itself in `openphone-sdp` (no media engine needed), the
//! conversion to and from [`MediaOffer`](openphone_sal::MediaOffer) and the
//! negotiation here.
//!
//! # Offer/answer example
//!
//! ```
//! use openphone_media::sdp::{self, SdpOrigin, SessionDescription};
//! use openphone_sal::{CodecDescriptor, MediaDirection, MediaOffer};
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
//! let remote = sdp::offer_from_sdp(&SessionDescription::parse(body)?)?;
//! assert_eq!(remote.codecs[1].encoding, "PCMA"); // static type 8, no rtpmap needed
//!
//! // What we support, in our order of preference.
//! let local = MediaOffer::new("192.0.2.2:30000".parse().unwrap())
//!     .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
//!     .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
//!     .with_codec(CodecDescriptor::new(100, "telephone-event", 8000).with_fmtp("0-16"));
//!
//! let (our_answer, media) = sdp::answer(&local, &remote).expect("488 otherwise");
//! // The offer's order and numbers are kept; the peer is sendonly, so we receive only.
//! assert_eq!(media.send_codec.encoding, "PCMU");
//! assert_eq!(media.send_telephone_event, Some(101));
//! assert_eq!(media.direction, MediaDirection::RecvOnly);
//!
//! let origin = SdpOrigin {
//!     username: "-".into(), session_id: 42, session_version: 1,
//!     address: "192.0.2.2".parse().unwrap(),
//! };
//! let text = sdp::sdp_from_offer(&our_answer, &origin).to_string();
//! assert!(text.contains("m=audio 30000 RTP/AVP 0 8 101\r\n"));
//! assert!(text.contains("a=recvonly\r\n"));
//!
//! // The offerer completes with our answer and sends PCMU too.
//! let back = sdp::offer_from_sdp(&SessionDescription::parse(text.as_bytes())?)?;
//! let their_side = sdp::complete(&remote, &back).unwrap();
//! assert_eq!(their_side.send_codec.encoding, "PCMU");
//! assert_eq!(their_side.direction, MediaDirection::SendOnly);
//! # Ok::<(), openphone_media::sdp::SdpError>(())
//! ```

mod convert;
mod negotiate;

pub use convert::{
    audio_index, direction_name, offer_from_sdp, offer_from_sdp_with, sdp_answer_for,
    sdp_from_offer, SdpOrigin,
};
pub use negotiate::{answer, complete, intersect, NegotiationError, DEFAULT_PTIME};
pub use openphone_sdp::*;
