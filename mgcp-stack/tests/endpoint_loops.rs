//! MGCP loop modes end to end: a `Phone` with one MGCP line (`MgcpStack`,
//! real media engine) and a hand-driven call agent on UDP. `netwloop` must
//! return our RTP tone to us (judged) while the line hears nothing;
//! `loopback` must stop that and play the line's own capture to the line;
//! DLCX returns the statistics.

mod endpoint_common;

use std::net::SocketAddr;
use std::time::Duration;

use endpoint_common::line_phone::{line_phone, RATE};
use openphone_hal::judge::{judge_tone, Criteria, SentTone};
use openphone_hal::{MemoryHandle, ToneSource};
use openphone_media::codec::g711::{decode_ulaw, encode_ulaw};
use openphone_sal::Phone;
use tokio::net::UdpSocket;

const EP: &str = "aaln/1@[127.0.0.1]";

async fn phone(agent: SocketAddr) -> (Phone, MemoryHandle) {
    let (phone, _line, heard) = line_phone(1, agent, 600.0).await;
    (phone, heard)
}

/// The call agent's side: answers the endpoint's commands with 200 and
/// sends ours, returning the response text.
struct Agent {
    socket: UdpSocket,
    endpoint: Option<SocketAddr>,
    tid: u32,
}

impl Agent {
    /// Waits for a datagram; answers a command, returns a response.
    async fn next(&mut self) -> Option<String> {
        let mut buf = vec![0u8; 4096];
        let (n, from) =
            tokio::time::timeout(Duration::from_secs(10), self.socket.recv_from(&mut buf))
                .await
                .expect("the endpoint talks")
                .unwrap();
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        let mut words = text.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.chars().all(|c| c.is_ascii_digit()) {
            return Some(text);
        }
        self.endpoint = Some(from);
        let tid = words.next().unwrap_or("0");
        let ok = format!("200 {tid} OK\r\n");
        self.socket.send_to(ok.as_bytes(), from).await.unwrap();
        None
    }

    async fn command(&mut self, verb: &str, params: &str) -> String {
        self.tid += 1;
        let text = format!("{verb} {} {EP} MGCP 1.0\r\n{params}", self.tid);
        let to = self.endpoint.expect("the endpoint restarted");
        self.socket.send_to(text.as_bytes(), to).await.unwrap();
        loop {
            if let Some(r) = self.next().await {
                if r.split_whitespace().nth(1) == Some(&self.tid.to_string()) {
                    return r;
                }
            }
        }
    }
}

fn rtp_port(sdp: &str) -> u16 {
    let m = sdp
        .lines()
        .find(|l| l.starts_with("m=audio "))
        .expect("m=audio");
    m.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Sends `packets` × 20 ms of a 1000 Hz PCMU tone to `to`, collecting
/// the decoded audio of every RTP packet that comes back.
async fn exchange(rtp: &UdpSocket, to: SocketAddr, seq0: u16, packets: u16) -> Vec<i16> {
    let mut tone = ToneSource::new(RATE, 1000.0, 0.5);
    let mut pcm = [0i16; 160];
    let mut back = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut buf = [0u8; 2048];
    for k in 0..packets {
        tick.tick().await;
        openphone_hal::AudioSource::read(&mut tone, &mut pcm).unwrap();
        let seq = seq0.wrapping_add(k);
        let mut pkt = vec![0x80, 0];
        pkt.extend_from_slice(&seq.to_be_bytes());
        pkt.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
        pkt.extend_from_slice(&0x1234_5678u32.to_be_bytes());
        let mut payload = [0u8; 160];
        encode_ulaw(&pcm, &mut payload);
        pkt.extend_from_slice(&payload);
        rtp.send_to(&pkt, to).await.unwrap();
        while let Ok((n, _)) = rtp.try_recv_from(&mut buf) {
            if n > 12 && buf[1] & 0x7f == 0 {
                let mut out = vec![0i16; n - 12];
                decode_ulaw(&buf[12..n], &mut out);
                back.extend_from_slice(&out);
            }
        }
    }
    back
}

fn tone(freq: f64) -> SentTone {
    SentTone {
        freq_hz: freq,
        level_dbfs: -6.02,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netwloop_returns_our_rtp_and_loopback_loops_the_line() {
    tokio::time::timeout(Duration::from_secs(60), scenario())
        .await
        .expect("the scenario finishes in time");
}

async fn scenario() {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut agent = Agent {
        socket,
        endpoint: None,
        tid: 100,
    };
    let (_phone, heard) = phone(agent.socket.local_addr().unwrap()).await;
    // The RSIP.
    while agent.endpoint.is_none() {
        agent.next().await;
    }
    let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = rtp.local_addr().unwrap().port();
    let sdp = format!(
        "\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\n"
    );
    let r = agent
        .command("CRCX", &format!("C: 7\r\nM: netwloop\r\n{sdp}"))
        .await;
    assert!(r.starts_with("200 "), "{r}");
    let id = r
        .lines()
        .find_map(|l| l.strip_prefix("I: "))
        .expect("a connection id")
        .trim()
        .to_string();
    let ours: SocketAddr = format!("127.0.0.1:{}", rtp_port(&r)).parse().unwrap();

    // Network loop: 2 s of our tone comes back.
    let back = exchange(&rtp, ours, 1, 100).await;
    let criteria = Criteria {
        settle_ms: 400.0,
        tail_ms: 60.0,
        ..Criteria::default()
    };
    let v = judge_tone(&back, RATE, &tone(1000.0), &criteria);
    assert!(v.passed(), "our tone returned by netwloop: {v}");
    let during_netwloop = heard.samples();
    assert!(during_netwloop.len() > 8000, "{}", during_netwloop.len());
    assert!(
        during_netwloop.iter().all(|s| *s == 0),
        "the line hears nothing in a network loop"
    );

    // Circuit loop: nothing comes back any more; the line hears itself.
    let r = agent
        .command("MDCX", &format!("C: 7\r\nI: {id}\r\nM: loopback\r\n"))
        .await;
    assert!(r.starts_with("200 "), "{r}");
    let mark = heard.len();
    // Let packets in flight arrive, then count.
    let _ = exchange(&rtp, ours, 101, 10).await;
    let after = exchange(&rtp, ours, 111, 75).await;
    assert!(
        after.is_empty(),
        "{} samples returned in loopback",
        after.len()
    );
    let looped = heard.samples().split_off(mark);
    let v = judge_tone(
        &looped,
        RATE,
        &tone(600.0),
        &Criteria {
            settle_ms: 200.0,
            tail_ms: 0.0,
            ..Criteria::default()
        },
    );
    assert!(v.passed(), "the line hears its own 600 Hz: {v}");

    let d = agent.command("DLCX", &format!("C: 7\r\nI: {id}\r\n")).await;
    assert!(d.starts_with("250 "), "{d}");
    let p = d
        .lines()
        .find(|l| l.starts_with("P: "))
        .expect("P: on DLCX");
    assert!(p.contains("PS="), "{p}");
}
