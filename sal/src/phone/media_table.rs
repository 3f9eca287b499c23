//! The phone's media sessions, keyed by call, behind their own locks.
//!
//! This is the [`StackMedia`] port each stack gets, and what the phone uses
//! for in-band DTMF and statistics. The engine is called with no phone lock
//! held: the table lock only guards the map, and each session has its own.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::{
    CallId, CallMedia, MediaDescription, MediaEngine, MediaError, MediaEvent, MediaEventSink,
    MediaLoop, MediaStats, NegotiatedMedia, SecurityPolicy, SecurityState, StackMedia,
};

/// How many ended calls keep their final statistics.
const FINALS_KEPT: usize = 256;

type Session = Arc<Mutex<Box<dyn CallMedia>>>;

#[derive(Default)]
struct State {
    live: HashMap<CallId, Session>,
    finals: HashMap<CallId, MediaStats>,
    final_order: VecDeque<CallId>,
}

pub(crate) struct MediaTable {
    engine: Option<Arc<dyn MediaEngine>>,
    events: mpsc::UnboundedSender<(CallId, MediaEvent)>,
    state: Mutex<State>,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here is a map or field update; a panic inside
    // one cannot leave it half-done, so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MediaTable {
    pub(crate) fn new(
        engine: Option<Arc<dyn MediaEngine>>,
        events: mpsc::UnboundedSender<(CallId, MediaEvent)>,
    ) -> Self {
        MediaTable {
            engine,
            events,
            state: Mutex::new(State::default()),
        }
    }

    pub(crate) fn engine(&self) -> Result<&Arc<dyn MediaEngine>, MediaError> {
        self.engine
            .as_ref()
            .ok_or(MediaError::Other("no media engine registered".into()))
    }

    fn session(&self, call: CallId) -> Option<Session> {
        lock(&self.state).live.get(&call).cloned()
    }

    fn with<R>(
        &self,
        call: CallId,
        f: impl FnOnce(&mut Box<dyn CallMedia>) -> R,
    ) -> Result<R, MediaError> {
        let s = self.session(call).ok_or(MediaError::UnknownCall)?;
        let mut m = lock(&s);
        Ok(f(&mut m))
    }

    pub(crate) fn send_dtmf(
        &self,
        call: CallId,
        digit: char,
        duration: Duration,
    ) -> Result<(), MediaError> {
        self.with(call, |m| m.send_dtmf(digit, duration))?
    }

    pub(crate) fn security(&self, call: CallId) -> SecurityState {
        self.with(call, |m| m.security()).unwrap_or_default()
    }

    pub(crate) fn set_sas_verified(&self, call: CallId, verified: bool) -> Result<(), MediaError> {
        self.with(call, |m| m.set_sas_verified(verified))?
    }

    /// Reserves `call`'s media endpoint with the account's security policy
    /// applied before its description is taken (our SDES keys are in it).
    pub(crate) fn reserve_secured(
        &self,
        call: CallId,
        policy: SecurityPolicy,
    ) -> Result<MediaDescription, MediaError> {
        if let Some(s) = self.session(call) {
            return Ok(lock(&s).local_description());
        }
        let engine = self.engine()?;
        let mut media =
            engine.create_session(call, MediaEventSink::new(call, self.events.clone()))?;
        if let Err(e) = media.set_security(policy) {
            media.stop();
            return Err(e);
        }
        let description = media.local_description();
        let mut st = lock(&self.state);
        if st.live.contains_key(&call) {
            // Another reservation for the same call won the race: keep it.
            drop(st);
            media.stop();
            return self.local_description(call);
        }
        st.live.insert(call, Arc::new(Mutex::new(media)));
        Ok(description)
    }
}

impl StackMedia for MediaTable {
    fn reserve(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        self.reserve_secured(call, SecurityPolicy::default())
    }

    fn local_description(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        self.with(call, |m| m.local_description())
    }

    fn apply(&self, call: CallId, media: &NegotiatedMedia) -> Result<(), MediaError> {
        self.with(call, |m| m.apply(media))?
    }

    fn set_loop(&self, call: CallId, mode: MediaLoop) -> Result<(), MediaError> {
        self.with(call, |m| m.set_loop(mode))?
    }

    fn stats(&self, call: CallId) -> Option<MediaStats> {
        match self.session(call) {
            Some(s) => Some(lock(&s).stats()),
            None => lock(&self.state).finals.get(&call).cloned(),
        }
    }

    fn release(&self, call: CallId) -> Option<MediaStats> {
        let s = lock(&self.state).live.remove(&call)?;
        let stats = {
            let mut m = lock(&s);
            let stats = m.stats();
            m.stop();
            stats
        };
        let mut st = lock(&self.state);
        st.finals.insert(call, stats.clone());
        st.final_order.push_back(call);
        while st.final_order.len() > FINALS_KEPT {
            if let Some(old) = st.final_order.pop_front() {
                st.finals.remove(&old);
            }
        }
        Some(stats)
    }
}
