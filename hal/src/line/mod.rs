//! # Telephone lines
//!
//! The vocabulary shared by everything that talks to an analogue telephone
//! line, whatever the call signalling: line-card drivers implement
//! [`LineDevice`]; the SAL, an MGCP endpoint (RFC 3435 with the RFC 3660
//! line `L` and DTMF `D` packages) or a softphone with a handset drive it.
//!
//! - Upward, a device reports [`LineEvent`]s: hook changes ([`HookState`]),
//!   hook-flash, digits, fax and modem tones.
//! - Downward, it is given [`LineSignal`]s: ringing with a [`Cadence`] and
//!   optional [`CallerId`], call-progress [`Tone`]s, message waiting, DTMF
//!   playout.
//! - [`TonePlan::for_country`] says how each tone sounds in a [`Country`]
//!   (ITU-T E.180 Supplement 2), and [`Cadence::ring`] how its bell rings.
//! - [`DtmfDetector`] finds in-band DTMF digits in PCM within the ITU-T
//!   Q.24 limits; [`FskCallerId`] and [`DtmfCallerId`] turn a [`CallerId`]
//!   into the signal a phone decodes (Bell 202 / V.23 FSK with SDMF or
//!   MDMF messages, or DTMF).
//! - [`SimLine`] is a simulated line card with a scriptable phone
//!   ([`SimPhone`]) and a sound path, for tests and hardware-less setups.
//!
//! ```
//! use openphone_hal::line::*;
//!
//! let plan = TonePlan::for_country("uk".parse()?);
//! let ring = LineSignal::Ring {
//!     cadence: plan.ring_cadence().clone(),
//!     caller_id: Some(CallerId::from_number("02079460000")?),
//! };
//! assert_eq!(
//!     ring.to_string(),
//!     "ring (UK: 0.4 s on, 0.2 s off, 0.4 s on, 2 s off) with caller-ID 02079460000"
//! );
//! assert_eq!(plan.tone(Tone::Busy).frequencies, [400.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cadence;
mod caller_id;
mod caller_id_fsk;
mod country;
mod device;
mod dtmf_detect;
mod hook;
mod signal;
mod sim;
mod tone;
mod tone_plan;

pub use cadence::{Cadence, CadenceError, MAX_CADENCE_PERIOD, MAX_CADENCE_SEGMENTS};
pub use caller_id::{
    AbsenceReason, CallerId, CallerIdError, CallerIdTime, MAX_CALLER_NAME, MAX_CALLER_NUMBER,
};
pub use caller_id_fsk::{
    CallerIdEncodeError, DtmfCallerId, FskCallerId, FskStandard, MessageFormat, FSK_BAUD,
    GR30_MAX_NAME,
};
pub use country::{Country, ParseCountryError};
pub use device::{LineCapabilities, LineCapability, LineDevice, LineError};
pub use dtmf_detect::{
    dtmf_frequencies, dtmf_tone, DtmfDetector, DtmfError, DtmfEvent, DBM0_SINE_PEAK, DTMF_COLUMNS,
    DTMF_ROWS, END_MISSES, FREQ_ACCEPT, FREQ_DECISION, FREQ_REJECT, MIN_HARMONIC_REJECTION_DB,
    MIN_TONE_LEVEL_DBM0, MIN_TONE_SHARE, NORMAL_TWIST_DB, REVERSE_TWIST_DB, START_HITS,
};
pub use hook::{is_dtmf_digit, HookState, LineEvent};
pub use signal::{LineSignal, MAX_PLAYOUT_DIGITS};
pub use sim::{SimEarpiece, SimLine, SimMouthpiece, SimPhone};
pub use tone::{Tone, TonePattern, ToneSpec};
pub use tone_plan::TonePlan;
