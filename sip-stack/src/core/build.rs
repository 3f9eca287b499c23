//! Serializing outgoing requests and responses.
//!
//! The core keeps outgoing requests as an [`OutRequest`] (header values already
//! rendered as text) so that a request can be re-sent with new credentials or a new
//! CSeq, and a CANCEL or ACK can be derived from it (RFC 3261 §9.1, §17.1.1.3).

use std::fmt::Write as _;

use super::view::InRequest;

/// An outgoing request before its Via is added.
#[derive(Debug, Clone)]
pub(crate) struct OutRequest {
    pub method: String,
    pub uri: String,
    pub from: String,
    pub to: String,
    pub call_id: String,
    pub cseq: u32,
    pub route: Vec<String>,
    pub contact: Option<String>,
    pub extra: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl OutRequest {
    /// Wire form with the given Via and authorization headers.
    pub(crate) fn render(
        &self,
        via: &str,
        user_agent: &str,
        auth: &[(&'static str, String)],
    ) -> Vec<u8> {
        self.render_as(&self.method, self.cseq, via, user_agent, auth, true)
    }

    /// Wire form with another method (CANCEL/ACK share most fields).
    pub(crate) fn render_as(
        &self,
        method: &str,
        cseq: u32,
        via: &str,
        user_agent: &str,
        auth: &[(&'static str, String)],
        with_body: bool,
    ) -> Vec<u8> {
        let mut s = String::with_capacity(512 + self.body.len());
        let _ = write!(s, "{method} {} SIP/2.0\r\n", self.uri);
        let _ = write!(s, "Via: {via}\r\n");
        s.push_str("Max-Forwards: 70\r\n");
        for r in &self.route {
            let _ = write!(s, "Route: {r}\r\n");
        }
        let _ = write!(s, "From: {}\r\n", self.from);
        let _ = write!(s, "To: {}\r\n", self.to);
        let _ = write!(s, "Call-ID: {}\r\n", self.call_id);
        let _ = write!(s, "CSeq: {cseq} {method}\r\n");
        if method != "CANCEL" && method != "ACK" {
            if let Some(c) = &self.contact {
                let _ = write!(s, "Contact: {c}\r\n");
            }
            for (n, v) in &self.extra {
                let _ = write!(s, "{n}: {v}\r\n");
            }
        }
        for (n, v) in auth {
            let _ = write!(s, "{n}: {v}\r\n");
        }
        if !user_agent.is_empty() {
            let _ = write!(s, "User-Agent: {user_agent}\r\n");
        }
        let body: &[u8] = if with_body { &self.body } else { &[] };
        if !body.is_empty() {
            if let Some(ct) = &self.content_type {
                let _ = write!(s, "Content-Type: {ct}\r\n");
            }
        }
        let _ = write!(s, "Content-Length: {}\r\n\r\n", body.len());
        let mut out = s.into_bytes();
        out.extend_from_slice(body);
        out
    }
}

/// Standard reason phrases.
pub(crate) fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        302 => "Moved Temporarily",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "Version Not Supported",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => match code / 100 {
            1 => "Progress",
            2 => "OK",
            3 => "Redirect",
            4 => "Request Failure",
            5 => "Server Failure",
            _ => "Global Failure",
        },
    }
}

/// The parts of a request a response must echo (§8.2.6.2), as text.
#[derive(Debug, Clone)]
pub(crate) struct Echo {
    pub vias: Vec<String>,
    pub from: String,
    pub to: String,
    pub call_id: String,
    pub cseq: String,
}

impl Echo {
    pub(crate) fn of(req: &InRequest) -> Echo {
        Echo {
            vias: req.vias.iter().map(|v| v.to_string()).collect(),
            from: req.from_raw.clone(),
            to: req.to_raw.clone(),
            call_id: req.call_id.clone(),
            cseq: format!("{} {}", req.cseq, req.cseq_method),
        }
    }
}

/// Builds a response. `to_tag` is appended to To unless it already has a tag.
pub(crate) fn response(
    echo: &Echo,
    code: u16,
    to_tag: Option<&str>,
    server: &str,
    extra: &[(&str, String)],
    body: Option<(&str, &[u8])>,
) -> Vec<u8> {
    let mut s = String::with_capacity(512);
    let _ = write!(s, "SIP/2.0 {code} {}\r\n", reason_phrase(code));
    for v in &echo.vias {
        let _ = write!(s, "Via: {v}\r\n");
    }
    let _ = write!(s, "From: {}\r\n", echo.from);
    match to_tag {
        Some(t) if code > 100 && !has_tag(&echo.to) => {
            let _ = write!(s, "To: {};tag={t}\r\n", echo.to);
        }
        _ => {
            let _ = write!(s, "To: {}\r\n", echo.to);
        }
    }
    let _ = write!(s, "Call-ID: {}\r\n", echo.call_id);
    let _ = write!(s, "CSeq: {}\r\n", echo.cseq);
    for (n, v) in extra {
        let _ = write!(s, "{n}: {v}\r\n");
    }
    if !server.is_empty() {
        let _ = write!(s, "Server: {server}\r\n");
    }
    let body = body.unwrap_or(("", &[]));
    if !body.1.is_empty() {
        let _ = write!(s, "Content-Type: {}\r\n", body.0);
    }
    let _ = write!(s, "Content-Length: {}\r\n\r\n", body.1.len());
    let mut out = s.into_bytes();
    out.extend_from_slice(body.1);
    out
}

/// An error response from a partially parsed request: echoes what is present.
pub(crate) fn response_partial(echo: &Echo, code: u16, server: &str) -> Vec<u8> {
    let mut s = String::with_capacity(256);
    let _ = write!(s, "SIP/2.0 {code} {}\r\n", reason_phrase(code));
    for v in &echo.vias {
        let _ = write!(s, "Via: {v}\r\n");
    }
    for (n, v) in [
        ("From", &echo.from),
        ("To", &echo.to),
        ("Call-ID", &echo.call_id),
        ("CSeq", &echo.cseq),
    ] {
        if !v.is_empty() {
            let _ = write!(s, "{n}: {v}\r\n");
        }
    }
    if !server.is_empty() {
        let _ = write!(s, "Server: {server}\r\n");
    }
    s.push_str("Content-Length: 0\r\n\r\n");
    s.into_bytes()
}

/// Whether a To/From value text carries a `tag` parameter (outside `<>`).
pub(crate) fn has_tag(value: &str) -> bool {
    let params = match value.rfind('>') {
        Some(i) => value.get(i..).unwrap_or(""),
        None => value,
    };
    params
        .split(';')
        .skip(1)
        .any(|p| p.trim().to_ascii_lowercase().starts_with("tag="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_detection() {
        assert!(has_tag("<sip:a@b>;tag=1"));
        assert!(!has_tag("<sip:a@b;tag=1>"));
        assert!(has_tag("sip:a@b;TAG=1"));
        assert!(!has_tag("\"x;tag=1\" <sip:a@b>"));
    }

    #[test]
    fn renders_request_with_content_length() {
        let r = OutRequest {
            method: "MESSAGE".into(),
            uri: "sip:b@h".into(),
            from: "<sip:a@h>;tag=x".into(),
            to: "<sip:b@h>".into(),
            call_id: "c".into(),
            cseq: 3,
            route: vec!["<sip:p;lr>".into()],
            contact: None,
            extra: vec![],
            content_type: Some("text/plain".into()),
            body: b"hi".to_vec(),
        };
        let s = String::from_utf8(r.render("SIP/2.0/UDP h;branch=z9hG4bKx", "ua", &[])).unwrap();
        assert!(s.starts_with("MESSAGE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"));
        assert!(s.contains("Route: <sip:p;lr>\r\n"));
        assert!(s.contains("CSeq: 3 MESSAGE\r\n"));
        assert!(s.ends_with("Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"));
    }
}
