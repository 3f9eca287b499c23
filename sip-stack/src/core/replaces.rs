//! Attended transfer: REFER whose Refer-To carries a Replaces header (RFC
//! 3515 with RFC 3891), and an incoming INVITE with Replaces matched to one
//! of our dialogs.
//!
//! The transferor talks to the transferee on one call and to the target on
//! another (the consultation). It sends the transferee a REFER to the
//! target's address with `?Replaces=` naming the consultation dialog as the
//! target sees it; the transferee's INVITE then carries that Replaces header
//! and the target swaps the consultation call for the new one. Progress
//! comes back in NOTIFYs exactly as for a blind transfer (in_dialog.rs).

use openphone_sal::{CallId, Cause, Operation, Reason};

use super::dialog::{Call, Phase};
use super::target::bracketed;
use super::view::InRequest;
use super::{Owner, SipCore};

/// A parsed Replaces header (RFC 3891 §6.1): the dialog as the recipient of
/// the INVITE sees it: `to-tag` is its own tag, `from-tag` the other side's.
#[derive(Debug, PartialEq, Eq)]
struct Replaces {
    call_id: String,
    to_tag: String,
    from_tag: String,
    early_only: bool,
}

impl SipCore {
    /// Sends `call`'s peer a REFER to `target`'s peer that replaces the
    /// `target` dialog.
    pub(super) fn attended_transfer(&mut self, call: CallId, target: CallId) {
        for c in [call, target] {
            if !self.is_established(c) {
                return self.not_established(c, Operation::AttendedTransfer);
            }
        }
        if call == target {
            return self.command_failed(
                Some(call),
                Operation::AttendedTransfer,
                Reason::new(Cause::InvalidRequest)
                    .with_text("a call cannot be transferred to itself"),
            );
        }
        let Some(refer_to) = self.calls.get(&target).and_then(refer_to_replacing) else {
            return self.not_established(target, Operation::AttendedTransfer);
        };
        let Some((mut req, t, dst)) = self.dialog_request(call, "REFER", None) else {
            return;
        };
        let local = self
            .calls
            .get(&call)
            .map(|c| c.local.clone())
            .unwrap_or_default();
        req.extra.push(("Refer-To".into(), refer_to));
        req.extra.push(("Referred-By".into(), local));
        self.start_client(Owner::Refer(call), req, t, dst, &[]);
    }

    /// The call an incoming INVITE's Replaces header names (RFC 3891 §3):
    /// `Ok(None)` without the header, `Err(status)` to refuse the INVITE.
    pub(super) fn replaced_call(&self, req: &InRequest) -> Result<Option<CallId>, u16> {
        let Some(value) = req.headers.all("replaces").next() else {
            return Ok(None);
        };
        let Some(r) = parse_replaces(value) else {
            return Err(400);
        };
        let mut found = self.calls.with_call_id(&r.call_id).filter(|c| {
            c.local_tag == r.to_tag && c.remote_tag.as_deref() == Some(r.from_tag.as_str())
        });
        // More than one match counts as none (§3).
        let (Some(c), None) = (found.next(), found.next()) else {
            return Err(481);
        };
        match c.phase {
            _ if c.ended => Err(603),
            Phase::Confirmed if r.early_only => Err(486),
            Phase::Confirmed => Ok(Some(c.id)),
            // An early dialog we initiated may be replaced (the application
            // then cancels it); one the peer initiated may not (§3).
            Phase::Calling => Ok(Some(c.id)),
            Phase::Incoming | Phase::Answered => Err(481),
        }
    }
}

/// The consultation call's remote target with a Replaces header naming its
/// dialog from the target's side, as a Refer-To value.
fn refer_to_replacing(c: &Call) -> Option<String> {
    let remote_tag = c.remote_tag.as_deref()?;
    let replaces = format!(
        "{};to-tag={};from-tag={}",
        c.call_id, remote_tag, c.local_tag
    );
    let uri = c
        .remote_target
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let sep = if uri.contains('?') { '&' } else { '?' };
    Some(bracketed(&format!(
        "{uri}{sep}Replaces={}",
        escape_header_value(&replaces)
    )))
}

/// Percent-escapes a URI header value (RFC 3261 §25.1 `hvalue`): every
/// byte but alphanumerics and `-_.!~*'()`.
fn escape_header_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len() * 2);
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `callid;to-tag=X;from-tag=Y[;early-only]`; both tags are required.
fn parse_replaces(value: &str) -> Option<Replaces> {
    let mut parts = value.split(';');
    let call_id = parts.next()?.trim();
    if call_id.is_empty() {
        return None;
    }
    let (mut to_tag, mut from_tag, mut early_only) = (None, None, false);
    for p in parts {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "to-tag" => to_tag = Some(v.trim().to_string()),
            "from-tag" => from_tag = Some(v.trim().to_string()),
            "early-only" => early_only = true,
            _ => {}
        }
    }
    Some(Replaces {
        call_id: call_id.to_string(),
        to_tag: to_tag.filter(|t| !t.is_empty())?,
        from_tag: from_tag.filter(|t| !t.is_empty())?,
        early_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_header_parsed() {
        assert_eq!(
            parse_replaces("98732@sip.example.com ; from-tag=r33th4x0r;to-tag=ff87ff;early-only"),
            Some(Replaces {
                call_id: "98732@sip.example.com".into(),
                to_tag: "ff87ff".into(),
                from_tag: "r33th4x0r".into(),
                early_only: true,
            })
        );
        assert_eq!(parse_replaces("abc;to-tag=1"), None);
        assert_eq!(parse_replaces(";to-tag=1;from-tag=2"), None);
        assert_eq!(parse_replaces("abc;to-tag=;from-tag=2"), None);
    }

    #[test]
    fn header_value_escaped() {
        assert_eq!(
            escape_header_value("a1@h.x;to-tag=7;from-tag=8"),
            "a1%40h.x%3Bto-tag%3D7%3Bfrom-tag%3D8"
        );
    }
}
