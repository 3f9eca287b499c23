//! Bit stream layout (RFC 3951 §3.8): every parameter is split into up to
//! three parts by "unequal level of protection" class; the stream carries all
//! class-1 parts, then all class-2 parts, then all class-3 parts, each part
//! holding the parameter's next most significant bits. The final bit is the
//! empty-frame indicator.

use crate::mode::IlbcMode;

/// All quantisation indices of one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameParams {
    /// LSF split-VQ indices (3 per LSF set; 30 ms frames carry two sets).
    pub lsf: [u16; 6],
    /// Start-state position, 1-based pair of sub-blocks.
    pub start: u16,
    /// 1 when the scalar-coded start state is in the first part of the pair.
    pub state_first: u16,
    /// Start-state scale index.
    pub idx_for_max: u16,
    /// Start-state sample indices (57 or 58 used).
    pub idx_vec: [u16; 58],
    /// Codebook indices of the 22/23-sample part next to the start state.
    pub extra_cb: [u16; 3],
    /// Gain indices of that part.
    pub extra_gain: [u16; 3],
    /// Codebook indices of the 40-sample sub-blocks, as carried in the stream.
    pub cb: [[u16; 3]; 4],
    /// Gain indices of the 40-sample sub-blocks.
    pub gain: [[u16; 3]; 4],
}

impl Default for FrameParams {
    fn default() -> Self {
        FrameParams {
            lsf: [0; 6],
            start: 0,
            state_first: 0,
            idx_for_max: 0,
            idx_vec: [0; 58],
            extra_cb: [0; 3],
            extra_gain: [0; 3],
            cb: [[0; 3]; 4],
            gain: [[0; 3]; 4],
        }
    }
}

/// Which parameter a layout entry refers to.
#[derive(Clone, Copy)]
enum Field {
    Lsf(usize),
    Start,
    First,
    Scale,
    State(usize),
    ExtraCb(usize),
    ExtraGain(usize),
    Cb(usize, usize),
    Gain(usize, usize),
}

impl FrameParams {
    fn field(&mut self, f: Field) -> &mut u16 {
        match f {
            Field::Lsf(i) => &mut self.lsf[i],
            Field::Start => &mut self.start,
            Field::First => &mut self.state_first,
            Field::Scale => &mut self.idx_for_max,
            Field::State(i) => &mut self.idx_vec[i],
            Field::ExtraCb(i) => &mut self.extra_cb[i],
            Field::ExtraGain(i) => &mut self.extra_gain[i],
            Field::Cb(s, i) => &mut self.cb[s][i],
            Field::Gain(s, i) => &mut self.gain[s][i],
        }
    }
}

type Alloc = [u8; 3];

struct Layout {
    lsf: &'static [Alloc],
    start: Alloc,
    extra_cb: [Alloc; 3],
    extra_gain: [Alloc; 3],
    cb: &'static [[Alloc; 3]],
    gain: &'static [[Alloc; 3]],
    state_len: usize,
}

const FIRST: Alloc = [1, 0, 0];
const SCALE: Alloc = [6, 0, 0];
const STATE: Alloc = [0, 1, 2];

const LAYOUT_20: Layout = Layout {
    lsf: &[[6, 0, 0], [7, 0, 0], [7, 0, 0]],
    start: [2, 0, 0],
    extra_cb: [[6, 0, 1], [0, 0, 7], [0, 0, 7]],
    extra_gain: [[2, 0, 3], [1, 1, 2], [0, 0, 3]],
    cb: &[
        [[7, 0, 1], [0, 0, 7], [0, 0, 7]],
        [[0, 0, 8], [0, 0, 8], [0, 0, 8]],
    ],
    gain: &[
        [[1, 2, 2], [1, 1, 2], [0, 0, 3]],
        [[1, 1, 3], [0, 2, 2], [0, 0, 3]],
    ],
    state_len: 57,
};

const LAYOUT_30: Layout = Layout {
    lsf: &[
        [6, 0, 0],
        [7, 0, 0],
        [7, 0, 0],
        [6, 0, 0],
        [7, 0, 0],
        [7, 0, 0],
    ],
    start: [3, 0, 0],
    extra_cb: [[4, 2, 1], [0, 0, 7], [0, 0, 7]],
    extra_gain: [[1, 1, 3], [1, 1, 2], [0, 0, 3]],
    cb: &[
        [[6, 1, 1], [0, 0, 7], [0, 0, 7]],
        [[0, 7, 1], [0, 0, 8], [0, 0, 8]],
        [[0, 7, 1], [0, 0, 8], [0, 0, 8]],
        [[0, 7, 1], [0, 0, 8], [0, 0, 8]],
    ],
    gain: &[
        [[1, 2, 2], [1, 2, 1], [0, 0, 3]],
        [[0, 2, 3], [0, 2, 2], [0, 0, 3]],
        [[0, 1, 4], [0, 1, 3], [0, 0, 3]],
        [[0, 1, 4], [0, 1, 3], [0, 0, 3]],
    ],
    state_len: 58,
};

fn layout(mode: IlbcMode) -> &'static Layout {
    match mode {
        IlbcMode::Ms20 => &LAYOUT_20,
        IlbcMode::Ms30 => &LAYOUT_30,
    }
}

/// Visits every (field, allocation) of `class` in stream order.
fn walk(l: &Layout, class: usize, mut f: impl FnMut(Field, u8, u8)) {
    // `f(field, bits_in_this_class, bits_in_later_classes)`
    let mut visit = |field: Field, a: &Alloc| {
        let later: u8 = a[class + 1..].iter().sum();
        f(field, a[class], later);
    };
    for (i, a) in l.lsf.iter().enumerate() {
        visit(Field::Lsf(i), a);
    }
    visit(Field::Start, &l.start);
    visit(Field::First, &FIRST);
    visit(Field::Scale, &SCALE);
    for i in 0..l.state_len {
        visit(Field::State(i), &STATE);
    }
    for (i, a) in l.extra_cb.iter().enumerate() {
        visit(Field::ExtraCb(i), a);
    }
    for (i, a) in l.extra_gain.iter().enumerate() {
        visit(Field::ExtraGain(i), a);
    }
    for (s, sub) in l.cb.iter().enumerate() {
        for (i, a) in sub.iter().enumerate() {
            visit(Field::Cb(s, i), a);
        }
    }
    for (s, sub) in l.gain.iter().enumerate() {
        for (i, a) in sub.iter().enumerate() {
            visit(Field::Gain(s, i), a);
        }
    }
}

struct BitWriter<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl BitWriter<'_> {
    fn put(&mut self, value: u32, bits: u8) {
        for b in (0..bits).rev() {
            let bit = (value >> b) & 1;
            if let Some(byte) = self.out.get_mut(self.pos / 8) {
                *byte |= (bit as u8) << (7 - self.pos % 8);
            }
            self.pos += 1;
        }
    }
}

struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn get(&mut self, bits: u8) -> u32 {
        let mut v = 0u32;
        for _ in 0..bits {
            let byte = self.data.get(self.pos / 8).copied().unwrap_or(0);
            v = (v << 1) | u32::from((byte >> (7 - self.pos % 8)) & 1);
            self.pos += 1;
        }
        v
    }
}

/// Packs `p` into `out` (which must be exactly the frame size; extra bytes
/// are left untouched). The empty-frame bit is written as zero.
pub fn pack(mode: IlbcMode, p: &FrameParams, out: &mut [u8]) {
    let l = layout(mode);
    for b in out.iter_mut().take(mode.frame_bytes()) {
        *b = 0;
    }
    let mut p = p.clone();
    let mut w = BitWriter { out, pos: 0 };
    for class in 0..3 {
        walk(l, class, |field, bits, later| {
            if bits == 0 {
                return;
            }
            let value = *p.field(field);
            let part = (u32::from(value) >> later) & ((1 << bits) - 1);
            w.put(part, bits);
        });
    }
    w.put(0, 1);
}

/// Unpacks a frame. Returns the parameters and whether the empty-frame bit
/// was set.
pub fn unpack(mode: IlbcMode, data: &[u8]) -> (FrameParams, bool) {
    let l = layout(mode);
    let mut p = FrameParams::default();
    let mut r = BitReader { data, pos: 0 };
    for class in 0..3 {
        walk(l, class, |field, bits, _| {
            if bits == 0 {
                return;
            }
            let part = r.get(bits) as u16;
            let v = p.field(field);
            *v = (*v << bits) | part;
        });
    }
    let empty = r.get(1) != 0;
    (p, empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total_bits(mode: IlbcMode) -> usize {
        let mut n = 0usize;
        for class in 0..3 {
            walk(layout(mode), class, |_, b, _| n += usize::from(b));
        }
        n + 1
    }

    #[test]
    fn bit_budgets_match_frame_sizes() {
        assert_eq!(total_bits(IlbcMode::Ms20), 304);
        assert_eq!(total_bits(IlbcMode::Ms30), 400);
    }

    #[test]
    fn pack_unpack_roundtrip() {
        for mode in [IlbcMode::Ms20, IlbcMode::Ms30] {
            let mut bytes = vec![0u8; mode.frame_bytes()];
            let mut seed = 12345u32;
            for b in bytes.iter_mut() {
                seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                *b = (seed >> 16) as u8;
            }
            let last = bytes.len() - 1;
            bytes[last] &= 0xfe;
            let (p, empty) = unpack(mode, &bytes);
            assert!(!empty);
            let mut again = vec![0u8; mode.frame_bytes()];
            pack(mode, &p, &mut again);
            assert_eq!(bytes, again);
        }
    }
}
