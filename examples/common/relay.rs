//! An in-process RTP relay that impairs both directions of a call between
//! two phones of one process (`call-demo --loss/--jitter-ms/--dup`).
//!
//! # How the relay gets between the phones
//!
//! Each phone's media engine is wrapped in [`RelayedEngine`], a
//! [`MediaEngine`] decorator. When the real engine creates a call's session
//! (binding its RTP port R), the decorator binds a *mirror* socket M on the
//! same IP and hands (M, R) to the relay; the session's
//! [`CallMedia::local_description`] then advertises M instead of R as the
//! RTP address, so the SDP offer (or answer) tells the peer to send RTP to
//! the relay. RTCP is left direct and unimpaired: the description gets an
//! explicit `a=rtcp` (RFC 3605) with the real RTCP address, since the
//! issue's impairment is about the audio path.
//!
//! The relay pairs the first two sessions (caller: M₀/R₀, callee: M₁/R₁).
//! A packet that arrives at M₀ is the callee's RTP for the caller; after
//! its fate is decided it is sent to R₀ *from M₁*, the address the caller
//! was told is the callee's. So each phone receives RTP from exactly the
//! address signalling gave for its peer: the engines' strict latching
//! (`media/src/session/latch.rs`, rule 1) learns it at once, and nothing in
//! the engine, the SIP stack or the SDP code knows a relay is there.
//! Packets reaching a mirror from anywhere but the peer's real RTP address
//! are dropped and counted as foreign.
//!
//! Which packet is dropped, held or duplicated is decided by the sans-IO
//! [`Impairer`](super::impair::Impairer) (`impair.rs`), one per direction,
//! seeded from `--seed`; this file only moves datagrams and keeps time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone::{
    CallId, CallMedia, MediaDescription, MediaEngine, MediaError, MediaEventSink, MediaStats,
    NegotiatedMedia, SecurityState,
};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::impair::{Counters, Fate, ImpairConfig, Impairer};

/// What one direction of the relay did: the impairment counts plus the
/// datagrams actually sent out and those refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionCounters {
    /// The impairer's counts.
    pub impair: Counters,
    /// Datagrams sent on (duplicates included); the rest of the forwarded
    /// ones are still held.
    pub sent: u64,
    /// Datagrams from an address other than the peer's RTP socket.
    pub foreign: u64,
}

/// One direction's counters, named by the phone the packets go to.
#[derive(Debug, Clone)]
pub struct DirectionReport {
    /// Sender's name (as given to [`Relay::engine`]).
    pub from: String,
    /// Receiver's name.
    pub to: String,
    /// The counts.
    pub counters: DirectionCounters,
}

/// A session's mirror socket and the real RTP address behind it.
struct Leg {
    name: String,
    mirror: StdUdpSocket,
    real: SocketAddr,
}

/// The running relay; dropping it stops the task.
pub struct Relay {
    legs: mpsc::UnboundedSender<Leg>,
    /// Indexed by destination leg (0: the first session's phone).
    shared: Arc<Mutex<Shared>>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Shared {
    names: Vec<String>,
    counters: [DirectionCounters; 2],
}

impl Relay {
    /// Starts the relay task (on the current tokio runtime).
    pub fn start(cfg: ImpairConfig) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let task = tokio::spawn(run(cfg, rx, shared.clone()));
        Relay {
            legs: tx,
            shared,
            task,
        }
    }

    /// Wraps a phone's media engine so its calls' RTP goes through the
    /// relay; `name` labels the counters ("caller", "callee"). Mirrors bind
    /// in `ports` (inclusive) when given, else on an ephemeral port.
    pub fn engine<E: MediaEngine>(
        &self,
        inner: E,
        name: &str,
        ports: Option<(u16, u16)>,
    ) -> RelayedEngine<E> {
        RelayedEngine {
            inner,
            name: name.to_string(),
            ports,
            legs: self.legs.clone(),
        }
    }

    /// Both directions' counters so far (empty until two sessions exist).
    pub fn report(&self) -> Vec<DirectionReport> {
        let Ok(s) = self.shared.lock() else {
            return Vec::new();
        };
        if s.names.len() < 2 {
            return Vec::new();
        }
        (0..2)
            .map(|to| DirectionReport {
                from: s.names[1 - to].clone(),
                to: s.names[to].clone(),
                counters: s.counters[to],
            })
            .collect()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A [`MediaEngine`] whose sessions advertise a relay mirror as their RTP
/// address (see the module comment).
pub struct RelayedEngine<E> {
    inner: E,
    name: String,
    ports: Option<(u16, u16)>,
    legs: mpsc::UnboundedSender<Leg>,
}

impl<E: MediaEngine> MediaEngine for RelayedEngine<E> {
    fn create_session(
        &self,
        call: CallId,
        events: MediaEventSink,
    ) -> Result<Box<dyn CallMedia>, MediaError> {
        let inner = self.inner.create_session(call, events)?;
        let real = inner
            .local_description()
            .audio()
            .and_then(|a| a.rtp)
            .ok_or_else(|| MediaError::Other("session has no audio RTP address".into()))?;
        let mirror = bind_mirror(real, self.ports)?;
        mirror.set_nonblocking(true)?;
        let mirror_addr = mirror.local_addr()?;
        tracing::debug!(%call, %real, %mirror_addr, "RTP routed through the impairment relay");
        self.legs
            .send(Leg {
                name: self.name.clone(),
                mirror,
                real,
            })
            .map_err(|_| MediaError::Other("impairment relay stopped".into()))?;
        Ok(Box::new(RelayedMedia {
            inner,
            mirror: mirror_addr,
        }))
    }
}

/// Binds a mirror on `real`'s IP: in `ports` (the first free port after
/// the session's own, wrapping) so a user's `--rtp-ports` holds all the
/// demo's RTP, or anywhere when there is no range.
fn bind_mirror(real: SocketAddr, ports: Option<(u16, u16)>) -> Result<StdUdpSocket, MediaError> {
    let Some((lo, hi)) = ports else {
        return Ok(StdUdpSocket::bind(SocketAddr::new(real.ip(), 0))?);
    };
    let span = u32::from(hi) - u32::from(lo) + 1;
    let start = u32::from(real.port().saturating_sub(lo)) + 1;
    let mut last_err = None;
    for i in 0..span {
        let port = lo as u32 + (start + i) % span;
        // Within [lo, hi] by construction.
        let port = u16::try_from(port).unwrap_or(hi);
        match StdUdpSocket::bind(SocketAddr::new(real.ip(), port)) {
            Ok(s) => return Ok(s),
            Err(e) => last_err = Some(e),
        }
    }
    Err(MediaError::Socket(last_err.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::AddrInUse, "no free relay port")
    })))
}

/// A session whose description names the relay's mirror for RTP.
struct RelayedMedia {
    inner: Box<dyn CallMedia>,
    mirror: SocketAddr,
}

impl CallMedia for RelayedMedia {
    fn local_description(&self) -> MediaDescription {
        let mut d = self.inner.local_description();
        if let Some(a) = d.audio_mut() {
            if !a.rtcp_mux {
                // RTCP stays on the real socket: say so explicitly, as it
                // is no longer RTP port + 1.
                a.rtcp = a.rtcp_addr();
            }
            a.rtp = Some(self.mirror);
        }
        d
    }
    fn apply(&mut self, negotiated: &NegotiatedMedia) -> Result<(), MediaError> {
        self.inner.apply(negotiated)
    }
    fn send_dtmf(&mut self, digit: char, duration: Duration) -> Result<(), MediaError> {
        self.inner.send_dtmf(digit, duration)
    }
    fn stats(&self) -> MediaStats {
        self.inner.stats()
    }
    fn security(&self) -> SecurityState {
        self.inner.security()
    }
    fn stop(&mut self) {
        self.inner.stop();
    }
}

/// A datagram waiting for its release time. Ordered by time, then by
/// arrival, so packets released at one instant keep their order.
struct Held {
    at: Instant,
    n: u64,
    to: usize,
    bytes: Vec<u8>,
}

impl PartialEq for Held {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.n) == (o.at, o.n)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Held {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.n).cmp(&(o.at, o.n))
    }
}

struct ActiveLeg {
    socket: UdpSocket,
    real: SocketAddr,
    /// Decides the fate of packets addressed to this leg's phone.
    impairer: Impairer,
}

/// Receives on a leg's mirror, or waits forever when it does not exist yet.
async fn recv_on(leg: Option<&ActiveLeg>, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
    match leg {
        Some(l) => l.socket.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

async fn run(cfg: ImpairConfig, mut rx: mpsc::UnboundedReceiver<Leg>, shared: Arc<Mutex<Shared>>) {
    let epoch = Instant::now();
    let mut legs: Vec<ActiveLeg> = Vec::new();
    let mut held: BinaryHeap<Reverse<Held>> = BinaryHeap::new();
    let mut n = 0u64;
    let mut buf0 = vec![0u8; 2048];
    let mut buf1 = vec![0u8; 2048];
    loop {
        let next = held.peek().map(|Reverse(h)| h.at);
        let got = tokio::select! {
            // Register a new session before reading its peer's packets.
            biased;
            leg = rx.recv() => Got::Leg(leg),
            _ = sleep_until_opt(next) => Got::Due,
            r = recv_on(legs.first(), &mut buf0) => Got::Packet(0, r),
            r = recv_on(legs.get(1), &mut buf1) => Got::Packet(1, r),
        };
        let now = Instant::now();
        match got {
            Got::Leg(None) => return,
            Got::Leg(Some(leg)) => {
                add_leg(&mut legs, leg, &cfg, &shared);
                continue;
            }
            Got::Due => {}
            Got::Packet(to, Err(e)) => {
                // ICMP port unreachable from a closed peer socket, mostly.
                tracing::debug!(to, "impairment relay receive: {e}");
            }
            Got::Packet(to, Ok((len, from))) => {
                let Some(peer) = legs.get(1 - to).map(|l| l.real) else {
                    count(&shared, to, |c| c.foreign += 1);
                    continue;
                };
                if from != peer {
                    count(&shared, to, |c| c.foreign += 1);
                    continue;
                }
                let bytes = if to == 0 { &buf0[..len] } else { &buf1[..len] };
                let leg = &mut legs[to];
                let fate = leg.impairer.decide(now - epoch);
                let impair = leg.impairer.counters();
                count(&shared, to, |c| c.impair = impair);
                if fate != Fate::Dropped {
                    for at in fate.releases() {
                        n += 1;
                        held.push(Reverse(Held {
                            at: epoch + at,
                            n,
                            to,
                            bytes: bytes.to_vec(),
                        }));
                    }
                }
            }
        }
        // Release everything due.
        while held.peek().is_some_and(|Reverse(h)| h.at <= now) {
            let Some(Reverse(h)) = held.pop() else { break };
            // Sent from the other leg's mirror: the address the receiver
            // was told its peer has.
            let (Some(dest), Some(via)) = (legs.get(h.to), legs.get(1 - h.to)) else {
                continue;
            };
            match via.socket.send_to(&h.bytes, dest.real).await {
                Ok(_) => count(&shared, h.to, |c| c.sent += 1),
                Err(e) => tracing::debug!("impairment relay send: {e}"),
            }
        }
    }
}

/// What woke the relay.
enum Got {
    /// A session to relay (`None`: every engine is gone).
    Leg(Option<Leg>),
    /// A held packet is due.
    Due,
    /// A datagram at leg `.0`'s mirror.
    Packet(usize, std::io::Result<(usize, SocketAddr)>),
}

/// Starts relaying a session's mirror; only the first two are paired.
fn add_leg(legs: &mut Vec<ActiveLeg>, leg: Leg, cfg: &ImpairConfig, shared: &Mutex<Shared>) {
    if legs.len() == 2 {
        tracing::warn!(name = %leg.name, "impairment relay pairs two sessions; a third is not relayed");
        return;
    }
    match UdpSocket::from_std(leg.mirror) {
        Ok(socket) => {
            let dir = legs.len() as u64;
            legs.push(ActiveLeg {
                socket,
                real: leg.real,
                impairer: Impairer::new(cfg.for_direction(dir)),
            });
            if let Ok(mut s) = shared.lock() {
                s.names.push(leg.name);
            }
        }
        Err(e) => tracing::warn!("impairment relay: {e}"),
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn count(shared: &Mutex<Shared>, to: usize, f: impl FnOnce(&mut DirectionCounters)) {
    if let Ok(mut s) = shared.lock() {
        if let Some(c) = s.counters.get_mut(to) {
            f(c);
        }
    }
}
