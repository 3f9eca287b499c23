//! The call agent against a scripted gateway.

use std::net::SocketAddr;
use std::time::Instant;

use openphone_sal::{Cause, DigitMap, RawCause};

use super::*;
use crate::message::*;

const GW: &str = "127.0.0.1:2427";

fn gw() -> SocketAddr {
    GW.parse().unwrap()
}

fn agent() -> CallAgent {
    let mut a = CallAgent::with_first_transaction_id(
        CallAgentConfig {
            notified_entity: Some(notified_entity_at("127.0.0.1:2727".parse().unwrap())),
            ..CallAgentConfig::default()
        },
        TransactionId::new(100).unwrap(),
    );
    a.add_gateway(Domain::Host("mgw".into()), gw());
    a
}

fn ep(s: &str) -> EndpointName {
    s.parse().unwrap()
}

/// The command the agent sent.
fn sent(a: &mut CallAgent) -> Command {
    let t = a.poll_transmit().expect("a command");
    assert_eq!(t.to, gw());
    match Message::parse(&t.bytes).unwrap() {
        Message::Command(c) => c,
        Message::Response(r) => panic!("{r}"),
    }
}

fn reply(a: &mut CallAgent, now: Instant, text: String) {
    a.handle_datagram(now, gw(), text.as_bytes());
}

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 24000 RTP/AVP 8\r\n";

#[test]
fn create_modify_delete_with_statistics() {
    let mut a = agent();
    let now = Instant::now();
    let call = a.new_call_id();
    let remote =
        openphone_sdp::SessionDescription::parse(SDP.replace("24000", "4000").as_bytes()).unwrap();
    let tid = a
        .create_connection(
            now,
            &ep("rtpbridge/*@mgw"),
            &call,
            ConnectionRequest::new(ConnectionMode::RecvOnly)
                .with_local_options("p:20, a:PCMA".parse().unwrap())
                .with_remote_sdp(remote.clone()),
        )
        .unwrap();
    let c = sent(&mut a);
    assert_eq!(c.verb, Verb::CreateConnection);
    assert_eq!(c.parameters.call_id(), Some(&call));
    assert_eq!(c.parameters.mode(), Some(&ConnectionMode::RecvOnly));
    assert_eq!(c.sdp(), Some(&remote));
    reply(
        &mut a,
        now,
        format!("200 {tid} OK\r\nZ: rtpbridge/3@mgw\r\nI: 1A2B\r\n\r\n{SDP}"),
    );
    let Some(AgentEvent::ConnectionCreated {
        transaction,
        connection,
    }) = a.poll_event()
    else {
        panic!()
    };
    assert_eq!(transaction, tid);
    assert_eq!(connection.endpoint, ep("rtpbridge/3@mgw"));
    assert_eq!(connection.local_sdp.as_ref().unwrap().media[0].port, 24000);
    let id = connection.id.clone();

    let tid = a
        .modify_connection(
            now,
            &ep("rtpbridge/3@mgw"),
            &id,
            ConnectionRequest::new(ConnectionMode::SendRecv),
        )
        .unwrap();
    let c = sent(&mut a);
    assert_eq!(c.parameters.connection_id(), Some(&id));
    // The response to CRCX is confirmed in the next command.
    assert!(c.parameters.response_ack().is_some());
    reply(&mut a, now, format!("200 {tid} OK\r\n"));
    let Some(AgentEvent::ConnectionModified { connection, .. }) = a.poll_event() else {
        panic!()
    };
    assert_eq!(connection.mode, ConnectionMode::SendRecv);
    assert_eq!(
        a.connections().next().unwrap().mode,
        ConnectionMode::SendRecv
    );

    let tid = a
        .delete_connection(now, &ep("rtpbridge/3@mgw"), &id)
        .unwrap();
    let c = sent(&mut a);
    assert_eq!(c.verb, Verb::DeleteConnection);
    reply(
        &mut a,
        now,
        format!("250 {tid} OK\r\nP: PS=10, OS=1720, PR=50, OR=8600, PL=0, JI=3\r\n"),
    );
    let Some(AgentEvent::ConnectionDeleted {
        statistics,
        connection,
        ..
    }) = a.poll_event()
    else {
        panic!()
    };
    assert_eq!(connection, Some(id.clone()));
    assert_eq!(statistics.unwrap().packets_received(), Some(50));
    assert_eq!(a.connections().count(), 0);
    assert!(matches!(
        a.delete_connection(now, &ep("rtpbridge/3@mgw"), &id),
        Err(AgentError::UnknownConnection { .. })
    ));
}

#[test]
fn notification_request_and_notify_with_digits() {
    let mut a = agent();
    let now = Instant::now();
    let line = ep("aaln/1@mgw");
    let map = DigitMap::parse("(1xxx|*xx)").unwrap();
    let (tid, x) = a
        .request_notification(
            now,
            &line,
            NotificationRequest::new(parse_requested_events("L/hu(N),D/[0-9#*T](D)").unwrap())
                .with_signals(parse_event_specs("L/dl").unwrap())
                .with_digit_map(map.clone()),
        )
        .unwrap();
    let c = sent(&mut a);
    assert_eq!(c.parameters.request_id(), Some(&x));
    assert_eq!(c.parameters.digit_map(), Some(&map));
    assert_eq!(c.parameters.notified_entity().unwrap().port, Some(2727));
    assert_eq!(a.digit_map(&line), Some(&map));
    reply(&mut a, now, format!("200 {tid} OK\r\n"));
    assert!(matches!(
        a.poll_event(),
        Some(AgentEvent::NotificationRequested { request_id, .. }) if request_id == x
    ));

    reply(
        &mut a,
        now,
        format!("NTFY 77 aaln/1@mgw MGCP 1.0\r\nX: {x}\r\nO: D/1,D/2,D/3,D/4\r\n"),
    );
    let answer = a.poll_transmit().unwrap();
    assert_eq!(answer.bytes, b"200 77 OK\r\n");
    let Some(AgentEvent::Notify {
        request_id,
        observed,
        ..
    }) = a.poll_event()
    else {
        panic!()
    };
    assert_eq!(request_id, Some(x));
    let digits = observed_digits(&observed);
    assert_eq!(digits, "1234");
    assert_eq!(map.check(&digits), openphone_sal::DigitMatch::Complete);
}

#[test]
fn failures_carry_the_code_or_the_timeout() {
    let mut a = agent();
    let now = Instant::now();
    let call = a.new_call_id();
    let tid = a
        .create_connection(
            now,
            &ep("nosuch/9@mgw"),
            &call,
            ConnectionRequest::new(ConnectionMode::RecvOnly),
        )
        .unwrap();
    sent(&mut a);
    reply(&mut a, now, format!("500 {tid} FAIL\r\n"));
    let Some(AgentEvent::CommandFailed {
        reason, response, ..
    }) = a.poll_event()
    else {
        panic!()
    };
    assert_eq!(reason.cause, Cause::NotFound);
    assert_eq!(reason.raw, Some(RawCause::Mgcp(500)));
    assert_eq!(response.unwrap().commentary, "FAIL");

    a.audit_endpoint(now, &ep("aaln/1@mgw"), RequestedInfo::default())
        .unwrap();
    while let Some(t) = a.poll_timeout() {
        a.handle_timeout(t);
    }
    let Some(AgentEvent::CommandFailed {
        reason,
        response: None,
        command,
        ..
    }) = a.poll_event()
    else {
        panic!()
    };
    assert_eq!(reason.cause, Cause::Timeout);
    assert_eq!(command.verb, Verb::AuditEndpoint);
    assert!(a.poll_timeout().is_none());
}

#[test]
fn gateway_commands_restart_and_delete() {
    let mut a = agent();
    let now = Instant::now();
    let other: SocketAddr = "127.0.0.1:2499".parse().unwrap();
    a.handle_datagram(
        now,
        other,
        b"RSIP 5 aaln/*@gw2 MGCP 1.0\r\nRM: restart\r\nRD: 0\r\n",
    );
    assert_eq!(a.poll_transmit().unwrap().bytes, b"200 5 OK\r\n");
    let Some(AgentEvent::Restart {
        method,
        delay,
        from,
        ..
    }) = a.poll_event()
    else {
        panic!()
    };
    assert_eq!(
        (method, delay, from),
        (RestartMethod::Restart, Some(0), other)
    );
    // Commands to that gateway now go where the RSIP came from.
    a.audit_endpoint(now, &ep("aaln/2@gw2"), RequestedInfo::default())
        .unwrap();
    assert_eq!(a.poll_transmit().unwrap().to, other);

    // A connection the gateway then deletes on its own.
    let call = a.new_call_id();
    let tid = a
        .create_connection(
            now,
            &ep("aaln/2@gw2"),
            &call,
            ConnectionRequest::new(ConnectionMode::SendRecv),
        )
        .unwrap();
    let _ = a.poll_transmit();
    a.handle_datagram(now, other, format!("200 {tid} OK\r\nI: 99\r\n").as_bytes());
    assert!(matches!(
        a.poll_event(),
        Some(AgentEvent::ConnectionCreated { .. })
    ));
    a.handle_datagram(
        now,
        other,
        format!("DLCX 6 aaln/2@gw2 MGCP 1.0\r\nC: {call}\r\nI: 99\r\nE: 902 loss of lower layer connectivity\r\nP: PS=1\r\n").as_bytes(),
    );
    assert_eq!(a.poll_transmit().unwrap().bytes, b"200 6 OK\r\n");
    let Some(AgentEvent::ConnectionDeleted {
        transaction: None,
        reason,
        statistics,
        ..
    }) = a.poll_event()
    else {
        panic!()
    };
    assert_eq!(reason.unwrap().code, 902);
    assert_eq!(statistics.unwrap().packets_sent(), Some(1));
    assert_eq!(a.connections().count(), 0);

    // Commands a call agent does not take.
    a.handle_datagram(
        now,
        other,
        b"CRCX 7 aaln/2@gw2 MGCP 1.0\r\nC: 1\r\nM: sendrecv\r\n",
    );
    assert!(a.poll_transmit().unwrap().bytes.starts_with(b"504 7 "));
}

#[test]
fn refusals_before_sending() {
    let mut a = agent();
    let now = Instant::now();
    let call = a.new_call_id();
    assert!(matches!(
        a.create_connection(
            now,
            &ep("aaln/1@unknown.example"),
            &call,
            ConnectionRequest::new(ConnectionMode::SendRecv)
        ),
        Err(AgentError::UnknownGateway(_))
    ));
    assert_eq!(
        a.create_connection(now, &ep("aaln/1@mgw"), &call, ConnectionRequest::default()),
        Err(AgentError::MissingMode)
    );
    // An IP domain needs no configuration: port 2427.
    a.audit_endpoint(now, &ep("aaln/1@[127.0.0.9]"), RequestedInfo::default())
        .unwrap();
    assert_eq!(
        a.poll_transmit().unwrap().to,
        "127.0.0.9:2427".parse().unwrap()
    );
}
