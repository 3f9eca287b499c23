//! The E-model of ITU-T G.107 (06/2015), narrowband: the transmission
//! rating R = Ro − Is − Id − Ie,eff + A (§7.1) and MOS-CQE from R (Annex B).
//!
//! Implemented from the 06/2015 edition's equations: §7.2 (Ro with the
//! noise sum No), §7.3 (Is = Iolr + Ist + Iq), §7.4 (Id = Idte + Idle +
//! Idd, with the delay-sensitivity parameters sT and mT that edition added
//! to Idd; their defaults 1 and 100 ms give the classic curve), §7.5
//! (Ie,eff from Ie, Ppl, BurstR and Bpl) and §7.7 (default values, in
//! [`EModel::default`]). With every parameter at its default R = 93.2.
//!
//! ```
//! use openphone_media::quality::emodel::{mos_cqe, EModel};
//! let r = EModel::default().rating().r;
//! assert!((r - 93.2).abs() < 0.05);
//! assert!((mos_cqe(r) - 4.41).abs() < 0.005);
//! ```

/// All inputs of the narrowband E-model; [`Default`] gives G.107 §7.7's
/// default values. Loudness ratings and levels in dB, delays in ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EModel {
    /// Send loudness rating SLR (default 8 dB).
    pub slr: f64,
    /// Receive loudness rating RLR (default 2 dB).
    pub rlr: f64,
    /// Sidetone masking rating STMR (default 15 dB).
    pub stmr: f64,
    /// Listener sidetone rating LSTR (default 18 dB; LSTR = STMR + Dr).
    pub lstr: f64,
    /// D-value of the telephone's send side Ds (default 3).
    pub ds: f64,
    /// Talker echo loudness rating TELR (default 65 dB).
    pub telr: f64,
    /// Weighted echo path loss WEPL (default 110 dB).
    pub wepl: f64,
    /// Mean one-way delay of the echo path T (default 0 ms).
    pub t: f64,
    /// Round-trip delay in a 4-wire loop Tr (default 0 ms).
    pub tr: f64,
    /// Absolute delay in echo-free connections Ta (default 0 ms).
    pub ta: f64,
    /// Number of quantization distortion units qdu (default 1).
    pub qdu: f64,
    /// Equipment impairment factor Ie (default 0).
    pub ie: f64,
    /// Packet-loss robustness factor Bpl (default 4.3).
    pub bpl: f64,
    /// Random packet-loss probability Ppl, in percent (default 0).
    pub ppl: f64,
    /// Burst ratio BurstR (default 1: random loss).
    pub burst_r: f64,
    /// Circuit noise referred to the 0 dBr point Nc (default −70 dBm0p).
    pub nc: f64,
    /// Noise floor at the receive side Nfor (default −64 dBmp).
    pub nfor: f64,
    /// Room noise at the send side Ps (default 35 dB(A)).
    pub ps: f64,
    /// Room noise at the receive side Pr (default 35 dB(A)).
    pub pr: f64,
    /// Advantage factor A (default 0).
    pub a: f64,
    /// Delay sensitivity sT (default 1).
    pub s_t: f64,
    /// Minimum perceivable delay mT (default 100 ms).
    pub m_t: f64,
}

impl Default for EModel {
    fn default() -> Self {
        EModel {
            slr: 8.0,
            rlr: 2.0,
            stmr: 15.0,
            lstr: 18.0,
            ds: 3.0,
            telr: 65.0,
            wepl: 110.0,
            t: 0.0,
            tr: 0.0,
            ta: 0.0,
            qdu: 1.0,
            ie: 0.0,
            bpl: 4.3,
            ppl: 0.0,
            burst_r: 1.0,
            nc: -70.0,
            nfor: -64.0,
            ps: 35.0,
            pr: 35.0,
            a: 0.0,
            s_t: 1.0,
            m_t: 100.0,
        }
    }
}

/// R and the terms it was computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// Transmission rating R.
    pub r: f64,
    /// Basic signal-to-noise ratio Ro.
    pub ro: f64,
    /// Simultaneous impairment factor Is.
    pub is: f64,
    /// Delay impairment factor Id.
    pub id: f64,
    /// Effective equipment impairment factor Ie,eff.
    pub ie_eff: f64,
}

/// 10^(x/10): a level in dB as a power.
fn power(db: f64) -> f64 {
    10f64.powf(db / 10.0)
}

impl EModel {
    /// Computes R (G.107 §7.1) and its terms.
    pub fn rating(&self) -> Rating {
        let no = self.noise_sum();
        let ro = 15.0 - 1.5 * (self.slr + no);
        let ist = self.sidetone_impairment();
        let is = self.loudness_impairment(no) + ist + self.quantizing_impairment(ro);
        let id = self.talker_echo_impairment(no, ist)
            + self.listener_echo_impairment(ro)
            + self.absolute_delay_impairment();
        let ie_eff = self.effective_equipment_impairment();
        Rating {
            r: ro - is - id - ie_eff + self.a,
            ro,
            is,
            id,
            ie_eff,
        }
    }

    /// No: power sum of circuit noise, send and receive room noise and the
    /// receive noise floor, all referred to the 0 dBr point (§7.2).
    fn noise_sum(&self) -> f64 {
        let olr = self.slr + self.rlr;
        let nos =
            self.ps - self.slr - self.ds - 100.0 + 0.004 * (self.ps - olr - self.ds - 14.0).powi(2);
        let pre = self.pr + 10.0 * (1.0 + power(10.0 - self.lstr)).log10();
        let nor = self.rlr - 121.0 + pre + 0.008 * (pre - 35.0).powi(2);
        let nfo = self.nfor + self.rlr;
        10.0 * (power(self.nc) + power(nos) + power(nor) + power(nfo)).log10()
    }

    /// Iolr: a too-quiet connection (§7.3).
    fn loudness_impairment(&self, no: f64) -> f64 {
        let xolr = self.slr + self.rlr + 0.2 * (64.0 + no - self.rlr);
        20.0 * ((1.0 + (xolr / 8.0).powi(8)).powf(1.0 / 8.0) - xolr / 8.0)
    }

    /// STMRo: sidetone masking including the talker echo heard as sidetone.
    fn stmr_o(&self) -> f64 {
        -10.0 * (power(-self.stmr) + (-self.t / 4.0).exp() * power(-self.telr)).log10()
    }

    /// Ist: non-optimum sidetone (§7.3).
    fn sidetone_impairment(&self) -> f64 {
        let s = self.stmr_o();
        12.0 * (1.0 + ((s - 13.0) / 6.0).powi(8)).powf(1.0 / 8.0)
            - 28.0 * (1.0 + ((s + 1.0) / 19.4).powi(35)).powf(1.0 / 35.0)
            - 13.0 * (1.0 + ((s - 3.0) / 33.0).powi(13)).powf(1.0 / 13.0)
            + 29.0
    }

    /// Iq: quantizing distortion (§7.3).
    fn quantizing_impairment(&self, ro: f64) -> f64 {
        let q = 37.0 - 15.0 * self.qdu.max(1e-9).log10();
        let g = 1.07 + 0.258 * q + 0.0602 * q * q;
        let y = (ro - 100.0) / 15.0 + 46.0 / 8.4 - g / 9.0;
        let z = 46.0 / 30.0 - g / 40.0;
        15.0 * (1.0 + 10f64.powf(y) + 10f64.powf(z)).log10()
    }

    /// Idte: talker echo (§7.4).
    fn talker_echo_impairment(&self, no: f64, ist: f64) -> f64 {
        let t = self.t;
        let roe = -1.5 * (no - self.rlr);
        let mut terv = self.telr - 40.0 * ((1.0 + t / 10.0) / (1.0 + t / 150.0)).log10()
            + 6.0 * (-0.3 * t * t).exp();
        if self.stmr < 9.0 {
            // Low sidetone: the echo is partly masked less (TERVs).
            terv += ist / 2.0;
        }
        let re = 80.0 + 2.5 * (terv - 14.0);
        let d = roe - re;
        (d / 2.0 + (d * d / 4.0 + 100.0).sqrt() - 1.0) * (1.0 - (-t).exp())
    }

    /// Idle: listener echo (§7.4).
    fn listener_echo_impairment(&self, ro: f64) -> f64 {
        let rle = 10.5 * (self.wepl + 7.0) * (self.tr + 1.0).powf(-0.25);
        let d = ro - rle;
        d / 2.0 + (d * d / 4.0 + 169.0).sqrt()
    }

    /// Idd: absolute delay, with the delay-sensitivity parameters (§7.4).
    fn absolute_delay_impairment(&self) -> f64 {
        if self.ta <= self.m_t || self.m_t <= 0.0 {
            return 0.0;
        }
        let x = (self.ta / self.m_t).log2();
        let e = 6.0 * self.s_t;
        25.0 * ((1.0 + x.powf(e)).powf(1.0 / e) - 3.0 * (1.0 + (x / 3.0).powf(e)).powf(1.0 / e)
            + 2.0)
    }

    /// Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl/BurstR + Bpl) (§7.5).
    fn effective_equipment_impairment(&self) -> f64 {
        let ppl = self.ppl.clamp(0.0, 100.0);
        // G.107 defines BurstR = 1 for random and > 1 for bursty loss; a
        // measured ratio below 1 (losses spread more evenly than random)
        // is outside the model and rated as random.
        let burst_r = if self.burst_r.is_finite() {
            self.burst_r.max(1.0)
        } else {
            1.0
        };
        let denom = ppl / burst_r + self.bpl;
        if ppl == 0.0 || denom <= 0.0 {
            return self.ie;
        }
        self.ie + (95.0 - self.ie) * ppl / denom
    }
}

/// MOS-CQE from R (G.107 Annex B): 1 below R = 0, 4.5 above R = 100,
/// 1 + 0.035R + R(R − 60)(100 − R)·7·10⁻⁶ between. Because that cubic dips
/// just under 1 for 0 < R < 6.5, the result is clamped to [1, 4.5].
pub fn mos_cqe(r: f64) -> f64 {
    if r.is_nan() || r <= 0.0 {
        return 1.0;
    }
    if r >= 100.0 {
        return 4.5;
    }
    (1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6).clamp(1.0, 4.5)
}

#[cfg(test)]
mod tests;
