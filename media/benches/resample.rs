//! Resampler cost per 20 ms frame at the device boundary (mono).
//!
//! Run: `cargo bench -p openphone-media --bench resample`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use openphone_media::resample::Resampler;

fn bench(c: &mut Criterion) {
    for (from, to) in [
        (8000u32, 48000u32),
        (48000, 8000),
        (16000, 48000),
        (48000, 16000),
    ] {
        let frame = from as usize / 50;
        let mut r = Resampler::new(from, to, frame).unwrap();
        let input: Vec<i16> = (0..frame)
            .map(|i| ((i as f32 * 0.3).sin() * 8000.0) as i16)
            .collect();
        let mut out = vec![0i16; r.max_output_len()];
        c.bench_function(&format!("resample {from}->{to} 20ms"), |b| {
            b.iter(|| r.process(black_box(&input), &mut out).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
