//! The engine's table of calls and the local hub: which calls play on
//! their own devices and which through the mixer, and the moves between
//! the two ([`Engine::join`](super::Engine), `split`, call waiting).
//!
//! Rules:
//! * A call starts on its own device path (the configured audio factory),
//!   unless the hub already owns the local device, or the device is shared
//!   ([`EngineConfigBuilder::shared_device`](super::EngineConfigBuilder::shared_device)):
//!   then it joins the mix.
//! * `join` moves calls into the mix; the hub starts with them, opening
//!   the local device through the audio factory (with the first call's id).
//! * Call waiting moves every running call into the mix (so the tone and
//!   the calls share the device) and plays the tone until the waiting call
//!   starts its media (answered) or ends. Answering it *parks* the calls
//!   already mixed (held in the mix at once, whatever the signalling does)
//!   until each is resumed from hold or conferenced with `join`.
//! * `split` moves a call back to a device of its own.
//! * The hub stops, closing the local device, when no call is left in it
//!   and no tone plays.
//!
//! A call we hold (its media not receiving) stays in the mix but is neither
//! heard nor hears; every other call in the mix hears the others.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard};

use openphone_hal::line::ToneSpec;
use openphone_sal::{CallId, MediaError};
use tokio::sync::mpsc;
use tracing::debug;

use super::config::EngineConfig;
use super::controls::{CallControls, LocalControls};
use super::devices::Devices;
use super::hub::{party_config, Hub, HubCmd, HubCore, PartyLink};
use super::task::Cmd;
use crate::session::AudioFormat;

/// A call whose task runs.
struct Running {
    cmds: mpsc::Sender<Cmd>,
    format: AudioFormat,
    mixed: bool,
}

struct Entry {
    controls: Arc<CallControls>,
    running: Option<Running>,
}

#[derive(Default)]
struct State {
    calls: HashMap<CallId, Entry>,
    hub: Option<Hub>,
    /// The call whose arrival the call-waiting tone announces.
    waiting: Option<CallId>,
}

/// Shared by the engine and its sessions.
pub(crate) struct Calls {
    config: Arc<EngineConfig>,
    pub(crate) local: Arc<LocalControls>,
    state: Mutex<State>,
}

fn gone() -> MediaError {
    MediaError::Other("media task not responding".into())
}

impl Calls {
    pub(crate) fn new(config: Arc<EngineConfig>) -> Calls {
        Calls {
            config,
            local: Arc::new(LocalControls::default()),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session's controls.
    pub(crate) fn register(&self, call: CallId) -> Arc<CallControls> {
        let controls = Arc::new(CallControls::default());
        self.state().calls.insert(
            call,
            Entry {
                controls: controls.clone(),
                running: None,
            },
        );
        controls
    }

    pub(crate) fn controls(&self, call: CallId) -> Result<Arc<CallControls>, MediaError> {
        self.state()
            .calls
            .get(&call)
            .map(|e| e.controls.clone())
            .ok_or(MediaError::NotStarted)
    }

    /// Calls currently in the mix.
    pub(crate) fn mixed(&self) -> Vec<CallId> {
        let st = self.state();
        let mut v: Vec<CallId> = st
            .calls
            .iter()
            .filter(|(_, e)| e.running.as_ref().is_some_and(|r| r.mixed))
            .map(|(id, _)| *id)
            .collect();
        v.sort();
        v
    }

    /// Whether the local device is the mixer's now.
    pub(crate) fn hub_running(&self) -> bool {
        self.state().hub.is_some()
    }

    /// A call's task starts with `format`. Returns the link to use instead
    /// of devices when the hub owns the local device.
    pub(crate) fn started(
        &self,
        call: CallId,
        cmds: mpsc::Sender<Cmd>,
        format: AudioFormat,
    ) -> Option<Arc<PartyLink>> {
        let mut st = self.state();
        let st = &mut *st;
        if st.waiting == Some(call) {
            // The waiting call is answered: the tone has done its job, and
            // the calls in the mix are held there at once, before any hold
            // is negotiated, so the two callers never hear each other.
            st.waiting = None;
            if let Some(hub) = &st.hub {
                hub.send(HubCmd::Tone(None));
            }
            for (id, e) in &st.calls {
                if *id != call && e.running.as_ref().is_some_and(|r| r.mixed) {
                    e.controls.parked.store(true, Relaxed);
                }
            }
        }
        if self.config.shared_device && st.hub.is_none() {
            if let Err(e) = self.ensure_hub(st, call) {
                tracing::warn!(%call, error = %e, "shared device not opened");
            }
        }
        let entry = st.calls.get_mut(&call)?;
        let link = match &st.hub {
            Some(hub) => match party_config(format.sample_rate, format.packet_time) {
                Ok(cfg) => Some(add_to_hub(hub, call, cfg, entry.controls.clone())),
                Err(e) => {
                    tracing::warn!(%call, error = %e, "call not mixed; it plays on its own device");
                    None
                }
            },
            None => None,
        };
        entry.running = Some(Running {
            cmds,
            format,
            mixed: link.is_some(),
        });
        link
    }

    /// The call's codec format changes: a mixed call gets a new link.
    pub(crate) fn reformat(&self, call: CallId, format: AudioFormat) -> Result<(), MediaError> {
        let mut st = self.state();
        let st = &mut *st;
        let Some(entry) = st.calls.get_mut(&call) else {
            return Ok(());
        };
        let Some(r) = &mut entry.running else {
            return Ok(());
        };
        if r.format == format {
            return Ok(());
        }
        r.format = format;
        if !r.mixed {
            return Ok(());
        }
        let Some(hub) = &st.hub else {
            return Ok(());
        };
        match party_config(format.sample_rate, format.packet_time) {
            Ok(cfg) => {
                let link = add_to_hub(hub, call, cfg, entry.controls.clone());
                r.cmds.try_send(Cmd::Join(link)).map_err(|_| gone())
            }
            Err(e) => {
                // Back to a device of its own rather than silence.
                hub.send(HubCmd::Remove(call));
                r.mixed = false;
                let devices = self.open_devices(call, format)?;
                r.cmds
                    .try_send(Cmd::Split(Box::new(devices)))
                    .map_err(|_| gone())?;
                Err(e)
            }
        }
    }

    /// The call's media ended.
    pub(crate) fn stopped(&self, call: CallId) {
        let mut st = self.state();
        let Some(entry) = st.calls.remove(&call) else {
            return;
        };
        if let (Some(hub), Some(true)) = (&st.hub, entry.running.map(|r| r.mixed)) {
            hub.send(HubCmd::Remove(call));
        }
        if st.waiting == Some(call) {
            st.waiting = None;
            if let Some(hub) = &st.hub {
                hub.send(HubCmd::Tone(None));
            }
        }
        stop_hub_if_idle(&mut st);
    }

    fn open_devices(&self, call: CallId, format: AudioFormat) -> Result<Devices, MediaError> {
        let (source, sink) = (self.config.audio)(call)?;
        Devices::new(source, sink, format)
    }

    fn ensure_hub(&self, st: &mut State, device_call: CallId) -> Result<(), MediaError> {
        if st.hub.is_none() {
            let (source, sink) = (self.config.audio)(device_call)?;
            let core = HubCore::new(source, sink, self.local.clone())?;
            st.hub = Some(Hub::start(core)?);
            debug!(%device_call, "local device now mixed");
        }
        Ok(())
    }

    /// Moves `calls` into the mix (those already in stay).
    pub(crate) fn join(&self, calls: &[CallId]) -> Result<(), MediaError> {
        let mut st = self.state();
        let st = &mut *st;
        // Everything is checked before anything moves.
        let mut moves = Vec::with_capacity(calls.len());
        for &call in calls {
            let r = st
                .calls
                .get(&call)
                .and_then(|e| e.running.as_ref())
                .ok_or(MediaError::NotStarted)?;
            if !r.mixed {
                let f = r.format;
                moves.push((call, party_config(f.sample_rate, f.packet_time)?));
            }
        }
        let Some(&first) = calls.first() else {
            return Ok(());
        };
        self.ensure_hub(st, first)?;
        let Some(hub) = &st.hub else {
            return Ok(());
        };
        // Conferencing is the user's word: parked calls join in.
        for call in calls {
            if let Some(e) = st.calls.get(call) {
                e.controls.parked.store(false, Relaxed);
            }
        }
        for (call, cfg) in moves {
            let Some(entry) = st.calls.get_mut(&call) else {
                continue;
            };
            let link = add_to_hub(hub, call, cfg, entry.controls.clone());
            if let Some(r) = &mut entry.running {
                r.cmds.try_send(Cmd::Join(link)).map_err(|_| gone())?;
                r.mixed = true;
            }
        }
        Ok(())
    }

    /// Moves `call` out of the mix to a device of its own.
    pub(crate) fn split(&self, call: CallId) -> Result<(), MediaError> {
        let mut st = self.state();
        let st = &mut *st;
        let r = st
            .calls
            .get_mut(&call)
            .and_then(|e| e.running.as_mut())
            .ok_or(MediaError::NotStarted)?;
        if !r.mixed {
            return Err(MediaError::Other(format!("{call} is not in a conference")));
        }
        let devices = self.open_devices(call, r.format)?;
        if let Some(hub) = &st.hub {
            hub.send(HubCmd::Remove(call));
        }
        r.mixed = false;
        r.cmds
            .try_send(Cmd::Split(Box::new(devices)))
            .map_err(|_| gone())?;
        stop_hub_if_idle(st);
        Ok(())
    }

    /// `call` arrives while others run (`true`), or no longer waits.
    pub(crate) fn call_waiting(
        &self,
        call: CallId,
        waiting: bool,
        tone: &ToneSpec,
    ) -> Result<(), MediaError> {
        if !self.config.shared_device {
            return Err(MediaError::Unsupported(
                "call-waiting tone (each call has devices of its own: EngineConfigBuilder::shared_device)",
            ));
        }
        if !waiting {
            let mut st = self.state();
            if st.waiting == Some(call) {
                st.waiting = None;
                if let Some(hub) = &st.hub {
                    hub.send(HubCmd::Tone(None));
                }
                stop_hub_if_idle(&mut st);
            }
            return Ok(());
        }
        let running: Vec<CallId> = {
            let st = self.state();
            let mut v: Vec<CallId> = st
                .calls
                .iter()
                .filter(|(id, e)| **id != call && e.running.is_some())
                .map(|(id, _)| *id)
                .collect();
            v.sort();
            v
        };
        // The running calls and the tone must share the device.
        if running.is_empty() {
            let mut st = self.state();
            self.ensure_hub(&mut st, call)?;
        } else {
            self.join(&running)?;
        }
        let mut st = self.state();
        st.waiting = Some(call);
        if let Some(hub) = &st.hub {
            hub.send(HubCmd::Tone(Some(Box::new(tone.clone()))));
        }
        Ok(())
    }
}

fn add_to_hub(
    hub: &Hub,
    call: CallId,
    cfg: crate::mixer::PartyConfig,
    controls: Arc<CallControls>,
) -> Arc<PartyLink> {
    let link = Arc::new(PartyLink::new(cfg.frame_len()));
    hub.send(HubCmd::Add {
        call,
        cfg,
        link: link.clone(),
        controls,
    });
    link
}

fn stop_hub_if_idle(st: &mut State) {
    let busy = st.waiting.is_some()
        || st
            .calls
            .values()
            .any(|e| e.running.as_ref().is_some_and(|r| r.mixed));
    if !busy && st.hub.take().is_some() {
        debug!("local device no longer mixed");
    }
}
