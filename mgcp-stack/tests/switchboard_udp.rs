//! The switchboard's tokio driver on real UDP sockets, against two
//! scripted lines (the endpoints of `switchboard/mod.rs`, each on a
//! loopback socket of its own with a free port): a call from off-hook to
//! on-hook, then a second call still up when the driver is stopped, whose
//! connections the driver deletes before it returns. The agent's traffic is
//! captured with tshark (required) and its MGCP dissector must find every
//! frame well-formed.

mod capture;
mod switchboard;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use capture::Capture;

use openphone_mgcp::agent::notified_entity_at;
use openphone_mgcp::agent::switchboard::*;
use openphone_mgcp::message::ConnectionMode;
use openphone_mgcp::transaction::TransactionEvent;
use switchboard::Phone;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::UnboundedReceiver;

struct UdpPhone {
    phone: Phone,
    socket: UdpSocket,
}

struct Lab {
    phones: Vec<UdpPhone>,
    events: UnboundedReceiver<SwitchEvent>,
    seen: Vec<String>,
    ca: SocketAddr,
}

impl Lab {
    async fn flush(&mut self) {
        for p in &mut self.phones {
            while let Some(t) = p.phone.layer.poll_transmit() {
                p.socket.send_to(&t.bytes, t.to).await.unwrap();
            }
        }
    }

    fn execute(&mut self, i: usize) {
        let p = &mut self.phones[i].phone;
        while let Some(e) = p.layer.poll_event() {
            if let TransactionEvent::Command { from, command } = e {
                let r = p.execute(&command);
                p.layer.respond(Instant::now(), from, r).unwrap();
            }
        }
    }

    /// One round: send, then wait for a datagram, an event or a timer.
    async fn step(&mut self) {
        self.flush().await;
        let mut a = [0u8; 4096];
        let mut b = [0u8; 4096];
        let timer = self
            .phones
            .iter()
            .filter_map(|p| p.phone.layer.poll_timeout())
            .min()
            .unwrap_or_else(|| Instant::now() + Duration::from_millis(50));
        let (s0, s1) = self.phones.split_at(1);
        tokio::select! {
            r = s0[0].socket.recv_from(&mut a) => {
                let (n, from) = r.unwrap();
                self.phones[0].phone.layer.handle_datagram(Instant::now(), from, &a[..n]);
                self.execute(0);
            }
            r = s1[0].socket.recv_from(&mut b) => {
                let (n, from) = r.unwrap();
                self.phones[1].phone.layer.handle_datagram(Instant::now(), from, &b[..n]);
                self.execute(1);
            }
            Some(e) = self.events.recv() => {
                println!("event: {e}");
                self.seen.push(e.to_string());
            }
            () = tokio::time::sleep_until(timer.into()) => {
                for i in 0..self.phones.len() {
                    self.phones[i].phone.layer.handle_timeout(Instant::now());
                    self.execute(i);
                }
            }
        }
    }

    async fn until(&mut self, what: &str, done: impl Fn(&Lab) -> bool) {
        let end = Instant::now() + Duration::from_secs(10);
        while !done(self) {
            assert!(
                Instant::now() < end,
                "{what}: not within 10 s: {:#?}",
                self.seen
            );
            self.step().await;
        }
    }

    fn saw(&self, line: &str) -> bool {
        self.seen.iter().any(|l| l == line)
    }

    fn hook(&mut self, i: usize, off: bool) {
        let ca = self.ca;
        let p = &mut self.phones[i].phone;
        p.off_hook = off;
        p.signals.clear();
        let event = if off { "hd" } else { "hu" };
        if p.requests("L", event) {
            p.notify_to(Instant::now(), ca, &format!("L/{event}"));
        }
    }

    fn dial(&mut self, i: usize, number: &str) {
        let ca = self.ca;
        let p = &mut self.phones[i].phone;
        assert!(p.digit_map.is_some());
        let digits: Vec<String> = number.chars().map(|c| format!("D/{c}")).collect();
        p.notify_to(Instant::now(), ca, &digits.join(","));
    }

    async fn call(&mut self, n: u64) {
        self.hook(0, true);
        self.until("dial tone", |l| {
            l.phones[0].phone.signal_names() == ["L/dl"]
        })
        .await;
        self.dial(0, "1002");
        self.until("ringing", |l| {
            l.phones[1].phone.signal_names() == ["L/rg", "L/ci"]
                && l.phones[0].phone.signal_names() == ["L/rt"]
        })
        .await;
        self.hook(1, true);
        let connected = format!("call {n}: 1001 and 1002 connected both ways");
        self.until("connected", |l| l.saw(&connected)).await;
        for p in &self.phones {
            let (mode, remote, _) = p.phone.connections.values().next().unwrap();
            assert_eq!(*mode, ConnectionMode::SendRecv);
            assert!(remote.is_some());
        }
    }
}

#[tokio::test]
async fn calls_over_udp_and_a_clean_stop() {
    let ca_socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let ca = ca_socket.local_addr().unwrap();
    let dir = std::env::temp_dir().join(format!("openphone-switchboard-{}", std::process::id()));
    let capture = Capture::start(ca.port(), &dir);
    let mut phones = Vec::new();
    for i in 0..2 {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let phone = Phone::at(i, socket.local_addr().unwrap());
        phones.push(UdpPhone { phone, socket });
    }
    let mut config = SwitchboardConfig::new(phones.iter().map(|p| p.phone.line()).collect());
    config.agent.notified_entity = Some(notified_entity_at(ca));
    let board = Switchboard::new(config).unwrap();
    let (tx, events) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut driver = tokio::spawn(run(board, ca_socket, tx, async {
        let _ = stop_rx.await;
    }));
    let mut lab = Lab {
        phones,
        events,
        seen: Vec::new(),
        ca,
    };
    lab.until("idle", |l| {
        l.saw("1001: idle, waiting for off-hook") && l.saw("1002: idle, waiting for off-hook")
    })
    .await;

    lab.call(1).await;
    lab.hook(0, false);
    lab.until("released", |l| {
        l.saw("1002: busy tone") && l.phones.iter().all(|p| p.phone.connections.is_empty())
    })
    .await;
    assert!(lab.saw("call 1: 1001 to 1002 ended: caller hung up"));
    lab.hook(1, false);
    lab.until("idle again", |l| {
        l.phones[1].phone.requests("L", "hd") && l.phones[0].phone.requests("L", "hd")
    })
    .await;

    // A second call, up when the switchboard stops: it deletes both
    // connections before returning.
    lab.call(2).await;
    stop_tx.send(()).unwrap();
    let board = loop {
        tokio::select! {
            r = &mut driver => break r.unwrap().unwrap(),
            () = lab.step() => {}
        }
    };
    while let Ok(e) = lab.events.try_recv() {
        lab.seen.push(e.to_string());
    }
    assert!(lab.saw("call 2: 1001 to 1002 ended: released by the application"));
    assert!(lab.phones.iter().all(|p| p.phone.connections.is_empty()));
    assert_eq!(board.active_calls(), 0);
    assert!(board.is_quiet(), "{:#?}", lab.seen);
    for p in &lab.phones {
        let mut ids: Vec<u32> = p.phone.executed.iter().map(|e| e.transaction).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
    capture.check(40);
    let _ = std::fs::remove_dir_all(&dir);
}
