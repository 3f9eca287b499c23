//! The stack contract: how a signalling stack (SIP, H.323, MGCP) plugs into the phone.
//!
//! A stack is started once by the [`Phone`](crate::Phone). It receives
//! [`StackCommand`]s on a bounded channel and reports [`StackEvent`]s through a
//! [`StackEventSink`]. It owns its sockets and timers (one tokio task around a
//! sans-IO core), never calls into application code, and never blocks on the
//! event sink (it is unbounded on the phone side so that protocol timers are
//! never held up by a slow application).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::{
    AccountId, Address, CallId, EndReason, MediaOffer, NegotiatedMedia, RegistrationState,
    StackError,
};

/// A boxed, sendable future (object-safe async in traits).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a stack can carry; the phone answers `Error::Unsupported` for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// Accounts can register with a registrar/gatekeeper/call agent.
    pub register: bool,
    /// Hold and resume.
    pub hold: bool,
    /// Blind transfer.
    pub transfer: bool,
    /// Redirecting an incoming call.
    pub redirect: bool,
    /// Out-of-band DTMF (SIP INFO, H.245 UserInputIndication).
    pub dtmf_out_of_band: bool,
    /// Instant messages.
    pub message: bool,
    /// Event subscriptions.
    pub subscribe: bool,
}

/// An account as the phone hands it to a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        /// Our media (address and codecs).
        offer: MediaOffer,
    },
    /// Answer an incoming call with our media capabilities.
    Answer {
        /// Which call.
        call: CallId,
        /// Our media; the stack negotiates it against the peer's offer.
        media: MediaOffer,
    },
    /// Refuse an incoming call.
    Reject {
        /// Which call.
        call: CallId,
        /// Protocol status (SIP 486, 603…); stacks map it to their own causes.
        code: u16,
    },
    /// Redirect an incoming call (SIP 302).
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
    /// Renegotiate media (hold: `sendonly`; resume: `sendrecv`).
    UpdateMedia {
        /// Which call.
        call: CallId,
        /// Our new media.
        media: MediaOffer,
    },
    /// Blind transfer.
    Transfer {
        /// Which call.
        call: CallId,
        /// Where to.
        to: Address,
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
    /// Unregister everything, end every call and stop.
    Shutdown,
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
        offer: Option<MediaOffer>,
    },
    /// The peer is alerting (SIP 180, Q.931 Alerting); `early_media` for 183 with SDP.
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
    /// Offer/answer completed (first time or again); start or update media.
    MediaNegotiated {
        /// Which call.
        call: CallId,
        /// The agreement.
        media: NegotiatedMedia,
    },
    /// The peer changed its direction: held us or resumed.
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
    /// An instant message.
    Message {
        /// Sender.
        from: Address,
        /// MIME type.
        content_type: String,
        /// Body.
        body: Vec<u8>,
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
#[derive(Debug)]
pub struct StackIo {
    /// Commands from the phone, in order.
    pub commands: mpsc::Receiver<StackCommand>,
    /// Where to report events.
    pub events: StackEventSink,
}

/// A running stack, as the phone sees it after start.
#[derive(Debug, Clone)]
pub struct StackInfo {
    /// Addresses the stack listens on, for display (e.g. `udp 127.0.0.1:5060`).
    pub listening: Vec<String>,
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
