//! SDP (RFC 8866, formerly RFC 4566), re-exported from `openphone-sdp`,
//! with its conversion to and from the SAL's protocol-neutral media model.
//!
//! - [`SessionDescription::parse`] turns a body into a typed model, and
//!   `Display` prints it back with CRLF line ends.
//! - [`description_from_sdp`] reads a peer's description into the SAL's
//!   [`MediaDescription`](openphone_sal::MediaDescription);
//!   [`sdp_from_description`] and [`sdp_answer_for`] write ours.
//! - Offer/answer itself works on the neutral model:
//!   [`openphone_sal::media::negotiate`].

pub use openphone_sdp::*;
