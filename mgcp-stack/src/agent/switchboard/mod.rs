//! A switchboard: a [`CallAgent`] that connects the analog lines of
//! residential gateways (RFC 3435 with the line `L` and DTMF `D`
//! packages of RFC 3660) when one dials another's number.
//!
//! The table of lines maps a number to an endpoint name and the address of
//! its gateway. The switchboard is sans-IO like the agent under it (feed
//! datagrams and time, send what [`poll_transmit`](Switchboard::poll_transmit)
//! gives, read [`SwitchEvent`]s); [`run`] is a thin tokio driver.
//!
//! What goes on the wire, per line:
//!
//! | when | command to the line |
//! |---|---|
//! | start, RSIP, back on-hook | `RQNT` `R: L/hd(N)`, `S:` (empty) |
//! | NTFY `L/hd` | `RQNT` `R: L/hu(N),D/[0-9#*T](D)`, `D:` digit map, `S: L/dl` |
//! | NTFY of digits naming an idle line | caller: `CRCX` `M: recvonly`; then callee: `CRCX` `M: sendrecv` with the caller's SDP |
//! | both connections made | callee: `RQNT` `R: L/hd(N)`, `S: L/rg,L/ci(time,number,"name")`; caller: `RQNT` `R: L/hu(N)`, `S: L/rt` |
//! | callee's NTFY `L/hd` | caller: `MDCX` `M: sendrecv` with the callee's SDP; both: `RQNT` `R: L/hu(N)`, `S:` (empty) |
//! | NTFY `L/hu` in a call | `DLCX` of both connections (their `P:` statistics are reported); the line that hung up: `R: L/hd(N)`; the other: `R: L/hu(N)`, `S: L/bz` if off-hook, else back to `R: L/hd(N)` |
//! | unknown number | caller: `RQNT` `R: L/hu(N)`, `S: L/ro` |
//! | busy line, own number | caller: `RQNT` `R: L/hu(N)`, `S: L/bz` |
//! | no answer within the ring timeout, a failed command | both connections deleted; caller `S: L/ro`, callee back to `R: L/hd(N)` |
//! | NTFY `L/hu` outside a call | `RQNT` `R: L/hd(N)`, `S:` |
//!
//! Digits are read in the three forms of [`dialled_number`] (`O:
//! D/1,D/0,D/0,D/2` as in RFC 3435, `O: D/1002`, `O: 1002`); hook events
//! with or without the `L/` prefix. A request refused with 401 (phone
//! already off hook) is taken as an off-hook, 402 (already on hook) as an
//! on-hook. A line that dials nothing within the dial timeout gets reorder
//! tone; a callee that does not answer within the ring timeout ends the
//! call.
//!
//! ```
//! use std::time::Instant;
//! use openphone_mgcp::agent::switchboard::*;
//! use openphone_mgcp::message::*;
//!
//! let mut board = Switchboard::new(SwitchboardConfig::new(vec![
//!     "1001=aaln/1@[127.0.0.1],127.0.0.1:2427".parse()?,
//!     "1002=aaln/2@[127.0.0.1],127.0.0.1:2428".parse()?,
//! ]))?;
//! let now = Instant::now();
//! board.start(now);
//! // Each line is asked to report off-hook.
//! let t = board.poll_transmit().unwrap();
//! let Message::Command(rqnt) = Message::parse(&t.bytes)? else { panic!() };
//! assert_eq!(rqnt.verb, Verb::NotificationRequest);
//! assert_eq!(rqnt.parameters.requested_events().unwrap()[0].to_string(), "L/hd(N)");
//! let x = rqnt.parameters.request_id().unwrap().clone();
//! board.handle_datagram(now, t.to, format!("200 {} OK\r\n", rqnt.transaction_id).as_bytes());
//! assert_eq!(board.poll_event().unwrap().to_string(), "1001: idle, waiting for off-hook");
//!
//! // The handset is lifted: dial tone, and the digit map of the table.
//! let ntfy = format!("NTFY 9 aaln/1@[127.0.0.1] MGCP 1.0\r\nX: {x}\r\nO: L/hd\r\n");
//! board.handle_datagram(now, t.to, ntfy.as_bytes());
//! assert_eq!(board.poll_event().unwrap().to_string(), "1001: off-hook");
//! let sent: Vec<_> = std::iter::from_fn(|| board.poll_transmit()).collect();
//! let dial = String::from_utf8(sent.last().unwrap().bytes.clone())?;
//! assert!(dial.contains("S: L/dl\r\n") && dial.contains("D: (1xxx|[02-9]x.T)\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod calls;
mod dial;
mod driver;
mod events;
mod lines;
mod recovery;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

use openphone_sal::{DigitMap, DigitMapError};

pub use dial::{caller_id, dialled_number, digit_map_for};
pub use driver::{run, SHUTDOWN_GRACE};
pub use events::{CallEnd, Rejection, SwitchEvent, Tone};

use super::{CallAgent, CallAgentConfig, Connection};
use crate::message::{CallId, EndpointName, TransactionId};
use crate::transaction::Transmit;

/// The default time a called line rings before the call ends.
pub const DEFAULT_RING_TIMEOUT: Duration = Duration::from_secs(60);

/// The default time an off-hook line may take to dial.
pub const DEFAULT_DIAL_TIMEOUT: Duration = Duration::from_secs(30);

/// The most lines a switchboard takes (each costs requests at start).
pub const MAX_LINES: usize = 1024;

/// One line of the table: a number, the endpoint that is that line, and
/// where its gateway listens.
///
/// Parsed from `NUMBER=ENDPOINT,ADDRESS[,NAME]` (the name is sent as
/// caller ID; it defaults to the number):
///
/// ```
/// use openphone_mgcp::agent::switchboard::Line;
/// let l: Line = "1001=aaln/1@[127.0.0.1],127.0.0.1:2427,Alice".parse()?;
/// assert_eq!(l.endpoint.to_string(), "aaln/1@[127.0.0.1]");
/// assert_eq!(l.address.port(), 2427);
/// assert_eq!(l.name, "Alice");
/// assert!("1001=aaln/*@gw,127.0.0.1:2427".parse::<Line>().is_err());
/// # Ok::<(), openphone_mgcp::agent::switchboard::InvalidLine>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The number callers dial (DTMF symbols).
    pub number: String,
    /// The endpoint (not a wildcard).
    pub endpoint: EndpointName,
    /// The gateway's MGCP address.
    pub address: SocketAddr,
    /// The name shown as caller ID.
    pub name: String,
}

/// Why a line description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad line {text:?}: {why} (expected NUMBER=ENDPOINT,ADDRESS[,NAME])")]
pub struct InvalidLine {
    text: String,
    why: &'static str,
}

impl Line {
    /// A line whose caller-ID name is its number.
    pub fn new(number: &str, endpoint: EndpointName, address: SocketAddr) -> Self {
        Line {
            number: number.to_string(),
            endpoint,
            address,
            name: number.to_string(),
        }
    }

    fn check(self, text: &str) -> Result<Self, InvalidLine> {
        let bad = |why| InvalidLine {
            text: text.chars().take(200).collect(),
            why,
        };
        if self.number.is_empty()
            || self.number.len() > 32
            || !self
                .number
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#'))
        {
            return Err(bad("the number must be 1 to 32 of 0-9 * #"));
        }
        if self.endpoint.is_wildcard() {
            return Err(bad("the endpoint must not be a wildcard"));
        }
        Ok(self)
    }
}

impl FromStr for Line {
    type Err = InvalidLine;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why| InvalidLine {
            text: s.chars().take(200).collect(),
            why,
        };
        let (number, rest) = s.split_once('=').ok_or_else(|| bad("no '='"))?;
        let mut parts = rest.splitn(3, ',');
        let endpoint = parts
            .next()
            .unwrap_or_default()
            .trim()
            .parse()
            .map_err(|_| bad("bad endpoint name"))?;
        let address = parts
            .next()
            .ok_or_else(|| bad("no address"))?
            .trim()
            .parse()
            .map_err(|_| bad("bad address (IP:PORT)"))?;
        let mut line = Line::new(number.trim(), endpoint, address);
        if let Some(name) = parts.next() {
            line.name = name.trim().to_string();
        }
        line.check(s)
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={},{}", self.number, self.endpoint, self.address)?;
        if self.name != self.number {
            write!(f, ",{}", self.name)?;
        }
        Ok(())
    }
}

/// Settings of a [`Switchboard`].
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchboardConfig {
    /// The call agent under it (transactions, notified entity).
    pub agent: CallAgentConfig,
    /// The lines.
    pub lines: Vec<Line>,
    /// The digit map sent with dial tone; `None`: [`digit_map_for`] the
    /// numbers of the lines.
    pub digit_map: Option<DigitMap>,
    /// How long a called line rings before the call ends.
    pub ring_timeout: Duration,
    /// How long an off-hook line may take to dial a number.
    pub dial_timeout: Duration,
}

impl SwitchboardConfig {
    /// These lines, with the default agent settings and timeouts.
    pub fn new(lines: Vec<Line>) -> Self {
        SwitchboardConfig {
            agent: CallAgentConfig::default(),
            lines,
            digit_map: None,
            ring_timeout: DEFAULT_RING_TIMEOUT,
            dial_timeout: DEFAULT_DIAL_TIMEOUT,
        }
    }
}

/// Why a switchboard could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SwitchboardError {
    /// Two lines with one number or one endpoint.
    #[error("line {0} is in the table twice (number or endpoint)")]
    DuplicateLine(String),
    /// More than [`MAX_LINES`] lines.
    #[error("too many lines (at most {MAX_LINES})")]
    TooManyLines,
    /// The digit map built from the numbers did not parse.
    #[error("digit map: {0}")]
    DigitMap(#[from] DigitMapError),
}

/// Where a line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineState {
    /// A request to it failed; it is used again when it restarts or
    /// notifies.
    OutOfService,
    /// On-hook, asked to report off-hook.
    Idle,
    /// Off-hook with dial tone, collecting digits.
    Dialling,
    /// Off-hook with busy or reorder tone, waiting for on-hook.
    Tone,
    /// In a call (the switchboard's call number).
    InCall(u64),
}

#[derive(Debug)]
struct LineSlot {
    line: Line,
    state: LineState,
    /// The dial timeout while dialling.
    deadline: Option<Instant>,
    /// The notification request in force (only its failure matters).
    request: Option<TransactionId>,
    /// 401/402 answers taken as hook changes in a row (bounded, so that a
    /// gateway contradicting itself cannot keep us sending).
    hook_corrections: u8,
}

/// What a command was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// A notification request playing this tone (`Silence` while idle or
    /// talking).
    Request {
        tone: Tone,
        idle: bool,
    },
    CreateCaller,
    CreateCallee,
    ModifyCaller,
    Delete,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    line: usize,
    call: Option<u64>,
    purpose: Purpose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Connections being created.
    Setup,
    /// The callee rings.
    Ringing,
    /// The callee answered; the caller's connection is being modified.
    Answering,
    /// Media both ways.
    Connected,
}

#[derive(Debug)]
struct Call {
    serial: u64,
    id: CallId,
    caller: usize,
    callee: usize,
    phase: Phase,
    caller_conn: Option<Connection>,
    callee_conn: Option<Connection>,
    ring_deadline: Option<Instant>,
}

/// The switchboard (see the [module documentation](self)).
#[derive(Debug)]
pub struct Switchboard {
    agent: CallAgent,
    lines: Vec<LineSlot>,
    by_endpoint: HashMap<EndpointName, usize>,
    digit_map: DigitMap,
    ring_timeout: Duration,
    dial_timeout: Duration,
    calls: HashMap<u64, Call>,
    next_call: u64,
    pending: HashMap<TransactionId, Pending>,
    events: VecDeque<SwitchEvent>,
}

impl Switchboard {
    /// A switchboard over a new [`CallAgent`]; nothing is sent before
    /// [`start`](Self::start).
    pub fn new(config: SwitchboardConfig) -> Result<Self, SwitchboardError> {
        let agent = CallAgent::new(config.agent.clone());
        Self::with_agent(config, agent)
    }

    /// A switchboard over `agent` (one made with
    /// [`CallAgent::with_first_transaction_id`] gives reproducible tests).
    pub fn with_agent(
        config: SwitchboardConfig,
        mut agent: CallAgent,
    ) -> Result<Self, SwitchboardError> {
        if config.lines.len() > MAX_LINES {
            return Err(SwitchboardError::TooManyLines);
        }
        let mut by_endpoint = HashMap::new();
        let mut lines: Vec<LineSlot> = Vec::new();
        for (i, line) in config.lines.into_iter().enumerate() {
            if lines.iter().any(|l| l.line.number == line.number)
                || by_endpoint.insert(line.endpoint.clone(), i).is_some()
            {
                return Err(SwitchboardError::DuplicateLine(line.number));
            }
            agent.set_endpoint_address(line.endpoint.clone(), line.address);
            lines.push(LineSlot {
                line,
                state: LineState::OutOfService,
                deadline: None,
                request: None,
                hook_corrections: 0,
            });
        }
        let digit_map = match config.digit_map {
            Some(m) => m,
            None => digit_map_for(lines.iter().map(|l| l.line.number.as_str()))?,
        };
        Ok(Switchboard {
            agent,
            lines,
            by_endpoint,
            digit_map,
            ring_timeout: config.ring_timeout,
            dial_timeout: config.dial_timeout,
            calls: HashMap::new(),
            next_call: 1,
            pending: HashMap::new(),
            events: VecDeque::new(),
        })
    }

    /// Asks every line to report off-hook.
    pub fn start(&mut self, now: Instant) {
        for i in 0..self.lines.len() {
            self.request_idle(now, i);
        }
    }

    /// The lines.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().map(|l| &l.line)
    }

    /// The digit map sent with dial tone.
    pub fn digit_map(&self) -> &DigitMap {
        &self.digit_map
    }

    /// The call agent under the switchboard (its connections, digit maps).
    pub fn agent(&self) -> &CallAgent {
        &self.agent
    }

    /// How many calls are in progress.
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    /// Whether no command awaits a response (after
    /// [`release_all`](Self::release_all), the moment to stop).
    pub fn is_quiet(&self) -> bool {
        self.pending.is_empty()
    }

    /// Feeds a datagram from a gateway.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.agent.handle_datagram(now, from, data);
        self.drain(now);
    }

    /// Runs the timers due at `now`: retransmissions, the dial and ring
    /// timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.agent.handle_timeout(now);
        self.drain(now);
        self.expire(now);
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.agent.poll_transmit()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SwitchEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let lines = self.lines.iter().filter_map(|l| l.deadline);
        let calls = self.calls.values().filter_map(|c| c.ring_deadline);
        lines.chain(calls).chain(self.agent.poll_timeout()).min()
    }

    fn line_number(&self, i: usize) -> String {
        self.lines[i].line.number.clone()
    }

    fn endpoint(&self, i: usize) -> EndpointName {
        self.lines[i].line.endpoint.clone()
    }
}
