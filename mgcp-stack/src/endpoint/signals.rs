//! Signals of the line (`L`) and DTMF (`D`) packages (RFC 3660) as the
//! SAL's [`LineSignal`]s, and the rules of RFC 3435 §2.3.3 for them:
//! time-out signals (tones, ringing) play until a new request leaves them
//! out or a requested event occurs; brief ones (caller-ID, digits) and
//! on/off ones (message waiting) are told once.

use std::time::{Duration, Instant};

use openphone_sal::line::{AbsenceReason, Cadence, CallerId, CallerIdTime, LineSignal, Tone};
use openphone_sal::{Address, Cause, EndReason, Reason, StackEvent};
use tracing::info;

use super::line::{CallKind, LineCall};
use super::{Endpoint, Refusal};
use crate::message::{EventSpec, ReturnCode};

/// What a signal of a request does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Sig {
    Tone(Tone),
    Ring,
    CallerId(CallerId),
    MessageWaiting(bool),
    Digit(char),
}

impl Sig {
    fn is_timeout(&self) -> bool {
        matches!(self, Sig::Tone(_) | Sig::Ring)
    }
}

/// How long a time-out signal plays unless stopped (RFC 3660: dial tone
/// 16 s, ringing and ringback 180 s, busy and reorder 30 s); `to=` in the
/// signal's parameters (milliseconds) overrides it. `None`: until stopped.
fn time_out(spec: &EventSpec) -> Option<Duration> {
    let given = spec.parameters.as_deref().and_then(|p| {
        p.split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            if k.trim().eq_ignore_ascii_case("to") {
                v.trim().parse::<u64>().ok().map(Duration::from_millis)
            } else {
                None
            }
        })
    });
    if given.is_some() {
        return given;
    }
    let secs = match spec.name.event.to_ascii_lowercase().as_str() {
        "dl" | "sl" => 16,
        "rg" | "r0" | "r1" | "r2" | "r3" | "r4" | "r5" | "r6" | "r7" | "rt" => 180,
        "bz" | "ro" | "cg" => 30,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

fn unknown(spec: &EventSpec) -> Refusal {
    Refusal::new(
        ReturnCode::NO_SUCH_EVENT_OR_SIGNAL,
        format!("signal {spec} not supported"),
    )
}

fn bad_parameters(spec: &EventSpec) -> Refusal {
    Refusal::new(
        ReturnCode::EVENT_PARAMETER_ERROR,
        format!("bad parameters in {spec}"),
    )
}

/// Splits `a, "b, c", d` at the commas outside quotes; strips quotes.
fn split_quoted(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out.into_iter().map(|p| p.trim().to_string()).collect()
}

/// `L/ci(time, number, name)` (RFC 3660): `time` is `MM/DD/HH/MM`, the
/// number and name may be quoted, `P` is private, `O` out of area.
fn caller_id(spec: &EventSpec) -> Result<CallerId, Refusal> {
    let params = spec.parameters.as_deref().unwrap_or("");
    let parts = split_quoted(params);
    if parts.len() > 3 {
        return Err(bad_parameters(spec));
    }
    let get = |k: usize| parts.get(k).map(String::as_str).unwrap_or("");
    let absence = |v: &str| match v {
        "P" => Some(AbsenceReason::Private),
        "O" => Some(AbsenceReason::Unavailable),
        _ => None,
    };
    let number: String = get(1)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let mut id = match absence(&number) {
        Some(r) => CallerId::withheld(r),
        None if number.is_empty() => CallerId::withheld(AbsenceReason::Unavailable),
        None => CallerId::from_number(&number).map_err(|_| bad_parameters(spec))?,
    };
    let name = get(2);
    if let Some(r) = absence(name) {
        id = id.with_name_withheld(r);
    } else if !name.is_empty() {
        id = id.with_name(name).map_err(|_| bad_parameters(spec))?;
    }
    let time = get(0);
    if !time.is_empty() {
        let f: Vec<u8> = time
            .split('/')
            .map(|x| x.trim().parse::<u8>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad_parameters(spec))?;
        let [mo, d, h, mi] = f[..] else {
            return Err(bad_parameters(spec));
        };
        id = id.with_time(CallerIdTime::new(mo, d, h, mi).map_err(|_| bad_parameters(spec))?);
    }
    Ok(id)
}

fn parse_signal(spec: &EventSpec) -> Result<Sig, Refusal> {
    let pkg = spec
        .name
        .package
        .as_deref()
        .map(str::to_ascii_uppercase)
        .unwrap_or_else(|| "L".into());
    let e = spec.name.event.to_ascii_lowercase();
    match pkg.as_str() {
        "D" => {
            let mut c = spec.name.event.chars();
            match (c.next(), c.next()) {
                (Some(d), None) if openphone_sal::line::is_dtmf_digit(d.to_ascii_uppercase()) => {
                    Ok(Sig::Digit(d.to_ascii_uppercase()))
                }
                _ => Err(unknown(spec)),
            }
        }
        "L" => Ok(match e.as_str() {
            "dl" => Sig::Tone(Tone::Dial),
            "sl" => Sig::Tone(Tone::StutterDial),
            "rt" => Sig::Tone(Tone::Ringback),
            "bz" => Sig::Tone(Tone::Busy),
            "ro" | "cg" => Sig::Tone(Tone::Congestion),
            "wt" => Sig::Tone(Tone::CallWaiting),
            "cf" => Sig::Tone(Tone::Confirmation),
            "ot" => Sig::Tone(Tone::OffHookWarning),
            "rg" | "r0" | "r1" | "r2" | "r3" | "r4" | "r5" | "r6" | "r7" => Sig::Ring,
            "ci" => Sig::CallerId(caller_id(spec)?),
            "mwi" => Sig::MessageWaiting(true),
            "vmwi" => match spec.parameters.as_deref().map(str::trim) {
                None | Some("+") => Sig::MessageWaiting(true),
                Some("-") => Sig::MessageWaiting(false),
                Some(_) => return Err(bad_parameters(spec)),
            },
            _ => return Err(unknown(spec)),
        }),
        _ => Err(Refusal::new(
            ReturnCode::UNSUPPORTED_PACKAGE,
            format!("package {pkg} not supported"),
        )),
    }
}

/// Checks a signal list (`S:`): every signal known (522 / 518), good
/// parameters (538), no ringing on an off-hook line (401).
pub(super) fn check_signals(
    list: &[EventSpec],
    off_hook: Option<bool>,
) -> Result<Vec<(EventSpec, Sig)>, Refusal> {
    let mut out = Vec::with_capacity(list.len());
    for spec in list {
        let sig = parse_signal(spec)?;
        if sig == Sig::Ring && off_hook == Some(true) {
            return Err(Refusal::new(
                ReturnCode::ALREADY_OFF_HOOK,
                "ringing requested while off-hook",
            ));
        }
        out.push((spec.clone(), sig));
    }
    Ok(out)
}

impl Endpoint {
    fn line_signal(&mut self, i: usize, signal: LineSignal) {
        info!(line = %self.lines[i].name, %signal, "signal");
        self.events.push_back(StackEvent::LineSignal {
            account: self.lines[i].account,
            signal,
        });
    }

    /// Applies a new signal list: time-out signals left out stop, those
    /// already on go on, new ones start.
    pub(super) fn apply_signals(&mut self, now: Instant, i: usize, list: Vec<(EventSpec, Sig)>) {
        let old: Vec<Sig> = self.lines[i]
            .signals
            .iter()
            .filter_map(|s| parse_signal(s).ok())
            .collect();
        let new: Vec<Sig> = list.iter().map(|(_, s)| s.clone()).collect();
        let old_tone = old.iter().find(|s| matches!(s, Sig::Tone(_))).cloned();
        let new_tone = new.iter().find(|s| matches!(s, Sig::Tone(_))).cloned();
        if old_tone.is_some() && new_tone.is_none() {
            self.line_signal(i, LineSignal::StopTone);
        }
        let was_ringing = old.contains(&Sig::Ring);
        let rings = new.contains(&Sig::Ring);
        if was_ringing && !rings {
            self.line_signal(i, LineSignal::StopRinging);
            self.ring_stopped(i);
        }
        let caller = new.iter().find_map(|s| match s {
            Sig::CallerId(c) => Some(c.clone()),
            _ => None,
        });
        self.lines[i].signals = list
            .iter()
            .filter(|(_, s)| s.is_timeout())
            .map(|(e, _)| e.clone())
            .collect();
        // A signal that goes on keeps its deadline; a new one starts its own.
        let old_deadlines = std::mem::take(&mut self.lines[i].signal_deadlines);
        let deadlines = self.lines[i]
            .signals
            .iter()
            .filter_map(|spec| {
                let kept = old_deadlines
                    .iter()
                    .find(|(e, _)| e.name == spec.name)
                    .map(|(_, t)| *t);
                kept.or_else(|| time_out(spec).and_then(|d| now.checked_add(d)))
                    .map(|t| (spec.clone(), t))
            })
            .collect();
        self.lines[i].signal_deadlines = deadlines;
        for sig in new {
            match sig {
                Sig::Tone(t) => {
                    if old_tone != Some(Sig::Tone(t)) {
                        self.line_signal(i, LineSignal::Tone(t));
                    }
                    self.tone_started(i, t);
                }
                Sig::Ring => {
                    if !was_ringing {
                        let cadence = Cadence::ring(self.config.country);
                        self.line_signal(
                            i,
                            LineSignal::Ring {
                                cadence,
                                caller_id: caller.clone(),
                            },
                        );
                    }
                    self.ringing(i, caller.clone());
                }
                Sig::CallerId(c) if !rings => self.line_signal(i, LineSignal::CallerId(c)),
                Sig::CallerId(_) => {}
                Sig::MessageWaiting(on) => self.line_signal(i, LineSignal::MessageWaiting(on)),
                Sig::Digit(d) => self.line_signal(i, LineSignal::Digits(d.to_string())),
            }
        }
    }

    /// A requested event occurred (without `K`): time-out signals stop.
    pub(super) fn stop_timeout_signals(&mut self, i: usize) {
        self.lines[i].signal_deadlines.clear();
        let old = std::mem::take(&mut self.lines[i].signals);
        let sigs: Vec<Sig> = old.iter().filter_map(|s| parse_signal(s).ok()).collect();
        if sigs.iter().any(|s| matches!(s, Sig::Tone(_))) {
            self.line_signal(i, LineSignal::StopTone);
        }
        if sigs.contains(&Sig::Ring) {
            self.line_signal(i, LineSignal::StopRinging);
        }
    }

    /// The earliest end of a time-out signal of line `i`.
    pub(super) fn signal_deadline(&self, i: usize) -> Option<Instant> {
        self.lines[i].signal_deadlines.iter().map(|(_, t)| *t).min()
    }

    /// Time-out signals that have played their time stop, and each is
    /// reported as the event `L/oc(<signal>)` (operation complete).
    pub(super) fn signal_timeout(&mut self, now: Instant, i: usize) {
        let (done, left): (Vec<_>, Vec<_>) = std::mem::take(&mut self.lines[i].signal_deadlines)
            .into_iter()
            .partition(|(_, t)| *t <= now);
        self.lines[i].signal_deadlines = left;
        for (spec, _) in done {
            self.lines[i].signals.retain(|s| s.name != spec.name);
            match parse_signal(&spec) {
                Ok(Sig::Ring) => {
                    self.line_signal(i, LineSignal::StopRinging);
                    self.ring_stopped(i);
                }
                _ => self.line_signal(i, LineSignal::StopTone),
            }
            info!(line = %self.lines[i].name, signal = %spec, "signal timed out");
            let mut name = spec.name.clone();
            name.connection = None;
            let oc = super::request::event("L", "oc").with_parameters(name.to_string());
            self.observe(now, i, oc);
        }
    }

    /// Ringback on a dialled call is the far end ringing; busy or
    /// congestion before it answered is the call failing.
    fn tone_started(&mut self, i: usize, tone: Tone) {
        let Some(call) = self.lines[i].call.as_mut() else {
            return;
        };
        if call.kind != CallKind::Outgoing || !call.announced || call.connected {
            return;
        }
        match tone {
            Tone::Ringback if !call.ringing => {
                call.ringing = true;
                let id = call.id;
                self.events.push_back(StackEvent::Ringing {
                    call: id,
                    early_media: false,
                });
            }
            Tone::Busy | Tone::Congestion => {
                let cause = if tone == Tone::Busy {
                    Cause::Busy
                } else {
                    Cause::Congestion
                };
                self.end_call(
                    i,
                    EndReason::remote(
                        Reason::new(cause).with_text(format!("{tone} from the call agent")),
                    ),
                );
            }
            _ => {}
        }
    }

    /// The agent rings the line: an incoming call for the phone.
    fn ringing(&mut self, i: usize, caller: Option<CallerId>) {
        if self.lines[i].ring_ignored {
            return;
        }
        let line = &mut self.lines[i];
        let call = line.call.get_or_insert_with(|| LineCall {
            id: openphone_sal::CallId::next(),
            kind: CallKind::Incoming,
            announced: false,
            connected: false,
            ringing: false,
            caller: None,
        });
        if call.kind != CallKind::Incoming || call.announced {
            return;
        }
        call.announced = true;
        call.caller = caller.clone();
        let id = call.id;
        let number = caller
            .as_ref()
            .and_then(|c| c.number())
            .unwrap_or("anonymous");
        let mut from = Address::new(format!("mgcp:{number}"))
            .unwrap_or_else(|_| Address::new("mgcp:anonymous").expect("a valid URI"));
        if let Some(name) = caller.as_ref().and_then(|c| c.name()) {
            from = from.with_display_name(name);
        }
        let to = line.aor.clone().unwrap_or_else(|| {
            Address::new(format!("mgcp:{}", line.name))
                .unwrap_or_else(|_| Address::new("mgcp:line").expect("a valid URI"))
        });
        info!(line = %line.name, %from, "incoming call");
        self.events.push_back(StackEvent::IncomingCall {
            call: id,
            account: line.account,
            from,
            to,
            offer: None,
            replaces: None,
            alert_info: None,
        });
        // Media agreed before the ring (CRCX first) is told now.
        let agreed: Vec<_> = line
            .connections
            .iter()
            .filter(|c| c.sal == id)
            .filter_map(|c| c.negotiated.clone())
            .collect();
        for media in agreed {
            self.events
                .push_back(StackEvent::MediaNegotiated { call: id, media });
        }
    }

    /// The agent stopped ringing: an unanswered call was given up.
    fn ring_stopped(&mut self, i: usize) {
        self.lines[i].ring_ignored = false;
        let unanswered = !self.lines[i].off_hook()
            && self.lines[i]
                .call
                .as_ref()
                .is_some_and(|c| c.kind == CallKind::Incoming && c.announced);
        if unanswered {
            self.end_call(
                i,
                EndReason::remote(Reason::new(Cause::Cancelled).with_text("ringing stopped")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::parse_event_specs;

    #[test]
    fn signals_map_to_line_signals() {
        let s = parse_event_specs(
            "L/dl,L/rg,L/ci(10/14/17/26, \"555 1212\", \"Doe, John\"),L/vmwi(-),D/5",
        )
        .unwrap();
        let c = check_signals(&s, Some(false)).unwrap();
        assert_eq!(c[0].1, Sig::Tone(Tone::Dial));
        assert_eq!(c[1].1, Sig::Ring);
        let Sig::CallerId(id) = &c[2].1 else { panic!() };
        assert_eq!(id.number(), Some("5551212"));
        assert_eq!(id.name(), Some("Doe, John"));
        assert_eq!(c[3].1, Sig::MessageWaiting(false));
        assert_eq!(c[4].1, Sig::Digit('5'));
    }

    #[test]
    fn bad_signals_get_their_codes() {
        let code = |s: &str, off: Option<bool>| {
            check_signals(&parse_event_specs(s).unwrap(), off)
                .err()
                .map(|e| e.code)
        };
        assert_eq!(
            code("L/zz", None),
            Some(ReturnCode::NO_SUCH_EVENT_OR_SIGNAL)
        );
        assert_eq!(code("Q/x", None), Some(ReturnCode::UNSUPPORTED_PACKAGE));
        assert_eq!(code("L/rg", Some(true)), Some(ReturnCode::ALREADY_OFF_HOOK));
        assert_eq!(
            code("L/vmwi(x)", None),
            Some(ReturnCode::EVENT_PARAMETER_ERROR)
        );
        assert_eq!(
            code("L/ci(99/99/99/99, 1)", None),
            Some(ReturnCode::EVENT_PARAMETER_ERROR)
        );
        assert_eq!(code("D/Z", None), Some(ReturnCode::NO_SUCH_EVENT_OR_SIGNAL));
        assert_eq!(code("L/ci(,P,P)", None), None);
    }
}
