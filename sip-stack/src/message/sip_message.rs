//! Requests, responses and the UA conveniences built on them.

use bytes::Bytes;

use super::headers::{CSeq, CallId, Header, Headers, Via};
use super::method::Method;
use super::uri::Uri;

/// A SIP request.
///
/// ```
/// use openphone_sip::message::*;
/// let uri: Uri = "sip:bob@biloxi.example.com".parse().unwrap();
/// let mut req = Request::new(Method::Options, uri);
/// req.headers.push(Header::Via(Via::new(Transport::Udp, Host::Domain("pc33.example.com".into()), None, "z9hG4bK74bf9")));
/// req.headers.push(Header::MaxForwards(70));
/// req.headers.push(Header::From(NameAddr::parse("<sip:alice@atlanta.example.com>;tag=9fxced76sl").unwrap()));
/// req.headers.push(Header::To(NameAddr::parse("<sip:bob@biloxi.example.com>").unwrap()));
/// req.headers.push(Header::CallId(CallId("3848276298220188511@atlanta.example.com".into())));
/// req.headers.push(Header::CSeq(CSeq { seq: 63104, method: Method::Options }));
/// let bytes = req.to_bytes();
/// let back = SipMessage::parse_datagram(&bytes).unwrap();
/// assert_eq!(back.as_request().unwrap().headers.cseq().unwrap().seq, 63104);
/// assert!(String::from_utf8_lossy(&bytes).ends_with("Content-Length: 0\r\n\r\n"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Request-URI.
    pub uri: Uri,
    /// Header fields in order.
    pub headers: Headers,
    /// Body (Content-Length is derived from it when printing).
    pub body: Bytes,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, 100..=699.
    pub status: u16,
    /// Reason phrase (may be empty).
    pub reason: String,
    /// Header fields in order.
    pub headers: Headers,
    /// Body.
    pub body: Bytes,
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SipMessage {
    /// Request.
    Request(Request),
    /// Response.
    Response(Response),
}

/// A semantic problem found by [`Request::validate`] (RFC 3261 §8.2,
/// RFC 4475 §3.3): the message parsed but must be refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A mandatory header is absent.
    #[error("missing mandatory {0} header")]
    Missing(&'static str),
    /// A header that must appear once appears several times.
    #[error("{0} header appears more than once")]
    Duplicate(&'static str),
}

impl ValidationError {
    /// Status code to answer with (always 400).
    pub fn response_code(&self) -> u16 {
        400
    }
}

/// Headers that must appear at most once (RFC 3261 §7.3.1: those whose
/// grammar is not a comma-separated list).
const SINGLE: [&str; 8] = [
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Max-Forwards",
    "Content-Length",
    "Content-Type",
    "Expires",
];

impl Request {
    /// A request with no headers and an empty body.
    pub fn new(method: Method, uri: Uri) -> Self {
        Request {
            method,
            uri,
            headers: Headers::new(),
            body: Bytes::new(),
        }
    }

    /// Checks what RFC 3261 §8.1.1 requires of every request (Via, From,
    /// To, Call-ID, CSeq, Max-Forwards) and that single-valued headers are
    /// not repeated (RFC 4475 §3.3.1, §3.3.8, §3.3.9).
    pub fn validate(&self) -> Result<(), ValidationError> {
        let h = &self.headers;
        for name in ["Via", "From", "To", "Call-ID", "CSeq", "Max-Forwards"] {
            if h.get(name).is_none() {
                return Err(ValidationError::Missing(name));
            }
        }
        check_single(h)
    }

    /// A response to this request per RFC 3261 §8.2.6: copies Via (all,
    /// in order), From, To, Call-ID and CSeq. Add a To tag with
    /// [`Response::with_to_tag`] when the response needs one.
    pub fn response(&self, status: u16, reason: &str) -> Response {
        Response::for_request(self, status, reason)
    }

    /// Serializes to wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        super::print::request_bytes(self)
    }

    /// Sets the body and Content-Type together.
    pub fn set_body(&mut self, content_type: super::headers::MediaType, body: Bytes) {
        self.headers.replace(Header::ContentType(content_type));
        self.body = body;
    }

    /// Call-ID, From tag and To tag, the dialog identifiers.
    pub fn call_id(&self) -> Option<&CallId> {
        self.headers.call_id()
    }

    /// CSeq.
    pub fn cseq(&self) -> Option<&CSeq> {
        self.headers.cseq()
    }

    /// Topmost Via.
    pub fn top_via(&self) -> Option<&Via> {
        self.headers.top_via()
    }
}

fn check_single(h: &Headers) -> Result<(), ValidationError> {
    for name in SINGLE {
        if h.count(name) > 1 {
            return Err(ValidationError::Duplicate(name));
        }
    }
    Ok(())
}

impl Response {
    /// A response with the given headers and no body.
    pub fn new(status: u16, reason: &str, headers: Headers) -> Self {
        Response {
            status,
            reason: reason.to_owned(),
            headers,
            body: Bytes::new(),
        }
    }

    /// RFC 3261 §8.2.6.2: same Via values in order, From, To, Call-ID,
    /// CSeq copied from the request.
    ///
    /// ```
    /// use openphone_sip::message::*;
    /// let raw = b"INVITE sip:bob@biloxi.com SIP/2.0\r\n\
    /// Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n\
    /// Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.com>\r\n\
    /// From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
    /// Call-ID: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 INVITE\r\n\
    /// Contact: <sip:alice@pc33.atlanta.com>\r\nContent-Length: 0\r\n\r\n";
    /// let req = SipMessage::parse_datagram(raw).unwrap().into_request().unwrap();
    /// let resp = Response::for_request(&req, 180, "Ringing").with_to_tag("a6c85cf");
    /// assert_eq!(resp.headers.to().unwrap().tag(), Some("a6c85cf"));
    /// assert_eq!(resp.headers.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
    /// ```
    pub fn for_request(req: &Request, status: u16, reason: &str) -> Self {
        let mut out = Headers::with_capacity(8);
        for h in req.headers.iter() {
            if matches!(h, Header::Via(_)) {
                out.push(h.clone());
            }
        }
        if let Some(f) = req.headers.from() {
            out.push(Header::From(f.clone()));
        }
        if let Some(t) = req.headers.to() {
            out.push(Header::To(t.clone()));
        }
        if let Some(c) = req.headers.call_id() {
            out.push(Header::CallId(c.clone()));
        }
        if let Some(c) = req.headers.cseq() {
            out.push(Header::CSeq(c.clone()));
        }
        Response::new(status, reason, out)
    }

    /// Adds a To tag unless one is present (RFC 3261 §8.2.6.2).
    pub fn with_to_tag(mut self, tag: &str) -> Self {
        if let Some(to) = self.headers.to_mut() {
            if to.tag().is_none() {
                to.set_tag(tag);
            }
        }
        self
    }

    /// The standard reason phrase for a status code (RFC 3261 §21).
    pub fn default_reason(status: u16) -> &'static str {
        super::print::default_reason(status)
    }

    /// Serializes to wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        super::print::response_bytes(self)
    }

    /// Status class: 1 for provisional ... 6 for global failure.
    pub fn class(&self) -> u16 {
        self.status / 100
    }

    /// Checks Via, From, To, Call-ID, CSeq are present and single-valued
    /// headers not repeated.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let h = &self.headers;
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            if h.get(name).is_none() {
                return Err(ValidationError::Missing(name));
            }
        }
        check_single(h)
    }
}

impl SipMessage {
    /// Headers of either kind.
    pub fn headers(&self) -> &Headers {
        match self {
            SipMessage::Request(r) => &r.headers,
            SipMessage::Response(r) => &r.headers,
        }
    }

    /// Mutable headers.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            SipMessage::Request(r) => &mut r.headers,
            SipMessage::Response(r) => &mut r.headers,
        }
    }

    /// Body.
    pub fn body(&self) -> &Bytes {
        match self {
            SipMessage::Request(r) => &r.body,
            SipMessage::Response(r) => &r.body,
        }
    }

    /// The request, if this is one.
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            SipMessage::Request(r) => Some(r),
            SipMessage::Response(_) => None,
        }
    }

    /// The response, if this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            SipMessage::Response(r) => Some(r),
            SipMessage::Request(_) => None,
        }
    }

    /// Into the request.
    pub fn into_request(self) -> Option<Request> {
        match self {
            SipMessage::Request(r) => Some(r),
            SipMessage::Response(_) => None,
        }
    }

    /// Into the response.
    pub fn into_response(self) -> Option<Response> {
        match self {
            SipMessage::Response(r) => Some(r),
            SipMessage::Request(_) => None,
        }
    }

    /// Serializes to wire format.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            SipMessage::Request(r) => r.to_bytes(),
            SipMessage::Response(r) => r.to_bytes(),
        }
    }
}

impl From<Request> for SipMessage {
    fn from(r: Request) -> Self {
        SipMessage::Request(r)
    }
}

impl From<Response> for SipMessage {
    fn from(r: Response) -> Self {
        SipMessage::Response(r)
    }
}
