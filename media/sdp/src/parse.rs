//! The SDP parser: bytes to [`SessionDescription`].
//!
//! Tolerant where real devices differ harmlessly (LF-only line ends, blank
//! lines, trailing spaces, session-level lines in unusual order, `s=` empty,
//! non-UTF-8 text in free-text fields) and strict where meaning is at stake:
//! `v=0`, `o=`, `s=` first and in that order, at least one `t=`, well-formed
//! numeric fields, no unknown line types (RFC 8866 §5), nothing but
//! `i c b k a` inside a media section. Bounded by the `MAX_*` limits; never
//! panics.

use std::borrow::Cow;

use super::error::SdpError;
use super::model::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, Timing,
};

/// Largest body accepted, in bytes.
pub const MAX_SDP_BYTES: usize = 64 * 1024;
/// Most lines accepted.
pub const MAX_LINES: usize = 2048;
/// Most `m=` sections accepted.
pub const MAX_MEDIA: usize = 64;
/// Most `a=` lines accepted in one section (session or media).
pub const MAX_ATTRIBUTES: usize = 512;
/// Most formats accepted on one `m=` line.
pub const MAX_FORMATS: usize = 256;

impl SessionDescription {
    /// Parses an SDP body.
    pub fn parse(input: &[u8]) -> Result<Self, SdpError> {
        if input.len() > MAX_SDP_BYTES {
            return Err(SdpError::TooLarge(input.len()));
        }
        let mut lines = Lines::new(input);

        // v=, o=, s= must open the description, in this order.
        let (ln, v) = lines.require('v')?;
        if v.trim() != "0" {
            return Err(SdpError::InvalidField {
                line: ln,
                field: "version",
            });
        }
        let (ln, o) = lines.require('o')?;
        let origin = parse_origin(ln, &o)?;
        let (_, s) = lines.require('s')?;
        // `s=` and `s= ` (RFC 8866's "no name") are stored as `-`, the other
        // spelling of no name, so the model prints and re-parses unchanged.
        let s = if s.trim().is_empty() {
            "-".to_string()
        } else {
            s.into_owned()
        };

        let mut sd = SessionDescription {
            version: 0,
            origin,
            session_name: s,
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            times: Vec::new(),
            time_zones: None,
            key: None,
            attributes: Vec::new(),
            media: Vec::new(),
        };

        // Session-level lines until the first m=.
        let mut pending_media = None;
        while let Some((ln, kind, value)) = lines.next_line()? {
            match kind {
                'i' => set_once(&mut sd.information, value.into_owned(), ln, kind)?,
                'u' => set_once(&mut sd.uri, value.into_owned(), ln, kind)?,
                'e' => sd.emails.push(value.into_owned()),
                'p' => sd.phones.push(value.into_owned()),
                'c' => set_once(&mut sd.connection, parse_connection(ln, &value)?, ln, kind)?,
                'b' => sd.bandwidths.push(parse_bandwidth(ln, &value)?),
                't' => sd.times.push(parse_timing(ln, &value)?),
                'r' => match sd.times.last_mut() {
                    Some(t) => t.repeats.push(value.into_owned()),
                    None => return Err(SdpError::Misplaced { line: ln, kind }),
                },
                'z' => set_once(&mut sd.time_zones, value.into_owned(), ln, kind)?,
                'k' => set_once(&mut sd.key, value.into_owned(), ln, kind)?,
                'a' => push_attribute(&mut sd.attributes, ln, &value)?,
                'm' => {
                    pending_media = Some(parse_media_line(ln, &value)?);
                    break;
                }
                'v' | 'o' | 's' => return Err(SdpError::Duplicate { line: ln, kind }),
                _ => return Err(SdpError::UnknownLineType { line: ln, kind }),
            }
        }
        if sd.times.is_empty() {
            return Err(SdpError::Missing {
                expected: 't',
                line: None,
            });
        }

        // Media sections.
        while let Some(mut m) = pending_media.take() {
            while let Some((ln, kind, value)) = lines.next_line()? {
                match kind {
                    'i' => set_once(&mut m.information, value.into_owned(), ln, kind)?,
                    'c' => set_once(&mut m.connection, parse_connection(ln, &value)?, ln, kind)?,
                    'b' => m.bandwidths.push(parse_bandwidth(ln, &value)?),
                    'k' => set_once(&mut m.key, value.into_owned(), ln, kind)?,
                    'a' => push_attribute(&mut m.attributes, ln, &value)?,
                    'm' => {
                        pending_media = Some(parse_media_line(ln, &value)?);
                        break;
                    }
                    'v' | 'o' | 's' | 'u' | 'e' | 'p' | 't' | 'r' | 'z' => {
                        return Err(SdpError::Misplaced { line: ln, kind })
                    }
                    _ => return Err(SdpError::UnknownLineType { line: ln, kind }),
                }
            }
            if sd.media.len() >= MAX_MEDIA {
                return Err(SdpError::TooMany("media sections"));
            }
            sd.media.push(m);
        }
        Ok(sd)
    }
}

/// Splits the body into `<type>=<value>` lines, skipping blank ones.
struct Lines<'a> {
    rest: &'a [u8],
    line_no: usize,
}

impl<'a> Lines<'a> {
    fn new(input: &'a [u8]) -> Self {
        Lines {
            rest: input,
            line_no: 0,
        }
    }

    /// The next non-blank line as (line number, type, value). The value
    /// borrows from the input unless it had to be repaired (not UTF-8), so
    /// each field is copied once, into the model.
    fn next_line(&mut self) -> Result<Option<(usize, char, Cow<'a, str>)>, SdpError> {
        loop {
            if self.rest.is_empty() {
                return Ok(None);
            }
            let (raw, rest) = match self.rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &[][..]),
            };
            self.rest = rest;
            self.line_no += 1;
            if self.line_no > MAX_LINES {
                return Err(SdpError::TooMany("lines"));
            }
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let ln = self.line_no;
            let (kind, value) = match raw {
                [k, b'=', value @ ..] if k.is_ascii_alphabetic() => (*k, value),
                _ => return Err(SdpError::MalformedLine { line: ln }),
            };
            if !kind.is_ascii_lowercase() {
                return Err(SdpError::UnknownLineType {
                    line: ln,
                    kind: char::from(kind),
                });
            }
            return Ok(Some((ln, char::from(kind), text(value))));
        }
    }

    /// The next line, which must be of type `kind`.
    fn require(&mut self, kind: char) -> Result<(usize, Cow<'a, str>), SdpError> {
        match self.next_line()? {
            Some((ln, k, v)) if k == kind => Ok((ln, v)),
            Some((ln, _, _)) => Err(SdpError::Missing {
                expected: kind,
                line: Some(ln),
            }),
            None => Err(SdpError::Missing {
                expected: kind,
                line: None,
            }),
        }
    }
}

/// A line's value as text, trailing white space removed. Free text may be
/// in another charset (RFC 8866 a=charset), so invalid UTF-8 is replaced
/// rather than refused; structural fields are ASCII and checked by their
/// parsers.
fn text(value: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(value) {
        Ok(s) => Cow::Borrowed(s.trim_end()),
        Err(_) => Cow::Owned(String::from_utf8_lossy(value).trim_end().to_string()),
    }
}

/// Exactly `N` white-space separated fields, or `None`.
fn fields<const N: usize>(v: &str) -> Option<[&str; N]> {
    let mut it = v.split_whitespace();
    let mut out = [""; N];
    for slot in &mut out {
        *slot = it.next()?;
    }
    it.next().is_none().then_some(out)
}

fn set_once<T>(slot: &mut Option<T>, value: T, line: usize, kind: char) -> Result<(), SdpError> {
    if slot.is_some() {
        return Err(SdpError::Duplicate { line, kind });
    }
    *slot = Some(value);
    Ok(())
}

fn invalid(line: usize, field: &'static str) -> SdpError {
    SdpError::InvalidField { line, field }
}

fn token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic())
}

fn parse_origin(ln: usize, v: &str) -> Result<Origin, SdpError> {
    let Some([username, id, version, net_type, addr_type, address]) = fields(v) else {
        return Err(invalid(ln, "origin"));
    };
    let num = |s: &str, field| s.parse::<u64>().map_err(|_| invalid(ln, field));
    if ![net_type, addr_type, address].iter().all(|t| token(t)) {
        return Err(invalid(ln, "origin"));
    }
    Ok(Origin {
        username: username.to_string(),
        session_id: num(id, "origin session id")?,
        session_version: num(version, "origin session version")?,
        net_type: net_type.to_string(),
        addr_type: addr_type.to_string(),
        address: address.to_string(),
    })
}

fn parse_connection(ln: usize, v: &str) -> Result<Connection, SdpError> {
    let Some([net_type, addr_type, addr]) = fields(v) else {
        return Err(invalid(ln, "connection"));
    };
    if !token(net_type) || !token(addr_type) {
        return Err(invalid(ln, "connection"));
    }
    let mut parts = addr.split('/');
    let address = parts.next().unwrap_or_default();
    if !token(address) {
        return Err(invalid(ln, "connection address"));
    }
    let first = parts.next();
    let second = parts.next();
    if parts.next().is_some() {
        return Err(invalid(ln, "connection address"));
    }
    // IPv4 multicast is addr/ttl[/n]; IPv6 multicast is addr/n (RFC 8866 §5.7).
    let ipv6 = addr_type.eq_ignore_ascii_case("IP6");
    let (ttl, num) = match (ipv6, first, second) {
        (_, None, _) => (None, None),
        (false, Some(t), n) => (
            Some(t.parse::<u8>().map_err(|_| invalid(ln, "connection TTL"))?),
            n.map(|n| n.parse::<u32>())
                .transpose()
                .map_err(|_| invalid(ln, "connection address count"))?,
        ),
        (true, Some(n), None) => (
            None,
            Some(
                n.parse::<u32>()
                    .map_err(|_| invalid(ln, "connection address count"))?,
            ),
        ),
        (true, Some(_), Some(_)) => return Err(invalid(ln, "connection address")),
    };
    Ok(Connection {
        net_type: net_type.to_string(),
        addr_type: addr_type.to_string(),
        address: address.to_string(),
        ttl,
        num_addresses: num,
    })
}

fn parse_bandwidth(ln: usize, v: &str) -> Result<Bandwidth, SdpError> {
    let (t, b) = v.split_once(':').ok_or_else(|| invalid(ln, "bandwidth"))?;
    if !token(t) {
        return Err(invalid(ln, "bandwidth type"));
    }
    Ok(Bandwidth {
        bw_type: t.to_string(),
        bandwidth: b
            .trim()
            .parse()
            .map_err(|_| invalid(ln, "bandwidth value"))?,
    })
}

fn parse_timing(ln: usize, v: &str) -> Result<Timing, SdpError> {
    let Some([start, stop]) = fields(v) else {
        return Err(invalid(ln, "timing"));
    };
    Ok(Timing {
        start: start.parse().map_err(|_| invalid(ln, "start time"))?,
        stop: stop.parse().map_err(|_| invalid(ln, "stop time"))?,
        repeats: Vec::new(),
    })
}

fn parse_media_line(ln: usize, v: &str) -> Result<MediaDescription, SdpError> {
    let mut f = v.split_whitespace();
    let media = f
        .next()
        .filter(|m| token(m))
        .ok_or_else(|| invalid(ln, "media type"))?;
    let port_field = f.next().ok_or_else(|| invalid(ln, "media port"))?;
    let (port, port_count) = match port_field.split_once('/') {
        Some((p, n)) => (
            p,
            Some(
                n.parse::<u16>()
                    .map_err(|_| invalid(ln, "media port count"))?,
            ),
        ),
        None => (port_field, None),
    };
    let port: u16 = port.parse().map_err(|_| invalid(ln, "media port"))?;
    let proto = f
        .next()
        .filter(|p| token(p))
        .ok_or_else(|| invalid(ln, "media protocol"))?;
    let mut m = MediaDescription::new(media, port, proto);
    m.port_count = port_count;
    for fmt_ in f {
        if m.formats.len() >= MAX_FORMATS {
            return Err(SdpError::TooMany("formats"));
        }
        if !token(fmt_) {
            return Err(invalid(ln, "media format"));
        }
        m.formats.push(fmt_.to_string());
    }
    Ok(m)
}

fn push_attribute(attrs: &mut Vec<Attribute>, ln: usize, v: &str) -> Result<(), SdpError> {
    if attrs.len() >= MAX_ATTRIBUTES {
        return Err(SdpError::TooMany("attributes"));
    }
    let (name, value) = match v.split_once(':') {
        Some((n, val)) => (n, Some(val.to_string())),
        None => (v, None),
    };
    if !token(name) {
        return Err(invalid(ln, "attribute name"));
    }
    attrs.push(Attribute {
        name: name.to_string(),
        value,
    });
    Ok(())
}
