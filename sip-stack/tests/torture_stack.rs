//! RFC 4475 torture messages fed to the sans-IO core as UDP datagrams: each must get
//! the reply RFC 4475 (and RFC 3261 §8.2) prescribes for a user agent, and the core
//! must stay usable afterwards.
//!
//! Expected codes come from the RFC 4475 text for each section (the index's last
//! column). Rows marked (G) there were checked against the RFC's wording as quoted
//! by independent test suites: §3.3.1 "ideally … 400", §3.3.5 "420 … Unsupported
//! … from either the Require or Proxy-Require header field, depending on the role",
//! §3.3.6 "an endpoint … 415", §3.3.8 "400", §3.3.11 "an endpoint should process the
//! request as if the Max-Forwards field value were still positive", §3.3.15 "406
//! Not Acceptable … also appropriate … 400". Where the
//! RFC describes a registrar or proxy, the UA answer is noted: a UA is not a
//! registrar, so REGISTER gets 405 with Allow (RFC 3261 §8.2.1).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use openphone_sip::{CoreConfig, SipCore, Transmit};

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The first reply carries this status.
    Code(u16),
    /// Any of these (the RFC allows a choice).
    OneOf(&'static [u16]),
    /// Nothing is sent (responses that match no transaction, or that are malformed).
    Silence,
}

fn expectations() -> BTreeMap<&'static str, Expect> {
    use Expect::*;
    BTreeMap::from([
        // §3.1.1 valid messages.
        ("wsinv.dat", Code(481)), // parses; its To tag names a dialog we do not have
        ("intmeth.dat", Code(501)), // unknown method at an endpoint: 501 with Allow
        ("esc01.dat", Code(100)), // INVITE accepted
        ("escnull.dat", Code(405)), // REGISTER: a UA is not a registrar
        ("esc02.dat", Code(501)), // RE%47IST%45R is an unknown method
        ("lwsdisp.dat", Code(200)), // OPTIONS
        ("longreq.dat", Code(100)), // INVITE accepted
        ("dblreq.dat", Code(405)), // REGISTER (trailing octets ignored)
        ("semiuri.dat", Code(200)), // OPTIONS
        ("transports.dat", Code(200)),
        ("mpart01.dat", Code(200)), // MESSAGE with a multipart body
        ("unreason.dat", Silence),  // responses to nothing we sent
        ("noreason.dat", Silence),
        // §3.1.2 invalid messages.
        ("badinv01.dat", Code(400)),
        ("clerr.dat", Code(400)),
        ("ncl.dat", Code(400)),
        ("scalar02.dat", Code(400)),
        ("scalarlg.dat", Silence),
        ("quotbal.dat", Code(400)),
        ("ltgtruri.dat", Code(400)),
        ("lwsruri.dat", Code(400)),
        ("lwsstart.dat", Code(400)), // strict reading (a liberal accept is also allowed)
        ("trws.dat", Code(400)),     // strict reading
        ("escruri.dat", Code(400)),
        ("baddate.dat", Code(400)),
        ("regbadct.dat", Code(400)),
        ("badaspec.dat", Code(400)),
        ("baddn.dat", Code(400)),
        ("badvers.dat", Code(505)),
        ("mismatch01.dat", Code(400)),
        ("mismatch02.dat", OneOf(&[501, 400])),
        ("bigcode.dat", Silence),
        // §3.2 transaction layer: RFC 2543-style matching, then a normal answer.
        ("badbranch.dat", Code(200)),
        // §3.3 application layer.
        ("insuf.dat", Code(400)),
        ("unkscm.dat", Code(416)),
        ("novelsc.dat", Code(416)),
        ("unksm2.dat", Code(405)), // REGISTER at a UA
        ("bext01.dat", Code(420)),
        ("invut.dat", Code(415)),
        ("regaut01.dat", Code(405)), // the 401 of the RFC text is a registrar's answer
        ("multi01.dat", Code(400)),
        ("mcl01.dat", Code(400)),
        ("bcast.dat", Silence),    // a response: never forwarded anywhere
        ("zeromf.dat", Code(200)), // a UAS answers OPTIONS with Max-Forwards 0
        ("cparam01.dat", Code(405)),
        ("cparam02.dat", Code(405)),
        ("regescrt.dat", Code(405)),
        ("sdp01.dat", Code(406)),
        // §3.4 backward compatibility.
        ("inv2543.dat", Code(100)),
    ])
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/rfc4475")
}

fn status(t: &Transmit) -> Option<u16> {
    let s = std::str::from_utf8(t.bytes.get(..12)?).ok()?;
    s.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}

fn options_probe(n: usize) -> Vec<u8> {
    format!(
        "OPTIONS sip:ua@127.0.0.1:5060 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKprobe{n};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:probe@192.0.2.7>;tag=p{n}\r\n\
         To: <sip:ua@127.0.0.1>\r\nCall-ID: probe-{n}\r\nCSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn rfc4475_messages_get_the_right_reply() {
    let dir = corpus();
    let index = std::fs::read_to_string(dir.join("INDEX.tsv"))
        .unwrap_or_else(|e| panic!("RFC 4475 corpus missing at {}: {e}", dir.display()));
    let table = expectations();
    let local: SocketAddr = "127.0.0.1:5060".parse().unwrap();
    let peer: SocketAddr = "192.0.2.7:5070".parse().unwrap();
    let now = Instant::now();
    let mut core = SipCore::new(CoreConfig::new(Some(local), None).with_seed(4475), now);
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, line) in index.lines().skip(1).enumerate() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(rfc_says)) = (cols.first(), cols.get(5)) else {
            continue;
        };
        let expect = *table
            .get(file)
            .unwrap_or_else(|| panic!("{file} in INDEX.tsv but not in the expectation table"));
        let bytes = std::fs::read(dir.join("messages").join(file)).expect("message file");
        core.handle_datagram(now, local, peer, &bytes);
        let replies: Vec<Transmit> = std::iter::from_fn(|| core.poll_transmit()).collect();
        let first = replies.first().and_then(status);
        let ok = match expect {
            Expect::Code(c) => first == Some(c),
            Expect::OneOf(cs) => first.is_some_and(|f| cs.contains(&f)),
            Expect::Silence => replies.is_empty(),
        };
        if !ok {
            failures.push(format!(
                "{file}: expected {expect:?}, got {first:?} ({} replies); RFC 4475: {rfc_says}",
                replies.len()
            ));
        }
        // The headers the RFCs require with these refusals.
        let text = replies
            .first()
            .map(|t| String::from_utf8_lossy(&t.bytes).into_owned())
            .unwrap_or_default();
        let needs = match first {
            Some(405) | Some(501) => Some("\r\nAllow: "),
            Some(415) | Some(406) => Some("\r\nAccept: "),
            Some(420) => {
                Some("\r\nUnsupported: nothingSupportsThis, nothingSupportsThisEither\r\n")
            }
            _ => None,
        };
        if let Some(h) = needs {
            if !text.contains(h) {
                failures.push(format!("{file}: {first:?} without {h:?}"));
            }
        }
        for r in &replies {
            assert_ne!(
                r.dst.ip().to_string(),
                "255.255.255.255",
                "{file}: reply to broadcast"
            );
        }
        // The core must still answer a valid request.
        core.handle_datagram(now, local, peer, &options_probe(n));
        let probe: Vec<Transmit> = std::iter::from_fn(|| core.poll_transmit()).collect();
        assert_eq!(
            probe.first().and_then(status),
            Some(200),
            "{file}: core unusable afterwards"
        );
        while core.poll_event().is_some() {}
        checked += 1;
    }
    assert_eq!(
        checked,
        table.len(),
        "every message of the table was exercised"
    );
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

/// The same messages on a TCP connection: framing by Content-Length (RFC 3261 §18.3).
/// A body shorter than Content-Length waits for more bytes (clerr); a negative
/// Content-Length loses framing and closes the connection (ncl, RFC 4475 §3.1.2.3).
#[test]
fn rfc4475_messages_on_a_stream() {
    let dir = corpus().join("messages");
    let tcp: SocketAddr = "127.0.0.1:5060".parse().unwrap();
    let peer: SocketAddr = "192.0.2.7:5070".parse().unwrap();
    let now = Instant::now();
    let mut core = SipCore::new(CoreConfig::new(None, Some(tcp)).with_seed(1), now);
    for (n, file) in expectations().keys().enumerate() {
        let bytes = std::fs::read(dir.join(file)).expect("message file");
        let conn = openphone_sip::ConnId(n as u64);
        core.handle_connection_opened(conn, peer);
        let keep = core.handle_stream_data(now, conn, &bytes);
        let replies: Vec<Transmit> = std::iter::from_fn(|| core.poll_transmit()).collect();
        match *file {
            "ncl.dat" => assert!(!keep, "negative Content-Length must close the connection"),
            "clerr.dat" => {
                assert!(keep, "a short body waits for more data");
                assert!(replies.is_empty());
            }
            _ => {}
        }
        core.handle_connection_closed(conn);
        while core.poll_event().is_some() {}
    }
}
