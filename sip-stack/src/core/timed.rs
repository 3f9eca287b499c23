//! A map whose entries' deadlines are kept in a heap, so that finding the
//! next timer and the due entries costs O(log n) instead of a scan.
//!
//! The core holds every transaction and call until its timers end (a UDP
//! non-INVITE server transaction lingers 32 s in Completed, RFC 3261
//! §17.2.2): at 1,000 calls/s that is tens of thousands of entries, and a
//! scan of all of them after every datagram made the cost per call grow
//! with the call rate until SIPp's retransmissions gave up.
//!
//! Exactness: an entry's deadline is a function of the entry, and the map
//! hands out `&mut` access only through [`Timed::get_mut`] and
//! [`Timed::insert`], which note the key. Noted keys are re-read before
//! any question about deadlines is answered (`flush`), so the heap always
//! knows the current deadline of every entry. Superseded heap items stay
//! until they reach the top and are then dropped; the heap is rebuilt when
//! they outnumber the live ones.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::Hash;
use std::ops::Deref;
use std::time::Instant;

/// Entries keyed by `K`, with the deadline of each (`deadline`) indexed.
/// Reads go through `Deref` to the `HashMap`.
pub(crate) struct Timed<K, V> {
    map: HashMap<K, V>,
    deadline: fn(&V) -> Option<Instant>,
    finished: fn(&V) -> bool,
    index: RefCell<Index<K>>,
}

/// The deadline heap and the keys whose deadline may have changed.
struct Index<K> {
    touched: Vec<K>,
    /// Touched keys whose entry was finished (`Timed::finished`) then.
    finished: Vec<K>,
    /// (deadline, sequence number); the number names the item in `items`.
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    items: HashMap<u64, K>,
    /// The live item of each scheduled key.
    live: HashMap<K, (Instant, u64)>,
    seq: u64,
}

impl<K: Clone + Eq + Hash, V> Timed<K, V> {
    /// An empty map whose entries fall due at `deadline(entry)`.
    pub(crate) fn new(deadline: fn(&V) -> Option<Instant>) -> Self {
        Self::with_finished(deadline, |_| false)
    }

    /// [`Timed::new`], also noting entries that `finished` says are done
    /// (for [`Timed::take_finished`]).
    pub(crate) fn with_finished(
        deadline: fn(&V) -> Option<Instant>,
        finished: fn(&V) -> bool,
    ) -> Self {
        Timed {
            map: HashMap::new(),
            deadline,
            finished,
            index: RefCell::new(Index {
                touched: Vec::new(),
                finished: Vec::new(),
                heap: BinaryHeap::new(),
                items: HashMap::new(),
                live: HashMap::new(),
                seq: 0,
            }),
        }
    }

    /// Mutable access to one entry (its deadline is re-read later).
    pub(crate) fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let v = self.map.get_mut(k)?;
        self.index.get_mut().touched.push(k.to_owned());
        Some(v)
    }

    /// Adds or replaces an entry.
    pub(crate) fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.index.get_mut().touched.push(k.clone());
        self.map.insert(k, v)
    }

    /// Removes an entry and its timer.
    pub(crate) fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let v = self.map.remove(k)?;
        let ix = self.index.get_mut();
        ix.live.remove(k);
        // Its item may be the top: keep the top live.
        ix.drop_stale_top();
        Some(v)
    }

    /// The earliest deadline of any entry.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let mut ix = self.index.borrow_mut();
        ix.flush(&self.map, self.deadline, self.finished);
        ix.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// The keys of the entries due at `now`, earliest first. They count
    /// as touched: an entry whose handling leaves its deadline in the
    /// past is due again, as with a scan.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<K> {
        let (deadline, finished) = (self.deadline, self.finished);
        let ix = self.index.get_mut();
        ix.flush(&self.map, deadline, finished);
        let mut due = Vec::new();
        while let Some(&Reverse((t, seq))) = ix.heap.peek() {
            if t > now {
                break;
            }
            ix.heap.pop();
            if let Some(k) = ix.items.remove(&seq) {
                if ix.live.get(&k) == Some(&(t, seq)) {
                    ix.live.remove(&k);
                    due.push(k);
                }
            }
        }
        ix.touched.extend(due.iter().cloned());
        ix.drop_stale_top();
        due
    }

    /// The keys of entries that were finished when last changed (maybe
    /// repeated, maybe since changed or removed: the caller checks).
    pub(crate) fn take_finished(&mut self) -> Vec<K> {
        let (deadline, finished) = (self.deadline, self.finished);
        let ix = self.index.get_mut();
        ix.flush(&self.map, deadline, finished);
        std::mem::take(&mut ix.finished)
    }
}

impl<K: Clone + Eq + Hash> Index<K> {
    /// Re-reads the deadline of every touched key.
    fn flush<V>(
        &mut self,
        map: &HashMap<K, V>,
        deadline: fn(&V) -> Option<Instant>,
        finished: fn(&V) -> bool,
    ) {
        let bloated = self.heap.len() > 2 * self.live.len() + 64;
        if self.touched.is_empty() && !bloated {
            return;
        }
        for k in std::mem::take(&mut self.touched) {
            let entry = map.get(&k);
            if entry.is_some_and(finished) {
                self.finished.push(k.clone());
            }
            let want = entry.and_then(deadline);
            let have = self.live.get(&k).map(|&(t, _)| t);
            if want == have {
                continue;
            }
            match want {
                Some(t) => {
                    self.seq += 1;
                    self.heap.push(Reverse((t, self.seq)));
                    self.items.insert(self.seq, k.clone());
                    self.live.insert(k, (t, self.seq));
                }
                None => {
                    self.live.remove(&k);
                }
            }
        }
        if self.heap.len() > 2 * self.live.len() + 64 {
            self.rebuild();
        }
        self.drop_stale_top();
    }

    /// Pops superseded items off the top, so the top is a live deadline.
    fn drop_stale_top(&mut self) {
        while let Some(&Reverse((t, seq))) = self.heap.peek() {
            let live = self
                .items
                .get(&seq)
                .is_some_and(|k| self.live.get(k) == Some(&(t, seq)));
            if live {
                break;
            }
            self.heap.pop();
            self.items.remove(&seq);
        }
    }

    /// The heap and items of the live entries only.
    fn rebuild(&mut self) {
        self.items.clear();
        self.heap.clear();
        for (k, &(t, seq)) in &self.live {
            self.items.insert(seq, k.clone());
            self.heap.push(Reverse((t, seq)));
        }
    }
}

impl<K: std::fmt::Debug, V: std::fmt::Debug> std::fmt::Debug for Timed<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map.fmt(f)
    }
}

impl<K, V> Deref for Timed<K, V> {
    type Target = HashMap<K, V>;

    fn deref(&self) -> &HashMap<K, V> {
        &self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn map() -> (Timed<u32, Option<Instant>>, Instant) {
        (Timed::new(|v: &Option<Instant>| *v), Instant::now())
    }

    #[test]
    fn next_and_due_follow_every_change() {
        let (mut m, t0) = map();
        let s = Duration::from_secs(1);
        assert_eq!(m.next_deadline(), None);
        m.insert(1, Some(t0 + 3 * s));
        m.insert(2, Some(t0 + s));
        m.insert(3, None);
        assert_eq!(m.next_deadline(), Some(t0 + s));
        // Moved later, moved earlier, cleared, removed.
        *m.get_mut(&2).unwrap() = Some(t0 + 5 * s);
        assert_eq!(m.next_deadline(), Some(t0 + 3 * s));
        *m.get_mut(&3).unwrap() = Some(t0 + 2 * s);
        assert_eq!(m.next_deadline(), Some(t0 + 2 * s));
        *m.get_mut(&3).unwrap() = None;
        assert_eq!(m.next_deadline(), Some(t0 + 3 * s));
        m.remove(&1);
        assert_eq!(m.next_deadline(), Some(t0 + 5 * s));
        assert!(m.take_due(t0 + 4 * s).is_empty());
        assert_eq!(m.take_due(t0 + 5 * s), vec![2]);
        // Handled without a change: still due, as a scan would say.
        assert_eq!(m.next_deadline(), Some(t0 + 5 * s));
        assert_eq!(m.take_due(t0 + 6 * s), vec![2]);
        *m.get_mut(&2).unwrap() = None;
        assert_eq!(m.next_deadline(), None);
        assert!(m.take_due(t0 + 60 * s).is_empty());
    }

    /// Against a scan of all entries, over many random changes; the heap
    /// stays bounded by the live entries.
    #[test]
    fn agrees_with_a_scan() {
        let (mut m, t0) = map();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut now = t0;
        for step in 0..20_000 {
            let k = rnd(300) as u32;
            let at = Some(now + Duration::from_millis(rnd(5_000)));
            match rnd(5) {
                0 => {
                    m.insert(k, at);
                }
                1 => {
                    if let Some(v) = m.get_mut(&k) {
                        *v = at;
                    }
                }
                2 => {
                    m.remove(&k);
                }
                3 => {
                    if let Some(v) = m.get_mut(&k) {
                        *v = None;
                    }
                }
                _ => {
                    now += Duration::from_millis(rnd(700));
                    let mut want: Vec<u32> = m
                        .iter()
                        .filter(|(_, v)| v.is_some_and(|t| t <= now))
                        .map(|(k, _)| *k)
                        .collect();
                    let mut got = m.take_due(now);
                    want.sort_unstable();
                    got.sort_unstable();
                    assert_eq!(got, want, "step {step}");
                    for k in got {
                        *m.get_mut(&k).unwrap() = None;
                    }
                }
            }
            let scan = m.values().filter_map(|v| *v).min();
            assert_eq!(m.next_deadline(), scan, "step {step}");
            let ix = m.index.borrow();
            assert!(ix.heap.len() <= 2 * ix.live.len() + 64 + 1);
        }
    }
}
