//! The 24-tap quadrature mirror filters (G.722 sections 6.1 and 6.3):
//! transmit splits a 16 kHz pair into one lower and one higher sub-band
//! sample at 8 kHz, receive merges them back.

use crate::tables::QMF_EVEN;

/// The filter's delay line: the 24 most recent inputs, oldest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Qmf {
    x: [i32; 24],
}

impl Qmf {
    /// Pushes two inputs and returns the even- and odd-phase sums
    /// `(sum of x(2i) h(2i), sum of x(2i+1) h(2i+1))`.
    #[inline]
    fn push(&mut self, first: i32, second: i32) -> (i32, i32) {
        self.x.copy_within(2..24, 0);
        self.x[22] = first;
        self.x[23] = second;
        let mut even = 0;
        let mut odd = 0;
        for i in 0..12 {
            even += self.x[2 * i] * QMF_EVEN[i];
            odd += self.x[2 * i + 1] * QMF_EVEN[11 - i];
        }
        (even, odd)
    }

    /// Transmit QMF: two 16-bit samples to (lower, higher) sub-band inputs.
    #[inline]
    pub fn split(&mut self, first: i16, second: i16) -> (i32, i32) {
        let (a, b) = self.push(i32::from(first), i32::from(second));
        ((b + a) >> 14, (b - a) >> 14)
    }

    /// Receive QMF: reconstructed sub-band signals to two output samples,
    /// before limiting to 16 bits (the filter can overshoot full scale).
    #[inline]
    pub fn merge(&mut self, rlow: i32, rhigh: i32) -> (i32, i32) {
        let (a, b) = self.push(rlow + rhigh, rlow - rhigh);
        (b >> 11, a >> 11)
    }
}
