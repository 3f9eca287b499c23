//! # openphone-sal — the Stack Adaption Layer
//!
//! One call API over any signalling protocol. Applications use [`Phone`],
//! [`Call`] handles and the [`PhoneEvent`] stream; protocol stacks implement
//! [`Stack`]; the media engine implements [`MediaEngine`]. This crate knows no
//! protocol and no codec.
#![warn(missing_docs)]

mod address;
mod error;
mod events;
mod ids;
mod media_engine;
mod media_types;
mod stack;

pub use address::Address;
pub use error::{Error, MediaError, StackError};
pub use events::{CallState, EndReason, PhoneEvent, RegistrationState};
pub use ids::{AccountId, CallId};
pub use media_engine::{CallMedia, MediaEngine, MediaEvent, MediaEventSink};
pub use media_types::{CodecDescriptor, MediaDirection, MediaOffer, MediaStats, NegotiatedMedia};
pub use stack::{
    AccountConfig, BoxFuture, Capabilities, Stack, StackCommand, StackEvent, StackEventSink,
    StackInfo, StackIo,
};

mod event_queue;
mod phone;

pub use phone::{Account, Call, CallDirection, Phone, PhoneBuilder};

mod digit_map;
pub use digit_map::{
    Collected, DigitCollector, DigitMap, DigitMapError, DigitMatch, DigitTimers, MatchPolicy,
    MAX_COLLECTED_EVENTS, MAX_MAP_LEN, MAX_PATTERNS,
};
