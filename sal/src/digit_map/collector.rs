//! Digit collection against a digit map, with the inter-digit timers, as a
//! sans-IO state machine: the caller passes `now` in and sleeps until
//! [`DigitCollector::poll_timeout`].

use std::time::{Duration, Instant};

use crate::digit_map::matcher::{symbol_bit, MatchState, TIMER};
use crate::digit_map::{DigitMap, DigitMapError, DigitMatch};

/// The most events (digits and timer expiries) one collection takes: the
/// event that reaches it ends the collection, matched if the string then
/// matches a pattern exactly. E.164 numbers have at most 15 digits, so this leaves
/// room for any prefix and service code.
pub const MAX_COLLECTED_EVENTS: usize = 64;

/// The three inter-digit timers.
///
/// The defaults are the values RFC 3660 gives for the MGCP line and DTMF
/// packages: 16 s for dial tone to wait for the first digit (the `dl`
/// time-out), 4 s when a timer expiry alone completes a match (`T_crit`,
/// short) and 16 s when at least one more digit is needed (`T_par`, long).
///
/// ```
/// use std::time::Duration;
/// use openphone_sal::DigitTimers;
///
/// let mut t = DigitTimers::default();
/// assert_eq!(t.short, Duration::from_secs(4));
/// t.short = Duration::from_secs(3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DigitTimers {
    /// From the start of collection until the first digit.
    pub start: Duration,
    /// After a digit, when a pattern already matches or a timer expiry
    /// alone would complete one ([`DigitMatch::CompleteOnTimeout`]).
    pub short: Duration,
    /// After a digit, when more digits are needed ([`DigitMatch::Partial`]).
    pub long: Duration,
}

impl Default for DigitTimers {
    fn default() -> Self {
        DigitTimers {
            start: Duration::from_secs(16),
            short: Duration::from_secs(4),
            long: Duration::from_secs(16),
        }
    }
}

/// When a dial string that matches a pattern, but could also grow into a
/// longer match, is reported.
///
/// ```
/// use std::time::Instant;
/// use openphone_sal::{DigitCollector, DigitMap, DigitTimers, MatchPolicy};
///
/// let now = Instant::now();
/// let map = DigitMap::parse("(123|1234)")?;
/// let mut c = DigitCollector::new(map, DigitTimers::default(), now)
///     .with_policy(MatchPolicy::FirstMatch);
/// c.handle_digit(now, '1')?;
/// c.handle_digit(now, '2')?;
/// let got = c.handle_digit(now, '3')?.expect("first match reports at once");
/// assert!(got.matched && got.digits == "123");
/// # Ok::<(), openphone_sal::DigitMapError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MatchPolicy {
    /// Wait for the short timer, so the longer match stays reachable
    /// (H.248 / RFC 3525 §7.1.14: a full but ambiguous match waits).
    #[default]
    WaitForLonger,
    /// Report as soon as any pattern matches exactly: the literal rule of
    /// RFC 3435 §2.1.5 ("shortest possible match"); a map must then use `T`
    /// to let a longer alternative through.
    FirstMatch,
}

/// The result of a digit collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Collected {
    /// The digits dialled (timer expiries are not digits and are left out).
    pub digits: String,
    /// Whether the dial string matched a pattern of the map. If not, it is
    /// to be reported as unmatched (RFC 3435: an "impossible match").
    pub matched: bool,
    /// Whether a timer expiry ended the collection (or took part in the
    /// match, for patterns with `T` in the middle).
    pub timer_expired: bool,
}

/// Collects dialled digits against a [`DigitMap`].
///
/// Starts the start timer at creation. After each digit it reports at once
/// if the string is [`DigitMatch::Complete`] or [`DigitMatch::NoMatch`],
/// otherwise it (re)starts the short or long timer. When a timer expires
/// ([`handle_timeout`](DigitCollector::handle_timeout)), the expiry is
/// matched as the event `T`, and the collection ends matched or unmatched.
/// Never reads the clock.
///
/// ```
/// use std::time::{Duration, Instant};
/// use openphone_sal::{DigitCollector, DigitMap, DigitTimers};
///
/// let map = DigitMap::parse("(0T|00T|[1-7]xxx|8xxxxxxx|*xx|9011x.T)")?;
/// let t0 = Instant::now();
/// let mut c = DigitCollector::new(map, DigitTimers::default(), t0);
/// assert_eq!(c.poll_timeout(), Some(t0 + Duration::from_secs(16))); // start timer
///
/// // "0" matches "0T" once the short timer runs out...
/// assert_eq!(c.handle_digit(t0, '0')?, None);
/// let deadline = c.poll_timeout().expect("short timer");
/// assert_eq!(deadline, t0 + Duration::from_secs(4));
/// let done = c.handle_timeout(deadline).expect("finished");
/// assert_eq!((done.digits.as_str(), done.matched), ("0", true));
///
/// // ...while "4711" is complete at once.
/// let map = DigitMap::parse("[1-7]xxx")?;
/// let mut c = DigitCollector::new(map, DigitTimers::default(), t0);
/// let results: Vec<_> = "4711".chars().map(|d| c.handle_digit(t0, d)).collect();
/// let last = results.last().expect("four digits").clone()?.expect("complete");
/// assert!(last.matched && last.digits == "4711" && !last.timer_expired);
/// # Ok::<(), openphone_sal::DigitMapError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DigitCollector {
    map: DigitMap,
    timers: DigitTimers,
    policy: MatchPolicy,
    state: MatchState,
    digits: String,
    /// Digits and timer expiries taken so far.
    events: usize,
    timer_expired: bool,
    deadline: Option<Instant>,
    finished: bool,
}

impl DigitCollector {
    /// Starts collecting at `now`, with the start timer running.
    pub fn new(map: DigitMap, timers: DigitTimers, now: Instant) -> Self {
        let state = MatchState::new(&map.patterns);
        DigitCollector {
            map,
            timers,
            policy: MatchPolicy::default(),
            state,
            digits: String::new(),
            events: 0,
            timer_expired: false,
            deadline: now.checked_add(timers.start),
            finished: false,
        }
    }

    /// Uses `policy` for matches that could still grow (default
    /// [`MatchPolicy::WaitForLonger`]).
    pub fn with_policy(mut self, policy: MatchPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The digits collected so far.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// Whether the result has been reported; the collector then takes no
    /// more digits.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// When [`handle_timeout`](DigitCollector::handle_timeout) is due, or
    /// `None` once finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.finished {
            None
        } else {
            self.deadline
        }
    }

    /// Takes one dialled digit (`0`–`9`, `*`, `#`, `A`–`D`, any case) at
    /// `now`. Returns the result if this digit ends the collection.
    pub fn handle_digit(
        &mut self,
        now: Instant,
        digit: char,
    ) -> Result<Option<Collected>, DigitMapError> {
        if self.finished {
            return Err(DigitMapError::CollectionFinished);
        }
        let bit = match symbol_bit(digit) {
            Some(bit) if bit != TIMER => bit,
            _ => return Err(DigitMapError::InvalidDigit { digit }),
        };
        self.state = self.state.advanced(&self.map.patterns, bit);
        self.digits.push(digit.to_ascii_uppercase());
        self.events += 1;
        Ok(self.after_event(now))
    }

    /// Handles the expiry of the running timer. Returns the result if the
    /// collection ends; `None` if called before the deadline (nothing
    /// happens) or if the pattern goes on after a `T`.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Collected> {
        match self.deadline {
            Some(deadline) if !self.finished && now >= deadline => {}
            _ => return None,
        }
        self.timer_expired = true;
        let was_exact = self.state.analyse(&self.map.patterns).exact;
        let after = self.state.advanced(&self.map.patterns, TIMER);
        let a = after.analyse(&self.map.patterns);
        // A pattern that matched before the expiry, or matches with it,
        // ends the collection as matched.
        if a.exact || was_exact {
            return Some(self.finish(true));
        }
        if a.dead() {
            return Some(self.finish(false));
        }
        // A `T` in the middle of a pattern: collection goes on.
        self.state = after;
        self.events += 1;
        self.after_event(now)
    }

    /// Decides, after one more event, whether to report or which timer to
    /// run.
    fn after_event(&mut self, now: Instant) -> Option<Collected> {
        let verdict = self.map.classify(&self.state);
        let exact = self.state.analyse(&self.map.patterns).exact;
        if self.events >= MAX_COLLECTED_EVENTS {
            tracing::debug!(digits = %self.digits, "digit collection hit its length limit");
            return Some(self.finish(exact));
        }
        match verdict {
            DigitMatch::Complete => Some(self.finish(true)),
            DigitMatch::NoMatch => Some(self.finish(false)),
            DigitMatch::CompleteOnTimeout if exact && self.policy == MatchPolicy::FirstMatch => {
                Some(self.finish(true))
            }
            DigitMatch::CompleteOnTimeout => {
                self.deadline = now.checked_add(self.timers.short);
                None
            }
            DigitMatch::Partial => {
                self.deadline = now.checked_add(self.timers.long);
                None
            }
        }
    }

    fn finish(&mut self, matched: bool) -> Collected {
        self.finished = true;
        self.deadline = None;
        tracing::debug!(digits = %self.digits, matched, timer = self.timer_expired, "digits collected");
        Collected {
            digits: self.digits.clone(),
            matched,
            timer_expired: self.timer_expired,
        }
    }
}
