//! Parse errors, and what was salvaged so the stack can still answer 400.

use super::headers::{Header, Headers};
use super::method::Method;
use super::sip_message::Response;
use super::uri::Uri;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Nothing but whitespace/CRLF.
    #[error("empty message")]
    Empty,
    /// The header section has no terminating empty line.
    #[error("header section not terminated by an empty line")]
    Unterminated,
    /// Start line malformed.
    #[error("malformed start line: {0}")]
    StartLine(&'static str),
    /// Request-URI malformed.
    #[error("invalid Request-URI: {0}")]
    RequestUri(&'static str),
    /// A SIP version other than 2.0.
    #[error("unsupported SIP version {0:?}")]
    Version(String),
    /// Status code not in 100..=699.
    #[error("invalid status code")]
    StatusCode,
    /// A header line without a valid name and colon, or with bare CR/LF.
    #[error("malformed header line: {0}")]
    HeaderLine(&'static str),
    /// A header value that the typed parser rejected.
    #[error("invalid {name} header: {reason}")]
    Header {
        /// Canonical header name.
        name: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// CSeq method differs from the request method.
    #[error("CSeq method does not match the request method")]
    CSeqMismatch,
    /// Content-Length larger than the data that followed.
    #[error("Content-Length {declared} exceeds the {available} body octets available")]
    BodyTruncated {
        /// Declared length.
        declared: u32,
        /// Octets present.
        available: usize,
    },
    /// Stream transport without Content-Length.
    #[error("Content-Length is required on stream transports")]
    MissingContentLength,
    /// Differing Content-Length values on a stream: framing is lost.
    #[error("conflicting Content-Length values")]
    ConflictingContentLength,
    /// More header lines than the configured limit.
    #[error("too many header fields")]
    TooManyHeaders,
    /// Message or header line larger than the configured limit.
    #[error("message exceeds the size limit")]
    TooLarge,
}

/// A message that could not be parsed.
///
/// ```
/// use openphone_sip::message::SipMessage;
/// let raw = b"INVITE sip:bob@example.com SIP/2.0\r\n\
///     Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
///     From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n\
///     Call-ID: abc\r\nCSeq: 99999999999 INVITE\r\nContent-Length: 0\r\n\r\n";
/// let err = SipMessage::parse_datagram(raw).unwrap_err();
/// assert_eq!(err.response_code(), 400);
/// assert_eq!(err.header_name(), Some("CSeq"));
/// // Via/From/To/Call-ID parsed, but without a CSeq no response can be built.
/// assert!(err.partial_request().unwrap().error_response(400, "Bad Request").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    kind: ParseErrorKind,
    partial: Option<Box<PartialRequest>>,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind) -> Self {
        ParseError {
            kind,
            partial: None,
        }
    }

    pub(crate) fn with_partial(mut self, p: PartialRequest) -> Self {
        self.partial = Some(Box::new(p));
        self
    }

    /// The error kind.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The status code a UAS should answer a request with: 505 for an
    /// unsupported SIP version, 400 otherwise. Responses that fail to
    /// parse are simply dropped.
    pub fn response_code(&self) -> u16 {
        match self.kind {
            ParseErrorKind::Version(_) => 505,
            _ => 400,
        }
    }

    /// Canonical name of the header that failed, if a header failed.
    pub fn header_name(&self) -> Option<&'static str> {
        match self.kind {
            ParseErrorKind::Header { name, .. } => Some(name),
            ParseErrorKind::CSeqMismatch => Some("CSeq"),
            ParseErrorKind::BodyTruncated { .. }
            | ParseErrorKind::MissingContentLength
            | ParseErrorKind::ConflictingContentLength => Some("Content-Length"),
            _ => None,
        }
    }

    /// A reason phrase naming the problem, e.g. `Bad Request (invalid CSeq header)`.
    pub fn reason_phrase(&self) -> String {
        let base = if self.response_code() == 505 {
            "Version Not Supported"
        } else {
            "Bad Request"
        };
        match self.header_name() {
            Some(h) => format!("{base} (invalid {h} header)"),
            None => base.to_owned(),
        }
    }

    /// A `Warning: 399 <agent> "<what failed>"` header (RFC 3261 §20.43)
    /// to put in the 400 so the peer sees which element was refused.
    ///
    /// ```
    /// use openphone_sip::message::SipMessage;
    /// let e = SipMessage::parse_datagram(b"OPTIONS sip:a@b SIP/2.0\r\nMax-Forwards: 300\r\n\r\n").unwrap_err();
    /// assert_eq!(e.warning("pbx.example.com").to_string(),
    ///     "Warning: 399 pbx.example.com \"invalid Max-Forwards header: Max-Forwards above 255\"");
    /// ```
    pub fn warning(&self, agent: &str) -> Header {
        let mut v = format!("399 {agent} ");
        let _ = super::scan::write_quoted(&mut v, &self.kind.to_string());
        Header::other("Warning", &v)
    }

    /// What was salvaged from a request that failed to parse.
    pub fn partial_request(&self) -> Option<&PartialRequest> {
        self.partial.as_deref()
    }

    /// Whether a stream connection must be closed: framing can no longer
    /// be trusted (RFC 3261 §18.3, RFC 4475 §3.1.2.3).
    pub fn breaks_framing(&self) -> bool {
        matches!(
            self.kind,
            ParseErrorKind::Header {
                name: "Content-Length",
                ..
            } | ParseErrorKind::MissingContentLength
                | ParseErrorKind::ConflictingContentLength
                | ParseErrorKind::TooLarge
                | ParseErrorKind::TooManyHeaders
                | ParseErrorKind::Unterminated
        )
    }
}

impl From<ParseErrorKind> for ParseError {
    fn from(kind: ParseErrorKind) -> Self {
        ParseError::new(kind)
    }
}

/// The parts of a rejected request that did parse: enough, when Via,
/// From, To, Call-ID and CSeq survived, to send the 400/505 back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialRequest {
    /// Request method, if the request line got that far.
    pub method: Method,
    /// Request-URI if it parsed.
    pub uri: Option<Uri>,
    /// Header fields that parsed (the bad ones are left out).
    pub headers: Headers,
}

impl PartialRequest {
    /// Builds an error response per RFC 3261 §8.2.6 when Via, From, To,
    /// Call-ID and CSeq are all available; `None` otherwise (and for ACK,
    /// which is never answered).
    pub fn error_response(&self, status: u16, reason: &str) -> Option<Response> {
        if self.method == Method::Ack {
            return None;
        }
        let h = &self.headers;
        h.top_via()?;
        h.from()?;
        h.to()?;
        h.call_id()?;
        h.cseq()?;
        let mut out = Headers::with_capacity(8);
        for hd in h.iter() {
            if matches!(hd, Header::Via(_)) {
                out.push(hd.clone());
            }
        }
        for hd in h.iter() {
            if matches!(
                hd,
                Header::From(_) | Header::To(_) | Header::CallId(_) | Header::CSeq(_)
            ) && out.count(hd.name()) == 0
            {
                out.push(hd.clone());
            }
        }
        Some(Response::new(status, reason, out))
    }
}
