//! The [`Phone`]: accounts, calls and the event stream over the registered stacks.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;
use tracing::{debug, info_span, warn, Span};

use crate::event_queue::EventQueue;
use crate::{
    AccountConfig, AccountId, Address, CallId, CallMedia, CallState, Capabilities, EndReason,
    Error, MediaDirection, MediaEngine, MediaEvent, MediaEventSink, MediaOffer, MediaStats,
    NegotiatedMedia, PhoneEvent, RegistrationState, Stack, StackCommand, StackEvent,
    StackEventSink, StackIo,
};

const COMMAND_QUEUE: usize = 1024;
const ENDED_CALLS_KEPT: usize = 256;

/// Which way a call was set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallDirection {
    /// We called.
    Outgoing,
    /// They called.
    Incoming,
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
    media: Option<Box<dyn CallMedia>>,
    negotiated: Option<NegotiatedMedia>,
    end_reason: Option<EndReason>,
    final_stats: Option<MediaStats>,
    span: Span,
}

struct AccountEntry {
    stack: usize,
    config: AccountConfig,
    state: RegistrationState,
}

#[derive(Default)]
struct Tables {
    calls: HashMap<CallId, CallEntry>,
    ended: VecDeque<CallId>,
    accounts: HashMap<AccountId, AccountEntry>,
}

pub(crate) struct Inner {
    stacks: Vec<StackEntry>,
    media: Option<Arc<dyn MediaEngine>>,
    tables: Mutex<Tables>,
    events: EventQueue,
    media_tx: mpsc::UnboundedSender<(CallId, MediaEvent)>,
}

impl Inner {
    fn tables(&self) -> MutexGuard<'_, Tables> {
        // Every mutation under this lock is a few field writes; a panic cannot
        // leave the tables half-updated, so a poisoned lock is still usable.
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stack_for_scheme(&self, scheme: &str) -> Result<usize, Error> {
        self.stacks
            .iter()
            .position(|s| s.schemes.iter().any(|x| x.eq_ignore_ascii_case(scheme)))
            .ok_or_else(|| Error::NoStackForScheme(scheme.to_string()))
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

    fn new_media(&self, call: CallId) -> Result<Box<dyn CallMedia>, Error> {
        let engine = self
            .media
            .as_ref()
            .ok_or_else(|| Error::Config("no media engine registered".into()))?;
        Ok(engine.create_session(call, MediaEventSink::new(call, self.media_tx.clone()))?)
    }

    fn set_state(&self, t: &mut Tables, call: CallId, state: CallState) {
        if let Some(c) = t.calls.get_mut(&call) {
            if c.state != state && c.state != CallState::Ended {
                c.state = state;
                let _g = c.span.enter();
                debug!(?state, "call state");
                self.events.push(PhoneEvent::CallState { call, state });
            }
        }
    }

    fn end_call(&self, t: &mut Tables, call: CallId, reason: EndReason) {
        let Some(c) = t.calls.get_mut(&call) else {
            return;
        };
        if c.state == CallState::Ended {
            return;
        }
        c.state = CallState::Ended;
        if let Some(mut m) = c.media.take() {
            c.final_stats = Some(m.stats());
            m.stop();
        }
        c.end_reason = Some(reason.clone());
        {
            let _g = c.span.enter();
            debug!(?reason, "call ended");
        }
        t.ended.push_back(call);
        while t.ended.len() > ENDED_CALLS_KEPT {
            if let Some(old) = t.ended.pop_front() {
                t.calls.remove(&old);
            }
        }
        self.events.push(PhoneEvent::CallEnded { call, reason });
    }

    fn on_stack_event(&self, stack: usize, ev: StackEvent) {
        let mut t = self.tables();
        match ev {
            StackEvent::Registration { account, state } => {
                if let Some(a) = t.accounts.get_mut(&account) {
                    a.state = state.clone();
                }
                self.events
                    .push(PhoneEvent::Registration { account, state });
            }
            StackEvent::IncomingCall {
                call,
                from,
                to,
                offer: _,
                account: _,
            } => {
                let span = info_span!("call", id = %call, dir = "in", remote = %from.uri());
                let media = match self.new_media(call) {
                    Ok(m) => Some(m),
                    Err(e) => {
                        let _g = span.enter();
                        warn!(error = %e, "no media for incoming call; rejecting");
                        let _ = self.send(stack, StackCommand::Reject { call, code: 500 });
                        return;
                    }
                };
                t.calls.insert(
                    call,
                    CallEntry {
                        stack,
                        state: CallState::Incoming,
                        direction: CallDirection::Incoming,
                        remote: from.clone(),
                        local: to.clone(),
                        media,
                        negotiated: None,
                        end_reason: None,
                        final_stats: None,
                        span,
                    },
                );
                self.events
                    .push(PhoneEvent::IncomingCall { call, from, to });
            }
            StackEvent::Ringing { call, early_media } => {
                let s = if early_media {
                    CallState::EarlyMedia
                } else {
                    CallState::Ringing
                };
                self.set_state(&mut t, call, s);
            }
            StackEvent::Connected { call } => self.set_state(&mut t, call, CallState::Active),
            StackEvent::MediaNegotiated { call, media } => {
                let Some(c) = t.calls.get_mut(&call) else {
                    return;
                };
                let result = match c.media.as_mut() {
                    Some(m) => m.apply(&media).map_err(Error::from),
                    None => Err(Error::Config("call has no media session".into())),
                };
                c.negotiated = Some(media.clone());
                match result {
                    Ok(()) => self.events.push(PhoneEvent::MediaStarted { call, media }),
                    Err(e) => {
                        {
                            let _g = c.span.enter();
                            warn!(error = %e, "media failed; hanging up");
                        }
                        let _ = self.send(c.stack, StackCommand::Hangup { call });
                        self.end_call(&mut t, call, EndReason::Failed(e.to_string()));
                    }
                }
            }
            StackEvent::RemoteHold { call, held } => {
                let s = if held {
                    CallState::Held
                } else {
                    CallState::Active
                };
                self.set_state(&mut t, call, s);
            }
            StackEvent::Dtmf {
                call,
                digit,
                duration,
            } => self.events.push(PhoneEvent::Dtmf {
                call,
                digit,
                duration,
            }),
            StackEvent::TransferRequested { call, target } => self
                .events
                .push(PhoneEvent::TransferRequested { call, target }),
            StackEvent::Message {
                from,
                content_type,
                body,
            } => self.events.push(PhoneEvent::Message {
                from,
                content_type,
                body,
            }),
            StackEvent::CallEnded { call, reason } => self.end_call(&mut t, call, reason),
        }
    }

    fn on_media_event(&self, call: CallId, ev: MediaEvent) {
        let mut t = self.tables();
        match ev {
            MediaEvent::Dtmf { digit, duration } => self.events.push(PhoneEvent::Dtmf {
                call,
                digit,
                duration,
            }),
            MediaEvent::RtpTimeout => {
                if let Some(stack) = t.calls.get(&call).map(|c| c.stack) {
                    let _ = self.send(stack, StackCommand::Hangup { call });
                    self.end_call(&mut t, call, EndReason::Failed("RTP timeout".into()));
                }
            }
            other => debug!(%call, ?other, "media event"),
        }
    }
}

/// Builds a [`Phone`]: register stacks and a media engine, then [`build`](PhoneBuilder::build).
pub struct PhoneBuilder {
    stacks: Vec<Box<dyn Stack>>,
    media: Option<Arc<dyn MediaEngine>>,
    event_capacity: usize,
}

impl PhoneBuilder {
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

    /// Starts every stack and the phone's event task. Must run inside a tokio runtime.
    pub async fn build(self) -> Result<Phone, Error> {
        if self.stacks.is_empty() {
            return Err(Error::Config("no stack registered".into()));
        }
        let (ev_tx, mut ev_rx) = mpsc::unbounded_channel();
        let (media_tx, mut media_rx) = mpsc::unbounded_channel();
        let mut entries = Vec::with_capacity(self.stacks.len());
        for (i, stack) in self.stacks.into_iter().enumerate() {
            let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
            let name = stack.name();
            let schemes = stack.schemes();
            let caps = stack.capabilities();
            let info = stack
                .start(StackIo {
                    commands: rx,
                    events: StackEventSink::new(i, ev_tx.clone()),
                })
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
            media: self.media,
            tables: Mutex::new(Tables::default()),
            events: EventQueue::new(self.event_capacity),
            media_tx,
        });
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    ev = ev_rx.recv() => match (ev, weak.upgrade()) {
                        (Some((stack, ev)), Some(inner)) => inner.on_stack_event(stack, ev),
                        _ => break,
                    },
                    ev = media_rx.recv() => match (ev, weak.upgrade()) {
                        (Some((call, ev)), Some(inner)) => inner.on_media_event(call, ev),
                        _ => break,
                    },
                }
            }
            if let Some(inner) = weak.upgrade() {
                inner.events.close();
            }
        });
        Ok(Phone { inner })
    }
}

/// A telephone: accounts, calls and one event stream, over any registered stacks.
///
/// ```no_run
/// # async fn demo(phone: openphone_sal::Phone) -> Result<(), openphone_sal::Error> {
/// use openphone_sal::PhoneEvent;
/// let call = phone.call("sip:bob@127.0.0.1:5062")?;
/// while let Some(ev) = phone.next_event().await {
///     match ev {
///         PhoneEvent::CallState { call: id, state } if id == call.id() => println!("{state:?}"),
///         PhoneEvent::CallEnded { call: id, .. } if id == call.id() => break,
///         _ => {}
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
        PhoneBuilder {
            stacks: Vec::new(),
            media: None,
            event_capacity: 1024,
        }
    }

    /// Where each stack listens, e.g. `["sip udp 127.0.0.1:5060"]`.
    pub fn listening(&self) -> Vec<String> {
        self.inner
            .stacks
            .iter()
            .flat_map(|s| s.listening.iter().map(move |l| format!("{} {l}", s.name)))
            .collect()
    }

    /// Adds an account; it registers if configured to. Progress arrives as
    /// [`PhoneEvent::Registration`].
    pub fn add_account(&self, config: AccountConfig) -> Result<Account, Error> {
        let stack = self.inner.stack_for_scheme(&config.aor.scheme())?;
        let caps = self.inner.stacks[stack].caps;
        if config.register && !caps.register {
            return Err(Error::Unsupported {
                operation: "registration",
                stack: self.inner.stacks[stack].name,
            });
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
        Ok(Account {
            id,
            phone: self.clone(),
        })
    }

    /// Calls `uri` from the first account of the same scheme, or anonymously.
    pub fn call(&self, uri: &str) -> Result<Call, Error> {
        let to: Address = uri.parse()?;
        let account = {
            let t = self.inner.tables();
            let scheme = to.scheme();
            let mut ids: Vec<_> = t
                .accounts
                .iter()
                .filter(|(_, a)| a.config.aor.scheme() == scheme)
                .map(|(id, _)| *id)
                .collect();
            ids.sort();
            ids.first().copied()
        };
        self.dial(account, to)
    }

    /// Calls `uri` from `account`.
    pub fn call_from(&self, account: &Account, uri: &str) -> Result<Call, Error> {
        let to: Address = uri.parse()?;
        self.dial(Some(account.id), to)
    }

    fn dial(&self, account: Option<AccountId>, to: Address) -> Result<Call, Error> {
        let stack = self.inner.stack_for_scheme(&to.scheme())?;
        let id = CallId::next();
        let span = info_span!("call", id = %id, dir = "out", remote = %to.uri());
        let media = self.inner.new_media(id)?;
        let offer = media.local_offer();
        let local = {
            let t = self.inner.tables();
            account
                .and_then(|a| t.accounts.get(&a))
                .map(|a| a.config.aor.clone())
                .unwrap_or_else(|| to.clone())
        };
        self.inner.tables().calls.insert(
            id,
            CallEntry {
                stack,
                state: CallState::Dialing,
                direction: CallDirection::Outgoing,
                remote: to.clone(),
                local,
                media: Some(media),
                negotiated: None,
                end_reason: None,
                final_stats: None,
                span,
            },
        );
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
            let mut t = self.inner.tables();
            if let Some(mut c) = t.calls.remove(&id) {
                if let Some(m) = c.media.as_mut() {
                    m.stop();
                }
            }
            return Err(e);
        }
        Ok(Call {
            id,
            phone: self.clone(),
        })
    }

    /// A handle to an existing call (from an event's id).
    pub fn call_handle(&self, call: CallId) -> Call {
        Call {
            id: call,
            phone: self.clone(),
        }
    }

    /// Calls currently known and not ended.
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

    /// Sends an instant message.
    pub fn send_message(&self, to: &str, content_type: &str, body: &[u8]) -> Result<(), Error> {
        let to: Address = to.parse()?;
        let stack = self.inner.stack_for_scheme(&to.scheme())?;
        let entry = &self.inner.stacks[stack];
        if !entry.caps.message {
            return Err(Error::Unsupported {
                operation: "messaging",
                stack: entry.name,
            });
        }
        self.inner.send(
            stack,
            StackCommand::SendMessage {
                account: None,
                to,
                content_type: content_type.to_string(),
                body: body.to_vec(),
            },
        )
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
        let mut t = self.inner.tables();
        let live: Vec<CallId> = t
            .calls
            .iter()
            .filter(|(_, c)| c.state != CallState::Ended)
            .map(|(id, _)| *id)
            .collect();
        for id in live {
            self.inner.end_call(&mut t, id, EndReason::LocalHangup);
        }
        drop(t);
        self.inner.events.close();
    }
}

/// An account handle.
#[derive(Clone, Debug)]
pub struct Account {
    id: AccountId,
    phone: Phone,
}

impl Account {
    /// Its id (as in [`PhoneEvent::Registration`]).
    pub fn id(&self) -> AccountId {
        self.id
    }

    /// Current registration state.
    pub fn registration(&self) -> Result<RegistrationState, Error> {
        let t = self.phone.inner.tables();
        t.accounts
            .get(&self.id)
            .map(|a| a.state.clone())
            .ok_or(Error::UnknownAccount)
    }

    /// Unregisters and forgets the account.
    pub fn remove(&self) -> Result<(), Error> {
        let stack = {
            let mut t = self.phone.inner.tables();
            t.accounts
                .remove(&self.id)
                .ok_or(Error::UnknownAccount)?
                .stack
        };
        self.phone
            .inner
            .send(stack, StackCommand::RemoveAccount { account: self.id })
    }
}

/// A call handle: cheap to clone; every method acts on the live call.
///
/// ```no_run
/// # async fn demo(phone: openphone_sal::Phone) -> Result<(), openphone_sal::Error> {
/// let call = phone.call("sip:bob@127.0.0.1:5062")?;
/// call.send_dtmf("123#")?;
/// println!("{:?}", call.stats());
/// call.hangup()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Call {
    id: CallId,
    phone: Phone,
}

impl Call {
    /// The call's id, as in events.
    pub fn id(&self) -> CallId {
        self.id
    }

    fn with<R>(&self, f: impl FnOnce(&Inner, &mut Tables) -> Result<R, Error>) -> Result<R, Error> {
        let inner = &self.phone.inner;
        let mut t = inner.tables();
        f(inner, &mut t)
    }

    fn stack_and_state(&self) -> Result<(usize, CallState), Error> {
        self.with(|_, t| {
            t.calls
                .get(&self.id)
                .map(|c| (c.stack, c.state))
                .ok_or(Error::UnknownCall)
        })
    }

    /// Current state.
    pub fn state(&self) -> Result<CallState, Error> {
        Ok(self.stack_and_state()?.1)
    }

    /// Which way it was set up.
    pub fn direction(&self) -> Result<CallDirection, Error> {
        self.with(|_, t| {
            t.calls
                .get(&self.id)
                .map(|c| c.direction)
                .ok_or(Error::UnknownCall)
        })
    }

    /// The other party.
    pub fn remote(&self) -> Result<Address, Error> {
        self.with(|_, t| {
            t.calls
                .get(&self.id)
                .map(|c| c.remote.clone())
                .ok_or(Error::UnknownCall)
        })
    }

    /// Our side's address.
    pub fn local(&self) -> Result<Address, Error> {
        self.with(|_, t| {
            t.calls
                .get(&self.id)
                .map(|c| c.local.clone())
                .ok_or(Error::UnknownCall)
        })
    }

    /// Why it ended, once it has.
    pub fn end_reason(&self) -> Result<Option<EndReason>, Error> {
        self.with(|_, t| {
            t.calls
                .get(&self.id)
                .map(|c| c.end_reason.clone())
                .ok_or(Error::UnknownCall)
        })
    }

    /// What offer/answer agreed, once it has.
    pub fn negotiated_media(&self) -> Result<Option<NegotiatedMedia>, Error> {
        self.with(|_, t| {
            t.calls
                .get(&self.id)
                .map(|c| c.negotiated.clone())
                .ok_or(Error::UnknownCall)
        })
    }

    /// Media statistics (live, or final once ended).
    pub fn stats(&self) -> Result<MediaStats, Error> {
        self.with(|_, t| {
            let c = t.calls.get(&self.id).ok_or(Error::UnknownCall)?;
            Ok(match (&c.media, &c.final_stats) {
                (Some(m), _) => m.stats(),
                (None, Some(s)) => s.clone(),
                (None, None) => MediaStats::default(),
            })
        })
    }

    /// Answers an incoming call with our media.
    pub fn answer(&self) -> Result<(), Error> {
        self.with(|inner, t| {
            let c = t.calls.get_mut(&self.id).ok_or(Error::UnknownCall)?;
            if c.state != CallState::Incoming {
                return Err(Error::InvalidState {
                    operation: "answer",
                    state: c.state,
                });
            }
            let media = c
                .media
                .as_ref()
                .map(|m| m.local_offer())
                .ok_or_else(|| Error::Config("call has no media session".into()))?;
            inner.send(
                c.stack,
                StackCommand::Answer {
                    call: self.id,
                    media,
                },
            )?;
            inner.set_state(t, self.id, CallState::Answering);
            Ok(())
        })
    }

    /// Refuses an incoming call with a protocol status (SIP 486 Busy Here, 603 Decline…).
    pub fn reject(&self, code: u16) -> Result<(), Error> {
        self.with(|inner, t| {
            let c = t.calls.get(&self.id).ok_or(Error::UnknownCall)?;
            if c.state != CallState::Incoming {
                return Err(Error::InvalidState {
                    operation: "reject",
                    state: c.state,
                });
            }
            inner.send(
                c.stack,
                StackCommand::Reject {
                    call: self.id,
                    code,
                },
            )?;
            inner.end_call(t, self.id, EndReason::LocalReject { code });
            Ok(())
        })
    }

    /// Ends the call in whatever state it is (cancel, decline or bye).
    pub fn hangup(&self) -> Result<(), Error> {
        self.with(|inner, t| {
            let c = t.calls.get(&self.id).ok_or(Error::UnknownCall)?;
            if c.state == CallState::Ended {
                return Ok(());
            }
            let reason = match (c.direction, c.state) {
                (CallDirection::Incoming, CallState::Incoming) => {
                    EndReason::LocalReject { code: 603 }
                }
                (
                    CallDirection::Outgoing,
                    CallState::Dialing | CallState::Ringing | CallState::EarlyMedia,
                ) => EndReason::Cancelled,
                _ => EndReason::LocalHangup,
            };
            inner.send(c.stack, StackCommand::Hangup { call: self.id })?;
            inner.end_call(t, self.id, reason);
            Ok(())
        })
    }

    fn capability(
        &self,
        op: &'static str,
        has: impl Fn(&Capabilities) -> bool,
    ) -> Result<usize, Error> {
        let (stack, _) = self.stack_and_state()?;
        let entry = &self.phone.inner.stacks[stack];
        if has(&entry.caps) {
            Ok(stack)
        } else {
            Err(Error::Unsupported {
                operation: op,
                stack: entry.name,
            })
        }
    }

    fn update_direction(
        &self,
        op: &'static str,
        dir: MediaDirection,
        next: CallState,
    ) -> Result<(), Error> {
        self.capability(op, |c| c.hold)?;
        self.with(|inner, t| {
            let c = t.calls.get(&self.id).ok_or(Error::UnknownCall)?;
            let allowed = match next {
                CallState::Held => c.state == CallState::Active,
                _ => c.state == CallState::Held,
            };
            if !allowed {
                return Err(Error::InvalidState {
                    operation: op,
                    state: c.state,
                });
            }
            let media: MediaOffer = c
                .media
                .as_ref()
                .map(|m| m.local_offer().with_direction(dir))
                .ok_or_else(|| Error::Config("call has no media session".into()))?;
            inner.send(
                c.stack,
                StackCommand::UpdateMedia {
                    call: self.id,
                    media,
                },
            )?;
            inner.set_state(t, self.id, next);
            Ok(())
        })
    }

    /// Puts the peer on hold (re-offers our media as `sendonly`).
    pub fn hold(&self) -> Result<(), Error> {
        self.update_direction("hold", MediaDirection::SendOnly, CallState::Held)
    }

    /// Takes the peer off hold.
    pub fn resume(&self) -> Result<(), Error> {
        self.update_direction("resume", MediaDirection::SendRecv, CallState::Active)
    }

    /// Blind-transfers the peer to `target`.
    pub fn transfer(&self, target: &str) -> Result<(), Error> {
        let to: Address = target.parse()?;
        let stack = self.capability("transfer", |c| c.transfer)?;
        self.phone
            .inner
            .send(stack, StackCommand::Transfer { call: self.id, to })
    }

    /// Redirects an incoming call to other addresses.
    pub fn redirect(&self, targets: &[&str]) -> Result<(), Error> {
        let targets = targets
            .iter()
            .map(|t| t.parse())
            .collect::<Result<Vec<Address>, _>>()?;
        let stack = self.capability("redirect", |c| c.redirect)?;
        self.phone.inner.send(
            stack,
            StackCommand::Redirect {
                call: self.id,
                targets,
            },
        )?;
        let mut t = self.phone.inner.tables();
        self.phone
            .inner
            .end_call(&mut t, self.id, EndReason::LocalReject { code: 302 });
        Ok(())
    }

    /// Sends DTMF digits: in RTP (RFC 4733) when the peer agreed to
    /// telephone-event, otherwise out of band if the stack can.
    pub fn send_dtmf(&self, digits: &str) -> Result<(), Error> {
        for d in digits.chars() {
            if !matches!(d, '0'..='9' | '*' | '#' | 'A'..='D' | 'a'..='d') {
                return Err(Error::InvalidAddress(format!("{d:?} is not a DTMF digit")));
            }
        }
        self.with(|inner, t| {
            let c = t.calls.get_mut(&self.id).ok_or(Error::UnknownCall)?;
            if !matches!(
                c.state,
                CallState::Active | CallState::Held | CallState::EarlyMedia
            ) {
                return Err(Error::InvalidState {
                    operation: "send DTMF on",
                    state: c.state,
                });
            }
            let in_band = c
                .negotiated
                .as_ref()
                .is_some_and(|n| n.send_telephone_event.is_some());
            if in_band {
                if let Some(m) = c.media.as_mut() {
                    for d in digits.chars() {
                        m.send_dtmf(d.to_ascii_uppercase(), Duration::from_millis(100))?;
                    }
                    return Ok(());
                }
            }
            let entry = &inner.stacks[c.stack];
            if entry.caps.dtmf_out_of_band {
                inner.send(
                    c.stack,
                    StackCommand::SendDtmf {
                        call: self.id,
                        digits: digits.to_string(),
                    },
                )
            } else {
                Err(Error::Unsupported {
                    operation: "DTMF without telephone-event",
                    stack: entry.name,
                })
            }
        })
    }
}
