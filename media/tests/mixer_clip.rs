//! Full-scale inputs saturate, never wrap: many loud parties, maximum
//! gains, and resampled paths all stay on the right side of zero.

use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig, PartyId, MAX_GAIN_DB};

/// Pushes `value` from every party except the listener for `ticks` ticks
/// and returns what the listener heard.
fn drive(
    m: &mut Mixer,
    talkers: &[PartyId],
    listener: PartyId,
    value: i16,
    ticks: usize,
) -> Vec<i16> {
    let mut heard = Vec::new();
    let listen_len = m.party_config(listener).unwrap().frame_len();
    let mut out = vec![0i16; listen_len];
    for _ in 0..ticks {
        for &t in talkers {
            let n = m.party_config(t).unwrap().frame_len();
            m.push(t, &vec![value; n]).unwrap();
        }
        m.push(listener, &vec![0; listen_len]).unwrap();
        m.mix().unwrap();
        for id in m.parties().collect::<Vec<_>>() {
            let n = m.party_config(id).unwrap().frame_len();
            let mut sink = vec![0i16; n];
            if id == listener {
                m.pull(id, &mut out).unwrap();
                heard.extend_from_slice(&out);
            } else {
                m.pull(id, &mut sink).unwrap();
            }
        }
    }
    heard
}

#[test]
fn ten_full_scale_parties_at_one_rate_saturate() {
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(8000, 20))).unwrap();
    let talkers: Vec<_> = (0..9)
        .map(|_| m.add_party(PartyConfig::new(8000, 20)).unwrap())
        .collect();
    let me = m.local();
    // 9 × 32 767 would wrap an i16 sum to a negative value.
    let up = drive(&mut m, &talkers, me, i16::MAX, 3);
    assert!(up.iter().all(|&s| s == i16::MAX));
    let down = drive(&mut m, &talkers, me, i16::MIN, 3);
    assert!(down.iter().all(|&s| s == i16::MIN));
    assert_eq!(m.stats(me).unwrap().clipped, 6 * 160);
    // The talkers hear each other (8 × full scale), clipped the same way.
    let t0 = m.stats(talkers[0]).unwrap();
    assert_eq!(t0.clipped, 6 * 160);

    // Maximum party, listening and master gains on top.
    for &t in &talkers {
        m.set_volume(t, MAX_GAIN_DB).unwrap();
    }
    m.set_listen_volume(me, MAX_GAIN_DB).unwrap();
    m.set_master_volume(MAX_GAIN_DB).unwrap();
    assert!(drive(&mut m, &talkers, me, i16::MAX, 2)
        .iter()
        .all(|&s| s == i16::MAX));
    assert!(drive(&mut m, &talkers, me, i16::MIN, 2)
        .iter()
        .all(|&s| s == i16::MIN));
    // And a quiet signal amplified past full scale keeps its sign.
    assert!(drive(&mut m, &talkers, me, 1, 2).iter().all(|&s| s > 0));
    assert!(drive(&mut m, &talkers, me, -1, 2).iter().all(|&s| s < 0));
}

#[test]
fn full_scale_through_resamplers_saturates() {
    // A 48 kHz listener and talkers at 8 and 16 kHz: the up-sampled sum.
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(48_000, 20))).unwrap();
    let talkers: Vec<_> = (0..9)
        .map(|i| {
            let rate = if i % 2 == 0 { 8000 } else { 16_000 };
            m.add_party(PartyConfig::new(rate, 20)).unwrap()
        })
        .collect();
    let me = m.local();
    let up = drive(&mut m, &talkers, me, i16::MAX, 10);
    let down = drive(&mut m, &talkers, me, i16::MIN, 10);
    // Steady state (after the 5 ms resampler delay and the step's ringing).
    assert!(up[960..].iter().all(|&s| s == i16::MAX));
    assert!(down[960..].iter().all(|&s| s == i16::MIN));
    // An 8 kHz talker hears the others down-sampled: clipped, not wrapped.
    let mut out = [0i16; 160];
    for _ in 0..5 {
        for &t in &talkers {
            let n = m.party_config(t).unwrap().frame_len();
            m.push(t, &vec![i16::MAX; n]).unwrap();
        }
        m.mix().unwrap();
        m.pull(talkers[0], &mut out).unwrap();
    }
    assert!(out.iter().all(|&s| s == i16::MAX), "{:?}", &out[..8]);
}
