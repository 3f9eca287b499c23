//! In-memory drivers for tests and demos: a recording sink whose samples can
//! be inspected from another thread, a source that plays a buffer, and a
//! bounded loopback pair that connects a sink to a source.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::traits::{AudioError, AudioSink, AudioSource};

/// Locks, recovering the data if another thread panicked while holding the
/// lock: a test buffer is still worth reading after a failure elsewhere.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A sink that records everything written into a shared buffer.
///
/// The buffer grows without bound; it is meant for tests and short demos.
///
/// ```
/// use openphone_hal::{AudioSink, MemorySink};
/// let mut sink = MemorySink::new(8000);
/// let handle = sink.handle();
/// sink.write(&[1, 2, 3]).unwrap();
/// assert_eq!(handle.samples(), vec![1, 2, 3]);
/// ```
#[derive(Debug, Clone)]
pub struct MemorySink {
    rate: u32,
    buf: Arc<Mutex<Vec<i16>>>,
}

/// A cloneable view of a [`MemorySink`]'s recording, usable after the sink
/// has been moved into a call.
#[derive(Debug, Clone)]
pub struct MemoryHandle {
    buf: Arc<Mutex<Vec<i16>>>,
}

impl MemoryHandle {
    /// A copy of everything recorded so far.
    pub fn samples(&self) -> Vec<i16> {
        lock(&self.buf).clone()
    }

    /// Number of samples recorded so far.
    pub fn len(&self) -> usize {
        lock(&self.buf).len()
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        lock(&self.buf).is_empty()
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        lock(&self.buf).clear();
    }

    /// The shared buffer itself.
    pub fn buffer(&self) -> Arc<Mutex<Vec<i16>>> {
        Arc::clone(&self.buf)
    }
}

impl MemorySink {
    /// An empty recording sink at `rate`.
    pub fn new(rate: u32) -> Self {
        MemorySink {
            rate,
            buf: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// A sink recording into an existing shared buffer.
    pub fn with_buffer(rate: u32, buf: Arc<Mutex<Vec<i16>>>) -> Self {
        MemorySink { rate, buf }
    }

    /// A handle that reads the recording.
    pub fn handle(&self) -> MemoryHandle {
        MemoryHandle {
            buf: Arc::clone(&self.buf),
        }
    }

    /// A copy of everything recorded so far.
    pub fn samples(&self) -> Vec<i16> {
        lock(&self.buf).clone()
    }
}

impl AudioSink for MemorySink {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        lock(&self.buf).extend_from_slice(frame);
        Ok(())
    }
}

/// A source that plays a buffer once, then reports its end.
///
/// ```
/// use openphone_hal::{AudioSource, MemorySource};
/// let mut src = MemorySource::new(8000, vec![5, 6, 7]);
/// let mut frame = [0i16; 2];
/// assert!(src.read(&mut frame).unwrap());
/// assert_eq!(frame, [5, 6]);
/// assert!(!src.read(&mut frame).unwrap());
/// assert_eq!(frame, [7, 0]);
/// ```
#[derive(Debug, Clone)]
pub struct MemorySource {
    rate: u32,
    samples: Vec<i16>,
    pos: usize,
}

impl MemorySource {
    /// Plays `samples` at `rate`.
    pub fn new(rate: u32, samples: Vec<i16>) -> Self {
        MemorySource {
            rate,
            samples,
            pos: 0,
        }
    }

    /// Samples not yet played.
    pub fn remaining(&self) -> usize {
        self.samples.len().saturating_sub(self.pos)
    }
}

impl AudioSource for MemorySource {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        let rest = self.samples.get(self.pos..).unwrap_or(&[]);
        let n = rest.len().min(frame.len());
        let (head, tail) = frame.split_at_mut(n);
        head.copy_from_slice(&rest[..n]);
        tail.fill(0);
        self.pos += n;
        // The source has ended once it could not fill a whole frame.
        Ok(n == frame.len())
    }
}

#[derive(Debug)]
struct Ring {
    samples: VecDeque<i16>,
    capacity: usize,
    dropped: u64,
    sink_alive: bool,
}

/// Creates a connected pair: what is written to the sink is read from the
/// source, like a loopback cable.
///
/// The ring holds at most `capacity` samples. **Overflow policy:** when the
/// writer gets ahead of the reader, the *oldest* samples are dropped (and
/// counted in [`LoopbackSource::dropped`]) so that latency stays bounded, as
/// a real-time device would. When the reader gets ahead, it reads silence for
/// the missing part and the source stays live. Once the sink is dropped and
/// the ring drained, `read` returns `Ok(false)`.
///
/// ```
/// use openphone_hal::{memory, AudioSink, AudioSource};
/// let (mut sink, mut src) = memory::loopback(8000, 4);
/// sink.write(&[1, 2, 3, 4, 5, 6]).unwrap(); // 1 and 2 are dropped
/// let mut frame = [0i16; 5];
/// assert!(src.read(&mut frame).unwrap());
/// assert_eq!(frame, [3, 4, 5, 6, 0]);
/// assert_eq!(src.dropped(), 2);
/// ```
pub fn loopback(rate: u32, capacity: usize) -> (LoopbackSink, LoopbackSource) {
    let capacity = capacity.max(1);
    let ring = Arc::new(Mutex::new(Ring {
        samples: VecDeque::with_capacity(capacity.min(1 << 20)),
        capacity,
        dropped: 0,
        sink_alive: true,
    }));
    (
        LoopbackSink {
            rate,
            ring: Arc::clone(&ring),
        },
        LoopbackSource { rate, ring },
    )
}

/// The writing end of a [`loopback`] pair.
#[derive(Debug)]
pub struct LoopbackSink {
    rate: u32,
    ring: Arc<Mutex<Ring>>,
}

/// The reading end of a [`loopback`] pair.
#[derive(Debug)]
pub struct LoopbackSource {
    rate: u32,
    ring: Arc<Mutex<Ring>>,
}

impl LoopbackSource {
    /// Samples dropped so far because the ring was full.
    pub fn dropped(&self) -> u64 {
        lock(&self.ring).dropped
    }

    /// Samples waiting to be read.
    pub fn available(&self) -> usize {
        lock(&self.ring).samples.len()
    }
}

impl AudioSink for LoopbackSink {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        let mut ring = lock(&self.ring);
        let cap = ring.capacity;
        // Only the newest `cap` samples of a huge frame can survive anyway.
        let skip = frame.len().saturating_sub(cap);
        ring.dropped = ring.dropped.saturating_add(skip as u64);
        let kept = frame.get(skip..).unwrap_or(&[]);
        let overflow = (ring.samples.len() + kept.len()).saturating_sub(cap);
        ring.samples.drain(..overflow);
        ring.dropped = ring.dropped.saturating_add(overflow as u64);
        ring.samples.extend(kept.iter().copied());
        Ok(())
    }
}

impl Drop for LoopbackSink {
    fn drop(&mut self) {
        lock(&self.ring).sink_alive = false;
    }
}

impl AudioSource for LoopbackSource {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        let mut ring = lock(&self.ring);
        let n = ring.samples.len().min(frame.len());
        for (slot, s) in frame.iter_mut().zip(ring.samples.drain(..n)) {
            *slot = s;
        }
        if let Some(rest) = frame.get_mut(n..) {
            rest.fill(0);
        }
        Ok(ring.sink_alive || !ring.samples.is_empty() || (n == frame.len() && n > 0))
    }
}
