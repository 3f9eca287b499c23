//! Countries with a built-in tone plan and ringing cadence.

use std::fmt;
use std::str::FromStr;

/// A country whose call-progress tones and ringing cadence OpenPhone knows
/// (see [`TonePlan::for_country`](crate::line::TonePlan::for_country)).
///
/// Parses from its ISO 3166 alpha-2 code, case-insensitively; the United
/// Kingdom answers to both `uk` and `gb`.
///
/// ```
/// use openphone_hal::line::Country;
/// assert_eq!("GB".parse::<Country>(), Ok(Country::Uk));
/// assert_eq!(Country::De.to_string(), "DE");
/// assert!("xx".parse::<Country>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Country {
    /// United States (and the North American precise tone plan).
    Us,
    /// United Kingdom.
    Uk,
    /// Germany.
    De,
    /// France.
    Fr,
    /// Japan.
    Jp,
}

impl Country {
    /// Every country with a built-in plan.
    pub const ALL: [Country; 5] = [
        Country::Us,
        Country::Uk,
        Country::De,
        Country::Fr,
        Country::Jp,
    ];

    /// The lower-case code this crate prints and parses (`"us"`, `"uk"`…).
    pub fn code(self) -> &'static str {
        match self {
            Country::Us => "us",
            Country::Uk => "uk",
            Country::De => "de",
            Country::Fr => "fr",
            Country::Jp => "jp",
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Country::Us => "US",
            Country::Uk => "UK",
            Country::De => "DE",
            Country::Fr => "FR",
            Country::Jp => "JP",
        })
    }
}

/// A country code [`Country`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown country {0:?} (known: us, uk/gb, de, fr, jp)")]
pub struct ParseCountryError(String);

impl FromStr for Country {
    type Err = ParseCountryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim();
        let found = match code.to_ascii_lowercase().as_str() {
            "us" => Country::Us,
            "uk" | "gb" => Country::Uk,
            "de" => Country::De,
            "fr" => Country::Fr,
            "jp" => Country::Jp,
            _ => {
                // Keep the error bounded whatever the caller passed in.
                let shown: String = code.chars().take(16).collect();
                return Err(ParseCountryError(shown));
            }
        };
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_case_insensitively() {
        for (s, c) in [
            ("us", Country::Us),
            ("US", Country::Us),
            ("uk", Country::Uk),
            ("gb", Country::Uk),
            ("Gb", Country::Uk),
            (" de ", Country::De),
            ("fr", Country::Fr),
            ("JP", Country::Jp),
        ] {
            assert_eq!(s.parse::<Country>(), Ok(c), "{s:?}");
        }
    }

    #[test]
    fn rejects_unknown_codes() {
        for s in ["", "usa", "en", "d", "jpn"] {
            assert!(s.parse::<Country>().is_err(), "{s:?}");
        }
        let long = "x".repeat(1000);
        let err = long.parse::<Country>().unwrap_err();
        assert!(err.to_string().len() < 100);
    }

    #[test]
    fn code_round_trips() {
        for c in Country::ALL {
            assert_eq!(c.code().parse::<Country>(), Ok(c));
            assert_eq!(c.to_string().parse::<Country>(), Ok(c));
        }
    }
}
