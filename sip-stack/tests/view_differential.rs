//! Differential tests: `MessageView::parse` must accept and reject exactly
//! what `SipMessage::parse_datagram` does, with equal errors, and describe
//! what it accepts the same way (contract in `common/view_contract.rs`).
//!
//! Inputs: the RFC 4475 torture corpus, all 4,527 PROTOS c07-sip cases
//! (INVITE and teardown records), the pjsip fuzz seeds (raw and with line
//! ends normalised to CRLF, plus their URI lists wrapped in messages),
//! hand-picked boundary cases (limits, framing), and proptest cases:
//! byte-level mutations of realistic messages and messages assembled from
//! header-value fragments. Mismatches print the input as a Rust byte
//! string; corpus mismatches are also shown minimised.
//!
//! Corpora: `/work/shared/corpora` (the tests fail if they are missing).

#[path = "common/protos.rs"]
mod protos;
#[path = "common/view_contract.rs"]
mod view_contract;

use protos::{records, substitute};

use std::path::PathBuf;

use openphone_sip::message::{ParseLimits, SipMessage};
use proptest::prelude::*;
use view_contract::{check, Agreed, Mismatch};

fn corpora() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora")
}

/// Tally of one corpus run; mismatches are collected, not fatal at once,
/// so one run reports all of them.
#[derive(Default)]
struct Tally {
    accepted: usize,
    rejected: usize,
    mismatches: Vec<(Mismatch, ParseLimits)>,
}

impl Tally {
    fn run(&mut self, data: &[u8]) {
        self.run_with(data, &ParseLimits::default());
    }

    fn run_with(&mut self, data: &[u8], limits: &ParseLimits) {
        match check(data, limits) {
            Ok(Agreed::Accepted) => self.accepted += 1,
            Ok(Agreed::Rejected) => self.rejected += 1,
            Err(m) => self.mismatches.push((m, *limits)),
        }
    }

    /// Prints the counts; panics listing the mismatches (the first few
    /// minimised, all capped so a systematic bug stays readable).
    fn finish(self, corpus: &str) -> (usize, usize) {
        let total = self.accepted + self.rejected + self.mismatches.len();
        println!(
            "{corpus}: {total} inputs, {} accepted, {} rejected by both, {} mismatches",
            self.accepted,
            self.rejected,
            self.mismatches.len()
        );
        if self.mismatches.is_empty() {
            return (self.accepted, self.rejected);
        }
        let mut report = format!("{corpus}: {} mismatches\n", self.mismatches.len());
        for (i, (m, limits)) in self.mismatches.iter().enumerate().take(12) {
            report.push_str(&format!("\n--- mismatch {i} (limits {limits:?})\n{m}\n"));
            if i < 4 {
                let same_class =
                    |d: &[u8]| matches!(check(d, limits), Err(x) if x.class == m.class);
                if let Err(min) = check(&minimise(&m.input, same_class), limits) {
                    report.push_str(&format!("minimised:\n{min}\n"));
                }
            }
        }
        panic!("{report}");
    }
}

/// Greedy delta-debugging: drops chunks (halving sizes down to one byte)
/// while `still_fails` holds, so a report shows the few bytes that matter
/// rather than a 1 KB PROTOS case.
fn minimise(input: &[u8], still_fails: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut best = input.to_vec();
    let mut chunk = best.len().div_ceil(2).max(1);
    let mut budget = 20_000usize;
    while budget > 0 {
        let mut progressed = false;
        let mut at = 0;
        while at < best.len() && budget > 0 {
            budget -= 1;
            let end = (at + chunk).min(best.len());
            let mut cand = best[..at].to_vec();
            cand.extend_from_slice(&best[end..]);
            if still_fails(&cand) {
                best = cand;
                progressed = true;
            } else {
                at += chunk;
            }
        }
        if !progressed {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    best
}

/// The minimiser is only exercised when a mismatch exists, so check it on
/// a stand-in failure: "contains a CSeq line and an unterminated quote".
#[test]
fn minimiser_keeps_what_matters() {
    let fails = |d: &[u8]| {
        d.windows(5).any(|w| w == b"CSeq:") && d.iter().filter(|&&c| c == b'"').count() % 2 == 1
    };
    let mut input = SEEDS[0].to_vec();
    input.splice(40..40, *b"\"");
    assert!(fails(&input));
    let min = minimise(&input, fails);
    assert_eq!(min, b"\"CSeq:");
}

// ---------------------------------------------------------------- corpora

#[test]
fn rfc4475_corpus() {
    let dir = corpora().join("rfc4475");
    let index = std::fs::read_to_string(dir.join("INDEX.tsv"))
        .unwrap_or_else(|e| panic!("RFC 4475 corpus missing at {}: {e}", dir.display()));
    let mut t = Tally::default();
    for line in index.lines().skip(1) {
        let file = line.split('\t').next().expect("file column");
        let data = std::fs::read(dir.join("messages").join(file)).expect("message file");
        t.run(&data);
    }
    // The typed parser's verdicts are pinned by torture_parser.rs: 30 / 19.
    assert_eq!(t.finish("RFC 4475"), (30, 19));
}

#[test]
fn protos_c07_sip_corpus() {
    let dir = corpora().join("protos-c07-sip");
    let groups = std::fs::read_to_string(dir.join("GROUPS.tsv"))
        .unwrap_or_else(|e| panic!("PROTOS corpus missing at {}: {e}", dir.display()));
    let total: usize = groups
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(2).unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(total, 4527);
    let mut t = Tally::default();
    for idx in 0..total {
        let data = std::fs::read(dir.join("cases").join(format!("{idx:07}"))).expect("case file");
        let recs = records(&data);
        assert_eq!(recs.len(), 2, "case {idx}");
        // The INVITE (the test case) and the teardown, which repeats the
        // case's malformed element.
        t.run(&substitute(recs[0]));
        t.run(&substitute(recs[1]));
    }
    let (accepted, _) = t.finish("PROTOS c07-sip (INVITE + teardown records)");
    assert!(accepted > 0, "the valid reference case must be accepted");
}

/// Every line end (CRLF, bare CR, bare LF) as CRLF: the seeds mix them,
/// and both parsers reject bare ones, so this variant reaches the header
/// parsers too.
fn crlf_normalised(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 32);
    let mut i = 0;
    while let Some(&c) = data.get(i) {
        match c {
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn sorted_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("pjsip seeds missing at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn pjsip_fuzz_seeds() {
    let root = corpora().join("pjsip-fuzz-seeds");
    let mut t = Tally::default();
    let mut messages = 0;
    for sub in ["sip", "sip-dialog"] {
        for f in sorted_files(&root.join(sub)) {
            if f.extension().is_some_and(|e| e == "sip") {
                let data = std::fs::read(&f).unwrap();
                t.run(&data);
                t.run(&crlf_normalised(&data));
                messages += 1;
            }
        }
    }
    assert_eq!(messages, 18, "15 sip + 3 sip-dialog seeds");
    // The URI seeds (`uri/*.uri` newline-separated; simple_uris.txt is
    // three URIs run together) as Request-URI, To and Contact.
    let mut uris: Vec<String> = Vec::new();
    for f in sorted_files(&root.join("uri")) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        uris.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_owned));
    }
    let simple = std::fs::read_to_string(root.join("sip-dialog/simple_uris.txt")).unwrap();
    uris.extend(
        simple
            .split("sip:")
            .filter(|s| !s.is_empty())
            .map(|s| format!("sip:{s}")),
    );
    for u in &uris {
        for s in [u.as_str(), u.trim_matches(|c| c == '<' || c == '>')] {
            t.run(format!("OPTIONS {s} SIP/2.0\r\nTo: <{s}>\r\nContact: {s}\r\n\r\n").as_bytes());
        }
    }
    t.finish("pjsip fuzz seeds (raw, CRLF-normalised, URIs)");
}

// ------------------------------------------------------- realistic seeds

/// Realistic messages the mutations start from; each must parse (see
/// `seeds_are_accepted`), so mutations land next to the accept/reject line.
const SEEDS: &[&[u8]] = &[
    // INVITE with SDP.
    b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n\
Supported: timer, 100rel\r\n\
User-Agent: OpenPhone/0.1 (test)\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 127\r\n\
\r\n\
v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n\
s=-\r\n\
c=IN IP4 192.0.2.101\r\n\
t=0 0\r\n\
m=audio 49172 RTP/AVP 0\r\n",
    // 200 OK with three Vias (two on one line) and Record-Route.
    b"SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8;received=192.0.2.3, SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5060\r\n\
Record-Route: <sip:server10.biloxi.example.com;lr>, <sip:bigbox3.site3.atlanta.example.com;lr>\r\n\
Record-Route: <sip:[2001:db8::9]:5080;lr;transport=tcp>\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:bob@192.0.2.4>\r\n\
Server: Biloxi-PBX/2.0\r\n\
Content-Length: 0\r\n\r\n",
    // REGISTER with Authorization.
    b"REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:bob@192.0.2.4>;expires=7200;q=0.7, <sip:bob@[2001:db8::4]:5070>\r\n\
Authorization: Digest username=\"bob\", realm=\"biloxi.example.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:registrar.biloxi.example.com\", response=\"245f23415f11432b3434341c022\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n\
Expires: 7200\r\n\
Content-Length: 0\r\n\r\n",
    // 401 with WWW-Authenticate.
    b"SIP/2.0 401 Unauthorized\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;received=192.0.2.4\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=2493k59kd\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
WWW-Authenticate: Digest realm=\"biloxi.example.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=MD5, stale=FALSE\r\n\
Proxy-Authenticate: Digest realm=\"proxy.example.com\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\"\r\n\
Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n\
Content-Length: 0\r\n\r\n",
    // Compact forms, mixed case names.
    b"INVITE sip:carol@chicago.example.com SIP/2.0\r\n\
v: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
VIA: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKx1\r\n\
max-forwards: 70\r\n\
f: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
t: Carol <sip:carol@chicago.example.com>\r\n\
i: 3848276298220188511@atlanta.example.com\r\n\
cseq: 1 INVITE\r\n\
m: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n\
k: timer\r\n\
s: Need more boxes\r\n\
o: presence\r\n\
r: <sip:dave@example.com>\r\n\
u: presence, dialog\r\n\
x: 1800;refresher=uac\r\n\
e: gzip\r\n\
c: text/plain\r\n\
l: 5\r\n\r\nhello",
    // IPv6 hosts everywhere.
    b"OPTIONS sip:[2001:db8::10]:5070;transport=udp SIP/2.0\r\n\
Via: SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3-111;received=2001:db8::9:255\r\n\
Route: <sip:[2001:db8::1];lr>, <sip:[::ffff:192.0.2.1]:5080;lr>\r\n\
Max-Forwards: 70\r\n\
To: <sip:[2001:db8::10]:5070>\r\n\
From: <sip:alice@[2001:db8::9:1]>;tag=81x2\r\n\
Call-ID: SSG9559905523997077@[2001:db8::9:1]\r\n\
CSeq: 8612 OPTIONS\r\n\
Contact: <sip:alice@[2001:db8::9:1]:5060>\r\n\
Accept: application/sdp, application/pidf+xml;q=0.5\r\n\
Content-Length: 0\r\n\r\n",
    // Escaped URIs (escaped user and params; headers in a Contact/Refer-To).
    b"REFER sip:%61lice@atlanta.example.com;user=phone;x%20y=%41 SIP/2.0\r\n\
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK2\r\n\
Max-Forwards: 70\r\n\
To: \"Al\\\"ice\" <sip:%61lice@atlanta.example.com>\r\n\
From: <sip:b%40b@example.net;p=%3B>;tag=32\r\n\
Call-ID: esc-1@host5.example.net\r\n\
CSeq: 9 REFER\r\n\
Refer-To: <sip:carol@example.com?Replaces=12345%40host%3Bto-tag%3D1%3Bfrom-tag%3D2&Subject=hi>\r\n\
Contact: <sip:b@host5.example.net?Subject=esc%20aped>\r\n\
Event: refer;id=93\r\n\
Content-Length: 0\r\n\r\n",
    // Folded headers (typed and untyped), tabs, and an empty value.
    b"MESSAGE sip:user@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,\r\n  SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n\
Max-Forwards:\t70\r\n\
To: sip:user@example.com\r\n\
From: sip:caller@example.net\r\n\t;tag=134161461246\r\n\
Call-ID: fold@example.net\r\n\
CSeq: 1\r\n MESSAGE\r\n\
Subject: I know you're there,\r\n     pick up the phone\r\n     and talk to me!\r\n\
X-Empty:\r\n\
Require: 100rel,\r\n\ttimer\r\n\
Content-Type: text/plain\r\n\
Content-Length: 2\r\n\r\nhi",
    // tel: URIs.
    b"INVITE tel:+1-201-555-0123;phone-context=+1 SIP/2.0\r\n\
Via: SIP/2.0/UDP gw.example.com;branch=z9hG4bKtel1\r\n\
Max-Forwards: 70\r\n\
To: <tel:+1-201-555-0123>\r\n\
From: \"Gateway\" <tel:7042;phone-context=example.com>;tag=t1\r\n\
Call-ID: tel-1@gw.example.com\r\n\
CSeq: 2 INVITE\r\n\
Contact: <sip:+12015550123@gw.example.com;user=phone>\r\n\
Proxy-Require: sec-agree\r\n\
Content-Length: 0\r\n\r\n",
    // Contact "*" (un-register everything).
    b"REGISTER sip:example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.8:5060;branch=z9hG4bKstar;rport\r\n\
Max-Forwards: 70\r\n\
To: <sip:u@example.com>\r\n\
From: <sip:u@example.com>;tag=star\r\n\
Call-ID: star@192.0.2.8\r\n\
CSeq: 3 REGISTER\r\n\
Contact: *\r\n\
Expires: 0\r\n\
Content-Length: 0\r\n\r\n",
    // 503 with the remaining typed kinds, leading CRLFs, a Proxy-Authorization.
    b"\r\n\r\nSIP/2.0 503 Service Unavailable\r\n\
Via: SIP/2.0/TLS pbx.example.com:5061;branch=z9hG4bK503;maddr=192.0.2.77;ttl=1\r\n\
To: <sips:bob@example.com>;tag=x\r\n\
From: <sips:alice@example.com>;tag=y\r\n\
Call-ID: 503@pbx\r\n\
CSeq: 77 SUBSCRIBE\r\n\
Retry-After: 120 (I'm in a meeting);duration=3600\r\n\
Min-Expires: 60\r\n\
Unsupported: foo, bar\r\n\
Proxy-Authorization: Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sips:bob@example.com\", response=\"6629fae49393a05397450978507c4ef1\"\r\n\
Warning: 399 pbx \"busy\"\r\n\
Content-Length: 0\r\n\r\n",
];

/// What the mutations insert: the characters that change how SIP values
/// tokenise (separators, quotes, escapes, brackets, folds).
const SPECIALS: &[&[u8]] = &[
    b",", b";", b"%", b"\"", b"<", b">", b" ", b"\r\n ", b":", b"@", b"[", b"]",
];

#[test]
fn seeds_are_accepted() {
    for (i, s) in SEEDS.iter().enumerate() {
        if let Err(e) = SipMessage::parse_datagram(s) {
            panic!(
                "seed {i} does not parse: {e:?}\n{}",
                String::from_utf8_lossy(s)
            );
        }
        check(s, &ParseLimits::default()).unwrap_or_else(|m| panic!("seed {i}: {m}"));
    }
}

/// Every single-byte deletion and one special inserted at every offset of
/// every seed: a deterministic sweep over each element boundary.
#[test]
fn seed_sweep() {
    let mut t = Tally::default();
    for s in SEEDS {
        for i in 0..s.len() {
            let mut d = s.to_vec();
            d.remove(i);
            t.run(&d);
            let mut ins = s.to_vec();
            let sp = SPECIALS[i % SPECIALS.len()];
            ins.splice(i..i, sp.iter().copied());
            t.run(&ins);
        }
    }
    t.finish("seed sweep (deletions + insertions)");
}

/// Limits at and around what the seeds and hand-made messages need:
/// each limit error must surface identically.
#[test]
fn limit_boundaries() {
    let mut t = Tally::default();
    for s in SEEDS {
        let lines = s.windows(2).filter(|w| w == b"\r\n").count();
        for d in [0usize, 1, 2] {
            for limits in [
                ParseLimits {
                    max_message: s.len() + 1 - d,
                    ..ParseLimits::default()
                },
                ParseLimits {
                    max_headers: lines.saturating_sub(d + 1),
                    ..ParseLimits::default()
                },
                ParseLimits {
                    max_header_line: 200 - 40 * d,
                    ..ParseLimits::default()
                },
                ParseLimits {
                    max_message: 0,
                    max_headers: 0,
                    max_header_line: d,
                },
            ] {
                t.run_with(s, &limits);
            }
        }
    }
    // Default limits: 64 KiB message, 256 lines, 16 KiB line, at the edge.
    let head = b"OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n";
    for extra in [0usize, 1] {
        let mut m = head.to_vec();
        let filler = 64 * 1024 - m.len() - b"X: \r\n\r\n".len() + extra;
        m.extend_from_slice(b"X: ");
        m.resize(m.len() + filler, b'a');
        m.extend_from_slice(b"\r\n\r\n");
        t.run(&m);
        let mut m = head.to_vec();
        for i in 0..255 + extra {
            m.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        m.extend_from_slice(b"\r\n");
        t.run(&m);
        let mut m = head.to_vec();
        m.extend_from_slice(b"X: ");
        m.resize(m.len() + 16 * 1024 - 3 + extra, b'a');
        m.extend_from_slice(b"\r\n\r\n");
        t.run(&m);
        // The same long line, but reached through folds.
        let mut m = head.to_vec();
        m.extend_from_slice(b"X: ");
        for _ in 0..(16 * 1024 - 3) / 8 + extra {
            m.extend_from_slice(b"aaaa\r\n  ");
        }
        m.extend_from_slice(b"b\r\n\r\n");
        t.run(&m);
    }
    t.finish("limit boundaries");
}

/// Header lines for `framing_corners`: folds, bare CR/LF, odd names,
/// Content-Length framing, non-UTF-8 and control bytes.
const CORNER_HEADERS: &[&[u8]] = &[
    b"X: a",
    b"X:",
    b"X: ",
    b"X : a",
    b"X\t: a",
    b" X: a",
    b"X a",
    b": a",
    b"X;: a",
    b"X: a\r\n b",
    b"X: a\r\n\tb",
    b"X: a\r\n ",
    b"X: a\rb",
    b"X: a\nb",
    b"X: a\r\n\r\n b",
    b"Content-Length: 0",
    b"Content-Length: 3",
    b"Content-Length: 2",
    b"Content-Length: 999",
    b"Content-Length: x",
    b"Content-Length: 2\r\nContent-Length: 3",
    b"Content-Length: 2\r\nl: 2",
    b"Content-Length: 4294967296",
    b"Content-Length: -1",
    b"Content-Length: 0\r\n",
    b"CSeq: 1 INVITE",
    b"CSeq: 1 INVITE\r\nCSeq: 1 OPTIONS",
    b"Via: a, b",
    b"Via: SIP/2.0/UDP h, SIP/2.0/UDP k",
    b"Via: SIP/2.0/UDP h,",
    b"Via: ,SIP/2.0/UDP h",
    b"X: \xff",
    b"\xff: a",
    b"Subject: caf\xc3\xa9",
    b"Via: SIP/2.0/UDP caf\xc3\xa9",
    b"X: \0",
    b"Max-Forwards: 256",
    b"Max-Forwards: 70\r\nX: \x7f",
];

const CORNER_STARTS: &[&str] = &[
    "",
    "\r\n",
    "\r\n\r\n",
    "\n",
    "\r",
    "\n\r\n\r\n",
    "S",
    "SIP/2.0",
    "SIP/2.0 200 OK",
    "SIP/2.0 200 OK\r\n",
    "SIP/2.0 200 OK\r\n\r\n",
    "SIP/2.0 200\r\n\r\n",
    "SIP/2.0 200 \r\n\r\n",
    "SIP/2.0 099 x\r\n\r\n",
    "SIP/2.0 700 x\r\n\r\n",
    "SIP/2.0 2000 x\r\n\r\n",
    "SIP/2.0 20x x\r\n\r\n",
    "sip/2.0 200 ok\r\n\r\n",
    "SIP/3.0 200 OK\r\n\r\n",
    "SIP/2.00 200 OK\r\n\r\n",
    "SIP/2 200 OK\r\n\r\n",
    "SIP/2.0  200 OK\r\n\r\n",
    "SIP/2.0 200 O\tK\r\n\r\n",
    "SIP/2.0 200 O\x01K\r\n\r\n",
    "SIP/2.0 200 caf\u{e9}\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\n",
    "OPTIONS sip:a@b SIP/2.0",
    "OPTIONS  sip:a@b SIP/2.0\r\n\r\n",
    "OPTIONS sip:a@b  SIP/2.0\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0 \r\n\r\n",
    "OPTIONS sip:a@b\r\n\r\n",
    "OPTIONS  SIP/2.0\r\n\r\n",
    "OPTIONS sip:a@b sip/2.0\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.1\r\n\r\n",
    "OPTIONS sip:a@b SIP/x.y\r\n\r\n",
    "OPTIONS <sip:a@b> SIP/2.0\r\n\r\n",
    "OPTIONS sip:a@b?x=y SIP/2.0\r\n\r\n",
    "OPTIONS tel:123 SIP/2.0\r\n\r\n",
    "OPTIONS foo:bar SIP/2.0\r\n\r\n",
    "OPTIONS a@b SIP/2.0\r\n\r\n",
    "OPT@ONS sip:a@b SIP/2.0\r\n\r\n",
    "op sip:a@b SIP/2.0\r\n\r\n",
    " OPTIONS sip:a@b SIP/2.0\r\n\r\n",
    "\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\n\r\n",
    "\n\nOPTIONS sip:a@b SIP/2.0\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\n\n",
    "OPTIONS sip:a@b SIP/2.0\r\n X: folded-onto-nothing\r\n\r\n",
];

/// Framing and start-line corners that are easy to get subtly different.
#[test]
fn framing_corners() {
    let mut cases: Vec<Vec<u8>> = CORNER_STARTS
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    for h in CORNER_HEADERS {
        for body in [&b""[..], b"ab", b"abc"] {
            for start in [
                &b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\n"[..],
                b"SIP/2.0 200 OK\r\n",
            ] {
                let mut c = start.to_vec();
                c.extend_from_slice(h);
                c.extend_from_slice(b"\r\n\r\n");
                c.extend_from_slice(body);
                cases.push(c);
            }
        }
    }
    let mut t = Tally::default();
    for c in &cases {
        t.run(c);
        // Trailing garbage past the body is ignored (datagram rules).
        let mut tail = c.clone();
        tail.extend_from_slice(b"\xff\xfe\0");
        t.run(&tail);
    }
    t.finish("framing corners");
}

/// Every typed header name (long, compact, odd case) the view knows.
const TYPED_NAMES: &[&str] = &[
    "Via",
    "v",
    "From",
    "f",
    "To",
    "t",
    "Call-ID",
    "i",
    "CSeq",
    "Contact",
    "m",
    "Max-Forwards",
    "Content-Length",
    "l",
    "Content-Type",
    "c",
    "Expires",
    "Min-Expires",
    "Route",
    "Record-Route",
    "Allow",
    "Supported",
    "k",
    "Require",
    "Unsupported",
    "Proxy-Require",
    "WWW-Authenticate",
    "Proxy-Authenticate",
    "Authorization",
    "Proxy-Authorization",
    "Accept",
    "Event",
    "o",
    "Refer-To",
    "r",
    "User-Agent",
    "Server",
    "Retry-After",
    "Date",
    "VIA",
    "cALL-iD",
];

/// Values on the edge of the grammars the view checks without the typed
/// parser (Via, name-addr, URIs, Call-ID, CSeq, numbers, media types,
/// token and method lists, product text): each is just valid or just not.
const EDGE_VALUES: &[&str] = &[
    "SIP/2.0/UDP h",
    "SIP / 2.0 / UDP h",
    "SIP\r\n /2.0/UDP h",
    "X/Y/Z h;branch=1",
    "SIP//UDP h",
    "SIP/2.0/ h",
    "/2.0/UDP h",
    "SIP/2.0/UDPh",
    "SIP/2.0 /UDP\th ; branch = x",
    "SIP/2.0/UDP h , SIP / 2.0/TCP g",
    "SIP/2.0/UDP\r\n h",
    "SIP/2.0/UDP h;branch=z9hG4bK1;rport;received=192.0.2.1",
    "SIP/2.0/UDP h;received=01.2.3.4",
    "SIP/2.0/UDP h;received=1.2.3.4.5",
    "SIP/2.0/UDP h;received=::1",
    "SIP/2.0/UDP h;received=[::1]",
    "SIP/2.0/UDP h;received",
    "SIP/2.0/UDP h;ttl=255",
    "SIP/2.0/UDP h;ttl=256",
    "SIP/2.0/UDP h;maddr=1.2.3",
    "SIP/2.0/UDP h;maddr=a:b",
    "SIP/2.0/UDP h;maddr=[::1]",
    "SIP/2.0/UDP h;rport=",
    "SIP/2.0/UDP h;rport=65535",
    "SIP/2.0/UDP h;rport=65536",
    "SIP/2.0/UDP h;rport=99999999999",
    "SIP/2.0/UDP h:99999999999",
    "SIP/2.0/UDP h;branch=\"x\"",
    "SIP/2.0/UDP h;branch",
    "SIP/2.0/UDP h;BRANCH=a:b",
    "SIP/2.0/UDP h:0",
    "SIP/2.0/UDP h:",
    "SIP/2.0/UDP h:065535",
    "SIP/2.0/UDP h: 5060",
    "SIP/2.0/UDP h :5060",
    "SIP/2.0/UDP h.",
    "SIP/2.0/UDP h..",
    "SIP/2.0/UDP -h",
    "SIP/2.0/UDP h-.com",
    "SIP/2.0/UDP 1h.2",
    "SIP/2.0/UDP h.1a",
    "SIP/2.0/UDP 1.2.3.4",
    "SIP/2.0/UDP 1.2.3.256",
    "SIP/2.0/UDP h;;",
    "SIP/2.0/UDP h;a=",
    "SIP/2.0/UDP h;a=b=c",
    "SIP/2.0/UDP h ;a = b",
    "SIP/2.0/UDP h;a=\"b",
    "SIP/2.0/UDP\th",
    "SIP/2.0/UDP  h",
    "SIP/2.0/ UDP h",
    "SIP /2.0/UDP h",
    "SIP/2.0/UDP",
    "SIP/2.0/UDP h x",
    "SIP/2.0/U@P h",
    "sip/2.0/udp h",
    "X/1/UDP h",
    "SIP/2.0/UDP h,SIP/2.0/UDP k",
    "SIP/2.0/UDP h,",
    "SIP/2.0/UDP h;a=\",\"",
    "<sip:a@b>",
    "<sip:a@b>;tag=x",
    "<sip:a@b>;tag",
    "<sip:a@b>;tag=\"x\"",
    "<sip:a@b>;q=1",
    "<sip:a@b>;q=1.000",
    "<sip:a@b>;q=1.0001",
    "<sip:a@b>;q=0.",
    "<sip:a@b>;Q=2",
    "<sip:a@b>;expires=4294967295",
    "<sip:a@b>;expires=4294967296",
    "<sip:a@b>;expires",
    "<sip:a@b>;%71=2",
    "<sip:a@b>;t%61g=\"\"",
    "<sip:a@b>;",
    "<sip:a@b> ;x",
    "<sip:a@b>x",
    "<sip:a@b",
    "<sip:a@b>>",
    "<<sip:a@b>",
    "< sip:a@b>",
    "<sip:a@b >",
    "<>",
    "<sip:>",
    "<sip:@h>",
    "<sip:h:>",
    "<sip:h:65536>",
    "<sip:h:99999999999>",
    "<sip:u@h:000000000000005060>",
    "sip:h:99999999999;tag=1",
    "<sip:h:5060>",
    "<sip:h;lr>",
    "<sip:h;lr=>",
    "<sip:h;=x>",
    "<sip:h;a=b=c>",
    "<sip:h;>",
    "<sip:h;a%=b>",
    "<sip:h;a%41=b>",
    "<sip:h?x=y>",
    "<sip:h?x>",
    "<sip:a:pw@h>",
    "<sip:a:@h>",
    "<sip:%zz@h>",
    "<sip:a%40b@h>",
    "<sip:%4@h>",
    "<sip:%@h>",
    "<sip:a%4g@h>",
    "<sip:%41%4@h>",
    "<sip:%00%FF%aB@h>",
    "<sip:a%40b%>",
    "<sip:h;a=%4>",
    "<sip:h;a=%41%42;b%43>",
    "<sip:h%41>",
    "sip:%61@h;tag=1",
    "sip:%6@h",
    "<sip:a;b=c@h>",
    "<sip:a;b@h;p=1>",
    "<sip:a?b@h>",
    "<sip:a,b@h>",
    "<sip:a;b@h@g>",
    "<sip:;@h>",
    "<sip:a:b;c@h>",
    "<sip:a;b@h?x=y>",
    "<sip:a;b@>",
    "<sip:a;b%4@h>",
    "<sip:a;b%41@h_x>",
    "<sip:a@b@h>",
    "<sip:h.>",
    "<sip:1.2.3.4>",
    "<sip:1.2.3>",
    "<sip:01.2.3.4>",
    "<sip:[::1]>",
    "<sip:[::1>",
    "<sip:[::g]>",
    "<SIP:a@h>",
    "<Sip:a@h>",
    "<sips:a@h>",
    "<sipx:a@h>",
    "<tel:+1>",
    "<tel:>",
    "<1tel:x>",
    "<urn:a%>",
    "<tel:+1-555-0100>",
    "tel:+1-555-0100;tag=1",
    "<SIP:a@b>",
    "<Sips:a@b>",
    "<1a:b>",
    "<a:>",
    "<x-y.z+w:%41%42>",
    "<x_y:z>",
    "<mailto:a@b?subject=x>",
    "<urn:a b>",
    "<urn:a\\b>",
    "urn:a,b",
    "sip:a@b",
    "sip:a@b;tag=x",
    "sip:a@b?x=y",
    "sip:a@b,c",
    "sip:a@b>",
    "sip:a@b x",
    "sip:a@b ;tag=1",
    "tel:+1;tag=2",
    "a <sip:a@b>",
    "a b  c <sip:a@b>",
    "a<sip:a@b>",
    "a, b <sip:a@b>",
    "a@b <sip:a@b>",
    "\"\" <sip:a@b>",
    "\"a\"<sip:a@b>",
    "\"a\\\"\" <sip:a@b>",
    "\"a\\\u{e9}\" <sip:a@b>",
    "\"\u{e9}\" <sip:a@b>",
    "\"a\tb\" <sip:a@b>",
    "\"a\u{1}b\" <sip:a@b>",
    "\"a <sip:a@b>",
    "\"a\" sip:a@b",
    "*",
    " * ",
    "*, <sip:a@b>",
    "<sip:a@b>, *",
    "<sip:a@b>, ",
    ", <sip:a@b>",
    "<sip:a@b>,<sip:c@d>",
    "\"x,y\" <sip:a@b>, <sip:c@d>",
    "a@b",
    "a",
    "a@",
    "@b",
    "a@b@c",
    "a b",
    "a\"b",
    "a<b>:c\\d/e[f]?{g}",
    "1 INVITE",
    "1  INVITE",
    "1\tINVITE",
    "1INVITE",
    " 1 INVITE",
    "4294967295 OPTIONS",
    "4294967296 OPTIONS",
    "01 OPTIONS",
    "-1 OPTIONS",
    "1 invite",
    "1 FOO",
    "1 FOO BAR",
    "1 ",
    "1",
    "0",
    "00",
    "255",
    "256",
    "+1",
    "1 2",
    "99999999999999999999",
    "text/plain",
    "text/plain;charset=utf-8",
    "text/plain ; charset = \"utf-8\"",
    "text/plain;charset=\"utf-8",
    "text/plain;a=[::1]",
    "text/plain;a=[::1",
    "text/plain;;",
    "text/plain;",
    "text/",
    "/plain",
    "text / plain",
    "text/plain x",
    "*/*",
    "INVITE",
    "INVITE,ACK",
    "INVITE, ,ACK",
    "INVITE,",
    ",",
    "",
    "invite",
    "FOO",
    "INVITE FOO",
    "100rel, timer",
    "100rel timer",
    "\"x\"",
    "a/b",
    "OpenPhone/1.0 (x)",
    "\u{e9}",
    "a\u{7f}b",
    "a\u{85}b",
    "presence;id=1",
    "120 (x) ;duration=1",
    "Sat, 13 Nov 2010 23:29:00 GMT",
    "Digest realm=\"a\", nonce=\"b\"",
];

/// Every typed header name with every edge value, alone and as a two-item
/// list: the fast paths must never say yes where the typed parser says no.
#[test]
fn typed_value_edges() {
    let mut t = Tally::default();
    for name in TYPED_NAMES {
        for v in EDGE_VALUES {
            for value in [v.to_string(), format!("{v}, {v}"), format!("{v}\r\n {v}")] {
                let m = format!("OPTIONS sip:a@b SIP/2.0\r\n{name}: {value}\r\n\r\n");
                t.run(m.as_bytes());
            }
        }
    }
    // The same values as Request-URIs (start-line check of the view).
    for v in EDGE_VALUES {
        let u = v.trim_matches(|c| c == '<' || c == '>');
        t.run(format!("OPTIONS {u} SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n").as_bytes());
    }
    t.finish("typed header edge values");
}

// -------------------------------------------------------------- proptest

/// Header names (long, compact and odd-case forms) with values that parse;
/// `$M` is the request's method and `$L` the body length, so most
/// assembled messages are accepted and the fragments then make near misses.
const HEADERS: &[(&[&str], &[&str])] = &[
    (
        &["Via", "v", "VIA"],
        &[
            "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776",
            "SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKa;received=192.0.2.1;rport",
            "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TLS b.example.com:5061;branch=z9hG4bK2",
            "SIP / 2.0 / UDP host ; branch = z9hG4bK3",
            "SIP/2.0/UDP host;rport=5060;ttl=1;maddr=224.2.0.1",
        ],
    ),
    (
        &["From", "f", "To", "t", "to"],
        &[
            "\"Alice\" <sip:alice@atlanta.example.com>;tag=1928",
            "sip:bob@example.com;tag=x",
            "<tel:+1-201-555-0123>",
            "Bob <sips:bob@[::1]:5061>",
            "<sip:%61lice@example.com;transport=tcp?subject=hi>;tag=9",
        ],
    ),
    (
        &["Call-ID", "i", "call-id"],
        &["a84b4c76e66710@pc33.example.com", "abc", "xyz@[2001:db8::1]"],
    ),
    (&["CSeq", "CSEQ"], &["1 $M", "4294967295 $M", "99 INVITE", "0 $M"]),
    (
        &["Contact", "m"],
        &[
            "*",
            "<sip:alice@192.0.2.1>;expires=3600;q=0.5",
            "sip:a@b, <sip:c@d>;q=1",
            "\"A, B\" <sip:x@y>",
            "<sip:u@h>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"",
        ],
    ),
    (&["Max-Forwards"], &["70", "0", "255"]),
    (&["Content-Length", "l"], &["$L", "0", "$L1"]),
    (
        &["Content-Type", "c"],
        &[
            "application/sdp",
            "multipart/mixed;boundary=unique-boundary-1",
            "text/plain; charset=\"utf-8\"",
        ],
    ),
    (&["Expires", "Min-Expires"], &["3600", "0", "4294967295"]),
    (
        &["Route", "Record-Route"],
        &[
            "<sip:p1.example.com;lr>",
            "<sip:p1.example.com;lr>, <sip:[2001:db8::2]:5080;lr>",
        ],
    ),
    (
        &["Allow"],
        &[
            "INVITE, ACK, CANCEL, BYE, OPTIONS",
            "INVITE,FOO",
            "",
            "INVITE ,ACK,\tBYE",
            "INVITE,,ACK",
            "INVITE,",
            ",INVITE",
            "invite",
            "INVITE ACK",
            "\"INVITE\"",
        ],
    ),
    (
        &["Supported", "k", "Require", "Unsupported", "Proxy-Require"],
        &[
            "timer, 100rel",
            "sec-agree",
            "",
            " a , b ",
            "a,,b",
            "a,",
            ",a",
            "a b",
            "a\t,\tb",
            "a;b",
            "<a>",
            "\"a\"",
            "a,\u{e9}",
        ],
    ),
    (
        &["WWW-Authenticate", "Proxy-Authenticate"],
        &[
            "Digest realm=\"atlanta.example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", qop=\"auth,auth-int\", algorithm=MD5, opaque=\"\"",
            "Digest realm=\"x\",nonce=\"y\",stale=TRUE",
        ],
    ),
    (
        &["Authorization", "Proxy-Authorization"],
        &[
            "Digest username=\"alice\", realm=\"atlanta.example.com\", nonce=\"ea9c\", uri=\"sip:bob@example.com\", response=\"dfe56131d1958046689d83306477ecc\", qop=auth, nc=00000001, cnonce=\"0a4f113b\"",
            "Digest username=\"bob\",realm=\"r\",nonce=\"n\",uri=\"sip:r\",response=\"00\"",
        ],
    ),
    (&["Accept"], &["application/sdp, application/pidf+xml;q=0.5", "*/*", ""]),
    (&["Event", "o"], &["presence;id=1", "refer"]),
    (
        &["Refer-To", "r"],
        &["<sip:carol@example.com?Replaces=abc%40def%3Bto-tag%3D1>", "sip:carol@example.com"],
    ),
    (&["User-Agent", "Server"], &["OpenPhone/1.0 (test)", "Asterisk PBX 18"]),
    (
        &["Retry-After"],
        &["120 (I'm in a meeting);duration=3600", "5"],
    ),
    (
        &["Date"],
        &["Sat, 13 Nov 2010 23:29:00 GMT", "Thu, 21 Feb 2002 13:02:03 EST"],
    ),
    (
        &["Subject", "s", "X-Custom", "P-Asserted-Identity", "e", "z"],
        &["hello world", "", "a,\r\n b", "\"quoted, comma\"", "caf\u{e9}"],
    ),
];

/// Pieces values are assembled from (alone, or spliced into a valid value).
const FRAGMENTS: &[&[u8]] = &[
    b",",
    b";",
    b"%",
    b"\"",
    b"<",
    b">",
    b" ",
    b"\r\n ",
    b":",
    b"@",
    b"[",
    b"]",
    b"sip:",
    b"sips:",
    b"tel:+1-555",
    b"alice",
    b"example.com",
    b"[2001:db8::1]",
    b":5060",
    b";tag=1",
    b";branch=z9hG4bK",
    b";lr",
    b"\"Bob\"",
    b"SIP/2.0/UDP ",
    b"Digest ",
    b"realm=\"a\"",
    b"nonce=\"x,y\"",
    b"=",
    b"?",
    b"&",
    b"%41",
    b"%zz",
    b"0",
    b"4294967296",
    b"-1",
    b"(",
    b")",
    b"\\",
    b"*",
    b"\t",
    b"/",
    b"INVITE",
    b"\xc3\xa9",
    b"\xff",
    b"\0",
];

const START_LINES: &[&str] = &[
    "INVITE sip:bob@example.com SIP/2.0",
    "OPTIONS sip:[2001:db8::1]:5070;transport=tcp SIP/2.0",
    "REGISTER sips:registrar.example.com SIP/2.0",
    "MESSAGE tel:+1-201-555-0123 SIP/2.0",
    "ACK sip:%62ob@example.com;lr SIP/2.0",
    "FOO-BAR.baz sip:x@y SIP/2.0",
    "INVITE sip:bob@example.com SIP/2.1",
    "SIP/2.0 200 OK",
    "SIP/2.0 180 Ringing",
    "SIP/2.0 503 ",
    "SIP/2.0 699 Caf\u{e9} reason",
];

const SEPARATORS: &[&str] = &[": ", ":", " : ", ":\t", ":\r\n "];

const BODIES: &[&[u8]] = &[
    b"",
    b"v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n",
    b"hello",
    b"\0\xff\r\n\r\n",
];

#[derive(Debug, Clone)]
enum Value {
    /// A valid value from the table.
    Valid(prop::sample::Index),
    /// A valid value with a fragment spliced in.
    Spliced(
        prop::sample::Index,
        prop::sample::Index,
        prop::sample::Index,
    ),
    /// Fragments only.
    Fragments(Vec<prop::sample::Index>),
}

fn value_strategy() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => any::<prop::sample::Index>().prop_map(Value::Valid),
        2 => (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(v, at, f)| Value::Spliced(v, at, f)),
        1 => prop::collection::vec(any::<prop::sample::Index>(), 1..6).prop_map(Value::Fragments),
    ]
}

type HeaderSpec = (
    prop::sample::Index,
    prop::sample::Index,
    prop::sample::Index,
    Value,
);

/// Builds a message from the generated choices.
fn assemble(
    lead: usize,
    start: &prop::sample::Index,
    headers: &[HeaderSpec],
    body: &prop::sample::Index,
) -> Vec<u8> {
    let start = start.get(START_LINES);
    let method = if start.starts_with("SIP/") {
        "INVITE"
    } else {
        start.split(' ').next().unwrap_or("INVITE")
    };
    let body = body.get(BODIES);
    let mut out = b"\r\n".repeat(lead);
    out.extend_from_slice(start.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (h, name, sep, value) in headers {
        let (names, values) = h.get(HEADERS);
        let fill = |v: &str| {
            v.replace("$M", method)
                .replace("$L1", &(body.len() + 1).to_string())
                .replace("$L", &body.len().to_string())
                .into_bytes()
        };
        let v = match value {
            Value::Valid(i) => fill(values[i.index(values.len())]),
            Value::Spliced(i, at, f) => {
                let mut v = fill(values[i.index(values.len())]);
                let at = at.index(v.len() + 1);
                v.splice(at..at, f.get(FRAGMENTS).iter().copied());
                v
            }
            Value::Fragments(fs) => fs
                .iter()
                .flat_map(|f| f.get(FRAGMENTS).iter().copied())
                .collect(),
        };
        out.extend_from_slice(name.get(names).as_bytes());
        out.extend_from_slice(sep.get(SEPARATORS).as_bytes());
        out.extend_from_slice(&v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

#[derive(Debug, Clone)]
enum Edit {
    FlipBit(prop::sample::Index, u8),
    InsertByte(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    InsertSpecial(prop::sample::Index, prop::sample::Index),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    use prop::sample::Index;
    prop_oneof![
        2 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Edit::FlipBit(i, b)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::InsertByte(i, b)),
        2 => any::<Index>().prop_map(Edit::Delete),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(i, s)| Edit::InsertSpecial(i, s)),
    ]
}

fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut m = seed.to_vec();
    for e in edits {
        match e {
            Edit::FlipBit(i, bit) if !m.is_empty() => {
                let i = i.index(m.len());
                m[i] ^= 1 << bit;
            }
            Edit::InsertByte(i, b) => {
                let i = i.index(m.len() + 1);
                m.insert(i, *b);
            }
            Edit::Delete(i) if !m.is_empty() => {
                let i = i.index(m.len());
                m.remove(i);
            }
            Edit::InsertSpecial(i, s) => {
                let i = i.index(m.len() + 1);
                m.splice(i..i, s.get(SPECIALS).iter().copied());
            }
            _ => {}
        }
    }
    m
}

/// Proptest case count: `default`, or `PROPTEST_CASES` for a longer run
/// (e.g. `PROPTEST_CASES=200000 cargo test --release --test view_differential`).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(3000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_realistic_messages(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit_strategy(), 1..4),
    ) {
        let m = mutate(SEEDS[seed.index(SEEDS.len())], &edits);
        if let Err(x) = check(&m, &ParseLimits::default()) {
            return Err(TestCaseError::fail(x.to_string()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(2000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn assembled_messages(
        lead in 0usize..2,
        start in any::<prop::sample::Index>(),
        headers in prop::collection::vec(
            (any::<prop::sample::Index>(), any::<prop::sample::Index>(),
             any::<prop::sample::Index>(), value_strategy()),
            0..12,
        ),
        body in any::<prop::sample::Index>(),
    ) {
        let m = assemble(lead, &start, &headers, &body);
        if let Err(x) = check(&m, &ParseLimits::default()) {
            return Err(TestCaseError::fail(x.to_string()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(500),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Tight limits make the size and count checks fire at every position.
    #[test]
    fn mutated_messages_under_tight_limits(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit_strategy(), 0..3),
        max_message in 0usize..1200,
        max_headers in 0usize..20,
        max_header_line in 0usize..300,
    ) {
        let m = mutate(SEEDS[seed.index(SEEDS.len())], &edits);
        let limits = ParseLimits { max_message, max_headers, max_header_line };
        if let Err(x) = check(&m, &limits) {
            return Err(TestCaseError::fail(format!("{x}\nlimits: {limits:?}")));
        }
    }
}
