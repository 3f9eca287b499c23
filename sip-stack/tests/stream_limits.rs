//! Limits on incoming TCP connections (issue 16 item 11): a cap per source
//! address and in total, a setup timeout for connections that never send a
//! complete message, an idle timeout, and UDP signalling unaffected by a
//! connection flood.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use openphone_sal::{Stack, StackEventSink, StackIo};
use openphone_sip::{SipConfig, SipStack, StreamLimits, TransportStats};
use tokio::sync::mpsc;

#[path = "common/media_port.rs"]
mod media_port;
use media_port::RecordingMedia;

const SETUP: Duration = Duration::from_millis(800);
const IDLE: Duration = Duration::from_millis(2500);

fn options(transport: &str, via_port: u16, branch: &str) -> String {
    format!(
        "OPTIONS sip:limits@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:{via_port};branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:limits@127.0.0.1>\r\n\
         Call-ID: {branch}@t\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
}

/// Whether the peer closed `s` within `within` (EOF or reset).
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut b = [0u8; 512];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}

async fn start() -> (
    SocketAddr,
    SocketAddr,
    TransportStats,
    mpsc::Sender<openphone_sal::StackCommand>,
) {
    let limits = StreamLimits::default()
        .with_max_per_address(4)
        .with_max_connections(6)
        .with_setup_timeout(SETUP)
        .with_idle_timeout(IDLE);
    let cfg = SipConfig::builder()
        .udp_bind("127.0.0.1:0".parse().unwrap())
        .tcp_bind("127.0.0.1:0".parse().unwrap())
        .stream_limits(limits)
        .build();
    let stack = SipStack::new(cfg);
    let addrs = stack.local_addrs();
    let stats = stack.transport_stats();
    let (cmd, commands) = mpsc::channel(4);
    let (tx, _ev) = mpsc::unbounded_channel();
    // The stack stops once nobody reads its events: keep the receiver alive.
    std::mem::forget(_ev);
    let io = StackIo::new(
        commands,
        StackEventSink::new(0, tx),
        RecordingMedia::new(41000),
    );
    Box::new(stack).start(io).await.expect("stack starts");
    (addrs.tcp().unwrap(), addrs.udp().unwrap(), stats, cmd)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limits_or_silent_are_closed_and_udp_still_works() {
    let (tcp, udp, stats, _cmd) = start().await;
    tokio::task::spawn_blocking(move || {
        // Four from 127.0.0.1 are accepted; the fifth and sixth are closed at once.
        let mut open: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(tcp).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(200));
        for _ in 0..2 {
            let mut extra = TcpStream::connect(tcp).unwrap();
            assert!(
                closed_within(&mut extra, Duration::from_millis(500)),
                "over the per-address cap"
            );
        }
        assert_eq!(stats.connections_refused(), 2);

        // UDP is served meanwhile.
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        u.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let port = u.local_addr().unwrap().port();
        u.send_to(options("UDP", port, "udp1").as_bytes(), udp)
            .unwrap();
        let mut b = [0u8; 2048];
        let n = u
            .recv(&mut b)
            .expect("a UDP answer while TCP is at its cap");
        assert!(b[..n].starts_with(b"SIP/2.0 "));

        // One of the four sends a request: it is answered and outlives the
        // setup timeout; the three silent ones are closed by it.
        let mut talker = open.remove(0);
        talker
            .write_all(options("TCP", 5060, "tcp1").as_bytes())
            .unwrap();
        talker
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let n = talker.read(&mut b).expect("a TCP answer");
        assert!(
            b[..n].starts_with(b"SIP/2.0 "),
            "{}",
            String::from_utf8_lossy(&b[..n])
        );
        let t0 = Instant::now();
        for s in &mut open {
            assert!(
                closed_within(s, SETUP * 2),
                "a silent connection stays open"
            );
        }
        assert!(t0.elapsed() < SETUP * 2);
        assert_eq!(stats.connections_timed_out(), 3);
        // A slot is free again: a new connection is accepted.
        let mut again = TcpStream::connect(tcp).unwrap();
        assert!(
            !closed_within(&mut again, Duration::from_millis(300)),
            "a freed slot is usable"
        );
        // The talker goes quiet: the idle timeout closes it.
        assert!(
            closed_within(&mut talker, IDLE * 2),
            "an idle connection stays open"
        );
    })
    .await
    .unwrap();
}
