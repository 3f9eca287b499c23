//! A fixed-capacity sample queue that drops its oldest samples when full,
//! so a party that pushes too much (or a listener that stops pulling)
//! costs bounded memory and bounded delay.

/// A ring of `i16` samples allocated once.
#[derive(Debug)]
pub(crate) struct Fifo {
    buf: Vec<i16>,
    start: usize,
    len: usize,
}

impl Fifo {
    pub(crate) fn new(capacity: usize) -> Fifo {
        Fifo {
            buf: vec![0; capacity],
            start: 0,
            len: 0,
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub(crate) fn clear(&mut self) {
        self.start = 0;
        self.len = 0;
    }

    /// Appends `x`, first dropping as many of the oldest samples as needed
    /// (all of them, and the head of `x`, if `x` alone overfills the ring).
    /// Returns how many samples were dropped.
    pub(crate) fn push(&mut self, x: &[i16]) -> usize {
        let cap = self.buf.len();
        if cap == 0 {
            return x.len();
        }
        let (x, mut dropped) = if x.len() > cap {
            (&x[x.len() - cap..], x.len() - cap)
        } else {
            (x, 0)
        };
        let excess = (self.len + x.len()).saturating_sub(cap);
        if excess > 0 {
            self.start = (self.start + excess) % cap;
            self.len -= excess;
            dropped += excess;
        }
        let mut end = (self.start + self.len) % cap;
        let first = x.len().min(cap - end);
        self.buf[end..end + first].copy_from_slice(&x[..first]);
        end = (end + first) % cap;
        let rest = x.len() - first;
        self.buf[end..end + rest].copy_from_slice(&x[first..]);
        self.len += x.len();
        dropped
    }

    /// Fills `out` with the oldest `out.len()` samples and removes them, or
    /// returns `false` and leaves the queue alone if it holds fewer.
    pub(crate) fn pop_exact(&mut self, out: &mut [i16]) -> bool {
        let n = out.len();
        if n > self.len {
            return false;
        }
        let cap = self.buf.len();
        if n == 0 {
            return true;
        }
        let first = n.min(cap - self.start);
        out[..first].copy_from_slice(&self.buf[self.start..self.start + first]);
        out[first..].copy_from_slice(&self.buf[..n - first]);
        self.start = (self.start + n) % cap;
        self.len -= n;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_in_order() {
        let mut f = Fifo::new(5);
        assert_eq!(f.push(&[1, 2, 3]), 0);
        let mut two = [0; 2];
        assert!(f.pop_exact(&mut two));
        assert_eq!(two, [1, 2]);
        assert_eq!(f.push(&[4, 5, 6, 7]), 0); // wraps the end of the ring
        let mut five = [0; 5];
        assert!(f.pop_exact(&mut five));
        assert_eq!(five, [3, 4, 5, 6, 7]);
        assert_eq!(f.len(), 0);
        assert!(!f.pop_exact(&mut two));
    }

    #[test]
    fn overflow_drops_oldest() {
        let mut f = Fifo::new(4);
        f.push(&[1, 2, 3]);
        assert_eq!(f.push(&[4, 5, 6]), 2);
        let mut out = [0; 4];
        assert!(f.pop_exact(&mut out));
        assert_eq!(out, [3, 4, 5, 6]);
        // A push longer than the ring keeps its newest samples.
        assert_eq!(f.push(&[1, 2, 3, 4, 5, 6]), 2);
        assert!(f.pop_exact(&mut out));
        assert_eq!(out, [3, 4, 5, 6]);
        f.push(&[9]);
        f.clear();
        assert_eq!(f.len(), 0);
    }

    #[test]
    fn short_pop_leaves_queue_alone() {
        let mut f = Fifo::new(8);
        f.push(&[1, 2, 3]);
        let mut out = [7; 4];
        assert!(!f.pop_exact(&mut out));
        assert_eq!(out, [7; 4]);
        assert_eq!(f.len(), 3);
    }
}
