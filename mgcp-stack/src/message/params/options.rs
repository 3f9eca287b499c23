//! `LocalConnectionOptions` (`L:`) and `Capabilities` (`A:`), RFC 3435
//! §3.2.2.10: comma-separated `name:value` options.

use std::fmt;
use std::str::FromStr;

use crate::message::scan::{is_token, split_top_level};

/// Why local connection options were refused (answered with 541).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid local connection option {0:?}")]
pub struct InvalidOptions(pub String);

/// A range of whole numbers, `n` or `lo-hi` (packetization in ms,
/// bandwidth in kbit/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    /// The low end (or the single value).
    pub min: u32,
    /// The high end, for a range.
    pub max: Option<u32>,
}

impl Range {
    /// One value.
    pub fn single(value: u32) -> Self {
        Range {
            min: value,
            max: None,
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) => write!(f, "{}-{max}", self.min),
            None => write!(f, "{}", self.min),
        }
    }
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for Range {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.split_once('-') {
            Some((a, b)) => {
                let (min, max) = (number(a).ok_or(())?, number(b).ok_or(())?);
                if min > max {
                    return Err(());
                }
                Ok(Range {
                    min,
                    max: Some(max),
                })
            }
            None => Ok(Range::single(number(s).ok_or(())?)),
        }
    }
}

/// One local connection option.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConnectionOption {
    /// `p:` packetization period in milliseconds.
    Packetization(Range),
    /// `a:` compression algorithms (codec names, as `PCMU;G726-32`), in
    /// order of preference.
    Codecs(Vec<String>),
    /// `b:` bandwidth in kbit/s.
    Bandwidth(Range),
    /// `e:` echo cancellation `on`/`off`.
    EchoCancellation(bool),
    /// `gc:` gain control: `auto` or a gain in dB.
    GainControl(String),
    /// `s:` silence suppression `on`/`off`.
    SilenceSuppression(bool),
    /// `t:` type of service, two hex digits.
    TypeOfService(u8),
    /// `r:` resource reservation (`g`, `cl`, `be`).
    ResourceReservation(String),
    /// `k:` encryption key (`clear:...`, `base64:...`).
    EncryptionKey(String),
    /// `nt:` network type (`IN`, `ATM`, `LOCAL`).
    NetworkType(String),
    /// Any other option (`fmtp:`, vendor `x-...`, capability-only `v:`,
    /// `m:`…), name lower-cased, value verbatim.
    Other {
        /// The option name.
        name: String,
        /// Its value.
        value: String,
    },
}

fn on_off(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("on") {
        Some(true)
    } else if v.eq_ignore_ascii_case("off") {
        Some(false)
    } else {
        None
    }
}

fn value_ok(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| (b.is_ascii_graphic() || b == b' ') && b != b',')
        && !v.starts_with(' ')
        && !v.ends_with(' ')
}

impl ConnectionOption {
    fn parse(item: &str) -> Option<Self> {
        let (name, value) = item.split_once(':')?;
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        if !is_token(&name.replace(['+', '/'], "-")) || !value_ok(value) {
            return None;
        }
        Some(match name.as_str() {
            "p" => ConnectionOption::Packetization(value.parse().ok()?),
            "a" => {
                let codecs: Vec<String> = value.split(';').map(|c| c.trim().to_string()).collect();
                if codecs.iter().any(|c| c.is_empty() || c.contains(' ')) {
                    return None;
                }
                ConnectionOption::Codecs(codecs)
            }
            "b" => ConnectionOption::Bandwidth(value.parse().ok()?),
            "e" => ConnectionOption::EchoCancellation(on_off(value)?),
            "s" => ConnectionOption::SilenceSuppression(on_off(value)?),
            "gc" => ConnectionOption::GainControl(value.to_string()),
            "t" => {
                if value.len() != 2 {
                    return None;
                }
                ConnectionOption::TypeOfService(u8::from_str_radix(value, 16).ok()?)
            }
            "r" => ConnectionOption::ResourceReservation(value.to_string()),
            "k" => ConnectionOption::EncryptionKey(value.to_string()),
            "nt" => ConnectionOption::NetworkType(value.to_string()),
            _ => ConnectionOption::Other {
                name,
                value: value.to_string(),
            },
        })
    }
}

impl fmt::Display for ConnectionOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = |b: bool| if b { "on" } else { "off" };
        match self {
            ConnectionOption::Packetization(r) => write!(f, "p:{r}"),
            ConnectionOption::Codecs(c) => write!(f, "a:{}", c.join(";")),
            ConnectionOption::Bandwidth(r) => write!(f, "b:{r}"),
            ConnectionOption::EchoCancellation(b) => write!(f, "e:{}", flag(*b)),
            ConnectionOption::GainControl(g) => write!(f, "gc:{g}"),
            ConnectionOption::SilenceSuppression(b) => write!(f, "s:{}", flag(*b)),
            ConnectionOption::TypeOfService(t) => write!(f, "t:{t:02X}"),
            ConnectionOption::ResourceReservation(r) => write!(f, "r:{r}"),
            ConnectionOption::EncryptionKey(k) => write!(f, "k:{k}"),
            ConnectionOption::NetworkType(n) => write!(f, "nt:{n}"),
            ConnectionOption::Other { name, value } => write!(f, "{name}:{value}"),
        }
    }
}

/// Local connection options (`L:`), or one capability set (`A:`).
///
/// ```
/// use openphone_mgcp::message::{ConnectionOption, LocalConnectionOptions, Range};
/// let l: LocalConnectionOptions = "p:10-20, a:PCMU;G726-32, e:on, x-acme:7".parse()?;
/// assert_eq!(l.packetization(), Some(Range { min: 10, max: Some(20) }));
/// assert_eq!(l.codecs(), Some(&["PCMU".to_string(), "G726-32".to_string()][..]));
/// assert_eq!(l.to_string(), "p:10-20, a:PCMU;G726-32, e:on, x-acme:7");
/// assert!("p:20-10".parse::<LocalConnectionOptions>().is_err());
/// # Ok::<(), openphone_mgcp::message::InvalidOptions>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LocalConnectionOptions(pub Vec<ConnectionOption>);

impl LocalConnectionOptions {
    /// The packetization period.
    pub fn packetization(&self) -> Option<Range> {
        self.0.iter().find_map(|o| match o {
            ConnectionOption::Packetization(r) => Some(*r),
            _ => None,
        })
    }

    /// The codec names, in order of preference.
    pub fn codecs(&self) -> Option<&[String]> {
        self.0.iter().find_map(|o| match o {
            ConnectionOption::Codecs(c) => Some(&c[..]),
            _ => None,
        })
    }

    /// An option by name (lower case), as text.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find_map(|o| {
            let text = o.to_string();
            let (n, v) = text.split_once(':')?;
            (n == name).then(|| v.to_string())
        })
    }
}

impl fmt::Display for LocalConnectionOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, o) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{o}")?;
        }
        Ok(())
    }
}

impl FromStr for LocalConnectionOptions {
    type Err = InvalidOptions;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |x: &str| InvalidOptions(x.chars().take(64).collect());
        let items = split_top_level(s, b',').map_err(|_| bad(s))?;
        let mut options = Vec::with_capacity(items.len());
        for item in items {
            options.push(ConnectionOption::parse(item).ok_or_else(|| bad(item))?);
        }
        Ok(LocalConnectionOptions(options))
    }
}

/// `name=value` pairs of `ConnectionParameters` (`P:`) and `name:value`
/// pairs of `BearerInformation` (`B:`); names upper-cased for `P:`,
/// lower-cased for `B:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Pairs {
    /// The pairs, in order.
    pub entries: Vec<(String, String)>,
}

fn parse_pairs(s: &str, sep: char, upper: bool) -> Option<Pairs> {
    let items = split_top_level(s, b',').ok()?;
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        let (n, v) = item.split_once(sep)?;
        let (n, v) = (n.trim(), v.trim());
        if !is_token(n) || !value_ok(v) || v.contains(sep) {
            return None;
        }
        let n = if upper {
            n.to_ascii_uppercase()
        } else {
            n.to_ascii_lowercase()
        };
        entries.push((n, v.to_string()));
    }
    Some(Pairs { entries })
}

fn print_pairs(p: &Pairs, sep: char, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, (n, v)) in p.entries.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{n}{sep}{v}")?;
    }
    Ok(())
}

/// Connection statistics (`P:`) returned by DeleteConnection and
/// AuditConnection (RFC 3435 §2.3.5): packets and octets sent and
/// received, packets lost, jitter and latency, and extensions.
///
/// ```
/// use openphone_mgcp::message::ConnectionParameters;
/// let p: ConnectionParameters = "PS=1245, OS=62345, PR=780, OR=45123, PL=10, JI=27, LA=48".parse()?;
/// assert_eq!(p.packets_sent(), Some(1245));
/// assert_eq!(p.packets_lost(), Some(10));
/// assert_eq!(p.jitter_ms(), Some(27));
/// assert_eq!(p.to_string(), "PS=1245, OS=62345, PR=780, OR=45123, PL=10, JI=27, LA=48");
/// # Ok::<(), openphone_mgcp::message::InvalidOptions>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ConnectionParameters(pub Pairs);

impl ConnectionParameters {
    /// A value by (case-insensitive) name, as a signed number.
    pub fn get_i64(&self, name: &str) -> Option<i64> {
        self.0
            .entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.parse().ok())
    }

    /// Adds a value.
    pub fn with(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.0
            .entries
            .push((name.to_ascii_uppercase(), value.to_string()));
        self
    }

    /// `PS`: packets sent.
    pub fn packets_sent(&self) -> Option<u64> {
        self.get_i64("PS").and_then(|v| u64::try_from(v).ok())
    }
    /// `OS`: octets sent.
    pub fn octets_sent(&self) -> Option<u64> {
        self.get_i64("OS").and_then(|v| u64::try_from(v).ok())
    }
    /// `PR`: packets received.
    pub fn packets_received(&self) -> Option<u64> {
        self.get_i64("PR").and_then(|v| u64::try_from(v).ok())
    }
    /// `OR`: octets received.
    pub fn octets_received(&self) -> Option<u64> {
        self.get_i64("OR").and_then(|v| u64::try_from(v).ok())
    }
    /// `PL`: packets lost (may be negative with duplicates, as in RTCP).
    pub fn packets_lost(&self) -> Option<i64> {
        self.get_i64("PL")
    }
    /// `JI`: average interarrival jitter, in milliseconds.
    pub fn jitter_ms(&self) -> Option<u64> {
        self.get_i64("JI").and_then(|v| u64::try_from(v).ok())
    }
    /// `LA`: average latency, in milliseconds.
    pub fn latency_ms(&self) -> Option<u64> {
        self.get_i64("LA").and_then(|v| u64::try_from(v).ok())
    }
}

impl fmt::Display for ConnectionParameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        print_pairs(&self.0, '=', f)
    }
}

impl FromStr for ConnectionParameters {
    type Err = InvalidOptions;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_pairs(s, '=', true)
            .map(ConnectionParameters)
            .ok_or_else(|| InvalidOptions(s.chars().take(64).collect()))
    }
}

/// Bearer information (`B:`), such as `e:mu` (the bearer's G.711 law).
///
/// ```
/// use openphone_mgcp::message::BearerInformation;
/// let b: BearerInformation = "e:mu".parse()?;
/// assert_eq!(b.encoding(), Some("mu"));
/// # Ok::<(), openphone_mgcp::message::InvalidOptions>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BearerInformation(pub Pairs);

impl BearerInformation {
    /// `e:`: the encoding, `A` or `mu`.
    pub fn encoding(&self) -> Option<&str> {
        self.0
            .entries
            .iter()
            .find(|(n, _)| n == "e")
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for BearerInformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        print_pairs(&self.0, ':', f)
    }
}

impl FromStr for BearerInformation {
    type Err = InvalidOptions;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_pairs(s, ':', false)
            .map(BearerInformation)
            .ok_or_else(|| InvalidOptions(s.chars().take(64).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let l: LocalConnectionOptions =
            "P:20, A:PCMA, s:OFF, t:b8, gc:auto, r:g, k:clear:abc, nt:IN"
                .parse()
                .unwrap();
        assert_eq!(
            l.to_string(),
            "p:20, a:PCMA, s:off, t:B8, gc:auto, r:g, k:clear:abc, nt:IN"
        );
        assert_eq!(l.get("k").as_deref(), Some("clear:abc"));
        assert!("e:maybe".parse::<LocalConnectionOptions>().is_err());
        assert!("p".parse::<LocalConnectionOptions>().is_err());
        assert!("a:PCMU;;G729".parse::<LocalConnectionOptions>().is_err());
        assert!("t:1".parse::<LocalConnectionOptions>().is_err());
        assert!("p:10,".parse::<LocalConnectionOptions>().is_err());
        assert_eq!(
            "".parse::<LocalConnectionOptions>().unwrap(),
            LocalConnectionOptions::default()
        );
    }

    #[test]
    fn pairs() {
        let p: ConnectionParameters = "ps=1, PL=-2, X-acme=ok".parse().unwrap();
        assert_eq!(p.to_string(), "PS=1, PL=-2, X-ACME=ok");
        assert_eq!(p.packets_lost(), Some(-2));
        assert!("PS".parse::<ConnectionParameters>().is_err());
        assert!("PS=1=2".parse::<ConnectionParameters>().is_err());
    }
}
