//! The softphone's commands, from stdin or the control socket: each one
//! runs against the phone and answers with lines to show.

use openphone::{Account, Call, Cause, HookState, LineEvent, Phone, RawCause, Reason};

use crate::setup;

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
}

/// Runs one command line.
pub fn run(t: &mut Target<'_>, input: &str) -> Reply {
    let mut reply = Reply::default();
    let input = input.trim();
    match t.line {
        Some(line) => line_command(t.phone, line, t.current, input, &mut reply),
        None => command(t.phone, t.current, input, &mut reply),
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
fn line_command(
    phone: &Phone,
    line: &Account,
    current: &mut Option<Call>,
    input: &str,
    reply: &mut Reply,
) {
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
            return command(phone, current, &format!("call {uri}"), reply);
        }
        _ => return command(phone, current, input, reply),
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
fn command(phone: &Phone, current: &mut Option<Call>, line: &str, reply: &mut Reply) {
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
        "call" => phone.call(rest).map(|c| {
            reply.say(format!("calling {} as {}", rest, c.id()));
            *current = Some(c);
        }),
        "status" => {
            let calls = phone.active_calls();
            if calls.is_empty() {
                reply.say("status: no call".into());
            }
            for c in calls {
                let state = c.state().map(|s| s.to_string()).unwrap_or_default();
                let remote = c.remote().map(|r| r.to_string()).unwrap_or_default();
                reply.say(format!("status: {} {state} {remote}", c.id()));
                if let Ok(s) = c.stats() {
                    reply.lines.extend(setup::stats_lines("status", &s));
                }
            }
            Ok(())
        }
        "answer" | "reject" | "hangup" | "dtmf" | "hold" | "resume" | "transfer" => {
            match current.as_ref() {
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
                    _ => c.transfer(rest),
                },
            }
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
