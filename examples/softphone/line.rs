//! `--line sim`: the softphone as an analogue telephone adapter (ATA). A
//! simulated line card (`openphone::hal::line::SimLine`) is the user's
//! handset and SIP carries the calls.
//!
//! - Off-hook: the country's dial tone; the digits (in-band DTMF found by
//!   the card's detector) are collected against the digit map (the SAL's
//!   `DigitCollector`) and called as `sip:DIGITS@DOMAIN`; ringback while
//!   the far end rings; its answer puts the call on the line.
//! - Flash: the call goes on hold and dial tone returns for a second call;
//!   flash again swaps the two (or, before the second answers, drops it and
//!   returns to the first). On-hook hangs up the call on the line; a held
//!   call left over rings the line back, and off-hook takes it.
//! - An incoming call rings the line with the country's cadence and its
//!   caller-ID (FSK); off-hook answers. While the line is busy a new call
//!   is refused busy (no call-waiting).
//!
//! The line's hook and keypad are stdin/control commands, as for an MGCP
//! line: `offhook`, `onhook`, `flash`, `dial DIGITS` (the handset dials
//! in-band tones). Every line action prints `line: … at S s`, S the
//! position in the `--record` file (see `line_audio.rs`).

use std::time::{Duration, Instant};

use openphone::hal::line::{
    CallerId, Country, HookState, LineDevice, LineEvent, LineSignal, SimLine, SimPhone, Tone,
    TonePlan,
};
use openphone::{
    Address, Call, CallId, CallState, Cause, DigitCollector, DigitMap, DigitTimers, Phone,
    PhoneEvent,
};

use crate::line_audio::{LineAudio, LINE_RATE};

/// The kinds of line `--line` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LineKind {
    /// The simulated line card, driven by the `offhook`, `onhook`, `flash`
    /// and `dial` commands.
    Sim,
}

/// The line options (flattened into the softphone's command line).
#[derive(Debug, Clone, clap::Args)]
pub struct LineArgs {
    /// Run as an ATA: this telephone line is the handset for SIP calls
    /// (`offhook`, `onhook`, `flash`, `dial DIGITS` drive it); --tone is
    /// what the handset says in a call, --record the line's signal.
    #[arg(long, value_enum, conflicts_with_all = ["mgcp", "capture", "playback", "play"])]
    pub line: Option<LineKind>,
    /// The country whose tones and ringing the line and the ringer use:
    /// us (default), uk, de, fr, jp.
    #[arg(long, value_parser = parse_country)]
    pub country: Option<Country>,
    /// Dialled numbers are called as sip:NUMBER@DOMAIN (default the
    /// account's domain).
    #[arg(long, value_name = "DOMAIN", requires = "line")]
    pub dial_domain: Option<String>,
    /// The digit map for dialling (RFC 3435 syntax).
    #[arg(
        long,
        value_name = "MAP",
        requires = "line",
        default_value = "(*xx|x.#|x.T)"
    )]
    pub digit_map: String,
    /// Seconds after the last digit before a number that may be complete
    /// is dialled (the map's `T`).
    #[arg(long, value_name = "SECS", requires = "line", default_value_t = 4,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub digit_timeout: u64,
}

impl LineArgs {
    /// The country asked for, or the US.
    pub fn country(&self) -> Country {
        self.country.unwrap_or(Country::Us)
    }
}

fn parse_country(s: &str) -> Result<Country, String> {
    s.parse::<Country>().map_err(|e| e.to_string())
}

/// What the line is doing.
pub struct Ata {
    card: SimLine,
    handset: SimPhone,
    audio: std::sync::Arc<LineAudio>,
    plan: TonePlan,
    map: DigitMap,
    timers: DigitTimers,
    domain: String,
    collector: Option<DigitCollector>,
    /// The call on the line (dialled, ringing or talking).
    active: Option<Call>,
    /// The call on hold behind it.
    held: Option<Call>,
    /// An incoming call ringing the line.
    ringing: Option<Call>,
    /// The line rings back for the held call.
    recall: bool,
}

impl Ata {
    /// The card and its sound side, before the phone exists (the media
    /// engine's audio factory needs the sound side).
    pub fn card(
        args: &LineArgs,
        speak: Option<f32>,
        record: Option<&str>,
    ) -> Result<(SimLine, std::sync::Arc<LineAudio>), Box<dyn std::error::Error>> {
        let card = SimLine::new("sim0", args.country(), LINE_RATE)?;
        let audio = LineAudio::start(&card, args.country(), speak, record)?;
        Ok((card, std::sync::Arc::new(audio)))
    }

    /// The line controller; `domain` is the account's domain, used when
    /// --dial-domain is not given.
    pub fn new(
        args: &LineArgs,
        card: SimLine,
        audio: std::sync::Arc<LineAudio>,
        domain: Option<&str>,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let domain = args
            .dial_domain
            .as_deref()
            .or(domain)
            .ok_or("--line needs --dial-domain or an --account to call numbers through")?
            .to_string();
        let map = DigitMap::parse(&args.digit_map).map_err(|e| format!("--digit-map: {e}"))?;
        let timers = DigitTimers {
            short: Duration::from_secs(args.digit_timeout),
            ..DigitTimers::default()
        };
        println!(
            "line: {} ({}), numbers call sip:NUMBER@{domain}",
            card.name(),
            args.country()
        );
        Ok(Ata {
            handset: card.phone(),
            card,
            audio,
            plan: TonePlan::for_country(args.country()),
            map,
            timers,
            domain,
            collector: None,
            active: None,
            held: None,
            ringing: None,
            recall: false,
        })
    }

    fn say(&self, what: impl std::fmt::Display) {
        println!("line: {what} at {:.2} s", self.audio.now_secs());
    }

    fn signal(&mut self, signal: LineSignal) {
        self.say(&signal);
        if let Err(e) = self.card.signal(signal) {
            println!("error: line: {e}");
        }
    }

    /// A line command (the handset's hook and keypad); `None`: not one.
    pub fn command(&mut self, input: &str) -> Option<Vec<String>> {
        let (cmd, rest) = input
            .trim()
            .split_once(' ')
            .map(|(a, b)| (a, b.trim()))
            .unwrap_or((input.trim(), ""));
        let result = match cmd {
            "offhook" => {
                self.handset.lift();
                Ok(())
            }
            "onhook" => {
                self.handset.hang_up();
                Ok(())
            }
            "flash" if self.handset.flash() => Ok(()),
            "flash" => Err("the line is on-hook".to_string()),
            "dial" if rest.is_empty() => Err("needs digits".to_string()),
            "dial" => self.handset.dial(rest).map_err(|e| e.to_string()),
            _ => return None,
        };
        Some(match result {
            Ok(()) => vec![format!("handset: {}", input.trim())],
            Err(e) => vec![format!("error: {cmd}: {e}")],
        })
    }

    /// Ends the line: stops its clock and completes the recording.
    pub fn finish(&self) {
        self.audio.finish();
    }

    /// When [`poll`](Self::poll) is next due.
    pub fn next_poll(&self) -> Instant {
        let tick = Instant::now() + self.card.poll_interval();
        match self.collector.as_ref().and_then(|c| c.poll_timeout()) {
            Some(at) => at.min(tick),
            None => tick,
        }
    }

    /// Handles the card's events and the digit timers.
    pub fn poll(&mut self, phone: &Phone) {
        while let Some(ev) = self.card.poll_event() {
            match ev {
                LineEvent::Hook(HookState::OffHook) => self.off_hook(),
                LineEvent::Hook(HookState::OnHook) => self.on_hook(),
                LineEvent::Flash => self.flash(),
                LineEvent::Digit(d) => self.digit(phone, d),
                _ => {}
            }
        }
        let now = Instant::now();
        let done = match self.collector.as_mut() {
            Some(c) if c.poll_timeout().is_some_and(|at| at <= now) => c.handle_timeout(now),
            _ => None,
        };
        if let Some(done) = done {
            self.dialled(phone, done);
        }
    }

    fn off_hook(&mut self) {
        self.say("off-hook");
        if let Some(call) = self.ringing.take() {
            self.signal(LineSignal::StopRinging);
            match call.answer() {
                Ok(()) => self.active = Some(call),
                Err(e) => println!("error: line: answer {}: {e}", call.id()),
            }
        } else if self.recall {
            self.recall = false;
            self.signal(LineSignal::StopRinging);
            self.take_back_held();
        } else {
            self.dial_tone();
        }
    }

    fn dial_tone(&mut self) {
        self.signal(LineSignal::Tone(Tone::Dial));
        self.collector = Some(DigitCollector::new(
            self.map.clone(),
            self.timers,
            Instant::now(),
        ));
    }

    fn on_hook(&mut self) {
        self.say("on-hook");
        self.collector = None;
        self.signal(LineSignal::StopTone);
        self.audio.connect(None);
        if let Some(call) = self.active.take() {
            if let Err(e) = call.hangup() {
                println!("error: line: hangup {}: {e}", call.id());
            }
        }
        // Like a real phone: a call left on hold rings back.
        if self.held.is_some() {
            self.recall = true;
            let cadence = self.plan.ring_cadence().clone();
            self.signal(LineSignal::Ring {
                cadence,
                caller_id: None,
            });
        }
    }

    fn flash(&mut self) {
        self.say("flash");
        let talking = self.active.as_ref().is_some_and(|c| {
            c.state()
                .is_ok_and(|s| s.is_established() && s != CallState::Ending)
        });
        match (self.active.take(), self.held.take()) {
            // Hold the call and get dial tone for a second one.
            (Some(call), None) if talking => {
                self.audio.connect(None);
                if let Err(e) = call.hold() {
                    println!("error: line: hold {}: {e}", call.id());
                }
                self.held = Some(call);
                self.dial_tone();
            }
            // Swap the two calls.
            (Some(call), Some(held)) if talking => {
                if let Err(e) = call.hold() {
                    println!("error: line: hold {}: {e}", call.id());
                }
                self.held = Some(call);
                self.active = Some(held);
                self.resume_active();
            }
            // Give up the second call (dialling or ringing) and go back.
            (second, Some(held)) => {
                if let Some(c) = second {
                    let _ = c.hangup();
                }
                self.held = Some(held);
                self.take_back_held();
            }
            (Some(call), None) => {
                self.active = Some(call);
            }
            (None, None) => {}
        }
    }

    fn take_back_held(&mut self) {
        self.collector = None;
        self.signal(LineSignal::StopTone);
        self.active = self.held.take();
        self.resume_active();
    }

    fn resume_active(&mut self) {
        if let Some(call) = &self.active {
            self.say(format!("talking to {}", call.id()));
            if let Err(e) = call.resume() {
                println!("error: line: resume {}: {e}", call.id());
            }
            self.audio.connect(Some(call.id()));
        }
    }

    fn digit(&mut self, phone: &Phone, d: char) {
        let Some(c) = self.collector.as_mut() else {
            // In a call the tones went in-band with the speech.
            return;
        };
        let first = c.digits().is_empty();
        let done = c.handle_digit(Instant::now(), d);
        self.say(format!("digit {d}"));
        if first {
            self.signal(LineSignal::StopTone);
        }
        match done {
            Ok(Some(done)) => self.dialled(phone, done),
            Ok(None) => {}
            Err(e) => println!("error: line: digit {d}: {e}"),
        }
    }

    fn dialled(&mut self, phone: &Phone, done: openphone::Collected) {
        self.collector = None;
        if !done.matched || done.digits.is_empty() {
            self.say(format!("{:?} matches no number", done.digits));
            self.signal(LineSignal::Tone(Tone::Congestion));
            return;
        }
        let number = done.digits.trim_end_matches('#');
        let uri = format!("sip:{number}@{}", self.domain);
        match phone.call(&uri) {
            Ok(call) => {
                self.say(format!("dialled {number}: {uri} as {}", call.id()));
                self.active = Some(call);
            }
            Err(e) => {
                println!("error: line: call {uri}: {e}");
                self.signal(LineSignal::Tone(Tone::Congestion));
            }
        }
    }

    /// Follows the phone's calls.
    pub fn on_event(&mut self, phone: &Phone, ev: &PhoneEvent) {
        let is = |slot: &Option<Call>, id: CallId| slot.as_ref().is_some_and(|c| c.id() == id);
        match ev {
            PhoneEvent::IncomingCall {
                call,
                from,
                alert_info,
                ..
            } => {
                let idle = !self.handset.hook_state().is_off_hook()
                    && self.active.is_none()
                    && self.held.is_none()
                    && self.ringing.is_none();
                let handle = phone.call_handle(*call);
                if !idle {
                    self.say(format!("busy: {call} refused"));
                    let _ = handle.reject(Cause::Busy);
                    return;
                }
                let caller_id = caller_id(from);
                // Distinctive ringing from the caller's Alert-Info.
                let cadence = alert_info
                    .as_deref()
                    .and_then(crate::ringtone::from_alert_info)
                    .and_then(|p| crate::ringtone::pattern(p, self.plan.country()).ok())
                    .unwrap_or_else(|| self.plan.ring_cadence().clone());
                self.ringing = Some(handle);
                self.signal(LineSignal::Ring { cadence, caller_id });
            }
            PhoneEvent::CallState { call, state } if is(&self.active, *call) => match state {
                CallState::Ringing => self.signal(LineSignal::Tone(Tone::Ringback)),
                // The far end sends its own progress tones.
                CallState::EarlyMedia => self.signal(LineSignal::StopTone),
                CallState::Active if self.handset.hook_state().is_off_hook() => {
                    self.signal(LineSignal::StopTone);
                    self.say(format!("talking to {call}"));
                    self.audio.connect(Some(*call));
                }
                _ => {}
            },
            PhoneEvent::CallEnded { call, .. } => {
                if is(&self.ringing, *call) {
                    self.ringing = None;
                    self.signal(LineSignal::StopRinging);
                }
                if is(&self.active, *call) {
                    self.active = None;
                    self.audio.connect(None);
                    if self.handset.hook_state().is_off_hook() {
                        // The far end hung up: busy until on-hook.
                        self.signal(LineSignal::Tone(Tone::Busy));
                    }
                }
                if is(&self.held, *call) {
                    self.held = None;
                    if self.recall {
                        self.recall = false;
                        self.signal(LineSignal::StopRinging);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The caller-ID for a caller: the user part of its URI when it is a
/// number, the display name when there is one; withheld otherwise.
fn caller_id(from: &Address) -> Option<CallerId> {
    let user = from
        .uri()
        .split_once(':')
        .map(|(_, r)| r)
        .and_then(|r| r.split_once('@'))
        .map(|(u, _)| u.trim_start_matches('+'))
        .unwrap_or("");
    let id = CallerId::from_number(user)
        .unwrap_or_else(|_| CallerId::withheld(openphone::hal::line::AbsenceReason::Unavailable));
    match from.display_name() {
        Some(name) => Some(id.clone().with_name(name).unwrap_or(id)),
        None => Some(id),
    }
}
