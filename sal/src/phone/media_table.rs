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
    /// Calls whose account narrows the codecs (`AccountConfig::codecs`).
    codecs: HashMap<CallId, Vec<String>>,
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

    /// `description` narrowed to `call`'s account codecs, if it has any.
    fn narrowed(
        &self,
        call: CallId,
        description: MediaDescription,
    ) -> Result<MediaDescription, MediaError> {
        let codecs = lock(&self.state).codecs.get(&call).cloned();
        match codecs {
            Some(c) => narrow(description, &c),
            None => Ok(description),
        }
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
        codecs: &[String],
    ) -> Result<MediaDescription, MediaError> {
        if let Some(s) = self.session(call) {
            return self.narrowed(call, lock(&s).local_description());
        }
        let engine = self.engine()?;
        let mut media =
            engine.create_session(call, MediaEventSink::new(call, self.events.clone()))?;
        if let Err(e) = media.set_security(policy) {
            media.stop();
            return Err(e);
        }
        let description = match narrow(media.local_description(), codecs) {
            Ok(d) => d,
            Err(e) => {
                media.stop();
                return Err(e);
            }
        };
        let mut st = lock(&self.state);
        if st.live.contains_key(&call) {
            // Another reservation for the same call won the race: keep it.
            drop(st);
            media.stop();
            return self.local_description(call);
        }
        st.live.insert(call, Arc::new(Mutex::new(media)));
        if !codecs.is_empty() {
            st.codecs.insert(call, codecs.to_vec());
        }
        Ok(description)
    }
}

impl StackMedia for MediaTable {
    fn reserve(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        self.reserve_secured(call, SecurityPolicy::default(), &[])
    }

    fn local_description(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        let d = self.with(call, |m| m.local_description())?;
        self.narrowed(call, d)
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
        let s = {
            let mut st = lock(&self.state);
            st.codecs.remove(&call);
            st.live.remove(&call)?
        };
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

/// Whether the RTP encoding `encoding` is the codec `name` names:
/// the same name, or (for `G726`) one of its bit rates (`G726-32`).
fn names(name: &str, encoding: &str) -> bool {
    encoding.eq_ignore_ascii_case(name)
        || encoding
            .get(..name.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(name))
            && encoding[name.len()..].starts_with('-')
}

/// An account's codec preference applied to our media description: each
/// audio stream keeps only the codecs `codecs` names, in that order, then
/// telephone-event and comfort noise as they were. This is what the stack
/// offers and what it negotiates an answer against, so the account's
/// calls use only its codecs. Empty `codecs`: unchanged. None of them in
/// the engine: an error, rather than a call without audio.
fn narrow(
    mut description: MediaDescription,
    codecs: &[String],
) -> Result<MediaDescription, MediaError> {
    if codecs.is_empty() {
        return Ok(description);
    }
    for stream in description
        .streams
        .iter_mut()
        .filter(|s| s.kind == crate::MediaKind::Audio)
    {
        let all = std::mem::take(&mut stream.codecs);
        let is_aux = |c: &crate::CodecDescriptor| {
            c.encoding.eq_ignore_ascii_case("telephone-event")
                || c.encoding.eq_ignore_ascii_case("CN")
        };
        for name in codecs {
            stream.codecs.extend(
                all.iter()
                    .filter(|c| !is_aux(c) && names(name, &c.encoding))
                    .filter(|c| !stream_has(&stream.codecs, c))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        }
        if stream.codecs.is_empty() {
            return Err(MediaError::Other(format!(
                "none of the account's codecs ({}) is in the media engine",
                codecs.join(", ")
            )));
        }
        stream.codecs.extend(all.into_iter().filter(is_aux));
    }
    Ok(description)
}

fn stream_has(list: &[crate::CodecDescriptor], c: &crate::CodecDescriptor) -> bool {
    list.iter().any(|x| x == c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CodecDescriptor, MediaKind, StreamDescription};

    fn offer() -> MediaDescription {
        let mut s =
            StreamDescription::new(MediaKind::Audio, Some("127.0.0.1:4000".parse().unwrap()));
        s.codecs = vec![
            CodecDescriptor::new(0, "PCMU", 8000),
            CodecDescriptor::new(8, "PCMA", 8000),
            CodecDescriptor::new(3, "GSM", 8000),
            CodecDescriptor::new(112, "G726-32", 8000),
            CodecDescriptor::new(101, "telephone-event", 8000),
            CodecDescriptor::new(13, "CN", 8000),
        ];
        MediaDescription::new(vec![s])
    }

    fn encodings(d: &MediaDescription) -> Vec<&str> {
        d.streams[0]
            .codecs
            .iter()
            .map(|c| c.encoding.as_str())
            .collect()
    }

    #[test]
    fn narrow_keeps_the_accounts_codecs_in_its_order_and_the_aux_formats() {
        let d = narrow(offer(), &["gsm".into(), "g726".into(), "PCMA".into()]).unwrap();
        assert_eq!(
            encodings(&d),
            ["GSM", "G726-32", "PCMA", "telephone-event", "CN"]
        );
        assert_eq!(narrow(offer(), &[]).unwrap(), offer());
        // "G72" names neither G722 nor G726-32.
        assert!(narrow(offer(), &["G72".into()]).is_err());
        assert!(narrow(offer(), &["opus".into()]).is_err());
    }
}
