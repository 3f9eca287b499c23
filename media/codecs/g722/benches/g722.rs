//! G.722 encode/decode of one 20 ms frame (320 samples at 16 kHz), ours vs
//! spandsp (through FFI, bench only).
//!
//! Run: `cargo bench -p openphone-g722 --bench g722`

use std::ffi::{c_int, c_void};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use openphone_g722::{Decoder, Encoder};

#[link(name = "spandsp")]
extern "C" {
    fn g722_encode_init(s: *mut c_void, rate: c_int, options: c_int) -> *mut c_void;
    fn g722_encode(s: *mut c_void, g722_data: *mut u8, amp: *const i16, len: c_int) -> c_int;
    fn g722_encode_free(s: *mut c_void) -> c_int;
    fn g722_decode_init(s: *mut c_void, rate: c_int, options: c_int) -> *mut c_void;
    fn g722_decode(s: *mut c_void, amp: *mut i16, g722_data: *const u8, len: c_int) -> c_int;
    fn g722_decode_free(s: *mut c_void) -> c_int;
}

/// A wide-band test signal: tones in both sub-bands with an envelope.
fn signal() -> Vec<i16> {
    (0..320 * 50)
        .map(|n| {
            let t = n as f64 / 16000.0;
            let env = 0.5 + 0.5 * (2.0 * std::f64::consts::PI * 3.0 * t).sin();
            let s = (2.0 * std::f64::consts::PI * 310.0 * t).sin()
                + 0.3 * (2.0 * std::f64::consts::PI * 5270.0 * t).sin();
            (s * env * 9000.0) as i16
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pcm = signal();
    let frames: Vec<&[i16]> = pcm.chunks_exact(320).collect();
    let mut enc = Encoder::new();
    let payloads: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| {
            let mut out = vec![0u8; 160];
            enc.encode(f, &mut out).expect("encode");
            out
        })
        .collect();

    let mut group = c.benchmark_group("g722_64k");
    group.bench_function(BenchmarkId::new("encode_20ms", "openphone"), |b| {
        let mut enc = Encoder::new();
        let mut out = [0u8; 160];
        let mut k = 0;
        b.iter(|| {
            k = (k + 1) % frames.len();
            black_box(enc.encode(black_box(frames[k]), &mut out).expect("encode"));
        })
    });
    group.bench_function(BenchmarkId::new("encode_20ms", "spandsp"), |b| {
        // SAFETY: NULL asks spandsp to allocate; freed below.
        let s = unsafe { g722_encode_init(std::ptr::null_mut(), 64000, 0) };
        assert!(!s.is_null());
        let mut out = [0u8; 160];
        let mut k = 0;
        b.iter(|| {
            k = (k + 1) % frames.len();
            let f = black_box(frames[k]);
            // SAFETY: 320 samples encode to 160 octets, the size of `out`.
            black_box(unsafe { g722_encode(s, out.as_mut_ptr(), f.as_ptr(), 320) });
        });
        // SAFETY: allocated by g722_encode_init, freed once.
        unsafe { g722_encode_free(s) };
    });
    group.bench_function(BenchmarkId::new("decode_20ms", "openphone"), |b| {
        let mut dec = Decoder::new();
        let mut out = [0i16; 320];
        let mut k = 0;
        b.iter(|| {
            k = (k + 1) % payloads.len();
            black_box(
                dec.decode(black_box(&payloads[k]), &mut out)
                    .expect("decode"),
            );
        })
    });
    group.bench_function(BenchmarkId::new("decode_20ms", "spandsp"), |b| {
        // SAFETY: NULL asks spandsp to allocate; freed below.
        let s = unsafe { g722_decode_init(std::ptr::null_mut(), 64000, 0) };
        assert!(!s.is_null());
        let mut out = [0i16; 320];
        let mut k = 0;
        b.iter(|| {
            k = (k + 1) % payloads.len();
            let p = black_box(&payloads[k]);
            // SAFETY: 160 octets decode to 320 samples, the size of `out`.
            black_box(unsafe { g722_decode(s, out.as_mut_ptr(), p.as_ptr(), 160) });
        });
        // SAFETY: allocated by g722_decode_init, freed once.
        unsafe { g722_decode_free(s) };
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
