//! Bridge and call waiting: hold, music on hold, the call-waiting tone,
//! mute, volumes, parties joining and leaving, late parties.

mod mixer_common;

use mixer_common::{db, goertzel, run, Probe, Sine, Source};
use openphone_hal::line::{Cadence, Country, Tone, TonePattern, TonePlan};
use openphone_media::mixer::{MixRate, Mixer, MixerConfig, MixerError, PartyConfig, DBM0_PEAK};

const AMP: f64 = 8000.0;

fn tone(m: &Mixer, id: openphone_media::mixer::PartyId, freq: f64) -> Probe {
    let rate = m.party_config(id).unwrap().rate;
    Probe::new(m, id, Source::Tone(Sine::new(rate, freq, AMP)))
}

/// Level in dB relative to [`AMP`] of `freq` in `p`'s output, 100..300 ms
/// after `from_ms`.
fn level(p: &Probe, from_ms: usize, freq: f64) -> f64 {
    db(
        goertzel(p.window(from_ms + 100, from_ms + 300), p.rate, freq),
        AMP,
    )
}

#[test]
fn activate_holds_the_others_who_hear_music() {
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(16_000, 20))).unwrap();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let b = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    m.set_hold_music(Some(PartyConfig::new(8000, 20))).unwrap();
    let mut music = Sine::new(8000, 2500.0, AMP);
    let mut p = vec![
        tone(&m, m.local(), 500.0),
        tone(&m, a, 1000.0),
        tone(&m, b, 1500.0),
    ];

    m.activate(a).unwrap();
    assert!(!m.is_held(a).unwrap() && m.is_held(b).unwrap());
    let mut frame = [0i16; 160];
    for _ in 0..15 {
        music.fill(&mut frame);
        m.push_hold_music(&frame).unwrap();
        run(&mut m, &mut p, 1).unwrap();
    }
    // Local and A talk; B is neither heard nor hears them, only music.
    assert!(level(&p[0], 0, 1000.0).abs() < 0.5);
    assert!(level(&p[0], 0, 1500.0) < -80.0);
    assert!(level(&p[1], 0, 500.0).abs() < 0.5);
    assert!(level(&p[1], 0, 1500.0) < -80.0);
    assert!(level(&p[2], 0, 2500.0).abs() < 0.5);
    assert!(level(&p[2], 0, 500.0) < -80.0);
    assert!(level(&p[2], 0, 1000.0) < -80.0);
    // Nobody else hears the music.
    assert!(level(&p[0], 0, 2500.0) < -80.0);
    assert!(level(&p[1], 0, 2500.0) < -80.0);

    // Swap: now B is active and A hears silence (no music any more).
    m.set_hold_music(None).unwrap();
    m.activate(b).unwrap();
    run(&mut m, &mut p, 15).unwrap();
    assert!(level(&p[0], 300, 1500.0).abs() < 0.5);
    assert!(level(&p[0], 300, 1000.0) < -80.0);
    assert!(p[1].window(400, 600).iter().all(|&s| s == 0));

    // Everyone joined: a three-way conference.
    m.set_held(a, false).unwrap();
    run(&mut m, &mut p, 15).unwrap();
    assert!(level(&p[1], 600, 500.0).abs() < 0.5);
    assert!(level(&p[1], 600, 1500.0).abs() < 0.5);

    // Holding every call leaves the local user alone.
    m.activate(m.local()).unwrap();
    assert!(m.is_held(a).unwrap() && m.is_held(b).unwrap());
}

#[test]
fn call_waiting_tone_follows_its_cadence_and_level() {
    // 440 Hz, 300 ms every 10 s, at the US level (−13 dBm0), repeating.
    let mut spec = TonePlan::for_country(Country::Us)
        .tone(Tone::CallWaiting)
        .clone();
    spec.pattern = TonePattern::Repeating(Cadence::from_millis(&[(300, 9700)]).unwrap());
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(16_000, 20))).unwrap();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let mut p = vec![
        Probe::new(&m, m.local(), Source::Silent),
        tone(&m, a, 1000.0),
    ];
    m.play_tone(m.local(), &spec).unwrap();
    run(&mut m, &mut p, 520).unwrap(); // 10.4 s

    let expected = DBM0_PEAK * 10f64.powf(-13.0 / 20.0);
    let burst = |from_ms: usize| goertzel(p[0].window(from_ms + 20, from_ms + 280), 16_000, 440.0);
    let first = db(burst(0), expected);
    let second = db(burst(10_000), expected);
    println!("call-waiting tone: bursts at {first:+.2} dB and {second:+.2} dB of −13 dBm0");
    assert!(first.abs() < 0.5 && second.abs() < 0.5);
    // Silent between the bursts, and the call stays audible all along.
    let gap = p[0].window(320, 9980);
    assert!(goertzel(gap, 16_000, 440.0) < 1.0);
    assert!(level(&p[0], 5000, 1000.0).abs() < 0.5);
    // Only the local user hears it.
    assert!(goertzel(p[1].window(0, 300), 8000, 440.0) < 1.0);
    assert!(m.is_tone_playing(m.local()).unwrap());
    m.stop_tone(m.local()).unwrap();
    assert!(!m.is_tone_playing(m.local()).unwrap());
}

#[test]
fn burst_tone_ends_by_itself() {
    // The US plan's call-waiting tone: two bursts ten seconds apart.
    let plan = TonePlan::for_country(Country::Us);
    let spec = plan.tone(Tone::CallWaiting);
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(8000, 20))).unwrap();
    m.play_tone(m.local(), spec).unwrap();
    let mut p = vec![Probe::new(&m, m.local(), Source::Silent)];
    run(&mut m, &mut p, 990).unwrap();
    assert!(m.is_tone_playing(m.local()).unwrap());
    run(&mut m, &mut p, 20).unwrap(); // past 20 s
    assert!(!m.is_tone_playing(m.local()).unwrap());
    let on = |from| goertzel(p[0].window(from, from + 300), 8000, 440.0);
    assert!(on(0) > 1000.0 && on(10_000) > 1000.0);
    assert!(p[0].window(10_400, 20_200).iter().all(|&s| s == 0));
}

#[test]
fn mute_and_volumes() {
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(8000, 20))).unwrap();
    let me = m.local();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let b = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let mut p = vec![
        tone(&m, me, 500.0),
        tone(&m, a, 1000.0),
        tone(&m, b, 1500.0),
    ];

    // Microphone mute: nobody hears the local user, who still hears all.
    m.set_muted(me, true).unwrap();
    assert!(m.is_muted(me).unwrap());
    run(&mut m, &mut p, 15).unwrap();
    assert!(level(&p[1], 0, 500.0) < -80.0);
    assert!(level(&p[2], 0, 500.0) < -80.0);
    assert!(level(&p[0], 0, 1000.0).abs() < 0.1);
    m.set_muted(me, false).unwrap();

    // A at −6 dB to everyone; B listens 6 dB louder; master −6 dB.
    m.set_volume(a, -6.0).unwrap();
    m.set_listen_volume(b, 6.0).unwrap();
    run(&mut m, &mut p, 15).unwrap();
    assert!((level(&p[0], 300, 1000.0) + 6.0).abs() < 0.05);
    assert!((level(&p[2], 300, 1000.0) - 0.0).abs() < 0.05);
    assert!((level(&p[2], 300, 500.0) - 6.0).abs() < 0.05);
    m.set_master_volume(-6.0).unwrap();
    run(&mut m, &mut p, 15).unwrap();
    assert!((level(&p[0], 600, 1000.0) + 12.0).abs() < 0.05);
    assert!((level(&p[1], 600, 500.0) + 6.0).abs() < 0.05);
    assert_eq!(m.volume(a).unwrap(), -6.0);
    assert_eq!(m.listen_volume(b).unwrap(), 6.0);
    assert_eq!(m.master_volume(), -6.0);
    assert!(matches!(
        m.set_volume(a, f32::NAN),
        Err(MixerError::InvalidGain(_))
    ));
    assert_eq!(m.volume(a).unwrap(), -6.0);
}

#[test]
fn parties_join_and_leave_while_running_and_the_rate_follows() {
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(8000, 20))).unwrap();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let mut p = vec![tone(&m, m.local(), 500.0), tone(&m, a, 1000.0)];
    run(&mut m, &mut p, 10).unwrap();
    assert_eq!(m.mix_rate(), 8000);

    // A fullband party joins: the mix moves to 48 kHz; audio goes on.
    let c = m.add_party(PartyConfig::new(48_000, 20)).unwrap();
    assert_eq!(m.mix_rate(), 48_000);
    p.push(tone(&m, c, 2000.0));
    run(&mut m, &mut p, 15).unwrap();
    assert!(level(&p[0], 200, 1000.0).abs() < 0.5);
    assert!(level(&p[0], 200, 2000.0).abs() < 0.5);
    assert!(level(&p[2], 0, 500.0).abs() < 0.5);
    assert!(level(&p[2], 0, 1000.0).abs() < 0.5);

    // It leaves: back to 8 kHz, its id is dead.
    m.remove_party(c).unwrap();
    let gone = p.pop().unwrap();
    assert_eq!(m.mix_rate(), 8000);
    assert!(!m.contains(gone.id));
    assert_eq!(
        m.push(gone.id, &[0; 960]),
        Err(MixerError::UnknownParty(gone.id))
    );
    run(&mut m, &mut p, 15).unwrap();
    assert!(level(&p[0], 500, 1000.0).abs() < 0.5);
    assert!(level(&p[0], 500, 2000.0) < -80.0);
    assert_eq!(m.party_count(), 2);
    assert_eq!(m.parties().collect::<Vec<_>>(), vec![m.local(), a]);

    // A fixed mixing rate does not move.
    let mut f = Mixer::new(
        MixerConfig::new(PartyConfig::new(8000, 20)).with_mix_rate(MixRate::Fixed(16_000)),
    )
    .unwrap();
    f.add_party(PartyConfig::new(48_000, 20)).unwrap();
    assert_eq!(f.mix_rate(), 16_000);
}

#[test]
fn a_late_party_is_silence_for_that_tick() {
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(8000, 20))).unwrap();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let mut p = vec![
        Probe::new(&m, m.local(), Source::Silent),
        tone(&m, a, 1000.0),
    ];
    run(&mut m, &mut p, 5).unwrap();
    p[1].source = Source::Absent;
    run(&mut m, &mut p, 2).unwrap();
    p[1].source = Source::Tone(Sine::new(8000, 1000.0, AMP));
    run(&mut m, &mut p, 5).unwrap();
    let heard = &p[0].heard;
    assert_eq!(heard.len(), 12 * 160);
    assert!(heard[5 * 160..7 * 160].iter().all(|&s| s == 0));
    assert!(heard[7 * 160..].iter().any(|&s| s != 0));
    assert_eq!(m.stats(a).unwrap().late_ticks, 2);
    // Out of sync is bounded: pushing ahead drops the oldest audio.
    for _ in 0..3 {
        m.push(a, &[1; 160]).unwrap();
    }
    assert_eq!(m.stats(a).unwrap().dropped_input, 160);
}

#[test]
fn long_frames_span_several_ticks() {
    // iLBC-style 30 ms frames on a 10 ms tick.
    let mut m =
        Mixer::new(MixerConfig::new(PartyConfig::new(16_000, 10)).with_tick_ms(10)).unwrap();
    let a = m.add_party(PartyConfig::new(8000, 30)).unwrap();
    let mut p = vec![tone(&m, m.local(), 500.0), tone(&m, a, 1000.0)];
    let mut ready = Vec::new();
    let mut frame = [0i16; 240];
    for _ in 0..9 {
        if m.ticks() % 3 == 0 {
            m.push(a, &[0; 240]).unwrap();
        }
        m.push(m.local(), &[0; 160]).unwrap();
        m.mix().unwrap();
        ready.push(m.pull(a, &mut frame).unwrap());
    }
    assert_eq!(
        ready,
        [false, false, true, false, false, true, false, false, true]
    );
    assert_eq!(m.stats(a).unwrap().late_ticks, 0);
    assert_eq!(m.stats(a).unwrap().frames_pulled, 3);
    // And through the harness, the tone crosses both ways.
    run(&mut m, &mut p, 60).unwrap();
    assert!(level(&p[0], 200, 1000.0).abs() < 0.5);
    assert!(level(&p[1], 200, 500.0).abs() < 0.5);
}

#[test]
fn refuses_what_it_cannot_do() {
    let mut m =
        Mixer::new(MixerConfig::new(PartyConfig::new(8000, 20)).with_max_parties(2)).unwrap();
    let me = m.local();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    assert_eq!(
        m.add_party(PartyConfig::new(8000, 20)),
        Err(MixerError::TooManyParties(2))
    );
    assert_eq!(m.remove_party(me), Err(MixerError::LocalParty("removed")));
    assert_eq!(m.set_held(me, true), Err(MixerError::LocalParty("held")));
    assert_eq!(
        m.push(a, &[0; 100]),
        Err(MixerError::FrameSize {
            expected: 160,
            got: 100
        })
    );
    assert!(matches!(
        m.pull(a, &mut [0; 10]),
        Err(MixerError::FrameSize { .. })
    ));
    assert_eq!(m.push_hold_music(&[0; 160]), Err(MixerError::NoHoldMusic));
    assert!(matches!(
        m.add_party(PartyConfig::new(8000, 30)),
        Err(MixerError::Config(_))
    ));
    assert!(matches!(
        m.set_hold_music(Some(PartyConfig::new(3000, 20))),
        Err(MixerError::Config(_))
    ));
    let mut bad = TonePlan::for_country(Country::De).tone(Tone::Dial).clone();
    bad.frequencies = vec![6000.0];
    assert!(matches!(m.play_tone(me, &bad), Err(MixerError::Tone(_))));
    // Nothing failed changed the mixer.
    m.remove_party(a).unwrap();
    assert_eq!(m.party_count(), 1);
    assert!(Mixer::new(MixerConfig::new(PartyConfig::new(8000, 20)).with_tick_ms(0)).is_err());
}
