//! Reliable provisional responses: 100rel and PRACK (RFC 3262).
//!
//! UAS: when the INVITE supports or requires `100rel` (and the
//! configuration allows it), the 180 goes out with `Require: 100rel` and an
//! `RSeq`, and is retransmitted from T1, doubling, until a PRACK with the
//! matching `RAck` arrives (§3). Without one for 64·T1 the INVITE is refused
//! with 504. Our reliable 180 carries no SDP (the phone's description comes
//! only with the answer), so the 2xx does not have to wait for its PRACK; an
//! INVITE without an offer gets its 180 unreliably (§5 would need an offer in
//! the first reliable provisional), or none if it requires 100rel.
//!
//! UAC: a reliable 18x is PRACKed once, in RSeq order (§4): a copy with an
//! RSeq already seen (the PRACK client transaction retransmits on its own)
//! or one that skips a number is not processed. An answer in a reliable 18x
//! completes the offer of the INVITE, and a 2xx without SDP keeps it.

use std::time::{Duration, Instant};

use openphone_sal::{CallId, Cause, EndReason, NegotiatedMedia, Reason, StackEvent};
use tracing::{debug, warn};

use super::sdp_glue;
use super::view::{InRequest, InResponse};
use super::{Owner, SipCore};
use crate::config::ReliableProvisional;

/// The option tag of RFC 3262.
pub(crate) const TAG_100REL: &str = "100rel";

/// A refusal of a request because of its extensions: status and header fields.
pub(crate) type ExtRefusal = (u16, Vec<(&'static str, String)>);

/// Per-call 100rel state (both roles; a call uses one).
#[derive(Debug, Default)]
pub(crate) struct Reliable {
    /// UAS: the INVITE supports or requires 100rel and we allow it.
    pub peer_supports: bool,
    /// UAS: the INVITE requires 100rel.
    pub peer_requires: bool,
    /// UAS: the RSeq of the next reliable provisional.
    pub next_rseq: u32,
    /// UAS: the reliable provisional awaiting its PRACK.
    pub pending: Option<Pending>,
    /// UAS: the last (RSeq, CSeq) PRACKed, so a repeated PRACK gets 200 again.
    pub acked: Option<(u32, u32)>,
    /// UAC: the early dialog's remote tag and the last RSeq taken from it.
    pub remote: Option<(String, u32)>,
    /// UAC: the answer a reliable 18x carried.
    pub early_answer: Option<NegotiatedMedia>,
}

/// A reliable provisional response being retransmitted (§3).
#[derive(Debug)]
pub(crate) struct Pending {
    rseq: u32,
    /// CSeq of the INVITE it answers (the RAck must name it).
    cseq: u32,
    bytes: Vec<u8>,
    next: Instant,
    interval: Duration,
    give_up: Instant,
}

impl Reliable {
    /// When the retransmission timer wants to run.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.pending.as_ref().map(|p| p.next.min(p.give_up))
    }

    /// A final response went out: the provisional is no longer retransmitted
    /// (§3), but a late PRACK for it is still answered 200.
    pub(crate) fn on_final(&mut self) {
        if let Some(p) = self.pending.take() {
            self.acked = Some((p.rseq, p.cseq));
        }
    }
}

/// Whether `tokens` (a Supported or Require list) names `tag`.
pub(crate) fn has_tag(tokens: &[String], tag: &str) -> bool {
    tokens.iter().any(|t| t.eq_ignore_ascii_case(tag))
}

/// Parses `RAck: response-num CSeq-num Method` (§7.2).
fn parse_rack(value: &str) -> Option<(u32, u32, String)> {
    let mut it = value.split_whitespace();
    let rseq = it.next()?.parse().ok()?;
    let cseq = it.next()?.parse().ok()?;
    let method = it.next()?.to_ascii_uppercase();
    Some((rseq, cseq, method))
}

impl SipCore {
    /// The option tags the configuration enables, for Supported and for the
    /// Require check of §8.2.2.3.
    pub(crate) fn supported_tags(&self) -> Vec<&'static str> {
        // Replaces (RFC 3891) is always on: an INVITE that requires it is
        // matched against our dialogs (core/replaces.rs).
        let mut tags = vec!["replaces"];
        if self.cfg.reliable_provisional != ReliableProvisional::Off {
            tags.push(TAG_100REL);
        }
        if self.cfg.session_timer.is_some() {
            tags.push(super::session_timer::TAG_TIMER);
        }
        tags
    }

    /// Supported / Require for an INVITE we send.
    pub(super) fn invite_option_headers(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let tags = self.supported_tags();
        if !tags.is_empty() {
            out.push(("Supported".to_string(), tags.join(", ")));
        }
        if self.cfg.reliable_provisional == ReliableProvisional::Required {
            out.push(("Require".to_string(), TAG_100REL.to_string()));
        }
        out
    }

    /// Supported for a re-INVITE (100rel does not apply to it, §3).
    pub(super) fn invite_option_headers_in_dialog(&self) -> Vec<(String, String)> {
        let tags = self.supported_tags();
        if tags.is_empty() {
            return Vec::new();
        }
        vec![("Supported".to_string(), tags.join(", "))]
    }

    /// §3 policy for a new INVITE: with `Required`, an INVITE that neither
    /// supports nor requires 100rel is refused with 421.
    pub(super) fn prack_refusal(&self, req: &InRequest) -> Option<ExtRefusal> {
        if self.cfg.reliable_provisional != ReliableProvisional::Required {
            return None;
        }
        let any = has_tag(&req.headers.tokens("supported"), TAG_100REL)
            || has_tag(&req.headers.tokens("require"), TAG_100REL);
        (!any).then(|| (421, vec![("Require", TAG_100REL.to_string())]))
    }

    /// Notes what a new INVITE says about 100rel.
    pub(super) fn prack_note_invite(&mut self, call: CallId, req: &InRequest) {
        let enabled = self.cfg.reliable_provisional != ReliableProvisional::Off;
        let requires = has_tag(&req.headers.tokens("require"), TAG_100REL);
        let supports = requires || has_tag(&req.headers.tokens("supported"), TAG_100REL);
        // §3: the initial RSeq is random in 1..2^31-1.
        let first = (self.ids.u32() & 0x3fff_ffff).max(1);
        if let Some(c) = self.calls.get_mut(&call) {
            c.rel.peer_supports = enabled && supports;
            c.rel.peer_requires = enabled && requires;
            c.rel.next_rseq = first;
        }
    }

    /// Sends the 180 of a new INVITE: reliably when 100rel is agreed and the
    /// INVITE carried an offer, plainly when it is not, and not at all when
    /// the INVITE requires 100rel but has no offer (see the module docs).
    pub(super) fn send_ringing(&mut self, call: CallId, key: &str) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let tag = c.local_tag.clone();
        let contact = ("Contact", format!("<{}>", c.contact));
        let has_offer = c.remote_offer.is_some();
        if !c.rel.peer_supports || !has_offer {
            if !c.rel.peer_requires {
                self.respond(key, 180, Some(&tag), &[contact], None);
            }
            return;
        }
        let (rseq, cseq) = (c.rel.next_rseq, c.remote_cseq.unwrap_or(0));
        let headers = [
            contact,
            ("Require", TAG_100REL.to_string()),
            ("RSeq", rseq.to_string()),
        ];
        let Some(bytes) = self.respond(key, 180, Some(&tag), &headers, None) else {
            return;
        };
        let (now, t1) = (self.now, self.cfg.timers.t1);
        let give_up = now + self.cfg.timers.timeout();
        if let Some(c) = self.calls.get_mut(&call) {
            c.rel.next_rseq = rseq.wrapping_add(1);
            c.rel.pending = Some(Pending {
                rseq,
                cseq,
                bytes,
                next: now + t1,
                interval: t1,
                give_up,
            });
        }
    }

    /// The retransmission timer of a reliable provisional (§3).
    pub(super) fn prack_timer(&mut self, call: CallId, now: Instant) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let Some(p) = c.rel.pending.as_mut() else {
            return;
        };
        if now >= p.give_up {
            c.rel.pending = None;
            warn!(%call, "no PRACK for our reliable provisional; refusing the INVITE");
            // §3: the UAS SHOULD reject the original request with a 5xx.
            self.final_to_incoming(call, 504, &[]);
            self.calls.remove(&call);
            let why = Reason::new(Cause::Timeout)
                .with_text("no PRACK for our reliable provisional response (RFC 3262)");
            self.emit(StackEvent::CallEnded {
                call,
                reason: EndReason::system(why),
            });
            return;
        }
        if now < p.next {
            return;
        }
        // Doubling without the T2 cap: §3 asks for plain exponential back-off.
        p.interval = p.interval.saturating_mul(2);
        p.next = now + p.interval;
        let bytes = p.bytes.clone();
        if !c.transport.is_reliable() {
            let (t, d) = (c.transport, c.reply_to);
            self.send(t, d, bytes);
        }
    }

    /// A PRACK (§3): 200 when its RAck names our pending (or already
    /// PRACKed) reliable provisional, 481 otherwise.
    pub(super) fn on_prack(&mut self, req: &InRequest, key: &str) {
        let call = self.find_dialog(&req.call_id, req.to_tag(), req.tag_of_from());
        let rack = req.headers.all("rack").next().and_then(parse_rack);
        let matched = match (call.and_then(|id| self.calls.get_mut(&id)), rack) {
            (Some(c), Some((rseq, cseq, method))) if method == "INVITE" => {
                let pending = c
                    .rel
                    .pending
                    .as_ref()
                    .is_some_and(|p| p.rseq == rseq && p.cseq == cseq);
                if pending {
                    c.rel.on_final();
                    true
                } else {
                    c.rel.acked == Some((rseq, cseq))
                }
            }
            _ => false,
        };
        if !matched {
            debug!("PRACK matching no reliable provisional");
            self.respond(key, 481, None, &[], None);
            return;
        }
        if !req.body.is_empty() {
            // Our reliable 180 carries no SDP and the INVITE's offer is still
            // unanswered, so no offer or answer can legally ride in the PRACK.
            debug!("body of a PRACK ignored");
        }
        self.respond(key, 200, None, &[], None);
    }

    /// UAC: a reliable 18x (Require: 100rel with RSeq) is PRACKed, once and
    /// in order. Returns `false` when the response must not be processed
    /// further (a copy or one out of order, §4).
    pub(super) fn accept_reliable_provisional(&mut self, call: CallId, resp: &InResponse) -> bool {
        if self.cfg.reliable_provisional == ReliableProvisional::Off
            || !has_tag(&resp.headers.tokens("require"), TAG_100REL)
        {
            return true;
        }
        let (Some(rseq), Some(tag)) = (resp.number("rseq"), resp.to_tag()) else {
            debug!("reliable provisional without RSeq or To tag taken as unreliable");
            return true;
        };
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        if let Some((t, last)) = &c.rel.remote {
            if t == tag && rseq != last.wrapping_add(1) {
                debug!(
                    rseq,
                    last, "reliable provisional repeated or out of order: dropped"
                );
                return false;
            }
        }
        c.rel.remote = Some((tag.to_string(), rseq));
        let invite_cseq = c.invite_cseq;
        if !resp.body.is_empty() {
            if let Some(ours) = c.our_offer.as_ref() {
                match sdp_glue::decode(&resp.body).and_then(|t| sdp_glue::complete(ours, &t)) {
                    Ok(n) => c.rel.early_answer = Some(n),
                    Err(why) => debug!(%why, "unusable answer in a reliable provisional"),
                }
            }
        }
        self.learn_dialog(call, resp, true);
        if let Some((mut req, t, dst)) = self.dialog_request(call, "PRACK", None) {
            req.extra
                .push(("RAck".into(), format!("{rseq} {invite_cseq} INVITE")));
            // Nobody waits for the 200: the PRACK transaction retransmits on its own.
            self.start_client(Owner::Bye(None), req, t, dst, &[]);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rack_values() {
        assert_eq!(
            parse_rack("776656 1 INVITE"),
            Some((776656, 1, "INVITE".into()))
        );
        assert_eq!(parse_rack(" 1  2 invite "), Some((1, 2, "INVITE".into())));
        assert_eq!(parse_rack("x 1 INVITE"), None);
        assert_eq!(parse_rack("1 2"), None);
    }

    #[test]
    fn final_response_moves_pending_to_acked() {
        let now = Instant::now();
        let mut r = Reliable {
            pending: Some(Pending {
                rseq: 5,
                cseq: 1,
                bytes: Vec::new(),
                next: now,
                interval: Duration::from_millis(500),
                give_up: now,
            }),
            ..Reliable::default()
        };
        assert_eq!(r.next_deadline(), Some(now));
        r.on_final();
        assert_eq!(r.acked, Some((5, 1)));
        assert_eq!(r.next_deadline(), None);
    }
}
