//! What each codec costs on the E-model's narrowband scale: its equipment
//! impairment Ie, its packet-loss robustness Bpl, and the look-ahead it
//! adds to the mouth-to-ear delay, with where each number comes from.
//!
//! Sources: ITU-T G.113 (11/2007) Appendix I — Table I.1 (Ie of standard
//! codecs) and Table I.3 (Ie and Bpl measured under random loss, for
//! G.711 with and without the G.711 Appendix I concealment). G.113 has no
//! Bpl for most codecs and no narrowband Ie for iLBC, Speex, Opus or
//! G.722; those are "not standardised" and take G.711's values, as the
//! `source` text of each entry says. That rates those codecs as
//! transparent as G.711 at zero loss, which is optimistic for the
//! low-bit-rate ones; a measured Ie (e.g. from P.863 tests per G.113
//! Appendix IV's method) can replace it through [`CodecImpairment::with_ie`].
//!
//! Wideband codecs (G.722, Opus) are rated on the narrowband scale, as if
//! they were G.711: R can then not exceed G.711's 93.2. The wideband
//! E-model (G.107.1, Ro,WB = 129) is not implemented, so the wideband
//! advantage is not credited; [`CodecImpairment::wideband`] says when this
//! applies so a report can say so.
//!
//! ```
//! use std::time::Duration;
//! use openphone_media::quality::codecs::impairment;
//! let g711 = impairment("PCMU", Duration::from_millis(20), true);
//! assert_eq!((g711.ie, g711.bpl), (0.0, 25.1));
//! let gsm = impairment("gsm", Duration::from_millis(20), true);
//! assert_eq!(gsm.ie, 20.0);
//! ```

use std::time::Duration;

/// The E-model figures of one codec.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor Ie (narrowband scale).
    pub ie: f64,
    /// Packet-loss robustness factor Bpl.
    pub bpl: f64,
    /// Algorithmic delay beyond one frame (encoder look-ahead or decoder
    /// delay), added to the mouth-to-ear delay.
    pub lookahead: Duration,
    /// A wideband codec rated on the narrowband scale (see module docs).
    pub wideband: bool,
    /// Where `ie` and `bpl` come from.
    pub source: &'static str,
}

impl CodecImpairment {
    /// The same codec with a measured or configured Ie.
    pub fn with_ie(self, ie: f64, source: &'static str) -> Self {
        CodecImpairment { ie, source, ..self }
    }

    /// The same codec with a known look-ahead (e.g. from the encoder's own
    /// `lookahead()` for Speex or Opus).
    pub fn with_lookahead(self, lookahead: Duration) -> Self {
        CodecImpairment { lookahead, ..self }
    }
}

/// G.113 Table I.3: G.711 with G.711 Appendix I concealment.
const G711_PLC_BPL: f64 = 25.1;
/// G.113 Table I.3: G.711 without concealment.
const G711_NO_PLC_BPL: f64 = 4.3;

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The figures for a codec by SDP encoding name (case-insensitive),
/// `frame` the frame (packet) duration in use and `plc` whether lost
/// frames are concealed (every decoder of this crate conceals; pass
/// `false` only when concealment is off). Unknown names get G.711's
/// figures, with a `source` saying so.
pub fn impairment(encoding: &str, frame: Duration, plc: bool) -> CodecImpairment {
    let bpl = if plc { G711_PLC_BPL } else { G711_NO_PLC_BPL };
    let e = encoding.to_ascii_uppercase();
    let (ie, lookahead, wideband, source) = match e.as_str() {
        "PCMU" | "PCMA" => {
            let source = if plc {
                "G.113 App. I Table I.3: G.711 with App. I PLC, Ie 0, Bpl 25.1"
            } else {
                "G.113 App. I Table I.3: G.711 without PLC, Ie 0, Bpl 4.3"
            };
            return CodecImpairment {
                ie: 0.0,
                bpl,
                lookahead: Duration::ZERO,
                wideband: false,
                source,
            };
        }
        "GSM" => (
            20.0,
            // GSM 06.10 analyses the current 20 ms frame only.
            Duration::ZERO,
            false,
            "G.113 Table I.1: GSM-FR Ie 20; Bpl not standardised: G.711's",
        ),
        "G726-16" => (50.0, Duration::ZERO, false, G726_SOURCE),
        "G726-24" => (25.0, Duration::ZERO, false, G726_SOURCE),
        "G726-32" => (7.0, Duration::ZERO, false, G726_SOURCE),
        "G726-40" => (2.0, Duration::ZERO, false, G726_SOURCE),
        "G722" => (
            0.0,
            // QMF analysis + synthesis: 2 × 24-tap at 16 kHz, 23 samples.
            Duration::from_micros(1_438),
            true,
            "not standardised on the narrowband scale: G.711's (wideband not credited)",
        ),
        "ILBC" => (
            0.0,
            // The decoder's enhancer delays by 40 samples (20 ms mode) or
            // 80 (30 ms mode), RFC 3951 §4.6.
            if frame >= ms(30) { ms(10) } else { ms(5) },
            false,
            "not standardised: G.711's",
        ),
        "SPEEX" => (
            0.0,
            // Speex narrowband's encoder look-ahead (10 ms); wideband adds more.
            ms(10),
            false,
            "not standardised: G.711's",
        ),
        "OPUS" => (
            0.0,
            // RFC 6716: 26.5 ms algorithmic delay at 20 ms frames.
            Duration::from_micros(6_500),
            true,
            "not standardised: G.711's (wideband not credited)",
        ),
        _ => (0.0, Duration::ZERO, false, "unknown codec: G.711's"),
    };
    CodecImpairment {
        ie,
        bpl,
        lookahead,
        wideband,
        source,
    }
}

const G726_SOURCE: &str = "G.113 Table I.1: G.726 ADPCM; Bpl not standardised: G.711's";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_values_and_sources() {
        let f = ms(20);
        let g711 = impairment("pcma", f, true);
        assert_eq!((g711.ie, g711.bpl, g711.wideband), (0.0, 25.1, false));
        assert_eq!(impairment("PCMU", f, false).bpl, 4.3);
        assert_eq!(impairment("G726-32", f, true).ie, 7.0);
        assert_eq!(impairment("g726-16", f, true).ie, 50.0);
        assert_eq!(impairment("GSM", f, true).ie, 20.0);
        let g722 = impairment("G722", f, true);
        assert!(g722.wideband && g722.source.contains("not standardised"));
        assert_eq!(impairment("iLBC", ms(30), true).lookahead, ms(10));
        assert_eq!(impairment("iLBC", ms(20), true).lookahead, ms(5));
        let opus = impairment("opus", f, true);
        assert!(opus.wideband);
        assert_eq!(opus.lookahead, Duration::from_micros(6_500));
        assert_eq!(impairment("speex", f, true).ie, 0.0);
        assert!(impairment("L16", f, true).source.starts_with("unknown"));
        // Without concealment every codec falls back on G.711's 4.3.
        assert_eq!(impairment("GSM", f, false).bpl, 4.3);
        let measured = impairment("iLBC", f, true).with_ie(11.0, "measured");
        assert_eq!((measured.ie, measured.source), (11.0, "measured"));
    }

    #[test]
    fn g722_lookahead_is_our_codecs_delay() {
        // Encode and decode a multi-tone signal with the crate's G.722 and
        // find the lag where output best matches input.
        let pcm: Vec<i16> = (0..16_000)
            .map(|n| {
                let t = n as f64 / 16_000.0;
                let v: f64 = [330.0, 710.0, 1_290.0, 2_030.0, 3_170.0]
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (2.0 * std::f64::consts::PI * f * t + i as f64).sin())
                    .sum();
                (v * 3_000.0) as i16
            })
            .collect();
        let mut enc = openphone_g722::Encoder::new();
        let mut dec = openphone_g722::Decoder::new();
        let mut code = vec![0u8; pcm.len() / 2];
        enc.encode(&pcm, &mut code).unwrap();
        let mut out = vec![0i16; pcm.len()];
        dec.decode(&code, &mut out).unwrap();
        let corr = |lag: usize| -> f64 {
            (1_000..15_000)
                .map(|n| pcm[n] as f64 * out[n + lag] as f64)
                .sum()
        };
        let best = (0..64)
            .max_by(|&a, &b| corr(a).total_cmp(&corr(b)))
            .unwrap();
        let table = impairment("G722", ms(20), true).lookahead;
        let measured = Duration::from_micros(best as u64 * 1_000_000 / 16_000);
        assert!(
            table.abs_diff(measured) <= Duration::from_micros(63),
            "table {table:?}, measured {best} samples"
        );
    }
}
