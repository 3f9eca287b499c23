//! Jitter buffer cost per packet: one push and one pop in steady state,
//! in order and with every 4th pair swapped (reordering).
//!
//! `cargo bench -p openphone-media --bench jitter`

use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use openphone_media::jitter::{JitterBuffer, JitterConfig, Pop};

fn run(jb: &mut JitterBuffer, t0: Instant, n: u16, reorder: bool, payload: &[u8]) -> usize {
    let mut frames = 0;
    let mut i = 0u16;
    while i < n {
        let t = t0 + Duration::from_millis(20 * i as u64);
        if reorder && i % 4 == 0 && i + 1 < n {
            jb.push(t, i + 1, (i as u32 + 1) * 160, 0, payload);
            jb.push(t, i, i as u32 * 160, 0, payload);
            for _ in 0..2 {
                if matches!(jb.pop(t), Pop::Frame { .. }) {
                    frames += 1;
                }
            }
            i += 2;
            continue;
        }
        jb.push(t, i, i as u32 * 160, 0, payload);
        if matches!(jb.pop(t), Pop::Frame { .. }) {
            frames += 1;
        }
        i += 1;
    }
    frames
}

fn bench(c: &mut Criterion) {
    let payload = [0x55u8; 160];
    let mut g = c.benchmark_group("jitter_push_pop");
    g.throughput(Throughput::Elements(1000));
    for (name, reorder) in [("in order", false), ("reordered", true)] {
        g.bench_function(name, |b| {
            let t0 = Instant::now();
            // Construction (the one allocation) is outside the measurement.
            b.iter_batched(
                || JitterBuffer::new(JitterConfig::default()),
                |mut jb| black_box(run(&mut jb, t0, 1000, reorder, &payload)),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
