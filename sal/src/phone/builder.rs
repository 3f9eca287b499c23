//! [`PhoneBuilder`]: register stacks and a media engine, then start.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::{dispatch, Inner, MediaTable, Phone, StackEntry, Tables};
use crate::event_queue::EventQueue;
use crate::{Error, MediaEngine, SecurityPolicy, Stack, StackEventSink, StackIo, StackMedia};

const COMMAND_QUEUE: usize = 1024;

/// Builds a [`Phone`]: register stacks and a media engine, then [`build`](PhoneBuilder::build).
///
/// ```no_run
/// # async fn demo(stack: impl openphone_sal::Stack, engine: impl openphone_sal::MediaEngine)
/// # -> Result<(), openphone_sal::Error> {
/// let phone = openphone_sal::Phone::builder()
///     .stack(stack)
///     .media_engine(engine)
///     .event_capacity(4096)
///     .build()
///     .await?;
/// # let _ = phone; Ok(()) }
/// ```
pub struct PhoneBuilder {
    stacks: Vec<Box<dyn Stack>>,
    media: Option<Arc<dyn MediaEngine>>,
    event_capacity: usize,
    default_security: SecurityPolicy,
    history_capacity: usize,
}

impl PhoneBuilder {
    pub(super) fn new() -> Self {
        PhoneBuilder {
            stacks: Vec::new(),
            media: None,
            event_capacity: 1024,
            default_security: SecurityPolicy::default(),
            history_capacity: super::DEFAULT_HISTORY_CAPACITY,
        }
    }

    /// Adds a signalling stack. The first stack registered for a scheme serves it.
    pub fn stack(mut self, stack: impl Stack) -> Self {
        self.stacks.push(Box::new(stack));
        self
    }

    /// Adds an already boxed stack.
    pub fn boxed_stack(mut self, stack: Box<dyn Stack>) -> Self {
        self.stacks.push(stack);
        self
    }

    /// Sets the media engine that gives each call its RTP session.
    pub fn media_engine(mut self, engine: impl MediaEngine) -> Self {
        self.media = Some(Arc::new(engine));
        self
    }

    /// Sets the media engine from a shared handle.
    pub fn shared_media_engine(mut self, engine: Arc<dyn MediaEngine>) -> Self {
        self.media = Some(engine);
        self
    }

    /// Maximum queued events before the oldest are dropped (default 1024).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity;
        self
    }

    /// How many ended calls [`Phone::history`] keeps (0: none).
    pub fn history_capacity(mut self, records: usize) -> Self {
        self.history_capacity = records;
        self
    }

    /// The media security policy of calls that belong to no account (an
    /// anonymous call, or an incoming call addressed to no account's user);
    /// an account's own policy ([`AccountConfig::with_security`](crate::AccountConfig::with_security))
    /// applies to its calls. Default: clear media.
    pub fn default_security(mut self, policy: SecurityPolicy) -> Self {
        self.default_security = policy;
        self
    }

    /// Starts every stack and the phone's event task. Must run inside a tokio runtime.
    pub async fn build(self) -> Result<Phone, Error> {
        if self.stacks.is_empty() {
            return Err(Error::Config("no stack registered".into()));
        }
        if self.default_security.method != crate::MediaEncryption::None
            && !self
                .media
                .as_ref()
                .is_some_and(|m| m.supports_encryption(self.default_security.method))
        {
            return Err(Error::Unsupported {
                operation: "this media encryption method",
                stack: "media engine",
            });
        }
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let (media_tx, media_rx) = mpsc::unbounded_channel();
        let media = Arc::new(MediaTable::new(self.media, media_tx));
        let mut entries = Vec::with_capacity(self.stacks.len());
        for (i, stack) in self.stacks.into_iter().enumerate() {
            let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
            let name = stack.name();
            let schemes = stack.schemes();
            let caps = stack.capabilities();
            let port: Arc<dyn StackMedia> = media.clone();
            let info = stack
                .start(StackIo::new(
                    rx,
                    StackEventSink::new(i, ev_tx.clone()),
                    port,
                ))
                .await?;
            entries.push(StackEntry {
                name,
                schemes,
                caps,
                tx,
                listening: info.listening,
            });
        }
        drop(ev_tx);
        let inner = Arc::new(Inner {
            stacks: entries,
            media,
            tables: Mutex::new(Tables {
                history: super::history::History::new(self.history_capacity),
                ..Tables::default()
            }),
            events: EventQueue::new(self.event_capacity),
            default_security: self.default_security,
        });
        tokio::spawn(dispatch::run(Arc::downgrade(&inner), ev_rx, media_rx));
        Ok(Phone { inner })
    }
}
