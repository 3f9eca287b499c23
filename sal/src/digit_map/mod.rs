//! Digit maps (RFC 3435 §2.1.5, RFC 3525 §7.1.14): [`DigitMap`] parses
//! and classifies, [`DigitCollector`] collects digits with the timers.
//! `parse.rs` turns text into patterns, `matcher.rs` runs events through
//! them.

mod collector;
mod matcher;
mod parse;

use std::fmt;
use std::str::FromStr;

pub use collector::{Collected, DigitCollector, DigitTimers, MatchPolicy, MAX_COLLECTED_EVENTS};

use matcher::{bit_symbol, symbol_bit, MatchState, Pattern, DIGITS, TIMER};

/// The longest digit map text accepted, in bytes.
pub const MAX_MAP_LEN: usize = 2048;

/// The most alternatives one digit map may have.
pub const MAX_PATTERNS: usize = 64;

/// Why a digit map (or a digit given to a collector) was refused.
/// Positions are byte offsets into the map text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigitMapError {
    /// The map is empty or only blanks.
    #[error("empty digit map")]
    Empty,
    /// The text is longer than [`MAX_MAP_LEN`] bytes.
    #[error("digit map of {length} bytes is longer than {MAX_MAP_LEN}")]
    TooLong {
        /// Length of the text in bytes.
        length: usize,
    },
    /// More than [`MAX_PATTERNS`] alternatives.
    #[error("digit map has more than {MAX_PATTERNS} alternatives")]
    TooManyPatterns,
    /// A character that cannot stand here.
    #[error("unexpected {found:?} at byte {position} of the digit map")]
    Unexpected {
        /// Byte offset.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The text ended where more was needed.
    #[error("digit map ends early at byte {position}")]
    UnexpectedEnd {
        /// Byte offset (the text length).
        position: usize,
    },
    /// An alternative with no positions, as in `(1||2)` or `()`.
    #[error("empty alternative at byte {position} of the digit map")]
    EmptyPattern {
        /// Byte offset.
        position: usize,
    },
    /// A `.` with nothing to repeat, as in `.1` or `1..`.
    #[error("'.' at byte {position} does not follow a digit position")]
    MisplacedDot {
        /// Byte offset.
        position: usize,
    },
    /// `[` without its `]`.
    #[error("'[' at byte {position} is never closed")]
    UnclosedBracket {
        /// Byte offset of the `[`.
        position: usize,
    },
    /// `[]`: a range with nothing in it.
    #[error("empty range at byte {position}")]
    EmptyRange {
        /// Byte offset of the `[`.
        position: usize,
    },
    /// A subrange that is not `digit-digit` in rising order, as in `[5-2]`.
    #[error("bad subrange at byte {position} (needs two digits, low-high)")]
    BadSubrange {
        /// Byte offset of the subrange.
        position: usize,
    },
    /// `(` without its `)`.
    #[error("'(' at byte {position} is never closed")]
    UnclosedParenthesis {
        /// Byte offset of the `(`.
        position: usize,
    },
    /// A collector was given something other than a DTMF digit.
    #[error("{digit:?} is not a DTMF digit (0-9, *, #, A-D)")]
    InvalidDigit {
        /// What was given.
        digit: char,
    },
    /// A collector was given a digit after it had reported its result.
    #[error("digit collection has already finished")]
    CollectionFinished,
}

/// How a dial string stands against a [`DigitMap`].
///
/// ```
/// use openphone_sal::{DigitMap, DigitMatch};
///
/// let map = DigitMap::parse("(911|9011x.T|*6x)")?;
/// assert_eq!(map.check("911"), DigitMatch::Complete);
/// assert_eq!(map.check("9011"), DigitMatch::CompleteOnTimeout); // x. may be empty
/// assert_eq!(map.check("*6"), DigitMatch::Partial);
/// assert_eq!(map.check("912"), DigitMatch::NoMatch);
/// # Ok::<(), openphone_sal::DigitMapError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigitMatch {
    /// A pattern matches and no longer string could match any: report now.
    Complete,
    /// A pattern matches but a longer one could still match, or a timer
    /// expiry would complete a pattern (it ends in `T`): report when the
    /// short inter-digit timer expires, unless more digits come.
    CompleteOnTimeout,
    /// No pattern matches yet, but more digits could make one: wait, with
    /// the long inter-digit timer.
    Partial,
    /// No pattern can match this string or anything longer: report it as
    /// unmatched now.
    NoMatch,
}

/// A parsed digit map: when has the user dialled enough to act on?
///
/// MGCP (RFC 3435 §2.1.5) and H.248 (RFC 3525 §7.1.14) send one with each
/// request to collect digits; a softphone can use one as its local dial
/// plan. The example map of RFC 3435:
///
/// ```text
/// (0T|00T|[1-7]xxx|8xxxxxxx|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)
/// ```
///
/// A map is one pattern, or alternatives separated by `|` in parentheses.
/// Each pattern is a string of positions: a DTMF symbol (`0`–`9`, `#`,
/// `*`, `A`–`D`), `x` for any digit `0`–`9`, a range in brackets of
/// symbols and digit subranges such as `[1-4]` or `[2-9#]`, or `T` for the
/// expiry of the inter-digit timer; `.` after a position lets it occur any
/// number of times, zero included (so `9011x.T` matches `9011T`). Letters
/// are case-insensitive; blanks may stand around parentheses, bars and
/// brackets.
///
/// [`check`](DigitMap::check) classifies what has been dialled
/// ([`DigitMatch`]); [`DigitCollector`] feeds digits one at a time and
/// runs the timers. Input is bounded: at most [`MAX_MAP_LEN`] bytes and
/// [`MAX_PATTERNS`] alternatives; a malformed map gives a
/// [`DigitMapError`] with the byte position, never a panic.
///
/// ```
/// use openphone_sal::{DigitMap, DigitMatch};
///
/// let map = DigitMap::parse("(0T|00T|[1-7]xxx|8xxxxxxx|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)")?;
/// assert_eq!(map.check("1234"), DigitMatch::Complete);
/// assert_eq!(map.check("0"), DigitMatch::CompleteOnTimeout); // "0T" waits for the timer
/// assert_eq!(map.check("91"), DigitMatch::Partial);
/// assert_eq!(map.check("000"), DigitMatch::NoMatch);
/// assert_eq!(map.check("0T"), DigitMatch::Complete); // `T` in the string: the timer fired
///
/// // One pattern needs no parentheses; letters are case-insensitive.
/// let one = DigitMap::parse("*6x")?;
/// assert_eq!(one.check("*69"), DigitMatch::Complete);
/// assert_eq!(one.to_string(), "*6x");
///
/// let err = DigitMap::parse("(12|[5-2])").unwrap_err();
/// assert_eq!(err.to_string(), "bad subrange at byte 5 (needs two digits, low-high)");
/// # Ok::<(), openphone_sal::DigitMapError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DigitMap {
    patterns: Vec<Pattern>,
}

impl DigitMap {
    /// Parses a digit map: one pattern, or alternatives in parentheses
    /// separated by `|` (see [`DigitMap`] for the syntax and limits).
    pub fn parse(text: &str) -> Result<Self, DigitMapError> {
        if text.len() <= MAX_MAP_LEN && text.trim_matches([' ', '\t']).is_empty() {
            return Err(DigitMapError::Empty);
        }
        Ok(DigitMap {
            patterns: parse::parse(text)?,
        })
    }

    /// How many alternatives the map has.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Always `false`: a parsed map has at least one alternative.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Classifies `dialled`: DTMF symbols as dialled (case-insensitive),
    /// with `T` standing for an expiry of the inter-digit timer. Any other
    /// character makes it [`DigitMatch::NoMatch`]. Time is linear in the
    /// length of `dialled` times the size of the map, and it stops at the
    /// first symbol no pattern can take.
    pub fn check(&self, dialled: &str) -> DigitMatch {
        let mut state = MatchState::new(&self.patterns);
        for c in dialled.chars() {
            let Some(bit) = symbol_bit(c) else {
                return DigitMatch::NoMatch;
            };
            state = state.advanced(&self.patterns, bit);
            if state.analyse(&self.patterns).dead() {
                return DigitMatch::NoMatch;
            }
        }
        self.classify(&state)
    }

    fn classify(&self, state: &MatchState) -> DigitMatch {
        let a = state.analyse(&self.patterns);
        if a.exact {
            if a.can_extend {
                DigitMatch::CompleteOnTimeout
            } else {
                DigitMatch::Complete
            }
        } else if a.timer_completes {
            DigitMatch::CompleteOnTimeout
        } else if a.can_extend {
            DigitMatch::Partial
        } else {
            DigitMatch::NoMatch
        }
    }
}

impl FromStr for DigitMap {
    type Err = DigitMapError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DigitMap::parse(s)
    }
}

/// Prints a position's symbol set: a single symbol, `x`, or a range with
/// runs of three or more digits as `lo-hi`.
fn fmt_set(set: u32, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if set == DIGITS {
        return f.write_str("x");
    }
    if set.count_ones() == 1 {
        return write!(f, "{}", bit_symbol(set.trailing_zeros()));
    }
    f.write_str("[")?;
    let mut d = 0;
    while d < 10 {
        if set & (1 << d) == 0 {
            d += 1;
            continue;
        }
        let mut end = d;
        while end + 1 < 10 && set & (1 << (end + 1)) != 0 {
            end += 1;
        }
        if end - d >= 2 {
            write!(f, "{}-{}", bit_symbol(d), bit_symbol(end))?;
        } else {
            for i in d..=end {
                write!(f, "{}", bit_symbol(i))?;
            }
        }
        d = end + 1;
    }
    for i in 10..=16 {
        if set & (1 << i) != 0 {
            write!(f, "{}", bit_symbol(i))?;
        }
    }
    debug_assert_eq!(set & !(DIGITS | 0xfc00 | TIMER), 0);
    f.write_str("]")
}

/// Prints the map in canonical form: upper-case letters, no blanks,
/// parentheses only around two or more alternatives. The printed text
/// parses back to an equal map.
impl fmt::Display for DigitMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = self.patterns.len() > 1;
        if list {
            f.write_str("(")?;
        }
        for (i, p) in self.patterns.iter().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            for e in &p.elements {
                fmt_set(e.set, f)?;
                if e.repeat {
                    f.write_str(".")?;
                }
            }
        }
        if list {
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
