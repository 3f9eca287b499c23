//! Protocol-neutral media: what a side offers, what was agreed, how it went.
//!
//! SIP and MGCP encode these as SDP (`openphone-sdp`), H.323 as H.245
//! capabilities and logical channels; the phone, the stacks and the media
//! engine all speak these types, and [`negotiate`] implements RFC 3264
//! offer/answer on them.

mod codec;
mod description;
mod direction;
mod loopback;
pub mod negotiate;
mod negotiated;
mod security;
mod stats;

pub use codec::CodecDescriptor;
pub use description::{
    Fingerprint, MediaDescription, MediaKind, RtpProfile, SdesCrypto, StreamDescription,
    StreamSecurity,
};
pub use direction::MediaDirection;
pub use loopback::MediaLoop;
pub use negotiated::{NegotiatedMedia, NegotiatedStream, RecvChannel, SdesKeys, SendChannel};
pub use security::{KeyExchange, MediaEncryption, SecureMedia, SecurityPolicy, SecurityState};
pub use stats::MediaStats;
