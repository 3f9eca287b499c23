//! What a line reports: hook state and the events a line card detects.

use std::fmt;

/// Whether the handset (or the far end of an analogue line) is lifted.
///
/// ```
/// use openphone_hal::line::HookState;
/// assert_eq!(HookState::OffHook.to_string(), "off-hook");
/// assert!(HookState::OffHook.is_off_hook());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookState {
    /// The loop is open: the phone is idle (MGCP `L/hu`).
    OnHook,
    /// The loop is closed: the user lifted the handset (MGCP `L/hd`).
    OffHook,
}

impl HookState {
    /// `true` for [`HookState::OffHook`].
    pub fn is_off_hook(self) -> bool {
        self == HookState::OffHook
    }
}

impl fmt::Display for HookState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HookState::OnHook => "on-hook",
            HookState::OffHook => "off-hook",
        })
    }
}

/// `true` for the sixteen DTMF symbols `0`–`9`, `*`, `#`, `A`–`D`
/// (upper case, as RFC 4733 and the MGCP DTMF package name them).
///
/// ```
/// use openphone_hal::line::is_dtmf_digit;
/// assert!(is_dtmf_digit('#') && is_dtmf_digit('D'));
/// assert!(!is_dtmf_digit('d') && !is_dtmf_digit('E'));
/// ```
pub fn is_dtmf_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')
}

/// Something a line card detected, reported by [`LineDevice::poll_event`].
///
/// The set follows the events of the MGCP line package (RFC 3660 §2.9:
/// `hd`, `hu`, `hf`, `ft`, `mt`) and the DTMF package (RFC 3660 §2.2:
/// `0`–`9`, `*`, `#`, `A`–`D`). Timers (`T`) are not device events: the
/// digit collector in the SAL runs them.
///
/// ```
/// use openphone_hal::line::{HookState, LineEvent};
/// assert_eq!(LineEvent::Hook(HookState::OffHook).to_string(), "off-hook");
/// assert_eq!(LineEvent::digit('b'), Some(LineEvent::Digit('B')));
/// assert_eq!(LineEvent::digit('e'), None);
/// ```
///
/// [`LineDevice::poll_event`]: crate::line::LineDevice::poll_event
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineEvent {
    /// The hook state changed.
    Hook(HookState),
    /// A hook-flash (a short on-hook the card timed as a flash, not a
    /// hang-up; RFC 3660 `hf`).
    Flash,
    /// A dialled digit: `0`–`9`, `*`, `#` or `A`–`D`, from DTMF or (digits
    /// only) from pulse dialling. Build it with [`LineEvent::digit`] to
    /// have the symbol checked.
    Digit(char),
    /// A fax calling or answer tone (T.30 CNG 1100 Hz / CED 2100 Hz;
    /// RFC 3660 `ft`): the call should switch to fax handling.
    FaxTone,
    /// A modem answer tone (V.25 / V.8; RFC 3660 `mt`): the call carries
    /// data and should switch to a clear channel.
    ModemTone,
}

impl LineEvent {
    /// A [`LineEvent::Digit`] for `c`, upper-casing `a`–`d`; `None` for a
    /// symbol that is not a DTMF digit.
    pub fn digit(c: char) -> Option<LineEvent> {
        let c = c.to_ascii_uppercase();
        is_dtmf_digit(c).then_some(LineEvent::Digit(c))
    }
}

impl fmt::Display for LineEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineEvent::Hook(state) => state.fmt(f),
            LineEvent::Flash => f.write_str("hook-flash"),
            LineEvent::Digit(d) => write!(f, "digit {d}"),
            LineEvent::FaxTone => f.write_str("fax tone"),
            LineEvent::ModemTone => f.write_str("modem tone"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_symbols_are_exactly_sixteen() {
        let all: String = (0u8..=127)
            .map(char::from)
            .filter(|&c| is_dtmf_digit(c))
            .collect();
        assert_eq!(all, "#*0123456789ABCD");
    }

    #[test]
    fn events_print_in_english() {
        assert_eq!(LineEvent::Hook(HookState::OnHook).to_string(), "on-hook");
        assert_eq!(LineEvent::Flash.to_string(), "hook-flash");
        assert_eq!(LineEvent::Digit('7').to_string(), "digit 7");
        assert_eq!(LineEvent::FaxTone.to_string(), "fax tone");
        assert_eq!(LineEvent::ModemTone.to_string(), "modem tone");
    }

    #[test]
    fn digit_constructor_checks_and_normalises() {
        assert_eq!(LineEvent::digit('*'), Some(LineEvent::Digit('*')));
        assert_eq!(LineEvent::digit('a'), Some(LineEvent::Digit('A')));
        assert_eq!(LineEvent::digit('x'), None);
        assert_eq!(LineEvent::digit('T'), None);
    }
}
