//! Requests we send besides INVITE: blind transfer (REFER, RFC 3515, with
//! its NOTIFY progress), DTMF in INFO, and instant messages (MESSAGE,
//! RFC 3428). Each failure is reported to the phone.

use openphone_sal::{
    AccountId, Address, CallId, Cause, EndReason, Operation, Reason, StackEvent, TransferStatus,
};
use tracing::debug;

use super::build::OutRequest;
use super::calls::route_value;
use super::cause_map::response_reason;
use super::target::bracketed;
use super::view::{InRequest, InResponse};
use super::{ClientEntry, Owner, SipCore};
use crate::message::Uri;

/// `Signal=` values of application/dtmf-relay.
fn is_dtmf_digit(d: char) -> bool {
    matches!(d, '0'..='9' | '*' | '#' | 'A'..='D' | 'a'..='d')
}

impl SipCore {
    pub(super) fn transfer(&mut self, call: CallId, to: Address) {
        if !self.is_established(call) {
            return self.not_established(call, Operation::Transfer);
        }
        let Some((mut req, t, dst)) = self.dialog_request(call, "REFER", None) else {
            return;
        };
        req.extra.push(("Refer-To".into(), bracketed(to.uri())));
        let local = self
            .calls
            .get(&call)
            .map(|c| c.local.clone())
            .unwrap_or_default();
        req.extra.push(("Referred-By".into(), local));
        self.start_client(Owner::Refer(call), req, t, dst, &[]);
    }

    /// The peer's answer to our REFER: accepted means it is trying the
    /// target; refused means the transfer failed.
    pub(super) fn on_refer_response(&mut self, call: CallId, resp: &InResponse) {
        match resp.code {
            0..=199 => {}
            200..=299 => {
                if let Some(c) = self.calls.get_mut(&call) {
                    c.refer_accepted = true;
                }
                self.emit(StackEvent::TransferProgress {
                    call,
                    status: TransferStatus::Trying,
                });
            }
            code => {
                let why = response_reason(code, &resp.reason);
                self.transfer_failed(call, why.clone());
                if matches!(code, 408 | 481) {
                    // §12.2.1.2: the dialog is gone.
                    self.end_call_with_bye(call, EndReason::remote(why));
                }
            }
        }
    }

    /// Reports a transfer that failed: progress `Failed` and the command's failure.
    pub(super) fn transfer_failed(&mut self, call: CallId, why: Reason) {
        if let Some(c) = self.calls.get_mut(&call) {
            c.refer_accepted = false;
        }
        self.emit(StackEvent::TransferProgress {
            call,
            status: TransferStatus::Failed(why.clone()),
        });
        self.command_failed(Some(call), Operation::Transfer, why);
    }

    /// A NOTIFY in `call`'s dialog: after our REFER was accepted, its
    /// message/sipfrag body is the status line of the peer's call to the
    /// target (RFC 3515 §2.4.5): 1xx trying (180 ringing), 2xx succeeded,
    /// anything else failed.
    pub(super) fn on_refer_notify(&mut self, call: CallId, req: &InRequest) {
        let accepted = self.calls.get(&call).is_some_and(|c| c.refer_accepted);
        let is_refer = req
            .headers
            .all("event")
            .next()
            .and_then(|e| e.split(';').next())
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("refer"));
        let sipfrag = req
            .content_type()
            .is_some_and(|ct| ct.eq_ignore_ascii_case("message/sipfrag"));
        if !(accepted && is_refer && sipfrag) {
            return;
        }
        let Some((code, phrase)) = sipfrag_status(&req.body) else {
            debug!("REFER NOTIFY without a status line ignored");
            return;
        };
        let status = match code {
            180 => TransferStatus::Ringing,
            100..=199 => TransferStatus::Trying,
            200..=299 => TransferStatus::Succeeded,
            _ => TransferStatus::Failed(response_reason(code, &phrase)),
        };
        match status {
            TransferStatus::Failed(why) => self.transfer_failed(call, why),
            status => {
                if status == TransferStatus::Succeeded {
                    if let Some(c) = self.calls.get_mut(&call) {
                        c.refer_accepted = false;
                    }
                }
                self.emit(StackEvent::TransferProgress { call, status });
            }
        }
    }

    pub(super) fn send_dtmf(&mut self, call: CallId, digits: &str) {
        if !self.is_established(call) {
            return self.not_established(call, Operation::SendDtmf);
        }
        let bad: String = digits.chars().filter(|d| !is_dtmf_digit(*d)).collect();
        if !bad.is_empty() {
            let why = format!("not DTMF digits, not sent: {bad:?}");
            self.command_failed(
                Some(call),
                Operation::SendDtmf,
                Reason::new(Cause::InvalidRequest).with_text(why),
            );
        }
        for d in digits.chars().filter(|d| is_dtmf_digit(*d)) {
            let Some((mut req, t, dst)) = self.dialog_request(call, "INFO", None) else {
                return;
            };
            req.content_type = Some("application/dtmf-relay".into());
            req.body =
                format!("Signal={}\r\nDuration=160\r\n", d.to_ascii_uppercase()).into_bytes();
            self.start_client(Owner::Info(call), req, t, dst, &[]);
        }
    }

    /// The peer's answer to an INFO with a digit.
    pub(super) fn on_info_response(&mut self, call: CallId, resp: &InResponse) {
        if resp.code < 300 {
            return;
        }
        let why = response_reason(resp.code, &resp.reason);
        if matches!(resp.code, 408 | 481) {
            // §12.2.1.2: the dialog is gone.
            return self.end_call_with_bye(call, EndReason::remote(why));
        }
        self.command_failed(Some(call), Operation::SendDtmf, why);
    }

    pub(super) fn send_message(
        &mut self,
        account: Option<AccountId>,
        to: Address,
        content_type: String,
        body: Vec<u8>,
    ) {
        let Ok(uri) = Uri::parse(to.uri()) else {
            let why = format!("invalid SIP URI {}", to.uri());
            return self.command_failed(
                None,
                Operation::SendMessage,
                Reason::new(Cause::InvalidRequest).with_text(why),
            );
        };
        let (local, _, proxy, _) = self.identity(account);
        let route: Vec<String> = proxy.iter().map(|p| route_value(p)).collect();
        let hop = match route.first() {
            Some(r) => self.resolve_text(r),
            None => self.resolve_uri(&uri),
        };
        let Some((t, dst)) = hop else {
            let why = format!("cannot resolve the next hop for {}", to.uri());
            return self.command_failed(
                None,
                Operation::SendMessage,
                Reason::new(Cause::NetworkError).with_text(why),
            );
        };
        let tag = self.ids.tag();
        let req = OutRequest {
            method: "MESSAGE".into(),
            uri: uri.to_string(),
            from: format!("{local};tag={tag}"),
            to: to.to_string(),
            call_id: self.ids.call_id(),
            cseq: 1,
            route,
            contact: None,
            extra: Vec::new(),
            content_type: Some(content_type),
            body,
        };
        self.start_client(Owner::Message(account), req, t, dst, &[]);
    }

    pub(super) fn on_message_response(
        &mut self,
        account: Option<AccountId>,
        entry: &ClientEntry,
        resp: &InResponse,
    ) {
        if (resp.code == 401 || resp.code == 407) && entry.req.cseq < 3 {
            let cnonce = self.ids.cnonce();
            if let Some(acc) = account.and_then(|a| self.accounts.get_mut(&a)) {
                if let Some(auth) = acc.auth.as_mut() {
                    let www: Vec<&str> = resp.headers.all("www-authenticate").collect();
                    let proxy: Vec<&str> = resp.headers.all("proxy-authenticate").collect();
                    if auth.on_challenge(&www, &proxy).is_ok() {
                        let mut req = entry.req.clone();
                        req.cseq += 1;
                        let h = auth.authorize("MESSAGE", &req.uri, &req.body, &cnonce);
                        self.start_client(entry.owner.clone(), req, entry.transport, entry.dst, &h);
                        return;
                    }
                }
            }
        }
        if resp.code >= 300 {
            let why = response_reason(resp.code, &resp.reason);
            self.command_failed(None, Operation::SendMessage, why);
        }
    }
}

/// The status code and phrase of a message/sipfrag body's first line
/// (`SIP/2.0 200 OK`, RFC 3420).
fn sipfrag_status(body: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(body);
    let line = text.lines().next()?.trim();
    let rest = line.strip_prefix("SIP/2.0 ")?;
    let (code, phrase) = rest.split_once(' ').unwrap_or((rest, ""));
    let code: u16 = code.parse().ok()?;
    (100..=699)
        .contains(&code)
        .then(|| (code, phrase.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::sipfrag_status;

    #[test]
    fn sipfrag_status_lines() {
        assert_eq!(
            sipfrag_status(b"SIP/2.0 200 OK\r\n"),
            Some((200, "OK".to_string()))
        );
        assert_eq!(
            sipfrag_status(b"SIP/2.0 486 Busy Here"),
            Some((486, "Busy Here".to_string()))
        );
        assert_eq!(sipfrag_status(b"SIP/2.0 180"), Some((180, String::new())));
        assert_eq!(sipfrag_status(b"SIP/2.0 99 Odd"), None);
        assert_eq!(sipfrag_status(b"INVITE sip:x SIP/2.0"), None);
        assert_eq!(sipfrag_status(b""), None);
    }
}
