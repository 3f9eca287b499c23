//! The media port a phone hands a stack, for tests that drive a stack
//! without a phone: it hands out descriptions on numbered ports, records
//! what the stack applies and releases, and refuses to apply when told to
//! (so the stack's handling of a media failure can be checked).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use openphone_sal::{
    CallId, CodecDescriptor, MediaDescription, MediaError, MediaStats, NegotiatedMedia, StackMedia,
    StreamDescription,
};

/// Our description at `127.0.0.1:port`: PCMU and telephone-event.
pub fn description(port: u16) -> MediaDescription {
    MediaDescription::from(
        StreamDescription::audio(format!("127.0.0.1:{port}").parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16")),
    )
}

#[derive(Default)]
struct State {
    next_port: u16,
    reserved: HashMap<CallId, MediaDescription>,
    applied: Vec<(CallId, NegotiatedMedia)>,
    released: Vec<CallId>,
    refuse: Option<String>,
}

/// See the module docs.
pub struct RecordingMedia(Mutex<State>);

#[allow(dead_code)] // each test file uses its own part
impl RecordingMedia {
    /// A port whose reservations use RTP ports `first_port`, `first_port + 2`…
    pub fn new(first_port: u16) -> Arc<Self> {
        Arc::new(RecordingMedia(Mutex::new(State {
            next_port: first_port,
            ..State::default()
        })))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    /// Every agreement the stack applied, in order.
    pub fn applied(&self) -> Vec<(CallId, NegotiatedMedia)> {
        self.state().applied.clone()
    }

    /// Every call the stack released, in order.
    pub fn released(&self) -> Vec<CallId> {
        self.state().released.clone()
    }

    /// From now on `apply` fails with `why`.
    pub fn refuse_apply(&self, why: &str) {
        self.state().refuse = Some(why.to_string());
    }
}

impl StackMedia for RecordingMedia {
    fn reserve(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        let mut s = self.state();
        if let Some(d) = s.reserved.get(&call) {
            return Ok(d.clone());
        }
        let d = description(s.next_port);
        s.next_port += 2;
        s.reserved.insert(call, d.clone());
        Ok(d)
    }

    fn local_description(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        self.state()
            .reserved
            .get(&call)
            .cloned()
            .ok_or(MediaError::UnknownCall)
    }

    fn apply(&self, call: CallId, media: &NegotiatedMedia) -> Result<(), MediaError> {
        let mut s = self.state();
        if let Some(why) = &s.refuse {
            return Err(MediaError::Codec(why.clone()));
        }
        s.applied.push((call, media.clone()));
        Ok(())
    }

    fn stats(&self, _call: CallId) -> Option<MediaStats> {
        None
    }

    fn release(&self, call: CallId) -> Option<MediaStats> {
        let mut s = self.state();
        s.reserved.remove(&call);
        s.released.push(call);
        None
    }
}
