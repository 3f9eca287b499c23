//! The sans-IO SIP user agent core: transports in, transactions, dialogs, calls and
//! registrations, and SAL commands and events out.
//!
//! It never reads the clock or touches a socket. Feed it datagrams, stream bytes,
//! commands and timeouts; drain [`poll_transmit`](SipCore::poll_transmit),
//! [`poll_event`](SipCore::poll_event) and ask [`poll_timeout`](SipCore::poll_timeout)
//! when to call [`handle_timeout`](SipCore::handle_timeout) next.

mod build;
mod call_table;
mod calls;
pub mod cause_map;
mod commands;
mod dialog;
mod failover;
mod ids;
mod in_dialog;
mod incoming;
mod notifier;
mod prack;
mod publish;
mod register;
mod reinvite;
mod replaces;
mod sdp_glue;
mod session_timer;
mod subscribe;
mod target;
mod timed;
mod uas;
mod validate;
mod view;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use openphone_sal::{
    AccountId, CallId, Cause, EndReason, MediaError, Operation, Reason, StackCommand, StackEvent,
};
use tracing::{debug, warn};

use crate::config::CoreConfig;
use crate::message::Method;
use crate::resolver::Target;
use crate::transaction::{
    ClientTimerAction, ClientTransaction, ResponseVerdict, ServerTimerAction, ServerTransaction,
};
use crate::transport::{ConnId, Transmit, TransportKind};

use build::{Echo, OutRequest};
use call_table::CallTable;
use ids::IdGen;
use register::Account;
use timed::Timed;
use view::InResponse;

/// Methods this UA accepts (the `Allow` header).
pub(crate) const ALLOW: &str =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, MESSAGE, PRACK, SUBSCRIBE";
/// Body types this UA accepts (the `Accept` header).
pub(crate) const ACCEPT: &str = "application/sdp, application/dtmf-relay, text/plain";

/// Who waits for the responses of a client transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    Register(AccountId),
    Invite(CallId),
    /// Our re-INVITE, for hold or resume.
    ReInvite(CallId, Operation),
    Cancel(CallId),
    /// BYE, and requests nobody waits for (our NOTIFY of a REFER's progress).
    Bye(Option<CallId>),
    /// INFO carrying DTMF.
    Info(CallId),
    Refer(CallId),
    Message(Option<AccountId>),
    /// Our SUBSCRIBE (initial, refresh or removal).
    Subscribe(openphone_sal::SubscriptionId),
    /// Our PUBLISH.
    Publish(AccountId),
}

#[derive(Debug, Clone)]
pub(crate) struct ClientEntry {
    pub tx: ClientTransaction,
    pub owner: Owner,
    pub req: OutRequest,
    pub via: String,
    pub transport: TransportKind,
    pub dst: SocketAddr,
}

#[derive(Debug)]
pub(crate) struct ServerEntry {
    pub tx: ServerTransaction,
    pub transport: TransportKind,
    pub reply_to: SocketAddr,
    pub echo: Echo,
    pub call: Option<CallId>,
}

#[derive(Debug)]
struct StreamConn {
    remote: SocketAddr,
    transport: TransportKind,
    framer: crate::message::StreamFramer,
}

/// The SIP core. See the module docs.
///
/// ```
/// use std::time::Instant;
/// use openphone_sip::{CoreConfig, SipCore};
/// let now = Instant::now();
/// let local = "127.0.0.1:5060".parse().unwrap();
/// let mut core = SipCore::new(CoreConfig::new(Some(local), None), now);
/// let options = b"OPTIONS sip:ua@127.0.0.1 SIP/2.0\r\n\
///     Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc;rport\r\n\
///     Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:ua@127.0.0.1>\r\n\
///     Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
/// core.handle_datagram(now, local, "127.0.0.1:5070".parse().unwrap(), options);
/// let reply = core.poll_transmit().unwrap();
/// assert!(reply.bytes.starts_with(b"SIP/2.0 200 OK"));
/// assert_eq!(reply.dst, "127.0.0.1:5070".parse().unwrap());
/// ```
#[derive(Debug)]
pub struct SipCore {
    cfg: CoreConfig,
    ids: IdGen,
    now: Instant,
    transmits: VecDeque<Transmit>,
    events: VecDeque<StackEvent>,
    clients: Timed<String, ClientEntry>,
    servers: Timed<String, ServerEntry>,
    calls: CallTable,
    accounts: Timed<AccountId, Account>,
    streams: HashMap<ConnId, StreamConn>,
    hosts: HashMap<String, IpAddr>,
    /// RFC 3263 targets of host names (URIs without a port), in order.
    targets: HashMap<String, Vec<Target>>,
    /// Targets that failed (refused or timed out): skipped while others remain.
    dead_targets: std::collections::HashSet<Target>,
    /// The UDP socket's public address learnt through STUN: Via and Contact
    /// over UDP carry it.
    udp_mapped: Option<SocketAddr>,
    /// For each TLS destination, the host of the URI it was resolved from:
    /// the name its certificate must carry (RFC 5922 §4).
    tls_names: HashMap<SocketAddr, String>,
    /// Subscriptions, publications and presence watchers.
    ev: subscribe::EventTables,
    shutting_down: bool,
}

impl SipCore {
    /// A core whose transports are bound as `config` says.
    pub fn new(config: CoreConfig, now: Instant) -> Self {
        SipCore {
            ids: IdGen::new(config.seed),
            cfg: config,
            now,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            clients: Timed::new(|e: &ClientEntry| e.tx.next_deadline()),
            servers: Timed::with_finished(
                |e: &ServerEntry| e.tx.next_deadline(),
                |e: &ServerEntry| e.tx.state() == crate::transaction::ServerState::Terminated,
            ),
            calls: CallTable::new(),
            accounts: Timed::new(|a: &Account| a.refresh_at),
            streams: HashMap::new(),
            hosts: HashMap::new(),
            targets: HashMap::new(),
            dead_targets: std::collections::HashSet::new(),
            udp_mapped: None,
            tls_names: HashMap::new(),
            ev: subscribe::EventTables::new(),
            shutting_down: false,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &CoreConfig {
        &self.cfg
    }

    /// Sets the address advertised in Via and Contact (replacing a wildcard bind).
    pub fn set_public_address(&mut self, ip: IpAddr) {
        self.cfg.public_address = Some(ip);
    }

    /// Teaches the core a host name's address (the driver resolves names the core meets
    /// in commands; the core itself does no DNS).
    pub fn add_host(&mut self, name: &str, ip: IpAddr) {
        self.hosts.insert(name.to_ascii_lowercase(), ip);
    }

    /// Sets the public address of the UDP socket (learnt through STUN,
    /// RFC 5389): Via and Contact of requests over UDP carry it.
    pub fn set_udp_mapped(&mut self, mapped: SocketAddr) {
        self.udp_mapped = Some(mapped);
    }

    /// Teaches the core the RFC 3263 targets of a host name, in the order to
    /// try them (a URI naming the host without a port goes to the first one
    /// still alive; on failure the request moves to the next).
    pub fn add_host_targets(&mut self, name: &str, targets: Vec<Target>) {
        self.targets.insert(name.to_ascii_lowercase(), targets);
    }

    /// A datagram arrived on the UDP socket bound to `local` from `from`.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        from: SocketAddr,
        data: &[u8],
    ) {
        self.now = now;
        let _ = local;
        if data.len() > self.cfg.max_message_size {
            debug!(%from, len = data.len(), "oversized datagram dropped");
            return;
        }
        self.handle_bytes(TransportKind::Udp, from, data);
    }

    /// A TCP connection to or from `remote` was opened (inbound accept or outbound connect).
    pub fn handle_connection_opened(&mut self, conn: ConnId, remote: SocketAddr) {
        self.handle_stream_opened(conn, remote, TransportKind::Tcp);
    }

    /// A stream connection of `transport` (TCP, or TLS once its handshake
    /// and the certificate check succeeded) to or from `remote` was opened.
    pub fn handle_stream_opened(
        &mut self,
        conn: ConnId,
        remote: SocketAddr,
        transport: TransportKind,
    ) {
        let framer = crate::message::StreamFramer::with_limits(self.limits());
        self.streams.insert(
            conn,
            StreamConn {
                remote,
                transport,
                framer,
            },
        );
    }

    /// A stream connection closed.
    pub fn handle_connection_closed(&mut self, conn: ConnId) {
        self.streams.remove(&conn);
    }

    /// Bytes arrived on a stream connection. Returns `false` when the connection must be
    /// closed because framing was lost (RFC 3261 §18.3).
    pub fn handle_stream_data(&mut self, now: Instant, conn: ConnId, data: &[u8]) -> bool {
        self.now = now;
        let Some(mut entry) = self.streams.remove(&conn) else {
            warn!(
                ?conn,
                "stream data on a connection the core was not told about"
            );
            return false;
        };
        entry.framer.push(data);
        let keep = self.drain_framer(&mut entry.framer, entry.transport, entry.remote);
        if keep {
            self.streams.insert(conn, entry);
        }
        keep
    }

    /// The transport could not deliver to `dst` (TCP connect failed or reset): client
    /// transactions towards it fail at once, as on a timeout (§17.1.4), with a
    /// network error as the reason.
    pub fn handle_transport_error(
        &mut self,
        now: Instant,
        transport: TransportKind,
        dst: SocketAddr,
    ) {
        let why = Reason::new(Cause::NetworkError)
            .with_text(format!("cannot reach {dst} over {}", transport.as_str()));
        self.fail_clients_towards(now, transport, dst, why);
    }

    /// The TLS connection to `dst` could not be secured (the certificate did
    /// not verify, its name did not match, or the handshake failed): client
    /// transactions towards it fail at once with `Cause::SecurityFailure` and
    /// `why` as the text. Nothing is retried over another transport.
    pub fn handle_security_error(&mut self, now: Instant, dst: SocketAddr, why: &str) {
        let why = Reason::new(Cause::SecurityFailure).with_text(why.to_string());
        self.fail_clients_towards(now, TransportKind::Tls, dst, why);
    }

    fn fail_clients_towards(
        &mut self,
        now: Instant,
        transport: TransportKind,
        dst: SocketAddr,
        why: Reason,
    ) {
        self.now = now;
        let failed: Vec<String> = self
            .clients
            .iter()
            .filter(|(_, e)| e.transport == transport && e.dst == dst)
            .map(|(k, _)| k.clone())
            .collect();
        for key in failed {
            if let Some(e) = self.clients.remove(&key) {
                if !matches!(
                    e.tx.state(),
                    crate::transaction::ClientState::Completed
                        | crate::transaction::ClientState::Terminated
                ) {
                    self.fail_over_or_fail(e, why.clone());
                }
            }
        }
    }

    /// The media port could not apply what the core reported in
    /// [`StackEvent::MediaNegotiated`] for `call`: the call ends (BYE once
    /// confirmed, CANCEL while our INVITE is pending) with
    /// `CallEnded { reason: EndReason::system(IncompatibleMedia) }`.
    ///
    /// The driver calls this when `StackMedia::apply` fails; the
    /// `MediaNegotiated` event itself is then not forwarded.
    pub fn handle_media_failure(&mut self, now: Instant, call: CallId, why: &str) {
        self.now = now;
        self.media_failed(call, Cause::IncompatibleMedia, why);
    }

    /// Like [`handle_media_failure`](Self::handle_media_failure), with the
    /// cause taken from the media port's error: media that cannot be
    /// secured as the account requires ([`MediaError::Security`]) ends the
    /// call with [`Cause::SecurityFailure`], anything else with
    /// [`Cause::IncompatibleMedia`].
    pub fn handle_media_error(&mut self, now: Instant, call: CallId, error: &MediaError) {
        self.now = now;
        let cause = match error {
            MediaError::Security(_) => Cause::SecurityFailure,
            _ => Cause::IncompatibleMedia,
        };
        self.media_failed(call, cause, &error.to_string());
    }

    /// A command from the phone.
    pub fn handle_command(&mut self, now: Instant, cmd: StackCommand) {
        self.now = now;
        self.command(cmd);
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.client_timers(now);
        self.server_timers(now);
        self.call_timers(now);
        self.account_timers(now);
        self.subscription_timers(now);
        self.publication_timers(now);
        self.watcher_timers(now);
    }

    /// Next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// Next event for the phone.
    pub fn poll_event(&mut self) -> Option<StackEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.clients.next_deadline(),
            self.servers.next_deadline(),
            self.calls.next_deadline(),
            self.accounts.next_deadline(),
            self.ev.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Whether nothing is pending (no transaction, call or registration): a stack
    /// that is shutting down can stop.
    pub fn is_idle(&self) -> bool {
        // Transactions that only absorb retransmissions (Completed) do not count.
        self.clients.values().all(|e| {
            matches!(
                e.tx.state(),
                crate::transaction::ClientState::Completed
                    | crate::transaction::ClientState::Terminated
            )
        }) && self.calls.is_empty()
            && self.accounts.is_empty()
            && self.transmits.is_empty()
    }

    /// Whether [`StackCommand::Shutdown`] was received.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down
    }

    // ----- plumbing shared by the submodules -----

    fn send(&mut self, transport: TransportKind, dst: SocketAddr, bytes: Vec<u8>) {
        let server_name = match transport {
            // An address we never resolved from a URI (a response whose
            // connection closed, §18.2.2): the certificate must carry the IP.
            TransportKind::Tls => Some(
                self.tls_names
                    .get(&dst)
                    .cloned()
                    .unwrap_or_else(|| dst.ip().to_string()),
            ),
            TransportKind::Udp | TransportKind::Tcp => None,
        };
        self.transmits.push_back(Transmit {
            transport,
            dst,
            bytes,
            server_name,
        });
    }

    fn emit(&mut self, ev: StackEvent) {
        self.events.push_back(ev);
    }

    /// Our advertised address for `transport`.
    fn local_addr(&self, transport: TransportKind) -> SocketAddr {
        if let (TransportKind::Udp, Some(m)) = (transport, self.udp_mapped) {
            if self.cfg.udp.is_some() {
                return m;
            }
        }
        let bound = match transport {
            TransportKind::Udp => self.cfg.udp.or(self.cfg.tcp),
            TransportKind::Tcp => self.cfg.tcp.or(self.cfg.udp),
            // Without a listener, requests still go out over TLS and their
            // responses come back on the same connection.
            TransportKind::Tls => self.cfg.tls.or(self.cfg.tcp).or(self.cfg.udp),
        }
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 5060)));
        let ip = match self.cfg.public_address {
            Some(ip) => ip,
            None if bound.ip().is_unspecified() => IpAddr::from([127, 0, 0, 1]),
            None => bound.ip(),
        };
        SocketAddr::new(ip, bound.port())
    }

    fn host_text(addr: SocketAddr) -> String {
        match addr {
            SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        }
    }

    /// A fresh Via value for a request we send.
    fn new_via(&mut self, transport: TransportKind) -> (String, String) {
        let branch = self.ids.branch();
        let via = format!(
            "SIP/2.0/{} {};branch={branch};rport",
            transport.as_str(),
            Self::host_text(self.local_addr(transport))
        );
        (via, branch)
    }

    /// Our Contact URI for `user` on `transport`.
    fn contact_uri(&self, user: Option<&str>, transport: TransportKind) -> String {
        let host = Self::host_text(self.local_addr(transport));
        let user = user.map(|u| format!("{u}@")).unwrap_or_default();
        match transport {
            TransportKind::Udp => format!("sip:{user}{host}"),
            TransportKind::Tcp => format!("sip:{user}{host};transport=tcp"),
            // §8.1.1.8: a request to a sips: URI needs a sips: Contact; over
            // TLS we always give one (RFC 5630 §3.1.3 deprecates transport=tls).
            TransportKind::Tls => format!("sips:{user}{host}"),
        }
    }

    /// Starts a client transaction for `req` and sends it.
    fn start_client(
        &mut self,
        owner: Owner,
        req: OutRequest,
        transport: TransportKind,
        dst: SocketAddr,
        auth: &[(&'static str, String)],
    ) -> String {
        let (via, branch) = self.new_via(transport);
        let bytes = req.render(&via, &self.cfg.user_agent, auth);
        let invite = req.method == "INVITE";
        let tx = ClientTransaction::new(
            self.now,
            invite,
            bytes.clone(),
            transport.is_reliable(),
            self.cfg.timers,
        );
        self.send(transport, dst, bytes);
        let key = client_key(&branch, &req.method);
        self.clients.insert(
            key.clone(),
            ClientEntry {
                tx,
                owner,
                req,
                via,
                transport,
                dst,
            },
        );
        key
    }

    fn client_timers(&mut self, now: Instant) {
        let due = self.clients.take_due(now);
        for key in due {
            let Some(entry) = self.clients.get_mut(&key) else {
                continue;
            };
            match entry.tx.on_timeout(now) {
                ClientTimerAction::None => {}
                ClientTimerAction::Retransmit(bytes) => {
                    let (t, d) = (entry.transport, entry.dst);
                    self.send(t, d, bytes);
                }
                ClientTimerAction::Terminated => {
                    self.clients.remove(&key);
                }
                ClientTimerAction::TimedOut => {
                    if let Some(e) = self.clients.remove(&key) {
                        let why = Reason::new(Cause::Timeout)
                            .with_text(format!("no response to {}", e.req.method));
                        self.fail_over_or_fail(e, why);
                    }
                }
            }
        }
    }

    fn server_timers(&mut self, now: Instant) {
        let due = self.servers.take_due(now);
        for key in due {
            let Some(entry) = self.servers.get_mut(&key) else {
                continue;
            };
            match entry.tx.on_timeout(now) {
                ServerTimerAction::None => {}
                ServerTimerAction::Retransmit(bytes) => {
                    let (t, d) = (entry.transport, entry.reply_to);
                    self.send(t, d, bytes);
                }
                ServerTimerAction::AckTimeout | ServerTimerAction::Terminated => {
                    self.servers.remove(&key);
                }
            }
        }
        // Server transactions that finished without timers (2xx to INVITE, reliable).
        for key in self.servers.take_finished() {
            let done = self
                .servers
                .get(&key)
                .is_some_and(|e| e.tx.state() == crate::transaction::ServerState::Terminated);
            if done {
                self.servers.remove(&key);
            }
        }
    }

    /// A client transaction got no final response: a timeout (§17.1.1.2,
    /// §17.1.2.2) or a transport failure (§17.1.4). `why` says which.
    fn on_client_failure(&mut self, owner: Owner, why: Reason) {
        match owner {
            Owner::Register(acc) => self.register_failed(acc, why),
            Owner::Invite(call) => self.invite_failed(call, EndReason::system(why)),
            Owner::ReInvite(call, _) | Owner::Info(call) => {
                // §14.1, §12.2.1.2: a timeout of an in-dialog request ends the dialog.
                self.end_call_with_bye(call, EndReason::system(why));
            }
            Owner::Refer(call) => {
                self.transfer_failed(call, why.clone());
                self.end_call_with_bye(call, EndReason::system(why));
            }
            Owner::Message(_) => self.command_failed(None, Operation::SendMessage, why),
            Owner::Subscribe(id) => self.subscribe_failed(id, why),
            Owner::Publish(acc) => self.publish_failed(acc, why),
            // The call is already over; nobody waits for these.
            Owner::Bye(_) | Owner::Cancel(_) => debug!(%why, "BYE or CANCEL unanswered"),
        }
    }

    /// A parsed response: find its client transaction (§17.1.3).
    fn on_response(&mut self, resp: InResponse) {
        let Some(branch) = resp.branch().map(str::to_string) else {
            debug!("response without branch dropped");
            return;
        };
        let key = client_key(&branch, resp.cseq_method.as_str());
        let now = self.now;
        let Some(entry) = self.clients.get_mut(&key) else {
            // No transaction: a retransmitted 2xx to INVITE is the UAC core's (§13.2.2.4).
            if resp.cseq_method == Method::Invite && (200..300).contains(&resp.code) {
                self.stray_invite_2xx(&resp);
            } else {
                debug!(code = resp.code, "stray response dropped");
            }
            return;
        };
        let code = resp.code;
        let (req, via) = (entry.req.clone(), entry.via.clone());
        let ua = self.cfg.user_agent.clone();
        let to = resp.to_raw.clone();
        let verdict = entry.tx.on_response(now, code, || {
            // §17.1.1.3: ACK for a non-2xx final, same branch, To from the response.
            let mut ack = req.clone();
            ack.to = to;
            ack.render_as("ACK", req.cseq, &via, &ua, &[], false)
        });
        let (transport, dst) = (entry.transport, entry.dst);
        let owner = entry.owner.clone();
        let done = entry.tx.state() == crate::transaction::ClientState::Terminated;
        match verdict {
            ResponseVerdict::Absorb => return,
            ResponseVerdict::Reack(ack) => {
                self.send(transport, dst, ack);
                return;
            }
            ResponseVerdict::PassUpAndAck(ack) => self.send(transport, dst, ack),
            ResponseVerdict::PassUp => {}
        }
        let entry = if done {
            self.clients.remove(&key)
        } else {
            self.clients.get(&key).cloned()
        };
        let Some(entry) = entry else { return };
        match owner {
            Owner::Register(acc) => self.on_register_response(acc, &entry, &resp),
            Owner::Invite(call) => self.on_invite_response(call, &entry, &resp),
            Owner::ReInvite(call, op) => self.on_reinvite_response(call, op, &entry, &resp),
            Owner::Cancel(_) | Owner::Bye(_) => {}
            Owner::Info(call) => self.on_info_response(call, &resp),
            Owner::Refer(call) => self.on_refer_response(call, &resp),
            Owner::Message(acc) => self.on_message_response(acc, &entry, &resp),
            Owner::Subscribe(id) => self.on_subscribe_response(id, &entry, &resp),
            Owner::Publish(acc) => self.on_publish_response(acc, &entry, &resp),
        }
    }
}

/// Client transaction key (§17.1.3): branch plus CSeq method.
pub(crate) fn client_key(branch: &str, method: &str) -> String {
    format!("{branch}|{method}")
}
