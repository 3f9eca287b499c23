//! RFC 4475 torture tests against the message parser.
//!
//! Corpus: `/work/shared/corpora/rfc4475` (the 49 `.dat` files of RFC 4475
//! Appendix A with an INDEX.tsv). The test fails if the corpus is missing.
//!
//! Choices where RFC 4475 allows a liberal reading (all rejected with 400,
//! the strict reading): lwsstart, trws (extra SP in the request line),
//! ltgtruri (`<>` around the Request-URI), lwsruri, escruri (headers in the
//! Request-URI), baddate (`EST` zone), regbadct (addr-spec with `?`),
//! badaspec (spaces inside `<>`), baddn (unquoted display name with `,`).
//! mismatch02 is rejected with 400 (CSeq method mismatch; the RFC accepts
//! 400 there). The §3.3 "application" traps (multi01, mcl01, insuf) parse,
//! and `Request::validate` reports them for a 400.

use std::path::PathBuf;

use openphone_sip::message::*;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/rfc4475")
}

struct Case {
    file: String,
    class: String,
    expected: String,
    data: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let dir = corpus_dir();
    let index = std::fs::read_to_string(dir.join("INDEX.tsv"))
        .unwrap_or_else(|e| panic!("RFC 4475 corpus missing at {}: {e}", dir.display()));
    let mut out = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 5, "bad INDEX line {line:?}");
        let data = std::fs::read(dir.join("messages").join(cols[0])).expect("message file");
        out.push(Case {
            file: cols[0].to_string(),
            class: cols[3].to_string(),
            expected: cols[4].to_string(),
            data,
        });
    }
    assert_eq!(out.len(), 49, "RFC 4475 has 49 messages");
    out
}

fn load(name: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join("messages").join(name)).expect("message file")
}

fn req(name: &str) -> Request {
    SipMessage::parse_datagram(&load(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .into_request()
        .unwrap_or_else(|| panic!("{name}: not a request"))
}

fn err(name: &str) -> ParseError {
    match SipMessage::parse_datagram(&load(name)) {
        Ok(m) => panic!("{name} parsed but must be rejected: {m:?}"),
        Err(e) => e,
    }
}

#[test]
fn every_case_has_the_expected_outcome() {
    let mut parsed = 0;
    let mut rejected = 0;
    for c in cases() {
        let res = SipMessage::parse_datagram(&c.data);
        match c.expected.as_str() {
            "parse" => {
                assert!(
                    matches!(
                        c.class.as_str(),
                        "valid" | "transaction" | "application" | "backward-compat"
                    ),
                    "{}: unexpected class {}",
                    c.file,
                    c.class
                );
                if let Err(e) = &res {
                    panic!("{} ({}) must parse: {e}", c.file, c.class);
                }
                parsed += 1;
            }
            "reject" => {
                let e = match res {
                    Ok(_) => panic!("{} must be rejected", c.file),
                    Err(e) => e,
                };
                let want = if c.file == "badvers.dat" { 505 } else { 400 };
                assert_eq!(e.response_code(), want, "{}: {e}", c.file);
                rejected += 1;
            }
            other => panic!("unknown expectation {other}"),
        }
    }
    assert_eq!((parsed, rejected), (30, 19));
}

/// parse → print → parse yields the same message for every valid case.
#[test]
fn valid_messages_round_trip() {
    for c in cases().into_iter().filter(|c| c.expected == "parse") {
        let m1 = SipMessage::parse_datagram(&c.data).unwrap();
        let printed = m1.to_bytes();
        let m2 = SipMessage::parse_datagram(&printed).unwrap_or_else(|e| {
            panic!(
                "{}: reprint does not parse: {e}\n{}",
                c.file,
                String::from_utf8_lossy(&printed)
            )
        });
        // The printer emits exactly one Content-Length, computed from the
        // body (mcl01 had two, some had none): compare without it.
        let strip = |m: &SipMessage| {
            let mut m = m.clone();
            m.headers_mut().remove_all("Content-Length");
            m
        };
        assert_eq!(strip(&m1), strip(&m2), "{}", c.file);
        assert_eq!(m2.headers().count("Content-Length"), 1);
        assert_eq!(
            m2.headers().content_length().map(|n| *n as usize),
            Some(m2.body().len())
        );
        if m1.headers().count("Content-Length") == 1 {
            assert_eq!(m1, m2, "{}", c.file);
        }
        // Printing is a fixed point after one round.
        assert_eq!(printed, m2.to_bytes(), "{}", c.file);
        // The stream framer frames the reprint identically.
        let (m3, used) = parse_stream(&printed).unwrap().expect("complete");
        assert_eq!(used, printed.len(), "{}", c.file);
        assert_eq!(m3, m2, "{}", c.file);
    }
}

#[test]
fn wsinv_whitespace_and_unknown_headers() {
    let r = req("wsinv.dat");
    assert_eq!(r.method, Method::Invite);
    let h = &r.headers;
    assert_eq!(h.to().unwrap().tag(), Some("1918181833n"));
    let from = h.from().unwrap();
    assert_eq!(from.display_name.as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(h.max_forwards(), Some(&68));
    assert_eq!(
        h.cseq(),
        Some(&CSeq {
            seq: 9,
            method: Method::Invite
        })
    );
    let vias: Vec<&Via> = h.via().collect();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[0].branch(), Some("390skdjuw"));
    assert_eq!(vias[1].transport, Transport::Tcp);
    assert_eq!(vias[1].host, Host::Domain("spindle.example.com".into()));
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    assert_eq!(
        h.get_raw("NewFangledHeader"),
        Some(&b"newfangled value\r\n continued newfangled value"[..])
    );
    assert_eq!(
        h.get_raw("UnknownHeaderWithUnusualValue"),
        Some(&b";;,,;;,;"[..])
    );
    assert_eq!(h.get_raw("Subject"), Some(&b""[..]));
    let route = h.routes().next().unwrap().uri.as_sip().unwrap().clone();
    assert!(route.lr());
    assert!(route.params.has("unknown-no-value"));
    assert_eq!(route.params.value("unknownwith"), Some("value"));
    let contact = h.contacts().next().unwrap().addr().unwrap();
    assert_eq!(contact.display_name.as_deref(), Some("Quoted string \"\""));
    assert_eq!(contact.params.value("newparam"), Some("newvalue"));
    assert!(contact.params.has("secondparam"));
    assert_eq!(contact.q(), Some(330));
    assert_eq!(r.body.len(), 150);
    // Header order is preserved.
    let names: Vec<&str> = h.iter().map(Header::name).collect();
    assert_eq!(&names[..4], &["To", "From", "Max-Forwards", "Call-ID"]);
}

#[test]
fn intmeth_unusual_characters() {
    let r = req("intmeth.dat");
    assert_eq!(
        r.method,
        Method::Extension("!interesting-Method0123456789_*+`.%indeed'~".into())
    );
    assert_eq!(r.headers.cseq().unwrap().method, r.method);
    let uri = r.uri.as_sip().unwrap();
    assert_eq!(
        uri.user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        uri.password.as_deref(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    let to = r.headers.to().unwrap();
    assert_eq!(
        to.display_name.as_deref(),
        Some("BEL:\x07 NUL:\x00 DEL:\x7f")
    );
    let from = r.headers.from().unwrap();
    assert_eq!(
        from.display_name.as_deref(),
        Some("token1~` token2'+_ token3*%!.-")
    );
    assert_eq!(from.tag(), Some("_token~1'+`*%!-."));
    assert_eq!(
        r.headers.call_id().unwrap().as_str(),
        "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    );
    assert_eq!(r.headers.max_forwards(), Some(&255));
    assert_eq!(
        r.headers.get_raw("extensionHeader-!.%*+_`'~"),
        Some("\u{feff}大停電".as_bytes())
    );
}

#[test]
fn esc01_escapes_equivalent() {
    let r = req("esc01.dat");
    let uri = r.uri.as_sip().unwrap();
    assert_eq!(
        uri.user_unescaped().as_deref(),
        Some("sips:user@example.com")
    );
    let to = r.headers.to().unwrap().uri.clone();
    assert!(to.rfc_eq(&"sip:user@example.com".parse().unwrap()));
    let from = r
        .headers
        .from()
        .unwrap()
        .uri
        .as_sip()
        .unwrap()
        .user_unescaped();
    assert_eq!(from.as_deref(), Some("I have spaces"));
    let contact = r
        .headers
        .contacts()
        .next()
        .unwrap()
        .addr()
        .unwrap()
        .uri
        .as_sip()
        .unwrap()
        .clone();
    assert!(contact.lr(), "%6C%72 is lr");
    assert!(Uri::Sip(contact).rfc_eq(
        &"sip:caller@host5.example.net;lr;name=value%2541"
            .parse()
            .unwrap()
    ));
    assert_eq!(
        r.headers.content_type().unwrap(),
        &MediaType::new("application", "sdp")
    );
}

#[test]
fn escnull_two_distinct_contacts() {
    let r = req("escnull.dat");
    let c: Vec<&Uri> = r
        .headers
        .contacts()
        .map(|c| &c.addr().unwrap().uri)
        .collect();
    assert_eq!(c.len(), 2);
    assert!(!c[0].rfc_eq(c[1]));
    assert_eq!(
        c[0].as_sip().unwrap().user_unescaped().as_deref(),
        Some("\0")
    );
    assert_eq!(
        c[1].as_sip().unwrap().user_unescaped().as_deref(),
        Some("\0\0")
    );
    assert_eq!(
        r.headers
            .to()
            .unwrap()
            .uri
            .as_sip()
            .unwrap()
            .user_unescaped()
            .as_deref(),
        Some("null-\0-null")
    );
}

#[test]
fn esc02_percent_not_an_escape() {
    let r = req("esc02.dat");
    assert_eq!(r.method, Method::Extension("RE%47IST%45R".into()));
    assert_ne!(r.method, Method::Register);
    assert_eq!(
        r.headers.to().unwrap().display_name.as_deref(),
        Some("%Z%45")
    );
    assert_eq!(
        r.headers.top_via().unwrap().branch(),
        Some("z9hG4bK209%fzsnel234")
    );
    // C%6Fntact is an unknown header, not Contact.
    assert_eq!(r.headers.contacts().count(), 2);
    assert_eq!(
        r.headers.get_raw("C%6Fntact"),
        Some(&b"<sip:alias2@host2.example.com>"[..])
    );
}

#[test]
fn lwsdisp_and_longreq() {
    let r = req("lwsdisp.dat");
    assert_eq!(
        r.headers.from().unwrap().display_name.as_deref(),
        Some("caller")
    );
    let r = req("longreq.dat");
    assert_eq!(r.headers.via().count(), 34);
    assert!(r
        .headers
        .to()
        .unwrap()
        .display_name
        .as_ref()
        .unwrap()
        .starts_with("I have a user name of extreme"));
    assert!(r
        .headers
        .call_id()
        .unwrap()
        .as_str()
        .ends_with("reallylongcallid"));
}

#[test]
fn dblreq_trailing_octets_ignored() {
    let r = req("dblreq.dat");
    assert_eq!(r.method, Method::Register);
    assert!(r.body.is_empty());
    assert_eq!(
        r.headers.call_id().unwrap().as_str(),
        "dblreq.0ha0isndaksdj99sdfafnl3lk233412"
    );
}

#[test]
fn semiuri_user_part() {
    let r = req("semiuri.dat");
    let u = r.uri.as_sip().unwrap();
    assert_eq!(
        u.user_unescaped().as_deref(),
        Some("user;par=u@example.net")
    );
    assert_eq!(u.host, Host::Domain("example.com".into()));
    assert!(u.params.is_empty());
    let accept: Vec<String> = r.headers.accept().map(|m| m.to_string()).collect();
    assert_eq!(
        accept,
        [
            "application/sdp",
            "application/pkcs7-mime",
            "multipart/mixed",
            "multipart/signed",
            "message/sip",
            "message/sipfrag"
        ]
    );
}

#[test]
fn transports_kept() {
    let r = req("transports.dat");
    let t: Vec<Transport> = r.headers.via().map(|v| v.transport.clone()).collect();
    assert_eq!(
        t,
        [
            Transport::Udp,
            Transport::Sctp,
            Transport::Tls,
            Transport::Other("UNKNOWN".into()),
            Transport::Tcp
        ]
    );
}

#[test]
fn mpart01_binary_body() {
    let data = load("mpart01.dat");
    let r = req("mpart01.dat");
    let cl = *r.headers.content_length().unwrap() as usize;
    assert_eq!(r.body.len(), cl);
    assert!(r.body.contains(&0u8), "binary part contains NUL");
    assert_eq!(&r.body[..], &data[data.len() - cl..]);
    assert!(r.headers.content_type().unwrap().is("multipart", "mixed"));
    assert_eq!(
        r.headers.content_type().unwrap().params.value("boundary"),
        Some("7a9cbec02ceef655")
    );
    assert!(r.headers.date().is_some());
}

#[test]
fn reason_phrases() {
    let m = SipMessage::parse_datagram(&load("unreason.dat"))
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(m.status, 200);
    assert!(m
        .reason
        .starts_with("= 2**3 * 5**2 но сто девяносто девять"));
    let m = SipMessage::parse_datagram(&load("noreason.dat"))
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!((m.status, m.reason.as_str()), (100, ""));
}

#[test]
fn rejects_name_the_problem() {
    assert_eq!(err("badinv01.dat").header_name(), Some("Via"));
    assert!(matches!(
        err("clerr.dat").kind(),
        ParseErrorKind::BodyTruncated { declared: 9999, .. }
    ));
    assert_eq!(err("ncl.dat").header_name(), Some("Content-Length"));
    assert_eq!(err("scalar02.dat").header_name(), Some("CSeq"));
    assert_eq!(err("scalarlg.dat").header_name(), Some("CSeq"));
    assert_eq!(err("quotbal.dat").header_name(), Some("To"));
    assert!(matches!(
        err("ltgtruri.dat").kind(),
        ParseErrorKind::RequestUri(_)
    ));
    assert!(matches!(
        err("lwsruri.dat").kind(),
        ParseErrorKind::StartLine(_)
    ));
    assert!(matches!(
        err("lwsstart.dat").kind(),
        ParseErrorKind::StartLine(_)
    ));
    assert!(matches!(
        err("trws.dat").kind(),
        ParseErrorKind::StartLine(_)
    ));
    assert!(matches!(
        err("escruri.dat").kind(),
        ParseErrorKind::RequestUri(_)
    ));
    assert_eq!(err("baddate.dat").header_name(), Some("Date"));
    assert_eq!(err("regbadct.dat").header_name(), Some("Contact"));
    assert_eq!(err("badaspec.dat").header_name(), Some("To"));
    assert_eq!(err("baddn.dat").header_name(), Some("From"));
    assert!(matches!(
        err("badvers.dat").kind(),
        ParseErrorKind::Version(_)
    ));
    assert_eq!(err("badvers.dat").response_code(), 505);
    assert_eq!(err("mismatch01.dat").kind(), &ParseErrorKind::CSeqMismatch);
    assert_eq!(err("mismatch02.dat").kind(), &ParseErrorKind::CSeqMismatch);
    assert_eq!(err("bigcode.dat").kind(), &ParseErrorKind::StatusCode);
}

#[test]
fn rejected_requests_can_still_be_answered() {
    // Bad header, but Via/From/To/Call-ID/CSeq parsed: a 400 can be built.
    for name in [
        "badinv01.dat",
        "baddate.dat",
        "regbadct.dat",
        "escruri.dat",
        "clerr.dat",
        "ncl.dat",
        "ltgtruri.dat",
    ] {
        let e = err(name);
        let p = e
            .partial_request()
            .unwrap_or_else(|| panic!("{name}: no partial request"));
        let resp = p.error_response(e.response_code(), &e.reason_phrase());
        if name == "badinv01.dat" {
            // The Via itself is the bad header: nothing to route a reply on.
            assert!(resp.is_none());
            continue;
        }
        let resp = resp.unwrap_or_else(|| panic!("{name}: cannot build 400"));
        assert_eq!(resp.status, 400);
        let back = SipMessage::parse_datagram(&resp.to_bytes()).unwrap();
        assert_eq!(back.headers().call_id(), p.headers.call_id());
    }
    let e = err("badvers.dat");
    let resp = e
        .partial_request()
        .unwrap()
        .error_response(505, &e.reason_phrase())
        .unwrap();
    assert_eq!(resp.status, 505);
    assert_eq!(resp.reason, "Version Not Supported");
    let e = err("baddate.dat");
    assert_eq!(e.reason_phrase(), "Bad Request (invalid Date header)");
}

#[test]
fn transaction_and_application_cases() {
    assert_eq!(
        req("badbranch.dat").top_via().unwrap().branch(),
        Some("z9hG4bK")
    );
    assert_eq!(
        req("insuf.dat").validate(),
        Err(ValidationError::Missing("From"))
    );
    assert!(
        matches!(req("unkscm.dat").uri, Uri::Other { ref scheme, .. } if scheme == "nobodyKnowsThisScheme")
    );
    assert_eq!(req("novelsc.dat").uri.scheme(), "soap.beep");
    let r = req("unksm2.dat");
    assert_eq!(r.headers.to().unwrap().uri.scheme(), "isbn");
    assert_eq!(r.headers.from().unwrap().uri.scheme(), "http");
    assert_eq!(
        r.headers
            .contacts()
            .next()
            .unwrap()
            .addr()
            .unwrap()
            .uri
            .scheme(),
        "name"
    );
    let r = req("bext01.dat");
    assert_eq!(
        r.headers.require().collect::<Vec<_>>(),
        ["nothingSupportsThis", "nothingSupportsThisEither"]
    );
    assert_eq!(r.headers.proxy_require().count(), 2);
    assert!(req("invut.dat")
        .headers
        .content_type()
        .unwrap()
        .is("application", "unknownformat"));
    let a = req("regaut01.dat");
    assert_eq!(
        a.headers.authorization().next().unwrap().scheme,
        "NoOneKnowsThisScheme"
    );
    assert_eq!(
        req("multi01.dat").validate(),
        Err(ValidationError::Duplicate("From"))
    );
    assert_eq!(
        req("mcl01.dat").validate(),
        Err(ValidationError::Duplicate("Content-Length"))
    );
    let b = SipMessage::parse_datagram(&load("bcast.dat")).unwrap();
    let v: Vec<&Via> = b.headers().via().collect();
    assert_eq!(v[1].host, Host::Ipv4("255.255.255.255".parse().unwrap()));
    assert_eq!(req("zeromf.dat").headers.max_forwards(), Some(&0));
    assert!(req("zeromf.dat").validate().is_ok());
    let c1 = req("cparam01.dat");
    let c1 = c1.headers.contacts().next().unwrap().addr().unwrap();
    assert!(c1.params.has("unknownparam"));
    assert!(c1.uri.as_sip().unwrap().params.is_empty());
    let c2 = req("cparam02.dat");
    let c2 = c2.headers.contacts().next().unwrap().addr().unwrap();
    assert!(c2.params.is_empty());
    assert!(c2.uri.as_sip().unwrap().params.has("unknownparam"));
    let r = req("regescrt.dat");
    let c = r.headers.contacts().next().unwrap().addr().unwrap();
    assert!(c.params.is_empty());
    assert_eq!(
        c.uri.as_sip().unwrap().headers,
        vec![("Route".to_string(), "%3Csip:sip.example.com%3E".to_string())]
    );
    assert_eq!(
        req("sdp01.dat").headers.accept().next().unwrap(),
        &MediaType::new("text", "nobodyKnowsThis")
    );
    let r = req("inv2543.dat");
    assert!(!r.top_via().unwrap().has_rfc3261_branch());
    assert!(r.headers.from().unwrap().tag().is_none());
    assert!(r.body.starts_with(b"v=0"));
}

#[test]
fn stream_framing_of_corpus() {
    // clerr on a stream: wait for the missing body.
    assert!(parse_stream(&load("clerr.dat")).unwrap().is_none());
    // ncl on a stream: framing lost.
    let mut f = StreamFramer::new();
    f.push(&load("ncl.dat"));
    let e = f.next_message().unwrap_err();
    assert!(e.breaks_framing());
    // dblreq on a stream: two messages back to back.
    let mut f = StreamFramer::new();
    f.push(&load("dblreq.dat"));
    let first = f.next_message().unwrap().unwrap();
    assert_eq!(first.as_request().unwrap().method, Method::Register);
    let second = f.next_message().unwrap().unwrap();
    assert_eq!(second.as_request().unwrap().method, Method::Invite);
    // What follows the INVITE's 150 body octets is not a message.
    assert!(f.buffered() < 8);
    // baddn (no final empty line in this copy) is incomplete on a stream.
    assert!(parse_stream(&load("baddn.dat")).unwrap().is_none());
}
