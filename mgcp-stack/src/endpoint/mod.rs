//! The endpoint role: the phone as one or more lines of a residential
//! gateway (RFC 3435 with the RFC 3660 line `L`, DTMF `D` and generic `G`
//! packages), controlled by a call agent.
//!
//! [`Endpoint`] is sans-IO like the rest of the crate: datagrams, the
//! phone's [`StackCommand`]s and the time go in; datagrams, the phone's
//! [`StackEvent`]s and the next deadline come out. Media is the SAL's
//! [`StackMedia`] port: a CreateConnection reserves the call's media and
//! answers with its description, a ModifyConnection applies what was
//! agreed, a DeleteConnection releases it and answers with its statistics
//! (`P:`). The port never blocks, so calling it from the core keeps the
//! core deterministic.
//!
//! What the endpoint does, per command of the call agent:
//! * **RQNT**: `R:` requested events (`L/hd`, `L/hu`, `L/hf`, `L/oc`,
//!   `L/of`, `G/ft`, `G/mt`, digits `D/0`…`D/#`, `D/X`, ranges `D/[0-9#*T]`)
//!   with the actions `N`, `A`, `D` (digit map), `I`, `K` and embedded
//!   requests `E(R(..),S(..),D(..))`; `S:` signals (`L/dl`, `L/rt`, `L/bz`,
//!   `L/ro`, `L/cg`, `L/sl`, `L/wt`, `L/cf`, `L/ot`, `L/rg`, `L/r0`–`L/r7`,
//!   `L/ci(time,number,name)`, `L/vmwi(+|-)`, `L/mwi`, `D/<digit>`); `D:`
//!   digit maps; `Q:` quarantine handling; `N:` the notified entity.
//! * **CRCX / MDCX / DLCX / AUCX**: one connection per line, modes
//!   `sendrecv`, `sendonly`, `recvonly`, `inactive` and `conf`; `L:` codecs
//!   (`a:`) and packetisation (`p:`); remote SDP in, local SDP out.
//! * **AUEP / EPCF**.
//!
//! It sends NTFY for observed events (`X:` of the request, `O:` the events
//! in order, digits one event each: `O: L/hd,D/1,D/0,D/0,D/2`) and RSIP
//! at start (`restart`), when disconnected, and on shutdown (`forced`).
//!
//! The phone's view: `Phone::call("mgcp:1002")` on a line is off-hook plus
//! the digits 1, 0, 0, 2; the agent's ringing (`L/rg`, caller-ID from
//! `L/ci`) is an incoming call; answering is off-hook; hanging up is
//! on-hook; DTMF during a call is digit events; signals arrive as
//! [`StackEvent::LineSignal`].

mod audit;
mod connection;
mod line;
mod phone;
mod request;
mod signals;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_sal::line::Country;
use openphone_sal::{
    Cause, DigitTimers, Reason, RegistrationState, StackCommand, StackEvent, StackMedia,
};
use tracing::{debug, info, warn};

use crate::message::{
    Command, EndpointName, NameTerm, NotifiedEntity, Parameter, Response, RestartMethod,
    ReturnCode, TransactionId, Verb,
};
use crate::restart::{RestartConfig, RestartProcedure};
use crate::transaction::{TransactionConfig, TransactionEvent, TransactionLayer, Transmit};

use line::Line;

/// The call agent's UDP port (RFC 3435 §3.5), for a notified entity
/// without one.
const AGENT_PORT: u16 = 2727;

/// Settings of an [`Endpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointConfig {
    /// The lines, by full name (`aaln/1@[127.0.0.1]`); no wildcards.
    pub lines: Vec<EndpointName>,
    /// Where RSIP goes first, and NTFY until a request names another
    /// notified entity.
    pub call_agent: SocketAddr,
    /// Retransmission and cache settings.
    pub transactions: TransactionConfig,
    /// Restart timers (the first RSIP waits up to
    /// `restart.max_waiting_delay`).
    pub restart: RestartConfig,
    /// Digit collection timers.
    pub digit_timers: DigitTimers,
    /// Whose ringing cadence `L/rg` uses.
    pub country: Country,
    /// Seed of the restart procedure's random delays.
    pub seed: u64,
}

impl EndpointConfig {
    /// One line named `name`, controlled by the agent at `call_agent`.
    pub fn new(lines: Vec<EndpointName>, call_agent: SocketAddr) -> Self {
        EndpointConfig {
            lines,
            call_agent,
            transactions: TransactionConfig::default(),
            restart: RestartConfig::default(),
            digit_timers: DigitTimers::default(),
            country: Country::Us,
            seed: 0,
        }
    }
}

/// Why an [`Endpoint`] cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// No line configured.
    #[error("an endpoint needs at least one line")]
    NoLines,
    /// A line name with `*` or `$`.
    #[error("line name {0} has a wildcard")]
    WildcardLine(EndpointName),
    /// The same line twice.
    #[error("line {0} is configured twice")]
    DuplicateLine(EndpointName),
}

/// Why a command of the call agent is refused: its return code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: ReturnCode,
    pub text: String,
}

impl Refusal {
    pub fn new(code: ReturnCode, text: impl Into<String>) -> Self {
        Refusal {
            code,
            text: text.into(),
        }
    }
}

/// What one of our commands was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Rsip(usize),
    Notify(usize),
}

/// The endpoint role (see the [module documentation](self)).
pub struct Endpoint {
    config: EndpointConfig,
    layer: TransactionLayer,
    lines: Vec<Line>,
    media: Arc<dyn StackMedia>,
    pending: HashMap<TransactionId, Pending>,
    events: VecDeque<StackEvent>,
    next_connection: u64,
    session_id: u64,
    stopping: bool,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("lines", &self.line_names())
            .field("call_agent", &self.config.call_agent)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint whose lines start on-hook and announce themselves with
    /// RSIP (`restart`) once the restart delay has passed.
    pub fn new(
        config: EndpointConfig,
        media: Arc<dyn StackMedia>,
        now: Instant,
    ) -> Result<Self, EndpointError> {
        if config.lines.is_empty() {
            return Err(EndpointError::NoLines);
        }
        let mut lines: Vec<Line> = Vec::with_capacity(config.lines.len());
        for (i, name) in config.lines.iter().enumerate() {
            if name.is_wildcard() {
                return Err(EndpointError::WildcardLine(name.clone()));
            }
            if lines.iter().any(|l| &l.name == name) {
                return Err(EndpointError::DuplicateLine(name.clone()));
            }
            let restart = RestartProcedure::new(
                config.restart.clone(),
                NotifiedEntity::at(config.call_agent),
                now,
                config.seed.wrapping_add(i as u64),
            );
            lines.push(Line::new(name.clone(), restart, config.call_agent));
        }
        let layer = TransactionLayer::with_random_first_id(config.transactions.clone());
        Ok(Endpoint {
            session_id: config.seed.wrapping_mul(1_000_003).wrapping_add(1),
            config,
            layer,
            lines,
            media,
            pending: HashMap::new(),
            events: VecDeque::new(),
            next_connection: 1,
            stopping: false,
        })
    }

    /// The lines' names.
    pub fn line_names(&self) -> Vec<EndpointName> {
        self.lines.iter().map(|l| l.name.clone()).collect()
    }

    /// Whether a line is off-hook.
    pub fn is_off_hook(&self, line: &EndpointName) -> Option<bool> {
        self.line_index(line).map(|i| self.lines[i].off_hook())
    }

    /// Whether the call agent acknowledged the line's RSIP.
    pub fn is_in_service(&self, line: &EndpointName) -> Option<bool> {
        self.line_index(line).map(|i| self.lines[i].in_service)
    }

    /// How many of our commands (RSIP, NTFY) await a response.
    pub fn outstanding(&self) -> usize {
        self.layer.outgoing_len()
    }

    fn line_index(&self, name: &EndpointName) -> Option<usize> {
        self.lines.iter().position(|l| &l.name == name)
    }

    /// Feeds a datagram from `from`.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.layer.handle_datagram(now, from, data);
        self.drain(now);
    }

    /// Runs the timers due at `now`: retransmissions, restart announcements
    /// and digit collection.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        self.drain(now);
        if self.stopping {
            return;
        }
        for i in 0..self.lines.len() {
            if let Some(method) = self.lines[i].restart.handle_timeout(now) {
                self.send_rsip(now, i, method);
            }
            self.collector_timeout(now, i);
            if self.signal_deadline(i).is_some_and(|t| t <= now) {
                self.signal_timeout(now, i);
            }
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.layer.poll_transmit()
    }

    /// The next event for the phone.
    pub fn poll_event(&mut self) -> Option<StackEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next = self.layer.poll_timeout();
        if self.stopping {
            return next;
        }
        for l in &self.lines {
            for t in [
                l.restart.poll_timeout(),
                l.collector.as_ref().and_then(|c| c.poll_timeout()),
                l.signal_deadlines.iter().map(|(_, t)| *t).min(),
            ]
            .into_iter()
            .flatten()
            {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        next
    }

    /// Takes every line out of service: RSIP `forced` to the call agent,
    /// connections deleted (media released), calls ended. The RSIPs are
    /// retransmitted until answered; [`outstanding`](Self::outstanding)
    /// tells when they are.
    pub fn shutdown(&mut self, now: Instant) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        for i in 0..self.lines.len() {
            self.drop_connections(i);
            if let Some(call) = self.lines[i].call.take() {
                if call.announced {
                    self.events.push_back(StackEvent::CallEnded {
                        call: call.id,
                        reason: openphone_sal::EndReason::system(
                            Reason::new(Cause::Unavailable).with_text("line out of service"),
                        ),
                    });
                }
            }
            let method = self.lines[i].restart.take_out_of_service(false);
            self.send_rsip(now, i, method);
        }
    }

    /// Handles a command of the phone.
    pub fn handle_command(&mut self, now: Instant, command: StackCommand) {
        self.on_phone_command(now, command);
    }

    fn send_rsip(&mut self, now: Instant, i: usize, method: RestartMethod) {
        let line = &self.lines[i];
        let to = line
            .restart
            .notified_entity()
            .socket_addr(AGENT_PORT)
            .unwrap_or(line.notified);
        let cmd = line.restart.command(line.name.clone(), method.clone());
        info!(line = %line.name, %method, %to, "sending RSIP");
        self.send(now, to, cmd, Pending::Rsip(i));
    }

    fn send(&mut self, now: Instant, to: SocketAddr, cmd: Command, what: Pending) {
        match self.layer.send_command(now, to, cmd) {
            Ok(tid) => {
                self.pending.insert(tid, what);
            }
            Err(e) => warn!(error = %e, "command to the call agent not sent"),
        }
    }

    fn drain(&mut self, now: Instant) {
        while let Some(e) = self.layer.poll_event() {
            match e {
                TransactionEvent::Command { from, command } => {
                    self.on_agent_command(now, from, command)
                }
                TransactionEvent::Response {
                    command, response, ..
                } => self.on_response(now, command.transaction_id, Some(&response)),
                TransactionEvent::Timeout { command, .. } => {
                    self.on_response(now, command.transaction_id, None)
                }
                TransactionEvent::Malformed { from, error } => {
                    debug!(%from, %error, "malformed message from the call agent (answered)");
                }
                TransactionEvent::Provisional { .. } => {}
            }
        }
    }

    fn on_response(&mut self, now: Instant, tid: TransactionId, response: Option<&Response>) {
        let Some(what) = self.pending.remove(&tid) else {
            return;
        };
        match what {
            Pending::Rsip(i) => {
                let again = self.lines[i].restart.on_rsip_result(now, response);
                if let Some(n) = self.lines[i]
                    .restart
                    .notified_entity()
                    .socket_addr(AGENT_PORT)
                {
                    self.lines[i].notified = n;
                }
                if self.stopping {
                    return;
                }
                let ok = response.is_some_and(|r| r.code.is_success());
                let was = self.lines[i].in_service;
                self.lines[i].in_service = ok;
                if let Some(account) = self.lines[i].account {
                    if ok && !was {
                        self.events.push_back(StackEvent::Registration {
                            account,
                            // MGCP has no registration lifetime.
                            state: RegistrationState::Registered {
                                expires: Duration::ZERO,
                            },
                        });
                    } else if !ok && again.is_none() {
                        let reason = match response {
                            Some(r) => r.code.reason(&r.commentary),
                            None => Reason::new(Cause::Timeout)
                                .with_text("the call agent did not answer the RSIP"),
                        };
                        self.events.push_back(StackEvent::Registration {
                            account,
                            state: RegistrationState::Failed { reason },
                        });
                    }
                }
                if let Some(method) = again {
                    self.send_rsip(now, i, method);
                }
            }
            Pending::Notify(i) => match response {
                None => {
                    warn!(line = %self.lines[i].name, "NTFY unanswered: disconnected");
                    self.lines[i].restart.on_transaction_timeout(now);
                    let was = std::mem::replace(&mut self.lines[i].in_service, false);
                    if let (true, Some(account)) = (was, self.lines[i].account) {
                        self.events.push_back(StackEvent::Registration {
                            account,
                            state: RegistrationState::Failed {
                                reason: Reason::new(Cause::Timeout)
                                    .with_text("the call agent stopped answering"),
                            },
                        });
                    }
                }
                Some(r) if !r.code.is_success() => {
                    warn!(line = %self.lines[i].name, code = %r.code, "NTFY refused");
                }
                Some(_) => {}
            },
        }
    }

    /// Executes a command of the call agent and answers it.
    fn on_agent_command(&mut self, now: Instant, from: SocketAddr, command: Command) {
        let tid = command.transaction_id;
        let response = match self.execute(now, &command) {
            Ok(r) => r,
            Err(refusal) => {
                debug!(verb = %command.verb, code = %refusal.code, text = %refusal.text, "refused");
                Response::new(refusal.code, tid).with_commentary(refusal.text)
            }
        };
        if let Err(e) = self.layer.respond(now, from, response) {
            warn!(error = %e, "answer not sent");
        }
        // A disconnected line announces itself when the agent speaks.
        for i in 0..self.lines.len() {
            if command.endpoint == self.lines[i].name
                || command.endpoint.matches(&self.lines[i].name)
            {
                if let Some(method) = self.lines[i].restart.on_agent_command(now) {
                    self.send_rsip(now, i, method);
                }
            }
        }
    }

    fn execute(&mut self, now: Instant, cmd: &Command) -> Result<Response, Refusal> {
        if let Some(x) = cmd.parameters.critical_extension() {
            return Err(Refusal::new(
                ReturnCode::UNRECOGNIZED_EXTENSION,
                format!("critical extension {x} not supported"),
            ));
        }
        if let Some(p) = cmd.parameters.iter().find(|p| {
            matches!(p, Parameter::Other { name, .. }
                if !(name.starts_with("X-") || name.starts_with("x-")))
        }) {
            return Err(Refusal::new(
                ReturnCode::INVALID_PARAMETER,
                format!("parameter {} not supported", p.code()),
            ));
        }
        if self.stopping {
            return Err(Refusal::new(
                ReturnCode::ENDPOINT_RESTARTING,
                "the endpoint is going out of service",
            ));
        }
        let ok = Response::new(ReturnCode::OK, cmd.transaction_id);
        match cmd.verb {
            Verb::NotificationRequest => {
                let i = self.single_line(&cmd.endpoint)?;
                self.set_notified(i, cmd)?;
                self.notification_request(now, i, &cmd.parameters)?;
                Ok(ok)
            }
            Verb::CreateConnection => self.create_connection(now, cmd),
            Verb::ModifyConnection => self.modify_connection(now, cmd),
            Verb::DeleteConnection => self.delete_connection(now, cmd),
            Verb::AuditEndpoint => self.audit_endpoint(cmd),
            Verb::AuditConnection => self.audit_connection(cmd),
            Verb::EndpointConfiguration => self.endpoint_configuration(cmd),
            _ => Err(Refusal::new(
                ReturnCode::UNKNOWN_COMMAND,
                format!("{} is not a command an endpoint executes", cmd.verb),
            )),
        }
    }

    /// The one line a command names (no wildcard).
    fn single_line(&self, name: &EndpointName) -> Result<usize, Refusal> {
        if name.is_wildcard() {
            return Err(Refusal::new(
                ReturnCode::WILDCARD_TOO_COMPLICATED,
                "this command needs one endpoint",
            ));
        }
        self.line_index(name).ok_or_else(|| unknown_endpoint(name))
    }

    /// Every line a (possibly `*`-wildcarded) name designates.
    fn lines_matching(&self, name: &EndpointName) -> Result<Vec<usize>, Refusal> {
        if name.terms().iter().any(|t| matches!(t, NameTerm::Any)) {
            return Err(Refusal::new(
                ReturnCode::WILDCARD_TOO_COMPLICATED,
                "the \"any\" wildcard only applies to CreateConnection",
            ));
        }
        let found: Vec<usize> = (0..self.lines.len())
            .filter(|&i| name == &self.lines[i].name || name.matches(&self.lines[i].name))
            .collect();
        if found.is_empty() {
            Err(unknown_endpoint(name))
        } else {
            Ok(found)
        }
    }

    /// Takes `N:` as the line's new notified entity.
    fn set_notified(&mut self, i: usize, cmd: &Command) -> Result<(), Refusal> {
        let Some(n) = cmd.parameters.notified_entity() else {
            return Ok(());
        };
        let Some(addr) = n.socket_addr(AGENT_PORT) else {
            // The core resolves no names (no I/O).
            return Err(Refusal::new(
                ReturnCode::INVALID_PARAMETER,
                "a notified entity must be an IP address",
            ));
        };
        self.lines[i].notified = addr;
        self.lines[i].restart.set_notified_entity(n.clone());
        Ok(())
    }
}

fn unknown_endpoint(name: &EndpointName) -> Refusal {
    Refusal::new(
        ReturnCode::ENDPOINT_UNKNOWN,
        format!("no endpoint {name} here"),
    )
}

#[cfg(test)]
mod tests;
