//! Typed header fields and the ordered [`Headers`] collection.

mod auth;
mod names;
mod values;
mod via;

use std::fmt;

use bytes::Bytes;

pub use auth::{Challenge, Credentials};
pub use names::HeaderKind;
pub use values::{CSeq, CallId, Contact, Event, MediaType, RetryAfter, SipDate};
pub use via::{Transport, Via};

use super::method::Method;
use super::name_addr::{parse_name_addr, NameAddr};
use super::scan::{count_commas, each_comma, is_token, parse_u32, trim_ws};

/// One header field value. List-valued fields whose elements the stack
/// manipulates one by one (Via, Contact, Route, Record-Route) hold one
/// element per entry; token lists (Allow, Supported, ...) hold the whole
/// line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Header {
    Via(Via),
    From(NameAddr),
    To(NameAddr),
    CallId(CallId),
    CSeq(CSeq),
    Contact(Contact),
    MaxForwards(u8),
    /// The declared length; printing always recomputes it from the body.
    ContentLength(u32),
    ContentType(MediaType),
    Expires(u32),
    MinExpires(u32),
    Route(NameAddr),
    RecordRoute(NameAddr),
    Allow(Vec<Method>),
    Supported(Vec<String>),
    Require(Vec<String>),
    Unsupported(Vec<String>),
    ProxyRequire(Vec<String>),
    WwwAuthenticate(Challenge),
    ProxyAuthenticate(Challenge),
    Authorization(Credentials),
    ProxyAuthorization(Credentials),
    Accept(Vec<MediaType>),
    Event(Event),
    ReferTo(NameAddr),
    UserAgent(String),
    Server(String),
    RetryAfter(RetryAfter),
    Date(SipDate),
    /// Any other header, kept verbatim (value may contain folding).
    Other {
        /// Name as received (compact forms of untyped headers expanded).
        name: String,
        /// Raw value bytes with surrounding whitespace removed.
        value: Bytes,
    },
}

impl Header {
    /// Builds an untyped header.
    pub fn other(name: &str, value: &str) -> Header {
        Header::Other {
            name: name.to_owned(),
            value: Bytes::copy_from_slice(value.as_bytes()),
        }
    }

    /// The field name as printed.
    pub fn name(&self) -> &str {
        match self {
            Header::Other { name, .. } => name,
            typed => typed.kind().map_or("", HeaderKind::name),
        }
    }

    /// The typed kind, `None` for [`Header::Other`].
    pub fn kind(&self) -> Option<HeaderKind> {
        use HeaderKind as K;
        Some(match self {
            Header::Via(_) => K::Via,
            Header::From(_) => K::From,
            Header::To(_) => K::To,
            Header::CallId(_) => K::CallId,
            Header::CSeq(_) => K::CSeq,
            Header::Contact(_) => K::Contact,
            Header::MaxForwards(_) => K::MaxForwards,
            Header::ContentLength(_) => K::ContentLength,
            Header::ContentType(_) => K::ContentType,
            Header::Expires(_) => K::Expires,
            Header::MinExpires(_) => K::MinExpires,
            Header::Route(_) => K::Route,
            Header::RecordRoute(_) => K::RecordRoute,
            Header::Allow(_) => K::Allow,
            Header::Supported(_) => K::Supported,
            Header::Require(_) => K::Require,
            Header::Unsupported(_) => K::Unsupported,
            Header::ProxyRequire(_) => K::ProxyRequire,
            Header::WwwAuthenticate(_) => K::WwwAuthenticate,
            Header::ProxyAuthenticate(_) => K::ProxyAuthenticate,
            Header::Authorization(_) => K::Authorization,
            Header::ProxyAuthorization(_) => K::ProxyAuthorization,
            Header::Accept(_) => K::Accept,
            Header::Event(_) => K::Event,
            Header::ReferTo(_) => K::ReferTo,
            Header::UserAgent(_) => K::UserAgent,
            Header::Server(_) => K::Server,
            Header::RetryAfter(_) => K::RetryAfter,
            Header::Date(_) => K::Date,
            Header::Other { .. } => return None,
        })
    }

    /// Whether this header has the given name (case-insensitive, compact
    /// forms understood).
    pub fn is(&self, name: &str) -> bool {
        match (self.kind(), HeaderKind::lookup(name)) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self
                .name()
                .eq_ignore_ascii_case(names::expand_compact(name)),
            _ => false,
        }
    }

    /// Writes the value (without name) in wire form.
    pub fn write_value(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        match self {
            Header::Other { value, .. } => out.extend_from_slice(value),
            _ => {
                let _ = write!(out, "{}", ValueDisplay(self));
            }
        }
    }
}

struct ValueDisplay<'a>(&'a Header);

fn join<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        it.fmt(f)?;
    }
    Ok(())
}

impl fmt::Display for ValueDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Header::Via(v) => v.fmt(f),
            Header::From(a)
            | Header::To(a)
            | Header::Route(a)
            | Header::RecordRoute(a)
            | Header::ReferTo(a) => a.fmt(f),
            Header::CallId(c) => c.fmt(f),
            Header::CSeq(c) => c.fmt(f),
            Header::Contact(c) => c.fmt(f),
            Header::MaxForwards(n) => n.fmt(f),
            Header::ContentLength(n) | Header::Expires(n) | Header::MinExpires(n) => n.fmt(f),
            Header::ContentType(m) => m.fmt(f),
            Header::Allow(m) => join(f, m),
            Header::Supported(t)
            | Header::Require(t)
            | Header::Unsupported(t)
            | Header::ProxyRequire(t) => join(f, t),
            Header::WwwAuthenticate(c) | Header::ProxyAuthenticate(c) => c.fmt(f),
            Header::Authorization(c) | Header::ProxyAuthorization(c) => c.fmt(f),
            Header::Accept(m) => join(f, m),
            Header::Event(e) => e.fmt(f),
            Header::UserAgent(s) | Header::Server(s) => f.write_str(s),
            Header::RetryAfter(r) => r.fmt(f),
            Header::Date(d) => d.fmt(f),
            Header::Other { value, .. } => f.write_str(&String::from_utf8_lossy(value)),
        }
    }
}

impl fmt::Display for Header {
    /// `Name: value` (no CRLF).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), ValueDisplay(self))
    }
}

/// Upper bound on elements one header line may expand to.
pub(crate) const MAX_LIST: usize = 128;

fn token_list(v: &str, allow_empty: bool) -> Result<Vec<String>, &'static str> {
    let v = trim_ws(v);
    if v.is_empty() {
        return if allow_empty {
            Ok(Vec::new())
        } else {
            Err("empty option-tag list")
        };
    }
    let n = count_commas(v, MAX_LIST).ok_or("too many list elements")?;
    let mut out = Vec::with_capacity(n);
    each_comma(v, |t| {
        let t = trim_ws(t);
        if !t.is_empty() && t.bytes().all(is_token) {
            out.push(t.to_owned());
            Ok(())
        } else {
            Err("invalid token in list")
        }
    })?;
    Ok(out)
}

/// Parses a comma-separated list, handing each element to `f`; `f` is
/// called once per element in order (the usual single element without
/// a comma scan).
fn list_each(
    v: &str,
    allow_empty: bool,
    mut f: impl FnMut(&str) -> Result<(), &'static str>,
) -> Result<(), &'static str> {
    if trim_ws(v).is_empty() {
        return if allow_empty {
            Ok(())
        } else {
            Err("empty value")
        };
    }
    if memchr::memchr(b',', v.as_bytes()).is_none() {
        // One element: its own parser checks quotes and brackets.
        return f(v);
    }
    count_commas(v, MAX_LIST).ok_or("unbalanced quotes or brackets, or too many elements")?;
    each_comma(v, f)
}

fn list<T>(
    v: &str,
    allow_empty: bool,
    f: impl Fn(&str) -> Result<T, &'static str>,
) -> Result<Vec<T>, &'static str> {
    // Sized once; a comma inside quotes only over-reserves.
    let commas = memchr::memchr_iter(b',', v.as_bytes()).count();
    let mut out = Vec::with_capacity(commas.min(MAX_LIST) + 1);
    list_each(v, allow_empty, |e| {
        out.push(f(e)?);
        Ok(())
    })?;
    Ok(out)
}

/// [`list_each`] whose elements become headers of their own in `out`;
/// on error nothing is added (a partial request keeps only whole fields).
fn list_into(
    v: &str,
    out: &mut Vec<Header>,
    f: impl Fn(&str) -> Result<Header, &'static str>,
) -> Result<(), &'static str> {
    let base = out.len();
    let r = list_each(v, false, |e| {
        out.push(f(e)?);
        Ok(())
    });
    if r.is_err() {
        out.truncate(base);
    }
    r
}

fn delta(v: &str) -> Result<u32, &'static str> {
    parse_u32(trim_ws(v)).ok_or("invalid delta-seconds")
}

/// Free text of User-Agent/Server: printable UTF-8, balanced comments are
/// not enforced beyond the absence of control characters.
fn text(v: &str) -> Result<String, &'static str> {
    let v = trim_ws(v);
    if v.is_empty() || v.chars().any(|c| c.is_control() && c != '\t') {
        return Err("invalid product text");
    }
    Ok(v.to_owned())
}

/// Parses one header line's value into entries appended to `out`.
/// `value` is unfolded UTF-8 text without surrounding whitespace.
pub(crate) fn parse_typed(
    kind: HeaderKind,
    value: &str,
    out: &mut Vec<Header>,
) -> Result<(), &'static str> {
    use HeaderKind as K;
    let h = match kind {
        K::Via if memchr::memchr(b',', value.as_bytes()).is_none() => {
            Header::Via(Via::parse(value)?)
        }
        K::Via => return list_into(value, out, |v| Via::parse(v).map(Header::Via)),
        K::Contact => {
            if trim_ws(value) == "*" {
                Header::Contact(Contact::Star)
            } else {
                return list_into(value, out, |s| {
                    parse_name_addr(s, false).map(|a| Header::Contact(Contact::Addr(a)))
                });
            }
        }
        K::Route => return list_into(value, out, |s| parse_name_addr(s, true).map(Header::Route)),
        K::RecordRoute => {
            return list_into(value, out, |s| {
                parse_name_addr(s, true).map(Header::RecordRoute)
            })
        }
        K::From => Header::From(parse_name_addr(value, false)?),
        K::To => Header::To(parse_name_addr(value, false)?),
        K::ReferTo => Header::ReferTo(parse_name_addr(value, false)?),
        K::CallId => Header::CallId(CallId::parse(value)?),
        K::CSeq => Header::CSeq(CSeq::parse(value)?),
        K::MaxForwards => {
            let n = delta(value).map_err(|_| "invalid Max-Forwards")?;
            Header::MaxForwards(u8::try_from(n).map_err(|_| "Max-Forwards above 255")?)
        }
        K::ContentLength => {
            Header::ContentLength(delta(value).map_err(|_| "invalid Content-Length")?)
        }
        K::ContentType => Header::ContentType(MediaType::parse(value)?),
        K::Expires => Header::Expires(delta(value)?),
        K::MinExpires => Header::MinExpires(delta(value)?),
        K::Allow => Header::Allow(list(value, true, |m| {
            trim_ws(m).parse().map_err(|_| "invalid method")
        })?),
        K::Supported => Header::Supported(token_list(value, true)?),
        K::Require => Header::Require(token_list(value, false)?),
        K::Unsupported => Header::Unsupported(token_list(value, false)?),
        K::ProxyRequire => Header::ProxyRequire(token_list(value, false)?),
        K::WwwAuthenticate => Header::WwwAuthenticate(Challenge::parse(value)?),
        K::ProxyAuthenticate => Header::ProxyAuthenticate(Challenge::parse(value)?),
        K::Authorization => Header::Authorization(Credentials::parse(value)?),
        K::ProxyAuthorization => Header::ProxyAuthorization(Credentials::parse(value)?),
        K::Accept => Header::Accept(list(value, true, MediaType::parse)?),
        K::Event => Header::Event(Event::parse(value)?),
        K::UserAgent => Header::UserAgent(text(value)?),
        K::Server => Header::Server(text(value)?),
        K::RetryAfter => Header::RetryAfter(RetryAfter::parse(value)?),
        K::Date => Header::Date(SipDate::parse(value)?),
    };
    out.push(h);
    Ok(())
}

/// Ordered header fields with typed accessors.
///
/// ```
/// use openphone_sip::message::{Headers, Header, CSeq, Method};
/// let mut h = Headers::new();
/// h.push(Header::CSeq(CSeq { seq: 1, method: Method::Options }));
/// h.push(Header::other("Subject", "hello"));
/// assert_eq!(h.cseq().unwrap().seq, 1);
/// assert_eq!(h.get_raw("subject"), Some(&b"hello"[..]));
/// assert_eq!(h.get_raw("s"), Some(&b"hello"[..]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

macro_rules! first {
    ($(#[$m:meta])* $fn:ident, $variant:ident, $ty:ty) => {
        $(#[$m])*
        pub fn $fn(&self) -> Option<&$ty> {
            self.0.iter().find_map(|h| match h { Header::$variant(v) => Some(v), _ => None })
        }
    };
}

macro_rules! all {
    ($(#[$m:meta])* $fn:ident, $variant:ident, $ty:ty) => {
        $(#[$m])*
        pub fn $fn(&self) -> impl Iterator<Item = &$ty> + '_ {
            self.0.iter().filter_map(|h| match h { Header::$variant(v) => Some(v), _ => None })
        }
    };
}

macro_rules! flat {
    ($(#[$m:meta])* $fn:ident, $variant:ident, $ty:ty) => {
        $(#[$m])*
        pub fn $fn(&self) -> impl Iterator<Item = &$ty> + '_ {
            self.0.iter().filter_map(|h| match h { Header::$variant(v) => Some(v.iter()), _ => None }).flatten()
        }
    };
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// With room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Headers(Vec::with_capacity(n))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Entries in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }

    /// Mutable entries in order.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Header> {
        self.0.iter_mut()
    }

    /// Appends.
    pub fn push(&mut self, h: Header) {
        self.0.push(h);
    }

    /// Inserts at `index` (clamped to the end).
    pub fn insert(&mut self, index: usize, h: Header) {
        let i = index.min(self.0.len());
        self.0.insert(i, h);
    }

    /// Inserts before the first header of the same kind, or appends:
    /// what a proxy or UAC does with a new top Via or Route.
    pub fn push_front_of_kind(&mut self, h: Header) {
        let name = h.name().to_owned();
        match self.0.iter().position(|x| x.is(&name)) {
            Some(i) => self.0.insert(i, h),
            None => self.0.push(h),
        }
    }

    /// Removes every header called `name`; returns how many.
    pub fn remove_all(&mut self, name: &str) -> usize {
        let before = self.0.len();
        self.0.retain(|h| !h.is(name));
        before - self.0.len()
    }

    /// Removes and returns the first header called `name`.
    pub fn remove_first(&mut self, name: &str) -> Option<Header> {
        let i = self.0.iter().position(|h| h.is(name))?;
        Some(self.0.remove(i))
    }

    /// Replaces all headers of the same name with `h`, keeping the
    /// position of the first one (or appending).
    pub fn replace(&mut self, h: Header) {
        let name = h.name().to_owned();
        match self.0.iter().position(|x| x.is(&name)) {
            Some(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    *slot = h;
                }
                let mut idx = 0;
                self.0.retain(|x| {
                    let keep = idx <= i || !x.is(&name);
                    idx += 1;
                    keep
                });
            }
            None => self.0.push(h),
        }
    }

    /// First header called `name`.
    pub fn get(&self, name: &str) -> Option<&Header> {
        self.0.iter().find(|h| h.is(name))
    }

    /// All headers called `name`.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.0.iter().filter(move |h| h.is(name))
    }

    /// Number of entries called `name`.
    pub fn count(&self, name: &str) -> usize {
        self.get_all(name).count()
    }

    /// Raw value of the first untyped header called `name`.
    pub fn get_raw(&self, name: &str) -> Option<&[u8]> {
        self.0.iter().find_map(|h| match h {
            Header::Other { value, .. } if h.is(name) => Some(&value[..]),
            _ => None,
        })
    }

    all!(
        /// Via values, top first.
        via, Via, Via
    );
    first!(
        /// The topmost Via.
        top_via, Via, Via
    );
    first!(
        /// From.
        from, From, NameAddr
    );
    first!(
        /// To.
        to, To, NameAddr
    );
    first!(
        /// Call-ID.
        call_id, CallId, CallId
    );
    first!(
        /// CSeq.
        cseq, CSeq, CSeq
    );
    all!(
        /// Contact values.
        contacts, Contact, Contact
    );
    first!(
        /// Max-Forwards.
        max_forwards, MaxForwards, u8
    );
    first!(
        /// Declared Content-Length (the body length is authoritative).
        content_length, ContentLength, u32
    );
    first!(
        /// Content-Type.
        content_type, ContentType, MediaType
    );
    first!(
        /// Expires.
        expires, Expires, u32
    );
    first!(
        /// Min-Expires.
        min_expires, MinExpires, u32
    );
    all!(
        /// Route values in order.
        routes, Route, NameAddr
    );
    all!(
        /// Record-Route values in order.
        record_routes, RecordRoute, NameAddr
    );
    flat!(
        /// Allowed methods over all Allow lines.
        allow, Allow, Method
    );
    flat!(
        /// Supported option tags.
        supported, Supported, String
    );
    flat!(
        /// Required option tags.
        require, Require, String
    );
    flat!(
        /// Unsupported option tags.
        unsupported, Unsupported, String
    );
    flat!(
        /// Proxy-Require option tags.
        proxy_require, ProxyRequire, String
    );
    flat!(
        /// Accepted media types.
        accept, Accept, MediaType
    );
    all!(
        /// WWW-Authenticate challenges.
        www_authenticate, WwwAuthenticate, Challenge
    );
    all!(
        /// Proxy-Authenticate challenges.
        proxy_authenticate, ProxyAuthenticate, Challenge
    );
    all!(
        /// Authorization credentials.
        authorization, Authorization, Credentials
    );
    all!(
        /// Proxy-Authorization credentials.
        proxy_authorization, ProxyAuthorization, Credentials
    );
    first!(
        /// Event.
        event, Event, Event
    );
    first!(
        /// Refer-To.
        refer_to, ReferTo, NameAddr
    );
    first!(
        /// User-Agent.
        user_agent, UserAgent, String
    );
    first!(
        /// Server.
        server, Server, String
    );
    first!(
        /// Retry-After.
        retry_after, RetryAfter, RetryAfter
    );
    first!(
        /// Date.
        date, Date, SipDate
    );

    /// The topmost Via, mutable.
    pub fn top_via_mut(&mut self) -> Option<&mut Via> {
        self.0.iter_mut().find_map(|h| match h {
            Header::Via(v) => Some(v),
            _ => None,
        })
    }

    /// To, mutable (e.g. to add a tag).
    pub fn to_mut(&mut self) -> Option<&mut NameAddr> {
        self.0.iter_mut().find_map(|h| match h {
            Header::To(v) => Some(v),
            _ => None,
        })
    }

    /// From, mutable.
    pub fn from_mut(&mut self) -> Option<&mut NameAddr> {
        self.0.iter_mut().find_map(|h| match h {
            Header::From(v) => Some(v),
            _ => None,
        })
    }

    /// Max-Forwards, mutable.
    pub fn max_forwards_mut(&mut self) -> Option<&mut u8> {
        self.0.iter_mut().find_map(|h| match h {
            Header::MaxForwards(v) => Some(v),
            _ => None,
        })
    }

    /// Whether `method` is listed in any Allow header.
    pub fn allows(&self, method: &Method) -> bool {
        self.allow().any(|m| m == method)
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Header> for Headers {
    fn from_iter<I: IntoIterator<Item = Header>>(iter: I) -> Self {
        Headers(iter.into_iter().collect())
    }
}

impl Extend<Header> for Headers {
    fn extend<I: IntoIterator<Item = Header>>(&mut self, iter: I) {
        self.0.extend(iter)
    }
}

/// Long name for a compact form of an untyped header.
pub(crate) fn names_expand(name: &str) -> &str {
    names::expand_compact(name)
}
