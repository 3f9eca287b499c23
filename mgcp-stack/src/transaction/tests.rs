//! Flows of the transaction layer, step by step.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::message::*;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn auep() -> Command {
    Command::new(
        Verb::AuditEndpoint,
        TransactionId::FIRST,
        "aaln/1@gw".parse().unwrap(),
    )
}

fn parse(t: &Transmit) -> Message {
    Message::parse(&t.bytes).unwrap()
}

fn drain(layer: &mut TransactionLayer) -> Vec<Transmit> {
    std::iter::from_fn(|| layer.poll_transmit()).collect()
}

struct Pair {
    agent: TransactionLayer,
    gw: TransactionLayer,
    t0: Instant,
}

const AGENT: u16 = 2727;
const GW: u16 = 2427;

impl Pair {
    fn new() -> Self {
        Pair {
            agent: TransactionLayer::new(
                TransactionConfig::default(),
                TransactionId::new(10).unwrap(),
            ),
            gw: TransactionLayer::new(
                TransactionConfig::default(),
                TransactionId::new(900).unwrap(),
            ),
            t0: Instant::now(),
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    /// Agent sends AUEP at `ms`; the gateway receives it; returns the
    /// gateway's view of it.
    fn command_reaches_gw(&mut self, ms: u64) -> (SocketAddr, Command) {
        self.agent
            .send_command(self.at(ms), addr(GW), auep())
            .unwrap();
        for t in drain(&mut self.agent) {
            self.gw.handle_datagram(self.at(ms), addr(AGENT), &t.bytes);
        }
        match self.gw.poll_event() {
            Some(TransactionEvent::Command { from, command }) => (from, command),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn duplicate_after_answer_gets_the_cached_response_not_a_new_execution() {
    let mut p = Pair::new();
    let (from, cmd) = p.command_reaches_gw(0);
    let answer = Response::new(ReturnCode::OK, cmd.transaction_id)
        .with(Parameter::SpecificEndpointId("aaln/1@gw".parse().unwrap()));
    p.gw.respond(p.at(1), from, answer.clone()).unwrap();
    let first = drain(&mut p.gw);
    assert_eq!(first.len(), 1);
    // The answer is lost; the agent retransmits; the gateway answers from
    // its cache and reports nothing new.
    p.agent.handle_timeout(p.at(200));
    for t in drain(&mut p.agent) {
        p.gw.handle_datagram(p.at(200), addr(AGENT), &t.bytes);
    }
    assert_eq!(p.gw.poll_event(), None);
    let again = drain(&mut p.gw);
    assert_eq!(again, first);
    assert_eq!(parse(&again[0]), Message::Response(answer));
    // Answering twice is refused.
    assert!(matches!(
        p.gw.respond(
            p.at(300),
            from,
            Response::new(ReturnCode::OK, cmd.transaction_id)
        ),
        Err(TransactionError::UnknownTransaction { .. })
    ));
}

#[test]
fn duplicate_while_executing_gets_100_and_final_asks_for_000() {
    let mut p = Pair::new();
    let (from, cmd) = p.command_reaches_gw(0);
    // No answer yet; the agent retransmits.
    p.agent.handle_timeout(p.at(200));
    for t in drain(&mut p.agent) {
        p.gw.handle_datagram(p.at(200), addr(AGENT), &t.bytes);
    }
    assert_eq!(p.gw.poll_event(), None);
    let provisional = drain(&mut p.gw);
    assert_eq!(provisional.len(), 1);
    let Message::Response(r) = parse(&provisional[0]) else {
        panic!()
    };
    assert_eq!(r.code, ReturnCode::TRANSACTION_EXECUTING);
    p.agent
        .handle_datagram(p.at(210), addr(GW), &provisional[0].bytes);
    assert!(matches!(
        p.agent.poll_event(),
        Some(TransactionEvent::Provisional { .. })
    ));
    // The agent slows down to one prod every 5 s.
    assert_eq!(p.agent.poll_timeout(), Some(p.at(5210)));

    p.gw.respond(
        p.at(1000),
        from,
        Response::new(ReturnCode::OK, cmd.transaction_id),
    )
    .unwrap();
    let fin = drain(&mut p.gw);
    let Message::Response(f) = parse(&fin[0]) else {
        panic!()
    };
    assert_eq!(f.parameters.response_ack(), Some(&ResponseAck::default()));
    assert!(fin[0].bytes.starts_with(b"200 10 OK\r\nK:\r\n"));
    // The final is lost: the gateway repeats it until acknowledged.
    assert_eq!(p.gw.poll_timeout(), Some(p.at(1200)));
    p.gw.handle_timeout(p.at(1200));
    let repeated = drain(&mut p.gw);
    assert_eq!(repeated, fin);
    p.agent
        .handle_datagram(p.at(1210), addr(GW), &repeated[0].bytes);
    assert!(matches!(
        p.agent.poll_event(),
        Some(TransactionEvent::Response { .. })
    ));
    let ack = drain(&mut p.agent);
    assert_eq!(ack[0].bytes, b"000 10\r\n");
    // The 000 is lost too; the repeated final is acknowledged again.
    p.agent
        .handle_datagram(p.at(1500), addr(GW), &repeated[0].bytes);
    assert_eq!(p.agent.poll_event(), None);
    let ack2 = drain(&mut p.agent);
    assert_eq!(ack2, ack);
    p.gw.handle_datagram(p.at(1510), addr(AGENT), &ack2[0].bytes);
    // Acknowledged: no more repeats; a late duplicate command is ignored.
    p.gw.handle_timeout(p.at(3000));
    assert!(drain(&mut p.gw).is_empty());
    let late = auep();
    let mut late = late;
    late.transaction_id = cmd.transaction_id;
    p.gw.handle_datagram(p.at(3000), addr(AGENT), &late.to_bytes());
    assert!(drain(&mut p.gw).is_empty());
    assert_eq!(p.gw.poll_event(), None);
    // The id is forgotten after T-HIST.
    p.gw.handle_timeout(p.at(40_000));
    assert_eq!(p.gw.incoming_len(), 0);
}

#[test]
fn next_command_confirms_received_responses_with_k() {
    let mut p = Pair::new();
    let mut answered = Vec::new();
    for i in 0..3 {
        let (from, cmd) = p.command_reaches_gw(i * 10);
        p.gw.respond(
            p.at(i * 10 + 1),
            from,
            Response::new(ReturnCode::OK, cmd.transaction_id),
        )
        .unwrap();
        for t in drain(&mut p.gw) {
            p.agent
                .handle_datagram(p.at(i * 10 + 2), addr(GW), &t.bytes);
        }
        answered.push(cmd.transaction_id);
    }
    while p.agent.poll_event().is_some() {}
    assert_eq!(p.gw.incoming_len(), 3);
    // Each command confirmed the response before it (K: 10, then K: 11);
    // the fourth carries K: 12. The gateway forgets those responses,
    // keeping only their ids.
    p.agent.send_command(p.at(100), addr(GW), auep()).unwrap();
    let t = drain(&mut p.agent);
    let Message::Command(c) = parse(&t[0]) else {
        panic!()
    };
    assert_eq!(c.parameters.response_ack().unwrap().to_string(), "12");
    p.gw.handle_datagram(p.at(100), addr(AGENT), &t[0].bytes);
    assert!(matches!(
        p.gw.poll_event(),
        Some(TransactionEvent::Command { .. })
    ));
    // A duplicate of an acknowledged command gets nothing.
    let mut dup = auep();
    dup.transaction_id = answered[1];
    p.gw.handle_datagram(p.at(101), addr(AGENT), &dup.to_bytes());
    assert!(drain(&mut p.gw).is_empty());
    // Confirmations are sent once.
    p.agent.send_command(p.at(102), addr(GW), auep()).unwrap();
    let t = drain(&mut p.agent);
    assert!(!String::from_utf8_lossy(&t[0].bytes).contains("K:"));
}

#[test]
fn confirmations_can_be_turned_off() {
    let config = TransactionConfig {
        confirm_responses: false,
        ..TransactionConfig::default()
    };
    let mut agent = TransactionLayer::new(config, TransactionId::FIRST);
    let now = Instant::now();
    let id = agent.send_command(now, addr(GW), auep()).unwrap();
    drain(&mut agent);
    agent.handle_datagram(now, addr(GW), format!("200 {id} OK\r\n").as_bytes());
    agent.send_command(now, addr(GW), auep()).unwrap();
    let t = drain(&mut agent);
    assert!(!String::from_utf8_lossy(&t[0].bytes).contains("K:"));
}

#[test]
fn give_up_reports_timeout_with_the_command() {
    let mut p = Pair::new();
    p.agent.send_command(p.at(0), addr(GW), auep()).unwrap();
    let mut sends = vec![0u128];
    drain(&mut p.agent);
    while let Some(t) = p.agent.poll_timeout() {
        p.agent.handle_timeout(t);
        for _ in drain(&mut p.agent) {
            sends.push((t - p.t0).as_millis());
        }
    }
    assert_eq!(sends, [0, 200, 600, 1400, 3000, 6200, 10200, 14200]);
    match p.agent.poll_event() {
        Some(TransactionEvent::Timeout { to, command }) => {
            assert_eq!(to, addr(GW));
            assert_eq!(command.verb, Verb::AuditEndpoint);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.agent.outgoing_len(), 0);
}

#[test]
fn malformed_commands_are_answered_with_their_code() {
    let mut p = Pair::new();
    p.gw.handle_datagram(
        p.at(0),
        addr(AGENT),
        b"CRCX 55 aaln/1@gw MGCP 1.0\r\nM: sideways\r\n",
    );
    let t = drain(&mut p.gw);
    let Message::Response(r) = parse(&t[0]) else {
        panic!()
    };
    assert_eq!(
        (r.code, r.transaction_id.get()),
        (ReturnCode::UNSUPPORTED_MODE, 55)
    );
    assert!(matches!(
        p.gw.poll_event(),
        Some(TransactionEvent::Malformed { .. })
    ));
    // Nothing to answer without a transaction id; a broken response is dropped.
    p.gw.handle_datagram(p.at(1), addr(AGENT), b"CRCX x aaln/1@gw MGCP 1.0\r\n");
    p.gw.handle_datagram(p.at(1), addr(AGENT), b"200 x OK\r\n");
    assert!(drain(&mut p.gw).is_empty());
}

#[test]
fn piggy_backed_command_and_response_are_both_handled() {
    let mut p = Pair::new();
    let (from, cmd) = p.command_reaches_gw(0);
    p.gw.respond(
        p.at(1),
        from,
        Response::new(ReturnCode::OK, cmd.transaction_id),
    )
    .unwrap();
    let answer = drain(&mut p.gw).remove(0);
    let mut ntfy = Command::new(
        Verb::Notify,
        TransactionId::new(900).unwrap(),
        "aaln/1@gw".parse().unwrap(),
    );
    ntfy.parameters.push(Parameter::ObservedEvents(
        parse_event_specs("L/hd").unwrap(),
    ));
    let mut datagram = answer.bytes;
    datagram.extend_from_slice(b".\r\n");
    datagram.extend_from_slice(&ntfy.to_bytes());
    p.agent.handle_datagram(p.at(2), addr(GW), &datagram);
    assert!(matches!(
        p.agent.poll_event(),
        Some(TransactionEvent::Response { .. })
    ));
    assert!(matches!(
        p.agent.poll_event(),
        Some(TransactionEvent::Command { command, .. }) if command.verb == Verb::Notify
    ));
}

#[test]
fn full_tables_answer_overload_and_refuse_commands() {
    let config = TransactionConfig {
        max_incoming: 2,
        max_outgoing: 1,
        ..TransactionConfig::default()
    };
    let mut gw = TransactionLayer::new(config.clone(), TransactionId::FIRST);
    let now = Instant::now();
    for id in 1..=3u32 {
        let mut c = auep();
        c.transaction_id = TransactionId::new(id).unwrap();
        gw.handle_datagram(now, addr(AGENT), &c.to_bytes());
    }
    assert_eq!(gw.incoming_len(), 2);
    let t = drain(&mut gw);
    let Message::Response(r) = parse(&t[0]) else {
        panic!()
    };
    assert_eq!(r.code, ReturnCode::OVERLOAD);
    // An answered entry makes room.
    gw.respond(
        now,
        addr(AGENT),
        Response::new(ReturnCode::OK, TransactionId::new(1).unwrap()),
    )
    .unwrap();
    let mut c = auep();
    c.transaction_id = TransactionId::new(4).unwrap();
    gw.handle_datagram(now, addr(AGENT), &c.to_bytes());
    assert_eq!(gw.incoming_len(), 2);

    let mut agent = TransactionLayer::new(config, TransactionId::FIRST);
    agent.send_command(now, addr(GW), auep()).unwrap();
    assert_eq!(
        agent.send_command(now, addr(GW), auep()),
        Err(TransactionError::TooManyOutgoing)
    );
    assert_eq!(
        agent.respond(now, addr(GW), Response::ack(TransactionId::FIRST)),
        Err(TransactionError::AckIsNotAnAnswer)
    );
}

#[test]
fn ids_wrap_and_skip_those_in_flight() {
    let mut agent = TransactionLayer::new(
        TransactionConfig::default(),
        TransactionId::new(MAX_TRANSACTION_ID).unwrap(),
    );
    let now = Instant::now();
    let a = agent.send_command(now, addr(GW), auep()).unwrap();
    let b = agent.send_command(now, addr(GW), auep()).unwrap();
    assert_eq!((a.get(), b.get()), (MAX_TRANSACTION_ID, 1));
    let r = TransactionLayer::with_random_first_id(TransactionConfig::default());
    assert_eq!(r.outgoing_len(), 0);
}

#[test]
fn an_abandoned_command_is_not_retransmitted_and_its_late_response_is_ignored() {
    let mut p = Pair::new();
    let id = p.agent.send_command(p.at(0), addr(GW), auep()).unwrap();
    let first = drain(&mut p.agent);
    assert_eq!(first.len(), 1);
    assert!(p.agent.abandon(id));
    assert!(!p.agent.abandon(id), "abandoned twice");
    // Well past the first retransmission timer: nothing goes out.
    for ms in [250, 600, 1_500, 4_000] {
        p.agent.handle_timeout(p.at(ms));
        assert!(drain(&mut p.agent).is_empty(), "retransmitted at {ms} ms");
    }
    assert_eq!(p.agent.outgoing_len(), 0);
    // The gateway answers the original after all: no event for it.
    p.gw.handle_datagram(p.at(4_000), addr(AGENT), &first[0].bytes);
    let Some(TransactionEvent::Command { from, command }) = p.gw.poll_event() else {
        panic!("the gateway got no command");
    };
    p.gw.respond(
        p.at(4_000),
        from,
        Response::new(ReturnCode::OK, command.transaction_id),
    )
    .unwrap();
    for t in drain(&mut p.gw) {
        p.agent.handle_datagram(p.at(4_001), addr(GW), &t.bytes);
    }
    assert!(p.agent.poll_event().is_none());
}
