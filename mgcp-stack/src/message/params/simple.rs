//! The small parameter values of RFC 3435 §3.2.2: connection mode,
//! restart method, quarantine handling, reason code, response
//! acknowledgement, package list and requested info.

use std::fmt;
use std::str::FromStr;

use crate::message::ids::TransactionId;
use crate::message::scan::{is_token, split_top_level};

/// A value the parameter's grammar does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value {0:?}")]
pub struct InvalidValue(pub String);

fn bad(s: &str) -> InvalidValue {
    InvalidValue(s.chars().take(64).collect())
}

/// The mode of a connection (`M:`, RFC 3435 §2.3.5).
///
/// ```
/// use openphone_mgcp::message::ConnectionMode;
/// assert_eq!("SENDRECV".parse(), Ok(ConnectionMode::SendRecv));
/// assert_eq!(ConnectionMode::ContinuityTest.to_string(), "conttest");
/// assert!("sideways".parse::<ConnectionMode>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConnectionMode {
    /// `sendonly`.
    SendOnly,
    /// `recvonly`.
    RecvOnly,
    /// `sendrecv`.
    SendRecv,
    /// `confrnce`: mixed with the endpoint's other conference connections.
    Conference,
    /// `inactive`.
    Inactive,
    /// `loopback`: the circuit looped back (the line hears itself).
    Loopback,
    /// `conttest`: circuit continuity test (looped like `loopback`).
    ContinuityTest,
    /// `netwloop`: network loopback (media returned to its sender).
    NetworkLoop,
    /// `netwtest`: network continuity test (looped like `netwloop`).
    NetworkTest,
    /// An extension mode, `package/mode`.
    Extension(String),
}

impl fmt::Display for ConnectionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectionMode::SendOnly => "sendonly",
            ConnectionMode::RecvOnly => "recvonly",
            ConnectionMode::SendRecv => "sendrecv",
            ConnectionMode::Conference => "confrnce",
            ConnectionMode::Inactive => "inactive",
            ConnectionMode::Loopback => "loopback",
            ConnectionMode::ContinuityTest => "conttest",
            ConnectionMode::NetworkLoop => "netwloop",
            ConnectionMode::NetworkTest => "netwtest",
            ConnectionMode::Extension(x) => x,
        })
    }
}

fn package_qualified(s: &str) -> bool {
    s.split_once('/')
        .is_some_and(|(p, n)| is_token(p) && is_token(n))
}

impl FromStr for ConnectionMode {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "sendonly" => ConnectionMode::SendOnly,
            "recvonly" => ConnectionMode::RecvOnly,
            "sendrecv" => ConnectionMode::SendRecv,
            "confrnce" => ConnectionMode::Conference,
            "inactive" => ConnectionMode::Inactive,
            "loopback" => ConnectionMode::Loopback,
            "conttest" => ConnectionMode::ContinuityTest,
            "netwloop" => ConnectionMode::NetworkLoop,
            "netwtest" => ConnectionMode::NetworkTest,
            _ if package_qualified(s) => ConnectionMode::Extension(s.to_string()),
            _ => return Err(bad(s)),
        })
    }
}

/// How an endpoint is restarting (`RM:`, RFC 3435 §2.3.12).
///
/// ```
/// use openphone_mgcp::message::RestartMethod;
/// assert_eq!("Graceful".parse(), Ok(RestartMethod::Graceful));
/// assert_eq!(RestartMethod::CancelGraceful.to_string(), "cancel-graceful");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RestartMethod {
    /// `graceful`: taken out of service after the restart delay; calls go on.
    Graceful,
    /// `forced`: taken out of service now; calls are lost.
    Forced,
    /// `restart`: back in service after the restart delay.
    Restart,
    /// `disconnected`: the endpoint lost contact with its call agent.
    Disconnected,
    /// `cancel-graceful`: a graceful restart is cancelled.
    CancelGraceful,
    /// An extension method (`X-...` or `package/method`).
    Extension(String),
}

impl fmt::Display for RestartMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RestartMethod::Graceful => "graceful",
            RestartMethod::Forced => "forced",
            RestartMethod::Restart => "restart",
            RestartMethod::Disconnected => "disconnected",
            RestartMethod::CancelGraceful => "cancel-graceful",
            RestartMethod::Extension(x) => x,
        })
    }
}

impl FromStr for RestartMethod {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "graceful" => RestartMethod::Graceful,
            "forced" => RestartMethod::Forced,
            "restart" => RestartMethod::Restart,
            "disconnected" => RestartMethod::Disconnected,
            "cancel-graceful" => RestartMethod::CancelGraceful,
            l if (l.starts_with("x-") && is_token(s)) || package_qualified(s) => {
                RestartMethod::Extension(s.to_string())
            }
            _ => return Err(bad(s)),
        })
    }
}

/// One word of `QuarantineHandling` (`Q:`, RFC 3435 §2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuarantineMode {
    /// `process`: process quarantined events under the new request.
    Process,
    /// `discard`: discard them.
    Discard,
    /// `step`: at most one notification per request.
    Step,
    /// `loop`: several notifications per request.
    Loop,
}

/// `QuarantineHandling` (`Q:`): what to do with events observed between a
/// notification and the next request.
///
/// ```
/// use openphone_mgcp::message::{QuarantineHandling, QuarantineMode};
/// let q: QuarantineHandling = "process, loop".parse()?;
/// assert_eq!(q.0, [QuarantineMode::Process, QuarantineMode::Loop]);
/// assert_eq!(q.to_string(), "process,loop");
/// # Ok::<(), openphone_mgcp::message::InvalidValue>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct QuarantineHandling(pub Vec<QuarantineMode>);

impl fmt::Display for QuarantineHandling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(match m {
                QuarantineMode::Process => "process",
                QuarantineMode::Discard => "discard",
                QuarantineMode::Step => "step",
                QuarantineMode::Loop => "loop",
            })?;
        }
        Ok(())
    }
}

impl FromStr for QuarantineHandling {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let items = split_top_level(s, b',').map_err(|_| bad(s))?;
        let mut modes = Vec::new();
        for i in items {
            modes.push(match i.to_ascii_lowercase().as_str() {
                "process" => QuarantineMode::Process,
                "discard" => QuarantineMode::Discard,
                "step" => QuarantineMode::Step,
                "loop" => QuarantineMode::Loop,
                _ => return Err(bad(i)),
            });
        }
        if modes.is_empty() {
            return Err(bad(s));
        }
        Ok(QuarantineHandling(modes))
    }
}

/// `ReasonCode` (`E:`): why an endpoint deleted a connection or is
/// restarting — three digits and optional text (RFC 3435 §2.5).
///
/// ```
/// use openphone_mgcp::message::ReasonCode;
/// let e: ReasonCode = "900 Endpoint malfunctioning".parse()?;
/// assert_eq!((e.code, e.text.as_str()), (900, "Endpoint malfunctioning"));
/// # Ok::<(), openphone_mgcp::message::InvalidValue>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReasonCode {
    /// The code: 000 nominal state, 900 malfunctioning, 901 taken out of
    /// service manually, 902 loss of lower layer connectivity, 903 QoS
    /// reservation lost, 904 manual intervention, 905 facility failure.
    pub code: u16,
    /// Commentary.
    pub text: String,
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.code)?;
        if !self.text.is_empty() {
            write!(f, " {}", self.text)?;
        }
        Ok(())
    }
}

impl FromStr for ReasonCode {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (code, text) = match s.split_once([' ', '\t']) {
            Some((c, t)) => (c, t.trim()),
            None => (s, ""),
        };
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(s));
        }
        Ok(ReasonCode {
            code: code.parse().map_err(|_| bad(s))?,
            text: text.to_string(),
        })
    }
}

/// `ResponseAck` (`K:`, RFC 3435 §3.5.2, the "three-way handshake"): the
/// transactions whose final responses the sender has received, as ranges.
/// Empty in a final response that followed a provisional one: the
/// receiver must then acknowledge it with a `000` response.
///
/// ```
/// use openphone_mgcp::message::{ResponseAck, TransactionId};
/// let k: ResponseAck = "6234-6255, 6257, 19030-19044".parse()?;
/// assert!(k.contains(TransactionId::new(6240).unwrap()));
/// assert!(!k.contains(TransactionId::new(6256).unwrap()));
/// assert_eq!(k.to_string(), "6234-6255,6257,19030-19044");
/// # Ok::<(), openphone_mgcp::message::InvalidValue>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ResponseAck(pub Vec<(TransactionId, TransactionId)>);

impl ResponseAck {
    /// Builds the shortest list of ranges covering `ids`.
    pub fn from_ids(ids: impl IntoIterator<Item = TransactionId>) -> Self {
        let mut ids: Vec<TransactionId> = ids.into_iter().collect();
        ids.sort();
        ids.dedup();
        let mut ranges: Vec<(TransactionId, TransactionId)> = Vec::new();
        for id in ids {
            match ranges.last_mut() {
                Some((_, last)) if last.get() + 1 == id.get() => *last = id,
                _ => ranges.push((id, id)),
            }
        }
        ResponseAck(ranges)
    }

    /// Whether `id` is acknowledged.
    pub fn contains(&self, id: TransactionId) -> bool {
        self.0.iter().any(|(a, b)| *a <= id && id <= *b)
    }

    /// Every acknowledged identifier (ranges are bounded by the parser's
    /// caller; see `transaction` for how many are honoured).
    pub fn ids(&self) -> impl Iterator<Item = TransactionId> + '_ {
        self.0
            .iter()
            .flat_map(|(a, b)| (a.get()..=b.get()).filter_map(|v| TransactionId::new(v).ok()))
    }
}

impl fmt::Display for ResponseAck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (a, b)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if a == b {
                write!(f, "{a}")?;
            } else {
                write!(f, "{a}-{b}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for ResponseAck {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let items = split_top_level(s, b',').map_err(|_| bad(s))?;
        let mut ranges = Vec::new();
        for i in items {
            let (a, b) = match i.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (i, i),
            };
            let a: TransactionId = a.parse().map_err(|_| bad(i))?;
            let b: TransactionId = b.parse().map_err(|_| bad(i))?;
            if a > b {
                return Err(bad(i));
            }
            ranges.push((a, b));
        }
        Ok(ResponseAck(ranges))
    }
}

/// A package and its version, as listed in `PackageList` (`PL:`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageVersion {
    /// The package name (`L`, `D`…).
    pub name: String,
    /// Its version.
    pub version: u32,
}

/// `PackageList` (`PL:`): the packages an endpoint supports, with versions.
///
/// ```
/// use openphone_mgcp::message::PackageList;
/// let pl: PackageList = "L:1, D:0".parse()?;
/// assert_eq!(pl.0[0].name, "L");
/// assert_eq!(pl.to_string(), "L:1,D:0");
/// # Ok::<(), openphone_mgcp::message::InvalidValue>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PackageList(pub Vec<PackageVersion>);

impl fmt::Display for PackageList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}:{}", p.name, p.version)?;
        }
        Ok(())
    }
}

impl FromStr for PackageList {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let items = split_top_level(s, b',').map_err(|_| bad(s))?;
        let mut list = Vec::new();
        for i in items {
            let (n, v) = i.split_once(':').ok_or_else(|| bad(i))?;
            let (n, v) = (n.trim(), v.trim());
            if !is_token(n) || v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad(i));
            }
            list.push(PackageVersion {
                name: n.to_string(),
                version: v.parse().map_err(|_| bad(i))?,
            });
        }
        Ok(PackageList(list))
    }
}

/// `RequestedInfo` (`F:`): the parameter codes an audit asks for (`R`,
/// `S`, `I`, `RC`, `LC`…), upper-cased.
///
/// ```
/// use openphone_mgcp::message::RequestedInfo;
/// let f: RequestedInfo = "r,s, I,RC".parse()?;
/// assert_eq!(f.0, ["R", "S", "I", "RC"]);
/// assert!(f.contains("rc"));
/// # Ok::<(), openphone_mgcp::message::InvalidValue>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RequestedInfo(pub Vec<String>);

impl RequestedInfo {
    /// Whether `code` is asked for.
    pub fn contains(&self, code: &str) -> bool {
        self.0.iter().any(|c| c.eq_ignore_ascii_case(code))
    }
}

impl fmt::Display for RequestedInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(","))
    }
}

impl FromStr for RequestedInfo {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let items = split_top_level(s, b',').map_err(|_| bad(s))?;
        let mut codes = Vec::new();
        for i in items {
            if !is_token(&i.replace('+', "-")) {
                return Err(bad(i));
            }
            codes.push(i.to_ascii_uppercase());
        }
        Ok(RequestedInfo(codes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_methods() {
        assert_eq!(
            "xyz/abc".parse(),
            Ok(ConnectionMode::Extension("xyz/abc".into()))
        );
        assert_eq!(
            "X-reboot".parse(),
            Ok(RestartMethod::Extension("X-reboot".into()))
        );
        assert!("reboot".parse::<RestartMethod>().is_err());
        assert!("".parse::<QuarantineHandling>().is_err());
        assert!("sometimes".parse::<QuarantineHandling>().is_err());
    }

    #[test]
    fn acks() {
        let ids = [5, 1, 2, 3, 9, 10].map(|v| TransactionId::new(v).unwrap());
        let k = ResponseAck::from_ids(ids);
        assert_eq!(k.to_string(), "1-3,5,9-10");
        assert_eq!(k.ids().count(), 6);
        assert!("".parse::<ResponseAck>().unwrap().0.is_empty());
        assert!("5-3".parse::<ResponseAck>().is_err());
        assert!("1,,2".parse::<ResponseAck>().is_err());
        assert!("0".parse::<ResponseAck>().is_ok());
    }

    #[test]
    fn reason_codes() {
        assert_eq!("000".parse::<ReasonCode>().unwrap().to_string(), "000");
        assert!("90".parse::<ReasonCode>().is_err());
        assert!("x00 a".parse::<ReasonCode>().is_err());
    }
}
