//! Two `Phone`s, each one MGCP line (`MgcpStack`, real media engine), and
//! our `CallAgent` library as the switch, all in-process on loopback with
//! free ports: RSIP, off-hook, dial tone, digits by the digit map, CRCX on
//! both sides with SDP exchanged, ringing with caller-ID, answer, MDCX
//! sendrecv, audio both ways (judged), on-hook, DLCX with `P:` statistics.

mod endpoint_common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use endpoint_common::line_phone::{line_phone, RATE};
use endpoint_common::{Seen, Switch, SwitchLine};
use openphone_hal::judge::{judge_tone, Criteria, SentTone};
use openphone_hal::MemoryHandle;
use openphone_sal::{
    Account, CallState, HookState, LineEvent, Phone, PhoneEvent, RegistrationState,
};
use tokio::net::UdpSocket;

/// Runs the switch on a UDP socket until the test ends.
fn spawn_switch(socket: UdpSocket, switch: Arc<Mutex<Switch>>) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65535];
        loop {
            let out: Vec<_> = {
                let mut s = switch.lock().unwrap();
                std::iter::from_fn(|| s.agent.poll_transmit()).collect()
            };
            for t in out {
                let _ = socket.send_to(&t.bytes, t.to).await;
            }
            let next = switch.lock().unwrap().agent.poll_timeout();
            let sleep = next
                .map(tokio::time::Instant::from_std)
                .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_millis(100));
            tokio::select! {
                r = socket.recv_from(&mut buf) => {
                    if let Ok((n, from)) = r {
                        switch.lock().unwrap().handle_datagram(Instant::now(), from, &buf[..n]);
                    }
                }
                _ = tokio::time::sleep_until(sleep) => {
                    switch.lock().unwrap().handle_timeout(Instant::now());
                }
            }
        }
    });
}

struct Line {
    phone: Phone,
    account: Account,
    heard: MemoryHandle,
    /// Every event seen so far.
    log: Vec<PhoneEvent>,
}

async fn line(n: u32, agent: SocketAddr, tone_hz: f32) -> Line {
    let (phone, account, heard) = line_phone(n, agent, tone_hz).await;
    Line {
        phone,
        account,
        heard,
        log: Vec::new(),
    }
}

/// Waits for an event matching `f`, printing and keeping every event.
async fn wait_for(who: &str, line: &mut Line, f: impl Fn(&PhoneEvent) -> bool) -> PhoneEvent {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(20), line.phone.next_event())
            .await
            .unwrap_or_else(|_| panic!("{who}: timed out"))
            .unwrap_or_else(|| panic!("{who}: phone gone"));
        eprintln!("{who}: {ev}");
        line.log.push(ev.clone());
        if f(&ev) {
            return ev;
        }
    }
}

/// The line signals in a log, as text.
fn signals(log: &[PhoneEvent]) -> Vec<String> {
    log.iter()
        .filter_map(|e| match e {
            PhoneEvent::LineSignal { signal, .. } => Some(signal.to_string()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_mgcp_lines_call_each_other_through_the_call_agent() {
    tokio::time::timeout(Duration::from_secs(90), scenario())
        .await
        .expect("the scenario finishes in time");
}

async fn scenario() {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let agent = socket.local_addr().unwrap();
    let names = ["aaln/1@[127.0.0.1]", "aaln/2@[127.0.0.1]"];
    let switch = Arc::new(Mutex::new(Switch::new(vec![
        SwitchLine {
            number: "1001".into(),
            endpoint: names[0].parse().unwrap(),
        },
        SwitchLine {
            number: "1002".into(),
            endpoint: names[1].parse().unwrap(),
        },
    ])));
    spawn_switch(socket, switch.clone());
    let mut a = line(1, agent, 1000.0).await;
    let mut b = line(2, agent, 600.0).await;
    for (who, l) in [("a", &mut a), ("b", &mut b)] {
        wait_for(who, l, |e| {
            matches!(
                e,
                PhoneEvent::Registration {
                    state: RegistrationState::Registered { .. },
                    ..
                }
            )
        })
        .await;
    }
    // The switch has asked both lines for off-hook once it saw the RSIP.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let call = a.phone.call("mgcp:1002").unwrap();
    let incoming = wait_for("b", &mut b, |e| {
        matches!(e, PhoneEvent::IncomingCall { .. })
    })
    .await;
    let PhoneEvent::IncomingCall {
        call: b_call, from, ..
    } = incoming
    else {
        unreachable!()
    };
    assert_eq!(from.uri(), "mgcp:1001");
    b.phone.call_handle(b_call).answer().unwrap();
    wait_for("b", &mut b, |e| {
        matches!(
            e,
            PhoneEvent::CallState {
                state: CallState::Active,
                ..
            }
        )
    })
    .await;
    wait_for("a", &mut a, |e| {
        matches!(
            e,
            PhoneEvent::CallState {
                state: CallState::Active,
                ..
            }
        )
    })
    .await;

    // The caller heard dial tone, then ringback; the callee's bell rang
    // with the caller-ID and stopped when it answered.
    let a_signals = signals(&a.log);
    assert_eq!(
        a_signals.first().map(String::as_str),
        Some("play dial tone"),
        "{a_signals:?}"
    );
    assert!(
        a_signals.iter().any(|s| s == "play ringback tone"),
        "{a_signals:?}"
    );
    let b_signals = signals(&b.log);
    assert!(
        b_signals
            .first()
            .is_some_and(|s| s.starts_with("ring (") && s.contains("caller-ID 1001")),
        "{b_signals:?}"
    );
    assert!(
        b_signals.iter().any(|s| s == "stop ringing"),
        "{b_signals:?}"
    );

    // Talk for three seconds, then keep what each side heard.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let a_heard = a.heard.samples();
    let b_heard = b.heard.samples();
    let a_stats = call.stats().unwrap();
    let b_stats = b.phone.call_handle(b_call).stats().unwrap();
    eprintln!("a: {a_stats:?}\nb: {b_stats:?}");
    assert!(a_stats.packets_sent > 50 && a_stats.packets_received > 50);
    assert!(b_stats.packets_sent > 50 && b_stats.packets_received > 50);

    call.hangup().unwrap();
    wait_for("a", &mut a, |e| matches!(e, PhoneEvent::CallEnded { .. })).await;
    wait_for("b", &mut b, |e| matches!(e, PhoneEvent::CallEnded { .. })).await;
    b.account
        .line_event(LineEvent::Hook(HookState::OnHook))
        .unwrap();

    // The switch's view: the whole script, and P: on both DLCX.
    let deadline = Instant::now() + Duration::from_secs(10);
    let seen = loop {
        let seen = switch.lock().unwrap().seen.clone();
        let deleted = seen
            .iter()
            .filter(|s| matches!(s, Seen::Deleted(..)))
            .count();
        let on_hook = seen.iter().filter(|s| matches!(s, Seen::OnHook(_))).count();
        if deleted == 2 && on_hook == 2 {
            break seen;
        }
        assert!(Instant::now() < deadline, "switch saw {seen:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!("switch saw {seen:?}");
    assert!(
        !seen.iter().any(|s| matches!(s, Seen::Failed(_))),
        "{seen:?}"
    );
    for s in [
        Seen::Restart(0),
        Seen::Restart(1),
        Seen::OffHook(0),
        Seen::Digits(0, "1002".into()),
        Seen::Created(0),
        Seen::Created(1),
        Seen::OffHook(1),
        Seen::Modified(0),
        Seen::Modified(1),
        Seen::OnHook(0),
        Seen::OnHook(1),
    ] {
        assert_eq!(
            seen.iter().filter(|x| **x == s).count(),
            1,
            "{s:?} in {seen:?}"
        );
    }
    for s in &seen {
        if let Seen::Deleted(line, stats) = s {
            let p = stats.as_ref().expect("P: on DLCX");
            eprintln!("line {line}: P: {p}");
            assert!(p.packets_sent().unwrap_or(0) > 50, "line {line}: {p}");
            assert!(p.packets_received().unwrap_or(0) > 50, "line {line}: {p}");
        }
    }

    // Each side heard the other's tone.
    for (who, heard, hz) in [("a", &a_heard, 600.0), ("b", &b_heard, 1000.0)] {
        let verdict = judge_tone(
            heard,
            RATE,
            &SentTone {
                freq_hz: hz,
                level_dbfs: -6.02,
            },
            &Criteria::default(),
        );
        eprintln!("{who} heard: {verdict}");
        assert!(verdict.passed(), "{who}: {verdict}");
    }
    a.phone.shutdown(Duration::from_secs(2)).await;
    b.phone.shutdown(Duration::from_secs(2)).await;
}
