//! Conference mixer cost per 20 ms tick: every party pushes a frame, one
//! mix, every party pulls its frame.
//!
//! * `same rate`: all parties at 8 kHz (an all-G.711 conference): no
//!   resampling, the pure mixing cost.
//! * `mixed rates`: a 48 kHz device and calls at 8/16/48 kHz in turn, so
//!   the mix runs at 48 kHz and every narrower party is resampled twice.
//!
//! Run: `cargo bench -p openphone-media --bench mixer`

use criterion::{criterion_group, criterion_main, Criterion};
use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig, PartyId};

/// A mixer with `parties` parties (the device first) and a frame per party.
fn setup(parties: usize, mixed: bool) -> (Mixer, Vec<(PartyId, Vec<i16>)>) {
    let rate = |i: usize| {
        if mixed {
            [48_000, 8000, 16_000][i % 3]
        } else {
            8000
        }
    };
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(rate(0), 20))).unwrap();
    let mut ids = vec![m.local()];
    for i in 1..parties {
        ids.push(m.add_party(PartyConfig::new(rate(i), 20)).unwrap());
    }
    let frames = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let n = m.party_config(id).unwrap().frame_len();
            let f = (0..n)
                .map(|k| (((k * (i + 3) * 97) % 6000) as i32 - 3000) as i16)
                .collect();
            (id, f)
        })
        .collect();
    (m, frames)
}

fn tick(m: &mut Mixer, frames: &mut [(PartyId, Vec<i16>)], out: &mut [i16]) {
    for (id, f) in frames.iter() {
        m.push(*id, f).unwrap();
    }
    m.mix().unwrap();
    for (id, f) in frames.iter() {
        let out = &mut out[..f.len()];
        assert!(m.pull(*id, out).unwrap());
    }
}

fn bench(c: &mut Criterion) {
    for parties in [3usize, 10] {
        for mixed in [false, true] {
            let (mut m, mut frames) = setup(parties, mixed);
            let mut out = vec![0i16; 960];
            let name = format!(
                "mixer {parties}-party 20ms tick, {}",
                if mixed {
                    "mixed rates (48k mix)"
                } else {
                    "same rate (8k)"
                }
            );
            c.bench_function(&name, |b| b.iter(|| tick(&mut m, &mut frames, &mut out)));
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
