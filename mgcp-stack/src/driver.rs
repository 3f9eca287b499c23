//! The tokio driver of the endpoint role: one task owning one UDP socket
//! and an [`Endpoint`], selecting over datagrams, the phone's commands and
//! the core's timer, and draining the core's output after every input.
//! [`MgcpStack`] is the [`Stack`] a `Phone` is built with.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use openphone_sal::line::Country;
use openphone_sal::{
    BoxFuture, Capabilities, Capability, DigitTimers, Stack, StackCommand, StackError, StackInfo,
    StackIo,
};
use tokio::net::UdpSocket;
use tracing::{debug, info, warn};

use crate::endpoint::{Endpoint, EndpointConfig};
use crate::message::{Domain, EndpointName, MAX_DATAGRAM_BYTES};
use crate::restart::RestartConfig;
use crate::transaction::TransactionConfig;

/// The UDP port of gateways (RFC 3435 §3.5).
pub const DEFAULT_GATEWAY_PORT: u16 = 2427;

/// How long a stopping stack waits for the call agent to answer its RSIPs.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Settings of an [`MgcpStack`].
///
/// ```
/// use openphone_mgcp::MgcpConfig;
/// let c = MgcpConfig::new("127.0.0.1:2727".parse().unwrap())
///     .with_listen("127.0.0.1:2427".parse().unwrap())
///     .with_line("aaln/1");
/// assert_eq!(c.line_names().unwrap()[0].to_string(), "aaln/1@[127.0.0.1]");
/// let named = c.with_domain("gw.example.net");
/// assert_eq!(named.line_names().unwrap()[0].to_string(), "aaln/1@gw.example.net");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MgcpConfig {
    /// Where the endpoint listens (default `0.0.0.0:2427`; port 0 picks a
    /// free one).
    pub listen: SocketAddr,
    /// The call agent (RSIP goes there first).
    pub call_agent: SocketAddr,
    /// Local endpoint names of the lines (default `aaln/1`).
    pub lines: Vec<String>,
    /// The domain of the endpoint names; `None`: the listening IP address
    /// in brackets (`aaln/1@[127.0.0.1]`).
    pub domain: Option<String>,
    /// Retransmission settings.
    pub transactions: TransactionConfig,
    /// Restart timers.
    pub restart: RestartConfig,
    /// Digit collection timers.
    pub digit_timers: DigitTimers,
    /// Whose ringing cadence the lines use.
    pub country: Country,
}

impl MgcpConfig {
    /// One line, `aaln/1`, on port 2427 of every interface, controlled by
    /// the agent at `call_agent`.
    pub fn new(call_agent: SocketAddr) -> Self {
        MgcpConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), DEFAULT_GATEWAY_PORT),
            call_agent,
            lines: vec!["aaln/1".into()],
            domain: None,
            transactions: TransactionConfig::default(),
            restart: RestartConfig::default(),
            digit_timers: DigitTimers::default(),
            country: Country::Us,
        }
    }

    /// Sets the listening address.
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Replaces the lines with this one (call again with
    /// [`add_line`](Self::add_line) for more).
    pub fn with_line(mut self, local_name: impl Into<String>) -> Self {
        self.lines = vec![local_name.into()];
        self
    }

    /// Adds a line.
    pub fn add_line(mut self, local_name: impl Into<String>) -> Self {
        self.lines.push(local_name.into());
        self
    }

    /// Sets the domain of the endpoint names.
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Sets the digit collection timers.
    pub fn with_digit_timers(mut self, timers: DigitTimers) -> Self {
        self.digit_timers = timers;
        self
    }

    /// The lines' full names.
    pub fn line_names(&self) -> Result<Vec<EndpointName>, StackError> {
        let domain = match &self.domain {
            Some(d) => d.clone(),
            None if self.listen.ip().is_unspecified() => {
                return Err(StackError::Config(
                    "listen on a specific address, or give the endpoint domain".into(),
                ))
            }
            None => Domain::Ip(self.listen.ip()).to_string(),
        };
        self.lines
            .iter()
            .map(|l| {
                format!("{l}@{domain}")
                    .parse::<EndpointName>()
                    .map_err(|e| StackError::Config(format!("line {l}@{domain}: {e}")))
            })
            .collect()
    }
}

/// The address a started [`MgcpStack`] is bound to (useful with port 0).
#[derive(Debug, Clone, Default)]
pub struct BoundAddr(Arc<OnceLock<SocketAddr>>);

impl BoundAddr {
    /// The bound UDP address, once started.
    pub fn get(&self) -> Option<SocketAddr> {
        self.0.get().copied()
    }
}

/// The MGCP endpoint stack: the phone's accounts are lines (`mgcp:aaln/1`
/// or the full name), controlled by a call agent.
///
/// ```no_run
/// use std::sync::Arc;
/// use openphone_mgcp::{MgcpConfig, MgcpStack};
/// use openphone_sal::Stack;
/// let stack = MgcpStack::new(MgcpConfig::new("127.0.0.1:2727".parse().unwrap())
///     .with_listen("127.0.0.1:2427".parse().unwrap()));
/// assert_eq!(stack.name(), "mgcp");
/// ```
#[derive(Debug)]
pub struct MgcpStack {
    config: MgcpConfig,
    bound: BoundAddr,
}

impl MgcpStack {
    /// A stack with these settings (nothing is bound until it starts).
    pub fn new(config: MgcpConfig) -> Self {
        MgcpStack {
            config,
            bound: BoundAddr::default(),
        }
    }

    /// A handle on the address the stack binds when started.
    pub fn bound_addr(&self) -> BoundAddr {
        self.bound.clone()
    }
}

impl Stack for MgcpStack {
    fn name(&self) -> &'static str {
        "mgcp"
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["mgcp"]
    }

    fn capabilities(&self) -> Capabilities {
        // DTMF without telephone-event reaches the stack as digit events
        // of the line (D package NTFY when the agent asked for them).
        Capabilities::new(&[
            Capability::Register,
            Capability::Line,
            Capability::DtmfOutOfBand,
        ])
    }

    fn start(self: Box<Self>, io: StackIo) -> BoxFuture<'static, Result<StackInfo, StackError>> {
        Box::pin(async move {
            let names = self.config.line_names()?;
            let socket = UdpSocket::bind(self.config.listen)
                .await
                .map_err(|source| StackError::Bind {
                    addr: self.config.listen.to_string(),
                    source,
                })?;
            let local = socket
                .local_addr()
                .map_err(|e| StackError::Other(e.to_string()))?;
            let _ = self.bound.0.set(local);
            let mut config = EndpointConfig::new(names.clone(), self.config.call_agent);
            config.transactions = self.config.transactions.clone();
            config.restart = self.config.restart.clone();
            config.digit_timers = self.config.digit_timers;
            config.country = self.config.country;
            config.seed = u64::from(local.port());
            let core = Endpoint::new(config, io.media.clone(), Instant::now())
                .map_err(|e| StackError::Config(e.to_string()))?;
            info!(%local, lines = ?names.iter().map(ToString::to_string).collect::<Vec<_>>(), "MGCP endpoint listening");
            tokio::spawn(run(core, socket, io));
            let mut listening = vec![format!("udp {local}")];
            listening.extend(names.iter().map(|n| format!("line {n}")));
            Ok(StackInfo::new(listening))
        })
    }
}

async fn run(mut core: Endpoint, socket: UdpSocket, mut io: StackIo) {
    let mut buf = vec![0u8; MAX_DATAGRAM_BYTES];
    let mut stop_by: Option<tokio::time::Instant> = None;
    loop {
        while let Some(t) = core.poll_transmit() {
            if let Err(e) = socket.send_to(&t.bytes, t.to).await {
                warn!(to = %t.to, error = %e, "MGCP datagram not sent");
            }
        }
        while let Some(e) = core.poll_event() {
            if !io.events.send(e) {
                debug!("phone gone; MGCP endpoint stops");
                return;
            }
        }
        if stop_by.is_some() && core.outstanding() == 0 {
            break;
        }
        let next = core.poll_timeout();
        let far = tokio::time::Instant::now() + Duration::from_secs(3600);
        let timer = next.map_or(far, tokio::time::Instant::from_std);
        tokio::select! {
            r = socket.recv_from(&mut buf) => match r {
                Ok((n, from)) => core.handle_datagram(Instant::now(), from, &buf[..n]),
                // An ICMP error from an earlier send; the transaction layer retries.
                Err(e) => debug!(error = %e, "MGCP receive error"),
            },
            c = io.commands.recv(), if stop_by.is_none() => match c {
                Some(StackCommand::Shutdown) | None => {
                    core.shutdown(Instant::now());
                    stop_by = Some(tokio::time::Instant::now() + SHUTDOWN_GRACE);
                }
                Some(c) => core.handle_command(Instant::now(), c),
            },
            _ = tokio::time::sleep_until(timer) => core.handle_timeout(Instant::now()),
            _ = tokio::time::sleep_until(stop_by.unwrap_or(far)), if stop_by.is_some() => break,
        }
    }
    while let Some(e) = core.poll_event() {
        io.events.send(e);
    }
    info!("MGCP endpoint stopped");
}
