//! Hand-written declarations for the parts of libspeex (1.2, `<speex/speex.h>`,
//! `<speex/speex_bits.h>`) that [`super::speex`] uses. Linked by `build.rs`
//! through pkg-config when the `speex` feature is on. Only `speex.rs` calls
//! these, and it upholds their contracts.

use std::os::raw::{c_char, c_int, c_void};

/// `SpeexBits` from `speex_bits.h` (layout must match the C struct).
#[repr(C)]
pub(crate) struct SpeexBits {
    pub chars: *mut c_char,
    pub nb_bits: c_int,
    pub char_ptr: c_int,
    pub bit_ptr: c_int,
    pub owner: c_int,
    pub overflow: c_int,
    pub buf_size: c_int,
    pub reserved1: c_int,
    pub reserved2: *mut c_void,
}

impl SpeexBits {
    /// An all-zero struct, to be filled by `speex_bits_init`.
    pub(crate) fn zeroed() -> Self {
        SpeexBits {
            chars: std::ptr::null_mut(),
            nb_bits: 0,
            char_ptr: 0,
            bit_ptr: 0,
            owner: 0,
            overflow: 0,
            buf_size: 0,
            reserved1: 0,
            reserved2: std::ptr::null_mut(),
        }
    }
}

/// Opaque `SpeexMode`.
#[repr(C)]
pub(crate) struct SpeexMode {
    _private: [u8; 0],
}

pub(crate) const SPEEX_SET_ENH: c_int = 0;
pub(crate) const SPEEX_GET_FRAME_SIZE: c_int = 3;
pub(crate) const SPEEX_SET_QUALITY: c_int = 4;
pub(crate) const SPEEX_SET_MODE: c_int = 6;
pub(crate) const SPEEX_SET_VBR: c_int = 12;
pub(crate) const SPEEX_SET_VBR_QUALITY: c_int = 14;
pub(crate) const SPEEX_SET_COMPLEXITY: c_int = 16;
pub(crate) const SPEEX_SET_VAD: c_int = 30;
pub(crate) const SPEEX_GET_LOOKAHEAD: c_int = 39;
pub(crate) const SPEEX_SET_HIGHPASS: c_int = 44;

pub(crate) const SPEEX_MODEID_NB: c_int = 0;
pub(crate) const SPEEX_MODEID_WB: c_int = 1;

// The library is named by build.rs (pkg-config emits `-lspeex`).
extern "C" {
    pub(crate) fn speex_lib_get_mode(mode: c_int) -> *const SpeexMode;

    pub(crate) fn speex_encoder_init(mode: *const SpeexMode) -> *mut c_void;
    pub(crate) fn speex_encoder_destroy(state: *mut c_void);
    pub(crate) fn speex_encode_int(
        state: *mut c_void,
        input: *mut i16,
        bits: *mut SpeexBits,
    ) -> c_int;
    pub(crate) fn speex_encoder_ctl(state: *mut c_void, request: c_int, ptr: *mut c_void) -> c_int;

    pub(crate) fn speex_decoder_init(mode: *const SpeexMode) -> *mut c_void;
    pub(crate) fn speex_decoder_destroy(state: *mut c_void);
    pub(crate) fn speex_decode_int(
        state: *mut c_void,
        bits: *mut SpeexBits,
        out: *mut i16,
    ) -> c_int;
    pub(crate) fn speex_decoder_ctl(state: *mut c_void, request: c_int, ptr: *mut c_void) -> c_int;

    pub(crate) fn speex_bits_init(bits: *mut SpeexBits);
    pub(crate) fn speex_bits_destroy(bits: *mut SpeexBits);
    pub(crate) fn speex_bits_reset(bits: *mut SpeexBits);
    pub(crate) fn speex_bits_read_from(bits: *mut SpeexBits, bytes: *const c_char, len: c_int);
    pub(crate) fn speex_bits_write(
        bits: *mut SpeexBits,
        bytes: *mut c_char,
        max_len: c_int,
    ) -> c_int;
    pub(crate) fn speex_bits_nbytes(bits: *mut SpeexBits) -> c_int;
    pub(crate) fn speex_bits_remaining(bits: *mut SpeexBits) -> c_int;
    pub(crate) fn speex_bits_peek_unsigned(bits: *mut SpeexBits, nb_bits: c_int) -> u32;
    pub(crate) fn speex_bits_insert_terminator(bits: *mut SpeexBits);
}
