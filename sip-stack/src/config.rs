//! Configuration of the SIP stack (driver) and of its sans-IO core.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::transaction::TimerConfig;

/// Default maximum size of one SIP message (datagram or framed stream message).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 65_535;

/// How to run a [`SipStack`](crate::SipStack).
///
/// ```
/// use openphone_sip::SipConfig;
/// let cfg = SipConfig::builder()
///     .udp_bind("127.0.0.1:0".parse().unwrap())
///     .tcp_bind("127.0.0.1:0".parse().unwrap())
///     .user_agent("my-phone/1.0")
///     .build();
/// assert_eq!(cfg.user_agent, "my-phone/1.0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipConfig {
    /// UDP listening address (`None`: no UDP).
    pub udp_bind: Option<SocketAddr>,
    /// TCP listening address (`None`: no TCP).
    pub tcp_bind: Option<SocketAddr>,
    /// TLS listening address for incoming `sips:` and `;transport=tls`
    /// requests (`None`: none; outgoing TLS works without it). Needs the
    /// crate feature `tls` and [`TlsConfig::cert_file`]/[`TlsConfig::key_file`].
    pub tls_bind: Option<SocketAddr>,
    /// Certificates and trust for SIP over TLS.
    pub tls: TlsConfig,
    /// `User-Agent` / `Server` header value.
    pub user_agent: String,
    /// Address to put in Via and Contact when bound to a wildcard address.
    pub public_address: Option<IpAddr>,
    /// Transaction timer base values.
    pub timers: TimerConfig,
    /// Largest message accepted or sent.
    pub max_message_size: usize,
    /// Seed for tags, branches and Call-IDs (`None`: from the OS).
    pub rng_seed: Option<u64>,
    /// Most calls at once; further INVITEs get 503 with Retry-After.
    pub max_calls: usize,
    /// Most server transactions at once; further new requests get a
    /// stateless 503 with Retry-After.
    pub max_server_transactions: usize,
    /// Limits on incoming TCP and TLS connections.
    pub stream_limits: StreamLimits,
    /// The DNS server for RFC 3263 lookups (`None`: the system's
    /// configuration). Ignored when a resolver is set with
    /// [`SipStack::with_resolver`](crate::SipStack::with_resolver).
    pub dns_server: Option<SocketAddr>,
    /// A STUN server (RFC 5389): at start the stack learns the public address
    /// of its UDP socket from it and advertises it in Via and Contact.
    pub stun_server: Option<SocketAddr>,
    /// Keep-alive interval for flows to registrars (RFC 5626 §4.4): a STUN
    /// Binding request over UDP, a CRLF "ping" over TCP and TLS. `None`: off.
    pub keepalive_interval: Option<Duration>,
    /// Reliable provisional responses (100rel/PRACK, RFC 3262).
    pub reliable_provisional: ReliableProvisional,
    /// Session timers (RFC 4028); `None`: not supported.
    pub session_timer: Option<SessionTimerConfig>,
}

/// Whether provisional responses are sent and taken reliably (RFC 3262).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReliableProvisional {
    /// 100rel not supported: an INVITE that requires it gets 420.
    #[default]
    Off,
    /// `Supported: 100rel` in our INVITEs; 18x sent reliably when the
    /// caller supports or requires it.
    Supported,
    /// `Require: 100rel` in our INVITEs; an INVITE without 100rel in
    /// Supported or Require gets 421 (Extension Required).
    Required,
}

/// Session timer settings (RFC 4028).
///
/// ```
/// let t = openphone_sip::SessionTimerConfig::default();
/// assert_eq!(t.interval.as_secs(), 1800);
/// assert_eq!(t.min_se.as_secs(), 90);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimerConfig {
    /// The session interval we ask for (`Session-Expires`).
    pub interval: std::time::Duration,
    /// The smallest interval we accept (`Min-SE`, at least 90 s by §4;
    /// smaller values are only for tests under virtual time).
    pub min_se: std::time::Duration,
}

impl Default for SessionTimerConfig {
    fn default() -> Self {
        SessionTimerConfig {
            interval: std::time::Duration::from_secs(1800),
            min_se: std::time::Duration::from_secs(90),
        }
    }
}

/// Limits on incoming TCP and TLS connections, so that nobody who can reach
/// the port can exhaust the descriptors and memory calls need (RTP sockets,
/// other peers). Connections we open ourselves are not limited.
///
/// ```
/// use std::time::Duration;
/// use openphone_sip::{SipConfig, StreamLimits};
/// let limits = StreamLimits::default().with_max_per_address(8);
/// let cfg = SipConfig::builder().stream_limits(limits).build();
/// assert_eq!(cfg.stream_limits.max_connections, 1024);
/// assert_eq!(cfg.stream_limits.setup_timeout, Duration::from_secs(32));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamLimits {
    /// Most incoming connections at once (TLS handshakes in progress
    /// included); further ones are closed at once.
    pub max_connections: usize,
    /// Most incoming connections from one IP address.
    pub max_per_address: usize,
    /// An incoming connection that has not sent a complete header block
    /// (or an RFC 5626 CRLF keep-alive) this long after it opened is closed.
    pub setup_timeout: Duration,
    /// An incoming connection that sends nothing for this long is closed
    /// (RFC 5626 keep-alives count: a phone that keeps its flow alive keeps it).
    pub idle_timeout: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            max_connections: 1024,
            max_per_address: 32,
            // 64 × T1, the lifetime of a transaction.
            setup_timeout: Duration::from_secs(32),
            idle_timeout: Duration::from_secs(900),
        }
    }
}

impl StreamLimits {
    /// Sets [`max_connections`](Self::max_connections).
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }
    /// Sets [`max_per_address`](Self::max_per_address).
    pub fn with_max_per_address(mut self, n: usize) -> Self {
        self.max_per_address = n;
        self
    }
    /// Sets [`setup_timeout`](Self::setup_timeout).
    pub fn with_setup_timeout(mut self, t: Duration) -> Self {
        self.setup_timeout = t;
        self
    }
    /// Sets [`idle_timeout`](Self::idle_timeout).
    pub fn with_idle_timeout(mut self, t: Duration) -> Self {
        self.idle_timeout = t;
        self
    }
}

/// Default limit on simultaneous calls (bounds memory under an INVITE flood).
pub const DEFAULT_MAX_CALLS: usize = 4096;

/// Default limit on server transactions. Over UDP a finished non-INVITE
/// transaction stays 32 s to absorb retransmissions (RFC 3261 §17.2.2,
/// Timer J), so this bounds the sustained rate of BYEs (or OPTIONS, ...)
/// at about 2,000 per second; each costs about 1 KiB while it lingers.
pub const DEFAULT_MAX_SERVER_TRANSACTIONS: usize = 65_536;

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            udp_bind: Some(SocketAddr::from(([0, 0, 0, 0], 5060))),
            tcp_bind: None,
            tls_bind: None,
            tls: TlsConfig::default(),
            user_agent: concat!("OpenPhone/", env!("CARGO_PKG_VERSION")).to_string(),
            public_address: None,
            timers: TimerConfig::default(),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            rng_seed: None,
            max_calls: DEFAULT_MAX_CALLS,
            max_server_transactions: DEFAULT_MAX_SERVER_TRANSACTIONS,
            stream_limits: StreamLimits::default(),
            dns_server: None,
            stun_server: None,
            keepalive_interval: None,
            reliable_provisional: ReliableProvisional::Off,
            session_timer: None,
        }
    }
}

impl SipConfig {
    /// Starts from the defaults (UDP on 0.0.0.0:5060, no TCP).
    pub fn builder() -> SipConfigBuilder {
        SipConfigBuilder(SipConfig::default())
    }
}

/// Builder for [`SipConfig`].
#[derive(Debug, Clone)]
pub struct SipConfigBuilder(SipConfig);

impl SipConfigBuilder {
    /// Listens on UDP at `addr` (port 0 picks a free port).
    pub fn udp_bind(mut self, addr: SocketAddr) -> Self {
        self.0.udp_bind = Some(addr);
        self
    }
    /// Disables UDP.
    pub fn no_udp(mut self) -> Self {
        self.0.udp_bind = None;
        self
    }
    /// Listens on TCP at `addr`.
    pub fn tcp_bind(mut self, addr: SocketAddr) -> Self {
        self.0.tcp_bind = Some(addr);
        self
    }
    /// Listens for TLS at `addr` with the certificate chain in `cert_file`
    /// and its private key in `key_file` (both PEM).
    pub fn tls_bind(
        mut self,
        addr: SocketAddr,
        cert_file: impl Into<PathBuf>,
        key_file: impl Into<PathBuf>,
    ) -> Self {
        self.0.tls_bind = Some(addr);
        self.0.tls.cert_file = Some(cert_file.into());
        self.0.tls.key_file = Some(key_file.into());
        self
    }
    /// Also trusts the CA certificates in this PEM file when verifying TLS
    /// servers.
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.0.tls.ca_file = Some(path.into());
        self
    }
    /// Whether the system's root certificates are trusted (default `true`);
    /// with `false` only [`tls_ca_file`](Self::tls_ca_file) is.
    pub fn tls_system_roots(mut self, on: bool) -> Self {
        self.0.tls.system_roots = on;
        self
    }
    /// Presents this client certificate chain and key (PEM) to TLS servers
    /// that ask for one.
    pub fn tls_client_cert(
        mut self,
        cert_file: impl Into<PathBuf>,
        key_file: impl Into<PathBuf>,
    ) -> Self {
        self.0.tls.client_cert_file = Some(cert_file.into());
        self.0.tls.client_key_file = Some(key_file.into());
        self
    }
    /// Sets the User-Agent string.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.0.user_agent = ua.into();
        self
    }
    /// Sets the address advertised in Via/Contact.
    pub fn public_address(mut self, ip: IpAddr) -> Self {
        self.0.public_address = Some(ip);
        self
    }
    /// Sets the timer base values.
    pub fn timers(mut self, timers: TimerConfig) -> Self {
        self.0.timers = timers;
        self
    }
    /// Sets the message size limit.
    pub fn max_message_size(mut self, n: usize) -> Self {
        self.0.max_message_size = n;
        self
    }
    /// Sets the limit on simultaneous calls (default [`DEFAULT_MAX_CALLS`]).
    pub fn max_calls(mut self, n: usize) -> Self {
        self.0.max_calls = n;
        self
    }
    /// Sets the limit on server transactions (default 65,536: as a finished
    /// non-INVITE transaction lingers 32 s over UDP, about 2,000 a second).
    pub fn max_server_transactions(mut self, n: usize) -> Self {
        self.0.max_server_transactions = n;
        self
    }
    /// Sets the limits on incoming TCP and TLS connections.
    pub fn stream_limits(mut self, limits: StreamLimits) -> Self {
        self.0.stream_limits = limits;
        self
    }
    /// Sends RFC 3263 DNS queries to this server instead of the system's.
    pub fn dns_server(mut self, server: SocketAddr) -> Self {
        self.0.dns_server = Some(server);
        self
    }
    /// Learns the public address of the UDP socket from this STUN server.
    pub fn stun_server(mut self, server: SocketAddr) -> Self {
        self.0.stun_server = Some(server);
        self
    }
    /// Keeps flows to registrars alive at this interval (STUN over UDP,
    /// CRLF over TCP and TLS).
    pub fn keepalive_interval(mut self, every: Duration) -> Self {
        self.0.keepalive_interval = Some(every);
        self
    }
    /// Seeds the random generator (tests).
    pub fn rng_seed(mut self, seed: u64) -> Self {
        self.0.rng_seed = Some(seed);
        self
    }
    /// Sets the 100rel/PRACK policy (RFC 3262).
    pub fn reliable_provisional(mut self, mode: ReliableProvisional) -> Self {
        self.0.reliable_provisional = mode;
        self
    }
    /// Enables session timers (RFC 4028).
    pub fn session_timer(mut self, timer: SessionTimerConfig) -> Self {
        self.0.session_timer = Some(timer);
        self
    }
    /// Finishes.
    pub fn build(self) -> SipConfig {
        self.0
    }
}

/// Certificates and trust for SIP over TLS (crate feature `tls`).
///
/// Servers are always verified: the chain against the trust store (the
/// system roots unless [`system_roots`](Self::system_roots) is off, plus
/// [`ca_file`](Self::ca_file)) and the name against the host of the URI the
/// request was sent to. A failed check fails the request with
/// `Cause::SecurityFailure`; the stack never falls back to TCP or UDP.
///
/// ```
/// let cfg = openphone_sip::SipConfig::builder()
///     .tls_ca_file("/etc/openphone/ca.pem")
///     .tls_system_roots(false)
///     .build();
/// assert!(!cfg.tls.system_roots);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// The TLS listener's certificate chain (PEM, leaf first).
    pub cert_file: Option<PathBuf>,
    /// The TLS listener's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key_file: Option<PathBuf>,
    /// Extra trusted CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// Trust the system's root certificates (default `true`).
    pub system_roots: bool,
    /// A client certificate chain to present when a server asks (PEM).
    pub client_cert_file: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    pub client_key_file: Option<PathBuf>,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            cert_file: None,
            key_file: None,
            ca_file: None,
            system_roots: true,
            client_cert_file: None,
            client_key_file: None,
        }
    }
}

/// Configuration of a [`SipCore`](crate::SipCore): the addresses its transports are bound
/// to (known after binding) and the protocol settings.
///
/// ```
/// use openphone_sip::CoreConfig;
/// let c = CoreConfig::new(Some("127.0.0.1:5060".parse().unwrap()), None);
/// assert_eq!(c.seed, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreConfig {
    /// Bound UDP address, if UDP is in use.
    pub udp: Option<SocketAddr>,
    /// Bound TCP listening address, if TCP is in use.
    pub tcp: Option<SocketAddr>,
    /// Bound TLS listening address, if there is a TLS listener.
    pub tls: Option<SocketAddr>,
    /// Whether the driver can open TLS connections: `sips:` and
    /// `;transport=tls` targets are refused without it.
    pub tls_client: bool,
    /// Advertised address replacing a wildcard bind.
    pub public_address: Option<IpAddr>,
    /// User-Agent / Server header.
    pub user_agent: String,
    /// Timers.
    pub timers: TimerConfig,
    /// Largest message accepted.
    pub max_message_size: usize,
    /// RNG seed for tags, branches, Call-IDs and cnonces.
    pub seed: u64,
    /// Most calls at once; further INVITEs get 503 with Retry-After.
    pub max_calls: usize,
    /// Most server transactions at once; further new requests get a
    /// stateless 503 with Retry-After.
    pub max_server_transactions: usize,
    /// Reliable provisional responses (RFC 3262).
    pub reliable_provisional: ReliableProvisional,
    /// Session timers (RFC 4028); `None`: not supported.
    pub session_timer: Option<SessionTimerConfig>,
}

impl CoreConfig {
    /// Defaults with the given bound addresses and seed 0.
    pub fn new(udp: Option<SocketAddr>, tcp: Option<SocketAddr>) -> Self {
        CoreConfig {
            udp,
            tcp,
            tls: None,
            tls_client: false,
            public_address: None,
            user_agent: concat!("OpenPhone/", env!("CARGO_PKG_VERSION")).to_string(),
            timers: TimerConfig::default(),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            seed: 0,
            max_calls: DEFAULT_MAX_CALLS,
            max_server_transactions: DEFAULT_MAX_SERVER_TRANSACTIONS,
            reliable_provisional: ReliableProvisional::Off,
            session_timer: None,
        }
    }

    /// Sets the 100rel/PRACK policy (RFC 3262).
    pub fn with_reliable_provisional(mut self, mode: ReliableProvisional) -> Self {
        self.reliable_provisional = mode;
        self
    }

    /// Enables session timers (RFC 4028).
    pub fn with_session_timer(mut self, timer: SessionTimerConfig) -> Self {
        self.session_timer = Some(timer);
        self
    }

    /// Enables TLS: outgoing connections, and a listener bound at `listener`.
    pub fn with_tls(mut self, listener: Option<SocketAddr>) -> Self {
        self.tls_client = true;
        self.tls = listener;
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the timers.
    pub fn with_timers(mut self, timers: TimerConfig) -> Self {
        self.timers = timers;
        self
    }

    /// Sets the limit on simultaneous calls.
    pub fn with_max_calls(mut self, n: usize) -> Self {
        self.max_calls = n;
        self
    }

    /// Sets the limit on server transactions.
    pub fn with_max_server_transactions(mut self, n: usize) -> Self {
        self.max_server_transactions = n;
        self
    }
}
