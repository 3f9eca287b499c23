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
        let (year, month, day) = civil_date(secs / 86_400);
        write!(
            f,
            "{} {year}-{month:02}-{day:02} {h:02}:{m:02}:{s:02} UTC {} {}",
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

/// The proleptic Gregorian date of a day count since 1970-01-01 (the
/// days-to-civil algorithm: eras of 400 years from 0000-03-01).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
    /// Where ended calls are appended, one line each, and the lines it
    /// held when the phone started (their call ids are earlier runs').
    file: Option<std::path::PathBuf>,
    earlier: Vec<String>,
}

impl CallBook {
    /// A book kept in `path` too: its last lines are read now, and every
    /// ended call is appended.
    pub fn with_file(path: &std::path::Path) -> Result<CallBook, String> {
        let earlier = match std::fs::read_to_string(path) {
            Ok(text) => {
                let lines: Vec<String> = text
                    .lines()
                    .map(|l| l.chars().filter(|c| !c.is_control()).collect())
                    .filter(|l: &String| !l.is_empty())
                    .collect();
                lines[lines.len().saturating_sub(HISTORY)..].to_vec()
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Ok(CallBook {
            file: Some(path.to_path_buf()),
            earlier,
            ..CallBook::default()
        })
    }

    /// Lines from the history file of earlier runs, oldest first.
    pub fn earlier(&self) -> &[String] {
        &self.earlier
    }

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
        if let Some(path) = &self.file {
            use std::io::Write;
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| writeln!(f, "{e}"));
            if let Err(err) = written {
                println!("error: history file {}: {err}", path.display());
            }
        }
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
