// Shared helpers for the hal integration tests (included with `mod common;`).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh path in the system temp dir, removed when the guard drops.
pub struct TempPath(pub PathBuf);

impl TempPath {
    pub fn new(name: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut p = std::env::temp_dir();
        p.push(format!("openphone-hal-{}-{n}-{name}", std::process::id()));
        TempPath(p)
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Deterministic white-ish noise (xorshift32), uniform over ±amp.
pub fn noise(len: usize, amp: i16, seed: u32) -> Vec<i16> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let u = (x >> 16) as i32 - 32768; // -32768..32767
            (u * i32::from(amp) / 32768) as i16
        })
        .collect()
}

/// A sine computed independently of ToneSource.
pub fn sine(len: usize, rate: u32, freq: f64, amp: f64) -> Vec<i16> {
    (0..len)
        .map(|i| {
            (amp * (std::f64::consts::TAU * freq * i as f64 / f64::from(rate)).sin()).round() as i16
        })
        .collect()
}
