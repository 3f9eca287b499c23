//! SDP (RFC 8866, formerly RFC 4566) and the offer/answer model (RFC 3264).
//!
//! - [`SessionDescription::parse`] turns a body into a typed model, and
//!   `Display` prints it back with CRLF line ends.
//! - [`description_from_sdp`] reads a peer's description into the SAL's
//!   protocol-neutral [`MediaDescription`](openphone_sal::MediaDescription);
//!   [`sdp_from_description`] and [`sdp_answer_for`] write ours.
//! - Offer/answer itself works on the neutral model:
//!   [`openphone_sal::media::negotiate`].
//!
//! SIP and MGCP both carry SDP, so it lives here rather than in a stack.
//!
mod attributes;
mod convert;
mod error;
mod model;
mod parse;
mod static_pt;

pub use attributes::{direction_name, Fmtp, RtcpAttr, RtpMap};
pub use convert::{
    description_from_sdp, description_from_sdp_with, sdp_answer_for, sdp_from_description,
    SdpOrigin,
};
pub use error::SdpError;
pub use model::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, Timing,
};
pub use parse::{MAX_ATTRIBUTES, MAX_FORMATS, MAX_LINES, MAX_MEDIA, MAX_SDP_BYTES};
pub use static_pt::{is_static, static_payload_type};
