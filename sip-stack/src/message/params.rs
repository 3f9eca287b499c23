//! `;name[=value]` parameter lists used by URIs and header fields.

use std::fmt;

use super::scan::{is_token, unescape, Scanner};

/// One parameter. `value` is kept in its wire form: quoted strings keep
/// their quotes, URI parameters keep their `%HH` escapes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// Parameter name as received.
    pub name: String,
    /// Wire-form value, `None` for a flag parameter such as `lr`.
    pub value: Option<String>,
}

impl Param {
    /// A parameter with a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Param {
            name: name.into(),
            value: Some(value.into()),
        }
    }

    /// A flag parameter (no `=value`).
    pub fn flag(name: impl Into<String>) -> Self {
        Param {
            name: name.into(),
            value: None,
        }
    }

    /// The value with surrounding quotes and backslash escapes removed.
    pub fn unquoted(&self) -> Option<String> {
        self.value.as_deref().map(unquote)
    }

    /// Case-insensitive name comparison that also sees through `%HH`
    /// escapes (RFC 3261 §19.1.4: `%6C%72` is `lr`).
    pub fn is(&self, name: &str) -> bool {
        // Each %HH escape is three bytes for one, so an escaped name can
        // only match a longer one; skips the '%' search on the usual path.
        match self.name.len().cmp(&name.len()) {
            std::cmp::Ordering::Equal => self.name.eq_ignore_ascii_case(name),
            std::cmp::Ordering::Greater => {
                self.name.as_bytes().contains(&b'%')
                    && unescape(&self.name).eq_ignore_ascii_case(name.as_bytes())
            }
            std::cmp::Ordering::Less => false,
        }
    }
}

/// Removes quotes from a wire-form value; tokens come back unchanged.
pub fn unquote(v: &str) -> String {
    let mut sc = Scanner::new(v);
    match sc.quoted() {
        Some((_, text)) if sc.at_end() => text,
        _ => v.to_owned(),
    }
}

/// An ordered parameter list with case-insensitive lookup.
///
/// ```
/// use openphone_sip::message::Params;
/// let mut p = Params::new();
/// p.set("tag", Some("abc"));
/// p.set("lr", None);
/// assert_eq!(p.value("TAG"), Some("abc"));
/// assert!(p.has("lr"));
/// assert_eq!(p.to_string(), ";tag=abc;lr");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Params(pub Vec<Param>);

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Params(Vec::new())
    }

    /// The first parameter with this name.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.0.iter().find(|p| p.is(name))
    }

    /// The wire-form value of `name`; `None` when absent or a flag.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|p| p.value.as_deref())
    }

    /// Whether `name` is present (with or without a value).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Replaces the value of `name`, or appends it.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        match self.0.iter_mut().find(|p| p.is(name)) {
            Some(p) => p.value = value,
            None => self.0.push(Param {
                name: name.to_owned(),
                value,
            }),
        }
    }

    /// Removes every parameter called `name`; true if one was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|p| !p.is(name));
        self.0.len() != before
    }

    /// Iterates in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, Param> {
        self.0.iter()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            f.write_str(";")?;
            f.write_str(&p.name)?;
            if let Some(v) = &p.value {
                f.write_str("=")?;
                f.write_str(v)?;
            }
        }
        Ok(())
    }
}

/// Upper bound on parameters per element; keeps hostile input cheap.
pub(crate) const MAX_PARAMS: usize = 64;

/// Parses `*( SEMI generic-param )` (RFC 3261 §25.1): `token [ EQUAL
/// gen-value ]`, gen-value = token / host / quoted-string. Stops at the
/// first byte that does not start a `;`; the caller checks what follows.
pub(crate) fn parse_generic_params(sc: &mut Scanner<'_>) -> Result<Params, &'static str> {
    let mut params = Params::new();
    while sc.eat_sep(b';') {
        if params.0.is_empty() {
            // One allocation of the right size (a ';' inside a quoted
            // value only over-reserves).
            let n = 1 + sc.rest().bytes().filter(|&b| b == b';').count();
            params.0.reserve_exact(n.min(MAX_PARAMS));
        }
        if params.0.len() >= MAX_PARAMS {
            return Err("too many parameters");
        }
        let name = sc.token().ok_or("empty parameter name")?;
        let value = if sc.eat_sep(b'=') {
            Some(parse_gen_value(sc)?.to_owned())
        } else {
            None
        };
        params.0.push(Param {
            name: name.to_owned(),
            value,
        });
    }
    Ok(params)
}

/// `gen-value = token / host / quoted-string`.
pub(crate) fn parse_gen_value<'a>(sc: &mut Scanner<'a>) -> Result<&'a str, &'static str> {
    match sc.peek() {
        Some(b'"') => sc
            .quoted_raw()
            .map(|(raw, _)| raw)
            .ok_or("bad quoted string"),
        Some(b'[') => {
            let start = sc.pos();
            sc.eat(b'[');
            sc.take_while(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
            if !sc.eat(b']') {
                return Err("bad IPv6 reference");
            }
            Ok(sc.slice(start, sc.pos()))
        }
        // ':' is let through so that `received=2001:db8::1` (RFC 3261
        // via-received allows a bare IPv6address) stays parseable.
        _ => {
            let v = sc.take_while(|b| is_token(b) || b == b':');
            if v.is_empty() {
                Err("empty parameter value")
            } else {
                Ok(v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_params_with_lws() {
        let mut sc = Scanner::new(" ;   tag    = 1918181833n ; x=\"a b\";lr");
        let p = parse_generic_params(&mut sc).unwrap();
        assert!(sc.at_end());
        assert_eq!(p.value("tag"), Some("1918181833n"));
        assert_eq!(p.get("x").unwrap().unquoted().as_deref(), Some("a b"));
        assert!(p.has("LR"));
    }

    #[test]
    fn empty_param_rejected() {
        let mut sc = Scanner::new(";;a");
        assert!(parse_generic_params(&mut sc).is_err());
    }
}
