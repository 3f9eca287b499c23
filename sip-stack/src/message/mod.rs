//! The SIP message layer: typed parser and printer for RFC 3261 messages.
//!
//! * [`SipMessage::parse_datagram`] parses a UDP datagram; [`StreamFramer`]
//!   and [`parse_stream`] frame TCP/TLS byte streams by Content-Length.
//! * [`MessageView::parse`] accepts and rejects exactly what
//!   `parse_datagram` does, but builds no typed tree: header values stay
//!   slices of the datagram (about 2× less work; what the UA core uses).
//! * Header fields the stack relies on are parsed into typed values
//!   ([`Via`], [`NameAddr`], [`CSeq`], ...) once, at parse time; any other
//!   header is kept verbatim as [`Header::Other`].
//! * Printing ([`Request::to_bytes`], `Display`) emits long header names and
//!   always recomputes Content-Length from the body.
//! * Errors carry the status code to answer with
//!   ([`ParseError::response_code`]) and what parsed of a bad request
//!   ([`ParseError::partial_request`]), so a 400 can still be sent.
//!
//! Parsing follows RFC 3261's ABNF strictly where RFC 4475 allows a choice
//! (extra spaces in the request line, `<>` around a Request-URI, headers
//! in a Request-URI, unquoted display names with commas, a bad Date are
//! all rejected with 400). Unknown URI schemes are *not* errors: they
//! parse as [`Uri::Other`] and the stack answers 416.
//!
//! ```
//! use openphone_sip::message::*;
//!
//! let raw = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
//! v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
//! Max-Forwards: 70\r\n\
//! t: Bob <sip:bob@biloxi.example.com>\r\n\
//! f: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
//! i: a84b4c76e66710@pc33.atlanta.example.com\r\n\
//! CSeq: 314159 INVITE\r\n\
//! X-Custom:  kept   verbatim\r\n\
//! c: application/sdp\r\n\
//! l: 5\r\n\r\nv=0\r\n";
//! let msg = SipMessage::parse_datagram(raw).unwrap();
//! let req = msg.as_request().unwrap();
//! assert_eq!(req.method, Method::Invite);
//! assert_eq!(req.headers.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
//! assert_eq!(req.headers.from().unwrap().tag(), Some("1928301774"));
//! assert_eq!(req.headers.get_raw("x-custom"), Some(&b"kept   verbatim"[..]));
//! assert_eq!(&req.body[..], b"v=0\r\n");
//!
//! let text = String::from_utf8(req.to_bytes()).unwrap();
//! assert!(text.starts_with("INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP"));
//! assert!(text.contains("\r\nContent-Length: 5\r\n"));
//! assert_eq!(SipMessage::parse_datagram(text.as_bytes()).unwrap(), msg);
//! ```

mod error;
mod folded;
mod framing;
mod headers;
mod method;
mod name_addr;
mod params;
mod parse;
mod print;
mod scan;
mod sip_message;
mod uri;
mod view;

pub use error::{ParseError, ParseErrorKind, PartialRequest};
pub use framing::StreamFramer;
pub use headers::{
    CSeq, CallId, Challenge, Contact, Credentials, Event, Header, HeaderKind, Headers, MediaType,
    RetryAfter, SipDate, Transport, Via,
};
pub use method::{InvalidMethod, Method};
pub use name_addr::NameAddr;
pub use params::{unquote, Param, Params};
pub use parse::{parse_stream, ParseLimits};
pub use sip_message::{Request, Response, SipMessage, ValidationError};
pub use uri::{Host, HostPort, SipUri, Uri, UriError};
pub use view::{FieldView, MessageView, StartLineView};

#[cfg(test)]
mod robustness;
