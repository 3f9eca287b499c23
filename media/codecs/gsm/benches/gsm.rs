//! Encode and decode cost per 20 ms frame, ours beside libgsm (through FFI,
//! in this bench only; needs the `libgsm1-dev` package).
//!
//! Run: `cargo bench -p openphone-gsm --bench gsm`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use openphone_gsm::{Decoder, Encoder, FRAME_BYTES, FRAME_SAMPLES};
use std::os::raw::{c_int, c_short, c_uchar, c_void};

#[link(name = "gsm")]
extern "C" {
    fn gsm_create() -> *mut c_void;
    fn gsm_destroy(g: *mut c_void);
    fn gsm_encode(g: *mut c_void, src: *const c_short, dst: *mut c_uchar);
    fn gsm_decode(g: *mut c_void, src: *const c_uchar, dst: *mut c_short) -> c_int;
}

/// One second of a speech-like test signal: two harmonics with a slow
/// envelope plus deterministic noise, so every codec path is exercised.
fn signal() -> Vec<[i16; FRAME_SAMPLES]> {
    let mut seed = 0x1234_5678u32;
    let samples: Vec<i16> = (0..8000)
        .map(|n| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let t = n as f32 / 8000.0;
            let env = 0.5 + 0.5 * (t * 3.0 * std::f32::consts::TAU).sin();
            let v = env
                * (6000.0 * (t * 180.0 * std::f32::consts::TAU).sin()
                    + 3000.0 * (t * 720.0 * std::f32::consts::TAU).sin())
                + ((seed >> 16) as i16 >> 5) as f32;
            v as i16
        })
        .collect();
    samples
        .chunks_exact(FRAME_SAMPLES)
        .map(|c| c.try_into().unwrap())
        .collect()
}

fn bench(c: &mut Criterion) {
    let frames = signal();
    let mut enc = Encoder::new();
    let coded: Vec<[u8; FRAME_BYTES]> = frames.iter().map(|f| enc.encode(f)).collect();

    let mut g = c.benchmark_group("gsm_frame");
    let mut i = 0;
    let mut enc = Encoder::new();
    g.bench_function("encode/openphone", |b| {
        b.iter(|| {
            i = (i + 1) % frames.len();
            black_box(enc.encode(black_box(&frames[i])))
        })
    });
    let lib = unsafe { gsm_create() };
    let mut out = [0u8; FRAME_BYTES];
    g.bench_function("encode/libgsm", |b| {
        b.iter(|| {
            i = (i + 1) % frames.len();
            unsafe { gsm_encode(lib, black_box(frames[i].as_ptr()), out.as_mut_ptr()) };
            black_box(out)
        })
    });
    unsafe { gsm_destroy(lib) };

    let mut dec = Decoder::new();
    g.bench_function("decode/openphone", |b| {
        b.iter(|| {
            i = (i + 1) % coded.len();
            black_box(dec.decode(black_box(&coded[i])).unwrap())
        })
    });
    let lib = unsafe { gsm_create() };
    let mut pcm = [0i16; FRAME_SAMPLES];
    g.bench_function("decode/libgsm", |b| {
        b.iter(|| {
            i = (i + 1) % coded.len();
            let rc = unsafe { gsm_decode(lib, black_box(coded[i].as_ptr()), pcm.as_mut_ptr()) };
            assert_eq!(rc, 0);
            black_box(pcm)
        })
    });
    unsafe { gsm_destroy(lib) };
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
