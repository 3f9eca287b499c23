//! The RAS core against a real gatekeeper: GNU Gatekeeper (GnuGk) from
//! `../shared/lab/h323ref` (built into `/opt/h323ref` by its `build.sh`),
//! on loopback. Two of our endpoints discover it, register an `h323-ID` and
//! an E.164 number each, keep the registration alive, get admission for a
//! call to the other (by alias and by number, resolving its
//! call-signalling address) and are refused one to nobody, disengage and
//! unregister; GnuGk's status port shows the registrations while they last.
//!
//! A missing GnuGk fails the test (run the build script), it never skips.

use openphone_h323::asn::h225;
use openphone_h323::build::{dialed_digits, h323_id};
use openphone_h323::per;
use openphone_h323::ras::{CallInfo, RasConfig, RasEndpoint, RasEvent, RegistrationState};
use std::net::{SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::process::{Child, Command};
use tokio::time::{sleep_until, timeout, Instant};

const GNUGK: &str = "/opt/h323ref/bin/gnugk";
// Ports of this test (the H.323 helper's ranges: H.225 27700-27749, RAS
// 27750-27799).
const GK_RAS: u16 = 27750;
const GK_SIGNAL: u16 = 27700;
const GK_STATUS: u16 = 27749;
const TTL: u32 = 10;

fn local(port: u16) -> SocketAddrV4 {
    SocketAddrV4::new([127, 0, 0, 1].into(), port)
}

/// GnuGk with its own configuration, killed when dropped.
struct Gatekeeper {
    child: Child,
    dir: PathBuf,
}

impl Gatekeeper {
    async fn start() -> Self {
        assert!(
            Path::new(GNUGK).exists(),
            "{GNUGK} is missing: build the H.323 reference peers first with \
             `sudo bash ../shared/lab/h323ref/build.sh` (or scripts/install-deps.sh)"
        );
        let dir = std::env::temp_dir().join(format!("op-gnugk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let ini = format!(
            "[Gatekeeper::Main]\nName=OpGK\nHome=127.0.0.1\nUnicastRasPort={GK_RAS}\n\
             StatusPort={GK_STATUS}\nUseBroadcastListener=0\nUseMulticastListener=0\n\
             EnableIPv6=0\nTimeToLive={TTL}\n\
             [RoutedMode]\nGKRouted=0\nCallSignalPort={GK_SIGNAL}\nAcceptUnregisteredCalls=0\n\
             [GkStatus::Auth]\nrule=explicit\n127.0.0.1=allow\ndefault=forbid\n\
             [Gatekeeper::Auth]\ndefault=allow\n"
        );
        let cfg = dir.join("gnugk.ini");
        std::fs::write(&cfg, ini).expect("gnugk.ini");
        let child = Command::new(GNUGK)
            .arg("-c")
            .arg(&cfg)
            .arg("-ttt")
            .arg("-o")
            .arg(dir.join("trace.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start gnugk");
        let gk = Self { child, dir };
        // Ready once the status port accepts connections.
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(local(GK_STATUS)).await.is_err() {
            assert!(Instant::now() < deadline, "GnuGk did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        gk
    }

    /// One status-port command's answer (a text protocol; telnet option
    /// bytes come first and are dropped with anything non-UTF-8).
    async fn status(&self, command: &str) -> String {
        let mut s = TcpStream::connect(local(GK_STATUS))
            .await
            .expect("status port");
        s.write_all(format!("{command}\r\n").as_bytes())
            .await
            .expect("status command");
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(5);
        // GnuGk greets with its version, then answers; each part ends with a
        // line holding a lone ';'.
        while String::from_utf8_lossy(&out).matches("\r\n;\r\n").count() < 2 {
            match timeout(deadline - Instant::now(), s.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => out.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
        let _ = s.write_all(b"quit\r\n").await;
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl Drop for Gatekeeper {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A test driver: one RAS core and its socket.
struct Endpoint {
    ras: RasEndpoint,
    socket: UdpSocket,
    /// Keep-alive RRQs seen on the way out.
    keep_alives: usize,
}

impl Endpoint {
    async fn new(ras_port: u16, signal_port: u16, alias: &str, e164: &str) -> Self {
        let socket = UdpSocket::bind(local(ras_port)).await.expect("RAS socket");
        let mut config = RasConfig::new(local(GK_RAS), local(ras_port), local(signal_port));
        config.aliases = vec![h323_id(alias).unwrap(), dialed_digits(e164).unwrap()];
        config.time_to_live = Some(TTL);
        // A loopback gatekeeper answers at once: short retries keep the
        // keep-alive well inside the 10 s lifetime.
        config.retry_interval = Duration::from_secs(1);
        Self {
            ras: RasEndpoint::new(config),
            socket,
            keep_alives: 0,
        }
    }

    async fn flush(&mut self) {
        while let Some(t) = self.ras.poll_transmit() {
            if let Ok(h225::RasMessage::registrationRequest(r)) = per::decode_ras(&t.payload) {
                self.keep_alives += usize::from(r.keep_alive);
            }
            self.socket
                .send_to(&t.payload, t.destination)
                .await
                .expect("send RAS");
        }
    }

    /// Drives the core until an event comes out (or `within` elapses:
    /// `None`).
    async fn next_event(&mut self, within: Duration) -> Option<RasEvent> {
        let end = Instant::now() + within;
        let mut buf = vec![0u8; 65_536];
        loop {
            self.flush().await;
            if let Some(e) = self.ras.poll_event() {
                return Some(e);
            }
            let wake = self
                .ras
                .poll_timeout()
                .map(Instant::from_std)
                .map_or(end, |t| t.min(end));
            tokio::select! {
                r = self.socket.recv_from(&mut buf) => {
                    let (n, from): (usize, SocketAddr) = r.expect("recv RAS");
                    self.ras.handle_datagram(Instant::now().into_std(), from, &buf[..n]);
                }
                () = sleep_until(wake) => {
                    if Instant::now() >= end {
                        return None;
                    }
                    self.ras.handle_timeout(Instant::now().into_std());
                }
            }
        }
    }

    async fn expect_event(&mut self, what: &str) -> RasEvent {
        self.next_event(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no event: expected {what}"))
    }

    async fn register(&mut self) -> String {
        self.ras.register(Instant::now().into_std()).expect("GRQ");
        let found = self.expect_event("GCF").await;
        assert!(
            matches!(found, RasEvent::GatekeeperFound { ras, .. } if ras == local(GK_RAS)),
            "{found:?}"
        );
        match self.expect_event("RCF").await {
            RasEvent::Registered {
                endpoint_id,
                gatekeeper_id,
                time_to_live,
            } => {
                assert_eq!(gatekeeper_id.as_deref(), Some("OpGK"));
                assert_eq!(time_to_live, Some(Duration::from_secs(u64::from(TTL))));
                endpoint_id
            }
            other => panic!("expected Registered, got {other:?}"),
        }
    }
}

fn call(id: u8, destination: h225::AliasAddress) -> CallInfo {
    CallInfo {
        call_id: [id; 16],
        conference_id: [id ^ 0xa5; 16],
        crv: u16::from(id),
        answer: false,
        destination: vec![destination],
        destination_address: None,
        bandwidth: 1280,
    }
}

#[tokio::test]
async fn registration_admission_and_unregistration_at_gnugk() {
    let gk = Gatekeeper::start().await;
    let mut alice = Endpoint::new(27751, 27701, "op-alice", "2001").await;
    let mut bob = Endpoint::new(27752, 27702, "op-bob", "2002").await;
    let alice_id = alice.register().await;
    let bob_id = bob.register().await;
    assert_ne!(alice_id, bob_id);

    let regs = gk.status("PrintAllRegistrations").await;
    for needle in [
        "op-alice:h323_ID",
        "2001:dialedDigits",
        "op-bob:h323_ID",
        "2002:dialedDigits",
        "127.0.0.1:27701",
        "127.0.0.1:27702",
    ] {
        assert!(regs.contains(needle), "{needle} not registered:\n{regs}");
    }

    // Admission by alias and by E.164 number: GnuGk (direct mode) answers
    // with Bob's call-signalling address.
    let now = || Instant::now().into_std();
    for (id, dest) in [
        (1, h323_id("op-bob").unwrap()),
        (2, dialed_digits("2002").unwrap()),
    ] {
        alice.ras.admit(now(), call(id, dest)).expect("ARQ");
        match alice.expect_event("ACF").await {
            RasEvent::AdmissionConfirmed {
                call_id,
                destination,
                gatekeeper_routed,
                ..
            } => {
                assert_eq!(call_id, [id; 16]);
                assert_eq!(destination, Some(local(27702)));
                assert!(!gatekeeper_routed);
            }
            other => panic!("expected ACF, got {other:?}"),
        }
    }
    // Nobody is registered as "nobody".
    alice
        .ras
        .admit(now(), call(3, h323_id("nobody").unwrap()))
        .unwrap();
    match alice.expect_event("ARJ").await {
        RasEvent::AdmissionRejected { call_id, reason } => {
            assert_eq!(call_id, [3; 16]);
            assert_eq!(reason, "calledPartyNotRegistered");
        }
        other => panic!("expected ARJ, got {other:?}"),
    }
    // Bob asks to answer call 1.
    let mut answer = call(1, h323_id("op-alice").unwrap());
    answer.answer = true;
    answer.destination.clear();
    bob.ras.admit(now(), answer).expect("ARQ to answer");
    assert!(
        matches!(
            bob.expect_event("ACF").await,
            RasEvent::AdmissionConfirmed { .. }
        ),
        "answer admitted"
    );
    let calls = gk.status("PrintCurrentCalls").await;
    assert!(calls.contains("op-alice"), "no call at GnuGk:\n{calls}");

    // Keep-alive: the lightweight RRQ goes out 3 s before the 10 s lifetime
    // ends and GnuGk confirms it; both stay registered.
    // Both are driven at once, as their drivers would be.
    let quiet = Duration::from_secs(9);
    let (a, b) = tokio::join!(alice.next_event(quiet), bob.next_event(quiet));
    assert_eq!((a, b), (None, None), "no event while keeping alive");
    for ep in [&alice, &bob] {
        assert!(ep.keep_alives >= 1, "no keep-alive sent");
        assert_eq!(ep.ras.state(), RegistrationState::Registered);
    }

    for id in [1, 2] {
        alice.ras.disengage(now(), [id; 16]).expect("DRQ");
        assert_eq!(
            alice.expect_event("DCF").await,
            RasEvent::Disengaged { call_id: [id; 16] }
        );
    }
    bob.ras.disengage(now(), [1; 16]).expect("DRQ");
    assert_eq!(
        bob.expect_event("DCF").await,
        RasEvent::Disengaged { call_id: [1; 16] }
    );

    for ep in [&mut alice, &mut bob] {
        ep.ras.unregister(now()).expect("URQ");
        assert_eq!(
            ep.expect_event("UCF").await,
            RasEvent::Unregistered {
                by_gatekeeper: false,
                reason: None
            }
        );
    }
    let regs = gk.status("PrintAllRegistrations").await;
    assert!(
        !regs.contains("op-alice") && !regs.contains("op-bob"),
        "still registered:\n{regs}"
    );
    drop(gk);
}
