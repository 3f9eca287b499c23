//! RFC 5626 §4.4 keep-alive over UDP: a stack with `keepalive_interval`
//! registers with a registrar (a scripted UDP peer answering 200 OK), then
//! sends STUN Binding requests on that flow from its SIP socket, and
//! retransmits an unanswered one (RFC 5389 §7.2.1).

use std::time::Duration;

use openphone_sal::{
    AccountConfig, AccountId, Address, Stack, StackCommand, StackEventSink, StackIo,
};
use openphone_sip::stun::{is_stun, Message};
use openphone_sip::{SipConfig, SipStack};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

#[path = "common/media_port.rs"]
mod media_port;
use media_port::RecordingMedia;

/// The 200 OK for a REGISTER: its Via, From, To (with a tag), Call-ID, CSeq, Contact.
fn ok_for(req: &str) -> String {
    let mut out = String::from("SIP/2.0 200 OK\r\n");
    for line in req.split("\r\n") {
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        match name.as_str() {
            "via" | "from" | "call-id" | "cseq" => out.push_str(&format!("{line}\r\n")),
            "to" => out.push_str(&format!("{line};tag=reg1\r\n")),
            "contact" => out.push_str(&format!("{line};expires=300\r\n")),
            _ => {}
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrar_flow_gets_stun_keepalives() {
    let registrar = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let reg_addr = registrar.local_addr().unwrap();
    let cfg = SipConfig::builder()
        .udp_bind("127.0.0.1:0".parse().unwrap())
        .user_agent("keepalive-test")
        .keepalive_interval(Duration::from_secs(1))
        .build();
    let stack = SipStack::new(cfg);
    let addrs = stack.local_addrs();
    let (cmd, commands) = mpsc::channel(8);
    let (tx, _ev) = mpsc::unbounded_channel();
    let io = StackIo::new(
        commands,
        StackEventSink::new(0, tx),
        RecordingMedia::new(22200),
    );
    Box::new(stack).start(io).await.unwrap();
    let sip_addr = addrs.udp().unwrap();
    let config = AccountConfig::new(Address::new(format!("sip:alice@{reg_addr}")).unwrap())
        .with_registrar(format!("sip:{reg_addr}"));
    cmd.send(StackCommand::AddAccount {
        account: AccountId::next(),
        config,
    })
    .await
    .unwrap();

    let mut buf = [0u8; 4096];
    let mut stun_seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while stun_seen.len() < 2 {
        let (n, from) = tokio::time::timeout_at(deadline, registrar.recv_from(&mut buf))
            .await
            .expect("two STUN keep-alives within 6 s")
            .unwrap();
        assert_eq!(from, sip_addr, "keep-alives leave from the SIP socket");
        let data = &buf[..n];
        if is_stun(data) {
            let m = Message::decode(data).expect("a valid STUN message");
            assert!(m.is_binding_request());
            stun_seen.push(m.transaction);
        } else if data.starts_with(b"REGISTER ") {
            let req = String::from_utf8_lossy(data).into_owned();
            registrar
                .send_to(ok_for(&req).as_bytes(), from)
                .await
                .unwrap();
        }
    }
    // Unanswered: the second is a retransmission of the first (same ID).
    assert_eq!(stun_seen[0], stun_seen[1]);
}
