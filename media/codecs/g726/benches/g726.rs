//! G.726 encode/decode of one 20 ms frame (160 samples), ours vs spandsp
//! (through FFI, bench only), at every rate, RFC 3551 packing on both sides.
//!
//! Run: `cargo bench -p openphone-g726 --bench g726`

use std::ffi::{c_int, c_void};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use openphone_g726::{Decoder, Encoder, G726Packing, G726Rate};

#[link(name = "spandsp")]
extern "C" {
    fn g726_init(s: *mut c_void, bit_rate: c_int, ext_coding: c_int, packing: c_int)
        -> *mut c_void;
    fn g726_encode(s: *mut c_void, g726_data: *mut u8, amp: *const i16, len: c_int) -> c_int;
    fn g726_decode(s: *mut c_void, amp: *mut i16, g726_data: *const u8, g726_bytes: c_int)
        -> c_int;
    fn g726_free(s: *mut c_void) -> c_int;
}

/// spandsp's `G726_PACKING_RIGHT`, `G726_ENCODING_LINEAR`.
const PACKING_RIGHT: c_int = 2;
const ENCODING_LINEAR: c_int = 0;

struct Spandsp(*mut c_void);

impl Spandsp {
    fn new(rate: G726Rate) -> Self {
        // SAFETY: a NULL state asks spandsp to allocate one.
        let s = unsafe {
            g726_init(
                std::ptr::null_mut(),
                (rate.kbps() * 1000) as c_int,
                ENCODING_LINEAR,
                PACKING_RIGHT,
            )
        };
        assert!(!s.is_null(), "g726_init failed");
        Spandsp(s)
    }
}

impl Drop for Spandsp {
    fn drop(&mut self) {
        // SAFETY: allocated by g726_init, freed once.
        unsafe { g726_free(self.0) };
    }
}

/// A speech-like test signal: two drifting tones with an envelope.
fn signal() -> Vec<i16> {
    (0..160 * 50)
        .map(|n| {
            let t = n as f64 / 8000.0;
            let env = 0.5 + 0.5 * (2.0 * std::f64::consts::PI * 3.0 * t).sin();
            let s = (2.0 * std::f64::consts::PI * 310.0 * t).sin()
                + 0.5 * (2.0 * std::f64::consts::PI * 1270.0 * t).sin();
            (s * env * 9000.0) as i16
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pcm = signal();
    let frames: Vec<&[i16]> = pcm.chunks_exact(160).collect();
    for rate in G726Rate::ALL {
        let bytes = 160 * rate.bits_per_sample() as usize / 8;
        // Pre-encoded payloads for the decode benches.
        let mut enc = Encoder::new(rate, G726Packing::Rfc3551);
        let payloads: Vec<Vec<u8>> = frames
            .iter()
            .map(|f| {
                let mut out = vec![0u8; bytes];
                enc.encode(f, &mut out).expect("encode");
                out
            })
            .collect();

        let mut group = c.benchmark_group(format!("g726_{}k", rate.kbps()));
        group.bench_function(BenchmarkId::new("encode_20ms", "openphone"), |b| {
            let mut enc = Encoder::new(rate, G726Packing::Rfc3551);
            let mut out = [0u8; 100];
            let mut k = 0;
            b.iter(|| {
                k = (k + 1) % frames.len();
                black_box(enc.encode(black_box(frames[k]), &mut out).expect("encode"));
            })
        });
        group.bench_function(BenchmarkId::new("encode_20ms", "spandsp"), |b| {
            let s = Spandsp::new(rate);
            let mut out = [0u8; 100];
            let mut k = 0;
            b.iter(|| {
                k = (k + 1) % frames.len();
                let f = black_box(frames[k]);
                // SAFETY: `out` holds 100 >= 160 * 5 / 8 octets.
                black_box(unsafe { g726_encode(s.0, out.as_mut_ptr(), f.as_ptr(), 160) });
            })
        });
        group.bench_function(BenchmarkId::new("decode_20ms", "openphone"), |b| {
            let mut dec = Decoder::new(rate, G726Packing::Rfc3551);
            let mut out = [0i16; 160];
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
            let s = Spandsp::new(rate);
            let mut out = [0i16; 160];
            let mut k = 0;
            b.iter(|| {
                k = (k + 1) % payloads.len();
                let p = black_box(&payloads[k]);
                // SAFETY: `p` is one frame, which decodes to 160 samples.
                black_box(unsafe {
                    g726_decode(s.0, out.as_mut_ptr(), p.as_ptr(), p.len() as c_int)
                });
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
