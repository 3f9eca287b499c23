//! Malformed messages: each gets the return code RFC 3435 §2.4 gives for
//! it, or none when there is no transaction to answer.

use openphone_mgcp::message::*;

fn code(raw: &[u8]) -> Option<u16> {
    let err = Message::parse(raw).expect_err("must not parse");
    err.error_response_code().map(ReturnCode::get)
}

fn with_param(line: &str) -> Option<u16> {
    code(format!("CRCX 77 aaln/1@gw MGCP 1.0\r\n{line}\r\n").as_bytes())
}

#[test]
fn command_line_errors() {
    assert_eq!(code(b"CREATE 77 aaln/1@gw MGCP 1.0\r\n"), Some(504));
    assert_eq!(code(b"CR 77 aaln/1@gw MGCP 1.0\r\n"), Some(504));
    assert_eq!(code(b"CRCX 77 aaln/1 MGCP 1.0\r\n"), Some(500));
    assert_eq!(code(b"CRCX 77 aaln//1@gw MGCP 1.0\r\n"), Some(500));
    assert_eq!(code(b"CRCX 77 aaln/1@[300.0.0.1] MGCP 1.0\r\n"), Some(500));
    assert_eq!(code(b"CRCX 77 aaln/1@gw MGCP 2.0\r\n"), Some(528));
    assert_eq!(code(b"CRCX 77 aaln/1@gw SIP 1.0\r\n"), Some(510));
    assert_eq!(code(b"CRCX 77 aaln/1@gw\r\n"), Some(510));
    assert_eq!(code(b"CRCX 77\r\n"), Some(510));
    // No transaction id: nothing to answer.
    assert_eq!(code(b"CRCX aaln/1@gw MGCP 1.0\r\n"), None);
    assert_eq!(code(b"CRCX 1234567890 aaln/1@gw MGCP 1.0\r\n"), None);
    assert_eq!(code(b""), None);
    assert_eq!(code(b"\r\n\r\n"), None);
}

#[test]
fn parameter_errors() {
    assert_eq!(with_param("C: not-hex"), Some(516));
    assert_eq!(
        with_param("C: 0123456789ABCDEF0123456789ABCDEF0"),
        Some(516)
    );
    assert_eq!(with_param("I: 12G"), Some(515));
    assert_eq!(with_param("I2: "), Some(515));
    assert_eq!(with_param("M: sideways"), Some(517));
    assert_eq!(with_param("L: e:maybe"), Some(541));
    assert_eq!(with_param("L: p:20-10"), Some(541));
    assert_eq!(with_param("Q: sometimes"), Some(508));
    assert_eq!(with_param("RM: reboot"), Some(536));
    assert_eq!(with_param("R: L/hd(Z)"), Some(523));
    assert_eq!(with_param("R: L/h d"), Some(522));
    assert_eq!(with_param("S: L/ci(\"unterminated)"), Some(538));
    assert_eq!(with_param("T: L/hd(1)(2)"), Some(538));
    assert_eq!(with_param("D: (12|[5-2])"), Some(539));
    assert_eq!(with_param("D: 1xxS"), Some(537));
    assert_eq!(with_param("RD: soon"), Some(539));
    assert_eq!(with_param("X: zz"), Some(539));
    assert_eq!(with_param("N: ca@"), Some(539));
    assert_eq!(with_param("K: 5-3"), Some(539));
    assert_eq!(with_param("Z: nobody"), Some(500));
    assert_eq!(with_param("E: 9000"), Some(539));
    assert_eq!(with_param("P: PS"), Some(539));
    assert_eq!(with_param("no colon here"), Some(510));
    assert_eq!(with_param("C D: 1"), Some(510));
    assert_eq!(with_param("C: 1\r\nC: 2"), Some(510));
    assert_eq!(with_param("C: 1\x01"), Some(510));
}

#[test]
fn extensions_are_kept_and_critical_ones_are_flagged() {
    let m = Message::parse(b"CRCX 77 aaln/1@gw MGCP 1.0\r\nX-Osmo-CP: C: 1\r\nX+Acme: on\r\nXY: new\r\nX-Osmo-CP: again\r\n")
        .unwrap();
    let c = m.as_command().unwrap();
    assert_eq!(c.parameters.other("x-osmo-cp"), Some("C: 1"));
    assert_eq!(c.parameters.other("XY"), Some("new"));
    assert_eq!(c.parameters.critical_extension(), Some("X+Acme"));
    assert_eq!(Message::parse(m.to_string().as_bytes()).unwrap(), m);
}

#[test]
fn session_description_errors() {
    let bad_line = b"CRCX 77 aaln/1@gw MGCP 1.0\r\nC: 1\r\n\r\nv=0\r\nthis is not sdp\r\n";
    assert_eq!(code(bad_line), Some(509));
    let unknown = b"CRCX 77 aaln/1@gw MGCP 1.0\r\nC: 1\r\n\r\nv=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\ny=what\r\n";
    assert_eq!(code(unknown), Some(505));
    let sdp = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n";
    let three = format!("CRCX 77 aaln/1@gw MGCP 1.0\r\n\r\n{sdp}\r\n{sdp}\r\n{sdp}");
    assert_eq!(code(three.as_bytes()), Some(510));
}

#[test]
fn broken_responses_are_not_answered() {
    for raw in [
        &b"200 abc OK\r\n"[..],
        b"200\r\n",
        b"200 12 OK\r\nI: xyz!\r\n",
        b"200 12 OK\r\nC: 1\r\nC: 2\r\n",
    ] {
        let err = Message::parse(raw).unwrap_err();
        assert!(!err.is_command());
        assert_eq!(err.error_response_code(), None, "{err}");
    }
    let e = Message::parse(b"200 12 OK\r\nI: xyz!\r\n").unwrap_err();
    assert_eq!(e.transaction_id().map(TransactionId::get), Some(12));
}

#[test]
fn limits() {
    let many: String = (0..=MAX_PARAMETERS)
        .map(|i| format!("X-{i}: v\r\n"))
        .collect();
    assert_eq!(
        code(format!("AUEP 1 aaln/1@gw MGCP 1.0\r\n{many}").as_bytes()),
        Some(510)
    );
    let long = format!(
        "AUEP 1 aaln/1@gw MGCP 1.0\r\nX-a: {}\r\n",
        "v".repeat(MAX_LINE_LEN)
    );
    assert_eq!(code(long.as_bytes()), Some(510));
    let big = vec![b'a'; MAX_DATAGRAM_BYTES + 1];
    assert!(parse_datagram(&big).is_err());
    let parts = ["000 1\r\n"; MAX_MESSAGES_PER_DATAGRAM + 1].join(".\r\n");
    assert!(parse_datagram(parts.as_bytes()).is_err());
    let ok = ["000 1\r\n"; MAX_MESSAGES_PER_DATAGRAM].join(".\r\n");
    assert_eq!(
        parse_datagram(ok.as_bytes()).unwrap().len(),
        MAX_MESSAGES_PER_DATAGRAM
    );
    let nested = format!("R: L/hd(E(R({}L/hu{})))", "E(R(".repeat(6), ")))".repeat(6));
    assert_eq!(with_param(&nested), Some(538));
}

#[test]
fn one_bad_piggy_backed_message_does_not_hide_the_others() {
    let d = b"200 1 OK\r\n.\r\nCRCX 2 aaln/1@gw MGCP 1.0\r\nM: x\r\n.\r\nRSIP 3 aaln/1@gw MGCP 1.0\r\nRM: restart\r\n.\r\n";
    let r = parse_datagram(d).unwrap();
    assert_eq!(r.len(), 3);
    assert!(r[0].is_ok() && r[2].is_ok());
    assert_eq!(
        r[1].as_ref().unwrap_err().error_response_code(),
        Some(ReturnCode::UNSUPPORTED_MODE)
    );
}
