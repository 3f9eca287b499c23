//! The 24-tap quadrature mirror filters (G.722 sections 6.1 and 6.3):
//! transmit splits a 16 kHz pair into one lower and one higher sub-band
//! sample at 8 kHz, receive merges them back.
//!
//! The delay line is kept as two polyphase rings (even and odd taps), each
//! stored twice over so that the current window is always one contiguous
//! slice: the filter is then two 12-term dot products of 16-bit values
//! without any shifting of the delay line.

use crate::tables::QMF_EVEN;

/// Polyphase taps: the odd coefficients h(1), h(3), … are the even ones
/// reversed (the 24-tap filter is symmetric).
const H_EVEN: [i16; 12] = QMF_EVEN;
const H_ODD: [i16; 12] = {
    let mut h = [0i16; 12];
    let mut i = 0;
    while i < 12 {
        h[i] = QMF_EVEN[11 - i];
        i += 1;
    }
    h
};

/// A 12-sample window over a ring stored twice.
#[derive(Debug, Clone)]
struct Ring {
    buf: [i16; 24],
}

impl Ring {
    #[inline]
    fn push(&mut self, pos: usize, v: i16) {
        // `pos < 12` always (kept by `Qmf`); `get_mut` keeps this panic-free.
        if let Some(slot) = self.buf.get_mut(pos) {
            *slot = v;
        }
        if let Some(slot) = self.buf.get_mut(pos + 12) {
            *slot = v;
        }
    }

    /// Oldest-first window after a push at `pos`.
    #[inline]
    fn dot(&self, pos: usize, h: &[i16; 12]) -> i32 {
        let start = (pos + 1) % 12;
        let w = &self.buf[start..start + 12];
        w.iter()
            .zip(h.iter())
            .map(|(&x, &c)| i32::from(x) * i32::from(c))
            .sum()
    }
}

/// The filter's delay line: the 24 most recent inputs in two phases.
#[derive(Debug, Clone)]
pub(crate) struct Qmf {
    even: Ring,
    odd: Ring,
    pos: usize,
}

impl Default for Qmf {
    fn default() -> Self {
        Qmf {
            even: Ring { buf: [0; 24] },
            odd: Ring { buf: [0; 24] },
            pos: 0,
        }
    }
}

impl Qmf {
    /// Pushes two inputs and returns the even- and odd-phase sums
    /// `(sum of x(2i) h(2i), sum of x(2i+1) h(2i+1))`, oldest sample first.
    #[inline]
    fn push(&mut self, first: i16, second: i16) -> (i32, i32) {
        let pos = self.pos;
        self.even.push(pos, first);
        self.odd.push(pos, second);
        self.pos = (pos + 1) % 12;
        (self.even.dot(pos, &H_EVEN), self.odd.dot(pos, &H_ODD))
    }

    /// Transmit QMF: two 16-bit samples to (lower, higher) sub-band inputs.
    #[inline]
    pub fn split(&mut self, first: i16, second: i16) -> (i32, i32) {
        let (a, b) = self.push(first, second);
        ((b + a) >> 14, (b - a) >> 14)
    }

    /// Receive QMF: reconstructed sub-band signals (each limited to
    /// [-16384, 16383], so their sum and difference fit 16 bits) to two
    /// output samples, before limiting to 16 bits (the filter can overshoot
    /// full scale).
    #[inline]
    pub fn merge(&mut self, rlow: i32, rhigh: i32) -> (i32, i32) {
        let (a, b) = self.push((rlow + rhigh) as i16, (rlow - rhigh) as i16);
        (b >> 11, a >> 11)
    }
}
