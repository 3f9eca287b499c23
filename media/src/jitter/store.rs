//! Packet storage of the jitter buffer: a ring of slots indexed by the
//! *extended* sequence number (RFC 3550 A.1: the 16-bit number plus the
//! count of wraps), never by the 16-bit number itself.
//!
//! Why: a slot chosen by `seq % slots` with a slot count that does not
//! divide 65,536 (23 with the old defaults) maps two packets 9 apart onto
//! one slot across the wrap (65,536 mod 23 = 9), so under jitter or
//! reordering near 65,535 → 0 one of them was dropped. Extended numbers grow
//! monotonically, so any window of `capacity` consecutive numbers maps onto
//! distinct slots. The capacity is a power of two so the index is a mask.
//!
//! Payload bytes live in one contiguous block, `slot_bytes` per slot. The
//! block is sized by the first packet stored (rounded up to 64 bytes) and
//! grows, copying what is buffered, only when a larger packet comes, up to
//! the configured maximum: a PCMU call with 20 ms packets holds 32 × 192
//! bytes, not 32 × 1,500. Growth happens at most a few times per call, so
//! the steady state allocates nothing.

/// Metadata of one stored packet.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Slot {
    pub used: bool,
    pub ext: u64,
    pub payload_type: u8,
    pub timestamp: u32,
    pub len: usize,
}

/// The ring.
#[derive(Debug)]
pub(super) struct Store {
    slots: Vec<Slot>,
    mask: u64,
    data: Vec<u8>,
    slot_bytes: usize,
    max_payload: usize,
    used: usize,
}

/// Payload block granularity: keeps a peer's small size changes (Opus VBR)
/// from regrowing the block packet after packet.
const GRAIN: usize = 64;

impl Store {
    /// A ring of at least `min_slots` slots (rounded up to a power of two).
    pub fn new(min_slots: usize, max_payload: usize) -> Self {
        let cap = min_slots.max(2).next_power_of_two();
        Store {
            slots: vec![Slot::default(); cap],
            mask: cap as u64 - 1,
            data: Vec::new(),
            slot_bytes: 0,
            max_payload,
            used: 0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Packets stored.
    pub fn level(&self) -> usize {
        self.used
    }

    /// Bytes held for payloads (for memory accounting).
    pub fn payload_bytes(&self) -> usize {
        self.data.len()
    }

    fn index(&self, ext: u64) -> usize {
        (ext & self.mask) as usize
    }

    /// The slot that `ext` maps to.
    pub fn slot(&self, ext: u64) -> &Slot {
        // The mask keeps the index in range; `get` keeps this panic-free anyway.
        self.slots.get(self.index(ext)).unwrap_or(&EMPTY)
    }

    /// True when `ext` itself is stored.
    pub fn holds(&self, ext: u64) -> bool {
        let s = self.slot(ext);
        s.used && s.ext == ext
    }

    /// The payload stored for `ext`, if it is stored.
    pub fn payload(&self, ext: u64) -> Option<(&Slot, &[u8])> {
        let i = self.index(ext);
        let s = self.slots.get(i)?;
        if !(s.used && s.ext == ext) {
            return None;
        }
        let start = i * self.slot_bytes;
        Some((s, self.data.get(start..start + s.len)?))
    }

    /// Makes room for payloads of `len` bytes; false if over the maximum.
    fn ensure(&mut self, len: usize) -> bool {
        if len <= self.slot_bytes {
            return true;
        }
        if len > self.max_payload {
            return false;
        }
        let new_bytes = len
            .div_ceil(GRAIN)
            .saturating_mul(GRAIN)
            .min(self.max_payload);
        let mut data = vec![0u8; new_bytes * self.slots.len()];
        for (i, s) in self.slots.iter().enumerate() {
            if !s.used {
                continue;
            }
            let (from, to) = (i * self.slot_bytes, i * new_bytes);
            if let (Some(src), Some(dst)) = (
                self.data.get(from..from + s.len),
                data.get_mut(to..to + s.len),
            ) {
                dst.copy_from_slice(src);
            }
        }
        self.data = data;
        self.slot_bytes = new_bytes;
        true
    }

    /// Stores a packet in `ext`'s slot, replacing whatever was there.
    /// Returns false (nothing stored) when the payload is too large.
    pub fn put(&mut self, ext: u64, payload_type: u8, timestamp: u32, payload: &[u8]) -> bool {
        if !self.ensure(payload.len()) {
            return false;
        }
        let i = self.index(ext);
        let start = i * self.slot_bytes;
        let Some(dst) = self.data.get_mut(start..start + payload.len()) else {
            return false;
        };
        dst.copy_from_slice(payload);
        let Some(s) = self.slots.get_mut(i) else {
            return false;
        };
        if !s.used {
            self.used += 1;
        }
        *s = Slot {
            used: true,
            ext,
            payload_type,
            timestamp,
            len: payload.len(),
        };
        true
    }

    /// Frees `ext`'s slot if it holds `ext`.
    pub fn take(&mut self, ext: u64) -> bool {
        let i = self.index(ext);
        match self.slots.get_mut(i) {
            Some(s) if s.used && s.ext == ext => {
                s.used = false;
                self.used -= 1;
                true
            }
            _ => false,
        }
    }

    /// The packet `ext`'s slot held right after [`take`](Self::take) freed
    /// it: its bytes stay until the slot is reused, so playout can borrow
    /// them without a copy.
    pub fn payload_of_taken(&self, ext: u64) -> Option<(Slot, &[u8])> {
        let i = self.index(ext);
        let s = self.slots.get(i)?;
        if s.ext != ext {
            return None;
        }
        let start = i * self.slot_bytes;
        Some((*s, self.data.get(start..start + s.len)?))
    }

    /// Frees every slot.
    pub fn clear(&mut self) {
        for s in &mut self.slots {
            s.used = false;
        }
        self.used = 0;
    }

    /// The lowest stored extended number, if any.
    pub fn earliest(&self) -> Option<u64> {
        self.slots.iter().filter(|s| s.used).map(|s| s.ext).min()
    }
}

static EMPTY: Slot = Slot {
    used: false,
    ext: 0,
    payload_type: 0,
    timestamp: 0,
    len: 0,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_on_demand_keeping_contents() {
        let mut s = Store::new(23, 1500);
        assert_eq!(s.capacity(), 32);
        assert_eq!(s.payload_bytes(), 0);
        assert!(s.put(100, 0, 0, &[1; 160]));
        assert_eq!(s.payload_bytes(), 32 * 192);
        assert!(s.put(101, 0, 160, &[2; 320]));
        assert_eq!(s.payload_bytes(), 32 * 320);
        assert_eq!(s.payload(100).unwrap().1, &[1; 160][..]);
        assert_eq!(s.payload(101).unwrap().1, &[2; 320][..]);
        assert!(!s.put(102, 0, 0, &[0; 1501]));
        assert_eq!(s.level(), 2);
        assert!(s.take(100));
        assert!(!s.take(100));
        assert_eq!(s.earliest(), Some(101));
    }

    #[test]
    fn window_of_capacity_never_collides() {
        let mut s = Store::new(23, 8);
        // 32 consecutive extended numbers straddling a 16-bit wrap.
        let base = (1u64 << 16) * 7 + 65_520;
        for e in base..base + 32 {
            assert!(s.put(e, 0, 0, &[e as u8]));
        }
        for e in base..base + 32 {
            assert_eq!(s.payload(e).unwrap().1, &[e as u8][..]);
        }
    }
}
