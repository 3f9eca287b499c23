//! The trait a telephone-line driver implements, and its errors.

use std::time::Duration;

use crate::line::{CadenceError, CallerIdError, HookState, LineEvent, LineSignal};

/// Errors from line devices.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// The device cannot produce this signal at all (no caller-ID
    /// generator, no lamp…). The signal is handed back so the caller can
    /// fall back, e.g. play a tone in-band through the media path.
    #[error("line device cannot produce: {0}")]
    Unsupported(Box<LineSignal>),
    /// The signal does not fit the hook state: ringing an off-hook phone
    /// (MGCP return code 401) or off-hook caller-ID to an idle one (402).
    #[error("cannot {signal} while the line is {state}")]
    WrongHookState {
        /// What was asked, as text.
        signal: String,
        /// The hook state at the time.
        state: HookState,
    },
    /// Caller-ID data outside the limits.
    #[error("invalid caller-ID: {0}")]
    InvalidCallerId(#[from] CallerIdError),
    /// A cadence outside the limits.
    #[error("invalid cadence: {0}")]
    InvalidCadence(#[from] CadenceError),
    /// Digits to play that are not DTMF symbols, or too many.
    #[error("invalid DTMF digits to play: {0:?}")]
    InvalidDigits(String),
    /// The device or its driver failed.
    #[error("line device error: {0}")]
    Device(String),
    /// An I/O error talking to the device.
    #[error("line device I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// One thing a line device may be able to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineCapability {
    /// Rings the phone ([`LineSignal::Ring`], [`LineSignal::StopRinging`]).
    Ring,
    /// Rings with any valid cadence, not only the country's standard one
    /// (distinctive ringing).
    CustomCadence,
    /// Generates call-progress tones ([`LineSignal::Tone`]).
    Tones,
    /// Sends caller-ID (with ringing and [`LineSignal::CallerId`]).
    CallerId,
    /// Drives a message-waiting indicator ([`LineSignal::MessageWaiting`]).
    MessageWaiting,
    /// Plays DTMF in-band ([`LineSignal::Digits`]).
    DtmfPlayout,
    /// Detects fax and modem tones ([`LineEvent::FaxTone`],
    /// [`LineEvent::ModemTone`]).
    FaxModemDetection,
}

impl LineCapability {
    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// What a line device can do, so a stack can say so up front (MGCP
/// audit of capabilities, RFC 3435 §2.3.10) instead of learning it from
/// [`LineError::Unsupported`]. Hook state and digit detection are not
/// listed: every line device has them.
///
/// ```
/// use openphone_hal::line::{LineCapabilities, LineCapability};
/// let caps = LineCapabilities::new(&[LineCapability::Ring, LineCapability::Tones]);
/// assert!(caps.has(LineCapability::Ring));
/// assert!(!caps.has(LineCapability::CallerId));
/// assert!(!LineCapabilities::default().has(LineCapability::Ring));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LineCapabilities(u16);

impl LineCapabilities {
    /// A set holding exactly `capabilities`.
    pub fn new(capabilities: &[LineCapability]) -> Self {
        LineCapabilities(capabilities.iter().fold(0, |acc, c| acc | c.bit()))
    }

    /// This set plus `capability`.
    pub fn with(self, capability: LineCapability) -> Self {
        LineCapabilities(self.0 | capability.bit())
    }

    /// Whether the set holds `capability`.
    pub fn has(self, capability: LineCapability) -> bool {
        self.0 & capability.bit() != 0
    }
}

/// A telephone line: an FXS port of a line card, a USB handset, a
/// simulated line in tests.
///
/// The driver owns the hardware; the SAL (or an MGCP endpoint) owns the
/// device and drives it without blocking: it calls
/// [`poll_event`](LineDevice::poll_event) until `None`, at least every
/// [`poll_interval`](LineDevice::poll_interval), and calls
/// [`signal`](LineDevice::signal) for what the call needs. A signal the
/// device cannot produce returns [`LineError::Unsupported`]; it never
/// succeeds silently.
///
/// ```
/// use std::collections::VecDeque;
/// use openphone_hal::line::*;
///
/// /// A line that only knows its hook switch.
/// struct HookOnly { state: HookState, events: VecDeque<LineEvent> }
///
/// impl LineDevice for HookOnly {
///     fn name(&self) -> &str { "hook-only" }
///     fn hook_state(&self) -> HookState { self.state }
///     fn capabilities(&self) -> LineCapabilities { LineCapabilities::default() }
///     fn poll_event(&mut self) -> Option<LineEvent> { self.events.pop_front() }
///     fn signal(&mut self, signal: LineSignal) -> Result<(), LineError> {
///         signal.validate()?;
///         Err(LineError::Unsupported(Box::new(signal)))
///     }
/// }
///
/// let mut line = HookOnly {
///     state: HookState::OnHook,
///     events: VecDeque::from([LineEvent::Hook(HookState::OffHook)]),
/// };
/// assert_eq!(line.poll_event(), Some(LineEvent::Hook(HookState::OffHook)));
/// assert!(matches!(
///     line.signal(LineSignal::Tone(Tone::Dial)),
///     Err(LineError::Unsupported(_))
/// ));
/// ```
pub trait LineDevice: Send {
    /// A name for logs and diagnostics, e.g. `"fxs0"`.
    fn name(&self) -> &str;

    /// The hook state now. Changes are also reported as
    /// [`LineEvent::Hook`] through [`poll_event`](LineDevice::poll_event).
    fn hook_state(&self) -> HookState;

    /// What the device can produce; must agree with what
    /// [`signal`](LineDevice::signal) accepts.
    fn capabilities(&self) -> LineCapabilities;

    /// The next detected event, oldest first, or `None` if there is none
    /// now. Never blocks.
    fn poll_event(&mut self) -> Option<LineEvent>;

    /// Produces `signal`. Returns [`LineError::Unsupported`] for a signal
    /// the device cannot produce, [`LineError::WrongHookState`] for one that
    /// does not fit the hook state, and a validation error for bad digits
    /// (call [`LineSignal::validate`]). Never blocks for the length of a
    /// tone or ring: those run on until stopped.
    fn signal(&mut self, signal: LineSignal) -> Result<(), LineError>;

    /// How often the owner should call [`poll_event`](LineDevice::poll_event)
    /// when it has no other wake-up from the device. The default, 10 ms,
    /// resolves DTMF (≥ 40 ms per ITU-T Q.24) and hook-flash timing.
    fn poll_interval(&self) -> Duration {
        Duration::from_millis(10)
    }
}

impl<T: LineDevice + ?Sized> LineDevice for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn hook_state(&self) -> HookState {
        (**self).hook_state()
    }
    fn capabilities(&self) -> LineCapabilities {
        (**self).capabilities()
    }
    fn poll_event(&mut self) -> Option<LineEvent> {
        (**self).poll_event()
    }
    fn signal(&mut self, signal: LineSignal) -> Result<(), LineError> {
        (**self).signal(signal)
    }
    fn poll_interval(&self) -> Duration {
        (**self).poll_interval()
    }
}
