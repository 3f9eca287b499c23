//! Constant tables of GSM 06.10 §4.2 (tables 4.1 to 4.6).

/// LAR quantiser slopes A\[1..8\] (table 4.1).
pub(crate) const A: [i16; 8] = [20480, 20480, 20480, 20480, 13964, 15360, 8534, 9036];
/// LAR quantiser offsets B\[1..8\] (table 4.1).
pub(crate) const B: [i16; 8] = [0, 0, 2048, -2560, 94, -1792, -341, -1144];
/// Smallest LAR code MIC\[1..8\] (table 4.1).
pub(crate) const MIC: [i16; 8] = [-32, -32, -16, -16, -8, -8, -4, -4];
/// Largest LAR code MAC\[1..8\] (table 4.1).
pub(crate) const MAC: [i16; 8] = [31, 31, 15, 15, 7, 7, 3, 3];
/// Inverse slopes 1/A\[1..8\] in Q15 (table 4.2).
pub(crate) const INVA: [i16; 8] = [13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708];
/// LTP gain decision levels DLB (table 4.3a).
pub(crate) const DLB: [i16; 4] = [6554, 16384, 26214, 32767];
/// LTP gain quantisation levels QLB (table 4.3b).
pub(crate) const QLB: [i16; 4] = [3277, 11469, 21299, 32767];
/// RPE weighting filter impulse response H (table 4.4).
pub(crate) const H: [i16; 11] = [-134, -374, 0, 2054, 5741, 8192, 5741, 2054, 0, -374, -134];
/// Inverse mantissas NRFAC for APCM quantisation (table 4.5).
pub(crate) const NRFAC: [i16; 8] = [29128, 26215, 23832, 21846, 20165, 18725, 17476, 16384];
/// Normalised mantissas FAC for APCM inverse quantisation (table 4.6).
pub(crate) const FAC: [i16; 8] = [18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767];
