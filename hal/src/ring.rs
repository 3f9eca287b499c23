//! A lock-free single-producer single-consumer ring of audio frames: the
//! only path audio takes between a call's task and the media engine's mixer
//! thread, and between a call and an ALSA device thread (feature `alsa`).
//!
//! Samples live in `AtomicI16` cells, so the ring needs no `unsafe`: the
//! producer stores a frame's samples (relaxed), then publishes it by
//! advancing `tail` (release); the consumer sees the new `tail`
//! (acquire), reads the samples and frees the slots by advancing `head`
//! (release). Whole frames only: a frame that does not fit is refused
//! (and counted by the caller), never split. Nothing allocates after
//! [`FrameRing::new`].

use std::sync::atomic::{AtomicI16, AtomicUsize, Ordering};

/// Frames of one fixed length, at most `capacity` queued.
#[derive(Debug)]
pub struct FrameRing {
    cells: Box<[AtomicI16]>,
    frame: usize,
    frames: usize,
    /// Frames taken so far (written by the consumer only).
    head: AtomicUsize,
    /// Frames queued so far (written by the producer only).
    tail: AtomicUsize,
}

impl FrameRing {
    /// A ring of `frames` frames of `frame` samples.
    pub fn new(frame: usize, frames: usize) -> FrameRing {
        let frames = frames.max(1);
        let cells = (0..frame * frames).map(|_| AtomicI16::new(0)).collect();
        FrameRing {
            cells,
            frame,
            frames,
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
        }
    }

    /// Samples per frame.
    pub fn frame_len(&self) -> usize {
        self.frame
    }

    /// Frames queued now. Exact for the consumer (only the producer can
    /// raise it meanwhile); a lower bound of the free space for the producer.
    pub fn queued(&self) -> usize {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        tail.wrapping_sub(head)
    }

    /// How many frames the ring holds at most.
    pub fn capacity(&self) -> usize {
        self.frames
    }

    /// Queues `frame` (exactly [`frame_len`](Self::frame_len) samples);
    /// `false` when the ring is full or the length is wrong. Producer only.
    pub fn push(&self, frame: &[i16]) -> bool {
        if frame.len() != self.frame {
            return false;
        }
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        if tail.wrapping_sub(head) >= self.frames {
            return false;
        }
        let start = (tail % self.frames) * self.frame;
        if let Some(cells) = self.cells.get(start..start + self.frame) {
            for (c, &s) in cells.iter().zip(frame) {
                c.store(s, Ordering::Relaxed);
            }
        }
        self.tail.store(tail.wrapping_add(1), Ordering::Release);
        true
    }

    /// Takes the oldest frame into `out` (its length); `false`, with `out`
    /// untouched, when none is queued. Consumer only.
    pub fn pop(&self, out: &mut [i16]) -> bool {
        if out.len() != self.frame {
            return false;
        }
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        if head == tail {
            return false;
        }
        let start = (head % self.frames) * self.frame;
        if let Some(cells) = self.cells.get(start..start + self.frame) {
            for (o, c) in out.iter_mut().zip(cells) {
                *o = c.load(Ordering::Relaxed);
            }
        }
        self.head.store(head.wrapping_add(1), Ordering::Release);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_in_order_and_bounded() {
        let r = FrameRing::new(3, 2);
        assert!(r.push(&[1, 2, 3]));
        assert!(r.push(&[4, 5, 6]));
        assert!(!r.push(&[7, 8, 9]), "full");
        assert!(!r.push(&[1, 2]), "wrong length");
        let mut out = [0; 3];
        assert!(r.pop(&mut out));
        assert_eq!(out, [1, 2, 3]);
        assert!(r.push(&[7, 8, 9]));
        assert!(r.pop(&mut out));
        assert_eq!(out, [4, 5, 6]);
        assert!(r.pop(&mut out));
        assert_eq!(out, [7, 8, 9]);
        assert!(!r.pop(&mut out));
    }

    #[test]
    fn two_threads_see_every_frame_once() {
        let r = std::sync::Arc::new(FrameRing::new(4, 3));
        let p = r.clone();
        let producer = std::thread::spawn(move || {
            let mut i = 0i16;
            while i < 2000 {
                if p.push(&[i; 4]) {
                    i += 1;
                }
            }
        });
        let mut next = 0i16;
        let mut out = [0; 4];
        while next < 2000 {
            if r.pop(&mut out) {
                assert_eq!(out, [next; 4]);
                next += 1;
            }
        }
        producer.join().unwrap();
    }
}
