//! RTP and RTCP (RFC 3550): packet codec, receive statistics, RTCP compound
//! packets (with RFC 3611 extended reports) and the sans-IO per-call session.

pub mod packet;
pub mod rtcp;
pub mod session;
pub mod stats;
pub mod xr;

pub use packet::{write_header, write_packet, RtpError, RtpHeader, RtpPacket};
pub use session::{RtpSession, RtpVerdict, SessionConfig, SessionEvent, SessionStats};
