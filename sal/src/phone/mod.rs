//! The [`Phone`]: accounts, calls and the event stream over the registered stacks.
//!
//! Locking rule: the phone's tables lock guards only its own maps and is
//! never held while the media engine, a socket bind or application code
//! runs. Media goes through [`media_table::MediaTable`], which has its own
//! locks (see there).

mod account;
mod builder;
mod call;
mod dispatch;
mod history;
mod line;
mod media_table;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;
use tracing::{debug, Span};

use crate::event_queue::EventQueue;
use crate::{
    AccountConfig, AccountId, Address, CallId, CallState, Capabilities, Capability, EndReason,
    Error, Hold, NegotiatedMedia, PhoneEvent, RegistrationState, SecurityPolicy, StackCommand,
    StackMedia, SubscriptionId,
};

pub use account::{Account, Subscription};
pub use builder::PhoneBuilder;
pub use call::Call;
pub use history::{CallRecord, DEFAULT_HISTORY_CAPACITY};
use media_table::MediaTable;

const ENDED_CALLS_KEPT: usize = 256;

/// Which way a call was set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallDirection {
    /// We called.
    Outgoing,
    /// They called.
    Incoming,
}

impl std::fmt::Display for CallDirection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CallDirection::Outgoing => "outgoing",
            CallDirection::Incoming => "incoming",
        })
    }
}

pub(crate) struct StackEntry {
    name: &'static str,
    schemes: &'static [&'static str],
    caps: Capabilities,
    tx: mpsc::Sender<StackCommand>,
    listening: Vec<String>,
}

pub(crate) struct CallEntry {
    stack: usize,
    state: CallState,
    direction: CallDirection,
    remote: Address,
    local: Address,
    account: Option<AccountId>,
    negotiated: Option<NegotiatedMedia>,
    end_reason: Option<EndReason>,
    local_hold: bool,
    remote_hold: bool,
    span: Span,
    started: std::time::SystemTime,
    answered: Option<std::time::SystemTime>,
}

impl CallEntry {
    /// A new call in its first state.
    fn new(
        stack: usize,
        state: CallState,
        direction: CallDirection,
        remote: Address,
        local: Address,
        account: Option<AccountId>,
        span: Span,
    ) -> Self {
        CallEntry {
            stack,
            state,
            direction,
            remote,
            local,
            account,
            negotiated: None,
            end_reason: None,
            local_hold: false,
            remote_hold: false,
            span,
            started: std::time::SystemTime::now(),
            answered: None,
        }
    }

    /// The established state that the hold flags give.
    fn connected_state(&self) -> CallState {
        match Hold::combine(self.local_hold, self.remote_hold) {
            Some(h) => CallState::Held(h),
            None => CallState::Active,
        }
    }
}

struct AccountEntry {
    stack: usize,
    config: AccountConfig,
    state: RegistrationState,
}

#[derive(Default)]
pub(crate) struct Tables {
    calls: HashMap<CallId, CallEntry>,
    ended: VecDeque<CallId>,
    accounts: HashMap<AccountId, AccountEntry>,
    subscriptions: HashMap<SubscriptionId, usize>,
    lines: HashMap<AccountId, mpsc::UnboundedSender<crate::LineSignal>>,
    history: history::History,
}

pub(crate) struct Inner {
    stacks: Vec<StackEntry>,
    media: Arc<MediaTable>,
    tables: Mutex<Tables>,
    events: EventQueue,
    /// The policy of calls without an account.
    default_security: SecurityPolicy,
}

impl Inner {
    fn tables(&self) -> MutexGuard<'_, Tables> {
        // Every mutation under this lock is a few field writes; a panic cannot
        // leave the tables half-updated, so a poisoned lock is still usable.
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The media security policy of `account`'s calls.
    fn security_of(&self, account: Option<AccountId>) -> SecurityPolicy {
        account
            .and_then(|a| self.tables().accounts.get(&a).map(|a| a.config.security))
            .unwrap_or(self.default_security)
    }

    /// The codecs `account`'s calls are narrowed to (empty: all).
    fn codecs_of(&self, account: Option<AccountId>) -> Vec<String> {
        account
            .and_then(|a| {
                self.tables()
                    .accounts
                    .get(&a)
                    .map(|a| a.config.codecs.clone())
            })
            .unwrap_or_default()
    }

    fn stack_for_scheme(&self, scheme: &str) -> Result<usize, Error> {
        self.stacks
            .iter()
            .position(|s| s.schemes.iter().any(|x| x.eq_ignore_ascii_case(scheme)))
            .ok_or_else(|| Error::NoStackForScheme(scheme.to_string()))
    }

    fn require(&self, stack: usize, cap: Capability, operation: &'static str) -> Result<(), Error> {
        let entry = self.stacks.get(stack).ok_or(Error::Closed)?;
        if entry.caps.has(cap) {
            Ok(())
        } else {
            Err(Error::Unsupported {
                operation,
                stack: entry.name,
            })
        }
    }

    fn send(&self, stack: usize, cmd: StackCommand) -> Result<(), Error> {
        let entry = self.stacks.get(stack).ok_or(Error::Closed)?;
        entry.tx.try_send(cmd).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                Error::Config(format!("{} stack command queue is full", entry.name))
            }
            mpsc::error::TrySendError::Closed(_) => Error::Closed,
        })
    }

    fn set_state(&self, t: &mut Tables, call: CallId, state: CallState) {
        if let Some(c) = t.calls.get_mut(&call) {
            if c.state != state && c.state != CallState::Ended {
                c.state = state;
                let _g = c.span.enter();
                debug!(%state, "call state");
                self.events.push(PhoneEvent::CallState { call, state });
            }
        }
    }

    /// Marks the call ended in the tables; [`Inner::finish_call`] also
    /// releases its media once the lock is dropped.
    fn end_call(&self, t: &mut Tables, call: CallId, reason: EndReason) -> bool {
        let Some(c) = t.calls.get_mut(&call) else {
            return false;
        };
        if c.state == CallState::Ended {
            return false;
        }
        c.state = CallState::Ended;
        c.end_reason = Some(reason.clone());
        {
            let _g = c.span.enter();
            debug!(%reason, "call ended");
        }
        t.ended.push_back(call);
        while t.ended.len() > ENDED_CALLS_KEPT {
            if let Some(old) = t.ended.pop_front() {
                t.calls.remove(&old);
            }
        }
        self.events.push(PhoneEvent::CallEnded { call, reason });
        true
    }

    /// Ends a call and releases its media (no phone lock held while the engine stops it).
    fn finish_call(&self, call: CallId, reason: EndReason) {
        let ended = {
            let mut t = self.tables();
            self.end_call(&mut t, call, reason)
        };
        // Also for calls the application never saw (refused before they
        // were announced): the reservation must not outlive the call.
        let media = self.media.release(call);
        if ended {
            let mut t = self.tables();
            if let Some((c, reason)) = t
                .calls
                .get(&call)
                .and_then(|c| Some((c, c.end_reason.clone()?)))
            {
                let record = history::CallRecord::new(
                    call,
                    c.direction,
                    c.remote.clone(),
                    c.local.clone(),
                    c.account,
                    c.started,
                    c.answered,
                    std::time::SystemTime::now(),
                    reason,
                    media,
                );
                t.history.push(record);
            }
        }
    }
}

/// A telephone: accounts, calls and one event stream, over any registered stacks.
///
/// ```no_run
/// # async fn demo(phone: openphone_sal::Phone) -> Result<(), openphone_sal::Error> {
/// use openphone_sal::PhoneEvent;
/// let call = phone.call("sip:bob@127.0.0.1:5062")?;
/// while let Some(ev) = phone.next_event().await {
///     println!("{ev}");
///     if matches!(ev, PhoneEvent::CallEnded { call: id, .. } if id == call.id()) {
///         break;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Phone {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone")
            .field(
                "stacks",
                &self.inner.stacks.iter().map(|s| s.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Phone {
    /// Starts building a phone.
    pub fn builder() -> PhoneBuilder {
        PhoneBuilder::new()
    }

    /// Every ended call, oldest first: direction, parties, account, start,
    /// answer and end times, who ended it and why, and the media's final
    /// figures. Bounded by [`PhoneBuilder::history_capacity`] (default
    /// [`DEFAULT_HISTORY_CAPACITY`]); the oldest records go first.
    pub fn history(&self) -> Vec<CallRecord> {
        self.inner.tables().history.records()
    }

    /// Forgets every record of [`history`](Self::history).
    pub fn clear_history(&self) {
        self.inner.tables().history.clear();
    }

    /// Where each stack listens, e.g. `["sip udp 127.0.0.1:5060"]`.
    pub fn listening(&self) -> Vec<String> {
        self.inner
            .stacks
            .iter()
            .flat_map(|s| s.listening.iter().map(move |l| format!("{} {l}", s.name)))
            .collect()
    }

    /// What the stack serving `scheme` can do.
    pub fn capabilities(&self, scheme: &str) -> Result<Capabilities, Error> {
        let i = self.inner.stack_for_scheme(scheme)?;
        Ok(self.inner.stacks[i].caps)
    }

    /// Adds an account; it registers if configured to. Progress arrives as
    /// [`PhoneEvent::Registration`].
    pub fn add_account(&self, config: AccountConfig) -> Result<Account, Error> {
        let stack = self.inner.stack_for_scheme(&config.aor.scheme())?;
        if config.register {
            self.inner
                .require(stack, Capability::Register, "registration")?;
        }
        let method = config.security.method;
        if method != crate::MediaEncryption::None {
            let engine = self.inner.media.engine()?;
            if !engine.supports_encryption(method) {
                return Err(Error::Unsupported {
                    operation: "this media encryption method",
                    stack: "media engine",
                });
            }
        }
        let id = AccountId::next();
        self.inner.tables().accounts.insert(
            id,
            AccountEntry {
                stack,
                config: config.clone(),
                state: if config.register {
                    RegistrationState::Registering
                } else {
                    RegistrationState::Unregistered
                },
            },
        );
        if let Err(e) = self.inner.send(
            stack,
            StackCommand::AddAccount {
                account: id,
                config,
            },
        ) {
            self.inner.tables().accounts.remove(&id);
            return Err(e);
        }
        Ok(Account::new(id, self.clone()))
    }

    /// A handle to an existing account.
    pub fn account(&self, id: AccountId) -> Result<Account, Error> {
        if self.inner.tables().accounts.contains_key(&id) {
            Ok(Account::new(id, self.clone()))
        } else {
            Err(Error::UnknownAccount)
        }
    }

    /// Calls `uri` from the first account of the same scheme, or anonymously.
    pub fn call(&self, uri: &str) -> Result<Call, Error> {
        let to: Address = uri.parse()?;
        let account = self.first_account_for(&to);
        self.dial(account, to)
    }

    /// The first account (lowest id) whose address has `to`'s scheme.
    fn first_account_for(&self, to: &Address) -> Option<AccountId> {
        let t = self.inner.tables();
        let scheme = to.scheme();
        t.accounts
            .iter()
            .filter(|(_, a)| a.config.aor.scheme() == scheme)
            .map(|(id, _)| *id)
            .min()
    }

    /// Calls `uri` from `account`.
    pub fn call_from(&self, account: &Account, uri: &str) -> Result<Call, Error> {
        let to: Address = uri.parse()?;
        self.dial(Some(account.id()), to)
    }

    fn dial(&self, account: Option<AccountId>, to: Address) -> Result<Call, Error> {
        let stack = self.inner.stack_for_scheme(&to.scheme())?;
        let id = CallId::next();
        let span = tracing::info_span!("call", id = %id, dir = "out", remote = %to.uri());
        let policy = self.inner.security_of(account);
        let codecs = self.inner.codecs_of(account);
        let offer = self.inner.media.reserve_secured(id, policy, &codecs)?;
        {
            let mut t = self.inner.tables();
            let local = account
                .and_then(|a| t.accounts.get(&a))
                .map(|a| a.config.aor.clone())
                .unwrap_or_else(|| to.clone());
            let entry = CallEntry::new(
                stack,
                CallState::Dialing,
                CallDirection::Outgoing,
                to.clone(),
                local,
                account,
                span,
            );
            t.calls.insert(id, entry);
        }
        let sent = self.inner.send(
            stack,
            StackCommand::Dial {
                call: id,
                account,
                to,
                offer,
            },
        );
        if let Err(e) = sent {
            self.inner.tables().calls.remove(&id);
            self.inner.media.release(id);
            return Err(e);
        }
        Ok(Call::new(id, self.clone()))
    }

    /// A handle to an existing call (from an event's id).
    pub fn call_handle(&self, call: CallId) -> Call {
        Call::new(call, self.clone())
    }

    /// Calls currently known and not ended, oldest first.
    pub fn active_calls(&self) -> Vec<Call> {
        let t = self.inner.tables();
        let mut ids: Vec<_> = t
            .calls
            .iter()
            .filter(|(_, c)| c.state != CallState::Ended)
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids.into_iter().map(|id| self.call_handle(id)).collect()
    }

    /// Sends an instant message from the first account of the scheme, or anonymously.
    pub fn send_message(&self, to: &str, content_type: &str, body: &[u8]) -> Result<(), Error> {
        // Without an account the stack sends from a made-up identity
        // (linphonec showed `sip:openphone@…` for a phone with an account).
        let account = self.first_account_for(&to.parse()?);
        self.message(account, to, content_type, body)
    }

    pub(crate) fn message(
        &self,
        account: Option<AccountId>,
        to: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<(), Error> {
        let to: Address = to.parse()?;
        let stack = self.inner.stack_for_scheme(&to.scheme())?;
        self.inner
            .require(stack, Capability::Message, "messaging")?;
        self.inner.send(
            stack,
            StackCommand::SendMessage {
                account,
                to,
                content_type: content_type.to_string(),
                body: body.to_vec(),
            },
        )
    }

    /// Mixes established calls into one local conference: every party hears
    /// the others and the local user. Fails with the engine's error when it
    /// has no mixer.
    pub fn conference(&self, calls: &[Call]) -> Result<(), Error> {
        if calls.len() < 2 {
            return Err(Error::Config(
                "a conference needs at least two calls".into(),
            ));
        }
        let ids: Vec<CallId> = calls.iter().map(|c| c.id()).collect();
        {
            let t = self.inner.tables();
            for id in &ids {
                let c = t.calls.get(id).ok_or(Error::UnknownCall)?;
                if !c.state.is_established() {
                    return Err(Error::InvalidState {
                        operation: "conference",
                        state: c.state,
                    });
                }
            }
        }
        Ok(self.inner.media.engine()?.join(&ids)?)
    }

    /// How loud the local user hears everything (calls and tones), in dB.
    pub fn set_master_volume(&self, db: f32) -> Result<(), Error> {
        Ok(self.inner.media.engine()?.set_master_volume(db)?)
    }

    /// Mutes the local microphone towards every call, or unmutes it.
    pub fn set_microphone_muted(&self, muted: bool) -> Result<(), Error> {
        Ok(self.inner.media.engine()?.set_microphone_muted(muted)?)
    }

    /// Waits for the next event; `None` once the phone has shut down.
    pub async fn next_event(&self) -> Option<PhoneEvent> {
        self.inner.events.pop().await
    }

    /// Returns a queued event without waiting.
    pub fn try_next_event(&self) -> Option<PhoneEvent> {
        self.inner.events.try_next()
    }

    /// Ends every call, unregisters every account, stops the stacks, and
    /// waits up to `grace` for the stacks to finish their goodbyes.
    pub async fn shutdown(&self, grace: Duration) {
        for (i, _) in self.inner.stacks.iter().enumerate() {
            let _ = self.inner.send(i, StackCommand::Shutdown);
        }
        let deadline = tokio::time::Instant::now() + grace;
        for s in &self.inner.stacks {
            let _ = tokio::time::timeout_at(deadline, s.tx.closed()).await;
        }
        let live: Vec<CallId> = {
            let t = self.inner.tables();
            t.calls
                .iter()
                .filter(|(_, c)| c.state != CallState::Ended)
                .map(|(id, _)| *id)
                .collect()
        };
        for id in live {
            self.inner
                .finish_call(id, EndReason::local(crate::Cause::NormalClearing));
        }
        self.inner.events.close();
    }
}
