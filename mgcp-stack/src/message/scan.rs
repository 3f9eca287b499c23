//! Small text scanners shared by the parameter parsers: lists separated by
//! commas outside parentheses and quotes, and balanced parenthesised groups.

/// The most items in one comma-separated parameter list.
pub const MAX_LIST_ITEMS: usize = 128;

/// The deepest nesting of parentheses accepted in an event or signal.
pub const MAX_NESTING: usize = 8;

/// Why a list could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// Unbalanced parentheses or an unterminated quoted string.
    Unbalanced,
    /// Nesting deeper than [`MAX_NESTING`].
    TooDeep,
    /// More than [`MAX_LIST_ITEMS`] items.
    TooMany,
}

/// Splits `s` at `sep` where it stands outside parentheses and quoted
/// strings; items are trimmed. An empty (or blank) `s` gives no items; an
/// empty item between separators is returned as `""` for the caller to
/// refuse.
pub(crate) fn split_top_level(s: &str, sep: u8) -> Result<Vec<&str>, ScanError> {
    let mut items = Vec::new();
    if s.trim().is_empty() {
        return Ok(items);
    }
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if quoted {
            if b == b'"' {
                quoted = false;
            }
            continue;
        }
        match b {
            b'"' => quoted = true,
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(ScanError::TooDeep);
                }
            }
            b')' => depth = depth.checked_sub(1).ok_or(ScanError::Unbalanced)?,
            _ if b == sep && depth == 0 => {
                if items.len() + 1 >= MAX_LIST_ITEMS {
                    return Err(ScanError::TooMany);
                }
                items.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted || depth != 0 {
        return Err(ScanError::Unbalanced);
    }
    items.push(s[start..].trim());
    Ok(items)
}

/// Splits `s` into the text before its first `(` and the parenthesised
/// groups that follow (blanks between them allowed), each without its
/// outer parentheses:
/// `L/hd(N)(p=1)` gives `("L/hd", ["N", "p=1"])`. Text after the last
/// group, or between groups, is an error.
pub(crate) fn split_groups(s: &str) -> Result<(&str, Vec<&str>), ScanError> {
    let Some(open) = s.find('(') else {
        if s.contains(')') {
            return Err(ScanError::Unbalanced);
        }
        return Ok((s, Vec::new()));
    };
    let head = &s[..open];
    let mut groups = Vec::new();
    let bytes = s.as_bytes();
    let mut i = open;
    while i < bytes.len() {
        if bytes[i] == b' ' || bytes[i] == b'\t' {
            i += 1;
            continue;
        }
        if bytes[i] != b'(' {
            return Err(ScanError::Unbalanced);
        }
        let mut depth = 0usize;
        let mut quoted = false;
        let mut end = None;
        for (j, &b) in bytes.iter().enumerate().skip(i) {
            if quoted {
                if b == b'"' {
                    quoted = false;
                }
                continue;
            }
            match b {
                b'"' => quoted = true,
                b'(' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(ScanError::TooDeep);
                    }
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end.ok_or(ScanError::Unbalanced)?;
        groups.push(&s[i + 1..end]);
        if groups.len() > 2 {
            return Err(ScanError::TooMany);
        }
        i = end + 1;
    }
    Ok((head, groups))
}

/// Whether `s` is balanced: every `(` closed, every quote terminated, no
/// deeper than [`MAX_NESTING`], no line break.
pub(crate) fn balanced(s: &str) -> bool {
    let mut depth = 0usize;
    let mut quoted = false;
    for b in s.bytes() {
        if b == b'\r' || b == b'\n' {
            return false;
        }
        if quoted {
            quoted = b != b'"';
            continue;
        }
        match b {
            b'"' => quoted = true,
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return false;
                }
            }
            b')' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            _ => {}
        }
    }
    depth == 0 && !quoted
}

/// A token of letters, digits, `-`, `_` and `.`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(
            split_top_level("L/hu (N), L/ci(1, \"a,b)\"), D/[0-9#T](D)", b','),
            Ok(vec!["L/hu (N)", "L/ci(1, \"a,b)\")", "D/[0-9#T](D)"])
        );
        assert_eq!(split_top_level("  ", b','), Ok(vec![]));
        assert_eq!(split_top_level("a,,b", b','), Ok(vec!["a", "", "b"]));
        assert_eq!(split_top_level("a(b", b','), Err(ScanError::Unbalanced));
        assert_eq!(split_top_level("a)b(", b','), Err(ScanError::Unbalanced));
        assert_eq!(split_top_level("\"a", b','), Err(ScanError::Unbalanced));
        let deep = "(".repeat(9) + &")".repeat(9);
        assert_eq!(split_top_level(&deep, b','), Err(ScanError::TooDeep));
        let many = vec!["a"; MAX_LIST_ITEMS + 1].join(",");
        assert_eq!(split_top_level(&many, b','), Err(ScanError::TooMany));
    }

    #[test]
    fn groups() {
        assert_eq!(split_groups("L/hd(N)(p=1)"), Ok(("L/hd", vec!["N", "p=1"])));
        assert_eq!(split_groups("L/hd"), Ok(("L/hd", vec![])));
        assert_eq!(
            split_groups("L/hd(E(R(a),S(b)))"),
            Ok(("L/hd", vec!["E(R(a),S(b))"]))
        );
        assert_eq!(split_groups("L/hd(N)x"), Err(ScanError::Unbalanced));
        assert_eq!(split_groups("L/hd(N"), Err(ScanError::Unbalanced));
        assert_eq!(split_groups("L/hd)"), Err(ScanError::Unbalanced));
        assert_eq!(split_groups("a(1)(2)(3)"), Err(ScanError::TooMany));
        assert!(balanced("a(\"(\")b"));
        assert!(!balanced("a(b"));
        assert!(!balanced("a\nb"));
    }
}
