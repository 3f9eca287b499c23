//! The compiled form of a digit map and how dialled events run through it.
//!
//! Each pattern is a chain of elements (a set of symbols, optionally
//! repeated by `.`), i.e. a linear NFA whose states are the positions
//! between elements. The matcher keeps, per pattern, the set of positions
//! the events so far can reach; every position can still reach the end
//! (no element has an empty set), so "some position reached" means "a
//! longer string could still match".

/// Bit of each event symbol in a [`SymbolSet`]: digits 0–9, then `*`, `#`,
/// `A`–`D`, then the timer `T`.
pub(crate) type SymbolSet = u32;

/// Digits `0`–`9`: what `x` stands for.
pub(crate) const DIGITS: SymbolSet = 0x3ff;
pub(crate) const STAR: SymbolSet = 1 << 10;
pub(crate) const HASH: SymbolSet = 1 << 11;
/// `A`; `B`, `C` and `D` follow.
pub(crate) const LETTER_A: u32 = 12;
pub(crate) const TIMER: SymbolSet = 1 << 16;

/// The bit of a dialled symbol (case-insensitive), `T` being the timer;
/// `None` for anything else.
pub(crate) fn symbol_bit(c: char) -> Option<SymbolSet> {
    let c = c.to_ascii_uppercase();
    match c {
        '0'..='9' => Some(1 << (c as u32 - '0' as u32)),
        '*' => Some(STAR),
        '#' => Some(HASH),
        'A'..='D' => Some(1 << (LETTER_A + (c as u32 - 'A' as u32))),
        'T' => Some(TIMER),
        _ => None,
    }
}

/// The symbol of a single bit, for printing.
pub(crate) fn bit_symbol(index: u32) -> char {
    match index {
        0..=9 => char::from(b'0' + index as u8),
        10 => '*',
        11 => '#',
        12..=15 => char::from(b'A' + (index - LETTER_A) as u8),
        _ => 'T',
    }
}

/// One position of a pattern: which symbols it accepts, and whether `.`
/// lets it repeat zero or more times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Element {
    pub(crate) set: SymbolSet,
    pub(crate) repeat: bool,
}

/// One alternative of a digit map.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Pattern {
    pub(crate) elements: Vec<Element>,
}

impl Pattern {
    /// Adds the positions reachable by skipping repeatable elements
    /// (zero occurrences). Skips only go forward, so one pass suffices.
    fn close(&self, reached: &mut [bool]) {
        for (i, e) in self.elements.iter().enumerate() {
            if reached[i] && e.repeat {
                reached[i + 1] = true;
            }
        }
    }

    fn start(&self) -> Vec<bool> {
        let mut reached = vec![false; self.elements.len() + 1];
        reached[0] = true;
        self.close(&mut reached);
        reached
    }

    fn step(&self, reached: &[bool], symbol: SymbolSet) -> Vec<bool> {
        let mut next = vec![false; reached.len()];
        for (i, e) in self.elements.iter().enumerate() {
            if reached[i] && e.set & symbol != 0 {
                // A repeated element may take more of the same; a plain one
                // hands over to the next position.
                next[if e.repeat { i } else { i + 1 }] = true;
            }
        }
        self.close(&mut next);
        next
    }
}

/// Where a dial string stands against one map: see [`MatchState::analyse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Analysis {
    /// Some pattern matches the string exactly.
    pub(crate) exact: bool,
    /// Some pattern could match a longer string (digits or timer).
    pub(crate) can_extend: bool,
    /// Some pattern matches the string followed by a timer expiry.
    pub(crate) timer_completes: bool,
}

impl Analysis {
    /// No pattern can match this string or any continuation of it.
    pub(crate) fn dead(&self) -> bool {
        !self.exact && !self.can_extend
    }
}

/// The positions reached in every pattern of a map by the events so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MatchState {
    reached: Vec<Vec<bool>>,
}

impl MatchState {
    pub(crate) fn new(patterns: &[Pattern]) -> Self {
        MatchState {
            reached: patterns.iter().map(Pattern::start).collect(),
        }
    }

    /// The state after one more event (`symbol` is one bit).
    pub(crate) fn advanced(&self, patterns: &[Pattern], symbol: SymbolSet) -> MatchState {
        MatchState {
            reached: patterns
                .iter()
                .zip(&self.reached)
                .map(|(p, r)| p.step(r, symbol))
                .collect(),
        }
    }

    pub(crate) fn analyse(&self, patterns: &[Pattern]) -> Analysis {
        let mut a = Analysis {
            exact: false,
            can_extend: false,
            timer_completes: false,
        };
        for (p, reached) in patterns.iter().zip(&self.reached) {
            let end = p.elements.len();
            a.exact |= reached[end];
            a.can_extend |= reached[..end].iter().any(|&r| r);
            // Only worth stepping if an active element takes the timer.
            let takes_timer = p
                .elements
                .iter()
                .zip(reached.iter())
                .any(|(e, &r)| r && e.set & TIMER != 0);
            if takes_timer {
                a.timer_completes |= p.step(reached, TIMER)[end];
            }
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(symbols: &str, repeat: bool) -> Element {
        let set = symbols.chars().filter_map(symbol_bit).fold(0, |a, b| a | b);
        Element { set, repeat }
    }

    fn run(p: &Pattern, dialled: &str) -> Analysis {
        let patterns = std::slice::from_ref(p);
        let mut s = MatchState::new(patterns);
        for c in dialled.chars() {
            s = s.advanced(patterns, symbol_bit(c).expect("test symbol"));
        }
        s.analyse(patterns)
    }

    #[test]
    fn symbol_bits_round_trip() {
        for c in "0123456789*#ABCDT".chars() {
            let bit = symbol_bit(c).expect("symbol");
            assert_eq!(bit.count_ones(), 1);
            assert_eq!(bit_symbol(bit.trailing_zeros()), c);
            assert_eq!(symbol_bit(c.to_ascii_lowercase()), Some(bit));
        }
        assert_eq!(symbol_bit('E'), None);
        assert_eq!(symbol_bit('x'), None);
    }

    #[test]
    fn repeated_element_matches_zero_or_more() {
        // 9011x.T
        let p = Pattern {
            elements: vec![
                el("9", false),
                el("0", false),
                el("1", false),
                el("1", false),
                el("0123456789", true),
                el("T", false),
            ],
        };
        let a = run(&p, "9011");
        assert!(!a.exact && a.can_extend && a.timer_completes);
        let a = run(&p, "90115551");
        assert!(!a.exact && a.can_extend && a.timer_completes);
        assert!(run(&p, "9011T").exact);
        assert!(run(&p, "901155T").exact);
        assert!(run(&p, "90#").dead());
        assert!(run(&p, "9011T1").dead());
    }
}
