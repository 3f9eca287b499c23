//! The local audio hub: one [`Mixer`] and the one local device, run on a
//! thread of their own.
//!
//! While calls share the local device (a local conference, or a second
//! call while the first is held), no call task touches a device: each
//! exchanges one frame per packet time with this thread through a pair of
//! lock-free [`FrameRing`]s (what the peer said goes up, what the peer is
//! to hear comes down). The thread ticks every [`TICK_MS`]: it reads the
//! microphone, takes the calls' frames, mixes (each call hears everyone
//! but itself), hands each call its frame and plays the local user's mix
//! to the speaker. Device calls, which may block, so never run on the
//! async runtime. Control (adding and removing calls, the call-waiting
//! tone) arrives over a channel between ticks; volumes, mutes and hold are
//! atomics read every tick ([`super::controls`]). After set-up a tick
//! allocates nothing.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use openphone_hal::line::ToneSpec;
use openphone_hal::{AudioSink, AudioSource};
use openphone_sal::{CallId, MediaError};
use tracing::{debug, warn};

use super::controls::{CallControls, LocalControls};
use super::ring::FrameRing;
use crate::mixer::{Mixer, MixerConfig, MixerError, PartyConfig, PartyId};
use crate::resample::Resampler;

/// The mixing period in ms; a call's packet time must be a multiple.
pub(crate) const TICK_MS: u32 = 20;
/// Frames each ring holds: one in use, one of phase slack between the two
/// clocks, one spare. More would only add delay.
const RING_FRAMES: usize = 3;
/// A stall longer than this many ticks is skipped rather than caught up.
const MAX_CATCH_UP: u32 = 10;

/// The two rings between one call's task and the hub.
#[derive(Debug)]
pub(crate) struct PartyLink {
    /// What the peer said (decoded playout), call task → hub.
    pub(crate) up: FrameRing,
    /// What the peer is to hear, hub → call task.
    pub(crate) down: FrameRing,
}

impl PartyLink {
    pub(crate) fn new(frame: usize) -> PartyLink {
        PartyLink {
            up: FrameRing::new(frame, RING_FRAMES),
            down: FrameRing::new(frame, RING_FRAMES),
        }
    }
}

/// A call's format as a mixer party, if the mixer can take it.
pub(crate) fn party_config(rate: u32, packet_time: Duration) -> Result<PartyConfig, MediaError> {
    let ms = u32::try_from(packet_time.as_millis()).unwrap_or(u32::MAX);
    let cfg = PartyConfig::new(rate, ms);
    if packet_time != Duration::from_millis(u64::from(ms)) || ms % TICK_MS != 0 {
        return Err(MediaError::Other(format!(
            "a packet time of {packet_time:?} cannot be mixed (multiples of {TICK_MS} ms only)"
        )));
    }
    if !(crate::mixer::MIN_RATE..=crate::mixer::MAX_RATE).contains(&rate) {
        return Err(MediaError::Other(format!(
            "{rate} Hz audio cannot be mixed"
        )));
    }
    Ok(cfg)
}

/// Changes sent to the hub thread.
pub(crate) enum HubCmd {
    /// A call joins the mix.
    Add {
        call: CallId,
        cfg: PartyConfig,
        link: Arc<PartyLink>,
        controls: Arc<CallControls>,
    },
    /// A call leaves the mix.
    Remove(CallId),
    /// Starts (`Some`) or stops the tone to the local user.
    Tone(Option<Box<ToneSpec>>),
}

/// What the hub last gave the mixer for a party, to call the mixer's
/// setters only on change.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Applied {
    volume_db: f32,
    muted: bool,
    held: bool,
}

struct Member {
    call: CallId,
    party: PartyId,
    link: Arc<PartyLink>,
    controls: Arc<CallControls>,
    applied: Option<Applied>,
    buf: Vec<i16>,
    /// Frames lost because the call task's ring was full.
    dropped: u64,
}

/// The mixer and the device, driven one tick at a time (no clock, no
/// thread: [`run`] supplies those).
pub(crate) struct HubCore {
    mixer: Mixer,
    members: Vec<Member>,
    source: Box<dyn AudioSource>,
    sink: Box<dyn AudioSink>,
    /// One tick at the source's rate.
    mic_raw: Vec<i16>,
    /// The source's audio at the local party's rate, when they differ.
    mic_rs: Option<Resampler>,
    mic: Vec<i16>,
    speaker: Vec<i16>,
    local: Arc<LocalControls>,
    local_applied: Option<(f32, bool)>,
    source_ended: bool,
}

impl HubCore {
    /// A mixer around the local device; the local party runs at the
    /// sink's rate, the microphone resampled to it if need be.
    pub(crate) fn new(
        source: Box<dyn AudioSource>,
        sink: Box<dyn AudioSink>,
        local: Arc<LocalControls>,
    ) -> Result<HubCore, MediaError> {
        let mixer_err = |e: MixerError| MediaError::Other(format!("mixer: {e}"));
        let rate = sink.sample_rate();
        let local_cfg = PartyConfig::new(rate, TICK_MS);
        let mixer =
            Mixer::new(MixerConfig::new(local_cfg).with_tick_ms(TICK_MS)).map_err(mixer_err)?;
        let src_rate = source.sample_rate();
        let raw_len = (u64::from(src_rate) * u64::from(TICK_MS) / 1000) as usize;
        let mic_rs = if src_rate != rate {
            Some(
                Resampler::new(src_rate, rate, raw_len)
                    .map_err(|e| MediaError::Codec(e.to_string()))?,
            )
        } else {
            None
        };
        let frame = local_cfg.frame_len();
        let mic_len = mic_rs
            .as_ref()
            .map_or(frame, |r| r.max_output_len().max(frame));
        Ok(HubCore {
            mixer,
            members: Vec::with_capacity(8),
            source,
            sink,
            mic_raw: vec![0; raw_len.max(1)],
            mic_rs,
            mic: vec![0; mic_len],
            speaker: vec![0; frame],
            local,
            local_applied: None,
            source_ended: false,
        })
    }

    pub(crate) fn command(&mut self, cmd: HubCmd) {
        match cmd {
            HubCmd::Add {
                call,
                cfg,
                link,
                controls,
            } => {
                self.remove(call);
                match self.mixer.add_party(cfg) {
                    Ok(party) => {
                        debug!(%call, %party, "hub: call joined the mix");
                        self.members.push(Member {
                            call,
                            party,
                            buf: vec![0; link.up.frame_len()],
                            link,
                            controls,
                            applied: None,
                            dropped: 0,
                        });
                    }
                    Err(e) => warn!(%call, error = %e, "hub: call cannot join the mix"),
                }
            }
            HubCmd::Remove(call) => self.remove(call),
            HubCmd::Tone(Some(spec)) => {
                let local = self.mixer.local();
                if let Err(e) = self.mixer.play_tone(local, &spec) {
                    warn!(error = %e, "hub: tone not played");
                }
            }
            HubCmd::Tone(None) => {
                let local = self.mixer.local();
                let _ = self.mixer.stop_tone(local);
            }
        }
    }

    fn remove(&mut self, call: CallId) {
        if let Some(i) = self.members.iter().position(|m| m.call == call) {
            let m = self.members.swap_remove(i);
            let _ = self.mixer.remove_party(m.party);
            debug!(%call, dropped = m.dropped, "hub: call left the mix");
        }
    }

    /// Mixes one tick: microphone and calls in, calls and speaker out.
    pub(crate) fn tick(&mut self) {
        self.sync_controls();
        self.read_mic();
        let local = self.mixer.local();
        let frame = self.speaker.len();
        if let Some(mic) = self.mic.get(..frame) {
            let _ = self.mixer.push(local, mic);
        }
        for m in &mut self.members {
            // Everything queued: the mixer keeps one spare frame and drops
            // older audio, which bounds the delay when the clocks drift.
            for _ in 0..RING_FRAMES {
                if !m.link.up.pop(&mut m.buf) {
                    break;
                }
                let _ = self.mixer.push(m.party, &m.buf);
            }
        }
        if let Err(e) = self.mixer.mix() {
            warn!(error = %e, "hub: mix failed");
            return;
        }
        for m in &mut self.members {
            if matches!(self.mixer.pull(m.party, &mut m.buf), Ok(true)) && !m.link.down.push(&m.buf)
            {
                m.dropped += 1;
            }
        }
        if matches!(self.mixer.pull(local, &mut self.speaker), Ok(true)) {
            if let Err(e) = self.sink.write(&self.speaker) {
                warn!(error = %e, "hub: speaker failed");
            }
        }
    }

    fn read_mic(&mut self) {
        match self.source.read(&mut self.mic_raw) {
            Ok(true) => {}
            Ok(false) => {
                if !self.source_ended {
                    debug!("hub: microphone source ended");
                    self.source_ended = true;
                }
            }
            Err(e) => {
                warn!(error = %e, "hub: microphone failed; silence");
                self.mic_raw.fill(0);
            }
        }
        let frame = self.speaker.len();
        match &mut self.mic_rs {
            Some(r) => {
                let got = r.process(&self.mic_raw, &mut self.mic).unwrap_or(0);
                if let Some(rest) = self.mic.get_mut(got.min(frame)..frame) {
                    rest.fill(0);
                }
            }
            None => {
                if let (Some(d), Some(s)) = (self.mic.get_mut(..frame), self.mic_raw.get(..frame)) {
                    d.copy_from_slice(s);
                }
            }
        }
    }

    /// Hands the mixer the volumes, mutes and holds that changed.
    fn sync_controls(&mut self) {
        let local = self.mixer.local();
        let now = (
            self.local.master_db.load(),
            self.local
                .mic_muted
                .load(std::sync::atomic::Ordering::Relaxed),
        );
        if self.local_applied != Some(now) {
            let _ = self.mixer.set_listen_volume(local, now.0);
            let _ = self.mixer.set_muted(local, now.1);
            self.local_applied = Some(now);
        }
        for m in &mut self.members {
            use std::sync::atomic::Ordering::Relaxed;
            let c = Applied {
                volume_db: m.controls.volume_db.load(),
                muted: m.controls.muted.load(Relaxed),
                held: m.controls.held.load(Relaxed) || m.controls.parked.load(Relaxed),
            };
            if m.applied != Some(c) {
                let _ = self.mixer.set_volume(m.party, c.volume_db);
                let _ = self.mixer.set_muted(m.party, c.muted);
                let _ = self.mixer.set_held(m.party, c.held);
                m.applied = Some(c);
            }
        }
    }

    fn flush(&mut self) {
        if let Err(e) = self.sink.flush() {
            warn!(error = %e, "hub: speaker flush failed");
        }
    }
}

/// The running hub: dropping it stops the thread (which flushes the
/// speaker) and waits for it, at most one tick.
pub(crate) struct Hub {
    tx: Option<Sender<HubCmd>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

impl Hub {
    /// Starts the hub thread around `core`.
    pub(crate) fn start(core: HubCore) -> Result<Hub, MediaError> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("openphone-mixer".into())
            .spawn(move || run(core, rx))?;
        Ok(Hub {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues a change for the next tick.
    pub(crate) fn send(&self, cmd: HubCmd) {
        if let Some(tx) = &self.tx {
            if tx.send(cmd).is_err() {
                warn!("hub thread gone");
            }
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                warn!("hub thread panicked");
            }
        }
    }
}

/// The hub thread: a tick every [`TICK_MS`] against the monotonic clock
/// (so the long-run rate is exact), commands between ticks, until the
/// [`Hub`] is dropped.
fn run(mut core: HubCore, rx: Receiver<HubCmd>) {
    let period = Duration::from_millis(u64::from(TICK_MS));
    let mut next = Instant::now();
    loop {
        loop {
            match rx.try_recv() {
                Ok(cmd) => core.command(cmd),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    core.flush();
                    debug!("hub thread ended");
                    return;
                }
            }
        }
        core.tick();
        next += period;
        let now = Instant::now();
        if now > next + period * MAX_CATCH_UP {
            // Stalled (suspended process): restart the clock instead of
            // mixing the gap out in a burst.
            next = now;
        } else if next > now {
            std::thread::sleep(next - now);
        }
    }
}
