//! After set-up, the per-tick calls (push, mix, pull, hold music, tones)
//! allocate nothing: counted with a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use openphone_hal::line::{Country, Tone, TonePlan};
use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig};

struct Counting;

thread_local! {
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        System.realloc(ptr, layout, new)
    }
}

#[global_allocator]
static A: Counting = Counting;

fn allocations() -> u64 {
    COUNT.with(|c| c.get())
}

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
