//! The sound side of `--line sim`: the simulated line card's sound path
//! bridged to the call that is on the line, paced by one clock thread.
//!
//! One thread ticks every 20 ms and is the line's only clock: it moves the
//! handset's speech (the card's mouthpiece) to the active call, the active
//! call's audio (plus the card's tones) to the earpiece, and writes what
//! the line carried to the `--record` file: off-hook what the handset
//! heard; on-hook the ringing voltage (a 20 or 25 Hz sine in the ring
//! cadence) and the caller-ID FSK burst between the first and second ring,
//! as an on-hook caller-ID receiver sees them (Telcordia GR-30: the data
//! starts at least 500 ms after the first ring ends). Calls not on the line
//! (held) send silence and their audio is dropped.

use std::collections::VecDeque;
use std::f64::consts::TAU;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use openphone::hal::line::{Country, SimLine, SimPhone};
use openphone::hal::{AudioError, AudioSink, AudioSource, ToneSource, WavSink};
use openphone::CallId;

/// The sound path's rate (the sim card's and the codecs').
pub const LINE_RATE: u32 = 8000;
/// Samples per tick (20 ms).
const FRAME: usize = LINE_RATE as usize / 50;
/// The most audio either direction buffers (200 ms): older audio is
/// dropped rather than letting delay grow when clocks drift.
const MAX_QUEUE: usize = FRAME * 10;
/// Peak of the rendered ringing voltage in the recording (full scale / 2).
const RING_PEAK: f64 = 16384.0;
/// Gap between the end of the first ring and the caller-ID data.
const CALLER_ID_DELAY: Duration = Duration::from_millis(500);

/// Audio shared between the clock thread and the calls' devices.
#[derive(Debug, Default)]
struct Bridge {
    /// The call whose audio is on the line.
    active: Option<CallId>,
    /// Handset → call.
    up: VecDeque<i16>,
    /// Call → earpiece.
    down: VecDeque<i16>,
}

fn lock(b: &Mutex<Bridge>) -> MutexGuard<'_, Bridge> {
    b.lock().unwrap_or_else(|e| e.into_inner())
}

/// The line's sound side: create it before the phone (the media engine's
/// audio factory needs it), then hand the card to the line controller.
pub struct LineAudio {
    bridge: Arc<Mutex<Bridge>>,
    frames: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl LineAudio {
    /// Starts the clock thread for `line`. `speak`: the handset speaks a
    /// sine of this frequency while a call is on the line; `record`: where
    /// the line's signal goes.
    pub fn start(
        line: &SimLine,
        country: Country,
        speak: Option<f32>,
        record: Option<&str>,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let recorder = record
            .map(|p| WavSink::create(p, LINE_RATE).map_err(|e| format!("--record {p}: {e}")))
            .transpose()?;
        let audio = LineAudio {
            bridge: Arc::default(),
            frames: Arc::default(),
            stop: Arc::default(),
            thread: Mutex::new(None),
        };
        let mut clock = Clock {
            phone: line.phone(),
            sound: line.sound_path(),
            bridge: audio.bridge.clone(),
            frames: audio.frames.clone(),
            speak: speak.map(|hz| ToneSource::new(LINE_RATE, hz, 0.5)),
            recorder,
            ring: RingRender::new(country),
        };
        let stop = audio.stop.clone();
        let handle = std::thread::Builder::new()
            .name("line-clock".into())
            .spawn(move || clock.run(&stop))?;
        *audio.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        Ok(audio)
    }

    /// The line's time so far, in seconds of the recording.
    pub fn now_secs(&self) -> f64 {
        self.frames.load(Ordering::Relaxed) as f64 * FRAME as f64 / f64::from(LINE_RATE)
    }

    /// Puts `call`'s audio on the line (or none).
    pub fn connect(&self, call: Option<CallId>) {
        let mut b = lock(&self.bridge);
        if b.active != call {
            b.active = call;
            b.up.clear();
            b.down.clear();
        }
    }

    /// The devices for a new call: silent until [`connect`](Self::connect)ed.
    pub fn devices(&self, call: CallId) -> (Box<dyn AudioSource>, Box<dyn AudioSink>) {
        (
            Box::new(CallPort {
                call,
                bridge: self.bridge.clone(),
            }),
            Box::new(CallPort {
                call,
                bridge: self.bridge.clone(),
            }),
        )
    }
}

impl LineAudio {
    /// Stops the clock and completes the recording (its WAV header is
    /// written when the writer closes).
    pub fn finish(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

impl Drop for LineAudio {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One call's end of the bridge (its microphone and its speaker).
struct CallPort {
    call: CallId,
    bridge: Arc<Mutex<Bridge>>,
}

impl AudioSource for CallPort {
    fn sample_rate(&self) -> u32 {
        LINE_RATE
    }

    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        let mut b = lock(&self.bridge);
        if b.active == Some(self.call) && b.up.len() >= frame.len() {
            for s in frame.iter_mut() {
                *s = b.up.pop_front().unwrap_or(0);
            }
        } else {
            frame.fill(0);
        }
        Ok(true)
    }
}

impl AudioSink for CallPort {
    fn sample_rate(&self) -> u32 {
        LINE_RATE
    }

    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        let mut b = lock(&self.bridge);
        if b.active == Some(self.call) {
            b.down.extend(frame);
            let excess = b.down.len().saturating_sub(MAX_QUEUE);
            b.down.drain(..excess);
        }
        Ok(())
    }
}

/// The clock thread's state.
struct Clock {
    phone: SimPhone,
    sound: (
        openphone::hal::line::SimMouthpiece,
        openphone::hal::line::SimEarpiece,
    ),
    bridge: Arc<Mutex<Bridge>>,
    frames: Arc<AtomicU64>,
    speak: Option<ToneSource>,
    recorder: Option<WavSink>,
    ring: RingRender,
}

impl Clock {
    fn run(&mut self, stop: &AtomicBool) {
        let start = Instant::now();
        let mut n: u64 = 0;
        while !stop.load(Ordering::Relaxed) {
            self.tick();
            n += 1;
            self.frames.store(n, Ordering::Relaxed);
            let due = start + Duration::from_millis(20 * n);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        if let Some(r) = self.recorder.take() {
            if let Err(e) = r.finish() {
                println!("error: line recording: {e}");
            }
        }
    }

    fn tick(&mut self) {
        let mut frame = [0i16; FRAME];
        let on_call = lock(&self.bridge).active.is_some();
        let off_hook = self.phone.hook_state().is_off_hook();
        if let (Some(tone), true, true) = (self.speak.as_mut(), on_call, off_hook) {
            let _ = tone.read(&mut frame);
            self.phone.speak(&frame);
        }
        let _ = self.sound.0.read(&mut frame);
        {
            let mut b = lock(&self.bridge);
            if b.active.is_some() {
                b.up.extend(frame);
                let excess = b.up.len().saturating_sub(MAX_QUEUE);
                b.up.drain(..excess);
            }
            for s in frame.iter_mut() {
                *s = b.down.pop_front().unwrap_or(0);
            }
        }
        if let Err(e) = self.sound.1.write(&frame) {
            println!("error: line: {e}");
        }
        let heard = self.phone.take_heard();
        let line = if off_hook {
            self.ring.reset();
            let mut out = [0i16; FRAME];
            for (o, h) in out.iter_mut().zip(&heard) {
                *o = *h;
            }
            out
        } else {
            self.ring.frame(&self.phone)
        };
        if let Some(r) = self.recorder.as_mut() {
            if let Err(e) = r.write(&line) {
                println!("error: line recording: {e}");
                self.recorder = None;
            }
        }
    }
}

/// Renders ringing and on-hook caller-ID as the line carries them.
struct RingRender {
    ring_hz: f64,
    /// Samples since ringing started, while it rings.
    at: Option<u64>,
    caller_id: VecDeque<i16>,
}

impl RingRender {
    fn new(country: Country) -> Self {
        // Ringing frequency: 20 Hz in North America and Japan (16 Hz is
        // also used there), 25 Hz in Europe.
        let ring_hz = match country {
            Country::Us | Country::Jp => 20.0,
            _ => 25.0,
        };
        RingRender {
            ring_hz,
            at: None,
            caller_id: VecDeque::new(),
        }
    }

    fn reset(&mut self) {
        self.at = None;
        self.caller_id.clear();
    }

    fn frame(&mut self, phone: &SimPhone) -> [i16; FRAME] {
        let mut out = [0i16; FRAME];
        let Some(cadence) = phone.ring_cadence() else {
            self.reset();
            return out;
        };
        let start = *self.at.get_or_insert_with(|| {
            self.caller_id = phone.caller_id_signal().into();
            0
        });
        // The data goes in the first silence after the first ring.
        let first_on = cadence.segments().first().map(|s| s.0).unwrap_or_default();
        let data_at = first_on + CALLER_ID_DELAY;
        for (i, o) in out.iter_mut().enumerate() {
            let n = start + i as u64;
            let t = n as f64 / f64::from(LINE_RATE);
            let elapsed = Duration::from_secs_f64(t);
            if cadence.is_on_at(elapsed) {
                *o = (RING_PEAK * (TAU * self.ring_hz * t).sin()) as i16;
            } else if elapsed >= data_at {
                *o = self.caller_id.pop_front().unwrap_or(0);
            }
        }
        self.at = Some(start + FRAME as u64);
        out
    }
}
