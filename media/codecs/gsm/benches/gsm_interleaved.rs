//! Load-robust comparison with libgsm for shared machines: ours and
//! libgsm's encode/decode run in alternating batches of 200 frames and the
//! fastest batch of each is reported (the minimum filters out time stolen by
//! other processes, which would otherwise skew criterion's means).
//!
//! Run: `cargo bench -p openphone-gsm --bench gsm_interleaved`

use openphone_gsm::{Decoder, Encoder, FRAME_BYTES, FRAME_SAMPLES};
use std::hint::black_box;
use std::os::raw::{c_int, c_short, c_uchar, c_void};
use std::time::Instant;

#[link(name = "gsm")]
extern "C" {
    fn gsm_create() -> *mut c_void;
    fn gsm_destroy(g: *mut c_void);
    fn gsm_encode(g: *mut c_void, src: *const c_short, dst: *mut c_uchar);
    fn gsm_decode(g: *mut c_void, src: *const c_uchar, dst: *mut c_short) -> c_int;
}

const BATCH: usize = 200;
const ROUNDS: usize = 300;

/// Times one batch, returning seconds per frame.
fn batch(mut f: impl FnMut(usize)) -> f64 {
    let t = Instant::now();
    for i in 0..BATCH {
        f(i);
    }
    t.elapsed().as_secs_f64() / BATCH as f64
}

fn main() {
    // Two harmonics plus deterministic noise: exercises LTP and RPE paths.
    let mut seed = 0x1234_5678u32;
    let frames: Vec<[i16; FRAME_SAMPLES]> = (0..50)
        .map(|f| {
            core::array::from_fn(|i| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let t = (f * FRAME_SAMPLES + i) as f32 / 8000.0;
                let tau = std::f32::consts::TAU;
                (6000.0 * (t * 180.0 * tau).sin() + 3000.0 * (t * 720.0 * tau).sin()) as i16
                    + ((seed >> 16) as i16 >> 5)
            })
        })
        .collect();
    let mut enc = Encoder::new();
    let coded: Vec<[u8; FRAME_BYTES]> = frames.iter().map(|f| enc.encode(f)).collect();
    let (lib_enc, lib_dec) = unsafe { (gsm_create(), gsm_create()) };
    let mut dec = Decoder::new();
    let mut best = [f64::MAX; 4];
    for _ in 0..ROUNDS {
        best[0] = best[0].min(batch(|i| {
            black_box(enc.encode(black_box(&frames[i % 50])));
        }));
        best[1] = best[1].min(batch(|i| {
            let mut out = [0u8; FRAME_BYTES];
            unsafe {
                gsm_encode(
                    lib_enc,
                    black_box(frames[i % 50].as_ptr()),
                    out.as_mut_ptr(),
                )
            };
            black_box(out);
        }));
        best[2] = best[2].min(batch(|i| {
            black_box(dec.decode(black_box(&coded[i % 50])).unwrap());
        }));
        best[3] = best[3].min(batch(|i| {
            let mut pcm = [0i16; FRAME_SAMPLES];
            let rc =
                unsafe { gsm_decode(lib_dec, black_box(coded[i % 50].as_ptr()), pcm.as_mut_ptr()) };
            assert_eq!(rc, 0);
            black_box(pcm);
        }));
    }
    unsafe {
        gsm_destroy(lib_enc);
        gsm_destroy(lib_dec);
    }
    let us = |s: f64| s * 1e6;
    println!(
        "encode per 20 ms frame: openphone {:.2} µs, libgsm {:.2} µs, ratio {:.2}",
        us(best[0]),
        us(best[1]),
        best[0] / best[1]
    );
    println!(
        "decode per 20 ms frame: openphone {:.2} µs, libgsm {:.2} µs, ratio {:.2}",
        us(best[2]),
        us(best[3]),
        best[2] / best[3]
    );
}
