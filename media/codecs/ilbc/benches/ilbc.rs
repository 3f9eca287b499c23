//! Encode and decode cost per frame, 20 ms and 30 ms modes, on real speech
//! (the F01 test vector of /work/shared/corpora/ilbc).
//!
//! Run: `cargo bench -p openphone-ilbc --bench ilbc`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use openphone_ilbc::{Decoder, Encoder, IlbcMode};

fn speech() -> Vec<i16> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../../shared/corpora/ilbc/F01.INP"
    );
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

fn bench(c: &mut Criterion) {
    let pcm = speech();
    for mode in [IlbcMode::Ms20, IlbcMode::Ms30] {
        let ms = mode.frame_ms();
        let frames: Vec<&[i16]> = pcm.chunks_exact(mode.frame_samples()).collect();
        let mut enc = Encoder::new(mode);
        let mut bits = Vec::new();
        let mut frame = vec![0u8; mode.frame_bytes()];
        for f in &frames {
            enc.encode(f, &mut frame).expect("encode");
            bits.push(frame.clone());
        }

        let mut enc = Encoder::new(mode);
        let mut i = 0usize;
        c.bench_function(&format!("ilbc{ms} encode frame"), |b| {
            b.iter(|| {
                let f = frames[i % frames.len()];
                i += 1;
                enc.encode(black_box(f), &mut frame).expect("encode")
            })
        });

        let mut dec = Decoder::new(mode);
        let mut out = vec![0i16; mode.frame_samples()];
        let mut j = 0usize;
        c.bench_function(&format!("ilbc{ms} decode frame"), |b| {
            b.iter(|| {
                let f = &bits[j % bits.len()];
                j += 1;
                dec.decode(black_box(f), &mut out).expect("decode")
            })
        });

        let mut dec = Decoder::new(mode);
        c.bench_function(&format!("ilbc{ms} conceal frame"), |b| {
            b.iter(|| dec.conceal(&mut out).expect("conceal"))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
