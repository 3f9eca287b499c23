//! The phone's call history: one record per ended call, newest last,
//! bounded (the oldest are forgotten first).

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, SystemTime};

use crate::{AccountId, Address, CallDirection, CallId, EndReason, MediaStats};

/// Default number of ended calls [`Phone::history`](crate::Phone::history) keeps.
pub const DEFAULT_HISTORY_CAPACITY: usize = 1000;

/// One ended call, as [`Phone::history`](crate::Phone::history) returns it.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use openphone_sal::{CallDirection, CallId, CallRecord, Cause, EndReason};
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_765_000_000);
/// let r = CallRecord::new(
///     CallId::next(), CallDirection::Outgoing, "sip:bob@example.com".parse().unwrap(),
///     "sip:alice@example.com".parse().unwrap(), None, start,
///     Some(start + Duration::from_secs(2)), start + Duration::from_secs(65),
///     EndReason::local(Cause::NormalClearing), None,
/// );
/// assert_eq!(r.talk_time(), Some(Duration::from_secs(63)));
/// assert!(r.to_string().contains("outgoing <sip:bob@example.com>"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallRecord {
    /// The call's id while it existed.
    pub call: CallId,
    /// Who called.
    pub direction: CallDirection,
    /// The other party.
    pub remote: Address,
    /// Our address for the call.
    pub local: Address,
    /// The account it belonged to.
    pub account: Option<AccountId>,
    /// When it was placed or arrived.
    pub started: SystemTime,
    /// When it was answered (`None`: never).
    pub answered: Option<SystemTime>,
    /// When it ended.
    pub ended: SystemTime,
    /// Who ended it and why.
    pub reason: EndReason,
    /// The media's final figures (codec, loss, jitter, MOS), when media ran.
    pub media: Option<MediaStats>,
}

impl CallRecord {
    /// A record.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        call: CallId,
        direction: CallDirection,
        remote: Address,
        local: Address,
        account: Option<AccountId>,
        started: SystemTime,
        answered: Option<SystemTime>,
        ended: SystemTime,
        reason: EndReason,
        media: Option<MediaStats>,
    ) -> Self {
        CallRecord {
            call,
            direction,
            remote,
            local,
            account,
            started,
            answered,
            ended,
            reason,
            media,
        }
    }

    /// Time between the answer and the end, if answered.
    pub fn talk_time(&self) -> Option<Duration> {
        let a = self.answered?;
        Some(self.ended.duration_since(a).unwrap_or_default())
    }
}

impl fmt::Display for CallRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.call, self.direction, self.remote)?;
        match self.talk_time() {
            Some(t) => {
                let s = t.as_secs();
                write!(f, ", talked {}:{:02}", s / 60, s % 60)?;
            }
            None => f.write_str(", not answered")?,
        }
        write!(f, ", {}", self.reason)?;
        if let Some(m) = self.media.as_ref().filter(|m| !m.codec.is_empty()) {
            write!(
                f,
                ", {} loss {:.1}% jitter {:.1} ms",
                m.codec,
                m.fraction_lost * 100.0,
                m.jitter_ms
            )?;
            if let Some(mos) = m.mos {
                write!(f, " MOS {mos:.2}")?;
            }
        }
        Ok(())
    }
}

/// The bounded list of records.
#[derive(Debug)]
pub(crate) struct History {
    records: VecDeque<CallRecord>,
    capacity: usize,
}

impl Default for History {
    fn default() -> Self {
        History::new(DEFAULT_HISTORY_CAPACITY)
    }
}

impl History {
    pub fn new(capacity: usize) -> Self {
        History {
            records: VecDeque::with_capacity(capacity.min(64)),
            capacity,
        }
    }

    pub fn push(&mut self, record: CallRecord) {
        if self.capacity == 0 {
            return;
        }
        while self.records.len() >= self.capacity {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    pub fn records(&self) -> Vec<CallRecord> {
        self.records.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cause;

    fn record(n: u64) -> CallRecord {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(n);
        CallRecord::new(
            CallId::next(),
            CallDirection::Incoming,
            "sip:a@example.com".parse().unwrap(),
            "sip:b@example.com".parse().unwrap(),
            None,
            t,
            None,
            t,
            EndReason::remote(Cause::Busy),
            None,
        )
    }

    #[test]
    fn oldest_records_go_first_and_zero_keeps_none() {
        let mut h = History::new(2);
        for n in 1..=3 {
            h.push(record(n));
        }
        let kept: Vec<u64> = h
            .records()
            .iter()
            .map(|r| {
                r.started
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
            })
            .collect();
        assert_eq!(kept, vec![2, 3]);
        let mut none = History::new(0);
        none.push(record(1));
        assert!(none.records().is_empty());
    }

    #[test]
    fn unanswered_call_prints_so() {
        let r = record(5);
        assert_eq!(r.talk_time(), None);
        let s = r.to_string();
        assert!(
            s.contains("incoming <sip:a@example.com>, not answered"),
            "{s}"
        );
    }
}
