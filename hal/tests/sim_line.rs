//! The simulated line card through a whole call as a stack would drive
//! it: off-hook, dial tone heard, digits dialled in-band, ringback,
//! answer, hook-flash to a second call, on-hook; and the card's refusals.

use openphone_hal::analysis::{rms, tone_present};
use openphone_hal::line::{
    AbsenceReason, Cadence, CallerId, Country, FskCallerId, HookState, LineCapability, LineDevice,
    LineError, LineEvent, LineSignal, SimLine, Tone,
};
use openphone_hal::{AudioSink, AudioSource};

const RATE: u32 = 8000;

fn events(line: &mut dyn LineDevice) -> Vec<LineEvent> {
    std::iter::from_fn(|| line.poll_event()).collect()
}

/// Writes `ms` of far-end silence to the earpiece and returns what the
/// phone heard.
fn listen(ear: &mut impl AudioSink, phone: &openphone_hal::line::SimPhone, ms: usize) -> Vec<i16> {
    for _ in 0..ms / 20 {
        ear.write(&[0; 160]).expect("write");
    }
    phone.take_heard()
}

#[test]
fn a_call_from_the_phone_with_flash_to_a_second_call() {
    let sim = SimLine::new("sim0", Country::Us, RATE).expect("rate");
    let phone = sim.phone();
    let (mut mouth, mut ear) = sim.sound_path();
    let mut line: Box<dyn LineDevice> = Box::new(sim);
    assert!(line.capabilities().has(LineCapability::CallerId));

    // Off-hook: the stack plays dial tone, the user hears 350 + 440 Hz.
    phone.lift();
    assert_eq!(events(&mut *line), [LineEvent::Hook(HookState::OffHook)]);
    line.signal(LineSignal::Tone(Tone::Dial)).expect("tone");
    let heard = listen(&mut ear, &phone, 1000);
    assert!(tone_present(&heard, RATE, 350.0, 5.0) && tone_present(&heard, RATE, 440.0, 5.0));

    // The user dials in-band; the card reports each digit once.
    phone.dial("5551234#").expect("off-hook");
    let digits: String = events(&mut *line)
        .into_iter()
        .map(|e| match e {
            LineEvent::Digit(d) => d,
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(digits, "5551234#");
    // The tones went up the line too (1 s of digits and pauses).
    let mut sent = vec![0i16; 8 * 960];
    mouth.read(&mut sent).expect("read");
    assert!(rms(&sent) > 1000.0);

    // Ringback: 440 + 480 Hz, 2 s on, 4 s off.
    line.signal(LineSignal::Tone(Tone::Ringback)).expect("tone");
    let heard = listen(&mut ear, &phone, 6000);
    let (on, off) = heard.split_at(2 * RATE as usize);
    assert!(tone_present(on, RATE, 480.0, 5.0));
    assert!(rms(&off[800..]) < 1.0, "ringback must pause");

    // Answer: the tone stops, the far end's voice is heard as sent.
    line.signal(LineSignal::StopTone).expect("stop");
    let voice: Vec<i16> = (0..1600)
        .map(|n| (8000.0 * (n as f64 * 0.3).sin()) as i16)
        .collect();
    ear.write(&voice).expect("write");
    assert_eq!(phone.take_heard(), voice);

    // A second call waits: call-waiting tone with off-hook caller-ID.
    let second = CallerId::from_number("5559876").expect("valid");
    line.signal(LineSignal::Tone(Tone::CallWaiting))
        .expect("tone");
    line.signal(LineSignal::CallerId(second.clone()))
        .expect("caller-ID");
    assert_eq!(phone.caller_id(), Some(second.clone()));
    let off_hook = FskCallerId::bell202().off_hook().render(&second, RATE);
    assert_eq!(phone.caller_id_signal(), off_hook.expect("renders"));
    let heard = listen(&mut ear, &phone, 400);
    assert!(tone_present(&heard, RATE, 440.0, 5.0));

    // The user flashes to take it, then hangs up.
    assert!(phone.flash());
    assert_eq!(events(&mut *line), [LineEvent::Flash]);
    line.signal(LineSignal::StopTone).expect("stop");
    phone.hang_up();
    assert_eq!(events(&mut *line), [LineEvent::Hook(HookState::OnHook)]);
    assert!(!phone.flash());
    assert!(phone.dial("1").is_err());
    assert!(events(&mut *line).is_empty());

    // The card kept every signal it was given, in order.
    let asked: Vec<String> = phone.signals().iter().map(ToString::to_string).collect();
    assert_eq!(
        asked,
        [
            "play dial tone",
            "play ringback tone",
            "stop tone",
            "play call-waiting tone",
            "caller-ID 5559876",
            "stop tone",
        ]
    );
}

#[test]
fn an_incoming_call_rings_with_caller_id_until_answered() {
    let mut line = SimLine::new("sim1", Country::De, RATE).expect("rate");
    let phone = line.phone();
    let id = CallerId::withheld(AbsenceReason::Private);
    let ring = LineSignal::Ring {
        cadence: Cadence::ring(Country::De),
        caller_id: Some(id.clone()),
    };
    line.signal(ring.clone()).expect("rings");
    assert_eq!(phone.ring_cadence(), Some(Cadence::ring(Country::De)));
    assert_eq!(
        phone.caller_id_signal(),
        FskCallerId::v23().render(&id, RATE).expect("renders")
    );
    line.signal(LineSignal::MessageWaiting(true)).expect("mwi");
    assert!(phone.message_waiting());

    phone.lift();
    assert!(!phone.is_ringing());
    // Ringing an off-hook phone is refused, and so is dialling through it.
    assert!(matches!(
        line.signal(ring),
        Err(LineError::WrongHookState {
            state: HookState::OffHook,
            ..
        })
    ));
    assert!(line.signal(LineSignal::Digits("1x".into())).is_err());
    // Digit playout is heard by the phone (two DTMF bursts).
    line.signal(LineSignal::Digits("12".into()))
        .expect("playout");
    let (_, mut ear) = line.sound_path();
    for _ in 0..20 {
        ear.write(&[0; 160]).expect("write");
    }
    let heard = phone.take_heard();
    assert!(rms(&heard[..480]) > 3000.0 && rms(&heard[500..960]) < 1.0);
}

#[test]
fn speech_into_the_mouthpiece_is_not_dialling_and_on_hook_is_silent() {
    let line = SimLine::new("sim2", Country::Uk, 16000).expect("rate");
    let phone = line.phone();
    let (mut mouth, mut ear) = line.sound_path();
    let speech: Vec<i16> = (0..16000)
        .map(|n| {
            let t = n as f64 / 16000.0;
            let f0 = 140.0 + 40.0 * (6.0 * t).sin();
            (3000.0
                * ((f0 * t * std::f64::consts::TAU).sin()
                    + 0.5 * (2.0 * f0 * t * std::f64::consts::TAU).sin())) as i16
        })
        .collect();
    phone.speak(&speech); // on-hook: ignored
    phone.lift();
    phone.speak(&speech);
    let mut up = vec![0; 16000];
    mouth.read(&mut up).expect("read");
    assert_eq!(up, speech);
    let mut line = line;
    assert_eq!(events(&mut line), [LineEvent::Hook(HookState::OffHook)]);
    phone.hang_up();
    ear.write(&speech).expect("write");
    assert!(phone.take_heard().is_empty());
    assert!(SimLine::new("bad", Country::Us, 4000).is_err());
}
