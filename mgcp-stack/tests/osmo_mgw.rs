//! Our [`CallAgent`] against osmo-mgw, a real MGCP media gateway (Debian
//! package `osmo-mgw`; fails, with a message, when it is not installed).
//!
//! osmo-mgw runs on loopback with a free MGCP port (not 2427) and its VTY
//! and CTRL sockets, whose ports are fixed, on a loopback address of their
//! own. The agent audits an endpoint, creates two connections on one
//! `rtpbridge` endpoint (the second on the endpoint the gateway chose for
//! the first), modifies the second to sendrecv, relays RTP through the
//! gateway both ways, deletes both connections reading their statistics,
//! and gets 500 for an unknown endpoint. The MGCP traffic is captured
//! with tshark (required) and its MGCP dissector must find no malformed
//! frame.

mod capture;

use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use capture::Capture;
use openphone_mgcp::agent::*;
use openphone_mgcp::message::*;
use openphone_mgcp::transaction::TransactionConfig;
use openphone_sal::Cause;
use openphone_sdp::SessionDescription;

fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// osmo-mgw, stopped when the test ends (pass or fail).
struct Gateway(Option<Child>);

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(mut m) = self.0.take() {
            let _ = m.kill();
            let _ = m.wait();
        }
    }
}

fn sdp(port: u16) -> SessionDescription {
    let text = format!(
        "v=0\r\no=- 1 23 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n"
    );
    SessionDescription::parse(text.as_bytes()).unwrap()
}

/// Runs the agent over `sock` until the next event, which `want` must
/// accept, or `limit` passes.
fn until(
    agent: &mut CallAgent,
    sock: &UdpSocket,
    limit: Duration,
    mut want: impl FnMut(&AgentEvent) -> bool,
) -> AgentEvent {
    let deadline = Instant::now() + limit;
    let mut buf = vec![0u8; 65536];
    loop {
        while let Some(t) = agent.poll_transmit() {
            sock.send_to(&t.bytes, t.to).unwrap();
        }
        if let Some(e) = agent.poll_event() {
            assert!(want(&e), "unexpected event: {e:?}");
            return e;
        }
        let now = Instant::now();
        assert!(now < deadline, "no event in {limit:?}");
        let wake = agent.poll_timeout().unwrap_or(deadline).min(deadline);
        let wait = wake
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        sock.set_read_timeout(Some(wait)).unwrap();
        match sock.recv_from(&mut buf) {
            Ok((n, from)) => agent.handle_datagram(Instant::now(), from, &buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                agent.handle_timeout(Instant::now())
            }
            Err(e) => panic!("{e}"),
        }
    }
}

fn rtp(seq: u16, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, 8];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend(std::iter::repeat_n(0xD5, 160));
    p
}

/// Sends `n` RTP packets from `from` to `to` every 20 ms; counts the RTP
/// packets `at` receives.
fn relay(from: &UdpSocket, to: SocketAddr, at: &UdpSocket, n: u16) -> usize {
    at.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
    let mut got = 0;
    let mut buf = [0u8; 2048];
    for i in 0..n {
        from.send_to(&rtp(i, 0x1234_5678), to).unwrap();
        let end = Instant::now() + Duration::from_millis(20);
        while Instant::now() < end {
            if let Ok((len, _)) = at.recv_from(&mut buf) {
                got += usize::from(len >= 12 && buf[0] >> 6 == 2);
            }
        }
    }
    at.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    while let Ok((len, _)) = at.recv_from(&mut buf) {
        got += usize::from(len >= 12 && buf[0] >> 6 == 2);
    }
    got
}

#[test]
fn call_agent_drives_osmo_mgw() {
    assert!(
        installed("osmo-mgw"),
        "osmo-mgw is not installed (apt-get install osmo-mgw)"
    );
    let pid = std::process::id();
    let dir = std::env::temp_dir().join(format!("openphone-mgcp-osmo-{pid}"));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_udp_port();
    // The VTY (4243) and CTRL (4267) ports are fixed in osmo-mgw: give them
    // a loopback address of their own so that another osmo-mgw does not
    // collide with this one.
    let side_ip = format!(
        "127.{}.{}.{}",
        100 + (pid >> 16) % 100,
        (pid >> 8) & 0xff,
        (pid & 0xfe) | 1
    );
    let rtp_base = 40_000 + (pid % 90) * 200;
    let cfg = format!(
        "log stderr\n logging filter all 1\n logging color 0\n logging print category 1\n \
         logging timestamp 1\n logging level set-all notice\n logging level lmgcp info\n\
         line vty\n bind {side_ip}\nctrl\n bind {side_ip}\n\
         mgcp\n domain mgw\n bind ip 127.0.0.1\n bind port {port}\n \
         rtp port-range {rtp_base} {}\n rtp bind-ip 127.0.0.1\n rtp ip-probing\n rtcp-omit\n \
         number endpoints 31\n",
        rtp_base + 199
    );
    let cfg_path = dir.join("mgw.cfg");
    std::fs::write(&cfg_path, cfg).unwrap();
    eprintln!("osmo-mgw on 127.0.0.1:{port}; logs and capture in {dir:?}");
    let capture = Capture::start(port, &dir);
    let gateway = Gateway(Some(
        Command::new("osmo-mgw")
            .arg("-c")
            .arg(&cfg_path)
            .arg("-s")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("mgw.log")).unwrap())
            .spawn()
            .expect("osmo-mgw starts"),
    ));

    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut agent = CallAgent::new(CallAgentConfig {
        notified_entity: Some(notified_entity_at(sock.local_addr().unwrap())),
        // osmo-mgw answers 539 to a command with `K:`.
        transactions: TransactionConfig {
            confirm_responses: false,
            ..TransactionConfig::default()
        },
        ..CallAgentConfig::default()
    });
    let mgw: SocketAddr = SocketAddr::from(([127, 0, 0, 1], port));
    agent.add_gateway(Domain::Host("mgw".into()), mgw);
    let t = Duration::from_secs(10);

    // Is it up? (The agent retransmits while osmo-mgw starts.)
    let bridge1: EndpointName = "rtpbridge/1@mgw".parse().unwrap();
    agent
        .audit_endpoint(Instant::now(), &bridge1, RequestedInfo::default())
        .unwrap();
    let e = until(&mut agent, &sock, t, |e| {
        matches!(e, AgentEvent::Response { .. })
    });
    let AgentEvent::Response { response, .. } = e else {
        unreachable!()
    };
    assert_eq!(response.code, ReturnCode::OK);

    // Two phones' RTP sockets.
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    let call = agent.new_call_id();
    let options: LocalConnectionOptions = "p:20, a:PCMA".parse().unwrap();

    agent
        .create_connection(
            Instant::now(),
            &"rtpbridge/*@mgw".parse().unwrap(),
            &call,
            ConnectionRequest::new(ConnectionMode::SendRecv)
                .with_local_options(options.clone())
                .with_remote_sdp(sdp(a.local_addr().unwrap().port())),
        )
        .unwrap();
    let AgentEvent::ConnectionCreated { connection: c1, .. } = until(&mut agent, &sock, t, |e| {
        matches!(e, AgentEvent::ConnectionCreated { .. })
    }) else {
        unreachable!()
    };
    assert!(
        !c1.endpoint.is_wildcard(),
        "osmo-mgw names the endpoint it chose"
    );
    let mgw_port1 = c1.local_sdp.as_ref().expect("osmo-mgw's SDP").media[0].port;

    agent
        .create_connection(
            Instant::now(),
            &c1.endpoint,
            &call,
            ConnectionRequest::new(ConnectionMode::RecvOnly)
                .with_local_options(options)
                .with_remote_sdp(sdp(b.local_addr().unwrap().port())),
        )
        .unwrap();
    let AgentEvent::ConnectionCreated { connection: c2, .. } = until(&mut agent, &sock, t, |e| {
        matches!(e, AgentEvent::ConnectionCreated { .. })
    }) else {
        unreachable!()
    };
    assert_eq!(c2.endpoint, c1.endpoint);
    assert_ne!(c2.id, c1.id);
    let mgw_port2 = c2.local_sdp.as_ref().expect("osmo-mgw's SDP").media[0].port;

    agent
        .modify_connection(
            Instant::now(),
            &c2.endpoint,
            &c2.id,
            ConnectionRequest::new(ConnectionMode::SendRecv)
                .with_remote_sdp(sdp(b.local_addr().unwrap().port())),
        )
        .unwrap();
    let AgentEvent::ConnectionModified { connection, .. } = until(&mut agent, &sock, t, |e| {
        matches!(e, AgentEvent::ConnectionModified { .. })
    }) else {
        unreachable!()
    };
    assert_eq!(connection.mode, ConnectionMode::SendRecv);
    assert_eq!(agent.connections().count(), 2);

    // Media through the gateway, both ways.
    let a_to_b = relay(&a, SocketAddr::from(([127, 0, 0, 1], mgw_port1)), &b, 50);
    let b_to_a = relay(&b, SocketAddr::from(([127, 0, 0, 1], mgw_port2)), &a, 50);
    assert!(a_to_b >= 45, "A→B relayed {a_to_b} of 50");
    assert!(b_to_a >= 45, "B→A relayed {b_to_a} of 50");

    // Delete both, reading the statistics.
    let mut received = Vec::new();
    for c in [&c1, &c2] {
        agent
            .delete_connection(Instant::now(), &c.endpoint, &c.id)
            .unwrap();
        let AgentEvent::ConnectionDeleted { statistics, .. } = until(&mut agent, &sock, t, |e| {
            matches!(e, AgentEvent::ConnectionDeleted { .. })
        }) else {
            unreachable!()
        };
        let p = statistics.expect("DLCX returns connection parameters");
        received.push(p.packets_received().expect("PR"));
    }
    assert!(
        received.iter().all(|r| *r >= 45),
        "packets received {received:?}"
    );
    assert_eq!(agent.connections().count(), 0);

    // An endpoint osmo-mgw does not have.
    agent
        .create_connection(
            Instant::now(),
            &"nosuchendpoint/99@mgw".parse().unwrap(),
            &call,
            ConnectionRequest::new(ConnectionMode::RecvOnly),
        )
        .unwrap();
    let AgentEvent::CommandFailed { reason, .. } = until(&mut agent, &sock, t, |e| {
        matches!(e, AgentEvent::CommandFailed { .. })
    }) else {
        unreachable!()
    };
    assert_eq!(reason.cause, Cause::NotFound, "{reason}");

    // Let the last responses be confirmed, then read the capture.
    std::thread::sleep(Duration::from_millis(300));
    capture.check(14);
    drop(gateway);
    let _ = std::fs::remove_dir_all(&dir);
}
