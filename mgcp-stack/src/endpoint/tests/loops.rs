//! Loop connection modes (RFC 3435 §3.2.2.6): `loopback`/`conttest` loop
//! the circuit, `netwloop`/`netwtest` the network, through the media
//! port's `set_loop`.

use std::sync::atomic::Ordering::Relaxed;

use openphone_sal::line::{HookState, LineEvent};
use openphone_sal::{MediaDirection, MediaLoop, NegotiatedMedia};

use super::{EP, H, OFFER};
use crate::message::ReturnCode;

fn last_applied(h: &H) -> NegotiatedMedia {
    h.media
        .applied
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("media applied")
}

fn loops(h: &H) -> Vec<MediaLoop> {
    h.media.loops.lock().unwrap().clone()
}

#[test]
fn circuit_loop_runs_without_a_peer_and_ends_with_the_mode() {
    let mut h = H::new();
    for mode in ["loopback", "conttest"] {
        let r = h.cmd("CRCX", EP, &format!("C: 5\r\nM: {mode}\r\n"));
        assert_eq!(r.code, ReturnCode::OK, "{r}");
        // No remote description: the media runs on our codecs, receiving
        // nothing and sending nothing, with the circuit looped.
        let applied = last_applied(&h);
        let audio = applied.audio().unwrap();
        assert_eq!(audio.direction, MediaDirection::Inactive);
        assert!(audio.send.is_none());
        let recv = audio.recv.as_ref().unwrap();
        assert!(recv.codecs.iter().any(|(pt, _)| *pt == 0), "{recv:?}");
        assert_eq!(loops(&h).last(), Some(&MediaLoop::Circuit));
        let id = r.parameters.connection_id().unwrap().clone();
        // Back to a normal mode with a peer: the loop is cleared.
        let m = h.cmd(
            "MDCX",
            EP,
            &format!("C: 5\r\nI: {id}\r\nM: sendrecv\r\n{OFFER}"),
        );
        assert_eq!(m.code, ReturnCode::OK, "{m}");
        assert_eq!(loops(&h).last(), Some(&MediaLoop::None));
        assert!(last_applied(&h).audio().unwrap().send.is_some());
        assert_eq!(h.cmd("DLCX", EP, "").code, ReturnCode::CONNECTION_DELETED);
    }
    assert_eq!(
        loops(&h),
        vec![
            MediaLoop::Circuit,
            MediaLoop::None,
            MediaLoop::Circuit,
            MediaLoop::None
        ]
    );
}

#[test]
fn leaving_a_circuit_loop_without_a_peer_stops_the_loop() {
    let mut h = H::new();
    let r = h.cmd("CRCX", EP, "C: 5\r\nM: loopback\r\n");
    assert_eq!(r.code, ReturnCode::OK, "{r}");
    let id = r.parameters.connection_id().unwrap().clone();
    let m = h.cmd("MDCX", EP, &format!("C: 5\r\nI: {id}\r\nM: inactive\r\n"));
    assert_eq!(m.code, ReturnCode::OK, "{m}");
    assert_eq!(loops(&h), vec![MediaLoop::Circuit, MediaLoop::None]);
    assert_eq!(
        last_applied(&h).audio().unwrap().direction,
        MediaDirection::Inactive
    );
}

#[test]
fn network_loop_answers_the_network_even_on_hook() {
    let mut h = H::new();
    for mode in ["netwloop", "netwtest"] {
        let r = h.cmd("CRCX", EP, &format!("C: 6\r\nM: {mode}\r\n{OFFER}"));
        assert_eq!(r.code, ReturnCode::OK, "{r}");
        let applied = last_applied(&h);
        let audio = applied.audio().unwrap();
        // On-hook, yet sending: the loop is not the handset.
        assert_eq!(audio.direction, MediaDirection::SendRecv);
        assert_eq!(audio.send.as_ref().unwrap().remote_rtp.port(), 5000);
        assert_eq!(loops(&h).last(), Some(&MediaLoop::Network));
        assert_eq!(h.cmd("DLCX", EP, "").code, ReturnCode::CONNECTION_DELETED);
    }
    // A normal sendrecv connection on-hook still sends nothing.
    let r = h.cmd("CRCX", EP, &format!("C: 7\r\nM: sendrecv\r\n{OFFER}"));
    assert_eq!(r.code, ReturnCode::OK, "{r}");
    assert_eq!(
        last_applied(&h).audio().unwrap().direction,
        MediaDirection::RecvOnly
    );
    h.line(LineEvent::Hook(HookState::OffHook));
    assert_eq!(
        last_applied(&h).audio().unwrap().direction,
        MediaDirection::SendRecv
    );
}

#[test]
fn a_media_port_without_loops_gets_517_and_nothing_is_left() {
    let mut h = H::new();
    h.media.no_loops.store(true, Relaxed);
    let r = h.cmd("CRCX", EP, "C: 5\r\nM: loopback\r\n");
    assert_eq!(r.code, ReturnCode::UNSUPPORTED_MODE, "{r}");
    assert!(r.to_string().contains("loop"), "{r}");
    assert!(h.media.applied.lock().unwrap().is_empty());
    assert!(h.media.reserved.lock().unwrap().is_empty(), "released");
    // The line is free for a normal connection.
    let r = h.cmd("CRCX", EP, &format!("C: 5\r\nM: recvonly\r\n{OFFER}"));
    assert_eq!(r.code, ReturnCode::OK, "{r}");
    let id = r.parameters.connection_id().unwrap().clone();
    // An MDCX into a loop is refused and the connection keeps its mode.
    let m = h.cmd("MDCX", EP, &format!("C: 5\r\nI: {id}\r\nM: netwloop\r\n"));
    assert_eq!(m.code, ReturnCode::UNSUPPORTED_MODE, "{m}");
    let a = h.cmd("AUCX", EP, &format!("I: {id}\r\nF: M\r\n"));
    assert!(a.to_string().contains("M: recvonly"), "{a}");
}
