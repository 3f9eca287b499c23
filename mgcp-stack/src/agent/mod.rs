//! The call-agent role: drive the endpoints of media gateways (RFC 3435
//! §2.3) — create, modify and delete connections, request notifications
//! with digit maps, audit — and take their Notify, DeleteConnection and
//! RestartInProgress commands.
//!
//! [`CallAgent`] is sans-IO like the rest of the crate: it wraps a
//! [`TransactionLayer`], keeps the endpoints' addresses and the
//! connections it created, answers the gateways' commands itself, and
//! reports what happened as [`AgentEvent`]s.
//!
//! ```
//! use std::time::Instant;
//! use openphone_mgcp::agent::*;
//! use openphone_mgcp::message::*;
//! use openphone_mgcp::transaction::Transmit;
//!
//! let mut agent = CallAgent::new(CallAgentConfig::default());
//! agent.add_gateway(Domain::Host("mgw".into()), "127.0.0.1:2427".parse()?);
//! let now = Instant::now();
//! let ep: EndpointName = "rtpbridge/*@mgw".parse()?;
//! let call = agent.new_call_id();
//! let tid = agent.create_connection(now, &ep, &call,
//!     ConnectionRequest::new(ConnectionMode::RecvOnly))?;
//! let Transmit { to, bytes } = agent.poll_transmit().unwrap();
//! assert_eq!(to.port(), 2427);
//! assert!(bytes.starts_with(format!("CRCX {tid} rtpbridge/*@mgw MGCP 1.0\r\n").as_bytes()));
//!
//! // The gateway answers with the endpoint it chose and the connection id.
//! let reply = format!("200 {tid} OK\r\nZ: rtpbridge/1@mgw\r\nI: E7A352E2\r\n");
//! agent.handle_datagram(now, to, reply.as_bytes());
//! let Some(AgentEvent::ConnectionCreated { connection, .. }) = agent.poll_event() else { panic!() };
//! assert_eq!(connection.endpoint.to_string(), "rtpbridge/1@mgw");
//! assert_eq!(agent.connections().count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod events;
mod requests;
pub mod switchboard;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use openphone_sal::{Cause, DigitMap, Reason};
use tracing::{debug, info};

pub use events::{observed_digits, AgentEvent, Connection};
pub use requests::{ConnectionRequest, NotificationRequest};

use crate::message::{
    CallId, Command, ConnectionId, ConnectionMode, Domain, EndpointName, NotifiedEntity, Parameter,
    RequestId, RequestedInfo, Response, RestartMethod, ReturnCode, TransactionId, Verb,
};
use crate::transaction::{
    TransactionConfig, TransactionError, TransactionEvent, TransactionLayer, Transmit,
};

/// The UDP port of gateways (RFC 3435 §3.5).
pub const GATEWAY_PORT: u16 = 2427;

/// The UDP port of call agents (RFC 3435 §3.5).
pub const CALL_AGENT_PORT: u16 = 2727;

/// Settings of a [`CallAgent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallAgentConfig {
    /// Retransmission and cache settings.
    pub transactions: TransactionConfig,
    /// Sent as `N:` with notification requests, so that endpoints notify
    /// this agent (usually its own address).
    pub notified_entity: Option<NotifiedEntity>,
    /// The port of a gateway known only by an IP-address domain
    /// (`aaln/1@[192.0.2.1]`).
    pub default_gateway_port: u16,
}

impl Default for CallAgentConfig {
    fn default() -> Self {
        CallAgentConfig {
            transactions: TransactionConfig::default(),
            notified_entity: None,
            default_gateway_port: GATEWAY_PORT,
        }
    }
}

/// Why the call agent cannot send a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// No address is known for the endpoint's gateway.
    #[error("no address known for the gateway of {0}")]
    UnknownGateway(EndpointName),
    /// The connection is not one this agent created (or it is gone).
    #[error("no connection {connection} on {endpoint}")]
    UnknownConnection {
        /// The endpoint.
        endpoint: EndpointName,
        /// The connection id.
        connection: ConnectionId,
    },
    /// A CreateConnection needs a mode.
    #[error("a connection needs a mode")]
    MissingMode,
    /// The transaction layer refused.
    #[error(transparent)]
    Transaction(#[from] TransactionError),
}

/// The call-agent role (see the [module documentation](self)).
#[derive(Debug)]
pub struct CallAgent {
    config: CallAgentConfig,
    layer: TransactionLayer,
    gateways: HashMap<Domain, SocketAddr>,
    endpoint_addrs: HashMap<EndpointName, SocketAddr>,
    connections: HashMap<(EndpointName, ConnectionId), Connection>,
    digit_maps: HashMap<EndpointName, DigitMap>,
    next_request: u64,
    events: VecDeque<AgentEvent>,
}

impl CallAgent {
    /// An agent whose transaction ids start at a random value.
    pub fn new(config: CallAgentConfig) -> Self {
        let layer = TransactionLayer::with_random_first_id(config.transactions.clone());
        Self::with_layer(config, layer)
    }

    /// An agent whose first transaction id is `first` (for reproducible
    /// tests).
    pub fn with_first_transaction_id(config: CallAgentConfig, first: TransactionId) -> Self {
        let layer = TransactionLayer::new(config.transactions.clone(), first);
        Self::with_layer(config, layer)
    }

    fn with_layer(config: CallAgentConfig, layer: TransactionLayer) -> Self {
        CallAgent {
            config,
            layer,
            gateways: HashMap::new(),
            endpoint_addrs: HashMap::new(),
            connections: HashMap::new(),
            digit_maps: HashMap::new(),
            next_request: 1,
            events: VecDeque::new(),
        }
    }

    /// Commands to endpoints in `domain` go to `addr`.
    pub fn add_gateway(&mut self, domain: Domain, addr: SocketAddr) {
        self.gateways.insert(domain, addr);
    }

    /// Commands to `endpoint` go to `addr` (it overrides the gateway's
    /// address; a RestartInProgress sets it too).
    pub fn set_endpoint_address(&mut self, endpoint: EndpointName, addr: SocketAddr) {
        self.endpoint_addrs.insert(endpoint, addr);
    }

    /// A fresh random call id.
    pub fn new_call_id(&mut self) -> CallId {
        CallId::random()
    }

    /// The connections this agent created and that still exist.
    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.connections.values()
    }

    /// One connection.
    pub fn connection(&self, endpoint: &EndpointName, id: &ConnectionId) -> Option<&Connection> {
        self.connections.get(&(endpoint.clone(), id.clone()))
    }

    /// The digit map last sent to `endpoint`, to read its notified digits
    /// with.
    pub fn digit_map(&self, endpoint: &EndpointName) -> Option<&DigitMap> {
        self.digit_maps.get(endpoint)
    }

    fn address_of(&self, endpoint: &EndpointName) -> Result<SocketAddr, AgentError> {
        if let Some(a) = self.endpoint_addrs.get(endpoint) {
            return Ok(*a);
        }
        if let Some(a) = self.gateways.get(endpoint.domain()) {
            return Ok(*a);
        }
        match endpoint.domain() {
            Domain::Ip(ip) => Ok(SocketAddr::new(*ip, self.config.default_gateway_port)),
            _ => Err(AgentError::UnknownGateway(endpoint.clone())),
        }
    }

    fn next_request_id(&mut self) -> RequestId {
        let id = RequestId::from_u128(u128::from(self.next_request));
        self.next_request += 1;
        id
    }

    /// Sends any command to its endpoint; the result arrives as
    /// [`AgentEvent::Response`] or [`AgentEvent::CommandFailed`] (or, for
    /// the connection and notification commands, as their own events).
    pub fn send_command(
        &mut self,
        now: Instant,
        command: Command,
    ) -> Result<TransactionId, AgentError> {
        let to = self.address_of(&command.endpoint)?;
        Ok(self.layer.send_command(now, to, command)?)
    }

    /// Stops retransmitting command `id` (no event will come for it).
    /// For a NotificationRequest that a newer one to the same endpoint
    /// replaces: a retransmission of the old one reaching the endpoint
    /// after the new one would replace the new one (RFC 3435 §4.3: each
    /// RQNT replaces the previous request). True if it was outstanding.
    pub fn abandon(&mut self, id: TransactionId) -> bool {
        self.layer.abandon(id)
    }

    fn command(verb: Verb, endpoint: &EndpointName) -> Command {
        Command::new(verb, TransactionId::FIRST, endpoint.clone())
    }

    /// CreateConnection on `endpoint` (a `$` or `*` wildcard lets the
    /// gateway choose) for `call_id`.
    pub fn create_connection(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        call_id: &CallId,
        request: ConnectionRequest,
    ) -> Result<TransactionId, AgentError> {
        if request.mode.is_none() {
            return Err(AgentError::MissingMode);
        }
        let mut c = Self::command(Verb::CreateConnection, endpoint)
            .with(Parameter::CallId(call_id.clone()));
        self.fill(&mut c, request);
        self.send_command(now, c)
    }

    /// ModifyConnection of a connection this agent created.
    pub fn modify_connection(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        connection: &ConnectionId,
        request: ConnectionRequest,
    ) -> Result<TransactionId, AgentError> {
        let call_id = self.known(endpoint, connection)?.call_id.clone();
        let mut c = Self::command(Verb::ModifyConnection, endpoint)
            .with(Parameter::CallId(call_id))
            .with(Parameter::ConnectionId(vec![connection.clone()]));
        self.fill(&mut c, request);
        self.send_command(now, c)
    }

    fn known(
        &self,
        endpoint: &EndpointName,
        connection: &ConnectionId,
    ) -> Result<&Connection, AgentError> {
        self.connection(endpoint, connection)
            .ok_or_else(|| AgentError::UnknownConnection {
                endpoint: endpoint.clone(),
                connection: connection.clone(),
            })
    }

    fn fill(&mut self, c: &mut Command, request: ConnectionRequest) {
        let request_id = request.notification.as_ref().map(|n| {
            if let Some(d) = &n.digit_map {
                self.digit_maps.insert(c.endpoint.clone(), d.clone());
            }
            self.next_request_id()
        });
        request.apply(c, request_id);
    }

    /// DeleteConnection of one connection; the statistics come with
    /// [`AgentEvent::ConnectionDeleted`].
    pub fn delete_connection(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        connection: &ConnectionId,
    ) -> Result<TransactionId, AgentError> {
        let call_id = self.known(endpoint, connection)?.call_id.clone();
        let c = Self::command(Verb::DeleteConnection, endpoint)
            .with(Parameter::CallId(call_id))
            .with(Parameter::ConnectionId(vec![connection.clone()]));
        self.send_command(now, c)
    }

    /// DeleteConnection of every connection of `call_id` on `endpoint`
    /// (which may be a wildcard).
    pub fn delete_call(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        call_id: &CallId,
    ) -> Result<TransactionId, AgentError> {
        let c = Self::command(Verb::DeleteConnection, endpoint)
            .with(Parameter::CallId(call_id.clone()));
        self.send_command(now, c)
    }

    /// NotificationRequest: returns the transaction id and the request id
    /// that notifications will carry.
    pub fn request_notification(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        request: NotificationRequest,
    ) -> Result<(TransactionId, RequestId), AgentError> {
        let x = self.next_request_id();
        if let Some(d) = &request.digit_map {
            self.digit_maps.insert(endpoint.clone(), d.clone());
        }
        let mut c = Self::command(Verb::NotificationRequest, endpoint);
        request.apply(&mut c, x.clone(), self.config.notified_entity.as_ref());
        Ok((self.send_command(now, c)?, x))
    }

    /// AuditEndpoint asking for `info` (empty: just "are you there?").
    pub fn audit_endpoint(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        info: RequestedInfo,
    ) -> Result<TransactionId, AgentError> {
        let mut c = Self::command(Verb::AuditEndpoint, endpoint);
        if !info.0.is_empty() {
            c.parameters.push(Parameter::RequestedInfo(info));
        }
        self.send_command(now, c)
    }

    /// AuditConnection asking for `info`.
    pub fn audit_connection(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        connection: &ConnectionId,
        info: RequestedInfo,
    ) -> Result<TransactionId, AgentError> {
        let c = Self::command(Verb::AuditConnection, endpoint)
            .with(Parameter::ConnectionId(vec![connection.clone()]))
            .with(Parameter::RequestedInfo(info));
        self.send_command(now, c)
    }

    /// Feeds a datagram from a gateway.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.layer.handle_datagram(now, from, data);
        self.drain(now);
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        self.drain(now);
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.layer.poll_transmit()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<AgentEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.layer.poll_timeout()
    }

    fn drain(&mut self, now: Instant) {
        while let Some(e) = self.layer.poll_event() {
            match e {
                TransactionEvent::Command { from, command } => self.on_command(now, from, command),
                TransactionEvent::Response {
                    command, response, ..
                } => self.on_response(command, response),
                TransactionEvent::Timeout { command, .. } => {
                    self.events.push_back(AgentEvent::CommandFailed {
                        transaction: command.transaction_id,
                        command,
                        response: None,
                        reason: Reason::new(Cause::Timeout)
                            .with_text("no response after retransmissions"),
                    })
                }
                TransactionEvent::Malformed { from, error } => {
                    debug!(%from, %error, "malformed message from a gateway");
                    self.events.push_back(AgentEvent::Malformed { from, error });
                }
                TransactionEvent::Provisional { .. } => {}
            }
        }
    }

    fn answer(&mut self, now: Instant, from: SocketAddr, command: &Command, code: ReturnCode) {
        let r = Response::new(code, command.transaction_id);
        if let Err(e) = self.layer.respond(now, from, r) {
            debug!(%e, "answer not sent");
        }
    }

    fn on_command(&mut self, now: Instant, from: SocketAddr, command: Command) {
        let p = &command.parameters;
        match command.verb {
            Verb::Notify => {
                self.answer(now, from, &command, ReturnCode::OK);
                self.events.push_back(AgentEvent::Notify {
                    endpoint: command.endpoint.clone(),
                    request_id: p.request_id().cloned(),
                    observed: p.observed_events().cloned().unwrap_or_default(),
                    from,
                });
            }
            Verb::RestartInProgress => {
                let method = p
                    .restart_method()
                    .cloned()
                    .unwrap_or(RestartMethod::Restart);
                let delay = p.restart_delay().copied();
                info!(endpoint = %command.endpoint, %method, %from, "restart in progress");
                if command.endpoint.is_wildcard() {
                    self.gateways
                        .insert(command.endpoint.domain().clone(), from);
                } else {
                    self.endpoint_addrs.insert(command.endpoint.clone(), from);
                }
                if matches!(method, RestartMethod::Forced | RestartMethod::Restart) {
                    // The endpoint lost its connections.
                    let ep = command.endpoint.clone();
                    self.connections
                        .retain(|(e, _), _| !ep.matches(e) && *e != ep);
                }
                self.answer(now, from, &command, ReturnCode::OK);
                self.events.push_back(AgentEvent::Restart {
                    endpoint: command.endpoint,
                    method,
                    delay,
                    from,
                });
            }
            Verb::DeleteConnection => {
                self.answer(now, from, &command, ReturnCode::OK);
                let connection = p.connection_id().cloned();
                let call_id = p.call_id().cloned();
                self.forget(&command.endpoint, connection.as_ref(), call_id.as_ref());
                self.events.push_back(AgentEvent::ConnectionDeleted {
                    transaction: None,
                    endpoint: command.endpoint.clone(),
                    connection,
                    call_id,
                    statistics: p.connection_parameters().cloned(),
                    reason: p.reason_code().cloned(),
                });
            }
            _ => self.answer(now, from, &command, ReturnCode::UNKNOWN_COMMAND),
        }
    }

    /// Drops the connections a DeleteConnection named: one, a call's, or
    /// all of the (possibly wildcarded) endpoint.
    fn forget(
        &mut self,
        endpoint: &EndpointName,
        connection: Option<&ConnectionId>,
        call_id: Option<&CallId>,
    ) {
        self.connections.retain(|(e, id), c| {
            let on_endpoint = e == endpoint || endpoint.matches(e);
            let named =
                connection.is_none_or(|x| x == id) && call_id.is_none_or(|x| *x == c.call_id);
            !(on_endpoint && named)
        });
    }

    fn on_response(&mut self, command: Command, response: Response) {
        let transaction = command.transaction_id;
        if !response.code.is_success() {
            let reason = response.code.reason(&response.commentary);
            self.events.push_back(AgentEvent::CommandFailed {
                transaction,
                command,
                response: Some(response),
                reason,
            });
            return;
        }
        let p = &command.parameters;
        match command.verb {
            Verb::CreateConnection => {
                let Some(id) = response.parameters.connection_id().cloned() else {
                    self.events.push_back(AgentEvent::CommandFailed {
                        transaction,
                        reason: Reason::new(Cause::InvalidRequest)
                            .with_text("no connection id in the response"),
                        command,
                        response: Some(response),
                    });
                    return;
                };
                let endpoint = response
                    .parameters
                    .specific_endpoint_id()
                    .cloned()
                    .unwrap_or_else(|| command.endpoint.clone());
                let connection = Connection {
                    endpoint: endpoint.clone(),
                    id: id.clone(),
                    call_id: p.call_id().cloned().unwrap_or_else(CallId::random),
                    mode: p.mode().cloned().unwrap_or(ConnectionMode::Inactive),
                    local_sdp: response.sdp().cloned(),
                    remote_sdp: command.sdp().cloned(),
                };
                if endpoint.is_wildcard() {
                    debug!(%endpoint, "gateway did not name the endpoint it chose");
                } else if let Ok(addr) = self.address_of(&command.endpoint) {
                    self.endpoint_addrs.entry(endpoint.clone()).or_insert(addr);
                }
                self.connections.insert((endpoint, id), connection.clone());
                self.events.push_back(AgentEvent::ConnectionCreated {
                    transaction,
                    connection,
                });
            }
            Verb::ModifyConnection => {
                let key = p
                    .connection_id()
                    .map(|id| (command.endpoint.clone(), id.clone()));
                let Some(c) = key.and_then(|k| self.connections.get_mut(&k)) else {
                    self.events.push_back(AgentEvent::Response {
                        transaction,
                        command,
                        response,
                    });
                    return;
                };
                if let Some(m) = p.mode() {
                    c.mode = m.clone();
                }
                if let Some(s) = command.sdp() {
                    c.remote_sdp = Some(s.clone());
                }
                if let Some(s) = response.sdp() {
                    c.local_sdp = Some(s.clone());
                }
                let connection = c.clone();
                self.events.push_back(AgentEvent::ConnectionModified {
                    transaction,
                    connection,
                });
            }
            Verb::DeleteConnection => {
                let connection = p.connection_id().cloned();
                let call_id = p.call_id().cloned();
                self.forget(&command.endpoint, connection.as_ref(), call_id.as_ref());
                self.events.push_back(AgentEvent::ConnectionDeleted {
                    transaction: Some(transaction),
                    endpoint: command.endpoint.clone(),
                    connection,
                    call_id,
                    statistics: response.parameters.connection_parameters().cloned(),
                    reason: None,
                });
            }
            Verb::NotificationRequest => {
                if let Some(x) = p.request_id().cloned() {
                    self.events.push_back(AgentEvent::NotificationRequested {
                        transaction,
                        endpoint: command.endpoint.clone(),
                        request_id: x,
                    });
                }
            }
            _ => self.events.push_back(AgentEvent::Response {
                transaction,
                command,
                response,
            }),
        }
    }
}

/// The notified entity for an agent listening on `addr`.
pub fn notified_entity_at(addr: SocketAddr) -> NotifiedEntity {
    NotifiedEntity {
        local: Some("ca".into()),
        domain: Domain::Ip(addr.ip()),
        port: Some(addr.port()),
    }
}

#[cfg(test)]
mod tests;
