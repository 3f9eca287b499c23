//! The softphone's commands, from stdin or the control socket: each one
//! runs against the phone and answers with lines to show.

use std::time::Duration;

use openphone::{Account, Call, Cause, HookState, LineEvent, Phone, RawCause, Reason};

use crate::contacts::AddressBook;
use crate::setup;
use crate::state::{clock, CallBook, Settings};

/// What a command answered.
#[derive(Debug, Default)]
pub struct Reply {
    /// Lines to show; failures start with `error:`.
    pub lines: Vec<String>,
    /// The phone is to stop (`quit`).
    pub quit: bool,
}

impl Reply {
    fn say(&mut self, line: String) {
        self.lines.push(line);
    }

    fn fail(&mut self, cmd: &str, e: impl std::fmt::Display) {
        self.lines.push(format!("error: {cmd}: {e}"));
    }
}

/// The call commands act on, and the MGCP line if the phone is one.
pub struct Target<'a> {
    pub phone: &'a Phone,
    pub line: Option<&'a Account>,
    pub current: &'a mut Option<Call>,
    pub settings: &'a mut Settings,
    pub book: &'a CallBook,
    pub contacts: &'a AddressBook,
    /// The account's domain, to call a contact's bare phone number.
    pub domain: Option<&'a str>,
}

/// Runs one command line.
pub fn run(t: &mut Target<'_>, input: &str) -> Reply {
    let mut reply = Reply::default();
    let input = input.trim();
    if !toggle(t, input, &mut reply) {
        match t.line {
            Some(line) => line_command(t, line, input, &mut reply),
            None => command(t, input, &mut reply),
        }
    }
    reply
}

fn split(input: &str) -> (&str, &str) {
    input
        .split_once(' ')
        .map(|(a, b)| (a, b.trim()))
        .unwrap_or((input, ""))
}

/// A command on an MGCP line: the hook and keypad, then the common ones.
fn line_command(t: &mut Target<'_>, line: &Account, input: &str, reply: &mut Reply) {
    let current = &*t.current;
    let (cmd, rest) = split(input);
    let result = match cmd {
        "offhook" => line.line_event(LineEvent::Hook(HookState::OffHook)),
        "onhook" => line.line_event(LineEvent::Hook(HookState::OnHook)),
        // On-hook, or giving up a ringing call the phone was told of.
        "hangup" => match current.as_ref() {
            Some(c) => c.hangup(),
            None => line.line_event(LineEvent::Hook(HookState::OnHook)),
        },
        "flash" => line.line_event(LineEvent::Flash),
        "dial" if rest.is_empty() => {
            reply.say("error: dial needs digits".into());
            Ok(())
        }
        "dial" => {
            let keypad = || {
                rest.chars().try_for_each(|d| match LineEvent::digit(d) {
                    Some(ev) => line.line_event(ev),
                    None => Err(openphone::Error::Config(format!(
                        "{d:?} is not a DTMF digit"
                    ))),
                })
            };
            match current.as_ref() {
                // In a call: RFC 4733 to the far end when agreed, and the
                // keys to the call agent; without telephone-event the
                // stack turns the DTMF into the line's digit events itself.
                Some(c) => {
                    let rtp = c
                        .negotiated_media()
                        .ok()
                        .flatten()
                        .and_then(|m| m.audio().and_then(|a| a.send.clone()))
                        .is_some_and(|s| s.telephone_event.is_some());
                    c.send_dtmf(rest)
                        .and_then(|()| if rtp { keypad() } else { Ok(()) })
                }
                None => keypad(),
            }
        }
        "call" if !rest.contains(':') => {
            let uri = format!("mgcp:{rest}");
            return command(t, &format!("call {uri}"), reply);
        }
        _ => return command(t, input, reply),
    };
    if let Err(e) = result {
        reply.fail(cmd, e);
    }
}

/// `reject` takes a cause name (`busy`, `declined`…) or a protocol status
/// code (sent as is when the call's protocol uses such codes); default busy.
pub fn reject_reason(arg: &str) -> Result<Reason, openphone::Error> {
    let cause = match arg {
        "" | "busy" => Cause::Busy,
        "declined" | "decline" => Cause::Declined,
        "unavailable" => Cause::Unavailable,
        "notfound" | "not-found" => Cause::NotFound,
        "forbidden" => Cause::Forbidden,
        code => {
            let n: u16 = code.parse().map_err(|_| {
                openphone::Error::Config(format!(
                    "reject takes busy, declined, unavailable, notfound, forbidden or a status code, not {code:?}"
                ))
            })?;
            return Ok(Reason::new(Cause::Other).with_raw(RawCause::Sip(n)));
        }
    };
    Ok(Reason::new(cause))
}

/// A command any phone takes.
fn command(t: &mut Target<'_>, line: &str, reply: &mut Reply) {
    let (phone, book) = (t.phone, t.book);
    let (cmd, rest) = split(line);
    let result: Result<(), openphone::Error> = match cmd {
        "" => Ok(()),
        "quit" | "exit" => {
            reply.quit = true;
            Ok(())
        }
        "call" if rest.is_empty() => {
            reply.say("error: call needs a URI".into());
            Ok(())
        }
        // A name from the address book.
        "call" if !rest.contains(':') => {
            match t
                .contacts
                .lookup(rest)
                .and_then(|c| AddressBook::uri_for(c, t.domain).map(|u| (c, u)))
            {
                Ok((c, uri)) => phone.call(&uri).map(|call| {
                    reply.say(format!("calling {} ({uri}) as {}", c.name, call.id()));
                    *t.current = Some(call);
                }),
                Err(e) => {
                    reply.fail(cmd, e);
                    Ok(())
                }
            }
        }
        "call" => phone.call(rest).map(|c| {
            reply.say(format!("calling {} as {}", rest, c.id()));
            *t.current = Some(c);
        }),
        "contacts" => {
            let want = rest.to_lowercase();
            let mut any = false;
            for c in t
                .contacts
                .iter()
                .filter(|c| c.name.to_lowercase().contains(&want))
            {
                let mut addrs = c.uris.clone();
                addrs.extend(c.numbers.iter().cloned());
                reply.say(format!("contact: {} | {}", c.name, addrs.join(", ")));
                any = true;
            }
            if !any {
                reply.say("contact: none".into());
            }
            Ok(())
        }
        "status" => {
            let calls = phone.active_calls();
            if calls.is_empty() {
                reply.say("status: no call".into());
            }
            for c in calls {
                reply.say(format!("status: {}", status_line(&c, book)));
                if let Ok(s) = c.stats() {
                    reply.lines.extend(setup::stats_lines("status", &s));
                }
            }
            Ok(())
        }
        "history" => {
            let mut any = false;
            for line in book.earlier() {
                reply.say(format!("history: {line} (earlier run)"));
                any = true;
            }
            for e in book.history() {
                reply.say(format!("history: {e}"));
                any = true;
            }
            if !any {
                reply.say("history: no ended call".into());
            }
            Ok(())
        }
        // An instant message (SIP MESSAGE, RFC 3428) as plain text.
        "message" => {
            let (to, text) = split(rest);
            if to.is_empty() || text.is_empty() {
                Err(openphone::Error::Config(
                    "message needs a URI and a text".into(),
                ))
            } else {
                phone
                    .send_message(to, "text/plain;charset=UTF-8", text.as_bytes())
                    .map(|()| reply.say(format!("message: sent to {to}")))
            }
        }
        "calls" => {
            let calls = phone.active_calls();
            if calls.is_empty() {
                reply.say("calls: none".into());
            }
            for c in calls {
                let mark = if t.current.as_ref().is_some_and(|cur| cur.id() == c.id()) {
                    "*"
                } else {
                    " "
                };
                reply.say(format!("calls:{mark}{}", status_line(&c, book)));
            }
            Ok(())
        }
        "switch" => match find_call(phone, rest) {
            Ok(c) => {
                reply.say(format!("switch: current call {}", c.id()));
                *t.current = Some(c);
                Ok(())
            }
            Err(e) => {
                reply.fail(cmd, e);
                Ok(())
            }
        },
        // Every established call into one local conference.
        "conference" => {
            let calls: Vec<Call> = phone
                .active_calls()
                .into_iter()
                .filter(|c| c.state().is_ok_and(|s| s.is_established()))
                .collect();
            if calls.len() < 2 {
                reply.say("error: conference: needs two established calls".into());
                Ok(())
            } else {
                phone.conference(&calls).map(|()| {
                    let ids: Vec<String> = calls.iter().map(|c| c.id().to_string()).collect();
                    reply.say(format!("conference: {}", ids.join(", ")));
                })
            }
        }
        // Attended transfer: the first call's peer to the second's.
        "atransfer" => {
            let (a, b) = split(rest);
            match (find_call(phone, a), find_call(phone, b)) {
                (Ok(a), Ok(b)) => a.transfer_to(&b),
                (Err(e), _) | (_, Err(e)) => {
                    reply.fail(cmd, e);
                    Ok(())
                }
            }
        }
        "answer" | "reject" | "hangup" | "dtmf" | "hold" | "resume" | "transfer" | "redirect"
        | "split" | "verify" => {
            let (named, rest) = named_call(phone, cmd, rest);
            let named = match named {
                Ok(n) => n,
                Err(e) => {
                    reply.fail(cmd, e);
                    return;
                }
            };
            match named.as_ref().or(t.current.as_ref()) {
                None => {
                    reply.say(format!("error: {cmd}: no current call"));
                    Ok(())
                }
                Some(c) => match cmd {
                    "answer" => c.answer(),
                    "reject" => reject_reason(rest).and_then(|r| c.reject_with(r)),
                    "hangup" => c.hangup(),
                    "dtmf" => c.send_dtmf(rest),
                    "hold" => c.hold(),
                    "resume" => c.resume(),
                    "split" => c.split(),
                    // The user compared the SAS aloud with the peer.
                    "verify" => c.set_sas_verified(true),
                    "redirect" if rest.is_empty() => {
                        Err(openphone::Error::Config("redirect needs a URI".into()))
                    }
                    "redirect" => {
                        let targets: Vec<&str> = rest.split_whitespace().collect();
                        c.redirect(&targets)
                    }
                    _ => c.transfer(rest),
                },
            }
        }
        "subscribe" | "unsubscribe" | "publish" => {
            reply
                .lines
                .extend(crate::presence::command(phone, cmd, rest));
            Ok(())
        }
        _ => {
            reply.say(format!("error: unknown command {cmd:?}"));
            Ok(())
        }
    };
    if let Err(e) = result {
        reply.fail(cmd, e);
    }
}

/// The call `name` names (`call-3` or `3`).
fn find_call(phone: &Phone, name: &str) -> Result<Call, String> {
    let id = if name.chars().all(|c| c.is_ascii_digit()) && !name.is_empty() {
        format!("call-{name}")
    } else {
        name.to_string()
    };
    phone
        .active_calls()
        .into_iter()
        .find(|c| c.id().to_string() == id)
        .ok_or_else(|| format!("no call {name:?} (see `calls`)"))
}

/// A call named first in `rest` (its id as printed, `call-3`, or for
/// commands without a numeric argument the bare number), and the rest.
/// Unnamed: `None` (the current call); named but unknown: an error, never
/// another call.
fn named_call<'r>(
    phone: &Phone,
    cmd: &str,
    rest: &'r str,
) -> (Result<Option<Call>, String>, &'r str) {
    let (first, after) = split(rest);
    let bare_ok = matches!(
        cmd,
        "answer" | "hangup" | "hold" | "resume" | "split" | "verify"
    );
    let id = if first.starts_with("call-") {
        first.to_string()
    } else if bare_ok && !first.is_empty() && first.chars().all(|c| c.is_ascii_digit()) {
        format!("call-{first}")
    } else {
        return (Ok(None), rest);
    };
    let call = phone
        .active_calls()
        .into_iter()
        .find(|c| c.id().to_string() == id);
    match call {
        Some(c) => (Ok(Some(c)), after),
        None => (Err(format!("no call {id}")), after),
    }
}

/// One line about a call: state, remote, time in call, codec and quality,
/// security.
pub fn status_line(c: &Call, book: &CallBook) -> String {
    let state = c.state().map(|s| s.to_string()).unwrap_or_default();
    let remote = c.remote().map(|r| r.to_string()).unwrap_or_default();
    let talked = book
        .get(c.id())
        .and_then(|e| e.answered)
        .map(|a| clock(a.elapsed()))
        .unwrap_or_else(|| "-".into());
    let mut line = format!("{} {state} {remote} {talked}", c.id());
    if let Ok(s) = c.stats() {
        if !s.codec.is_empty() {
            line.push_str(&format!(
                " | {} | jitter {:.1} ms | loss {:.1}%",
                s.codec,
                s.jitter_ms,
                s.fraction_lost * 100.0
            ));
            if let Some(mos) = s.mos {
                line.push_str(&format!(" | MOS {mos:.2}"));
            }
            if let Some(mos) = s.remote_mos {
                line.push_str(&format!(" (peer's {mos:.1})"));
            }
        }
    }
    if let Ok(sec) = c.security() {
        line.push_str(&format!(" | {sec}"));
    }
    line
}

fn on_off(word: &str) -> Result<bool, String> {
    match word {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("on or off, not {other:?}")),
    }
}

/// The settings commands: `dnd`, `autoanswer`, `forward`, `mute`,
/// `settings`. `false`: not one of them.
fn toggle(t: &mut Target<'_>, input: &str, reply: &mut Reply) -> bool {
    let (cmd, rest) = split(input);
    let words: Vec<&str> = rest.split_whitespace().collect();
    let result: Result<(), String> = match (cmd, words.as_slice()) {
        ("settings", []) => Ok(()),
        ("dnd", [w]) => on_off(w).map(|b| t.settings.dnd = b),
        ("autoanswer", [w]) => on_off(w).map(|b| t.settings.auto_answer = b),
        ("mute", [w]) => on_off(w).and_then(|b| {
            t.phone
                .set_microphone_muted(b)
                .map_err(|e| e.to_string())
        }),
        ("forward", ["off"]) => {
            t.settings.forward_always = None;
            t.settings.forward_busy = None;
            t.settings.forward_no_answer = None;
            Ok(())
        }
        ("forward", ["off", "always"]) => {
            t.settings.forward_always = None;
            Ok(())
        }
        ("forward", ["off", "busy"]) => {
            t.settings.forward_busy = None;
            Ok(())
        }
        ("forward", ["off", "noanswer"]) => {
            t.settings.forward_no_answer = None;
            Ok(())
        }
        ("forward", [_, uri, ..]) if !uri.contains(':') => {
            Err(format!("{uri:?} is not a URI (sip:user@host)"))
        }
        ("forward", ["always", uri]) => {
            t.settings.forward_always = Some(uri.to_string());
            Ok(())
        }
        ("forward", ["busy", uri]) => {
            t.settings.forward_busy = Some(uri.to_string());
            Ok(())
        }
        ("forward", ["noanswer", uri]) => {
            t.settings.forward_no_answer = Some((uri.to_string(), Duration::from_secs(20)));
            Ok(())
        }
        ("forward", ["noanswer", uri, secs]) => match secs.parse::<u64>() {
            Ok(n) if (1..=600).contains(&n) => {
                t.settings.forward_no_answer = Some((uri.to_string(), Duration::from_secs(n)));
                Ok(())
            }
            _ => Err(format!("seconds 1-600, not {secs:?}")),
        },
        ("dnd" | "autoanswer" | "mute", _) => Err("on or off".into()),
        ("forward", _) => Err(
            "forward always|busy URI, forward noanswer URI [SECS], forward off [always|busy|noanswer]"
                .into(),
        ),
        ("settings", _) => Err("takes no argument".into()),
        _ => return false,
    };
    match result {
        Ok(()) if cmd == "mute" => reply.say(format!("mute: microphone {rest}")),
        Ok(()) => reply.say(t.settings.to_string()),
        Err(e) => reply.fail(cmd, e),
    }
    true
}
