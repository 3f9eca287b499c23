//! Small typed header values: CSeq, Call-ID, Contact, media types,
//! Event, Retry-After, Date.

use std::fmt;

use crate::message::method::Method;
use crate::message::name_addr::NameAddr;
use crate::message::params::{parse_generic_params, Params};
use crate::message::scan::{parse_u32, trim_ws, Scanner};

/// `CSeq: <seq> <method>` (RFC 3261 §20.16).
///
/// ```
/// use openphone_sip::message::{CSeq, Method};
/// let c = CSeq::parse("0009\r\n  INVITE".replace("\r\n", "").as_str()).unwrap();
/// assert_eq!(c, CSeq { seq: 9, method: Method::Invite });
/// assert_eq!(c.to_string(), "9 INVITE");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSeq {
    /// Sequence number; RFC 3261 limits it to 2^32-1.
    pub seq: u32,
    /// Method.
    pub method: Method,
}

impl CSeq {
    /// Parses `1*DIGIT LWS Method`.
    pub fn parse(s: &str) -> Result<CSeq, &'static str> {
        let mut sc = Scanner::new(trim_ws(s));
        let digits = sc.take_while(|b| b.is_ascii_digit());
        let seq = parse_u32(digits).ok_or("sequence number missing or above 2^32-1")?;
        if !sc.skip_ws() {
            return Err("missing space between number and method");
        }
        let method = sc.rest().parse().map_err(|_| "invalid method")?;
        Ok(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// Call-ID value (`word [ "@" word ]`), compared case-sensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub String);

fn is_word_char(b: u8) -> bool {
    crate::message::scan::class(b, crate::message::scan::C_WORD)
}

impl CallId {
    /// Parses and validates `callid = word [ "@" word ]`.
    pub fn parse(s: &str) -> Result<CallId, &'static str> {
        let s = trim_ws(s);
        let mut parts = s.splitn(2, '@');
        let ok_word =
            |w: Option<&str>| w.is_some_and(|w| !w.is_empty() && w.bytes().all(is_word_char));
        if !ok_word(parts.next()) {
            return Err("invalid Call-ID");
        }
        if let Some(host) = parts.next() {
            if !ok_word(Some(host)) {
                return Err("invalid Call-ID");
            }
        }
        Ok(CallId(s.to_owned()))
    }

    /// The identifier text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One Contact value: an address, or `*` (REGISTER removing all bindings).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Contact {
    /// `Contact: *`
    Star,
    /// `Contact: <uri>;params`
    Addr(NameAddr),
}

impl Contact {
    /// The address unless this is `*`.
    pub fn addr(&self) -> Option<&NameAddr> {
        match self {
            Contact::Star => None,
            Contact::Addr(a) => Some(a),
        }
    }
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Star => f.write_str("*"),
            Contact::Addr(a) => a.fmt(f),
        }
    }
}

/// `type/subtype;params` (Content-Type, Accept).
///
/// ```
/// use openphone_sip::message::MediaType;
/// let m = MediaType::parse("application/sdp").unwrap();
/// assert!(m.is("application", "sdp"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaType {
    /// Top-level type (`*` allowed in Accept).
    pub mtype: String,
    /// Subtype.
    pub subtype: String,
    /// Parameters (`charset`, `boundary`, `q`, ...).
    pub params: Params,
}

impl MediaType {
    /// `type/subtype` without parameters.
    pub fn new(mtype: &str, subtype: &str) -> Self {
        MediaType {
            mtype: mtype.into(),
            subtype: subtype.into(),
            params: Params::new(),
        }
    }

    /// Parses `m-type SLASH m-subtype *(SEMI m-parameter)`.
    pub fn parse(s: &str) -> Result<MediaType, &'static str> {
        let mut sc = Scanner::new(s);
        sc.skip_ws();
        let mtype = sc.token().ok_or("missing media type")?.to_owned();
        if !sc.eat_sep(b'/') {
            return Err("missing '/' in media type");
        }
        let subtype = sc.token().ok_or("missing media subtype")?.to_owned();
        let params = parse_generic_params(&mut sc)?;
        sc.skip_ws();
        if !sc.at_end() {
            return Err("unexpected characters in media type");
        }
        Ok(MediaType {
            mtype,
            subtype,
            params,
        })
    }

    /// Case-insensitive type/subtype match.
    pub fn is(&self, mtype: &str, subtype: &str) -> bool {
        self.mtype.eq_ignore_ascii_case(mtype) && self.subtype.eq_ignore_ascii_case(subtype)
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}{}", self.mtype, self.subtype, self.params)
    }
}

/// Event header (RFC 6665 §8.2.1): package name and parameters (`id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    /// Event package, e.g. `refer`, `presence`, `message-summary`.
    pub package: String,
    /// Parameters.
    pub params: Params,
}

impl Event {
    /// Parses `event-type *( SEMI event-param )`.
    pub fn parse(s: &str) -> Result<Event, &'static str> {
        let mut sc = Scanner::new(s);
        sc.skip_ws();
        let package = sc.token().ok_or("missing event package")?.to_owned();
        let params = parse_generic_params(&mut sc)?;
        sc.skip_ws();
        if !sc.at_end() {
            return Err("unexpected characters in Event");
        }
        Ok(Event { package, params })
    }

    /// The `id` parameter.
    pub fn id(&self) -> Option<&str> {
        self.params.value("id")
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.package, self.params)
    }
}

/// Upper bound on comment nesting; comments are scanned iteratively.
const MAX_COMMENT_DEPTH: usize = 32;

/// Consumes a `comment` (nested parentheses) at the cursor.
pub(crate) fn skip_comment(sc: &mut Scanner<'_>) -> Result<(), &'static str> {
    if !sc.eat(b'(') {
        return Err("expected comment");
    }
    let mut depth = 1usize;
    while depth > 0 {
        match sc.peek() {
            None => return Err("unterminated comment"),
            Some(b'\\') => {
                sc.eat(b'\\');
                if sc.peek().is_none() {
                    return Err("unterminated comment");
                }
                sc.set_pos(sc.pos() + 1);
            }
            Some(b'(') => {
                depth += 1;
                if depth > MAX_COMMENT_DEPTH {
                    return Err("comment nested too deeply");
                }
                sc.eat(b'(');
            }
            Some(b')') => {
                depth -= 1;
                sc.eat(b')');
            }
            Some(c) if c < 0x20 && c != b'\t' || c == 0x7f => {
                return Err("control character in comment")
            }
            Some(_) => {
                // Step over a whole UTF-8 character.
                let ch_len = sc.rest().chars().next().map_or(1, char::len_utf8);
                sc.set_pos(sc.pos() + ch_len);
            }
        }
    }
    Ok(())
}

/// Retry-After (RFC 3261 §20.33): seconds, optional comment, parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RetryAfter {
    /// Delta seconds.
    pub seconds: u32,
    /// Comment including the parentheses.
    pub comment: Option<String>,
    /// Parameters (`duration`, ...).
    pub params: Params,
}

impl RetryAfter {
    /// Parses `delta-seconds [ comment ] *( SEMI retry-param )`.
    pub fn parse(s: &str) -> Result<RetryAfter, &'static str> {
        let mut sc = Scanner::new(s);
        sc.skip_ws();
        let seconds =
            parse_u32(sc.take_while(|b| b.is_ascii_digit())).ok_or("invalid delta-seconds")?;
        sc.skip_ws();
        let comment = if sc.peek() == Some(b'(') {
            let start = sc.pos();
            skip_comment(&mut sc)?;
            Some(sc.slice(start, sc.pos()).to_owned())
        } else {
            None
        };
        let params = parse_generic_params(&mut sc)?;
        sc.skip_ws();
        if !sc.at_end() {
            return Err("unexpected characters in Retry-After");
        }
        Ok(RetryAfter {
            seconds,
            comment,
            params,
        })
    }
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.seconds)?;
        if let Some(c) = &self.comment {
            write!(f, " {c}")?;
        }
        write!(f, "{}", self.params)
    }
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Date header: `rfc1123-date` in GMT (RFC 3261 §20.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SipDate {
    /// 0 = Monday.
    pub weekday: u8,
    /// 1..=31.
    pub day: u8,
    /// 1..=12.
    pub month: u8,
    /// Four-digit year.
    pub year: u16,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=60 (leap second).
    pub second: u8,
}

impl SipDate {
    /// Parses `wkday "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT"`.
    pub fn parse(s: &str) -> Result<SipDate, &'static str> {
        const E: &str = "invalid rfc1123-date";
        let s = trim_ws(s);
        let b = s.as_bytes();
        // Fixed layout: "Sat, 13 Nov 2010 23:29:00 GMT" (29 bytes).
        if b.len() != 29 || s.get(26..) != Some("GMT") {
            return Err(E);
        }
        let field = |r: std::ops::Range<usize>| s.get(r).ok_or(E);
        let num = |r: std::ops::Range<usize>| -> Result<u16, &'static str> {
            let t = s.get(r).ok_or(E)?;
            if !t.bytes().all(|c| c.is_ascii_digit()) {
                return Err(E);
            }
            t.parse().map_err(|_| E)
        };
        let weekday = WEEKDAYS
            .iter()
            .position(|w| Ok(*w) == field(0..3))
            .ok_or(E)?;
        let month = MONTHS
            .iter()
            .position(|m| Ok(*m) == field(8..11))
            .ok_or(E)?;
        if field(3..5)? != ", "
            || field(7..8)? != " "
            || field(11..12)? != " "
            || field(16..17)? != " "
            || field(19..20)? != ":"
            || field(22..23)? != ":"
            || field(25..26)? != " "
        {
            return Err(E);
        }
        let (day, year, hour, minute, second) = (
            num(5..7)?,
            num(12..16)?,
            num(17..19)?,
            num(20..22)?,
            num(23..25)?,
        );
        if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
            return Err(E);
        }
        Ok(SipDate {
            weekday: weekday as u8,
            day: day as u8,
            month: month as u8 + 1,
            year,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
        })
    }
}

impl fmt::Display for SipDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wd = WEEKDAYS
            .get(usize::from(self.weekday))
            .copied()
            .unwrap_or("Mon");
        let mo = MONTHS
            .get(usize::from(self.month.saturating_sub(1)))
            .copied()
            .unwrap_or("Jan");
        write!(
            f,
            "{wd}, {:02} {mo} {:04} {:02}:{:02}:{:02} GMT",
            self.day, self.year, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq() {
        assert_eq!(CSeq::parse("0009  INVITE").unwrap().seq, 9);
        assert!(CSeq::parse("36893488147419103232 REGISTER").is_err());
        assert!(CSeq::parse("1INVITE").is_err());
        assert!(CSeq::parse("-1 INVITE").is_err());
    }

    #[test]
    fn call_id() {
        assert!(CallId::parse("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{").is_ok());
        assert!(CallId::parse("a b").is_err());
        assert!(CallId::parse("a@b@c").is_err());
        assert!(CallId::parse("").is_err());
    }

    #[test]
    fn date() {
        let d = SipDate::parse("Sat, 13 Nov 2010 23:29:00 GMT").unwrap();
        assert_eq!(d.to_string(), "Sat, 13 Nov 2010 23:29:00 GMT");
        assert!(SipDate::parse("Fri, 01 Jan 2010 16:00:00 EST").is_err());
    }

    #[test]
    fn retry_after_with_comment() {
        let r = RetryAfter::parse("18000 (in (nested) surgery);duration=3600").unwrap();
        assert_eq!(r.seconds, 18000);
        assert_eq!(r.params.value("duration"), Some("3600"));
        assert!(RetryAfter::parse("949302838503028349304023988").is_err());
        assert!(RetryAfter::parse("5 (((").is_err());
    }
}
