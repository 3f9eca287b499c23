//! A line driver written outside the crate, with only the public API:
//! checks that the trait is object-safe, that `Box<dyn LineDevice>`
//! forwards every method, and that the public types let a driver refuse
//! what it cannot do.

use std::collections::VecDeque;
use std::time::Duration;

use openphone_hal::line::{
    Cadence, CallerId, Country, HookState, LineCapabilities, LineCapability, LineDevice, LineError,
    LineEvent, LineSignal, Tone,
};

/// Rings and plays tones, nothing else; refuses to ring an off-hook phone.
struct Fxs {
    state: HookState,
    events: VecDeque<LineEvent>,
    ringing: Option<Cadence>,
    tone: Option<Tone>,
}

impl Fxs {
    fn new() -> Self {
        Fxs {
            state: HookState::OnHook,
            events: VecDeque::new(),
            ringing: None,
            tone: None,
        }
    }

    /// What the hardware would do when the user lifts the handset.
    fn lift(&mut self) {
        self.state = HookState::OffHook;
        self.ringing = None;
        self.events.push_back(LineEvent::Hook(HookState::OffHook));
    }
}

impl LineDevice for Fxs {
    fn name(&self) -> &str {
        "fxs-test"
    }
    fn hook_state(&self) -> HookState {
        self.state
    }
    fn capabilities(&self) -> LineCapabilities {
        LineCapabilities::new(&[LineCapability::Ring, LineCapability::Tones])
    }
    fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }
    fn signal(&mut self, signal: LineSignal) -> Result<(), LineError> {
        signal.validate()?;
        match signal {
            LineSignal::Ring {
                cadence,
                caller_id: None,
            } => {
                if self.state.is_off_hook() {
                    return Err(LineError::WrongHookState {
                        signal: "ring".into(),
                        state: self.state,
                    });
                }
                self.ringing = Some(cadence);
                Ok(())
            }
            LineSignal::StopRinging => {
                self.ringing = None;
                Ok(())
            }
            LineSignal::Tone(t) => {
                self.tone = Some(t);
                Ok(())
            }
            LineSignal::StopTone => {
                self.tone = None;
                Ok(())
            }
            other => Err(LineError::Unsupported(Box::new(other))),
        }
    }
    fn poll_interval(&self) -> Duration {
        Duration::from_millis(5)
    }
}

#[test]
fn boxed_device_forwards_and_refuses_unsupported_signals() {
    let mut line: Box<dyn LineDevice> = Box::new(Fxs::new());
    assert_eq!(line.name(), "fxs-test");
    assert_eq!(line.poll_interval(), Duration::from_millis(5));
    assert!(line.capabilities().has(LineCapability::Tones));
    assert!(!line.capabilities().has(LineCapability::CallerId));

    let ring = LineSignal::Ring {
        cadence: Cadence::ring(Country::Us),
        caller_id: None,
    };
    line.signal(ring).expect("on-hook ring is accepted");

    let id = CallerId::from_number("5551234").expect("valid");
    match line.signal(LineSignal::CallerId(id.clone())) {
        Err(LineError::Unsupported(signal)) => assert_eq!(*signal, LineSignal::CallerId(id)),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    let err = line.signal(LineSignal::MessageWaiting(true)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line device cannot produce: message waiting on"
    );
    assert!(matches!(
        line.signal(LineSignal::Digits("9x".into())),
        Err(LineError::InvalidDigits(_))
    ));
}

#[test]
fn ringing_an_off_hook_line_is_refused() {
    let mut fxs = Fxs::new();
    fxs.lift();
    let mut line: Box<dyn LineDevice> = Box::new(fxs);
    assert_eq!(line.hook_state(), HookState::OffHook);
    assert_eq!(line.poll_event(), Some(LineEvent::Hook(HookState::OffHook)));
    assert_eq!(line.poll_event(), None);
    let err = line
        .signal(LineSignal::Ring {
            cadence: Cadence::ring(Country::Uk),
            caller_id: None,
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "cannot ring while the line is off-hook");
    line.signal(LineSignal::Tone(Tone::Dial))
        .expect("tones are supported");
}
