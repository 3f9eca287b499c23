//! UAS request inspection (RFC 3261 §8.2.1–§8.2.3): which requests are refused before
//! the UA core acts on them, and with what.

use super::view::InRequest;
use super::{ACCEPT, ALLOW};
use crate::message::Method;
use crate::transport::TransportKind;

/// A refusal: status code and extra header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: u16,
    pub headers: Vec<(&'static str, String)>,
}

fn refuse(code: u16) -> Option<Refusal> {
    Some(Refusal {
        code,
        headers: Vec::new(),
    })
}

/// Checks a new (non-ACK, non-CANCEL) request. `None` means go ahead.
/// `supported` lists the option tags the configuration enables (`100rel`,
/// `timer`; see [`SipCore::supported_tags`](super::SipCore::supported_tags)).
pub(crate) fn inspect(req: &InRequest, supported: &[&str]) -> Option<Refusal> {
    // Max-Forwards: 0 is not checked. §16.3 step 3 (483) is a proxy rule; RFC 4475
    // §3.3.11 says an endpoint processes the request as if the value were positive.
    // §8.2.1 method inspection.
    match &req.method {
        Method::Invite
        | Method::Ack
        | Method::Cancel
        | Method::Bye
        | Method::Options
        | Method::Info
        | Method::Refer
        | Method::Notify
        | Method::Message
        | Method::Prack
        | Method::Subscribe => {}
        Method::Extension(_) => {
            return Some(Refusal {
                code: 501,
                headers: vec![("Allow", ALLOW.to_string())],
            })
        }
        _ => {
            return Some(Refusal {
                code: 405,
                headers: vec![("Allow", ALLOW.to_string())],
            })
        }
    }
    // §8.2.2.1: sip: Request-URIs, and sips: ones that arrived over TLS
    // (§26.2: a sips: request reaches its target over TLS on every hop; the
    // last hop is the one we see).
    let scheme = req.uri.scheme();
    let secure_ok = scheme.eq_ignore_ascii_case("sips") && req.transport == TransportKind::Tls;
    if !scheme.eq_ignore_ascii_case("sip") && !secure_ok {
        return refuse(416);
    }
    // §8.2.2.3: Require with option tags we do not know.
    let unknown: Vec<String> = req
        .headers
        .tokens("require")
        .into_iter()
        .filter(|t| !supported.iter().any(|s| s.eq_ignore_ascii_case(t)))
        .collect();
    if !unknown.is_empty() {
        return Some(Refusal {
            code: 420,
            headers: vec![("Unsupported", unknown.join(", "))],
        });
    }
    // §8.2.3 content processing, for requests whose body we interpret as a session.
    if req.method == Method::Invite {
        let encodings = req.headers.tokens("content-encoding");
        if encodings
            .iter()
            .any(|e| !e.eq_ignore_ascii_case("identity"))
        {
            return Some(Refusal {
                code: 415,
                headers: vec![("Accept-Encoding", "identity".to_string())],
            });
        }
        if !req.body.is_empty() {
            match req.content_type() {
                Some(ct) if ct == "application/sdp" => {}
                _ => {
                    return Some(Refusal {
                        code: 415,
                        headers: vec![("Accept", "application/sdp".to_string())],
                    })
                }
            }
        }
        // RFC 4475 §3.3.15: an Accept we cannot answer in.
        let accept = req.headers.tokens("accept");
        if !accept.is_empty()
            && !accept.iter().any(|a| {
                let t = a
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                t == "application/sdp" || t == "application/*" || t == "*/*"
            })
        {
            return Some(Refusal {
                code: 406,
                headers: vec![("Accept", ACCEPT.to_string())],
            });
        }
    }
    None
}
