//! The switchboard against scripted residential-gateway lines on a
//! simulated network (see `switchboard/mod.rs`): a full call from
//! off-hook to on-hook, on a clean network and on one that loses,
//! duplicates and reorders datagrams (every command executed exactly
//! once); unknown and busy numbers, the caller hanging up while the other
//! line rings, no answer, dial timeout, refusals and dead lines.

mod switchboard;

use std::time::Duration;

use openphone_mgcp::agent::switchboard::*;
use openphone_mgcp::message::ConnectionMode;
use switchboard::{DigitForm, Sim};

const SECOND: Duration = Duration::from_secs(1);

/// 1001 calls 1002, 1002 answers; returns once both talk.
fn call_and_answer(s: &mut Sim, form: DigitForm) {
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| {
        s.phones[0].signal_names() == ["L/dl"] && s.saw("1001: dial tone")
    });
    assert_eq!(
        s.phones[0].digit_map.as_ref().unwrap().to_string(),
        "(1xxx|[02-9]x.T)"
    );
    s.dial(0, "1002", form);
    s.run_until(30 * SECOND, |s| {
        s.saw("1002: ringing") && s.saw("1001: ringback")
    });
    assert!(s.saw("1001: dialled 1002"));
    assert!(s.saw("call 1: 1002 rings, 1001 hears ringback"));
    assert_eq!(s.phones[0].signal_names(), ["L/rt"]);
    let ring = &s.phones[1].signals;
    assert_eq!(ring[0].name.to_string(), "L/rg");
    assert_eq!(ring[1].name.to_string(), "L/ci");
    assert!(
        ring[1]
            .parameters
            .as_deref()
            .unwrap()
            .ends_with(",1001,\"1001\""),
        "{:?}",
        ring[1]
    );
    // The caller's connection is receive-only, the callee's sendrecv
    // towards it.
    let (m1, _, call1) = s.phones[0].connections.values().next().unwrap().clone();
    let (m2, remote2, call2) = s.phones[1].connections.values().next().unwrap().clone();
    assert_eq!(m1, ConnectionMode::RecvOnly);
    assert_eq!(m2, ConnectionMode::SendRecv);
    assert_eq!(call1, call2);
    assert_eq!(remote2, Some(s.phones[0].rtp_port_base + 2));

    s.off_hook(1);
    s.run_until(30 * SECOND, |s| {
        s.saw("call 1: 1001 and 1002 connected both ways")
            && s.saw("1001: silence")
            && s.saw("1002: silence")
    });
    assert!(s.saw("call 1: 1002 answered 1001"));
    let (m1, remote1, _) = s.phones[0].connections.values().next().unwrap().clone();
    assert_eq!(m1, ConnectionMode::SendRecv);
    assert_eq!(remote1, Some(s.phones[1].rtp_port_base + 2));
    assert!(s.phones[0].signals.is_empty() && s.phones[1].signals.is_empty());
}

fn full_call(seed: u64, loss: f64, duplicate: f64) -> Sim {
    let mut s = Sim::new(2, seed, loss, duplicate);
    s.start();
    call_and_answer(&mut s, DigitForm::PerDigit);
    // The called line hangs up: both connections go, with statistics; the
    // caller hears busy tone until it hangs up too.
    s.on_hook(1);
    s.run_until(60 * SECOND, |s| {
        s.saw("1001: busy tone") && s.saw("1002: idle, waiting for off-hook") && s.board.is_quiet()
    });
    assert!(s.saw("call 1: 1001 to 1002 ended: called line hung up"));
    let deleted: Vec<_> = s
        .events
        .iter()
        .filter_map(|e| match e {
            SwitchEvent::ConnectionDeleted {
                call: Some(1),
                statistics,
                ..
            } => Some(statistics.clone().unwrap().packets_received()),
            _ => None,
        })
        .collect();
    assert_eq!(deleted, [Some(49), Some(49)]);
    assert!(s.phones.iter().all(|p| p.connections.is_empty()));
    assert_eq!(s.phones[0].signal_names(), ["L/bz"]);
    s.on_hook(0);
    s.run_until(60 * SECOND, |s| {
        s.events
            .iter()
            .filter(|e| e.to_string() == "1001: idle, waiting for off-hook")
            .count()
            == 2
            && s.board.is_quiet()
    });
    assert_eq!(s.board.active_calls(), 0);
    assert_eq!(s.board.agent().connections().count(), 0);
    s.assert_executed_once();
    s
}

const CALLER_LOG: [&str; 9] = [
    "RQNT R:L/hd(N) S:",
    "RQNT R:L/hu(N),D/[0-9#*T](D) S:L/dl",
    "CRCX M:recvonly",
    "RQNT R:L/hu(N) S:L/rt",
    "MDCX C1 M:sendrecv remote:21002",
    "RQNT R:L/hu(N) S:",
    "DLCX C1",
    "RQNT R:L/hu(N) S:L/bz",
    "RQNT R:L/hd(N) S:",
];

const CALLEE_LOG: [&str; 6] = [
    "RQNT R:L/hd(N) S:",
    "CRCX M:sendrecv remote:20002",
    "RQNT R:L/hd(N) S:L/rg,L/ci",
    "RQNT R:L/hu(N) S:",
    "DLCX C1",
    "RQNT R:L/hd(N) S:",
];

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn want(l: &[&str]) -> Vec<String> {
    sorted(l.iter().map(ToString::to_string).collect())
}

#[test]
fn full_call_on_a_clean_network() {
    let s = full_call(1, 0.0, 0.0);
    // In order, but for the deletion and the tone request sent together.
    assert_eq!(s.phones[0].log()[..6], CALLER_LOG[..6]);
    assert_eq!(sorted(s.phones[0].log()), want(&CALLER_LOG));
    assert_eq!(s.phones[1].log()[..4], CALLEE_LOG[..4]);
    assert_eq!(sorted(s.phones[1].log()), want(&CALLEE_LOG));
    let expected = [
        "1001: off-hook",
        "1001: dial tone",
        "1001: dialled 1002",
        "call 1: 1001 calls 1002, creating connections",
        "call 1: 1002 rings, 1001 hears ringback",
    ];
    let lines = s.event_lines();
    assert_eq!(
        sorted(lines[..2].to_vec()),
        want(&[
            "1001: idle, waiting for off-hook",
            "1002: idle, waiting for off-hook"
        ])
    );
    assert_eq!(lines[2..2 + expected.len()], expected, "{lines:#?}");
}

#[test]
fn full_call_with_loss_and_duplicates_executes_every_command_once() {
    for seed in 0..12 {
        let s = full_call(seed, 0.2, 0.3);
        // Commands sent together may arrive in either order.
        assert_eq!(sorted(s.phones[0].log()), want(&CALLER_LOG), "seed {seed}");
        assert_eq!(sorted(s.phones[1].log()), want(&CALLEE_LOG), "seed {seed}");
    }
}

#[test]
fn digits_in_every_form() {
    for form in [DigitForm::Whole, DigitForm::Bare] {
        let mut s = Sim::new(2, 3, 0.0, 0.0);
        s.start();
        call_and_answer(&mut s, form);
        s.on_hook(0);
        s.run_until(30 * SECOND, |s| s.saw("1002: busy tone"));
        assert!(s.saw("call 1: 1001 to 1002 ended: caller hung up"));
    }
}

#[test]
fn unknown_number_gets_reorder() {
    let mut s = Sim::new(2, 4, 0.0, 0.0);
    s.start();
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| s.saw("1001: dial tone"));
    s.dial(0, "1999", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| s.saw("1001: reorder tone"));
    assert!(s.saw("1001: call to 1999 refused: unknown number"));
    assert_eq!(s.phones[0].signal_names(), ["L/ro"]);
    // A number outside the plan, ended by the inter-digit timer.
    s.on_hook(0);
    s.run_until(30 * SECOND, |s| {
        s.board.is_quiet() && s.phones[0].requested.len() == 1
    });
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| s.phones[0].signal_names() == ["L/dl"]);
    s.dial(0, "55T", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| {
        s.saw("1001: call to 55 refused: unknown number")
    });
    assert!(s
        .phones
        .iter()
        .all(|p| !p.log().iter().any(|l| l.starts_with("CRCX"))));
    s.assert_executed_once();
}

#[test]
fn busy_line_and_own_number_get_busy_tone() {
    let mut s = Sim::new(3, 5, 0.0, 0.0);
    s.start();
    s.off_hook(1); // 1002 is off-hook (dialling)
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| {
        s.saw("1001: dial tone") && s.saw("1002: dial tone")
    });
    s.dial(0, "1002", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| s.saw("1001: busy tone"));
    assert!(s.saw("1001: call to 1002 refused: line busy"));
    s.dial(1, "1002", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| s.saw("1002: busy tone"));
    assert!(s.saw("1002: call to 1002 refused: own number"));
    // A line in a call is busy too.
    s.on_hook(1);
    s.on_hook(0);
    s.run_until(30 * SECOND, |s| s.board.is_quiet() && !s.phones[1].off_hook);
    s.run_for(SECOND);
    call_and_answer(&mut s, DigitForm::PerDigit);
    s.off_hook(2);
    s.run_until(30 * SECOND, |s| s.saw("1003: dial tone"));
    s.dial(2, "1001", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| {
        s.saw("1003: call to 1001 refused: line busy")
    });
    assert_eq!(s.phones[2].signal_names(), ["L/bz"]);
    assert!(s.phones[2].connections.is_empty());
    s.assert_executed_once();
}

#[test]
fn caller_hangs_up_while_the_other_line_rings() {
    let mut s = Sim::new(2, 6, 0.0, 0.0);
    s.start();
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| s.saw("1001: dial tone"));
    s.dial(0, "1002", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| s.saw("1002: ringing"));
    s.on_hook(0);
    s.run_until(30 * SECOND, |s| {
        s.board.is_quiet() && s.phones[1].signals.is_empty()
    });
    assert!(s.saw("call 1: 1001 to 1002 ended: caller hung up"));
    // Ringing stopped: the called line waits for off-hook again.
    let tail = |i: usize| sorted(s.phones[i].log()[s.phones[i].log().len() - 2..].to_vec());
    assert_eq!(tail(1), want(&["DLCX C1", "RQNT R:L/hd(N) S:"]));
    assert_eq!(tail(0), want(&["DLCX C1", "RQNT R:L/hd(N) S:"]));
    assert!(s.phones.iter().all(|p| p.connections.is_empty()));
    assert_eq!(s.board.active_calls(), 0);
    s.assert_executed_once();
}

#[test]
fn no_answer_ends_the_call_within_the_ring_timeout() {
    let mut s = Sim::with(2, 7, 0.0, 0.0, |c| c.ring_timeout = 10 * SECOND);
    s.start();
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| s.saw("1001: dial tone"));
    s.dial(0, "1002", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| s.saw("1002: ringing"));
    let rang = s.now;
    s.run_until(30 * SECOND, |s| {
        s.saw("call 1: 1001 to 1002 ended: no answer")
    });
    let after = s.now - rang;
    assert!(after >= 9 * SECOND && after <= 11 * SECOND, "{after:?}");
    s.run_until(30 * SECOND, |s| {
        s.board.is_quiet() && s.saw("1001: reorder tone")
    });
    assert_eq!(s.phones[0].signal_names(), ["L/ro"]);
    assert!(s.phones[1].signals.is_empty());
    assert!(s.phones.iter().all(|p| p.connections.is_empty()));
    s.assert_executed_once();
}

#[test]
fn nothing_dialled_gets_reorder_after_the_dial_timeout() {
    let mut s = Sim::with(1, 8, 0.0, 0.0, |c| c.dial_timeout = 5 * SECOND);
    s.start();
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| s.saw("1001: dial tone"));
    s.run_until(6 * SECOND, |s| s.saw("1001: reorder tone"));
    assert!(s.saw("1001: nothing dialled in time"));
}

#[test]
fn off_hook_at_start_is_taken_from_the_401_answer() {
    let mut s = Sim::new(1, 9, 0.0, 0.0);
    s.phones[0].off_hook = true;
    s.board.start(s.now);
    s.run_until(30 * SECOND, |s| s.saw("1001: dial tone"));
    assert_eq!(
        s.phones[0].log(),
        [
            "RQNT R:L/hd(N) S: -> 401",
            "RQNT R:L/hu(N),D/[0-9#*T](D) S:L/dl"
        ]
    );
}

#[test]
fn a_dead_line_is_out_of_service_and_refused() {
    let mut s = Sim::new(2, 10, 0.0, 0.0);
    s.phones[1].dead = true;
    s.board.start(s.now);
    s.run_until(60 * SECOND, |s| {
        s.saw("1001: idle, waiting for off-hook")
            && s.events.iter().any(
                |e| matches!(e, SwitchEvent::LineOutOfService { number, .. } if number == "1002"),
            )
    });
    // Given up within the retransmission bound (§3.5.3), reported as such.
    assert!(
        s.event_lines()
            .iter()
            .any(|l| l.starts_with("1002: NotificationRequest failed")
                || l.starts_with("1002: RQNT failed")),
        "{:#?}",
        s.event_lines()
    );
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| s.saw("1001: dial tone"));
    s.dial(0, "1002", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| s.saw("1001: reorder tone"));
    assert!(s.saw("1001: call to 1002 refused: line out of service"));
}

#[test]
fn a_refused_connection_fails_the_call_and_cleans_up() {
    let mut s = Sim::new(2, 11, 0.0, 0.0);
    s.phones[1].refuse_create = Some(502);
    s.start();
    s.off_hook(0);
    s.run_until(30 * SECOND, |s| s.saw("1001: dial tone"));
    s.dial(0, "1002", DigitForm::PerDigit);
    s.run_until(30 * SECOND, |s| {
        s.saw("1001: reorder tone") && s.board.is_quiet()
    });
    let ended = s
        .event_lines()
        .into_iter()
        .find(|l| l.starts_with("call 1: 1001 to 1002 ended: failed"))
        .expect("the call failed");
    assert!(ended.contains("502"), "{ended}");
    assert!(
        s.phones[0].connections.is_empty(),
        "the caller's connection was deleted"
    );
    assert!(s.phones[0].log().contains(&"DLCX C1".to_string()));
    assert_eq!(s.phones[1].log().last().unwrap(), "RQNT R:L/hd(N) S:");
}

#[test]
fn a_restarting_line_ends_its_call() {
    let mut s = Sim::new(2, 12, 0.0, 0.0);
    s.start();
    call_and_answer(&mut s, DigitForm::PerDigit);
    // 1002's gateway restarts: its connections are gone.
    s.phones[1].connections.clear();
    s.phones[1].off_hook = false;
    let rsip = "RSIP 77 aaln/2@[127.0.0.1] MGCP 1.0\r\nRM: restart\r\n";
    let from = s.phones[1].addr;
    let now = s.now;
    s.board.handle_datagram(now, from, rsip.as_bytes());
    s.run_until(30 * SECOND, |s| {
        s.board.is_quiet() && s.saw("1001: reorder tone")
    });
    assert!(s.saw("1002: restarted (restart)"));
    assert!(s.saw("call 1: 1001 to 1002 ended: line 1002 restarted"));
    assert!(s.phones[0].connections.is_empty());
    assert_eq!(s.phones[1].log().last().unwrap(), "RQNT R:L/hd(N) S:");
    // Only the caller's connection was deleted; the restarted line's was
    // already gone.
    assert!(!s.phones[1].log().iter().any(|l| l.starts_with("DLCX")));
}

#[test]
fn digits_reported_with_the_off_hook_are_dialled() {
    let mut s = Sim::new(2, 13, 0.0, 0.0);
    s.start();
    let now = s.now;
    s.phones[0].off_hook = true;
    s.phones[0].notify_to(now, switchboard::ca(), "L/hd,D/1,D/0,D/0,D/2");
    s.run_until(30 * SECOND, |s| {
        s.saw("1002: ringing") && s.saw("1001: ringback")
    });
    assert!(s.saw("1001: dialled 1002"));
}

#[test]
fn two_calls_at_once_on_a_lossy_network() {
    for seed in 20..26 {
        let mut s = Sim::new(4, seed, 0.15, 0.2);
        s.start();
        s.off_hook(0);
        s.off_hook(2);
        s.run_until(30 * SECOND, |s| {
            s.phones[0].signal_names() == ["L/dl"] && s.phones[2].signal_names() == ["L/dl"]
        });
        s.dial(0, "1002", DigitForm::PerDigit);
        s.dial(2, "1004", DigitForm::Whole);
        s.run_until(60 * SECOND, |s| {
            s.phones[1].signal_names() == ["L/rg", "L/ci"]
                && s.phones[3].signal_names() == ["L/rg", "L/ci"]
        });
        s.off_hook(1);
        s.off_hook(3);
        s.run_until(60 * SECOND, |s| {
            s.events
                .iter()
                .filter(|e| matches!(e, SwitchEvent::Connected { .. }))
                .count()
                == 2
        });
        assert_eq!(s.board.active_calls(), 2);
        // Each call joined its own two lines.
        for (a, b) in [(0, 1), (2, 3)] {
            let ca = s.phones[a].connections.values().next().unwrap().clone();
            let cb = s.phones[b].connections.values().next().unwrap().clone();
            assert_eq!(ca.2, cb.2, "one call id");
            assert_eq!(ca.1, Some(s.phones[b].rtp_port_base + 2));
            assert_eq!(cb.1, Some(s.phones[a].rtp_port_base + 2));
        }
        // Everyone hangs up at once.
        for i in 0..4 {
            s.on_hook(i);
        }
        s.run_until(60 * SECOND, |s| {
            s.board.is_quiet()
                && s.board.active_calls() == 0
                && s.phones.iter().all(|p| p.connections.is_empty())
        });
        s.assert_executed_once();
    }
}

#[test]
fn hang_up_while_ringing_on_a_lossy_network() {
    for seed in 30..38 {
        let mut s = Sim::new(2, seed, 0.2, 0.3);
        s.start();
        s.off_hook(0);
        s.run_until(30 * SECOND, |s| s.phones[0].signal_names() == ["L/dl"]);
        s.dial(0, "1002", DigitForm::PerDigit);
        s.run_until(60 * SECOND, |s| {
            s.phones[1].signal_names() == ["L/rg", "L/ci"]
        });
        s.on_hook(0);
        s.run_until(60 * SECOND, |s| {
            s.board.is_quiet()
                && s.phones[1].signals.is_empty()
                && s.phones.iter().all(|p| p.connections.is_empty())
        });
        assert!(s.saw("call 1: 1001 to 1002 ended: caller hung up"));
        for p in &s.phones {
            let dlcx = p.log().iter().filter(|l| l.starts_with("DLCX")).count();
            assert_eq!(dlcx, 1, "{}: {:?}", p.number, p.log());
            assert!(p.requests("L", "hd"), "{} waits for off-hook", p.number);
        }
        s.assert_executed_once();
    }
}

#[test]
fn a_malformed_notification_is_reported_and_answered() {
    let mut s = Sim::new(1, 14, 0.0, 0.0);
    s.start();
    let from = s.phones[0].addr;
    let now = s.now;
    s.board.handle_datagram(
        now,
        from,
        b"NTFY 55 aaln/1@[127.0.0.1] MGCP 1.0\r\nX: 1\r\nO: L/hd(\r\n",
    );
    let answer = s.board.poll_transmit().expect("an error response");
    assert!(
        answer.bytes.starts_with(b"5"),
        "{:?}",
        String::from_utf8_lossy(&answer.bytes)
    );
    s.run_for(SECOND);
    assert!(
        s.event_lines()
            .iter()
            .any(|l| l.starts_with(&format!("malformed message from {from}"))),
        "{:#?}",
        s.event_lines()
    );
}
