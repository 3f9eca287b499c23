//! What the softphone keeps between commands: the user's toggles (do not
//! disturb, auto-answer, call forwarding) and a book of calls (when each
//! started and was answered, with whom, and the history of ended ones).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use openphone::CallId;

/// Ended calls kept for `history`.
const HISTORY: usize = 100;

/// The user's toggles, changed by commands while the phone runs.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub auto_answer: bool,
    /// Reject every incoming call (busy).
    pub dnd: bool,
    pub forward_always: Option<String>,
    /// When another call is in progress.
    pub forward_busy: Option<String>,
    /// When not answered within the delay.
    pub forward_no_answer: Option<(String, Duration)>,
}

impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let onoff = |b: bool| if b { "on" } else { "off" };
        write!(
            f,
            "settings: dnd {} | auto-answer {} | forward always {} | busy {} | no answer {}",
            onoff(self.dnd),
            onoff(self.auto_answer),
            self.forward_always.as_deref().unwrap_or("off"),
            self.forward_busy.as_deref().unwrap_or("off"),
            match &self.forward_no_answer {
                Some((to, after)) => format!("{to} after {} s", after.as_secs()),
                None => "off".into(),
            }
        )
    }
}

/// What the phone does with a call that just arrived (no trigger script).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// Busy: do not disturb.
    Reject,
    Forward(String),
    Answer,
    /// Ring; forward at the deadline if still unanswered.
    Ring(Option<(String, Instant)>),
}

impl Settings {
    /// The rule for an incoming call; `busy` when another call is in progress.
    pub fn policy(&self, busy: bool, now: Instant) -> Policy {
        if self.dnd {
            return Policy::Reject;
        }
        if let Some(to) = &self.forward_always {
            return Policy::Forward(to.clone());
        }
        if busy {
            if let Some(to) = &self.forward_busy {
                return Policy::Forward(to.clone());
            }
        }
        if self.auto_answer {
            return Policy::Answer;
        }
        Policy::Ring(
            self.forward_no_answer
                .as_ref()
                .map(|(to, after)| (to.clone(), now + *after)),
        )
    }
}

/// One call as the book knows it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub call: CallId,
    pub incoming: bool,
    pub remote: String,
    pub started: SystemTime,
    pub answered: Option<Instant>,
    pub ended: Option<(Instant, String)>,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self
            .started
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        write!(
            f,
            "{} {h:02}:{m:02}:{s:02} UTC {} {}",
            self.call,
            if self.incoming { "from" } else { "to" },
            self.remote
        )?;
        match (&self.answered, &self.ended) {
            (Some(a), Some((e, why))) => {
                write!(
                    f,
                    ", talked {}, {why}",
                    clock(e.saturating_duration_since(*a))
                )
            }
            (None, Some((_, why))) => write!(f, ", not answered, {why}"),
            (Some(a), None) => write!(f, ", in call for {}", clock(a.elapsed())),
            (None, None) => write!(f, ", not answered yet"),
        }
    }
}

/// `m:ss` (or `h:mm:ss`).
pub fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Calls in progress and the history of ended ones.
#[derive(Debug, Default)]
pub struct CallBook {
    live: HashMap<CallId, Entry>,
    history: VecDeque<Entry>,
}

impl CallBook {
    /// A call starts (first seen).
    pub fn start(&mut self, call: CallId, incoming: bool, remote: String) {
        self.live.entry(call).or_insert(Entry {
            call,
            incoming,
            remote,
            started: SystemTime::now(),
            answered: None,
            ended: None,
        });
    }

    /// The call is connected; `true` the first time (a resume is not an answer).
    pub fn answered(&mut self, call: CallId) -> bool {
        match self.live.get_mut(&call) {
            Some(e) if e.answered.is_none() => {
                e.answered = Some(Instant::now());
                true
            }
            _ => false,
        }
    }

    /// The call ended; it moves to the history.
    pub fn ended(&mut self, call: CallId, why: String) -> Option<Entry> {
        let mut e = self.live.remove(&call)?;
        e.ended = Some((Instant::now(), why));
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(e.clone());
        Some(e)
    }

    pub fn get(&self, call: CallId) -> Option<&Entry> {
        self.live.get(&call)
    }

    /// Ended calls, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &Entry> {
        self.history.iter()
    }
}
