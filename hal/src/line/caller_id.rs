//! Caller identification (CLIP) data a line sends to the phone.
//!
//! Limits follow ETSI EN 300 659-3 (the on-hook / off-hook data
//! transmission used across Europe): calling line identity at most 20
//! characters (parameter type 02), calling party name at most 50 (type 07),
//! date and time as month, day, hour and minute (type 01), and a reason when
//! the number or name is absent (types 04 and 08: "private" or
//! "unavailable"). Telcordia GR-30 MDMF carries the same fields with tighter
//! lengths (name 15); a driver for such a line truncates or refuses.

use std::fmt;

/// Most characters in a calling number (ETSI EN 300 659-3, parameter 02).
pub const MAX_CALLER_NUMBER: usize = 20;

/// Most characters in a calling name (ETSI EN 300 659-3, parameter 07).
pub const MAX_CALLER_NAME: usize = 50;

/// Why caller-ID data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallerIdError {
    /// The number is empty or holds something other than `0`–`9`.
    #[error("caller-ID number must be 1 to {MAX_CALLER_NUMBER} digits 0-9")]
    InvalidNumber,
    /// The number has more than [`MAX_CALLER_NUMBER`] digits.
    #[error("caller-ID number has {0} digits, more than {MAX_CALLER_NUMBER}")]
    NumberTooLong(usize),
    /// The name is empty or holds control characters.
    #[error("caller-ID name must be 1 to {MAX_CALLER_NAME} printable characters")]
    InvalidName,
    /// The name has more than [`MAX_CALLER_NAME`] characters.
    #[error("caller-ID name has {0} characters, more than {MAX_CALLER_NAME}")]
    NameTooLong(usize),
    /// The month, day, hour or minute is out of range.
    #[error(
        "caller-ID time {month:02}-{day:02} {hour:02}:{minute:02} is not a valid date and time"
    )]
    InvalidTime {
        /// Month as given.
        month: u8,
        /// Day as given.
        day: u8,
        /// Hour as given.
        hour: u8,
        /// Minute as given.
        minute: u8,
    },
}

/// Why the number or name is not presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AbsenceReason {
    /// The caller withheld it ("P", presentation restricted).
    Private,
    /// The network does not have it, e.g. an international call ("O").
    Unavailable,
}

impl fmt::Display for AbsenceReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AbsenceReason::Private => "private",
            AbsenceReason::Unavailable => "unavailable",
        })
    }
}

/// The local date and time sent with caller-ID (no year, as on the wire).
///
/// ```
/// use openphone_hal::line::CallerIdTime;
/// let t = CallerIdTime::new(2, 29, 23, 59)?;
/// assert_eq!(t.to_string(), "02-29 23:59");
/// assert!(CallerIdTime::new(4, 31, 12, 0).is_err());
/// # Ok::<(), openphone_hal::line::CallerIdError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallerIdTime {
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
}

impl CallerIdTime {
    /// A time from month 1–12, day 1–(days in that month; February has 29
    /// since no year is sent), hour 0–23 and minute 0–59.
    pub fn new(month: u8, day: u8, hour: u8, minute: u8) -> Result<Self, CallerIdError> {
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 => 29,
            _ => 0,
        };
        if day == 0 || day > days_in_month || hour > 23 || minute > 59 {
            return Err(CallerIdError::InvalidTime {
                month,
                day,
                hour,
                minute,
            });
        }
        Ok(CallerIdTime {
            month,
            day,
            hour,
            minute,
        })
    }

    /// Month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }
    /// Day of the month, 1–31.
    pub fn day(&self) -> u8 {
        self.day
    }
    /// Hour, 0–23.
    pub fn hour(&self) -> u8 {
        self.hour
    }
    /// Minute, 0–59.
    pub fn minute(&self) -> u8 {
        self.minute
    }
}

impl fmt::Display for CallerIdTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}-{:02} {:02}:{:02}",
            self.month, self.day, self.hour, self.minute
        )
    }
}

/// Caller identification for an incoming (or waiting) call.
///
/// Each of number and name is either present, or absent with a reason, or
/// simply not sent. Built through checking constructors, so a `CallerId`
/// always satisfies the ETSI EN 300 659-3 limits: number 1 to
/// [`MAX_CALLER_NUMBER`] digits `0`–`9`, name 1 to [`MAX_CALLER_NAME`]
/// printable characters. (Telcordia GR-30 MDMF allows only 15 name
/// characters; a driver for such a line truncates or refuses.)
///
/// ```
/// use openphone_hal::line::{AbsenceReason, CallerId, CallerIdTime};
///
/// let alice = CallerId::from_number("5551234")?.with_name("Alice")?;
/// assert_eq!(alice.to_string(), "5551234 'Alice'");
///
/// let hidden = CallerId::withheld(AbsenceReason::Private)
///     .with_time(CallerIdTime::new(12, 24, 18, 5)?);
/// assert_eq!(hidden.to_string(), "number private at 12-24 18:05");
///
/// assert!(CallerId::from_number("555-1234").is_err());
/// # Ok::<(), openphone_hal::line::CallerIdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallerId {
    number: Option<String>,
    name: Option<String>,
    time: Option<CallerIdTime>,
    number_absent: Option<AbsenceReason>,
    name_absent: Option<AbsenceReason>,
}

fn check_number(number: &str) -> Result<(), CallerIdError> {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CallerIdError::InvalidNumber);
    }
    if number.len() > MAX_CALLER_NUMBER {
        return Err(CallerIdError::NumberTooLong(number.len()));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), CallerIdError> {
    let count = name.chars().count();
    if count > MAX_CALLER_NAME {
        return Err(CallerIdError::NameTooLong(count));
    }
    if count == 0 || name.chars().any(char::is_control) {
        return Err(CallerIdError::InvalidName);
    }
    Ok(())
}

impl CallerId {
    /// Caller-ID presenting `number` (1–20 digits `0`–`9`).
    pub fn from_number(number: &str) -> Result<Self, CallerIdError> {
        check_number(number)?;
        Ok(CallerId {
            number: Some(number.to_owned()),
            name: None,
            time: None,
            number_absent: None,
            name_absent: None,
        })
    }

    /// Caller-ID saying the number is absent, and why.
    pub fn withheld(reason: AbsenceReason) -> Self {
        CallerId {
            number: None,
            name: None,
            time: None,
            number_absent: Some(reason),
            name_absent: None,
        }
    }

    /// Adds the caller's name (1–50 printable characters), replacing any
    /// name or name-absence reason set before.
    pub fn with_name(mut self, name: &str) -> Result<Self, CallerIdError> {
        check_name(name)?;
        self.name = Some(name.to_owned());
        self.name_absent = None;
        Ok(self)
    }

    /// Says the name is absent, and why, replacing any name set before.
    pub fn with_name_withheld(mut self, reason: AbsenceReason) -> Self {
        self.name = None;
        self.name_absent = Some(reason);
        self
    }

    /// Adds the date and time of the call.
    pub fn with_time(mut self, time: CallerIdTime) -> Self {
        self.time = Some(time);
        self
    }

    /// The calling number, if presented.
    pub fn number(&self) -> Option<&str> {
        self.number.as_deref()
    }

    /// The calling name, if presented.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The date and time, if sent.
    pub fn time(&self) -> Option<CallerIdTime> {
        self.time
    }

    /// Why the number is absent, if the line says so.
    pub fn number_absence(&self) -> Option<AbsenceReason> {
        self.number_absent
    }

    /// Why the name is absent, if the line says so.
    pub fn name_absence(&self) -> Option<AbsenceReason> {
        self.name_absent
    }
}

impl fmt::Display for CallerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        match (&self.number, self.number_absent) {
            (Some(n), _) => parts.push(n.clone()),
            (None, Some(r)) => parts.push(format!("number {r}")),
            (None, None) => {}
        }
        match (&self.name, self.name_absent) {
            (Some(n), _) => parts.push(format!("'{n}'")),
            (None, Some(r)) => parts.push(format!("name {r}")),
            (None, None) => {}
        }
        if parts.is_empty() {
            parts.push("no number".to_owned());
        }
        f.write_str(&parts.join(" "))?;
        if let Some(t) = self.time {
            write!(f, " at {t}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_validation() {
        assert!(CallerId::from_number("0").is_ok());
        assert!(CallerId::from_number(&"9".repeat(20)).is_ok());
        assert_eq!(
            CallerId::from_number(&"9".repeat(21)),
            Err(CallerIdError::NumberTooLong(21))
        );
        for bad in ["", "+15551234", "555 1234", "12a", "٣"] {
            assert_eq!(
                CallerId::from_number(bad),
                Err(CallerIdError::InvalidNumber),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn name_validation_counts_characters() {
        let base = CallerId::withheld(AbsenceReason::Unavailable);
        assert!(base.clone().with_name(&"é".repeat(50)).is_ok());
        assert_eq!(
            base.clone().with_name(&"é".repeat(51)),
            Err(CallerIdError::NameTooLong(51))
        );
        assert_eq!(base.clone().with_name(""), Err(CallerIdError::InvalidName));
        assert_eq!(
            base.clone().with_name("Al\nice"),
            Err(CallerIdError::InvalidName)
        );
    }

    #[test]
    fn time_validation() {
        assert!(CallerIdTime::new(1, 31, 0, 0).is_ok());
        assert!(CallerIdTime::new(2, 29, 23, 59).is_ok());
        for (m, d, h, min) in [
            (0, 1, 0, 0),
            (13, 1, 0, 0),
            (2, 30, 0, 0),
            (6, 31, 0, 0),
            (1, 0, 0, 0),
            (1, 1, 24, 0),
            (1, 1, 0, 60),
        ] {
            assert!(
                CallerIdTime::new(m, d, h, min).is_err(),
                "{m} {d} {h} {min}"
            );
        }
    }

    #[test]
    fn name_and_absence_replace_each_other() {
        let id = CallerId::from_number("1")
            .and_then(|c| c.with_name("Bob"))
            .expect("valid")
            .with_name_withheld(AbsenceReason::Private);
        assert_eq!(id.name(), None);
        assert_eq!(id.name_absence(), Some(AbsenceReason::Private));
        let id = id.with_name("Carol").expect("valid");
        assert_eq!(id.name(), Some("Carol"));
        assert_eq!(id.name_absence(), None);
    }

    #[test]
    fn display() {
        let t = CallerIdTime::new(3, 7, 9, 5).expect("valid");
        let full = CallerId::from_number("5551234")
            .and_then(|c| c.with_name("Alice"))
            .expect("valid")
            .with_time(t);
        assert_eq!(full.to_string(), "5551234 'Alice' at 03-07 09:05");
        let out_of_area = CallerId::withheld(AbsenceReason::Unavailable)
            .with_name_withheld(AbsenceReason::Unavailable);
        assert_eq!(
            out_of_area.to_string(),
            "number unavailable name unavailable"
        );
        let nothing = CallerId::withheld(AbsenceReason::Private);
        assert_eq!(nothing.to_string(), "number private");
    }
}
