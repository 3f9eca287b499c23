//! From bytes to the UA core: parsing, the transport-layer checks of §18.1.2/§18.2.1,
//! and error replies to requests that cannot be parsed.

use std::net::SocketAddr;

use tracing::debug;

use super::build::{self, Echo};
use super::view::{Headers, InRequest, InResponse, ViewError};
use super::SipCore;
use crate::message::{
    MessageView, Method, ParseError, ParseLimits, SipMessage, StartLineView, Via,
};
use crate::transport::TransportKind;

/// A parsed message's start line, as the core dispatches on it.
enum Start {
    Request { method: Method, uri: String },
    Response { status: u16, reason: String },
}

/// The core's text view of a datagram: one entry per header line, values as
/// received with folds removed (the core splits comma lists itself).
fn view_headers(v: &MessageView<'_>) -> Headers {
    // Each value converted in place: copied once, into its entry.
    let fields = v.fields().iter().map(|f| {
        let value = f.value_unfolded();
        Headers::field(f.name, &String::from_utf8_lossy(&value))
    });
    Headers(fields.collect())
}

/// Converts the message layer's header list to the core's text view.
pub(crate) fn text_headers(h: &crate::message::Headers) -> Headers {
    let mut out = Vec::with_capacity(h.len());
    for hd in h.iter() {
        let mut v = Vec::new();
        hd.write_value(&mut v);
        out.push((
            hd.name().to_string(),
            String::from_utf8_lossy(&v).into_owned(),
        ));
    }
    Headers::from_pairs(out.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// Updates the top Via of a received request (§18.2.1, RFC 3581 §4) and returns where
/// responses go (§18.2.2): the connection for streams, else the source IP and either
/// the source port (`rport`) or the sent-by port.
pub(crate) fn stamp_via(via: &mut Via, transport: TransportKind, source: SocketAddr) -> SocketAddr {
    let sent_by_ip = via.host.ip();
    if sent_by_ip != Some(source.ip()) {
        via.set_received(source.ip());
    }
    let rport = via.rport().is_some();
    if rport {
        via.set_received(source.ip());
        via.set_rport(source.port());
    }
    if transport.is_reliable() || rport {
        source
    } else {
        SocketAddr::new(source.ip(), via.port.unwrap_or(5060))
    }
}

impl SipCore {
    pub(super) fn limits(&self) -> ParseLimits {
        ParseLimits {
            max_message: self.cfg.max_message_size,
            ..ParseLimits::default()
        }
    }

    /// One datagram: checked as a zero-copy [`MessageView`] (the same rules as the
    /// typed parser, without building the typed tree the core does not use).
    pub(super) fn handle_bytes(&mut self, transport: TransportKind, from: SocketAddr, data: &[u8]) {
        let limits = self.limits();
        match MessageView::parse_with(data, &limits) {
            Ok(v) => {
                let start = match v.start() {
                    StartLineView::Request { method, uri } => Start::Request {
                        method: method.clone(),
                        uri: (*uri).to_owned(),
                    },
                    StartLineView::Response { status, reason } => Start::Response {
                        status: *status,
                        reason: (*reason).to_owned(),
                    },
                };
                let headers = view_headers(&v);
                self.dispatch(transport, from, start, headers, v.body().to_vec());
            }
            Err(e) => self.handle_parse_error(transport, from, data, &e),
        }
    }

    /// One message framed from a stream.
    pub(super) fn handle_message(
        &mut self,
        transport: TransportKind,
        from: SocketAddr,
        msg: SipMessage,
    ) {
        match msg {
            SipMessage::Request(req) => {
                let headers = text_headers(&req.headers);
                let start = Start::Request {
                    method: req.method,
                    uri: req.uri.to_string(),
                };
                self.dispatch(transport, from, start, headers, req.body.to_vec());
            }
            SipMessage::Response(resp) => {
                let headers = text_headers(&resp.headers);
                let start = Start::Response {
                    status: resp.status,
                    reason: resp.reason,
                };
                self.dispatch(transport, from, start, headers, resp.body.to_vec());
            }
        }
    }

    fn dispatch(
        &mut self,
        transport: TransportKind,
        from: SocketAddr,
        start: Start,
        headers: Headers,
        body: Vec<u8>,
    ) {
        match start {
            Start::Request { method, uri } => {
                let is_ack = method == Method::Ack;
                match InRequest::new(method, &uri, headers, body, transport, from) {
                    Ok(mut r) => {
                        let reply_to = match r.common.vias.first_mut() {
                            Some(v) => stamp_via(v, transport, from),
                            None => return,
                        };
                        self.on_request(r, reply_to);
                    }
                    Err((e, headers)) => {
                        debug!(%from, error = %e, "unusable request");
                        if !is_ack {
                            self.reply_from_headers(transport, from, &headers, 400, &e);
                        }
                    }
                }
            }
            Start::Response { status, reason } => {
                // §18.1.2: more than one Via means it was not meant for us.
                match InResponse::new(status, &reason, headers, body) {
                    Ok(r) if r.vias.len() == 1 => self.on_response(r),
                    Ok(_) => debug!("response with several Vias dropped"),
                    Err(e) => debug!(error = %e, "unusable response dropped"),
                }
            }
        }
    }

    fn handle_parse_error(
        &mut self,
        transport: TransportKind,
        from: SocketAddr,
        data: &[u8],
        e: &ParseError,
    ) {
        debug!(%from, error = %e, "unparsable message");
        let code = e.response_code();
        let headers = match e.partial_request() {
            Some(p) if p.method == Method::Ack => return,
            Some(p) if p.headers.top_via().is_some() => text_headers(&p.headers),
            // The parser gave up before the header section (e.g. a bad request line):
            // salvage the fields a response needs, leniently (§8.2.6 asks for them).
            _ => match salvage_headers(data) {
                Some(h) => h,
                None => return,
            },
        };
        self.reply_from_headers(
            transport,
            from,
            &headers,
            code,
            &ViewError::Malformed("message"),
        );
    }

    /// Sends an error response built from whatever headers parsed: needs at least a
    /// Via to know where to send it; echoes From/To/Call-ID/CSeq when present.
    pub(super) fn reply_from_headers(
        &mut self,
        transport: TransportKind,
        from: SocketAddr,
        headers: &Headers,
        code: u16,
        why: &ViewError,
    ) {
        let mut vias: Vec<Via> = headers
            .list("via")
            .into_iter()
            .filter_map(|v| Via::parse(v).ok())
            .collect();
        let (dst, via_text) = match vias.first_mut() {
            Some(top) => {
                let dst = stamp_via(top, transport, from);
                (dst, vias.iter().map(|v| v.to_string()).collect())
            }
            None => {
                // The Via itself is what is broken (RFC 4475 §3.1.2.1): answer the packet's
                // source, echoing the Via text as received.
                let raw: Vec<String> = headers.all("via").map(str::to_string).collect();
                if raw.is_empty() {
                    debug!("no Via: cannot answer");
                    return;
                }
                (from, raw)
            }
        };
        let first = |n: &str| headers.all(n).next().unwrap_or("").to_string();
        let echo = Echo {
            vias: via_text,
            from: first("from"),
            to: first("to"),
            call_id: first("call-id"),
            cseq: first("cseq"),
        };
        let _ = why;
        let bytes = build::response_partial(&echo, code, &self.cfg.user_agent);
        self.send(transport, dst, bytes);
    }

    /// Feeds a stream framer and handles each message; `false` means close.
    pub(super) fn drain_framer(
        &mut self,
        framer: &mut crate::message::StreamFramer,
        transport: TransportKind,
        remote: SocketAddr,
    ) -> bool {
        loop {
            match framer.next_message() {
                Ok(Some(m)) => self.handle_message(transport, remote, m),
                Ok(None) => break,
                Err(e) => {
                    self.handle_parse_error(transport, remote, &[], &e);
                    if e.breaks_framing() {
                        return false;
                    }
                }
            }
        }
        for _ in 0..framer.take_pings() {
            // RFC 5626 §4.4.1: answer a CRLFCRLF ping with a CRLF pong.
            self.send(transport, remote, b"\r\n".to_vec());
        }
        true
    }
}

/// Extracts Via, From, To, Call-ID and CSeq from a request the parser rejected, so a
/// 400/505 can still be sent. Responses and ACKs yield `None` (never answered).
pub(crate) fn salvage_headers(data: &[u8]) -> Option<Headers> {
    let head_end = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(data.len());
    let head = String::from_utf8_lossy(data.get(..head_end)?);
    let mut lines = head.split("\r\n");
    let start = lines.next()?;
    if start.starts_with("SIP/") || start.trim_start().starts_with("ACK ") {
        return None;
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            // folded continuation of the previous field
            if let Some(last) = fields.last_mut() {
                last.1.push(' ');
                last.1
                    .extend(line.trim().chars().filter(|c| !c.is_control()));
            }
            continue;
        }
        if let Some((n, v)) = line.split_once(':') {
            // Never echo control characters (a bare CR or LF would inject header lines).
            let v: String = v.trim().chars().filter(|c| !c.is_control()).collect();
            fields.push((n.trim().to_string(), v));
        }
    }
    let keep = ["via", "from", "to", "call-id", "cseq"];
    let h = Headers::from_pairs(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let h = Headers(
        h.0.into_iter()
            .filter(|(n, _)| keep.contains(&n.as_str()))
            .collect(),
    );
    h.all("via").next()?;
    Some(h)
}
