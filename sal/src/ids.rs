//! Cheap identifiers shared by the phone, the stacks and the media engine.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_CALL: AtomicU64 = AtomicU64::new(1);
static NEXT_ACCOUNT: AtomicU64 = AtomicU64::new(1);

/// Identifies one call for its whole life, across the phone, its stack and
/// its media session. Unique within a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(u64);

impl CallId {
    /// A fresh id. Stacks call this for incoming calls; the phone for outgoing ones.
    pub fn next() -> Self {
        CallId(NEXT_CALL.fetch_add(1, Ordering::Relaxed))
    }
    /// The number inside, for logs.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call-{}", self.0)
    }
}

/// Identifies one account (an address of record with its credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(u64);

impl AccountId {
    /// A fresh id.
    pub fn next() -> Self {
        AccountId(NEXT_ACCOUNT.fetch_add(1, Ordering::Relaxed))
    }
    /// The number inside, for logs.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "account-{}", self.0)
    }
}

static NEXT_SUBSCRIPTION: AtomicU64 = AtomicU64::new(1);

/// Identifies one event subscription (presence, message summary…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(u64);

impl SubscriptionId {
    /// A fresh id.
    pub fn next() -> Self {
        SubscriptionId(NEXT_SUBSCRIPTION.fetch_add(1, Ordering::Relaxed))
    }
    /// The number inside, for logs.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "subscription-{}", self.0)
    }
}
