//! A local conference through the engine's mixer over real UDP on
//! 127.0.0.1: the local engine L has a call to B and a call to C (two
//! other engines); after `join`, every party's recording is judged by tone
//! analysis (`openphone_hal::analysis`): each source is a tone of its own
//! (L 500 Hz, B 1100 Hz, C 1700 Hz), so B must hear C and L but not itself,
//! C must hear B and L but not itself, and L's speaker B and C but not L.
//! Then the controls (mute, per-call volume), `split`, and call waiting
//! (the tone mixed over a call, hold, answering the second call), and a
//! conference of a G.711 (8 kHz) and a G.722 (16 kHz) call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_hal::analysis::tone_present;
use openphone_hal::line::{Country, Tone, TonePattern, TonePlan};
use openphone_hal::{AudioSink, AudioSource, MemoryHandle, MemorySink, ToneSource};
use openphone_media::{Engine, EngineConfig};
use openphone_sal::{
    CallId, CallMedia, MediaDescription, MediaDirection, MediaEngine, MediaEventSink,
    NegotiatedMedia, NegotiatedStream, RecvChannel, SendChannel,
};
use tokio::sync::mpsc;

const RATE: u32 = 8000;
const L_HZ: f32 = 500.0;
const B_HZ: f32 = 1100.0;
const C_HZ: f32 = 1700.0;
/// The call-waiting tone (the US plan's frequency, made continuous so any
/// window of the recording can be judged).
const CW_HZ: f32 = 440.0;
const TOL: f32 = 5.0;

/// Every recording a factory opened, in order: (call, recording).
type Opened = Arc<Mutex<Vec<(CallId, MemoryHandle)>>>;

fn engine(tone_hz: f32, opened: Opened) -> Engine {
    engine_with(tone_hz, opened, &["PCMU"], false)
}

/// `shared`: the factory's device is the one local device every call
/// shares ([`EngineConfigBuilder::shared_device`]).
fn engine_with(tone_hz: f32, opened: Opened, codecs: &[&str], shared: bool) -> Engine {
    let mut cw = TonePlan::for_country(Country::Us)
        .tone(Tone::CallWaiting)
        .clone();
    cw.pattern = TonePattern::Continuous;
    // As loud as the sources (0.25 of full scale), so the analysis finds
    // both tones of a two-tone mix.
    cw.level_dbm0 = -8.8;
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(48100, 48999)
        .codecs(codecs.iter().copied())
        .call_waiting_tone(cw)
        .shared_device(shared)
        .audio_factory(Arc::new(move |call| {
            let src: Box<dyn AudioSource> = Box::new(ToneSource::new(RATE, tone_hz, 0.25));
            let sink = MemorySink::new(RATE);
            opened.lock().unwrap().push((call, sink.handle()));
            Ok((src, Box::new(sink) as Box<dyn AudioSink>))
        }))
        .build()
        .unwrap();
    Engine::new(cfg)
}

fn session(e: &Engine) -> (CallId, Box<dyn CallMedia>) {
    // Events are not looked at here: the receiver may go.
    let (tx, _rx) = mpsc::unbounded_channel();
    let call = CallId::next();
    (
        call,
        e.create_session(call, MediaEventSink::new(call, tx))
            .unwrap(),
    )
}

/// What offer/answer would agree (PCMU, 20 ms), for `local` talking to
/// `remote`, with our direction `dir`.
fn negotiated(
    local: &MediaDescription,
    remote: &MediaDescription,
    dir: MediaDirection,
) -> NegotiatedMedia {
    negotiated_codec(local, remote, dir, "PCMU")
}

fn negotiated_codec(
    local: &MediaDescription,
    remote: &MediaDescription,
    dir: MediaDirection,
    name: &str,
) -> NegotiatedMedia {
    let (l, r) = (local.audio().unwrap(), remote.audio().unwrap());
    let codec = r
        .codecs
        .iter()
        .find(|c| c.encoding.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap();
    let pt = codec.payload_type.unwrap();
    let mut send = SendChannel::new(r.rtp.unwrap(), codec, pt);
    send.remote_rtcp = r.rtcp_addr().unwrap();
    send.ptime = Duration::from_millis(20);
    let recv = RecvChannel::new(
        l.codecs
            .iter()
            .filter(|c| !c.is_telephone_event())
            .map(|c| (c.payload_type.unwrap(), c.clone()))
            .collect(),
    );
    let mut stream = NegotiatedStream::audio(l.rtp.unwrap())
        .with_send(send)
        .with_recv(recv);
    stream.direction = dir;
    NegotiatedMedia::from(stream)
}

/// A call between a session of `a` and a session of `b`, both sending
/// and receiving.
struct Leg {
    call: CallId,
    ours: Box<dyn CallMedia>,
    theirs: Box<dyn CallMedia>,
}

fn connect(a: &Engine, b: &Engine) -> Leg {
    connect_with(a, b, "PCMU")
}

fn connect_with(a: &Engine, b: &Engine, codec: &str) -> Leg {
    let (call, mut ours) = session(a);
    let (_, mut theirs) = session(b);
    let (o, t) = (ours.local_description(), theirs.local_description());
    let dir = MediaDirection::SendRecv;
    ours.apply(&negotiated_codec(&o, &t, dir, codec)).unwrap();
    theirs.apply(&negotiated_codec(&t, &o, dir, codec)).unwrap();
    Leg { call, ours, theirs }
}

impl Leg {
    /// Our side holds (sendonly), or resumes.
    fn hold(&mut self, held: bool) {
        let (o, t) = (
            self.ours.local_description(),
            self.theirs.local_description(),
        );
        let (ours, theirs) = if held {
            (MediaDirection::SendOnly, MediaDirection::RecvOnly)
        } else {
            (MediaDirection::SendRecv, MediaDirection::SendRecv)
        };
        self.ours.apply(&negotiated(&o, &t, ours)).unwrap();
        self.theirs.apply(&negotiated(&t, &o, theirs)).unwrap();
    }
}

/// The most recent recording opened for `call`.
fn last_opened(opened: &Opened, call: Option<CallId>) -> MemoryHandle {
    let o = opened.lock().unwrap();
    o.iter()
        .rev()
        .find(|(c, _)| call.is_none_or(|x| *c == x))
        .map(|(_, h)| h.clone())
        .expect("a device was opened")
}

/// Records for `ms` and returns what each handle recorded meanwhile.
async fn window(handles: &[&MemoryHandle], ms: u64) -> Vec<Vec<i16>> {
    let starts: Vec<usize> = handles.iter().map(|h| h.len()).collect();
    tokio::time::sleep(Duration::from_millis(ms)).await;
    handles
        .iter()
        .zip(starts)
        .map(|(h, s)| h.samples().get(s..).unwrap_or_default().to_vec())
        .collect()
}

/// Asserts which of `freqs` `pcm` holds.
fn hears(who: &str, pcm: &[i16], present: &[f32], absent: &[f32]) {
    assert!(
        pcm.len() >= RATE as usize / 2,
        "{who}: only {} samples",
        pcm.len()
    );
    for &f in present {
        assert!(tone_present(pcm, RATE, f, TOL), "{who} should hear {f} Hz");
    }
    for &f in absent {
        assert!(
            !tone_present(pcm, RATE, f, TOL),
            "{who} should not hear {f} Hz"
        );
    }
}

/// Goertzel amplitude of `freq` in `x` (for level comparisons).
fn level(x: &[i16], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(RATE);
    let c = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s0 = f64::from(v) + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - c * s1 * s2).max(0.0).sqrt()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_party_conference_each_hears_the_others_never_itself() {
    let (lo, bo, co): (Opened, Opened, Opened) = Default::default();
    let (l, b, c) = (
        engine(L_HZ, lo.clone()),
        engine(B_HZ, bo.clone()),
        engine(C_HZ, co.clone()),
    );
    let lb = connect(&l, &b);
    let lc = connect(&l, &c);
    let b_hears = last_opened(&bo, None);
    let c_hears = last_opened(&co, None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Before the conference: two separate calls, each on its own device.
    let w = window(&[&b_hears, &c_hears], 800).await;
    hears("B before", &w[0], &[L_HZ], &[C_HZ, B_HZ]);
    hears("C before", &w[1], &[L_HZ], &[B_HZ, C_HZ]);
    assert!(!l.is_device_shared());
    // Calls with devices of their own get no call-waiting tone.
    let (waiting, _w) = session(&l);
    assert!(l.call_waiting(waiting, true).is_err());
    assert!(!l.is_device_shared());

    l.join(&[lb.call, lc.call]).unwrap();
    assert!(l.is_device_shared());
    let mut both = vec![lb.call, lc.call];
    both.sort();
    assert_eq!(l.mixed_calls(), both);
    let speaker = last_opened(&lo, Some(lb.call));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let w = window(&[&b_hears, &c_hears, &speaker], 1200).await;
    hears("B", &w[0], &[C_HZ, L_HZ], &[B_HZ]);
    hears("C", &w[1], &[B_HZ, L_HZ], &[C_HZ]);
    hears("local speaker", &w[2], &[B_HZ, C_HZ], &[L_HZ]);

    // Nobody hears a muted call; a muted microphone is heard by no call.
    l.set_call_muted(lb.call, true).unwrap();
    l.set_microphone_muted(true);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let w = window(&[&c_hears, &speaker], 800).await;
    hears("C, B muted", &w[0], &[], &[B_HZ, L_HZ, C_HZ]);
    hears("speaker, B muted", &w[1], &[C_HZ], &[B_HZ, L_HZ]);
    l.set_call_muted(lb.call, false).unwrap();
    l.set_microphone_muted(false);

    // A call's volume: C 12 dB down at the speaker; master volume on top.
    l.set_call_volume(lc.call, -12.0).unwrap();
    l.set_master_volume(-6.0).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let w = window(&[&speaker], 800).await;
    let (bl, cl) = (level(&w[0], B_HZ.into()), level(&w[0], C_HZ.into()));
    let diff = 20.0 * (cl / bl).log10();
    assert!((diff + 12.0).abs() < 1.5, "C is {diff:.1} dB against B");
    let w_full = level(&w[0], B_HZ.into());
    l.set_master_volume(0.0).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let w = window(&[&speaker], 800).await;
    let master = 20.0 * (w_full / level(&w[0], B_HZ.into())).log10();
    assert!(
        (master + 6.0).abs() < 1.5,
        "master -6 dB gave {master:.1} dB"
    );
    l.set_call_volume(lc.call, 0.0).unwrap();

    // Split C: back on its own device; B and C no longer hear each other.
    l.split(lc.call).unwrap();
    assert_eq!(l.mixed_calls(), vec![lb.call]);
    let c_own = last_opened(&lo, Some(lc.call));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let w = window(&[&b_hears, &c_hears, &speaker, &c_own], 1000).await;
    hears("B after split", &w[0], &[L_HZ], &[C_HZ, B_HZ]);
    hears("C after split", &w[1], &[L_HZ], &[B_HZ, C_HZ]);
    hears("speaker after split", &w[2], &[B_HZ], &[C_HZ, L_HZ]);
    hears("C's own device", &w[3], &[C_HZ], &[B_HZ, L_HZ]);

    // The last call out of the mix closes the shared device.
    l.split(lb.call).unwrap();
    assert!(!l.is_device_shared());
    drop((lb, lc));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_waiting_tone_then_hold_and_answer() {
    let (lo, bo, co): (Opened, Opened, Opened) = Default::default();
    let (l, b, c) = (
        engine_with(L_HZ, lo.clone(), &["PCMU"], true),
        engine(B_HZ, bo.clone()),
        engine(C_HZ, co.clone()),
    );
    let mut lb = connect(&l, &b);
    let b_hears = last_opened(&bo, None);
    // The shared device: the mixer's from the first call on.
    assert!(l.is_device_shared());
    assert_eq!(l.mixed_calls(), vec![lb.call]);
    let speaker = last_opened(&lo, Some(lb.call));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let w = window(&[&speaker, &b_hears], 800).await;
    hears("speaker, one call", &w[0], &[B_HZ], &[L_HZ, CW_HZ]);
    hears("B, one call", &w[1], &[L_HZ], &[B_HZ]);

    // C calls while L talks to B: L hears B and the waiting tone.
    let (c_call, mut c_ours) = session(&l);
    l.call_waiting(c_call, true).unwrap();
    assert_eq!(l.mixed_calls(), vec![lb.call]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let w = window(&[&speaker, &b_hears], 1000).await;
    hears("speaker, waiting", &w[0], &[B_HZ, CW_HZ], &[L_HZ]);
    // The tone is the local user's alone.
    hears("B, waiting", &w[1], &[L_HZ], &[CW_HZ]);

    // Answer C: the tone stops and B is parked at once (held in the mix
    // before any hold is signalled): L talks to C, B hears nothing.
    let (_, mut c_theirs) = session(&c);
    let (o, t) = (c_ours.local_description(), c_theirs.local_description());
    c_ours
        .apply(&negotiated(&o, &t, MediaDirection::SendRecv))
        .unwrap();
    c_theirs
        .apply(&negotiated(&t, &o, MediaDirection::SendRecv))
        .unwrap();
    let c_hears = last_opened(&co, None);
    let mut both = vec![lb.call, c_call];
    both.sort();
    assert_eq!(l.mixed_calls(), both);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let w = window(&[&speaker, &b_hears, &c_hears], 800).await;
    hears("speaker, answered", &w[0], &[C_HZ], &[B_HZ, CW_HZ, L_HZ]);
    hears("C, answered", &w[2], &[L_HZ], &[B_HZ, CW_HZ, C_HZ]);
    assert!(
        openphone_hal::analysis::rms(&w[1]) < 50.0,
        "parked B hears silence"
    );
    // The hold is signalled: nothing changes.
    lb.hold(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let w = window(&[&speaker, &b_hears], 800).await;
    hears("speaker, B held", &w[0], &[C_HZ], &[B_HZ, L_HZ]);
    assert!(
        openphone_hal::analysis::rms(&w[1]) < 50.0,
        "held B hears silence"
    );

    // Swap: hold C, resume B.
    let mut c_leg = Leg {
        call: c_call,
        ours: c_ours,
        theirs: c_theirs,
    };
    c_leg.hold(true);
    lb.hold(false);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let w = window(&[&speaker, &b_hears], 1000).await;
    hears("speaker, swapped", &w[0], &[B_HZ], &[C_HZ, L_HZ]);
    hears("B, swapped", &w[1], &[L_HZ], &[C_HZ]);

    // Conferencing all three: nobody parked or held any more.
    c_leg.hold(false);
    l.join(&[lb.call, c_call]).unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let w = window(&[&speaker, &b_hears, &c_hears], 1000).await;
    hears("speaker, 3-way", &w[0], &[B_HZ, C_HZ], &[L_HZ]);
    hears("B, 3-way", &w[1], &[L_HZ, C_HZ], &[B_HZ]);
    hears("C, 3-way", &w[2], &[L_HZ, B_HZ], &[C_HZ]);

    // Both calls end: the device is no longer shared.
    lb.ours.stop();
    c_leg.ours.stop();
    assert!(!l.is_device_shared());
}

/// A G.711 call (8 kHz) and a G.722 call (16 kHz) in one conference: the
/// mixer resamples, and each still hears the other and the local user but
/// not itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conference_across_sample_rates() {
    let (lo, bo, co): (Opened, Opened, Opened) = Default::default();
    let (l, b, c) = (
        engine_with(L_HZ, lo.clone(), &["PCMU", "G722"], false),
        engine_with(B_HZ, bo.clone(), &["PCMU"], false),
        engine_with(C_HZ, co.clone(), &["G722"], false),
    );
    let lb = connect_with(&l, &b, "PCMU");
    let lc = connect_with(&l, &c, "G722");
    let (b_hears, c_hears) = (last_opened(&bo, None), last_opened(&co, None));
    l.join(&[lb.call, lc.call]).unwrap();
    let speaker = last_opened(&lo, Some(lb.call));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let w = window(&[&b_hears, &c_hears, &speaker], 1200).await;
    hears("B (G.711)", &w[0], &[C_HZ, L_HZ], &[B_HZ]);
    hears("C (G.722)", &w[1], &[B_HZ, L_HZ], &[C_HZ]);
    hears("local speaker", &w[2], &[B_HZ, C_HZ], &[L_HZ]);
    drop((lb, lc));
}
