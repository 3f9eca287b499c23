//! Notification requests (RFC 3435 §2.3.3, §4.4): which events the call
//! agent watches and what the line does when one occurs — notify,
//! accumulate, collect by the digit map, ignore, keep signals, or apply an
//! embedded request — and the NTFY that reports them.

use std::time::Instant;

use openphone_sal::DigitCollector;
use tracing::{debug, info};

use super::line::{Request, MAX_BUFFERED_EVENTS};
use super::signals::check_signals;
use super::{Endpoint, Pending, Refusal};
use crate::message::{
    Action, Command, EmbeddedRequest, EventName, EventSpec, Parameter, Parameters, RequestedEvent,
    ReturnCode, TransactionId, Verb,
};

/// Events of the line package this endpoint detects.
const LINE_EVENTS: [&str; 5] = ["hd", "hu", "hf", "oc", "of"];
/// Events of the generic media package this endpoint detects.
const GENERIC_EVENTS: [&str; 2] = ["ft", "mt"];

/// The package an event name belongs to, upper case: its own, or the
/// default one of the event (`hd` is `L`, `5` is `D`).
pub(super) fn package_of(name: &EventName) -> String {
    if let Some(p) = &name.package {
        return p.to_ascii_uppercase();
    }
    let e = name.event.to_ascii_lowercase();
    if GENERIC_EVENTS.contains(&e.as_str()) {
        "G".into()
    } else if digit_pattern_ok(&name.event) && !LINE_EVENTS.contains(&e.as_str()) {
        "D".into()
    } else {
        "L".into()
    }
}

fn is_digit_symbol(c: char) -> bool {
    c.is_ascii_digit() || matches!(c.to_ascii_uppercase(), '*' | '#' | 'A'..='D' | 'T' | 'X')
}

/// Whether `p` names DTMF events: one symbol, `X`, `all`, or a bracketed
/// set with ranges (`[0-9#*T]`).
fn digit_pattern_ok(p: &str) -> bool {
    if p.eq_ignore_ascii_case("all") {
        return true;
    }
    if let Some(inner) = p.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let c: Vec<char> = inner.chars().collect();
        if c.is_empty() {
            return false;
        }
        let mut k = 0;
        while k < c.len() {
            if k + 2 < c.len() && c[k + 1] == '-' {
                if !(c[k].is_ascii_digit() && c[k + 2].is_ascii_digit() && c[k] <= c[k + 2]) {
                    return false;
                }
                k += 3;
            } else if is_digit_symbol(c[k]) {
                k += 1;
            } else {
                return false;
            }
        }
        return true;
    }
    let mut chars = p.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if is_digit_symbol(c))
}

/// Whether the digit set `p` (already checked) contains `d`.
fn digit_set_contains(p: &str, d: char) -> bool {
    let d = d.to_ascii_uppercase();
    let one = |s: char| {
        let s = s.to_ascii_uppercase();
        s == d || (s == 'X' && d.is_ascii_digit())
    };
    if p.eq_ignore_ascii_case("all") {
        return true;
    }
    if let Some(inner) = p.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let c: Vec<char> = inner.chars().collect();
        let mut k = 0;
        while k < c.len() {
            if k + 2 < c.len() && c[k + 1] == '-' {
                if (c[k]..=c[k + 2]).contains(&d) {
                    return true;
                }
                k += 3;
            } else {
                if one(c[k]) {
                    return true;
                }
                k += 1;
            }
        }
        return false;
    }
    p.chars().next().is_some_and(one)
}

/// Whether the requested event `req` covers the observed event `ev`
/// (`ev` always names its package).
pub(super) fn event_matches(req: &EventName, ev: &EventName) -> bool {
    let rp = package_of(req);
    let ep = package_of(ev);
    if rp != "*" && rp != ep {
        return false;
    }
    let e = req.event.as_str();
    if e.eq_ignore_ascii_case("all") || (e == "*" && rp != "D") {
        return true;
    }
    if ep == "D" {
        ev.event
            .chars()
            .next()
            .is_some_and(|d| digit_set_contains(e, d))
    } else {
        e.eq_ignore_ascii_case(&ev.event)
    }
}

/// Checks an event name of `R:`: a package we have (518 otherwise) and
/// an event of it we detect (522 otherwise).
fn check_event_name(name: &EventName) -> Result<(), Refusal> {
    let pkg = package_of(name);
    let e = name.event.to_ascii_lowercase();
    let known = match pkg.as_str() {
        "L" => LINE_EVENTS.contains(&e.as_str()) || e == "all" || e == "*",
        "G" => GENERIC_EVENTS.contains(&e.as_str()) || e == "all" || e == "*",
        "D" => digit_pattern_ok(&name.event),
        "*" => e == "all" || e == "*",
        _ => {
            return Err(Refusal::new(
                ReturnCode::UNSUPPORTED_PACKAGE,
                format!("package {pkg} not supported"),
            ))
        }
    };
    if known {
        Ok(())
    } else {
        Err(Refusal::new(
            ReturnCode::NO_SUCH_EVENT_OR_SIGNAL,
            format!("event {name} not supported"),
        ))
    }
}

/// Checks a list of requested events. `has_map`: a digit map is (or
/// will be) in force; `off_hook`: the hook state to check hook events
/// against (`None` inside an embedded request, which applies later).
pub(super) fn check_events(
    events: &[RequestedEvent],
    has_map: bool,
    off_hook: Option<bool>,
) -> Result<(), Refusal> {
    for r in events {
        check_event_name(&r.name)?;
        let hook = |e: &str| package_of(&r.name) == "L" && r.name.event.eq_ignore_ascii_case(e);
        if off_hook == Some(true) && hook("hd") {
            return Err(Refusal::new(
                ReturnCode::ALREADY_OFF_HOOK,
                "off-hook requested while off-hook",
            ));
        }
        if off_hook == Some(false) && hook("hu") {
            return Err(Refusal::new(
                ReturnCode::ALREADY_ON_HOOK,
                "on-hook requested while on-hook",
            ));
        }
        let mut kinds = 0;
        for a in &r.actions {
            match a {
                Action::Notify | Action::Accumulate | Action::Ignore => kinds += 1,
                Action::DigitMap => {
                    kinds += 1;
                    if package_of(&r.name) != "D" {
                        return Err(Refusal::new(
                            ReturnCode::UNKNOWN_ACTION,
                            format!("digit map action on {}", r.name),
                        ));
                    }
                    let embedded_map = r
                        .actions
                        .iter()
                        .any(|a| matches!(a, Action::Embedded(e) if e.digit_map.is_some()));
                    if !has_map && !embedded_map {
                        return Err(Refusal::new(
                            ReturnCode::NO_DIGIT_MAP,
                            "digit map action without a digit map",
                        ));
                    }
                }
                Action::KeepSignals => {}
                Action::Embedded(e) => check_embedded(e, has_map)?,
                Action::Swap => {
                    return Err(Refusal::new(
                        ReturnCode::UNKNOWN_ACTION,
                        "swap needs two connections; one line has one",
                    ))
                }
                Action::Extension(x) => {
                    return Err(Refusal::new(
                        ReturnCode::UNKNOWN_ACTION,
                        format!("action {x} not supported"),
                    ))
                }
            }
        }
        if kinds > 1 {
            return Err(Refusal::new(
                ReturnCode::UNKNOWN_ACTION,
                format!("conflicting actions on {}", r.name),
            ));
        }
    }
    Ok(())
}

fn check_embedded(e: &EmbeddedRequest, has_map: bool) -> Result<(), Refusal> {
    let has_map = has_map || e.digit_map.is_some();
    if let Some(r) = &e.requested_events {
        check_events(r, has_map, None)?;
    }
    if let Some(s) = &e.signals {
        check_signals(s, None)?;
    }
    Ok(())
}

impl Endpoint {
    /// A NotificationRequest (alone, or embedded in CRCX/MDCX/DLCX):
    /// checks everything first, then replaces the request, signals and
    /// digit map, and processes quarantined events.
    pub(super) fn notification_request(
        &mut self,
        now: Instant,
        i: usize,
        p: &Parameters,
    ) -> Result<(), Refusal> {
        let Some(x) = p.request_id().cloned() else {
            return Err(Refusal::new(
                ReturnCode::PROTOCOL_ERROR,
                "RequestIdentifier (X:) missing",
            ));
        };
        let events = p.requested_events().cloned().unwrap_or_default();
        let line = &self.lines[i];
        let has_map = p.digit_map().is_some() || line.digit_map.is_some();
        check_events(&events, has_map, Some(line.off_hook()))?;
        let signals = p.signal_requests().cloned().unwrap_or_default();
        let checked = check_signals(&signals, Some(line.off_hook()))?;
        info!(line = %line.name, %x, events = events.len(), signals = signals.len(), "notification request");
        let line = &mut self.lines[i];
        line.request = Request {
            id: Some(x),
            events,
            quarantine: p.quarantine_handling().cloned(),
            detect: p.detect_events().cloned(),
        };
        if let Some(m) = p.digit_map() {
            line.digit_map = Some(m.clone());
        }
        line.observed.clear();
        line.collector = None;
        let quarantined: Vec<EventSpec> = line.quarantine.drain(..).collect();
        let discard = line.request.discards();
        line.notifying = false;
        self.apply_signals(now, i, checked);
        self.start_collection(now, i);
        if !discard {
            for ev in quarantined {
                self.observe(now, i, ev);
            }
        }
        Ok(())
    }

    /// Starts digit collection when the request collects digits and the
    /// line is off-hook (the start timer waits for the first digit).
    fn start_collection(&mut self, now: Instant, i: usize) {
        let line = &mut self.lines[i];
        let collects = line
            .request
            .events
            .iter()
            .any(|r| r.actions.contains(&Action::DigitMap));
        if collects && line.off_hook() && line.collector.is_none() && !line.notifying {
            if let Some(map) = line.digit_map.clone() {
                line.collector = Some(DigitCollector::new(map, self.config.digit_timers, now));
            }
        }
    }

    /// An event occurred on line `i` (`ev` names its package). Returns
    /// whether the call agent asked for it (or it waits in quarantine).
    pub(super) fn observe(&mut self, now: Instant, i: usize, ev: EventSpec) -> bool {
        let line = &mut self.lines[i];
        if line.notifying {
            if line.quarantine.len() >= MAX_BUFFERED_EVENTS {
                line.quarantine.pop_front();
            }
            debug!(line = %line.name, event = %ev, "quarantined");
            line.quarantine.push_back(ev);
            return true;
        }
        let Some(r) = line
            .request
            .events
            .iter()
            .find(|r| event_matches(&r.name, &ev.name))
            .cloned()
        else {
            debug!(line = %line.name, event = %ev, "not requested");
            return false;
        };
        debug!(line = %line.name, event = %ev, actions = ?r.actions, "requested event");
        if !r.actions.contains(&Action::KeepSignals) {
            self.stop_timeout_signals(i);
        }
        let default_notify = r
            .actions
            .iter()
            .all(|a| matches!(a, Action::KeepSignals | Action::Embedded(_)));
        let mut notify = default_notify;
        if default_notify {
            self.push_observed(i, ev.clone());
        }
        let mut embedded = None;
        for a in &r.actions {
            match a {
                Action::Notify => {
                    self.push_observed(i, ev.clone());
                    notify = true;
                }
                Action::Accumulate => self.push_observed(i, ev.clone()),
                Action::DigitMap => notify |= self.collect_digit(now, i, &ev),
                Action::Embedded(e) => embedded = Some(e.clone()),
                _ => {}
            }
        }
        if let Some(e) = embedded {
            self.apply_embedded(now, i, e);
        }
        if notify {
            self.notify(now, i);
        }
        true
    }

    fn push_observed(&mut self, i: usize, ev: EventSpec) {
        let observed = &mut self.lines[i].observed;
        if observed.len() >= MAX_BUFFERED_EVENTS {
            observed.remove(0);
        }
        observed.push(ev);
    }

    /// Feeds a digit to the collector; true when the collection ended.
    fn collect_digit(&mut self, now: Instant, i: usize, ev: &EventSpec) -> bool {
        let Some(d) = ev.name.event.chars().next() else {
            return false;
        };
        let line = &mut self.lines[i];
        if line.collector.as_ref().is_none_or(|c| c.is_finished()) {
            let Some(map) = line.digit_map.clone() else {
                return false;
            };
            line.collector = Some(DigitCollector::new(map, self.config.digit_timers, now));
        }
        self.push_observed(i, ev.clone());
        let line = &mut self.lines[i];
        let Some(c) = line.collector.as_mut() else {
            return false;
        };
        match c.handle_digit(now, d) {
            Ok(Some(done)) => {
                info!(line = %line.name, digits = %done.digits, matched = done.matched, "digits collected");
                line.collector = None;
                if done.timer_expired {
                    self.push_observed(i, timer_event());
                }
                true
            }
            Ok(None) => false,
            Err(e) => {
                debug!(error = %e, "digit not collected");
                false
            }
        }
    }

    /// The collector's timer of line `i`, if due.
    pub(super) fn collector_timeout(&mut self, now: Instant, i: usize) {
        let line = &mut self.lines[i];
        let Some(c) = line.collector.as_mut() else {
            return;
        };
        if c.poll_timeout().is_none_or(|t| t > now) {
            return;
        }
        if let Some(done) = c.handle_timeout(now) {
            info!(line = %line.name, digits = %done.digits, matched = done.matched, "digit timer expired");
            line.collector = None;
            self.push_observed(i, timer_event());
            self.notify(now, i);
        }
    }

    fn apply_embedded(&mut self, now: Instant, i: usize, e: EmbeddedRequest) {
        let line = &mut self.lines[i];
        if let Some(m) = e.digit_map {
            line.digit_map = Some(m);
        }
        if let Some(r) = e.requested_events {
            line.request.events = r;
            line.collector = None;
        }
        if let Some(s) = e.signals {
            // Checked with the request that carried it; a ring on an
            // off-hook line is dropped by the check.
            match check_signals(&s, Some(self.lines[i].off_hook())) {
                Ok(checked) => self.apply_signals(now, i, checked),
                Err(r) => debug!(text = %r.text, "embedded signals not applied"),
            }
        }
        self.start_collection(now, i);
    }

    /// Sends the accumulated events to the notified entity.
    pub(super) fn notify(&mut self, now: Instant, i: usize) {
        let line = &mut self.lines[i];
        let observed = std::mem::take(&mut line.observed);
        let mut cmd = Command::new(Verb::Notify, TransactionId::FIRST, line.name.clone());
        if let Some(x) = &line.request.id {
            cmd.parameters.push(Parameter::RequestId(x.clone()));
        }
        info!(line = %line.name, observed = %crate::message::Parameter::ObservedEvents(observed.clone()), "NTFY");
        cmd.parameters.push(Parameter::ObservedEvents(observed));
        if !line.request.loops() {
            line.notifying = true;
            line.collector = None;
        }
        let to = line.notified;
        self.send(now, to, cmd, Pending::Notify(i));
    }
}

/// `D/T`: the inter-digit timer took part in the match.
fn timer_event() -> EventSpec {
    EventSpec::new(EventName {
        package: Some("D".into()),
        event: "T".into(),
        connection: None,
    })
}

/// An observed event `package/event`.
pub(super) fn event(package: &str, name: &str) -> EventSpec {
    EventSpec::new(EventName {
        package: Some(package.into()),
        event: name.into(),
        connection: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> EventName {
        s.parse().unwrap()
    }

    #[test]
    fn digit_sets_and_defaults() {
        assert!(event_matches(&n("D/[0-9#*T]"), &n("D/5")));
        assert!(event_matches(&n("D/[0-9#*T]"), &n("D/#")));
        assert!(!event_matches(&n("D/[0-4]"), &n("D/5")));
        assert!(event_matches(&n("D/X"), &n("D/7")));
        assert!(!event_matches(&n("D/X"), &n("D/*")));
        assert!(event_matches(&n("[0-9]"), &n("D/1")));
        assert!(event_matches(&n("hd"), &n("L/hd")));
        assert!(event_matches(&n("L/all"), &n("L/hf")));
        assert!(!event_matches(&n("L/hu"), &n("L/hd")));
        assert!(event_matches(&n("ft"), &n("G/ft")));
        assert!(!digit_pattern_ok("[9-0]"));
        assert!(!digit_pattern_ok("[]"));
        assert!(!digit_pattern_ok("[0-9q]"));
    }

    #[test]
    fn checks_give_the_rfc_codes() {
        let r = |s: &str| crate::message::parse_requested_events(s).unwrap();
        let code = |s: &str, map: bool, off: Option<bool>| {
            check_events(&r(s), map, off).err().map(|e| e.code)
        };
        assert_eq!(code("L/hd(N)", false, Some(false)), None);
        assert_eq!(
            code("L/hd(N)", false, Some(true)),
            Some(ReturnCode::ALREADY_OFF_HOOK)
        );
        assert_eq!(
            code("L/hu(N)", false, Some(false)),
            Some(ReturnCode::ALREADY_ON_HOOK)
        );
        assert_eq!(
            code("Q/zz(N)", false, None),
            Some(ReturnCode::UNSUPPORTED_PACKAGE)
        );
        assert_eq!(
            code("L/zz(N)", false, None),
            Some(ReturnCode::NO_SUCH_EVENT_OR_SIGNAL)
        );
        assert_eq!(
            code("D/[0-9](D)", false, None),
            Some(ReturnCode::NO_DIGIT_MAP)
        );
        assert_eq!(code("D/[0-9](D)", true, None), None);
        assert_eq!(
            code("L/hf(S,N)", false, None),
            Some(ReturnCode::UNKNOWN_ACTION)
        );
        assert_eq!(
            code("L/hf(N,A)", false, None),
            Some(ReturnCode::UNKNOWN_ACTION)
        );
        assert_eq!(
            code("L/hd(D)", true, None),
            Some(ReturnCode::UNKNOWN_ACTION)
        );
        assert_eq!(
            code(
                "L/hd(A,E(S(L/dl),R(L/hu(N),D/[0-9](D)),D(xxxx)))",
                false,
                Some(false)
            ),
            None
        );
        assert_eq!(
            code("L/hd(A,E(S(L/zz)))", false, Some(false)),
            Some(ReturnCode::NO_SUCH_EVENT_OR_SIGNAL)
        );
    }
}
