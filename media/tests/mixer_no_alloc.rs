//! After set-up, the per-tick calls (push, mix, pull, hold music, tones)
//! allocate nothing: counted with a global allocator.

use openphone_hal::line::{Country, Tone, TonePlan};
use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig};

mod counting_alloc;

use counting_alloc::allocations;

#[global_allocator]
static A: counting_alloc::Counting = counting_alloc::Counting;

#[test]
fn ticks_do_not_allocate() {
    // The counter sees allocations at all.
    let before = allocations();
    drop(std::hint::black_box(vec![1u8; 10]));
    assert!(allocations() > before);

    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(48_000, 20))).unwrap();
    let mut ids = vec![m.local()];
    for i in 0..9 {
        let rate = [8000, 16_000, 48_000][i % 3];
        ids.push(m.add_party(PartyConfig::new(rate, 20)).unwrap());
    }
    m.set_hold_music(Some(PartyConfig::new(8000, 20))).unwrap();
    m.set_held(ids[3], true).unwrap();
    m.set_muted(ids[4], true).unwrap();
    m.set_volume(ids[5], -3.0).unwrap();
    m.play_tone(
        m.local(),
        TonePlan::for_country(Country::Uk).tone(Tone::CallWaiting),
    )
    .unwrap();
    let mut frames: Vec<Vec<i16>> = ids
        .iter()
        .map(|&id| {
            let n = m.party_config(id).unwrap().frame_len();
            (0..n).map(|i| ((i * 37) % 4000) as i16 - 2000).collect()
        })
        .collect();
    let music = vec![1000i16; 160];
    let tick = |m: &mut Mixer, frames: &mut [Vec<i16>]| {
        for (id, f) in ids.iter().zip(frames.iter()) {
            m.push(*id, f).unwrap();
        }
        m.push_hold_music(&music).unwrap();
        m.mix().unwrap();
        for (id, f) in ids.iter().zip(frames.iter_mut()) {
            assert!(m.pull(*id, f).unwrap());
        }
    };
    for _ in 0..5 {
        tick(&mut m, &mut frames);
    }
    let before = allocations();
    for _ in 0..100 {
        tick(&mut m, &mut frames);
    }
    assert_eq!(allocations() - before, 0, "allocations in 100 ticks");
}
