//! Digit-map text to patterns (RFC 3435 §2.1.5 and Appendix A grammar):
//!
//! ```text
//! DigitMap        = DigitString / "(" DigitStringList ")"
//! DigitStringList = DigitString *( "|" DigitString )
//! DigitString     = 1*(DigitPosition ["."])
//! DigitPosition   = DigitMapLetter / "x" / "[" 1*RangeItem "]"
//! RangeItem       = DIGIT "-" DIGIT / DigitMapLetter
//! DigitMapLetter  = DIGIT / "#" / "*" / "A" / "B" / "C" / "D" / "T"
//! ```
//!
//! Letters are case-insensitive. As in H.248 (RFC 3525 §B.2), spaces and
//! tabs may stand around the parentheses, bars and brackets, never inside
//! a string; a list without parentheses is accepted too. `x` inside a
//! range stands for `0-9`.

use crate::digit_map::matcher::{symbol_bit, Element, Pattern, SymbolSet, DIGITS};
use crate::digit_map::{DigitMapError, MAX_MAP_LEN, MAX_PATTERNS};

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
    }

    fn unexpected(&self) -> DigitMapError {
        match self.peek() {
            Some(found) => DigitMapError::Unexpected {
                position: self.pos,
                found,
            },
            None => DigitMapError::UnexpectedEnd { position: self.pos },
        }
    }

    /// `DigitString`: stops before anything that cannot start an element.
    fn pattern(&mut self) -> Result<Pattern, DigitMapError> {
        let mut elements: Vec<Element> = Vec::new();
        loop {
            let set = match self.peek() {
                Some('x' | 'X') => {
                    self.pos += 1;
                    DIGITS
                }
                Some('[') => self.range()?,
                Some('.') => {
                    return Err(DigitMapError::MisplacedDot { position: self.pos });
                }
                Some(c) => match symbol_bit(c) {
                    Some(bit) => {
                        self.pos += 1;
                        bit
                    }
                    None => break,
                },
                None => break,
            };
            let repeat = self.peek() == Some('.');
            if repeat {
                self.pos += 1;
            }
            elements.push(Element { set, repeat });
        }
        if elements.is_empty() {
            return Err(match self.peek() {
                Some('|' | ')') | None => DigitMapError::EmptyPattern { position: self.pos },
                Some(_) => self.unexpected(),
            });
        }
        Ok(Pattern { elements })
    }

    /// `"[" 1*RangeItem "]"`, starting at the `[`.
    fn range(&mut self) -> Result<SymbolSet, DigitMapError> {
        let open = self.pos;
        self.pos += 1;
        let mut set: SymbolSet = 0;
        loop {
            self.skip_space();
            let item_at = self.pos;
            match self.bump() {
                Some(']') if set != 0 => return Ok(set),
                Some(']') => return Err(DigitMapError::EmptyRange { position: open }),
                None => return Err(DigitMapError::UnclosedBracket { position: open }),
                Some('x' | 'X') => set |= DIGITS,
                Some(lo @ '0'..='9') if self.peek() == Some('-') => {
                    self.pos += 1;
                    match self.bump() {
                        Some(hi @ '0'..='9') if hi >= lo => {
                            let (lo, hi) = (lo as u32 - '0' as u32, hi as u32 - '0' as u32);
                            set |= ((1u32 << (hi + 1)) - 1) & !((1u32 << lo) - 1);
                        }
                        _ => return Err(DigitMapError::BadSubrange { position: item_at }),
                    }
                }
                Some(c) => match symbol_bit(c) {
                    // Subranges are digits only (RFC 3435 §2.1.5).
                    Some(_) if self.peek() == Some('-') => {
                        return Err(DigitMapError::BadSubrange { position: item_at });
                    }
                    Some(bit) => set |= bit,
                    None => {
                        return Err(DigitMapError::Unexpected {
                            position: item_at,
                            found: c,
                        })
                    }
                },
            }
        }
    }
}

/// Parses a whole digit map.
pub(crate) fn parse(text: &str) -> Result<Vec<Pattern>, DigitMapError> {
    if text.len() > MAX_MAP_LEN {
        return Err(DigitMapError::TooLong { length: text.len() });
    }
    let mut p = Parser { text, pos: 0 };
    p.skip_space();
    let open = p.pos;
    let parenthesised = p.peek() == Some('(');
    if parenthesised {
        p.pos += 1;
    }
    let mut patterns = Vec::new();
    loop {
        p.skip_space();
        if patterns.len() == MAX_PATTERNS {
            return Err(DigitMapError::TooManyPatterns);
        }
        patterns.push(p.pattern()?);
        p.skip_space();
        if p.peek() == Some('|') {
            p.pos += 1;
        } else {
            break;
        }
    }
    if parenthesised {
        match p.peek() {
            Some(')') => p.pos += 1,
            None => return Err(DigitMapError::UnclosedParenthesis { position: open }),
            Some(_) => return Err(p.unexpected()),
        }
    }
    p.skip_space();
    if p.peek().is_some() {
        return Err(p.unexpected());
    }
    Ok(patterns)
}
