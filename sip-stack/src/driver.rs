//! The tokio driver: one task owning the sockets and a [`SipCore`], selecting over
//! UDP, TCP accept and connection traffic, the phone's commands and the core's timer.
//!
//! The driver also applies media: before it forwards
//! [`StackEvent::MediaNegotiated`] it hands the agreement to the phone's
//! [`StackMedia`] port; if the port refuses it, the event is not forwarded
//! and the core ends the call ([`SipCore::handle_media_error`]). Every
//! [`StackEvent::CallEnded`] releases the call's media endpoint.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use openphone_sal::{
    BoxFuture, Capabilities, Capability, Stack, StackCommand, StackError, StackEvent,
    StackEventSink, StackInfo, StackIo, StackMedia,
};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;
use tracing::{debug, info, trace, warn};

use crate::config::{CoreConfig, SipConfig, StreamLimits};
use crate::core::SipCore;
use crate::resolver::{Resolve, ResolveError, SystemResolver, Target, TargetQuery, LOOKUP_TIMEOUT};
use crate::stats::TransportStats;
use crate::transport::{ConnId, TransportKind};

mod nat;
mod streams;

use streams::{Conn, ConnMsg};

/// How long a shutting-down stack waits for unregistrations and BYEs to complete.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Addresses a started [`SipStack`] is bound to (useful with port 0).
///
/// ```
/// let stack = openphone_sip::SipStack::new(openphone_sip::SipConfig::default());
/// let addrs = stack.local_addrs();
/// assert!(addrs.udp().is_none()); // not started yet
/// ```
#[derive(Debug, Clone, Default)]
pub struct LocalAddrs(Arc<OnceLock<Bound>>);

#[derive(Debug, Clone, Copy)]
struct Bound {
    udp: Option<SocketAddr>,
    tcp: Option<SocketAddr>,
    tls: Option<SocketAddr>,
}

impl LocalAddrs {
    /// The bound UDP address, once started.
    pub fn udp(&self) -> Option<SocketAddr> {
        self.0.get().and_then(|b| b.udp)
    }
    /// The bound TCP listening address, once started.
    pub fn tcp(&self) -> Option<SocketAddr> {
        self.0.get().and_then(|b| b.tcp)
    }
    /// The bound TLS listening address, once started.
    pub fn tls(&self) -> Option<SocketAddr> {
        self.0.get().and_then(|b| b.tls)
    }
}

/// The SIP stack: implements [`openphone_sal::Stack`] for `sip:` URIs over UDP
/// and TCP, and with the crate feature `tls` for `sips:` URIs and
/// `;transport=tls` over TLS.
///
/// ```no_run
/// use std::sync::Arc;
/// use openphone_sal::{Stack, StackEventSink, StackIo, StackMedia};
/// use openphone_sip::{SipConfig, SipStack};
/// # async fn run(media: Arc<dyn StackMedia>) -> Result<(), Box<dyn std::error::Error>> {
/// let stack = SipStack::new(
///     SipConfig::builder().udp_bind("127.0.0.1:0".parse()?).user_agent("demo/1.0").build(),
/// );
/// let addrs = stack.local_addrs();
/// let (cmd_tx, commands) = tokio::sync::mpsc::channel(64);
/// let (ev_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
/// // `media` is the phone's media port (a `Phone` hands its own to each stack).
/// let io = StackIo::new(commands, StackEventSink::new(0, ev_tx), media);
/// let info = Box::new(stack).start(io).await?;
/// println!("listening on {:?} (udp {:?})", info.listening, addrs.udp());
/// # drop(cmd_tx); Ok(()) }
/// ```
pub struct SipStack {
    config: SipConfig,
    addrs: LocalAddrs,
    stats: TransportStats,
    resolver: Arc<dyn Resolve>,
}

impl std::fmt::Debug for SipStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipStack")
            .field("config", &self.config)
            .field("addrs", &self.addrs)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl SipStack {
    /// A stack that will bind as `config` says when started.
    pub fn new(config: SipConfig) -> Self {
        SipStack {
            addrs: LocalAddrs::default(),
            stats: TransportStats::default(),
            // A configured name server: RFC 3263 through it; otherwise the
            // system's (getaddrinfo) until `with_resolver` says otherwise.
            resolver: match config.dns_server {
                Some(server) => Arc::new(crate::resolver::DnsResolver::with_server(server)),
                None => Arc::new(SystemResolver),
            },
            config,
        }
    }

    /// Resolves host names with `resolver` instead of the system's.
    pub fn with_resolver(mut self, resolver: impl Resolve) -> Self {
        self.resolver = Arc::new(resolver);
        self
    }

    /// A handle on the transport counters (connections opened and reused,
    /// TLS handshakes), live once started.
    pub fn transport_stats(&self) -> TransportStats {
        self.stats.clone()
    }

    /// A handle that reports the bound addresses after [`Stack::start`].
    pub fn local_addrs(&self) -> LocalAddrs {
        self.addrs.clone()
    }
}

impl Stack for SipStack {
    fn name(&self) -> &'static str {
        "sip"
    }

    /// `sip`, and `sips` when built with the `tls` feature.
    fn schemes(&self) -> &'static [&'static str] {
        if cfg!(feature = "tls") {
            &["sip", "sips"]
        } else {
            &["sip"]
        }
    }

    /// Early media is not implemented yet (its command fails with
    /// `Cause::Unsupported`).
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(&[
            Capability::Register,
            Capability::Hold,
            Capability::Transfer,
            Capability::AttendedTransfer,
            Capability::Redirect,
            Capability::DtmfOutOfBand,
            Capability::Message,
            Capability::Subscribe,
            Capability::Publish,
        ])
    }

    fn start(self: Box<Self>, io: StackIo) -> BoxFuture<'static, Result<StackInfo, StackError>> {
        Box::pin(async move {
            let cfg = self.config;
            if cfg.udp_bind.is_none() && cfg.tcp_bind.is_none() && cfg.tls_bind.is_none() {
                return Err(StackError::Config(
                    "neither UDP, TCP nor TLS is enabled".into(),
                ));
            }
            let tls = streams::tls_context(&cfg)?;
            let udp = match cfg.udp_bind {
                Some(a) => Some(
                    UdpSocket::bind(a)
                        .await
                        .map_err(|source| StackError::Bind {
                            addr: format!("udp {a}"),
                            source,
                        })?,
                ),
                None => None,
            };
            let tcp = match cfg.tcp_bind {
                Some(a) => Some(
                    TcpListener::bind(a)
                        .await
                        .map_err(|source| StackError::Bind {
                            addr: format!("tcp {a}"),
                            source,
                        })?,
                ),
                None => None,
            };
            let tls_listener = match cfg.tls_bind {
                Some(a) => Some(
                    TcpListener::bind(a)
                        .await
                        .map_err(|source| StackError::Bind {
                            addr: format!("tls {a}"),
                            source,
                        })?,
                ),
                None => None,
            };
            let udp_addr = udp.as_ref().and_then(|s| s.local_addr().ok());
            let tcp_addr = tcp.as_ref().and_then(|s| s.local_addr().ok());
            let tls_addr = tls_listener.as_ref().and_then(|s| s.local_addr().ok());
            let _ = self.addrs.0.set(Bound {
                udp: udp_addr,
                tcp: tcp_addr,
                tls: tls_addr,
            });
            let mut listening = Vec::new();
            if let Some(a) = udp_addr {
                listening.push(format!("udp {a}"));
            }
            if let Some(a) = tcp_addr {
                listening.push(format!("tcp {a}"));
            }
            if let Some(a) = tls_addr {
                listening.push(format!("tls {a}"));
            }
            let seed = cfg.rng_seed.unwrap_or_else(rand::random);
            let core_cfg = CoreConfig {
                udp: udp_addr,
                tcp: tcp_addr,
                tls: tls_addr,
                tls_client: streams::TLS_BUILT,
                public_address: cfg.public_address,
                user_agent: cfg.user_agent.clone(),
                timers: cfg.timers,
                max_message_size: cfg.max_message_size,
                seed,
                max_calls: cfg.max_calls,
                max_server_transactions: cfg.max_server_transactions,
                reliable_provisional: cfg.reliable_provisional,
                session_timer: cfg.session_timer,
            };
            let mut core = SipCore::new(core_cfg, Instant::now());
            let mut udp_mapped = None;
            if let (Some(server), Some(sock)) = (cfg.stun_server, udp.as_ref()) {
                udp_mapped = nat::discover(sock, server).await;
                if let Some(mapped) = udp_mapped {
                    info!(%mapped, %server, "STUN: public address of the SIP UDP socket");
                    core.set_udp_mapped(mapped);
                }
            }
            let keepalive = cfg.keepalive_interval.map(nat::KeepAlive::new);
            info!(?listening, "SIP stack started");
            let sockets = Sockets {
                udp,
                tcp,
                tls: tls_listener,
                limits: cfg.stream_limits,
            };
            let mut driver = Driver::new(core, sockets, tls, self.stats, io, self.resolver);
            driver.udp_mapped = udp_mapped;
            driver.keepalive = keepalive;
            tokio::spawn(driver.run());
            Ok(StackInfo::new(listening))
        })
    }
}

/// The bound sockets a driver serves, and the limits on what they accept.
struct Sockets {
    udp: Option<UdpSocket>,
    tcp: Option<TcpListener>,
    tls: Option<TcpListener>,
    limits: StreamLimits,
}

struct Driver {
    core: SipCore,
    udp: Option<UdpSocket>,
    tcp: Option<TcpListener>,
    tls_listener: Option<TcpListener>,
    limits: StreamLimits,
    /// Incoming TLS handshakes in progress (they hold descriptors too).
    handshaking: Arc<AtomicUsize>,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    tls: streams::Tls,
    stats: TransportStats,
    commands: mpsc::Receiver<StackCommand>,
    events: StackEventSink,
    media: Arc<dyn StackMedia>,
    conns: HashMap<ConnId, Conn>,
    /// One connection per transport and peer, reused for every request and
    /// response to it (RFC 3261 §18, RFC 5923 without aliases).
    by_remote: HashMap<(TransportKind, SocketAddr), ConnId>,
    /// Messages waiting for a connection being opened.
    pending: HashMap<(TransportKind, SocketAddr), Vec<Vec<u8>>>,
    conn_tx: mpsc::Sender<ConnMsg>,
    conn_rx: mpsc::Receiver<ConnMsg>,
    next_conn: u64,
    stop_at: Option<Instant>,
    resolver: Arc<dyn Resolve>,
    dns_tx: mpsc::UnboundedSender<(TargetQuery, DnsAnswer)>,
    dns_rx: mpsc::UnboundedReceiver<(TargetQuery, DnsAnswer)>,
    /// URIs whose RFC 3263 targets are being looked up.
    looking_up: HashSet<TargetQuery>,
    /// Commands held until the names they (or an earlier held one) need
    /// are resolved, in arrival order.
    held: VecDeque<Held>,
    /// The public address of the UDP socket, as STUN last reported it.
    udp_mapped: Option<SocketAddr>,
    /// Keep-alives on registrar flows, when configured.
    keepalive: Option<nat::KeepAlive>,
}

/// A command waiting for host names.
struct Held {
    cmd: StackCommand,
    names: Vec<TargetQuery>,
}

/// What a target lookup gave.
type DnsAnswer = Result<Vec<Target>, ResolveError>;

impl Driver {
    fn new(
        core: SipCore,
        sockets: Sockets,
        tls: streams::Tls,
        stats: TransportStats,
        io: StackIo,
        resolver: Arc<dyn Resolve>,
    ) -> Self {
        let (conn_tx, conn_rx) = mpsc::channel(256);
        let (dns_tx, dns_rx) = mpsc::unbounded_channel();
        Driver {
            core,
            udp: sockets.udp,
            tcp: sockets.tcp,
            tls_listener: sockets.tls,
            limits: sockets.limits,
            handshaking: Arc::new(AtomicUsize::new(0)),
            tls,
            stats,
            commands: io.commands,
            events: io.events,
            media: io.media,
            conns: HashMap::new(),
            by_remote: HashMap::new(),
            pending: HashMap::new(),
            conn_tx,
            conn_rx,
            next_conn: 1,
            stop_at: None,
            resolver,
            dns_tx,
            dns_rx,
            looking_up: HashSet::new(),
            held: VecDeque::new(),
            udp_mapped: None,
            keepalive: None,
        }
    }

    async fn run(mut self) {
        let mut buf = vec![0u8; 65_536];
        let mut commands_open = true;
        loop {
            if !self.flush().await {
                debug!("event sink closed; SIP stack stopping");
                break;
            }
            if let Some(stop) = self.stop_at {
                if self.core.is_idle() || Instant::now() >= stop {
                    break;
                }
            }
            let deadline = [
                self.core.poll_timeout(),
                self.stop_at,
                self.keepalive_deadline(),
            ]
            .into_iter()
            .flatten()
            .min();
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                    None => std::future::pending().await,
                }
            };
            let udp = self.udp.as_ref();
            let tcp = self.tcp.as_ref();
            let tls = self.tls_listener.as_ref();
            tokio::select! {
                r = async { match udp { Some(s) => s.recv_from(&mut buf).await, None => std::future::pending().await } } => {
                    match r {
                        Ok((n, from)) => {
                            let local = udp.and_then(|s| s.local_addr().ok()).unwrap_or(from);
                            let data = buf.get(..n).unwrap_or(&[]);
                            if crate::stun::is_stun(data) {
                                let data = data.to_vec();
                                self.on_stun(from, &data).await;
                                continue;
                            }
                            trace!(%from, "UDP in:\n{}", String::from_utf8_lossy(data));
                            if self.core.config().public_address.is_none() {
                                let data = data.to_vec();
                                self.learn_local_ip(from.ip()).await;
                                self.core.handle_datagram(Instant::now(), local, from, &data);
                                continue;
                            }
                            self.core.handle_datagram(Instant::now(), local, from, data);
                        }
                        Err(e) => debug!(error = %e, "UDP receive error"),
                    }
                }
                r = async { match tcp { Some(l) => l.accept().await, None => std::future::pending().await } } => {
                    match r {
                        Ok((stream, remote)) if self.admit(remote) => {
                            self.stats.count_tcp_accepted();
                            let _ = stream.set_nodelay(true);
                            self.add_conn(Box::new(stream), remote, TransportKind::Tcp, true);
                        }
                        // Over a limit: closed at once (dropping it).
                        Ok(_) => {}
                        Err(e) => warn!(error = %e, "TCP accept failed"),
                    }
                }
                r = async { match tls { Some(l) => l.accept().await, None => std::future::pending().await } } => {
                    match r {
                        Ok((stream, remote)) if self.admit(remote) => self.accept_tls(stream, remote),
                        Ok(_) => {}
                        Err(e) => warn!(error = %e, "TLS listener accept failed"),
                    }
                }
                Some(m) = self.conn_rx.recv() => self.on_conn_msg(m),
                Some((query, answer)) = self.dns_rx.recv() => self.resolved(query, answer).await,
                cmd = self.commands.recv(), if commands_open => {
                    match cmd {
                        Some(cmd) => self.submit(cmd).await,
                        None => {
                            commands_open = false;
                            self.core.handle_command(Instant::now(), StackCommand::Shutdown);
                            self.stop_at = Some(Instant::now() + SHUTDOWN_GRACE);
                        }
                    }
                }
                _ = sleep => {
                    let now = Instant::now();
                    self.core.handle_timeout(now);
                    self.keepalive_tick(now).await;
                }
            }
        }
        info!("SIP stack stopped");
    }

    /// Sends what the core produced and delivers its events, applying and
    /// releasing media on the way. `false` once the phone is gone.
    async fn flush(&mut self) -> bool {
        loop {
            while let Some(t) = self.core.poll_transmit() {
                self.transmit(t).await;
            }
            // A refused media agreement makes the core send more (BYE, CANCEL):
            // loop until both queues are empty.
            let Some(e) = self.core.poll_event() else {
                return true;
            };
            let forward = match &e {
                StackEvent::MediaNegotiated { call, media } => {
                    match self.media.apply(*call, media) {
                        Ok(()) => true,
                        Err(err) => {
                            warn!(%call, error = %err, "media port refused the agreed media");
                            self.core.handle_media_error(Instant::now(), *call, &err);
                            false
                        }
                    }
                }
                StackEvent::CallEnded { call, .. } => {
                    // Idempotent: the phone may have released it already.
                    self.media.release(*call);
                    true
                }
                _ => true,
            };
            if forward && !self.events.send(e) {
                return false;
            }
        }
    }

    /// Takes a command from the phone: at once, unless it names hosts to
    /// look up or earlier commands still wait for theirs (order is kept).
    async fn submit(&mut self, cmd: StackCommand) {
        let names = self.names_to_resolve(&cmd).await;
        for name in &names {
            if self.looking_up.insert(name.clone()) {
                let lookup = self.resolver.targets(name);
                let tx = self.dns_tx.clone();
                let name = name.clone();
                tokio::spawn(async move {
                    let answer = tokio::time::timeout(LOOKUP_TIMEOUT, lookup)
                        .await
                        .unwrap_or_else(|_| Err(ResolveError::NotFound(name.host.clone())));
                    let _ = tx.send((name, answer));
                });
            }
        }
        if names.is_empty() && self.held.is_empty() {
            self.deliver(cmd);
        } else {
            debug!(names = ?names, held = self.held.len(), "command waits for name resolution");
            self.held.push_back(Held { cmd, names });
        }
    }

    /// A lookup finished: the core learns the address, and the commands at
    /// the head of the queue that no longer wait are delivered.
    async fn resolved(&mut self, query: TargetQuery, answer: DnsAnswer) {
        self.looking_up.remove(&query);
        match answer {
            Ok(targets) => {
                if let Some(first) = targets.first() {
                    self.core.add_host(&query.host, first.addr.ip());
                    self.learn_local_ip(first.addr.ip()).await;
                }
                if query.port.is_none() {
                    self.core.add_host_targets(&query.host, targets);
                }
            }
            // The command goes on: the core reports the unresolvable
            // target (CallEnded, RegistrationState::Failed…).
            Err(e) => warn!(host = %query.host, error = %e, "no target for the host"),
        }
        for h in &mut self.held {
            h.names.retain(|n| *n != query);
        }
        while self.held.front().is_some_and(|h| h.names.is_empty()) {
            if let Some(h) = self.held.pop_front() {
                self.deliver(h.cmd);
            }
        }
    }

    fn deliver(&mut self, cmd: StackCommand) {
        let shutdown = matches!(cmd, StackCommand::Shutdown);
        self.core.handle_command(Instant::now(), cmd);
        if shutdown {
            self.stop_at = Some(Instant::now() + SHUTDOWN_GRACE);
        }
    }

    /// The host names in a command that need a lookup (IP literals and
    /// `localhost` are known at once).
    async fn names_to_resolve(&mut self, cmd: &StackCommand) -> Vec<TargetQuery> {
        let mut texts: Vec<String> = Vec::new();
        match cmd {
            StackCommand::Dial { to, .. } => texts.push(to.uri().to_string()),
            StackCommand::SendMessage { to, .. } => texts.push(to.uri().to_string()),
            StackCommand::Transfer { to, .. } => texts.push(to.uri().to_string()),
            StackCommand::Subscribe { to, .. } => texts.push(to.uri().to_string()),
            StackCommand::AddAccount { config, .. } => {
                texts.push(config.aor.uri().to_string());
                texts.extend(config.registrar.clone());
                texts.extend(config.outbound_proxy.clone());
            }
            _ => {}
        }
        let mut names = Vec::new();
        for t in texts {
            let Some(host) = host_of(&t) else { continue };
            let ip = if let Ok(ip) = host.parse::<IpAddr>() {
                Some(ip)
            } else if host.eq_ignore_ascii_case("localhost") {
                Some(IpAddr::from([127, 0, 0, 1]))
            } else {
                match target_query(&t) {
                    Some(q) if !names.contains(&q) => names.push(q),
                    _ => {}
                }
                None
            };
            if let Some(ip) = ip {
                self.learn_local_ip(ip).await;
            }
        }
        names
    }

    /// Bound to a wildcard address without a configured public address: advertise the
    /// address of the interface that routes to the first peer we talk to (a connected
    /// UDP socket sends nothing; it only asks the kernel for the route).
    async fn learn_local_ip(&mut self, peer: IpAddr) {
        let cfg = self.core.config();
        if cfg.public_address.is_some() {
            return;
        }
        let wildcard = [cfg.udp, cfg.tcp]
            .into_iter()
            .flatten()
            .any(|a| a.ip().is_unspecified());
        if !wildcard || peer.is_loopback() {
            return;
        }
        let any: SocketAddr = if peer.is_ipv4() {
            SocketAddr::from(([0, 0, 0, 0], 0))
        } else {
            SocketAddr::from(([0u16; 8], 0))
        };
        let Ok(sock) = UdpSocket::bind(any).await else {
            return;
        };
        if sock.connect(SocketAddr::new(peer, 5060)).await.is_err() {
            return;
        }
        if let Ok(local) = sock.local_addr() {
            if !local.ip().is_unspecified() {
                info!(ip = %local.ip(), "advertising this address in Via and Contact");
                self.core.set_public_address(local.ip());
            }
        }
    }
}

/// What RFC 3263 needs of a URI, name-addr or `host:port` text whose host
/// is a domain name.
fn target_query(text: &str) -> Option<TargetQuery> {
    use crate::message::{Host, NameAddr, Uri};
    let t = text.trim();
    let uri = if t.contains('<') {
        NameAddr::parse(t).ok()?.uri
    } else {
        Uri::parse(t)
            .or_else(|_| Uri::parse(&format!("sip:{t}")))
            .ok()?
    };
    let sip = uri.as_sip()?;
    let host = match sip.maddr().and_then(|m| Host::parse(m).ok()) {
        Some(h) => h,
        None => sip.host.clone(),
    };
    let Host::Domain(domain) = host else {
        return None;
    };
    let transport = sip
        .transport()
        .and_then(|p| match p.to_ascii_lowercase().as_str() {
            "udp" => Some(TransportKind::Udp),
            "tcp" => Some(TransportKind::Tcp),
            "tls" => Some(TransportKind::Tls),
            _ => None,
        });
    Some(TargetQuery {
        host: domain.trim_end_matches('.').to_ascii_lowercase(),
        port: sip.port,
        transport,
        secure: sip.secure,
    })
}

/// The host part of `sip:user@host:port;params`, `<sip:host>` or `host:port`.
fn host_of(text: &str) -> Option<String> {
    let t = text.trim().trim_start_matches('<');
    let t = t.split('>').next().unwrap_or(t);
    let t = t
        .strip_prefix("sip:")
        .or_else(|| t.strip_prefix("sips:"))
        .unwrap_or(t);
    let t = t.rsplit_once('@').map_or(t, |(_, h)| h);
    let t = t.split([';', '?']).next().unwrap_or(t);
    if let Some(v6) = t.strip_prefix('[') {
        return v6.split(']').next().map(str::to_string);
    }
    let h = t.split(':').next().unwrap_or(t);
    (!h.is_empty()).then(|| h.to_string())
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("sip:alice@example.com:5070;transport=tcp").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            host_of("<sip:proxy.example.org;lr>").as_deref(),
            Some("proxy.example.org")
        );
        assert_eq!(host_of("10.0.0.1:5060").as_deref(), Some("10.0.0.1"));
        assert_eq!(host_of("sip:[::1]:5060").as_deref(), Some("::1"));
    }
}
