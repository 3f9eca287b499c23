//! The stack contract: how a signalling stack (SIP, H.323, MGCP) plugs into the phone.
//!
//! A stack is started once by the [`Phone`](crate::Phone). It receives
//! [`StackCommand`]s on a bounded channel and reports [`StackEvent`]s through a
//! [`StackEventSink`]. It owns its sockets and timers (one tokio task around a
//! sans-IO core), never calls into application code, and never blocks on the
//! event sink (it is unbounded on the phone side so that protocol timers are
//! never held up by a slow application). Media goes through the
//! [`StackMedia`] port in [`StackIo`]: the stack reserves, applies, reads
//! and releases a call's media there, so it can answer with a result at once
//! (SIP 488, an MGCP return code, an H.245 reject).
//!
//! **Outcomes.** Every command ends in an event: a call command that the
//! stack cannot carry out yields [`StackEvent::CommandFailed`] naming the
//! call and the [`Operation`]; a call that fails ends with
//! [`StackEvent::CallEnded`]. Nothing is only logged.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::{
    AccountId, Address, CallId, EndReason, EventPackage, LineEvent, LineSignal, MediaDescription,
    NegotiatedMedia, NotifyContent, Operation, PresenceStatus, Reason, RegistrationState,
    SecurityPolicy, StackError, StackMedia, SubscriptionId, SubscriptionState, TransferStatus,
};

/// A boxed, sendable future (object-safe async in traits).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One thing a stack may be able to do beyond basic calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability {
    /// Accounts register with a registrar, gatekeeper or call agent.
    Register,
    /// Ringing and early media towards a caller.
    EarlyMedia,
    /// Hold and resume.
    Hold,
    /// Blind transfer.
    Transfer,
    /// Attended transfer (replacing a call).
    AttendedTransfer,
    /// Redirecting an incoming call.
    Redirect,
    /// Out-of-band DTMF (SIP INFO, H.245 UserInputIndication).
    DtmfOutOfBand,
    /// Instant messages.
    Message,
    /// Event subscriptions (presence, message summary).
    Subscribe,
    /// Publishing our presence.
    Publish,
    /// Line events and signals (hook, digits, ringing, tones).
    Line,
}

impl Capability {
    const ALL: [Capability; 11] = [
        Capability::Register,
        Capability::EarlyMedia,
        Capability::Hold,
        Capability::Transfer,
        Capability::AttendedTransfer,
        Capability::Redirect,
        Capability::DtmfOutOfBand,
        Capability::Message,
        Capability::Subscribe,
        Capability::Publish,
        Capability::Line,
    ];

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capability::Register => "register",
            Capability::EarlyMedia => "early media",
            Capability::Hold => "hold",
            Capability::Transfer => "transfer",
            Capability::AttendedTransfer => "attended transfer",
            Capability::Redirect => "redirect",
            Capability::DtmfOutOfBand => "out-of-band DTMF",
            Capability::Message => "messages",
            Capability::Subscribe => "subscriptions",
            Capability::Publish => "publication",
            Capability::Line => "line events",
        })
    }
}

/// What a stack can carry; the phone answers `Error::Unsupported` for the rest.
///
/// ```
/// use openphone_sal::{Capabilities, Capability};
/// let caps = Capabilities::new(&[Capability::Register, Capability::Hold]);
/// assert!(caps.has(Capability::Hold));
/// assert!(!caps.has(Capability::Transfer));
/// assert_eq!(caps.to_string(), "register, hold");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities(u32);

impl Capabilities {
    /// A set of capabilities.
    pub fn new(caps: &[Capability]) -> Self {
        Capabilities(caps.iter().fold(0, |acc, c| acc | c.bit()))
    }
    /// Adds one.
    pub fn with(self, cap: Capability) -> Self {
        Capabilities(self.0 | cap.bit())
    }
    /// Whether the stack has `cap`.
    pub fn has(self, cap: Capability) -> bool {
        self.0 & cap.bit() != 0
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = Capability::ALL
            .iter()
            .filter(|c| self.has(**c))
            .map(|c| c.to_string())
            .collect();
        if names.is_empty() {
            f.write_str("basic calls only")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

/// How an account sends DTMF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DtmfMode {
    /// RFC 4733 events in RTP when the peer takes them, else out of band.
    #[default]
    Auto,
    /// RFC 4733 only.
    Rfc4733,
    /// Out of band only (SIP INFO, H.245 UserInputIndication).
    OutOfBand,
}

impl fmt::Display for DtmfMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DtmfMode::Auto => "auto",
            DtmfMode::Rfc4733 => "rfc4733",
            DtmfMode::OutOfBand => "out-of-band",
        })
    }
}

/// An account as the phone hands it to a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountConfig {
    /// Address of record, e.g. `sip:alice@example.com`.
    pub aor: Address,
    /// Authentication user name (defaults to the AOR's user part when `None`).
    pub username: Option<String>,
    /// Password for digest authentication.
    pub password: Option<String>,
    /// Registrar URI; `None` means the AOR's host.
    pub registrar: Option<String>,
    /// Outbound proxy URI for every request of this account.
    pub outbound_proxy: Option<String>,
    /// Whether to register at all.
    pub register: bool,
    /// Requested registration lifetime.
    pub expires: Duration,
    /// How DTMF is sent on this account's calls.
    pub dtmf: DtmfMode,
    /// Media encryption policy.
    pub security: SecurityPolicy,
    /// The audio codecs this account's calls offer and accept, in
    /// preference order, by RTP encoding name (`PCMU`, `GSM`, `opus`…,
    /// case-insensitive; `G726` also names `G726-32` and its kin). Empty:
    /// every codec the media engine has. `telephone-event` and `CN` are
    /// kept whatever the list says.
    pub codecs: Vec<String>,
}

impl AccountConfig {
    /// An account that registers for an hour, without credentials.
    ///
    /// ```
    /// use openphone_sal::AccountConfig;
    /// let acc = AccountConfig::new("sip:alice@127.0.0.1:25070".parse().unwrap())
    ///     .with_password("secret");
    /// assert!(acc.register);
    /// ```
    pub fn new(aor: Address) -> Self {
        AccountConfig {
            aor,
            username: None,
            password: None,
            registrar: None,
            outbound_proxy: None,
            register: true,
            expires: Duration::from_secs(3600),
            dtmf: DtmfMode::default(),
            security: SecurityPolicy::default(),
            codecs: Vec::new(),
        }
    }
    /// Sets the password.
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }
    /// Sets the authentication user name.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }
    /// Sets an outbound proxy.
    pub fn with_outbound_proxy(mut self, proxy: impl Into<String>) -> Self {
        self.outbound_proxy = Some(proxy.into());
        self
    }
    /// Sets the registrar.
    pub fn with_registrar(mut self, registrar: impl Into<String>) -> Self {
        self.registrar = Some(registrar.into());
        self
    }
    /// Turns registration on or off (an account that only places calls).
    pub fn with_register(mut self, register: bool) -> Self {
        self.register = register;
        self
    }
    /// Sets how DTMF is sent.
    pub fn with_dtmf(mut self, dtmf: DtmfMode) -> Self {
        self.dtmf = dtmf;
        self
    }
    /// Sets the media encryption policy.
    pub fn with_security(mut self, security: SecurityPolicy) -> Self {
        self.security = security;
        self
    }
    /// Sets the account's codec preference (see [`AccountConfig::codecs`]).
    ///
    /// ```
    /// use openphone_sal::AccountConfig;
    /// let acc = AccountConfig::new("sip:alice@example.com".parse().unwrap())
    ///     .with_codecs(["PCMA", "GSM"]);
    /// assert_eq!(acc.codecs, ["PCMA", "GSM"]);
    /// ```
    pub fn with_codecs<S: Into<String>>(mut self, codecs: impl IntoIterator<Item = S>) -> Self {
        self.codecs = codecs.into_iter().map(Into::into).collect();
        self
    }
    /// Sets the requested lifetime.
    pub fn with_expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self
    }
}

/// Orders from the phone to a stack.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StackCommand {
    /// Add an account and register it if configured to.
    AddAccount {
        /// Id chosen by the phone.
        account: AccountId,
        /// The account.
        config: AccountConfig,
    },
    /// Unregister and forget an account.
    RemoveAccount {
        /// Which.
        account: AccountId,
    },
    /// Place a call.
    Dial {
        /// Id chosen by the phone.
        call: CallId,
        /// The account to call from (its identity, credentials and proxy), if any.
        account: Option<AccountId>,
        /// Whom to call.
        to: Address,
        /// Our media, reserved by the phone through the stack's media port.
        offer: MediaDescription,
    },
    /// Tell the caller we are ringing; with `early_media`, answer the media
    /// now so the caller hears us before the call is answered (SIP 183).
    Alert {
        /// Which call.
        call: CallId,
        /// Our media for early media, or `None` for plain ringing.
        early_media: Option<MediaDescription>,
    },
    /// Answer an incoming call with our media capabilities.
    Answer {
        /// Which call.
        call: CallId,
        /// Our media; the stack negotiates it against the peer's offer.
        media: MediaDescription,
    },
    /// Refuse an incoming call. The stack maps the cause to its own code,
    /// or uses `reason.raw` when it is one of its protocol's.
    Reject {
        /// Which call.
        call: CallId,
        /// Why.
        reason: Reason,
    },
    /// Redirect an incoming call (SIP 302, H.450.3 deflection).
    Redirect {
        /// Which call.
        call: CallId,
        /// Where to.
        targets: Vec<Address>,
    },
    /// End a call in any state (cancel, reject or hang up as appropriate).
    Hangup {
        /// Which call.
        call: CallId,
    },
    /// Put the peer on hold (SIP re-INVITE sendonly, H.245 empty capability set).
    Hold {
        /// Which call.
        call: CallId,
    },
    /// Take the peer off hold.
    Resume {
        /// Which call.
        call: CallId,
    },
    /// Blind transfer.
    Transfer {
        /// Which call.
        call: CallId,
        /// Where to.
        to: Address,
    },
    /// Attended transfer: connect the peer of `call` with the peer of
    /// `target`, replacing `target` (SIP REFER with Replaces).
    AttendedTransfer {
        /// The call whose peer is transferred.
        call: CallId,
        /// The consultation call whose peer receives it.
        target: CallId,
    },
    /// Out-of-band DTMF.
    SendDtmf {
        /// Which call.
        call: CallId,
        /// Digits.
        digits: String,
    },
    /// Send an instant message.
    SendMessage {
        /// From which account, if any.
        account: Option<AccountId>,
        /// To whom.
        to: Address,
        /// MIME type.
        content_type: String,
        /// Body.
        body: Vec<u8>,
    },
    /// Subscribe to an event package.
    Subscribe {
        /// Id chosen by the phone.
        subscription: SubscriptionId,
        /// From which account, if any.
        account: Option<AccountId>,
        /// Whose events.
        to: Address,
        /// Which package.
        package: EventPackage,
        /// Requested lifetime.
        expires: Duration,
    },
    /// End a subscription.
    Unsubscribe {
        /// Which.
        subscription: SubscriptionId,
    },
    /// Publish our presence.
    Publish {
        /// For which account.
        account: AccountId,
        /// The state.
        status: PresenceStatus,
    },
    /// A local line event (hook, flash, digit) for the account's line:
    /// an MGCP endpoint reports it to its call agent.
    LineEvent {
        /// Whose line.
        account: AccountId,
        /// What happened.
        event: LineEvent,
    },
    /// Unregister everything, end every call and stop.
    Shutdown,
}

impl StackCommand {
    /// The operation this command carries out, for failure reports.
    pub fn operation(&self) -> Option<Operation> {
        Some(match self {
            StackCommand::AddAccount { .. } => Operation::Register,
            StackCommand::Dial { .. } => Operation::Dial,
            StackCommand::Alert { .. } => Operation::Alert,
            StackCommand::Answer { .. } => Operation::Answer,
            StackCommand::Reject { .. } => Operation::Reject,
            StackCommand::Redirect { .. } => Operation::Redirect,
            StackCommand::Hangup { .. } => Operation::Hangup,
            StackCommand::Hold { .. } => Operation::Hold,
            StackCommand::Resume { .. } => Operation::Resume,
            StackCommand::Transfer { .. } => Operation::Transfer,
            StackCommand::AttendedTransfer { .. } => Operation::AttendedTransfer,
            StackCommand::SendDtmf { .. } => Operation::SendDtmf,
            StackCommand::SendMessage { .. } => Operation::SendMessage,
            StackCommand::Subscribe { .. } => Operation::Subscribe,
            StackCommand::Unsubscribe { .. } => Operation::Unsubscribe,
            StackCommand::Publish { .. } => Operation::Publish,
            StackCommand::LineEvent { .. } => Operation::Line,
            StackCommand::RemoveAccount { .. } | StackCommand::Shutdown => return None,
        })
    }

    /// The call this command concerns, if any.
    pub fn call(&self) -> Option<CallId> {
        match self {
            StackCommand::Dial { call, .. }
            | StackCommand::Alert { call, .. }
            | StackCommand::Answer { call, .. }
            | StackCommand::Reject { call, .. }
            | StackCommand::Redirect { call, .. }
            | StackCommand::Hangup { call }
            | StackCommand::Hold { call }
            | StackCommand::Resume { call }
            | StackCommand::Transfer { call, .. }
            | StackCommand::AttendedTransfer { call, .. }
            | StackCommand::SendDtmf { call, .. } => Some(*call),
            _ => None,
        }
    }
}

/// Reports from a stack to the phone.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StackEvent {
    /// An account's registration changed.
    Registration {
        /// Which.
        account: AccountId,
        /// New state.
        state: RegistrationState,
    },
    /// A new incoming call; the stack chose its id with [`CallId::next`].
    IncomingCall {
        /// Id chosen by the stack.
        call: CallId,
        /// The account it arrived for, if the stack could tell.
        account: Option<AccountId>,
        /// Caller.
        from: Address,
        /// Callee.
        to: Address,
        /// The peer's media offer, if it made one.
        offer: Option<MediaDescription>,
        /// The call of ours it replaces (SIP INVITE with Replaces).
        replaces: Option<CallId>,
        /// How the caller asks us to ring, as received: SIP Alert-Info
        /// (RFC 3261 §20.4), e.g. `<urn:alert:…>` or `<…>;info=alert-internal`.
        alert_info: Option<String>,
    },
    /// The peer is alerting (SIP 180, Q.931 Alerting); `early_media` when it sends media.
    Ringing {
        /// Which call.
        call: CallId,
        /// Early media is flowing.
        early_media: bool,
    },
    /// The call is connected (answer received, or our answer confirmed).
    Connected {
        /// Which call.
        call: CallId,
    },
    /// Media was agreed (first time or again) and the stack applied it
    /// through its media port.
    MediaNegotiated {
        /// Which call.
        call: CallId,
        /// The agreement.
        media: NegotiatedMedia,
    },
    /// The peer held us or resumed.
    RemoteHold {
        /// Which call.
        call: CallId,
        /// True when on hold.
        held: bool,
    },
    /// Out-of-band DTMF arrived.
    Dtmf {
        /// Which call.
        call: CallId,
        /// Digit.
        digit: char,
        /// Duration.
        duration: Duration,
    },
    /// The peer asked us to transfer.
    TransferRequested {
        /// Which call.
        call: CallId,
        /// Target.
        target: Address,
    },
    /// Progress of a transfer we asked the peer for.
    TransferProgress {
        /// Which call.
        call: CallId,
        /// How far.
        status: TransferStatus,
    },
    /// An instant message.
    Message {
        /// The account it arrived for, if known.
        account: Option<AccountId>,
        /// Sender.
        from: Address,
        /// MIME type.
        content_type: String,
        /// Body.
        body: Vec<u8>,
    },
    /// A subscription changed state.
    Subscription {
        /// Which.
        subscription: SubscriptionId,
        /// New state.
        state: SubscriptionState,
    },
    /// A notification arrived.
    Notify {
        /// The subscription, or `None` for an unsolicited notification.
        subscription: Option<SubscriptionId>,
        /// The account it arrived for, if known.
        account: Option<AccountId>,
        /// Content.
        content: NotifyContent,
    },
    /// The stack asks the line to ring, play a tone, show caller-ID…
    /// (an MGCP call agent's signal request).
    LineSignal {
        /// Whose line, if the stack can tell.
        account: Option<AccountId>,
        /// What to do.
        signal: LineSignal,
    },
    /// A command was refused or failed.
    CommandFailed {
        /// The call it concerned, if any.
        call: Option<CallId>,
        /// Which command.
        operation: Operation,
        /// Why.
        reason: Reason,
    },
    /// A call is over.
    CallEnded {
        /// Which call.
        call: CallId,
        /// Why.
        reason: EndReason,
    },
}

/// Where a stack sends its events. Cloneable; never blocks.
#[derive(Debug, Clone)]
pub struct StackEventSink {
    stack: usize,
    tx: mpsc::UnboundedSender<(usize, StackEvent)>,
}

impl StackEventSink {
    /// Used by the phone (and by tests that drive a stack without a phone).
    pub fn new(stack: usize, tx: mpsc::UnboundedSender<(usize, StackEvent)>) -> Self {
        StackEventSink { stack, tx }
    }

    /// Reports an event. Returns `false` once the phone is gone, so the stack can stop.
    pub fn send(&self, event: StackEvent) -> bool {
        self.tx.send((self.stack, event)).is_ok()
    }
}

/// What the phone hands a stack when starting it.
#[non_exhaustive]
pub struct StackIo {
    /// Commands from the phone, in order.
    pub commands: mpsc::Receiver<StackCommand>,
    /// Where to report events.
    pub events: StackEventSink,
    /// The media port: reserve, apply, read and release a call's media.
    pub media: Arc<dyn StackMedia>,
}

impl StackIo {
    /// Bundles the three channels (the phone does this; tests may too).
    pub fn new(
        commands: mpsc::Receiver<StackCommand>,
        events: StackEventSink,
        media: Arc<dyn StackMedia>,
    ) -> Self {
        StackIo {
            commands,
            events,
            media,
        }
    }
}

impl fmt::Debug for StackIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StackIo").finish_non_exhaustive()
    }
}

/// A running stack, as the phone sees it after start.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StackInfo {
    /// Addresses the stack listens on, for display (e.g. `udp 127.0.0.1:5060`).
    pub listening: Vec<String>,
}

impl StackInfo {
    /// Info with these listening addresses.
    pub fn new(listening: Vec<String>) -> Self {
        StackInfo { listening }
    }
}

/// A signalling stack. Implemented by `openphone-sip` and the future H.323 and MGCP stacks.
pub trait Stack: Send + 'static {
    /// Short name for errors and logs (`"sip"`).
    fn name(&self) -> &'static str;
    /// URI schemes served, lower case.
    fn schemes(&self) -> &'static [&'static str];
    /// What the stack can do.
    fn capabilities(&self) -> Capabilities;
    /// Opens sockets and spawns the stack's task on the current tokio runtime.
    fn start(self: Box<Self>, io: StackIo) -> BoxFuture<'static, Result<StackInfo, StackError>>;
}
