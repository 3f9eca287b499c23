//! STUN interop with a real server: coturn (`turnserver --stun-only`) on
//! 127.0.0.1:27478. The sans-IO [`BindingClient`] over a UDP socket learns
//! the socket's address (on loopback the mapping is the socket itself), and
//! a [`SipStack`] configured with the server starts with it. Fails (never
//! skips) when coturn is missing (`scripts/install-deps.sh` installs it).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use openphone_sip::stun::{BindingClient, BindingOutcome, TransactionId};
use tokio::net::UdpSocket;

const STUN: &str = "127.0.0.1:27478";

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn coturn() -> Proc {
    let bin = ["/usr/bin/turnserver", "/usr/sbin/turnserver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("coturn (turnserver) is not installed: run scripts/install-deps.sh");
    let child = Command::new(bin)
        .args([
            "--stun-only",
            "--listening-ip=127.0.0.1",
            "--listening-port=27478",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--log-file=stdout",
            "--simple-log",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("turnserver starts");
    std::thread::sleep(Duration::from_millis(700));
    Proc(child)
}

#[tokio::test]
async fn binding_against_coturn_maps_the_socket() {
    let _server = coturn();
    let server: SocketAddr = STUN.parse().unwrap();
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut client = BindingClient::new(TransactionId::random(), Instant::now());
    let mut buf = [0u8; 1500];
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let now = Instant::now();
            if let Some(req) = client.poll_transmit(now) {
                sock.send_to(&req, server).await.unwrap();
            }
            client.handle_timeout(now);
            if let Some(o) = client.outcome() {
                return o.clone();
            }
            let until = client.poll_timeout().unwrap_or(now);
            if let Ok(Ok((n, _))) = tokio::time::timeout_at(
                tokio::time::Instant::from_std(until),
                sock.recv_from(&mut buf),
            )
            .await
            {
                client.handle_response(&buf[..n]);
            }
        }
    })
    .await
    .expect("coturn answered");
    assert_eq!(outcome, BindingOutcome::Mapped(sock.local_addr().unwrap()));
}
