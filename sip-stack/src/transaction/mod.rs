//! The transaction layer (RFC 3261 §17): client and server state machines with their
//! timers, independent of message syntax. The UA core keys them (see `core`) and
//! feeds them status codes and serialized messages.

mod client;
mod server;
mod timers;

pub use client::{ClientState, ClientTimerAction, ClientTransaction, ResponseVerdict};
pub use server::{
    RetransmitAction, Retransmitter, ServerState, ServerTimerAction, ServerTransaction,
};
pub use timers::TimerConfig;
