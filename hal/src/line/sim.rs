//! A simulated line card with a scriptable telephone on it.

use std::collections::VecDeque;
use std::f64::consts::TAU;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::line::dtmf_detect::{dtmf_tone, DtmfDetector, DtmfError, DBM0_SINE_PEAK};
use crate::line::{
    CallerId, Country, FskCallerId, HookState, LineCapabilities, LineCapability, LineDevice,
    LineError, LineEvent, LineSignal, Tone, TonePattern, TonePlan, ToneSpec,
};
use crate::traits::{AudioError, AudioSink, AudioSource};

/// How much earpiece audio [`SimPhone::take_heard`] keeps when nobody
/// takes it: the newest 10 minutes.
const MAX_HEARD_SECONDS: usize = 600;

/// Length of each in-band digit [`SimPhone::dial`] sends, and of the pause
/// after it (ms); level per tone (dBm0).
const DIAL_TONE_MS: u64 = 60;
const DIAL_PAUSE_MS: u64 = 60;
const DIAL_LEVEL_DBM0: f64 = -8.0;

/// Everything the three parts share.
#[derive(Debug)]
struct Shared {
    rate: u32,
    country: Country,
    plan: TonePlan,
    hook: HookState,
    events: VecDeque<LineEvent>,
    signals: Vec<LineSignal>,
    ringing: Option<crate::line::Cadence>,
    /// The tone playing and the earpiece sample at which it started.
    tone: Option<(Tone, u64)>,
    /// Earpiece samples written so far (the line's clock).
    clock: u64,
    message_waiting: bool,
    caller_id: Option<CallerId>,
    caller_id_signal: Vec<i16>,
    detector: DtmfDetector,
    mouth: VecDeque<i16>,
    playout: VecDeque<i16>,
    heard: VecDeque<i16>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A panic while holding the lock leaves plain data; keep using it.
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Feeds what the phone sends through the card's DTMF detector.
    fn send(&mut self, pcm: &[i16]) {
        let mut digits = Vec::new();
        self.detector.feed(pcm, |e| digits.extend(e.started()));
        self.events
            .extend(digits.into_iter().filter_map(LineEvent::digit));
        self.mouth.extend(pcm);
    }

    fn wrong_state(&self, signal: &LineSignal) -> LineError {
        LineError::WrongHookState {
            signal: signal.to_string(),
            state: self.hook,
        }
    }

    /// One earpiece sample of the tone playing at the current clock.
    fn tone_sample(&self) -> f64 {
        let Some((tone, start)) = self.tone else {
            return 0.0;
        };
        let n = self.clock.saturating_sub(start);
        tone_sample(self.plan.tone(tone), n, self.rate)
    }
}

/// Sample `n` (counted from the tone's start) of `spec` at `rate`.
fn tone_sample(spec: &ToneSpec, n: u64, rate: u32) -> f64 {
    let t = n as f64 / f64::from(rate);
    let elapsed = Duration::from_secs_f64(t);
    let on = match &spec.pattern {
        TonePattern::Repeating(c) => c.is_on_at(elapsed),
        TonePattern::Bursts { cadence, cycles } => {
            elapsed < cadence.cycle() * u32::from(*cycles) && cadence.is_on_at(elapsed)
        }
        TonePattern::BurstsThenSteady { cadence, cycles } => {
            elapsed >= cadence.cycle() * u32::from(*cycles) || cadence.is_on_at(elapsed)
        }
        TonePattern::Continuous => true,
    };
    if !on {
        return 0.0;
    }
    let amp = DBM0_SINE_PEAK * 10f64.powf(f64::from(spec.level_dbm0) / 20.0);
    let mut v: f64 = spec
        .frequencies
        .iter()
        .map(|&f| (TAU * f64::from(f) * t).sin())
        .sum();
    if let Some(m) = spec.modulation_hz {
        // Amplitude modulation at full depth (E.180 "f × m" tones).
        v *= 0.5 + 0.5 * (TAU * f64::from(m) * t).sin();
    }
    amp * v
}

/// A simulated line card: a [`LineDevice`] with a scriptable telephone on
/// it, for tests and for a softphone without line hardware.
///
/// Three parts share one line:
/// - [`SimLine`], the device the stack owns (a `Box<dyn LineDevice>`);
/// - [`SimPhone`], the script's side: lift the handset, dial (in-band DTMF
///   that the card's [`DtmfDetector`] must recognise, or digits the card
///   reports directly), flash, hang up, speak; and see what the card did:
///   ringing, tones, message waiting, caller-ID, everything asked of it;
/// - the sound path, [`SimMouthpiece`] (an [`AudioSource`]: what the phone
///   sends) and [`SimEarpiece`] (an [`AudioSink`]: the far end's audio,
///   mixed with the card's tones and digit playout into what the phone
///   hears).
///
/// Time runs with the sound path: each sample written to the earpiece is
/// one sample of tone cadence. Nothing blocks and nothing runs on its own.
///
/// ```
/// use openphone_hal::line::*;
/// use openphone_hal::{analysis, AudioSink};
///
/// let mut line = SimLine::new("sim0", Country::Us, 8000)?;
/// let phone = line.phone();
/// let (_mouth, mut ear) = line.sound_path();
///
/// phone.lift();
/// assert_eq!(line.poll_event(), Some(LineEvent::Hook(HookState::OffHook)));
/// line.signal(LineSignal::Tone(Tone::Dial))?;
/// ear.write(&[0; 8000])?; // one second of silence from the far end
/// let heard = phone.take_heard();
/// assert!(analysis::tone_present(&heard, 8000, 350.0, 5.0));
///
/// phone.dial("42")?; // in-band DTMF, detected by the card
/// assert_eq!(line.poll_event(), Some(LineEvent::Digit('4')));
/// assert_eq!(line.poll_event(), Some(LineEvent::Digit('2')));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SimLine {
    name: String,
    shared: Arc<Mutex<Shared>>,
}

impl SimLine {
    /// An idle (on-hook) line named `name`, with the tones and ringing of
    /// `country`, whose sound path runs at `rate` Hz (8 to 192 kHz, the
    /// range of the card's DTMF detector).
    pub fn new(name: &str, country: Country, rate: u32) -> Result<Self, DtmfError> {
        let detector = DtmfDetector::new(rate)?;
        Ok(SimLine {
            name: name.to_owned(),
            shared: Arc::new(Mutex::new(Shared {
                rate,
                country,
                plan: TonePlan::for_country(country),
                hook: HookState::OnHook,
                events: VecDeque::new(),
                signals: Vec::new(),
                ringing: None,
                tone: None,
                clock: 0,
                message_waiting: false,
                caller_id: None,
                caller_id_signal: Vec::new(),
                detector,
                mouth: VecDeque::new(),
                playout: VecDeque::new(),
                heard: VecDeque::new(),
            })),
        })
    }

    /// The telephone on this line, for the script. Clones share the line.
    pub fn phone(&self) -> SimPhone {
        SimPhone {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The sound path: what the phone sends, and where the far end's
    /// audio goes to be heard.
    pub fn sound_path(&self) -> (SimMouthpiece, SimEarpiece) {
        (
            SimMouthpiece {
                shared: Arc::clone(&self.shared),
            },
            SimEarpiece {
                shared: Arc::clone(&self.shared),
            },
        )
    }

    /// The sample rate of the sound path.
    pub fn sample_rate(&self) -> u32 {
        lock(&self.shared).rate
    }
}

impl LineDevice for SimLine {
    fn name(&self) -> &str {
        &self.name
    }

    fn hook_state(&self) -> HookState {
        lock(&self.shared).hook
    }

    fn capabilities(&self) -> LineCapabilities {
        LineCapabilities::new(&[
            LineCapability::Ring,
            LineCapability::CustomCadence,
            LineCapability::Tones,
            LineCapability::CallerId,
            LineCapability::MessageWaiting,
            LineCapability::DtmfPlayout,
        ])
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        lock(&self.shared).events.pop_front()
    }

    fn signal(&mut self, signal: LineSignal) -> Result<(), LineError> {
        signal.validate()?;
        let mut s = lock(&self.shared);
        let transmitter = match s.country {
            Country::Us => FskCallerId::bell202(),
            _ => FskCallerId::v23(),
        };
        match &signal {
            LineSignal::Ring { cadence, caller_id } => {
                if s.hook.is_off_hook() {
                    return Err(s.wrong_state(&signal));
                }
                if let Some(id) = caller_id {
                    s.caller_id_signal = transmitter
                        .render(id, s.rate)
                        .map_err(|e| LineError::Device(e.to_string()))?;
                    s.caller_id = Some(id.clone());
                }
                s.ringing = Some(cadence.clone());
            }
            LineSignal::StopRinging => s.ringing = None,
            LineSignal::Tone(tone) => {
                let clock = s.clock;
                s.tone = Some((*tone, clock));
            }
            LineSignal::StopTone => s.tone = None,
            LineSignal::CallerId(id) => {
                let transmitter = if s.hook.is_off_hook() {
                    transmitter.off_hook()
                } else {
                    transmitter
                };
                s.caller_id_signal = transmitter
                    .render(id, s.rate)
                    .map_err(|e| LineError::Device(e.to_string()))?;
                s.caller_id = Some(id.clone());
            }
            LineSignal::MessageWaiting(on) => s.message_waiting = *on,
            LineSignal::Digits(digits) => {
                if !s.hook.is_off_hook() {
                    return Err(s.wrong_state(&signal));
                }
                let rate = s.rate;
                let on = (DIAL_TONE_MS * u64::from(rate) / 1000) as usize;
                let off = (DIAL_PAUSE_MS * u64::from(rate) / 1000) as usize;
                for d in digits.chars() {
                    s.playout
                        .extend(dtmf_tone(d, rate, on, DIAL_LEVEL_DBM0).unwrap_or_default());
                    s.playout.extend(std::iter::repeat_n(0, off));
                }
            }
        }
        s.signals.push(signal);
        Ok(())
    }
}

/// The telephone on a [`SimLine`]: the script's side of the line.
///
/// ```
/// use openphone_hal::line::*;
/// let mut line = SimLine::new("sim0", Country::Uk, 8000)?;
/// let phone = line.phone();
/// line.signal(LineSignal::Ring {
///     cadence: Cadence::ring(Country::Uk),
///     caller_id: Some(CallerId::from_number("02079460000")?),
/// })?;
/// assert!(phone.is_ringing());
/// assert!(!phone.caller_id_signal().is_empty()); // V.23 FSK for the UK
/// phone.lift(); // answering stops the bell
/// assert!(!phone.is_ringing());
/// assert!(phone.flash());
/// assert_eq!(line.poll_event(), Some(LineEvent::Hook(HookState::OffHook)));
/// assert_eq!(line.poll_event(), Some(LineEvent::Flash));
/// phone.hang_up();
/// assert!(!phone.flash()); // no flash on-hook
/// assert_eq!(line.poll_event(), Some(LineEvent::Hook(HookState::OnHook)));
/// assert_eq!(line.poll_event(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SimPhone {
    shared: Arc<Mutex<Shared>>,
}

impl SimPhone {
    /// Lifts the handset (nothing if already off-hook). Stops ringing, as
    /// a real card does when the loop closes.
    pub fn lift(&self) {
        let mut s = lock(&self.shared);
        if s.hook.is_off_hook() {
            return;
        }
        s.hook = HookState::OffHook;
        s.ringing = None;
        s.events.push_back(LineEvent::Hook(HookState::OffHook));
    }

    /// Hangs up (nothing if already on-hook). Tones, digit playout and
    /// unsent speech end.
    pub fn hang_up(&self) {
        let mut s = lock(&self.shared);
        if !s.hook.is_off_hook() {
            return;
        }
        s.hook = HookState::OnHook;
        s.tone = None;
        s.playout.clear();
        s.mouth.clear();
        s.events.push_back(LineEvent::Hook(HookState::OnHook));
    }

    /// A hook-flash; `false` (and no event) when on-hook.
    pub fn flash(&self) -> bool {
        let mut s = lock(&self.shared);
        if !s.hook.is_off_hook() {
            return false;
        }
        s.events.push_back(LineEvent::Flash);
        true
    }

    /// Dials `digits` in-band: 60 ms DTMF at −8 dBm0 per tone, 60 ms
    /// pause, each; the card reports the digits its detector recognises.
    /// Refused on-hook or for symbols that are not DTMF digits.
    pub fn dial(&self, digits: &str) -> Result<(), LineError> {
        self.check_dial(digits)?;
        let mut s = lock(&self.shared);
        let rate = s.rate;
        let on = (DIAL_TONE_MS * u64::from(rate) / 1000) as usize;
        let off = (DIAL_PAUSE_MS * u64::from(rate) / 1000) as usize;
        let mut pcm = Vec::with_capacity(digits.len() * (on + off));
        for d in digits.chars() {
            pcm.extend(dtmf_tone(d, rate, on, DIAL_LEVEL_DBM0).unwrap_or_default());
            pcm.extend(std::iter::repeat_n(0, off));
        }
        s.send(&pcm);
        Ok(())
    }

    /// Reports `digits` as a card with out-of-band detection (or pulse
    /// dialling) would: as events, without sound.
    pub fn press(&self, digits: &str) -> Result<(), LineError> {
        self.check_dial(digits)?;
        let mut s = lock(&self.shared);
        s.events.extend(digits.chars().filter_map(LineEvent::digit));
        Ok(())
    }

    fn check_dial(&self, digits: &str) -> Result<(), LineError> {
        let signal = LineSignal::Digits(digits.to_owned());
        signal.validate()?;
        let s = lock(&self.shared);
        if !s.hook.is_off_hook() {
            return Err(s.wrong_state(&signal));
        }
        Ok(())
    }

    /// Speaks `pcm` into the mouthpiece (ignored on-hook). The card's DTMF
    /// detector hears it too.
    pub fn speak(&self, pcm: &[i16]) {
        let mut s = lock(&self.shared);
        if s.hook.is_off_hook() {
            s.send(pcm);
        }
    }

    /// Takes what the earpiece played since the last call (at most the
    /// newest 10 minutes).
    pub fn take_heard(&self) -> Vec<i16> {
        lock(&self.shared).heard.drain(..).collect()
    }

    /// The hook state.
    pub fn hook_state(&self) -> HookState {
        lock(&self.shared).hook
    }

    /// Whether the bell rings.
    pub fn is_ringing(&self) -> bool {
        lock(&self.shared).ringing.is_some()
    }

    /// The cadence of the ringing, if it rings.
    pub fn ring_cadence(&self) -> Option<crate::line::Cadence> {
        lock(&self.shared).ringing.clone()
    }

    /// The tone the card plays, if any.
    pub fn tone(&self) -> Option<Tone> {
        lock(&self.shared).tone.map(|(t, _)| t)
    }

    /// Whether the message-waiting indicator is on.
    pub fn message_waiting(&self) -> bool {
        lock(&self.shared).message_waiting
    }

    /// The last caller-ID sent.
    pub fn caller_id(&self) -> Option<CallerId> {
        lock(&self.shared).caller_id.clone()
    }

    /// The signal of the last caller-ID sent, as the phone received it
    /// (FSK: Bell 202 for a US line, V.23 elsewhere).
    pub fn caller_id_signal(&self) -> Vec<i16> {
        lock(&self.shared).caller_id_signal.clone()
    }

    /// Every signal the card accepted, oldest first.
    pub fn signals(&self) -> Vec<LineSignal> {
        lock(&self.shared).signals.clone()
    }
}

/// What the phone on a [`SimLine`] sends: speech and in-band digits from
/// [`SimPhone::speak`] and [`SimPhone::dial`], then silence. Never ends.
#[derive(Debug)]
pub struct SimMouthpiece {
    shared: Arc<Mutex<Shared>>,
}

impl AudioSource for SimMouthpiece {
    fn sample_rate(&self) -> u32 {
        lock(&self.shared).rate
    }

    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        let mut s = lock(&self.shared);
        for slot in frame.iter_mut() {
            *slot = s.mouth.pop_front().unwrap_or(0);
        }
        Ok(true)
    }
}

/// Where the far end's audio goes on a [`SimLine`]: each frame written is
/// mixed with the card's tone and digit playout and, off-hook, heard by
/// the phone ([`SimPhone::take_heard`]). Writing advances the line's clock.
#[derive(Debug)]
pub struct SimEarpiece {
    shared: Arc<Mutex<Shared>>,
}

impl AudioSink for SimEarpiece {
    fn sample_rate(&self) -> u32 {
        lock(&self.shared).rate
    }

    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        let mut s = lock(&self.shared);
        let cap = MAX_HEARD_SECONDS * s.rate as usize;
        for &far in frame {
            let tone = s.tone_sample();
            let digit = s.playout.pop_front().map_or(0.0, f64::from);
            s.clock += 1;
            if s.hook.is_off_hook() {
                let v = f64::from(far) + tone + digit;
                s.heard.push_back(v.round().clamp(-32768.0, 32767.0) as i16);
            }
        }
        let excess = s.heard.len().saturating_sub(cap);
        s.heard.drain(..excess);
        Ok(())
    }
}
