//! Event subscriptions and their typed contents: presence (RFC 3856/3863)
//! and message waiting (RFC 3842).

use std::fmt;
use std::time::Duration;

use crate::Reason;

/// What a subscription watches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventPackage {
    /// A buddy's presence (SIP `presence`).
    Presence,
    /// A mailbox's message summary (SIP `message-summary`, the MWI lamp).
    MessageSummary,
    /// Another package, by name.
    Other(String),
}

impl fmt::Display for EventPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventPackage::Presence => f.write_str("presence"),
            EventPackage::MessageSummary => f.write_str("message-summary"),
            EventPackage::Other(s) => f.write_str(s),
        }
    }
}

/// PIDF basic status (RFC 3863 §4.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BasicStatus {
    /// Reachable.
    Open,
    /// Not reachable.
    Closed,
}

/// A presence state: basic status and an optional note.
///
/// ```
/// use openphone_sal::{BasicStatus, PresenceStatus};
/// let p = PresenceStatus::new(BasicStatus::Open).with_note("in a meeting");
/// assert_eq!(p.to_string(), "open (in a meeting)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PresenceStatus {
    /// Open or closed.
    pub basic: BasicStatus,
    /// Free text.
    pub note: Option<String>,
}

impl PresenceStatus {
    /// A status without a note.
    pub fn new(basic: BasicStatus) -> Self {
        PresenceStatus { basic, note: None }
    }
    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

impl fmt::Display for PresenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.basic {
            BasicStatus::Open => "open",
            BasicStatus::Closed => "closed",
        })?;
        if let Some(n) = &self.note {
            write!(f, " ({n})")?;
        }
        Ok(())
    }
}

/// A mailbox summary (RFC 3842 §5.2).
///
/// ```
/// use openphone_sal::MessageSummary;
/// let m = MessageSummary::new(true).with_voice(2, 8);
/// assert_eq!(m.to_string(), "messages waiting: 2 new, 8 old");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct MessageSummary {
    /// `Messages-Waiting: yes`.
    pub waiting: bool,
    /// The mailbox (`Message-Account`), if given.
    pub account: Option<String>,
    /// New voice messages.
    pub voice_new: u32,
    /// Old voice messages.
    pub voice_old: u32,
    /// New urgent voice messages (RFC 3842 §5.2, the count in parentheses).
    pub voice_new_urgent: u32,
    /// Old urgent voice messages.
    pub voice_old_urgent: u32,
}

impl MessageSummary {
    /// A summary saying whether messages wait.
    pub fn new(waiting: bool) -> Self {
        MessageSummary {
            waiting,
            ..Default::default()
        }
    }
    /// Sets the new and old voice-message counts.
    pub fn with_voice(mut self, new: u32, old: u32) -> Self {
        self.voice_new = new;
        self.voice_old = old;
        self
    }
    /// Sets the new and old urgent voice-message counts.
    pub fn with_urgent(mut self, new: u32, old: u32) -> Self {
        self.voice_new_urgent = new;
        self.voice_old_urgent = old;
        self
    }
}

impl fmt::Display for MessageSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.waiting {
            write!(
                f,
                "messages waiting: {} new, {} old",
                self.voice_new, self.voice_old
            )
        } else {
            f.write_str("no messages waiting")
        }
    }
}

/// The body of a notification, typed where the package is known.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifyContent {
    /// A presence document (PIDF) about `entity`.
    Presence {
        /// Whose presence (`pres:` or `sip:` URI).
        entity: String,
        /// The state.
        status: PresenceStatus,
    },
    /// A message summary.
    MessageSummary(MessageSummary),
    /// Any other body.
    Other {
        /// MIME type.
        content_type: String,
        /// Body.
        body: Vec<u8>,
    },
}

impl fmt::Display for NotifyContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotifyContent::Presence { entity, status } => write!(f, "{entity} is {status}"),
            NotifyContent::MessageSummary(m) => write!(f, "{m}"),
            NotifyContent::Other { content_type, body } => {
                write!(f, "{content_type} ({} bytes)", body.len())
            }
        }
    }
}

/// Where a subscription stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionState {
    /// Sent, not yet accepted.
    Pending,
    /// Accepted for this long.
    Active {
        /// Granted lifetime.
        expires: Duration,
    },
    /// Over (refused, expired, or ended by either side).
    Terminated(Reason),
}

impl fmt::Display for SubscriptionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscriptionState::Pending => f.write_str("pending"),
            SubscriptionState::Active { expires } => {
                write!(f, "active for {} s", expires.as_secs())
            }
            SubscriptionState::Terminated(r) => write!(f, "terminated: {r}"),
        }
    }
}
