//! # openphone-sal — the Stack Adaption Layer
//!
//! One call API over any signalling protocol. Applications use [`Phone`],
//! [`Call`] handles and the [`PhoneEvent`] stream; protocol stacks implement
//! [`Stack`]; the media engine implements [`MediaEngine`]. This crate knows no
//! protocol and no codec: causes are the neutral [`Cause`] with the
//! protocol's raw value beside it, media is the neutral [`MediaDescription`]
//! (SDP and H.245 are encodings of it) negotiated by [`media::negotiate`].
#![warn(missing_docs)]

mod address;
mod cause;
mod error;
mod events;
mod ids;
pub mod media;
mod media_engine;
mod stack;
mod subscription;

pub use address::Address;
pub use cause::{Cause, RawCause, Reason};
pub use error::{Error, MediaError, StackError};
pub use events::{
    CallState, EndReason, Hold, Initiator, Operation, PhoneEvent, RegistrationState, TransferStatus,
};
pub use ids::{AccountId, CallId, SubscriptionId};
pub use media::{
    CodecDescriptor, Fingerprint, KeyExchange, MediaDescription, MediaDirection, MediaEncryption,
    MediaKind, MediaLoop, MediaStats, NegotiatedMedia, NegotiatedStream, RecvChannel, RtpProfile,
    SdesCrypto, SdesKeys, SecureMedia, SecurityPolicy, SecurityState, SendChannel,
    StreamDescription, StreamSecurity,
};
pub use media_engine::{CallMedia, MediaEngine, MediaEvent, MediaEventSink, StackMedia};
pub use stack::{
    AccountConfig, BoxFuture, Capabilities, Capability, DtmfMode, Stack, StackCommand, StackEvent,
    StackEventSink, StackInfo, StackIo,
};
pub use subscription::{
    BasicStatus, EventPackage, MessageSummary, NotifyContent, PresenceStatus, SubscriptionState,
};

/// The telephone-line vocabulary (re-export of `openphone-hal`'s line module):
/// hook state, line events and signals, tones, cadences, caller-ID.
pub mod line {
    pub use openphone_hal::line::*;
}
pub use openphone_hal::line::{HookState, LineDevice, LineEvent, LineSignal};

mod event_queue;
mod phone;

pub use phone::{
    Account, Call, CallDirection, CallRecord, Phone, PhoneBuilder, Subscription,
    DEFAULT_HISTORY_CAPACITY,
};

mod digit_map;
pub use digit_map::{
    Collected, DigitCollector, DigitMap, DigitMapError, DigitMatch, DigitTimers, MatchPolicy,
    MAX_COLLECTED_EVENTS, MAX_MAP_LEN, MAX_PATTERNS,
};
