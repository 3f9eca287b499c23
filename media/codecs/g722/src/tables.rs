//! Constants of ITU-T G.722 (11/88) section 6, in its fixed-point units.

/// QMF coefficients h(0), h(2), …, h(22) (× 2^13); the odd ones are these
/// reversed, the 24-tap filter being symmetric.
pub(crate) const QMF_EVEN: [i16; 12] = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];

/// QUANTL: the 6-bit quantizer's decision levels (× 2^-12 of DETL),
/// index `mil` 1..=29 (entry 0 unused).
pub(crate) const Q6: [i32; 30] = [
    0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
    1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
];

/// QUANTL: codeword for interval `mil` (1..=30) of a negative / positive
/// difference.
pub(crate) const ILN: [u8; 31] = [
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
    10, 9, 8, 7, 6, 5, 4,
];
pub(crate) const ILP: [u8; 31] = [
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
    38, 37, 36, 35, 34, 33, 32,
];

/// INVQAL: 4-bit inverse quantizer (for the predictor), indexed by the
/// codeword's four most significant bits.
pub(crate) const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];

/// INVQBL in mode 1: the 6-bit inverse quantizer (for the output).
pub(crate) const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];

/// LOGSCL: log scale factor multipliers, and the map from the 4-bit
/// codeword to their index.
pub(crate) const WL: [i32; 8] = [-60, -30, 58, 172, 334, 538, 1198, 3042];
pub(crate) const RL42: [usize; 16] = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];

/// SCALEL/SCALEH: the antilog table (2^(i/32) × 2048).
pub(crate) const ILB: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];

/// Higher sub-band: INVQAH (2-bit inverse quantizer), LOGSCH multipliers
/// and their index map, QUANTH codewords.
pub(crate) const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];
pub(crate) const WH: [i32; 3] = [0, -214, 798];
pub(crate) const RH2: [usize; 4] = [2, 1, 2, 1];
pub(crate) const IHN: [u8; 3] = [0, 1, 0];
pub(crate) const IHP: [u8; 3] = [0, 3, 2];
