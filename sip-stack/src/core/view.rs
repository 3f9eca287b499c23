//! What the UA core reads from an incoming message: the header fields it acts on,
//! typed with the message layer's value parsers, plus the raw text it must echo.
//!
//! Extraction is strict where RFC 3261 requires exactly one value (From, To,
//! Call-ID, CSeq, Max-Forwards, Content-Length): duplicates make the request bad
//! (RFC 4475 §3.3.8).

use std::net::SocketAddr;

use crate::message::{CSeq, Method, NameAddr, Uri, Via};
use crate::transport::TransportKind;

/// Canonical (long) header name for a compact or any-case name.
pub(crate) fn canonical_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let long = match lower.as_str() {
        "i" => "call-id",
        "m" => "contact",
        "e" => "content-encoding",
        "l" => "content-length",
        "c" => "content-type",
        "f" => "from",
        "s" => "subject",
        "k" => "supported",
        "t" => "to",
        "v" => "via",
        "r" => "refer-to",
        "o" => "event",
        "u" => "allow-events",
        "b" => "referred-by",
        "x" => "session-expires",
        _ => return lower,
    };
    long.to_string()
}

/// Splits at top-level commas (outside quotes and `<>`).
pub(crate) fn split_commas(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut in_q, mut in_a, mut esc) = (false, false, false);
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if in_q {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_q = false;
            }
            continue;
        }
        match c {
            '"' => in_q = true,
            '<' => in_a = true,
            '>' => in_a = false,
            ',' if !in_a => {
                if let Some(p) = s.get(start..i) {
                    out.push(p.trim());
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if let Some(p) = s.get(start..) {
        out.push(p.trim());
    }
    out.retain(|p| !p.is_empty());
    out
}

/// Header fields of a message, canonical names, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Headers(pub Vec<(String, String)>);

impl Headers {
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Headers(pairs.into_iter().map(|(n, v)| Self::field(n, v)).collect())
    }

    /// One entry as the core keeps it: canonical name, trimmed value.
    pub(crate) fn field(name: &str, value: &str) -> (String, String) {
        (canonical_name(name), value.trim().to_string())
    }

    /// All values of a header (each field occurrence, not comma-split).
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All comma-separated elements of a list header.
    pub(crate) fn list<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        self.all(name).flat_map(split_commas).collect()
    }

    /// The single value, or an error if repeated.
    pub(crate) fn single(&self, name: &'static str) -> Result<Option<&str>, ViewError> {
        let mut it = self.all(name);
        let first = it.next();
        if it.next().is_some() {
            return Err(ViewError::Repeated(name));
        }
        Ok(first)
    }

    /// Option-tags or tokens in a list header, lower-cased.
    pub(crate) fn tokens(&self, name: &str) -> Vec<String> {
        self.list(name).into_iter().map(|t| t.to_string()).collect()
    }
}

/// Why a message cannot be acted on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ViewError {
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("more than one {0}")]
    Repeated(&'static str),
    #[error("malformed {0}")]
    Malformed(&'static str),
}

/// The fields every request and response must carry (§8.1.1).
#[derive(Debug, Clone)]
pub(crate) struct Common {
    pub vias: Vec<Via>,
    pub from: NameAddr,
    pub from_raw: String,
    pub to: NameAddr,
    pub to_raw: String,
    pub call_id: String,
    pub cseq: u32,
    pub cseq_method: Method,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Common {
    fn extract(headers: Headers, body: Vec<u8>) -> Result<Common, ViewError> {
        let mut vias = Vec::new();
        for v in headers.list("via") {
            vias.push(Via::parse(v).map_err(|_| ViewError::Malformed("Via"))?);
        }
        if vias.is_empty() {
            return Err(ViewError::Missing("Via"));
        }
        let from_raw = headers
            .single("from")?
            .ok_or(ViewError::Missing("From"))?
            .to_string();
        let from = NameAddr::parse(&from_raw).map_err(|_| ViewError::Malformed("From"))?;
        let to_raw = headers
            .single("to")?
            .ok_or(ViewError::Missing("To"))?
            .to_string();
        let to = NameAddr::parse(&to_raw).map_err(|_| ViewError::Malformed("To"))?;
        let call_id = headers
            .single("call-id")?
            .ok_or(ViewError::Missing("Call-ID"))?
            .to_string();
        if call_id.is_empty() || call_id.contains(char::is_whitespace) {
            return Err(ViewError::Malformed("Call-ID"));
        }
        let cseq = CSeq::parse(headers.single("cseq")?.ok_or(ViewError::Missing("CSeq"))?)
            .map_err(|_| ViewError::Malformed("CSeq"))?;
        headers.single("content-length")?;
        headers.single("max-forwards")?;
        headers.single("content-type")?;
        Ok(Common {
            vias,
            from,
            from_raw,
            to,
            to_raw,
            call_id,
            cseq: cseq.seq,
            cseq_method: cseq.method,
            headers,
            body,
        })
    }

    /// `tag` of From.
    pub(crate) fn tag_of_from(&self) -> Option<&str> {
        self.from.tag()
    }

    /// `tag` of To.
    pub(crate) fn to_tag(&self) -> Option<&str> {
        self.to.tag()
    }

    /// Contact values that parse.
    pub(crate) fn contacts(&self) -> Vec<NameAddr> {
        self.headers
            .list("contact")
            .into_iter()
            .filter(|c| *c != "*")
            .filter_map(|c| NameAddr::parse(c).ok())
            .collect()
    }

    /// Record-Route values, as text, in order.
    pub(crate) fn record_route(&self) -> Vec<String> {
        self.headers
            .list("record-route")
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// `Content-Type` media type (`type/subtype`, lower case, without parameters).
    pub(crate) fn content_type(&self) -> Option<String> {
        self.headers.all("content-type").next().map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// A single numeric header (Expires, Min-Expires, Max-Forwards).
    pub(crate) fn number(&self, name: &str) -> Option<u32> {
        self.headers
            .all(name)
            .next()
            .and_then(|v| v.trim().parse::<u32>().ok())
    }
}

/// An incoming request, ready for the UA core.
#[derive(Debug, Clone)]
pub(crate) struct InRequest {
    pub method: Method,
    pub uri: Uri,
    pub common: Common,
    pub transport: TransportKind,
    pub source: SocketAddr,
}

impl std::ops::Deref for InRequest {
    type Target = Common;
    fn deref(&self) -> &Common {
        &self.common
    }
}

impl InRequest {
    pub(crate) fn new(
        method: Method,
        uri_raw: &str,
        headers: Headers,
        body: Vec<u8>,
        transport: TransportKind,
        source: SocketAddr,
    ) -> Result<InRequest, (ViewError, Headers)> {
        let uri = match Uri::parse(uri_raw) {
            Ok(u) => u,
            Err(_) => return Err((ViewError::Malformed("Request-URI"), headers)),
        };
        let common = match Common::extract(headers.clone(), body) {
            Ok(c) => c,
            Err(e) => return Err((e, headers)),
        };
        if common.cseq_method != method
            && !(method == Method::Ack && common.cseq_method == Method::Invite)
        {
            // mismatch01: CSeq method must equal the request method.
            if !(method == Method::Ack || common.cseq_method == Method::Ack) {
                return Err((ViewError::Malformed("CSeq method"), common.headers));
            }
        }
        Ok(InRequest {
            method,
            uri,
            common,
            transport,
            source,
        })
    }
}

/// An incoming response.
#[derive(Debug, Clone)]
pub(crate) struct InResponse {
    pub code: u16,
    pub reason: String,
    pub common: Common,
}

impl std::ops::Deref for InResponse {
    type Target = Common;
    fn deref(&self) -> &Common {
        &self.common
    }
}

impl InResponse {
    pub(crate) fn new(
        code: u16,
        reason: &str,
        headers: Headers,
        body: Vec<u8>,
    ) -> Result<InResponse, ViewError> {
        if !(100..=699).contains(&code) {
            return Err(ViewError::Malformed("status code"));
        }
        Ok(InResponse {
            code,
            reason: reason.to_string(),
            common: Common::extract(headers, body)?,
        })
    }

    /// The branch of the top Via.
    pub(crate) fn branch(&self) -> Option<&str> {
        self.vias.first().and_then(|v| v.branch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lists() {
        assert_eq!(
            split_commas(r#"<sip:a,b@x>;q=1, "x,y" <sip:c@d>,sip:e@f"#),
            vec![r#"<sip:a,b@x>;q=1"#, r#""x,y" <sip:c@d>"#, "sip:e@f"]
        );
        assert_eq!(canonical_name("v"), "via");
        assert_eq!(canonical_name("Call-ID"), "call-id");
    }
}
