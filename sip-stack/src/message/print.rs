//! Serialization. Header names are printed in their long form, one value
//! per line for Via/Contact/Route/Record-Route, and Content-Length is
//! always recomputed from the body.

use std::fmt;
use std::io::Write;

use super::headers::{Header, Headers};
use super::sip_message::{Request, Response, SipMessage};

fn write_headers(out: &mut Vec<u8>, headers: &Headers, body_len: usize) {
    let mut wrote_cl = false;
    for h in headers.iter() {
        if let Header::ContentLength(_) = h {
            if !wrote_cl {
                let _ = write!(out, "Content-Length: {body_len}\r\n");
                wrote_cl = true;
            }
            continue;
        }
        out.extend_from_slice(h.name().as_bytes());
        out.extend_from_slice(b": ");
        h.write_value(out);
        out.extend_from_slice(b"\r\n");
    }
    if !wrote_cl {
        let _ = write!(out, "Content-Length: {body_len}\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

pub(crate) fn request_bytes(r: &Request) -> Vec<u8> {
    let mut out = Vec::with_capacity(512 + r.body.len());
    let _ = write!(out, "{} {} SIP/2.0\r\n", r.method, r.uri);
    write_headers(&mut out, &r.headers, r.body.len());
    out.extend_from_slice(&r.body);
    out
}

pub(crate) fn response_bytes(r: &Response) -> Vec<u8> {
    let mut out = Vec::with_capacity(512 + r.body.len());
    // Reason-Phrase cannot hold CR/LF; drop them rather than break framing.
    let reason: String = r
        .reason
        .chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .collect();
    let _ = write!(out, "SIP/2.0 {} {}\r\n", r.status, reason);
    write_headers(&mut out, &r.headers, r.body.len());
    out.extend_from_slice(&r.body);
    out
}

impl fmt::Display for Request {
    /// Wire form; a non-UTF-8 body is shown lossily.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

impl fmt::Display for Response {
    /// Wire form; a non-UTF-8 body is shown lossily.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

impl fmt::Display for SipMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SipMessage::Request(r) => r.fmt(f),
            SipMessage::Response(r) => r.fmt(f),
        }
    }
}

/// RFC 3261 §21 reason phrases (plus 204/489/202 from extensions).
pub(crate) fn default_reason(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        204 => "No Notification",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => match status / 100 {
            1 => "Progress",
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            5 => "Server Error",
            _ => "Global Failure",
        },
    }
}
