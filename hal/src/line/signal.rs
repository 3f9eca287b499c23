//! What the SAL asks a line to do.

use std::fmt;

use crate::line::{is_dtmf_digit, Cadence, CallerId, LineError, Tone};

/// The most digits one [`LineSignal::Digits`] may play.
pub const MAX_PLAYOUT_DIGITS: usize = 64;

/// A signal for a line device to produce, sent with
/// [`LineDevice::signal`](crate::line::LineDevice::signal).
///
/// Corresponds to the signals of the MGCP line package (RFC 3660 §2.9:
/// `rg`/`r0`–`r7` ringing, `ci` caller-ID, `vmwi` message waiting, the
/// call-progress tones) and DTMF package (digit playout). Ringing and tones
/// continue until stopped or replaced by another of the same kind.
///
/// ```
/// use openphone_hal::line::{Cadence, CallerId, Country, LineSignal, Tone};
///
/// let ring = LineSignal::Ring {
///     cadence: Cadence::ring(Country::Us),
///     caller_id: Some(CallerId::from_number("5551234")?.with_name("Alice")?),
/// };
/// assert_eq!(
///     ring.to_string(),
///     "ring (US: 2 s on, 4 s off) with caller-ID 5551234 'Alice'"
/// );
/// assert_eq!(LineSignal::Tone(Tone::Busy).to_string(), "play busy tone");
/// assert!(LineSignal::Digits("12#".into()).validate().is_ok());
/// assert!(LineSignal::Digits("12x".into()).validate().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineSignal {
    /// Ring the phone with `cadence`; send `caller_id` (on-hook data
    /// transmission, between the first and second ring) if given. Only
    /// meaningful while on-hook.
    Ring {
        /// The ringing pattern.
        cadence: Cadence,
        /// Caller-ID to send with the ringing.
        caller_id: Option<CallerId>,
    },
    /// Stop ringing.
    StopRinging,
    /// Play a call-progress tone (in the line's tone plan) until stopped.
    Tone(Tone),
    /// Stop the tone that plays, if any.
    StopTone,
    /// Send caller-ID without ringing: off-hook (call-waiting caller-ID,
    /// ETSI EN 300 659-2 / GR-575) or on-hook without ringing.
    CallerId(CallerId),
    /// Switch the message-waiting indication (lamp or stutter) on or off.
    MessageWaiting(bool),
    /// Play these DTMF digits in-band (`0`–`9`, `*`, `#`, `A`–`D`, at most
    /// [`MAX_PLAYOUT_DIGITS`]); check with [`LineSignal::validate`].
    Digits(String),
}

impl LineSignal {
    /// Checks what the variant's types cannot: the digits of
    /// [`LineSignal::Digits`]. Caller-ID and cadences are checked when they
    /// are built. Drivers call this before acting on a signal.
    pub fn validate(&self) -> Result<(), LineError> {
        if let LineSignal::Digits(digits) = self {
            let count = digits.chars().count();
            if count == 0 || count > MAX_PLAYOUT_DIGITS || !digits.chars().all(is_dtmf_digit) {
                return Err(LineError::InvalidDigits(
                    digits.chars().take(MAX_PLAYOUT_DIGITS).collect(),
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Display for LineSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineSignal::Ring { cadence, caller_id } => {
                write!(f, "ring ({cadence})")?;
                if let Some(id) = caller_id {
                    write!(f, " with caller-ID {id}")?;
                }
                Ok(())
            }
            LineSignal::StopRinging => f.write_str("stop ringing"),
            LineSignal::Tone(tone) => write!(f, "play {tone}"),
            LineSignal::StopTone => f.write_str("stop tone"),
            LineSignal::CallerId(id) => write!(f, "caller-ID {id}"),
            LineSignal::MessageWaiting(true) => f.write_str("message waiting on"),
            LineSignal::MessageWaiting(false) => f.write_str("message waiting off"),
            LineSignal::Digits(d) => write!(f, "play digits {d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::Country;

    #[test]
    fn display_every_variant() {
        let id = CallerId::from_number("123").expect("valid");
        let cases = [
            (
                LineSignal::Ring {
                    cadence: Cadence::ring(Country::De),
                    caller_id: None,
                },
                "ring (DE: 1 s on, 4 s off)",
            ),
            (LineSignal::StopRinging, "stop ringing"),
            (LineSignal::Tone(Tone::Dial), "play dial tone"),
            (LineSignal::StopTone, "stop tone"),
            (LineSignal::CallerId(id), "caller-ID 123"),
            (LineSignal::MessageWaiting(true), "message waiting on"),
            (LineSignal::MessageWaiting(false), "message waiting off"),
            (LineSignal::Digits("*72".into()), "play digits *72"),
        ];
        for (signal, text) in cases {
            assert_eq!(signal.to_string(), text);
        }
    }

    #[test]
    fn digits_validation() {
        let ok = |s: &str| LineSignal::Digits(s.into()).validate().is_ok();
        assert!(ok("0123456789*#ABCD"));
        assert!(ok(&"1".repeat(MAX_PLAYOUT_DIGITS)));
        assert!(!ok(""));
        assert!(!ok(&"1".repeat(MAX_PLAYOUT_DIGITS + 1)));
        assert!(!ok("abcd"));
        assert!(!ok("1 2"));
        assert!(LineSignal::StopTone.validate().is_ok());
    }
}
