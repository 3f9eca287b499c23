//! libspeexdsp's adaptive jitter buffer (`speex/speex_jitter.h`) through
//! FFI, used as its header documents and as libspeex's own Speex wrapper
//! uses it: `jitter_buffer_init(step)` with the frame size in timestamp
//! units, `jitter_buffer_put` on each arrival (timestamp, span = one frame,
//! sequence), and once per frame `jitter_buffer_get(desired_span = one
//! frame)` followed by `jitter_buffer_tick`.
//!
//! Not called: `jitter_buffer_update_delay`. The buffer adjusts its delay by
//! itself in `get`/`tick` while "auto adjust" is on (the default); calling
//! `update_delay` switches auto adjust off for good and hands the timing of
//! adjustments to the application (e.g. only in silence, which needs a VAD;
//! these traces carry no speech/silence information). With default settings
//! (margin 0, max late rate 4 %, automatic late cost) it is the library's
//! out-of-the-box behaviour.
//!
//! A returned span longer than one frame (an insertion of several frames)
//! is played out over as many ticks before `get` is called again, with a
//! `tick` every frame, so the buffer's notion of what the application still
//! holds (`buffered`) matches what happens.

use std::ffi::{c_char, c_int};
use std::ptr::NonNull;

use super::run::{Buffer, Tick};
use super::trace::SPAN;

/// `JitterBufferPacket` of speex_jitter.h.
#[repr(C)]
struct JitterBufferPacket {
    data: *mut c_char,
    len: u32,
    timestamp: u32,
    span: u32,
    sequence: u16,
    user_data: u32,
}

/// The opaque `JitterBuffer`.
#[repr(C)]
struct SpxJitterBuffer {
    _private: [u8; 0],
}

const JITTER_BUFFER_OK: c_int = 0;
const JITTER_BUFFER_MISSING: c_int = 1;
const JITTER_BUFFER_INSERTION: c_int = 2;

#[link(name = "speexdsp")]
extern "C" {
    fn jitter_buffer_init(step_size: c_int) -> *mut SpxJitterBuffer;
    fn jitter_buffer_destroy(jitter: *mut SpxJitterBuffer);
    fn jitter_buffer_put(jitter: *mut SpxJitterBuffer, packet: *const JitterBufferPacket);
    fn jitter_buffer_get(
        jitter: *mut SpxJitterBuffer,
        packet: *mut JitterBufferPacket,
        desired_span: i32,
        start_offset: *mut i32,
    ) -> c_int;
    fn jitter_buffer_tick(jitter: *mut SpxJitterBuffer);
    fn jitter_buffer_get_pointer_timestamp(jitter: *mut SpxJitterBuffer) -> c_int;
}

/// libspeexdsp's buffer behind the [`Buffer`] interface.
pub struct Speex {
    jb: NonNull<SpxJitterBuffer>,
    /// A packet has been returned since the last (re)sync: the buffer has
    /// a playout position.
    synced: bool,
    /// Units of an inserted span still to be played before the next `get`.
    pending: u32,
    /// Mirror of the library's count of consecutive frames without a
    /// packet: above 20 the next `put` resets the buffer (re-sync).
    lost_run: u32,
    data: [u8; 1500],
    forced_insertions: u64,
    planned_insertions: u64,
    missing: u64,
}

impl Speex {
    /// A buffer with one 20 ms frame as step; None if the library fails
    /// to allocate.
    pub fn new() -> Option<Self> {
        // SAFETY: plain constructor; null is checked.
        let jb = NonNull::new(unsafe { jitter_buffer_init(SPAN as c_int) })?;
        Some(Speex {
            jb,
            synced: false,
            pending: 0,
            lost_run: 0,
            data: [0; 1500],
            forced_insertions: 0,
            planned_insertions: 0,
            missing: 0,
        })
    }

    fn pointer(&self) -> u32 {
        // SAFETY: `jb` is a live buffer from `jitter_buffer_init`.
        unsafe { jitter_buffer_get_pointer_timestamp(self.jb.as_ptr()) as u32 }
    }
}

impl Drop for Speex {
    fn drop(&mut self) {
        // SAFETY: created by `jitter_buffer_init`, destroyed once.
        unsafe { jitter_buffer_destroy(self.jb.as_ptr()) }
    }
}

impl Buffer for Speex {
    fn push(&mut self, _now_us: u64, seq: u16, ts: u32) -> bool {
        if self.lost_run > 20 {
            // This put resets the library's buffer: no playout position.
            self.synced = false;
            self.lost_run = 0;
        }
        // Late: its whole span lies before the playout position, so `get`
        // can never return it (the library files it and discards it on a
        // later put).
        let late = self.synced && ts.wrapping_add(SPAN).wrapping_sub(self.pointer()) as i32 <= 0;
        let mut payload = [0xFFu8; 160];
        let packet = JitterBufferPacket {
            data: payload.as_mut_ptr().cast(),
            len: payload.len() as u32,
            timestamp: ts,
            span: SPAN,
            sequence: seq,
            user_data: 0,
        };
        // SAFETY: `packet` points at `payload`, alive for the call; the
        // library copies the bytes (no destroy callback is set).
        unsafe { jitter_buffer_put(self.jb.as_ptr(), &packet) };
        late
    }

    fn tick(&mut self, _now_us: u64) -> Tick {
        let out = if self.pending >= SPAN {
            self.pending -= SPAN;
            Tick::Inserted
        } else {
            self.pending = 0;
            let before = self.pointer();
            let mut packet = JitterBufferPacket {
                data: self.data.as_mut_ptr().cast(),
                len: self.data.len() as u32,
                timestamp: 0,
                span: 0,
                sequence: 0,
                user_data: 0,
            };
            let mut offset = 0i32;
            // SAFETY: `packet.data` has room for `len` bytes, which bounds
            // the library's copy; `offset` is a valid out pointer.
            let ret = unsafe {
                jitter_buffer_get(self.jb.as_ptr(), &mut packet, SPAN as i32, &mut offset)
            };
            self.pending = packet.span.saturating_sub(SPAN);
            match ret {
                JITTER_BUFFER_OK => {
                    self.synced = true;
                    self.lost_run = 0;
                    Tick::Played {
                        seq: packet.sequence,
                        ts: packet.timestamp,
                    }
                }
                JITTER_BUFFER_INSERTION => {
                    // Forced (a frame was missing and the buffer chose to
                    // grow): the position stays. Planned (decided in the
                    // last tick): the position moves past the inserted span.
                    if self.pointer() == before {
                        self.forced_insertions += 1;
                        self.lost_run += 1;
                    } else {
                        self.planned_insertions += 1;
                    }
                    Tick::Inserted
                }
                JITTER_BUFFER_MISSING if self.synced => {
                    self.missing += 1;
                    self.lost_run += 1;
                    Tick::Concealed
                }
                _ => Tick::Idle,
            }
        };
        // SAFETY: live buffer.
        unsafe { jitter_buffer_tick(self.jb.as_ptr()) };
        out
    }

    fn notes(&self) -> String {
        format!(
            "missing {}, insertions forced {} / planned {}",
            self.missing, self.forced_insertions, self.planned_insertions
        )
    }
}
