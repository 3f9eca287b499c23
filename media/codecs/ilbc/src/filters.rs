//! Linear filters used by both directions.

use crate::lpc::Lpc;
use crate::tables::ORDER;

/// All-pole synthesis `1/A(z)` in place. `mem[k]` holds output `y[n-1-k]`.
pub fn synth(x: &mut [f32], a: &Lpc, mem: &mut [f32; ORDER]) {
    for v in x.iter_mut() {
        let mut y = *v;
        for k in 0..ORDER {
            y -= a[k + 1] * mem[k];
        }
        mem.copy_within(0..ORDER - 1, 1);
        mem[0] = y;
        *v = y;
    }
}

/// FIR analysis `A(z)`: `out = A(z) x`. `mem[k]` holds input `x[n-1-k]`.
pub fn analysis(x: &[f32], a: &Lpc, mem: &mut [f32; ORDER], out: &mut [f32]) {
    for (&xv, o) in x.iter().zip(out.iter_mut()) {
        let mut y = xv;
        for k in 0..ORDER {
            y += a[k + 1] * mem[k];
        }
        mem.copy_within(0..ORDER - 1, 1);
        mem[0] = xv;
        *o = y;
    }
}

/// The all-pass `z^-ORDER A(1/z) / A(z)` from zero state, over `x`.
pub fn allpass(x: &[f32], a: &Lpc, out: &mut [f32]) {
    let mut xin = [0.0f32; ORDER];
    let mut yout = [0.0f32; ORDER];
    for (&xv, o) in x.iter().zip(out.iter_mut()) {
        // numerator coefficient i is a[ORDER - i]
        let mut y = a[ORDER] * xv;
        for k in 0..ORDER {
            y += a[ORDER - 1 - k] * xin[k];
            y -= a[k + 1] * yout[k];
        }
        xin.copy_within(0..ORDER - 1, 1);
        xin[0] = xv;
        yout.copy_within(0..ORDER - 1, 1);
        yout[0] = y;
        *o = y;
    }
}

/// Second-order IIR section (direct form I) used for the high-pass filters.
#[derive(Debug, Clone, Default)]
pub struct Biquad {
    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,
}

impl Biquad {
    /// Filters `x` in place with zeros `b` and poles `a` (`a[0] = 1`).
    pub fn run(&mut self, x: &mut [f32], b: &[f32; 3], a: &[f32; 3]) {
        for v in x.iter_mut() {
            let y = b[0] * *v + b[1] * self.x1 + b[2] * self.x2 - a[1] * self.y1 - a[2] * self.y2;
            self.x2 = self.x1;
            self.x1 = *v;
            self.y2 = self.y1;
            self.y1 = y;
            *v = y;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lpc::lsf_to_lpc;
    use crate::tables::LSF_MEAN;

    #[test]
    fn synth_inverts_analysis() {
        let a = lsf_to_lpc(&LSF_MEAN);
        let x: Vec<f32> = (0..100).map(|i| ((i * 37 % 19) as f32) - 9.0).collect();
        let mut e = vec![0.0; 100];
        analysis(&x, &a, &mut [0.0; ORDER], &mut e);
        synth(&mut e, &a, &mut [0.0; ORDER]);
        for (p, q) in x.iter().zip(&e) {
            assert!((p - q).abs() < 1e-3);
        }
    }

    #[test]
    fn allpass_preserves_energy() {
        let a = lsf_to_lpc(&LSF_MEAN);
        let mut x = vec![0.0f32; 2000];
        x[0] = 1.0;
        let mut y = vec![0.0; 2000];
        allpass(&x, &a, &mut y);
        let e: f32 = y.iter().map(|v| v * v).sum();
        assert!((e - 1.0).abs() < 1e-3, "{e}");
    }
}
