//! Caller-ID generation: SDMF/MDMF messages, FSK and DTMF caller-ID signals.

use std::f64::consts::TAU;
use std::time::Duration;

use crate::line::dtmf_detect::{dtmf_frequencies, DBM0_SINE_PEAK};
use crate::line::{AbsenceReason, CallerId};

/// FSK bit rate of both Bell 202 and V.23 caller-ID, in bits per second.
pub const FSK_BAUD: u32 = 1200;

/// Longest name Telcordia GR-30 MDMF carries; longer names are cut to it
/// for [`FskStandard::Bell202`] lines.
pub const GR30_MAX_NAME: usize = 15;

/// Why caller-ID could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallerIdEncodeError {
    /// SDMF always carries the date and time, and this caller-ID has none.
    #[error("an SDMF caller-ID message needs the date and time")]
    SdmfNeedsTime,
    /// SDMF carries a number (or its absence), and this caller-ID has
    /// neither.
    #[error("an SDMF caller-ID message needs a number or a reason for its absence")]
    SdmfNeedsNumber,
    /// Nothing to send: no time, number, name nor absence reason.
    #[error("the caller-ID carries nothing to send")]
    Empty,
    /// DTMF caller-ID carries only a number or the reason it is absent.
    #[error("DTMF caller-ID needs a number or a reason for its absence")]
    DtmfNeedsNumber,
    /// The sample rate cannot carry the signal (below 8 kHz or above
    /// 192 kHz).
    #[error("caller-ID needs a sample rate of 8000 to 192000 Hz, not {0}")]
    UnsupportedRate(u32),
}

/// The layout of the caller-ID data message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageFormat {
    /// Multiple data message format (message type 0x80, "call set-up"):
    /// tagged parameters for date and time (0x01), number (0x02), reason
    /// for an absent number (0x04), name (0x07) and reason for an absent
    /// name (0x08). ETSI EN 300 659-3 and Telcordia GR-30.
    Mdmf,
    /// Single data message format (message type 0x04, Telcordia GR-30):
    /// eight date and time digits then the number, or `P` (private) or
    /// `O` (out of area) when it is absent. No name.
    Sdmf,
}

/// The ASCII code of an absence reason on the wire.
fn reason_code(reason: AbsenceReason) -> u8 {
    match reason {
        AbsenceReason::Private => b'P',
        AbsenceReason::Unavailable => b'O',
    }
}

/// A name as 8-bit characters: ASCII as is, anything else as `?` (the
/// sets of the standards differ by country; ASCII is common to all).
fn name_bytes(name: &str, max: usize) -> impl Iterator<Item = u8> + '_ {
    name.chars()
        .take(max)
        .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
}

impl MessageFormat {
    /// The whole message, `type, length, body…, checksum`, where the
    /// checksum makes the byte sum 0 modulo 256. The name is cut to
    /// `max_name` characters.
    fn encode_with(self, id: &CallerId, max_name: usize) -> Result<Vec<u8>, CallerIdEncodeError> {
        let mut out = Vec::with_capacity(96);
        let time_digits = id.time().map(|t| {
            let mut d = [0u8; 8];
            for (i, v) in [t.month(), t.day(), t.hour(), t.minute()]
                .into_iter()
                .enumerate()
            {
                d[2 * i] = b'0' + v / 10;
                d[2 * i + 1] = b'0' + v % 10;
            }
            d
        });
        match self {
            MessageFormat::Sdmf => {
                let time = time_digits.ok_or(CallerIdEncodeError::SdmfNeedsTime)?;
                out.extend([0x04, 0]);
                out.extend(time);
                match (id.number(), id.number_absence()) {
                    (Some(n), _) => out.extend(n.bytes()),
                    (None, Some(r)) => out.push(reason_code(r)),
                    (None, None) => return Err(CallerIdEncodeError::SdmfNeedsNumber),
                }
            }
            MessageFormat::Mdmf => {
                out.extend([0x80, 0]);
                let mut param = |tag: u8, value: &mut dyn Iterator<Item = u8>| {
                    out.push(tag);
                    let len_at = out.len();
                    out.push(0);
                    out.extend(value);
                    // Values are at most 50 bytes (checked in `CallerId`).
                    out[len_at] = (out.len() - len_at - 1) as u8;
                };
                if let Some(time) = time_digits {
                    param(0x01, &mut time.into_iter());
                }
                if let Some(n) = id.number() {
                    param(0x02, &mut n.bytes());
                } else if let Some(r) = id.number_absence() {
                    param(0x04, &mut std::iter::once(reason_code(r)));
                }
                if let Some(n) = id.name() {
                    param(0x07, &mut name_bytes(n, max_name));
                } else if let Some(r) = id.name_absence() {
                    param(0x08, &mut std::iter::once(reason_code(r)));
                }
                if out.len() == 2 {
                    return Err(CallerIdEncodeError::Empty);
                }
            }
        }
        // At most 2 + 10 + 22 + 3 + 52 bytes: fits the length byte.
        out[1] = (out.len() - 2) as u8;
        let sum = out.iter().fold(0u8, |a, &b| a.wrapping_add(b));
        out.push(sum.wrapping_neg());
        Ok(out)
    }

    /// The message bytes for `id`: type, length, body, checksum (the two's
    /// complement of the sum of the other bytes, modulo 256). Names keep up
    /// to 50 characters here; [`FskCallerId`] cuts them to
    /// [`GR30_MAX_NAME`] for Bell 202 lines.
    ///
    /// ```
    /// use openphone_hal::line::{CallerId, CallerIdTime, MessageFormat};
    /// let id = CallerId::from_number("6095551212")?
    ///     .with_time(CallerIdTime::new(9, 30, 12, 24)?);
    /// let sdmf = MessageFormat::Sdmf.encode(&id)?;
    /// assert_eq!(&sdmf[..2], &[0x04, 18]);
    /// assert_eq!(&sdmf[2..20], b"093012246095551212");
    /// assert_eq!(sdmf[20], 0x51);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode(self, id: &CallerId) -> Result<Vec<u8>, CallerIdEncodeError> {
        self.encode_with(id, usize::MAX)
    }
}

/// Which pair of FSK frequencies carries the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FskStandard {
    /// Bell 202: mark (1) 1200 Hz, space (0) 2200 Hz (North America,
    /// Telcordia GR-30).
    Bell202,
    /// ITU-T V.23 forward channel: mark 1300 Hz, space 2100 Hz (ETSI
    /// EN 300 659-1, most of Europe).
    V23,
}

impl FskStandard {
    /// (mark, space) frequencies in Hz.
    pub fn frequencies(self) -> (f64, f64) {
        match self {
            FskStandard::Bell202 => (1200.0, 2200.0),
            FskStandard::V23 => (1300.0, 2100.0),
        }
    }
}

/// An FSK caller-ID transmitter: message layout, modulation, preamble and
/// level. Produces the PCM a line plays between the first and second ring
/// (on-hook) or after the CAS alert tone (off-hook, no seizure).
///
/// Caller-ID generation covers the data message (ETSI EN 300 659-3, Telcordia
/// GR-30 SDMF and MDMF), its FSK signal (Bell 202 or ITU-T V.23, 1200
/// baud) and DTMF caller-ID (ETSI EN 300 659-1 Annex B, `A…C` framing).
///
/// An FSK transmission is: channel seizure (alternating 0 and 1 bits, on
/// hook only), a mark signal (steady 1 bits), then each message byte as an
/// asynchronous character (one 0 start bit, eight data bits least
/// significant first, one 1 stop bit), then a few mark bits so the last
/// stop bit is not cut off.
///
/// ```
/// use openphone_hal::line::{CallerId, CallerIdTime, FskCallerId, MessageFormat};
///
/// let id = CallerId::from_number("6095551212")?
///     .with_name("Alice")?
///     .with_time(CallerIdTime::new(9, 30, 12, 24)?);
/// let bytes = MessageFormat::Mdmf.encode(&id)?;
/// assert_eq!(bytes[0], 0x80); // MDMF call set-up
/// // Every byte, the checksum included, sums to 0 modulo 256.
/// assert_eq!(bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
///
/// let pcm = FskCallerId::bell202().render(&id, 8000)?;
/// // 300 seizure + 180 mark bits + 10 per byte + 10 trailing marks at 1200 baud.
/// let bits = 300 + 180 + 10 * bytes.len() + 10;
/// assert_eq!(pcm.len(), (bits * 8000).div_ceil(1200));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// ```
/// use openphone_hal::line::{CallerId, FskCallerId, MessageFormat};
/// let id = CallerId::from_number("0123456789")?;
/// let etsi = FskCallerId::v23();
/// let pcm = etsi.render(&id, 8000)?;
/// let peak = pcm.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
/// // −13.5 dBm0 by default: a peak of about 4800.
/// assert!((4700..4900).contains(&peak));
/// let off_hook = FskCallerId::v23().off_hook();
/// assert!(off_hook.render(&id, 8000)?.len() < pcm.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FskCallerId {
    /// Modulation.
    pub standard: FskStandard,
    /// Message layout.
    pub format: MessageFormat,
    /// Alternating bits before the marks (300 on-hook, 0 off-hook).
    pub seizure_bits: u32,
    /// Mark bits before the first character (180 on-hook, 80 off-hook in
    /// ETSI EN 300 659-1).
    pub mark_bits: u32,
    /// Level of the sine in dBm0 (−13.5 dBm0, the nominal of GR-30 and
    /// EN 300 659-1).
    pub level_dbm0: f64,
}

impl FskCallerId {
    /// North-American on-hook caller-ID: Bell 202, MDMF, 300 seizure bits,
    /// 180 mark bits, names cut to [`GR30_MAX_NAME`].
    pub fn bell202() -> Self {
        FskCallerId {
            standard: FskStandard::Bell202,
            format: MessageFormat::Mdmf,
            seizure_bits: 300,
            mark_bits: 180,
            level_dbm0: -13.5,
        }
    }

    /// European on-hook caller-ID (ETSI EN 300 659-1): V.23, MDMF, 300
    /// seizure bits, 180 mark bits.
    pub fn v23() -> Self {
        FskCallerId {
            standard: FskStandard::V23,
            ..Self::bell202()
        }
    }

    /// The same for an off-hook (call-waiting) transmission: no channel
    /// seizure, 80 mark bits.
    pub fn off_hook(self) -> Self {
        FskCallerId {
            seizure_bits: 0,
            mark_bits: 80,
            ..self
        }
    }

    /// The message bytes this transmitter sends for `id`.
    pub fn message(&self, id: &CallerId) -> Result<Vec<u8>, CallerIdEncodeError> {
        let max_name = match self.standard {
            FskStandard::Bell202 => GR30_MAX_NAME,
            FskStandard::V23 => usize::MAX,
        };
        self.format.encode_with(id, max_name)
    }

    /// The PCM (at `rate` Hz) of the whole transmission for `id`.
    pub fn render(&self, id: &CallerId, rate: u32) -> Result<Vec<i16>, CallerIdEncodeError> {
        check_rate(rate)?;
        let message = self.message(id)?;
        let seizure = (0..self.seizure_bits).map(|i| i % 2 == 1);
        let marks = (0..self.mark_bits).map(|_| true);
        let chars = message.iter().flat_map(|&byte| {
            std::iter::once(false)
                .chain((0..8).map(move |i| byte >> i & 1 == 1))
                .chain(std::iter::once(true))
        });
        let trailer = (0..10).map(|_| true);
        let bits: Vec<bool> = seizure.chain(marks).chain(chars).chain(trailer).collect();
        Ok(modulate(&bits, self.standard, self.level_dbm0, rate))
    }
}

fn check_rate(rate: u32) -> Result<(), CallerIdEncodeError> {
    if (8000..=192_000).contains(&rate) {
        Ok(())
    } else {
        Err(CallerIdEncodeError::UnsupportedRate(rate))
    }
}

/// Continuous-phase FSK of `bits` at 1200 baud. Bit `i` covers samples
/// `⌈i·rate/1200⌉ .. ⌈(i+1)·rate/1200⌉`, so the timing does not drift.
fn modulate(bits: &[bool], standard: FskStandard, level_dbm0: f64, rate: u32) -> Vec<i16> {
    let (mark, space) = standard.frequencies();
    let amp = DBM0_SINE_PEAK * 10f64.powf(level_dbm0 / 20.0);
    let fs = f64::from(rate);
    let total = (bits.len() as u64 * u64::from(rate)).div_ceil(u64::from(FSK_BAUD));
    let mut out = Vec::with_capacity(total as usize);
    let mut phase = 0.0f64;
    for (i, &bit) in bits.iter().enumerate() {
        let end = ((i as u64 + 1) * u64::from(rate)).div_ceil(u64::from(FSK_BAUD));
        let step = TAU * if bit { mark } else { space } / fs;
        while (out.len() as u64) < end {
            out.push((amp * phase.sin()).round().clamp(-32768.0, 32767.0) as i16);
            phase = (phase + step) % TAU;
        }
    }
    out
}

/// A DTMF caller-ID transmitter (ETSI EN 300 659-1 Annex B, the common
/// variant): `A`, the number, `C`; or, when the number is absent, `B`, a
/// two-digit reason (`10` private, `00` unavailable), `C`.
///
/// ```
/// use openphone_hal::line::{AbsenceReason, CallerId, DtmfCallerId};
/// let dtmf = DtmfCallerId::default();
/// assert_eq!(dtmf.digits(&CallerId::from_number("0123")?)?, "A0123C");
/// assert_eq!(dtmf.digits(&CallerId::withheld(AbsenceReason::Private))?, "B10C");
/// let pcm = dtmf.render(&CallerId::from_number("0123")?, 8000)?;
/// assert_eq!(pcm.len(), 6 * (560 + 560));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfCallerId {
    /// How long each digit sounds (70 ms; EN 300 659-1 asks 50–70 ms).
    pub tone: Duration,
    /// The pause after each digit (70 ms; at least 50 ms).
    pub pause: Duration,
    /// Level of each of the two tones, in dBm0 (−8 dBm0, no twist).
    pub level_dbm0: f64,
}

impl Default for DtmfCallerId {
    fn default() -> Self {
        DtmfCallerId {
            tone: Duration::from_millis(70),
            pause: Duration::from_millis(70),
            level_dbm0: -8.0,
        }
    }
}

impl DtmfCallerId {
    /// The digit string sent for `id`.
    pub fn digits(&self, id: &CallerId) -> Result<String, CallerIdEncodeError> {
        match (id.number(), id.number_absence()) {
            (Some(n), _) => Ok(format!("A{n}C")),
            (None, Some(AbsenceReason::Private)) => Ok("B10C".to_owned()),
            (None, Some(_)) => Ok("B00C".to_owned()),
            (None, None) => Err(CallerIdEncodeError::DtmfNeedsNumber),
        }
    }

    /// The PCM (at `rate` Hz) of the whole transmission for `id`.
    pub fn render(&self, id: &CallerId, rate: u32) -> Result<Vec<i16>, CallerIdEncodeError> {
        check_rate(rate)?;
        let digits = self.digits(id)?;
        let on = (self.tone.as_secs_f64() * f64::from(rate)).round() as usize;
        let off = (self.pause.as_secs_f64() * f64::from(rate)).round() as usize;
        let amp = DBM0_SINE_PEAK * 10f64.powf(self.level_dbm0 / 20.0);
        let fs = f64::from(rate);
        let mut out = Vec::with_capacity(digits.len() * (on + off));
        for d in digits.chars() {
            // Every symbol of `digits` is a DTMF digit by construction.
            let Some((low, high)) = dtmf_frequencies(d) else {
                continue;
            };
            out.extend((0..on).map(|n| {
                let t = n as f64 / fs;
                let v = amp * ((TAU * low * t).sin() + (TAU * high * t).sin());
                v.round().clamp(-32768.0, 32767.0) as i16
            }));
            out.extend(std::iter::repeat_n(0, off));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::CallerIdTime;

    #[test]
    fn empty_and_sdmf_requirements() {
        let bare = CallerId::withheld(AbsenceReason::Private);
        assert!(MessageFormat::Sdmf.encode(&bare).is_err());
        let id = CallerId::from_number("1").expect("valid");
        assert_eq!(
            MessageFormat::Sdmf.encode(&id),
            Err(CallerIdEncodeError::SdmfNeedsTime)
        );
        let timed = bare.with_time(CallerIdTime::new(1, 2, 3, 4).expect("valid"));
        let sdmf = MessageFormat::Sdmf.encode(&timed).expect("encodes");
        assert_eq!(&sdmf[2..], b"01020304P\x19");
    }

    #[test]
    fn bell202_cuts_names_v23_does_not() {
        let id = CallerId::from_number("1")
            .and_then(|c| c.with_name("Bartholomew Featherstonehaugh"))
            .expect("valid");
        let bell = FskCallerId::bell202().message(&id).expect("encodes");
        let v23 = FskCallerId::v23().message(&id).expect("encodes");
        assert_eq!(bell.len() + 29 - 15, v23.len());
        assert!(FskCallerId::v23().render(&id, 4000).is_err());
    }
}
