//! G.711 throughput: ours (compile-time tables) against spandsp's
//! `g711_encode`/`g711_decode` (libspandsp, called through FFI here only).
//!
//! `cargo bench -p openphone-media --bench g711`

use std::ffi::{c_int, c_void};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use openphone_media::codec::g711;

#[link(name = "spandsp")]
extern "C" {
    fn g711_init(s: *mut c_void, mode: c_int) -> *mut c_void;
    fn g711_encode(s: *mut c_void, out: *mut u8, amp: *const i16, len: c_int) -> c_int;
    fn g711_decode(s: *mut c_void, amp: *mut i16, data: *const u8, len: c_int) -> c_int;
    fn g711_free(s: *mut c_void) -> c_int;
}

/// spandsp g711.h: G711_ALAW = 0, G711_ULAW = 1.
const ALAW: c_int = 0;
const ULAW: c_int = 1;

fn speech_like(n: usize) -> Vec<i16> {
    // Two tones plus a slow envelope: covers every segment.
    (0..n)
        .map(|i| {
            let t = i as f64 / 8000.0;
            let env = 0.2 + 0.8 * (t * 3.0).sin().abs();
            (env * (9000.0 * (t * 2.0 * std::f64::consts::PI * 440.0).sin()
                + 6000.0 * (t * 2.0 * std::f64::consts::PI * 1330.0).sin())) as i16
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pcm = speech_like(8000); // one second
    let mut codes = vec![0u8; pcm.len()];
    let mut out = vec![0i16; pcm.len()];
    // SAFETY: states are created here and freed at the end of the function.
    let (su, sa) = unsafe {
        (
            g711_init(std::ptr::null_mut(), ULAW),
            g711_init(std::ptr::null_mut(), ALAW),
        )
    };
    assert!(!su.is_null() && !sa.is_null());

    let mut g = c.benchmark_group("g711_1s_8kHz");
    g.throughput(Throughput::Elements(pcm.len() as u64));
    g.bench_function("ulaw encode / ours", |b| {
        b.iter(|| g711::encode_ulaw(black_box(&pcm), &mut codes))
    });
    g.bench_function("ulaw encode / spandsp", |b| {
        b.iter(|| unsafe {
            g711_encode(
                su,
                codes.as_mut_ptr(),
                black_box(pcm.as_ptr()),
                pcm.len() as c_int,
            )
        })
    });
    g.bench_function("alaw encode / ours", |b| {
        b.iter(|| g711::encode_alaw(black_box(&pcm), &mut codes))
    });
    g.bench_function("alaw encode / spandsp", |b| {
        b.iter(|| unsafe {
            g711_encode(
                sa,
                codes.as_mut_ptr(),
                black_box(pcm.as_ptr()),
                pcm.len() as c_int,
            )
        })
    });
    g711::encode_ulaw(&pcm, &mut codes);
    g.bench_function("ulaw decode / ours", |b| {
        b.iter(|| g711::decode_ulaw(black_box(&codes), &mut out))
    });
    g.bench_function("ulaw decode / spandsp", |b| {
        b.iter(|| unsafe {
            g711_decode(
                su,
                out.as_mut_ptr(),
                black_box(codes.as_ptr()),
                codes.len() as c_int,
            )
        })
    });
    g711::encode_alaw(&pcm, &mut codes);
    g.bench_function("alaw decode / ours", |b| {
        b.iter(|| g711::decode_alaw(black_box(&codes), &mut out))
    });
    g.bench_function("alaw decode / spandsp", |b| {
        b.iter(|| unsafe {
            g711_decode(
                sa,
                out.as_mut_ptr(),
                black_box(codes.as_ptr()),
                codes.len() as c_int,
            )
        })
    });
    g.finish();
    // SAFETY: created above, not used after this.
    unsafe {
        g711_free(su);
        g711_free(sa);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
