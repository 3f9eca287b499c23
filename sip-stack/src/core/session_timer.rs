//! Session timers (RFC 4028): `Session-Expires` and `Min-SE` in INVITEs and
//! their 2xx, refresher negotiation, refresh by re-INVITE at half the
//! interval, BYE when the interval passes without a refresh, and 422.
//!
//! The negotiated interval starts when the 2xx is sent or received (§10).
//! The refresher re-INVITEs (re-offering the current description, so media
//! stay as they are) at half the interval; whoever sees no refresh before
//! the interval minus min(32 s, interval/3) sends BYE and reports
//! `Cause::Timeout` with a text saying the session timer expired.

use std::time::{Duration, Instant};

use openphone_sal::{CallId, Cause, EndReason, Operation, Reason};
use tracing::{debug, warn};

use super::dialog::Phase;
use super::prack::{has_tag, ExtRefusal};
use super::view::{Common, InResponse};
use super::{ClientEntry, Owner, SipCore};

/// The option tag of RFC 4028.
pub(crate) const TAG_TIMER: &str = "timer";

/// The largest interval taken from a peer (about 136 years): values beyond
/// it would only overflow the clock arithmetic.
const MAX_SECS: u64 = u32::MAX as u64;

/// Per-call session timer state.
#[derive(Debug, Default)]
pub(crate) struct SessionTimer {
    /// The negotiated interval; `None`: no session timer on this call.
    pub interval: Option<Duration>,
    /// We are the refresher.
    pub we_refresh: bool,
    pub refresh_at: Option<Instant>,
    pub expire_at: Option<Instant>,
    /// Our refresh re-INVITE is under way (its failure is no command failure).
    pub refreshing: bool,
    /// UAC: the Min-SE a 422 asked for.
    pub min_se: Option<Duration>,
    pub retries_422: u8,
    /// UAS: what the pending 2xx will say (interval, we refresh, peer supports).
    pub offer: Option<Agreed>,
}

/// The outcome of negotiating a request's session timer as its UAS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Agreed {
    pub interval: Duration,
    pub we_refresh: bool,
    pub peer_supports: bool,
}

impl SessionTimer {
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let refresh = self.refresh_at.filter(|_| !self.refreshing);
        [refresh, self.expire_at].into_iter().flatten().min()
    }

    /// Starts (or restarts, after a refresh) the timer at `now` (§10).
    fn start(&mut self, now: Instant, interval: Duration, we_refresh: bool) {
        self.interval = Some(interval);
        self.we_refresh = we_refresh;
        self.refreshing = false;
        // checked_add: an interval too far out for the clock means no deadline.
        self.refresh_at = we_refresh.then(|| now.checked_add(interval / 2)).flatten();
        let margin = Duration::from_secs(32).min(interval / 3);
        self.expire_at = now.checked_add(interval - margin);
    }

    fn stop(&mut self) {
        self.interval = None;
        self.refresh_at = None;
        self.expire_at = None;
        self.refreshing = false;
    }
}

/// `Session-Expires: delta-seconds [;refresher=uac|uas]` (§4): the interval
/// and the refresher, if named.
pub(crate) fn parse_session_expires(value: &str) -> Option<(Duration, Option<bool>)> {
    let mut parts = value.split(';');
    let secs: u64 = parts.next()?.trim().parse().ok()?;
    let secs = secs.min(MAX_SECS);
    let mut uac = None;
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            if k.trim().eq_ignore_ascii_case("refresher") {
                match v.trim().to_ascii_lowercase().as_str() {
                    "uac" => uac = Some(true),
                    "uas" => uac = Some(false),
                    _ => {}
                }
            }
        }
    }
    Some((Duration::from_secs(secs), uac))
}

fn session_expires(m: &Common) -> Option<(Duration, Option<bool>)> {
    m.headers
        .all("session-expires")
        .next()
        .and_then(parse_session_expires)
}

/// `Min-SE: delta-seconds *(;param)`.
fn min_se(m: &Common) -> Option<Duration> {
    let v = m.headers.all("min-se").next()?;
    let secs: u64 = v.split(';').next()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs.min(MAX_SECS)))
}

impl SipCore {
    /// Session-Expires and Min-SE for an INVITE or re-INVITE we send on
    /// `call` (or a new call).
    pub(super) fn session_request_headers(&self, call: Option<CallId>) -> Vec<(String, String)> {
        let Some(cfg) = self.cfg.session_timer else {
            return Vec::new();
        };
        let st = call.and_then(|id| self.calls.get(&id)).map(|c| &c.st);
        let floor = st
            .and_then(|s| s.min_se)
            .unwrap_or(cfg.min_se)
            .max(cfg.min_se);
        let mut se = format!("{}", cfg.interval.max(floor).as_secs());
        if let Some(s) = st.filter(|s| s.interval.is_some()) {
            // §7.4: a refresh keeps the interval and names the current refresher.
            let iv = s.interval.unwrap_or(cfg.interval);
            let who = if s.we_refresh { "uac" } else { "uas" };
            se = format!("{};refresher={who}", iv.as_secs());
        }
        vec![
            ("Session-Expires".to_string(), se),
            ("Min-SE".to_string(), floor.as_secs().to_string()),
        ]
    }

    /// As UAS of an INVITE or re-INVITE: the agreed timer (§9), `Ok(None)`
    /// when we do not do session timers, or the 422 refusal of an interval
    /// below our Min-SE.
    pub(super) fn session_negotiate(&self, req: &Common) -> Result<Option<Agreed>, ExtRefusal> {
        let Some(cfg) = self.cfg.session_timer else {
            return Ok(None);
        };
        let peer_supports = has_tag(&req.headers.tokens("supported"), TAG_TIMER)
            || has_tag(&req.headers.tokens("require"), TAG_TIMER);
        let their_min = min_se(req).unwrap_or_default();
        let (interval, refresher_uac) = match session_expires(req) {
            Some((se, _)) if se < cfg.min_se => {
                return Err((422, vec![("Min-SE", cfg.min_se.as_secs().to_string())]));
            }
            // §9: we may shorten the interval, never below the Min-SE in force.
            Some((se, who)) => (se.min(cfg.interval.max(their_min)), who),
            None => (cfg.interval.max(their_min), None),
        };
        // §9: without a choice in the request, the UAC refreshes if it can.
        let uac = refresher_uac.unwrap_or(peer_supports) && peer_supports;
        Ok(Some(Agreed {
            interval,
            we_refresh: !uac,
            peer_supports,
        }))
    }

    /// Header fields for our 2xx carrying `agreed` (§9).
    pub(super) fn session_response_headers(agreed: Option<Agreed>) -> Vec<(&'static str, String)> {
        let Some(a) = agreed else {
            return Vec::new();
        };
        let who = if a.we_refresh { "uas" } else { "uac" };
        let mut h = vec![(
            "Session-Expires",
            format!("{};refresher={who}", a.interval.as_secs()),
        )];
        if a.peer_supports {
            h.push(("Require", TAG_TIMER.to_string()));
        }
        h
    }

    /// Our 2xx with `agreed` went out: the timer runs from now.
    pub(super) fn session_started_uas(&mut self, call: CallId, agreed: Option<Agreed>) {
        let now = self.now;
        if let Some(c) = self.calls.get_mut(&call) {
            match agreed {
                Some(a) => c.st.start(now, a.interval, a.we_refresh),
                None => c.st.stop(),
            }
        }
    }

    /// A 2xx to our INVITE or re-INVITE: the timer as the response sets it (§7.2).
    pub(super) fn session_from_2xx(&mut self, call: CallId, resp: &InResponse) {
        if self.cfg.session_timer.is_none() {
            return;
        }
        let now = self.now;
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        match (session_expires(resp), c.st.interval) {
            // No refresher named: the UAC (we) refreshes.
            (Some((iv, who)), _) if iv > Duration::ZERO => c.st.start(now, iv, who.unwrap_or(true)),
            // A re-INVITE's 2xx without one: a peer that does no session
            // timers (we refresh for both, §9) still answered, so the
            // session is refreshed on the same terms.
            (None, Some(iv)) => {
                let we = c.st.we_refresh;
                c.st.start(now, iv, we)
            }
            // §7.2: an INVITE's 2xx without Session-Expires: no expiry.
            _ => c.st.stop(),
        }
    }

    /// A 422 to our INVITE or re-INVITE: try again once more with the Min-SE
    /// it asks for (§7.3). Returns `false` when no retry was made.
    pub(super) fn retry_after_422(
        &mut self,
        call: CallId,
        entry: &ClientEntry,
        resp: &InResponse,
    ) -> bool {
        let Some(cfg) = self.cfg.session_timer else {
            return false;
        };
        let Some(asked) = min_se(resp) else {
            return false;
        };
        let cnonce = self.ids.cnonce();
        let Some(c) = self.calls.get_mut(&call) else {
            return false;
        };
        if c.st.retries_422 >= 2 || asked > Duration::from_secs(86_400) {
            return false;
        }
        c.st.retries_422 += 1;
        c.st.min_se = Some(asked.max(cfg.min_se));
        c.local_cseq = c.local_cseq.wrapping_add(1);
        let mut req = entry.req.clone();
        req.cseq = c.local_cseq;
        let reinvite = matches!(entry.owner, Owner::ReInvite(..));
        if !reinvite {
            c.invite_cseq = req.cseq;
            c.got_provisional = false;
        }
        let auth = match c.auth.as_mut() {
            Some(a) if c.auth_tries > 0 => a.authorize(&req.method, &req.uri, &req.body, &cnonce),
            _ => Vec::new(),
        };
        req.extra.retain(|(n, _)| {
            !n.eq_ignore_ascii_case("session-expires") && !n.eq_ignore_ascii_case("min-se")
        });
        req.extra.extend(self.session_request_headers(Some(call)));
        debug!(
            min_se = asked.as_secs(),
            "422: retrying with the asked Min-SE"
        );
        self.resend_call_invite(call, entry, req, &auth);
        true
    }

    /// Our refresh re-INVITE failed: no command failed, the session simply
    /// runs out unless the peer refreshes. Returns whether it was a refresh.
    pub(super) fn session_refresh_failed(&mut self, call: CallId) -> bool {
        match self.calls.get_mut(&call) {
            Some(c) if c.st.refreshing => {
                c.st.refreshing = false;
                c.st.refresh_at = None;
                true
            }
            _ => false,
        }
    }

    /// The call's session timer: refresh when due, BYE when expired (§10).
    pub(super) fn session_timer_due(&mut self, call: CallId, now: Instant) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        if c.st.expire_at.is_some_and(|t| t <= now) {
            c.st.stop();
            warn!(%call, "session timer expired without a refresh; sending BYE");
            let why = Reason::new(Cause::Timeout)
                .with_text("session timer expired: the session was not refreshed (RFC 4028)");
            return self.end_call_with_bye(call, EndReason::system(why));
        }
        let due = c.st.we_refresh && !c.st.refreshing && c.st.refresh_at.is_some_and(|t| t <= now);
        if !due {
            return;
        }
        let busy = c.phase != Phase::Confirmed
            || c.reinvite_key.is_some()
            || c.uas_2xx.is_some()
            || c.reinvite_retry.is_some();
        if busy {
            // Another offer/answer exchange is under way: look again shortly.
            c.st.refresh_at = Some(now + Duration::from_secs(1));
            return;
        }
        c.st.refreshing = true;
        let op = if c.local_held {
            Operation::Hold
        } else {
            Operation::Resume
        };
        debug!(%call, "session refresh re-INVITE");
        self.send_reinvite(call, op);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_expires_values() {
        assert_eq!(
            parse_session_expires("1800;refresher=uas"),
            Some((Duration::from_secs(1800), Some(false)))
        );
        assert_eq!(
            parse_session_expires(" 90 ; Refresher = UAC"),
            Some((Duration::from_secs(90), Some(true)))
        );
        assert_eq!(
            parse_session_expires("120"),
            Some((Duration::from_secs(120), None))
        );
        assert_eq!(parse_session_expires("soon"), None);
        let (huge, _) = parse_session_expires("18446744073709551615").unwrap();
        assert_eq!(huge, Duration::from_secs(MAX_SECS));
        // A huge interval starts without panicking.
        let mut st = SessionTimer::default();
        st.start(Instant::now(), huge, true);
        assert!(st.interval.is_some());
    }

    #[test]
    fn timer_refreshes_at_half_and_expires_before_the_interval() {
        let t0 = Instant::now();
        let mut st = SessionTimer::default();
        st.start(t0, Duration::from_secs(90), true);
        assert_eq!(st.refresh_at, Some(t0 + Duration::from_secs(45)));
        // 90 - min(32, 30) = 60.
        assert_eq!(st.expire_at, Some(t0 + Duration::from_secs(60)));
        assert_eq!(st.next_deadline(), Some(t0 + Duration::from_secs(45)));
        st.refreshing = true;
        assert_eq!(st.next_deadline(), Some(t0 + Duration::from_secs(60)));
        st.start(t0, Duration::from_secs(1800), false);
        assert_eq!(st.refresh_at, None);
        assert_eq!(st.expire_at, Some(t0 + Duration::from_secs(1800 - 32)));
    }
}
