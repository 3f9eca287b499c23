//! Byte searches sixteen bytes at a time, for the view's hot loops.
//!
//! Header values are mostly long runs of letters and digits between a few
//! delimiters (`pc33.atlanta.example.com`, `z9hG4bK776asdhds`). A byte
//! loop spends five to ten instructions on each of those bytes; these
//! searches classify sixteen bytes in about ten instructions (SSE2, which
//! every x86-64 CPU has), so the grammar checks only look at the
//! delimiters. Other targets use a plain byte loop with the same results.
//!
//! Every search returns exactly what the byte loop in its doc comment
//! returns; `tests` compares them at every position of every length.

/// Where `b` has its first CR or LF at or after `i`.
#[inline(always)]
pub(super) fn find_cr_lf(b: &[u8], i: usize) -> Option<usize> {
    find(b, i, mask::cr_lf, |c| c == b'\r' || c == b'\n')
}

/// Where `b` has its first byte at or after `i` that cannot continue a
/// header name: `:`, SP or any control byte (or a byte <= 0x20).
#[inline(always)]
pub(super) fn find_name_end(b: &[u8], i: usize) -> Option<usize> {
    find(b, i, mask::name_stop, |c| c <= b' ' || c == b':')
}

/// The end of the run of ASCII letters and digits of `b` from `i`
/// (`b.len()` when the run reaches the end).
#[inline(always)]
pub(super) fn alnum_end(b: &[u8], i: usize) -> usize {
    find(b, i, mask::non_alnum, |c| !c.is_ascii_alphanumeric()).unwrap_or(b.len().max(i))
}

/// The length of the longest ASCII prefix of `b`.
pub(super) fn ascii_prefix(b: &[u8]) -> usize {
    let mut i = 0usize;
    while let Some(c) = b.get(i..i.wrapping_add(64)) {
        // Folds to a few vector ORs and one sign-bit test.
        if c.iter().fold(0u8, |a, &x| a | x) >= 0x80 {
            break;
        }
        i += 64;
    }
    let rest = b.get(i..).unwrap_or_default();
    if rest.is_ascii() {
        return b.len();
    }
    i + rest
        .iter()
        .position(|c| !c.is_ascii())
        .unwrap_or(rest.len())
}

/// The end of the run of text bytes of `b` from `i` (`b.len()` when the
/// run reaches the end): printable ASCII and HTAB, the bytes of a `text`
/// value that need no UTF-8 decoding.
#[inline(always)]
pub(super) fn text_end(b: &[u8], i: usize) -> usize {
    find(b, i, mask::non_text, |c| !is_text(c)).unwrap_or(b.len().max(i))
}

/// Printable ASCII or HTAB.
#[inline(always)]
pub(super) fn is_text(c: u8) -> bool {
    (0x20..0x7f).contains(&c) || c == b'\t'
}

/// A run of hostname bytes (letters, digits, `.`, `-`) from `i` that
/// ends within 64 bytes, with sixteen-byte steps that stay inside `b`:
/// its length and which of its bytes are dots and dashes (bit k for
/// `b[i + k]`). `None` for a longer run or one too near the end of `b`
/// (the caller then walks it another way).
#[inline(always)]
pub(super) fn host_masks(b: &[u8], i: usize) -> Option<(usize, u64, u64)> {
    let mut dots = 0u64;
    let mut dashes = 0u64;
    for k in 0..4 {
        let at = i.wrapping_add(16 * k);
        let c = b
            .get(at..at.wrapping_add(16))
            .and_then(|s| <&[u8; 16]>::try_from(s).ok())?;
        let (stop, dot, dash) = mask::host(c);
        dots |= u64::from(dot) << (16 * k);
        dashes |= u64::from(dash) << (16 * k);
        if stop != 0 {
            let n = 16 * k + stop.trailing_zeros() as usize;
            let keep = (1u64 << n) - 1;
            return Some((n, dots & keep, dashes & keep));
        }
    }
    None
}

/// The end of the run of bytes of `b` from `i` in a class that holds
/// every ASCII letter and digit (`member` must say so for them): each
/// sixteen bytes are classified at once, and only their other bytes are
/// asked about, by walking the chunk's bits. (Starting a new vector step
/// after every separator made each `.` of a host or Call-ID one more
/// load-compare-count latency chain.)
#[inline(always)]
pub(super) fn class_end(b: &[u8], mut i: usize, member: impl Fn(u8) -> bool) -> usize {
    while let Some(c) = b
        .get(i..i.wrapping_add(16))
        .and_then(|s| <&[u8; 16]>::try_from(s).ok())
    {
        let mut m = mask::non_alnum(c);
        while m != 0 {
            let k = m.trailing_zeros() as usize;
            if !c.get(k).is_some_and(|&x| member(x)) {
                return i + k;
            }
            m &= m - 1;
        }
        i += 16;
    }
    // Fewer than sixteen bytes are left.
    while let Some(&x) = b.get(i) {
        if !(x.is_ascii_alphanumeric() || member(x)) {
            break;
        }
        i += 1;
    }
    i
}

/// The first position at or after `i` whose bit `mask` sets (bit k of
/// `mask(c)` stands for `c[k]`, and is set exactly when `hit(c[k])`).
#[inline(always)]
fn find(
    b: &[u8],
    mut i: usize,
    mask: impl Fn(&[u8; 16]) -> u32,
    hit: impl Fn(u8) -> bool,
) -> Option<usize> {
    // `get(i..i + 16)` is one bounds test (`first_chunk` after `get(i..)`
    // is two); a wrapped end is a range `get` refuses, like one past the
    // end.
    while let Some(c) = b
        .get(i..i.wrapping_add(16))
        .and_then(|s| <&[u8; 16]>::try_from(s).ok())
    {
        let m = mask(c);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 16;
    }
    let n = b.len();
    if i >= n {
        return None;
    }
    // Fewer than sixteen bytes are left: classify the last sixteen of
    // `b` and drop the bits before `i`.
    if let Some(last) = n
        .checked_sub(16)
        .and_then(|s| b.get(s..))
        .and_then(|s| s.first_chunk::<16>())
    {
        let m = mask(last) >> (i + 16 - n);
        return (m != 0).then(|| i + m.trailing_zeros() as usize);
    }
    b.get(i..)?.iter().position(|&c| hit(c)).map(|k| i + k)
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod mask {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_min_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_set_epi64x,
    };

    #[inline(always)]
    fn load(c: &[u8; 16]) -> __m128i {
        let (lo, hi) = c.split_at(8);
        let lo = i64::from_le_bytes(lo.try_into().unwrap_or_default());
        let hi = i64::from_le_bytes(hi.try_into().unwrap_or_default());
        // SAFETY: SSE2 is enabled for this build (the module's cfg).
        unsafe { _mm_set_epi64x(hi, lo) }
    }

    /// Bit k set when `c[k]` is CR or LF.
    #[inline(always)]
    pub(super) fn cr_lf(c: &[u8; 16]) -> u32 {
        let v = load(c);
        // SAFETY: SSE2 is enabled for this build (the module's cfg).
        unsafe {
            let m = _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\r' as i8)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8)),
            );
            _mm_movemask_epi8(m) as u32
        }
    }

    /// Bit k set when `c[k]` <= 0x20 or is ':'.
    #[inline(always)]
    pub(super) fn name_stop(c: &[u8; 16]) -> u32 {
        let v = load(c);
        // SAFETY: SSE2 is enabled for this build (the module's cfg).
        unsafe {
            let space = _mm_set1_epi8(b' ' as i8);
            let low = _mm_cmpeq_epi8(_mm_min_epu8(v, space), v);
            let colon = _mm_cmpeq_epi8(v, _mm_set1_epi8(b':' as i8));
            _mm_movemask_epi8(_mm_or_si128(low, colon)) as u32
        }
    }

    /// Bit k of the first mask set when `c[k]` is no hostname byte
    /// (letter, digit, `.`, `-`); of the others, when it is `.` / `-`.
    #[inline(always)]
    pub(super) fn host(c: &[u8; 16]) -> (u32, u32, u32) {
        let v = load(c);
        // SAFETY: SSE2 is enabled for this build (the module's cfg).
        unsafe {
            let dot = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8));
            let dash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8));
            let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let letters = _mm_cmplt_epi8(
                _mm_add_epi8(lower, _mm_set1_epi8(0x80u8.wrapping_sub(b'a') as i8)),
                _mm_set1_epi8((-128 + 26) as i8),
            );
            let digits = _mm_cmplt_epi8(
                _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(b'0') as i8)),
                _mm_set1_epi8((-128 + 10) as i8),
            );
            let member = _mm_or_si128(_mm_or_si128(letters, digits), _mm_or_si128(dot, dash));
            (
                !(_mm_movemask_epi8(member) as u32) & 0xffff,
                _mm_movemask_epi8(dot) as u32,
                _mm_movemask_epi8(dash) as u32,
            )
        }
    }

    /// Bit k set when `c[k]` is not printable ASCII or HTAB.
    #[inline(always)]
    pub(super) fn non_text(c: &[u8; 16]) -> u32 {
        let v = load(c);
        // SAFETY: SSE2 is enabled for this build (the module's cfg).
        unsafe {
            // Signed, 0x80..=0xff are below 0x20 too.
            let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
            let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
            let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8));
            _mm_movemask_epi8(_mm_andnot_si128(tab, _mm_or_si128(low, del))) as u32
        }
    }

    /// Bit k set when `c[k]` is not an ASCII letter or digit.
    ///
    /// Adding `0x80 - lo` maps the range `lo..lo + n` onto the lowest
    /// `n` signed bytes, so one signed compare tests the range.
    #[inline(always)]
    pub(super) fn non_alnum(c: &[u8; 16]) -> u32 {
        let v = load(c);
        // SAFETY: SSE2 is enabled for this build (the module's cfg).
        unsafe {
            // `| 0x20` folds exactly the letters onto `a..=z`.
            let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let letters = _mm_cmplt_epi8(
                _mm_add_epi8(lower, _mm_set1_epi8(0x80u8.wrapping_sub(b'a') as i8)),
                _mm_set1_epi8((-128 + 26) as i8),
            );
            let digits = _mm_cmplt_epi8(
                _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(b'0') as i8)),
                _mm_set1_epi8((-128 + 10) as i8),
            );
            !(_mm_movemask_epi8(_mm_or_si128(letters, digits)) as u32) & 0xffff
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
mod mask {
    #[inline(always)]
    fn bits(c: &[u8; 16], hit: impl Fn(u8) -> bool) -> u32 {
        c.iter()
            .enumerate()
            .fold(0, |m, (k, &x)| m | (u32::from(hit(x)) << k))
    }

    pub(super) fn cr_lf(c: &[u8; 16]) -> u32 {
        bits(c, |x| x == b'\r' || x == b'\n')
    }

    pub(super) fn name_stop(c: &[u8; 16]) -> u32 {
        bits(c, |x| x <= b' ' || x == b':')
    }

    pub(super) fn non_alnum(c: &[u8; 16]) -> u32 {
        bits(c, |x| !x.is_ascii_alphanumeric())
    }

    pub(super) fn non_text(c: &[u8; 16]) -> u32 {
        bits(c, |x| !super::is_text(x))
    }

    pub(super) fn host(c: &[u8; 16]) -> (u32, u32, u32) {
        (
            bits(c, |x| {
                !(x.is_ascii_alphanumeric() || x == b'.' || x == b'-')
            }),
            bits(c, |x| x == b'.'),
            bits(c, |x| x == b'-'),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte_loop(b: &[u8], from: usize, hit: impl Fn(u8) -> bool) -> Option<usize> {
        b.get(from..)
            .and_then(|t| t.iter().position(|&x| hit(x)))
            .map(|k| from + k)
    }

    /// Every search against its byte loop, for every position of every
    /// interesting byte in buffers of every length up to 48 (the full
    /// sixteen-byte steps, the overlapping last step, the short tail).
    #[test]
    fn searches_match_a_byte_loop() {
        let specials = [
            b'\r', b'\n', b'\t', b' ', b':', b'.', b'-', 0x00, 0x1f, 0x20, 0x21, 0x2f, b'0', b'9',
            0x3a, 0x40, b'A', b'Z', 0x5b, 0x60, b'a', b'z', 0x7b, 0x7f, 0x80, 0xc1, 0xe1, 0xff,
        ];
        for len in 0..48 {
            for &c in &specials {
                for at in 0..len.max(1) {
                    let mut b = vec![b'x'; len];
                    if let Some(slot) = b.get_mut(at) {
                        *slot = c;
                    }
                    if let Some(slot) = b.get_mut(at + 17) {
                        *slot = b'\n';
                    }
                    for from in 0..=len + 1 {
                        let crlf = |x| x == b'\r' || x == b'\n';
                        assert_eq!(find_cr_lf(&b, from), byte_loop(&b, from, crlf));
                        let stop = |x| x <= b' ' || x == b':';
                        assert_eq!(find_name_end(&b, from), byte_loop(&b, from, stop));
                        let other = |x: u8| !x.is_ascii_alphanumeric();
                        let want = byte_loop(&b, from, other).unwrap_or(len.max(from));
                        assert_eq!(alnum_end(&b, from), want, "{b:?} from {from}");
                        let want = byte_loop(&b, from, |x| !is_text(x)).unwrap_or(len.max(from));
                        assert_eq!(text_end(&b, from), want, "{b:?} from {from}");
                    }
                }
            }
        }
    }

    /// Every byte value, at every lane, against `is_ascii_alphanumeric`.
    #[test]
    fn alnum_class_is_exact_for_every_byte() {
        for v in 0..=255u8 {
            for lane in 0..16 {
                let mut c = [b'a'; 16];
                c[lane] = v;
                let want = u32::from(!v.is_ascii_alphanumeric()) << lane;
                assert_eq!(mask::non_alnum(&c), want, "byte {v:#x} lane {lane}");
                let want = u32::from(v == b'\r' || v == b'\n') << lane;
                assert_eq!(mask::cr_lf(&c), want, "byte {v:#x} lane {lane}");
                let want = u32::from(v <= b' ' || v == b':') << lane;
                assert_eq!(mask::name_stop(&c), want, "byte {v:#x} lane {lane}");
                let want = u32::from(!is_text(v)) << lane;
                assert_eq!(mask::non_text(&c), want, "byte {v:#x} lane {lane}");
                let host = v.is_ascii_alphanumeric() || v == b'.' || v == b'-';
                let want = (
                    u32::from(!host) << lane,
                    u32::from(v == b'.') << lane,
                    u32::from(v == b'-') << lane,
                );
                assert_eq!(mask::host(&c), want, "byte {v:#x} lane {lane}");
            }
        }
    }

    #[test]
    fn ascii_prefix_stops_at_the_first_high_byte() {
        for len in 0..200 {
            let mut b = vec![b'a'; len];
            assert_eq!(ascii_prefix(&b), len);
            for at in (0..len).step_by(7) {
                b[at] = 0x80;
                assert_eq!(ascii_prefix(&b), at, "len {len} at {at}");
                b[at] = 0xff;
                assert_eq!(ascii_prefix(&b), at, "len {len} at {at}");
                b[at] = 0x7f;
            }
        }
    }

    #[test]
    fn class_end_skips_members() {
        let b = b"z9hG4bK77ef4c2312983.1;received";
        assert_eq!(class_end(b, 0, |c| c == b'.'), 22);
        assert_eq!(class_end(b, 0, |_| false), 20);
        assert_eq!(class_end(b, 23, |_| false), b.len());
        assert_eq!(class_end(b, 40, |_| true), 40);
    }

    #[test]
    fn class_end_matches_the_byte_walk() {
        // Runs of letters, digits, dots and stops at every offset and
        // length around the sixteen-byte steps.
        let walk = |b: &[u8], i: usize| {
            let ok = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
            (i..b.len()).find(|&k| !ok(b[k])).unwrap_or(b.len().max(i))
        };
        let alphabet = b"a7.-Z;@ \r";
        let mut x = 0x2545_f491u32;
        for len in 0..70 {
            for _ in 0..40 {
                let b: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        // Mostly run bytes, so runs cross chunk edges.
                        let k = (x % 23) as usize;
                        alphabet[if k < 20 { k % 4 } else { k - 16 }]
                    })
                    .collect();
                for i in 0..=len + 1 {
                    let got = class_end(&b, i, |c| c == b'.' || c == b'-');
                    assert_eq!(
                        got,
                        walk(&b, i),
                        "{:?} from {i}",
                        String::from_utf8_lossy(&b)
                    );
                }
            }
        }
    }
}
