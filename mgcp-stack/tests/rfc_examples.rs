//! The example messages of RFC 3435 (§2.3, §3.5.5 and Appendix E, "Example
//! Command Encodings"), parsed, checked field by field, printed and parsed
//! again.

use openphone_mgcp::message::*;

/// Parses, checks that printing and parsing again gives the same message,
/// and that the printed text is stable.
fn round_trip(raw: &str) -> Message {
    let m = Message::parse(raw.as_bytes()).unwrap_or_else(|e| panic!("{e}: {raw}"));
    let printed = m.to_string();
    let again = Message::parse(printed.as_bytes()).unwrap_or_else(|e| panic!("{e}: {printed}"));
    assert_eq!(again, m, "{printed}");
    assert_eq!(again.to_string(), printed);
    m
}

fn command(raw: &str) -> Command {
    match round_trip(raw) {
        Message::Command(c) => c,
        Message::Response(r) => panic!("not a command: {r}"),
    }
}

fn response(raw: &str) -> Response {
    match round_trip(raw) {
        Message::Response(r) => r,
        Message::Command(c) => panic!("not a response: {c}"),
    }
}

const SDP_1: &str = "v=0\r\no=- 25678 753849 IN IP4 128.96.41.1\r\ns=-\r\nc=IN IP4 128.96.41.1\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\n";

#[test]
fn notification_request_ringing() {
    let c = command(
        "RQNT 1201 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         N: ca@ca1.whatever.net:5678\r\n\
         X: 0123456789AC\r\n\
         R: l/hd(N)\r\n\
         S: l/rg\r\n",
    );
    assert_eq!(c.verb, Verb::NotificationRequest);
    assert_eq!(c.transaction_id.get(), 1201);
    let n = c.parameters.notified_entity().unwrap();
    assert_eq!(n.local.as_deref(), Some("ca"));
    assert_eq!(n.domain, Domain::Host("ca1.whatever.net".into()));
    assert_eq!(n.port, Some(5678));
    assert_eq!(c.parameters.request_id().unwrap().as_str(), "0123456789AC");
    let r = c.parameters.requested_events().unwrap();
    assert!(r[0].name.is("L", "hd"));
    assert_eq!(r[0].actions, [Action::Notify]);
    let s = c.parameters.signal_requests().unwrap();
    assert!(s[0].name.is("L", "rg"));
    let ok = response("200 1201 OK\r\n");
    assert_eq!(ok.code, ReturnCode::OK);
    assert_eq!(ok.commentary, "OK");
}

#[test]
fn notification_request_with_digit_map_and_embedded_request() {
    let c = command(
        "RQNT 1202 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         N: ca@ca1.whatever.net:5678\r\n\
         X: 0123456789AC\r\n\
         R: L/hd(A, E(S(L/dl),R(L/oc,L/hu,D/[0-9#*T](D))))\r\n\
         D: (0T|00T|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)\r\n\
         S:\r\n\
         Q: process,loop\r\n",
    );
    let r = &c.parameters.requested_events().unwrap()[0];
    assert_eq!(r.actions[0], Action::Accumulate);
    let Action::Embedded(e) = &r.actions[1] else {
        panic!("{:?}", r.actions)
    };
    assert!(e.signals.as_ref().unwrap()[0].name.is("L", "dl"));
    let inner = e.requested_events.as_ref().unwrap();
    assert_eq!(inner.len(), 3);
    assert_eq!(inner[2].name.event, "[0-9#*T]");
    assert_eq!(inner[2].actions, [Action::DigitMap]);
    let map = c.parameters.digit_map().unwrap();
    assert_eq!(map.len(), 6);
    assert_eq!(
        c.parameters.quarantine_handling().unwrap().0,
        [QuarantineMode::Process, QuarantineMode::Loop]
    );
    assert!(c.parameters.signal_requests().unwrap().is_empty());
    assert!(c.to_string().contains("\r\nS:\r\n"));
}

#[test]
fn notify_with_observed_digits() {
    let c = command(
        "NTFY 2002 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         N: ca@ca1.whatever.net:5678\r\n\
         X: 0123456789AC\r\n\
         O: L/hd,D/9,D/1,D/2,D/0,D/1,D/8,D/2,D/9,D/4,D/2,D/6,D/6\r\n",
    );
    assert_eq!(c.verb, Verb::Notify);
    let o = c.parameters.observed_events().unwrap();
    assert_eq!(o.len(), 13);
    let digits: String = o[1..].iter().map(|e| e.name.event.as_str()).collect();
    assert_eq!(digits, "912018294266");
}

#[test]
fn create_connection_and_its_response() {
    let c = command(
        "CRCX 1204 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         C: A3C47F21456789F0\r\n\
         L: p:10, a:PCMU\r\n\
         M: recvonly\r\n",
    );
    assert_eq!(c.verb, Verb::CreateConnection);
    assert_eq!(c.parameters.call_id().unwrap().as_str(), "A3C47F21456789F0");
    let l = c.parameters.local_connection_options().unwrap();
    assert_eq!(l.packetization(), Some(Range::single(10)));
    assert_eq!(l.codecs().unwrap(), ["PCMU"]);
    assert_eq!(c.parameters.mode(), Some(&ConnectionMode::RecvOnly));
    assert!(c.sdp.is_empty());

    let r = response(&format!("200 1204 OK\r\nI: FDE234C8\r\n\r\n{SDP_1}"));
    assert_eq!(r.parameters.connection_id().unwrap().as_str(), "FDE234C8");
    let sdp = r.sdp().unwrap();
    assert_eq!(sdp.media[0].port, 3456);
    assert_eq!(sdp.media[0].formats, ["0"]);
}

#[test]
fn create_connection_with_remote_descriptor_and_notification_request() {
    let c = command(&format!(
        "CRCX 1205 aaln/1@rgw-2569.whatever.net MGCP 1.0\r\n\
         C: A3C47F21456789F0\r\n\
         L: p:10, a:PCMU\r\n\
         M: sendrecv\r\n\
         X: 0123456789AD\r\n\
         R: L/hd\r\n\
         S: L/rg\r\n\
         \r\n{SDP_1}"
    ));
    assert_eq!(c.parameters.mode(), Some(&ConnectionMode::SendRecv));
    assert!(c.parameters.requested_events().unwrap()[0]
        .actions
        .is_empty());
    assert_eq!(c.sdp.len(), 1);
}

#[test]
fn modify_connection() {
    let c = command(
        "MDCX 1209 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         C: A3C47F21456789F0\r\n\
         I: FDE234C8\r\n\
         N: ca@ca1.whatever.net\r\n\
         M: sendrecv\r\n\
         \r\n\
         v=0\r\n\
         o=- 4723891 7428910 IN IP4 128.96.63.25\r\n\
         s=-\r\n\
         c=IN IP4 128.96.63.25\r\n\
         t=0 0\r\n\
         m=audio 1296 RTP/AVP 0\r\n",
    );
    assert_eq!(c.verb, Verb::ModifyConnection);
    assert_eq!(c.parameters.notified_entity().unwrap().port, None);
    assert_eq!(c.sdp().unwrap().media[0].port, 1296);
}

#[test]
fn delete_connection_from_the_call_agent_and_from_the_gateway() {
    let c = command(
        "DLCX 1210 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         C: A3C47F21456789F0\r\n\
         I: FDE234C8\r\n",
    );
    assert_eq!(c.verb, Verb::DeleteConnection);
    let r = response(
        "250 1210 OK\r\n\
         P: PS=1245, OS=62345, PR=780, OR=45123, PL=10, JI=27, LA=48\r\n",
    );
    assert_eq!(r.code, ReturnCode::CONNECTION_DELETED);
    let p = r.parameters.connection_parameters().unwrap();
    assert_eq!(
        (
            p.packets_sent(),
            p.octets_sent(),
            p.packets_received(),
            p.octets_received()
        ),
        (Some(1245), Some(62345), Some(780), Some(45123))
    );
    assert_eq!(
        (p.packets_lost(), p.jitter_ms(), p.latency_ms()),
        (Some(10), Some(27), Some(48))
    );

    let g = command(
        "DLCX 1210 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         C: A3C47F21456789F0\r\n\
         I: FDE234C8\r\n\
         E: 900 - Hardware error\r\n\
         P: PS=1245, OS=62345, PR=780, OR=45123, PL=10, JI=27, LA=48\r\n",
    );
    let e = g.parameters.reason_code().unwrap();
    assert_eq!((e.code, e.text.as_str()), (900, "- Hardware error"));

    let all = command(
        "DLCX 1210 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         C: A3C47F21456789F0\r\n",
    );
    assert!(all.parameters.connection_id().is_none());
}

#[test]
fn audit_endpoint_and_its_response() {
    let c = command(
        "AUEP 1201 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         F: A, R,D,S,X,N,I,T,O,ES\r\n",
    );
    let f = c.parameters.requested_info().unwrap();
    assert_eq!(f.0, ["A", "R", "D", "S", "X", "N", "I", "T", "O", "ES"]);

    let r = response(
        "200 1201 OK\r\n\
         A: a:PCMU;G728, p:10-100, e:on, s:off, v:L;S, m:sendonly;recvonly;sendrecv;inactive\r\n\
         A: a:G729, p:30-90, e:on, s:on, v:L;S, m:sendonly;recvonly;sendrecv;inactive;confrnce\r\n\
         R: L/hu,L/hf(S,N),D/[0-9#*T](D)\r\n\
         D: (0T|00T|#xxxxxxx|*xx|91xxxxxxxxxx|9011x.T)\r\n\
         S: L/vmwi(+)\r\n\
         X: 0123456789B1\r\n\
         N: [128.96.41.12]\r\n\
         I: 32F345E2, 32F345E3\r\n\
         T: L/hu\r\n\
         O: L/hu,D/1,D/2,D/3\r\n\
         ES: L/hu\r\n",
    );
    let caps: Vec<&Parameter> = r
        .parameters
        .iter()
        .filter(|p| matches!(p, Parameter::Capabilities(_)))
        .collect();
    assert_eq!(caps.len(), 2);
    let Parameter::Capabilities(a) = caps[0] else {
        unreachable!()
    };
    assert_eq!(a.codecs().unwrap(), ["PCMU", "G728"]);
    assert_eq!(a.packetization(), Some("10-100".parse().unwrap()));
    assert_eq!(a.get("v").as_deref(), Some("L;S"));
    assert_eq!(
        r.parameters.signal_requests().unwrap()[0]
            .parameters
            .as_deref(),
        Some("+")
    );
    assert!(r.parameters.connection_id().is_none()); // two of them
    assert!(r
        .parameters
        .iter()
        .any(|p| matches!(p, Parameter::ConnectionId(ids) if ids.len() == 2)));
    let n = r.parameters.notified_entity().unwrap();
    assert_eq!(n.domain, Domain::Ip("128.96.41.12".parse().unwrap()));
}

#[test]
fn wildcard_audit() {
    let c = command("AUEP 1200 *@rgw-2567.whatever.net MGCP 1.0\r\n");
    assert!(c.endpoint.is_all_wildcard());
    let r = response(
        "200 1200 OK\r\n\
         Z: aaln/1@rgw-2567.whatever.net\r\n\
         Z: aaln/2@rgw-2567.whatever.net\r\n",
    );
    let names: Vec<String> = r
        .parameters
        .specific_endpoint_ids()
        .map(|z| z.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "aaln/1@rgw-2567.whatever.net",
            "aaln/2@rgw-2567.whatever.net"
        ]
    );
    assert!(names
        .iter()
        .all(|n| c.endpoint.matches(&n.parse().unwrap())));
}

#[test]
fn audit_connection_and_its_response() {
    let c = command(
        "AUCX 2003 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         I: 32F345E2\r\n\
         F: C,N,L,M,LC,P\r\n",
    );
    assert!(c.parameters.requested_info().unwrap().contains("LC"));
    let r = response(
        "200 2003 OK\r\n\
         C: A3C47F21456789F0\r\n\
         N: ca@ca1.whatever.net\r\n\
         L: p:10, a:PCMU\r\n\
         M: sendrecv\r\n\
         P: PS=395, OS=22850, PR=615, OR=30937, PL=7, JI=26, LA=47\r\n\
         \r\n\
         v=0\r\n\
         o=- 4723891 7428910 IN IP4 128.96.63.25\r\n\
         s=-\r\n\
         c=IN IP4 128.96.63.25\r\n\
         t=0 0\r\n\
         m=audio 1296 RTP/AVP 0\r\n",
    );
    assert_eq!(r.sdp.len(), 1);
    // With both descriptors asked for, the local one comes first and the
    // remote one follows another empty line.
    let both = response(&format!(
        "200 2004 OK\r\nC: A3C47F21456789F0\r\n\r\n{SDP_1}\r\n{}",
        SDP_1.replace("3456", "1296")
    ));
    assert_eq!(both.sdp.len(), 2);
    assert_eq!(both.sdp[1].media[0].port, 1296);
}

#[test]
fn restart_in_progress_and_endpoint_configuration() {
    let c = command(
        "RSIP 1200 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         RM: restart\r\n",
    );
    assert_eq!(c.parameters.restart_method(), Some(&RestartMethod::Restart));
    let g = command(
        "RSIP 5200 aaln/*@rgw-2567.whatever.net MGCP 1.0\r\n\
         RM: graceful\r\n\
         RD: 300\r\n",
    );
    assert_eq!(g.parameters.restart_delay(), Some(&300));
    let e = command(
        "EPCF 2012 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         B: e:mu\r\n",
    );
    assert_eq!(e.verb, Verb::EndpointConfiguration);
    assert_eq!(
        e.parameters.bearer_information().unwrap().encoding(),
        Some("mu")
    );
}

#[test]
fn response_acknowledgement_and_provisional_responses() {
    let c = command(
        "CRCX 1206 aaln/1@rgw-2567.whatever.net MGCP 1.0\r\n\
         K: 6234-6255, 6257, 19030-19044\r\n\
         C: A3C47F21456789F0\r\n\
         M: recvonly\r\n",
    );
    let k = c.parameters.response_ack().unwrap();
    assert_eq!(k.0.len(), 3);
    assert!(k.contains(TransactionId::new(19044).unwrap()));
    let p = response("100 1206 Pending\r\n");
    assert!(p.code.is_provisional());
    let f = response("200 1206 OK\r\nK:\r\nI: FDE234C8\r\n");
    assert!(f.parameters.response_ack().unwrap().0.is_empty());
    let a = response("000 1206\r\n");
    assert!(a.code.is_ack());
    assert_eq!(a.commentary, "");
}

#[test]
fn piggy_backed_messages() {
    let d = format!(
        "200 2005 OK\r\n.\r\n\
         DLCX 1244 card23/21@tgw-2.example.net MGCP 1.0\r\n\
         C: A3C47F21456789F0\r\n\
         I: FDE234C8\r\n\
         .\r\n\
         200 2006 OK\r\nI: 1\r\n\r\n{SDP_1}"
    );
    let msgs: Vec<Message> = parse_datagram(d.as_bytes())
        .unwrap()
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[1].transaction_id().get(), 1244);
    assert_eq!(msgs[2].as_response().unwrap().sdp.len(), 1);
    let printed = print_datagram(&msgs);
    let again: Vec<Message> = parse_datagram(&printed)
        .unwrap()
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(again, msgs);
}

#[test]
fn line_feed_only_and_lower_case_input() {
    let c = command("crcx 7 AALN/1@[127.0.0.1] mgcp 1.0 NCS 1.0\nc: 1a\nm: SendRecv\n\nv=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 8\n");
    assert_eq!(c.verb, Verb::CreateConnection);
    assert_eq!(c.profile.as_deref(), Some("NCS 1.0"));
    assert_eq!(c.parameters.mode(), Some(&ConnectionMode::SendRecv));
    assert_eq!(c.endpoint, "aaln/1@[127.0.0.1]".parse().unwrap());
    assert!(c.to_string().starts_with(
        "CRCX 7 AALN/1@[127.0.0.1] MGCP 1.0 NCS 1.0\r\nC: 1a\r\nM: sendrecv\r\n\r\nv=0\r\n"
    ));
}

/// Responses as osmo-mgw 1.10 sends them (captured with the lab's
/// mgw-smoke.sh): its SDP origin carries the connection id in hex.
#[test]
fn osmo_mgw_responses() {
    let r = response(
        "200 393244 OK\r\n\
         Z: rtpbridge/1@mgw\r\n\
         I: E7A352E2\r\n\
         \r\n\
         v=0\r\n\
         o=- E7A352E2 23 IN IP4 127.0.0.1\r\n\
         s=-\r\n\
         c=IN IP4 127.0.0.1\r\n\
         t=0 0\r\n\
         m=audio 24000 RTP/AVP 8\r\n\
         a=ptime:20\r\n",
    );
    assert_eq!(
        r.parameters.specific_endpoint_id().unwrap().to_string(),
        "rtpbridge/1@mgw"
    );
    let sdp = r.sdp().unwrap();
    assert_eq!(sdp.origin.session_id, 0xE7A352E2);
    assert_eq!(sdp.media[0].port, 24000);
    let d = response("250 393247 OK\r\nP: PS=0, OS=0, PR=50, OR=8600, PL=0, JI=3\r\n");
    let p = d.parameters.connection_parameters().unwrap();
    assert_eq!((p.packets_received(), p.latency_ms()), (Some(50), None));
    assert_eq!(
        response("500 393249 FAIL\r\n").code.cause(),
        openphone_sal::Cause::NotFound
    );
    // Only the origin's numbers are read as hex; any other error stands.
    let bad = "200 1 OK\r\n\r\nv=0\r\no=- XYZ 23 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
    assert!(Message::parse(bad.as_bytes()).is_err());
}
