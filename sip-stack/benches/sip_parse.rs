//! Parse throughput: openphone-sip's typed parser vs `rsip` 0.4.
//!
//! Inputs: (a) the 30 RFC 4475 messages that must parse, (b) a typical
//! INVITE with SDP, (c) a typical 200 OK.
//!
//! * `openphone_view`: `MessageView::parse`, what the UA core runs on every
//!   datagram — every known header checked against its grammar, values
//!   left in the buffer;
//! * `openphone_typed`: `SipMessage::parse_datagram`, the same checks plus
//!   the owned typed tree;
//! * `rsip`: rsip 0.4, which splits headers into untyped strings;
//! * `rsip_typed`: rsip plus the typed Via/From/To/CSeq/Contact a stack
//!   needs before it can match a transaction.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use openphone_sip::message::{MessageView, SipMessage};

const INVITE: &[u8] = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: \"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com:5060;transport=udp>;expires=3600\r\n\
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK, REFER, NOTIFY, MESSAGE\r\n\
Supported: replaces, timer, 100rel\r\n\
User-Agent: OpenPhone/0.1\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 222\r\n\
\r\n\
v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n\
s=-\r\n\
c=IN IP4 192.0.2.101\r\n\
t=0 0\r\n\
m=audio 49172 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=sendrecv\r\n";

const OK_200: &[u8] = b"SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8;received=192.0.2.3\r\n\
Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:bob@192.0.2.4>\r\n\
Record-Route: <sip:server10.biloxi.example.com;lr>, <sip:bigbox3.site3.atlanta.example.com;lr>\r\n\
Server: OpenPhone/0.1\r\n\
Content-Length: 0\r\n\
\r\n";

fn rfc4475_valid() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/rfc4475");
    let index = std::fs::read_to_string(dir.join("INDEX.tsv")).expect("RFC 4475 corpus");
    index
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.get(4) == Some(&"parse"))
                .then(|| std::fs::read(dir.join("messages").join(c[0])).expect("message"))
        })
        .collect()
}

fn bench_set(c: &mut Criterion, name: &str, msgs: &[Vec<u8>]) {
    let bytes: usize = msgs.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("openphone_view", |b| {
        b.iter(|| {
            for m in msgs {
                let _ = black_box(MessageView::parse(black_box(m)));
            }
        })
    });
    g.bench_function("openphone_typed", |b| {
        b.iter(|| {
            for m in msgs {
                let _ = black_box(SipMessage::parse_datagram(black_box(m)));
            }
        })
    });
    g.bench_function("rsip", |b| {
        b.iter(|| {
            for m in msgs {
                let _ = black_box(rsip::SipMessage::try_from(black_box(&m[..])));
            }
        })
    });
    // What a stack needs before it can match a transaction: rsip's lazily
    // typed Via/From/To/CSeq/Contact on top of its untyped parse.
    g.bench_function("rsip_typed", |b| {
        b.iter(|| {
            for m in msgs {
                let _ = black_box(rsip_typed(black_box(m)));
            }
        })
    });
    g.finish();
}

fn rsip_typed(m: &[u8]) -> Result<usize, rsip::Error> {
    use rsip::prelude::*;
    let msg = rsip::SipMessage::try_from(m)?;
    let mut n = 0;
    for h in msg.headers().iter() {
        n += match h {
            rsip::Header::Via(v) => v.typed().map(|_| 1)?,
            rsip::Header::From(v) => v.typed().map(|_| 1)?,
            rsip::Header::To(v) => v.typed().map(|_| 1)?,
            rsip::Header::CSeq(v) => v.typed().map(|_| 1)?,
            rsip::Header::Contact(v) => v.typed().map(|_| 1)?,
            _ => 0,
        };
    }
    Ok(n)
}

fn benches(c: &mut Criterion) {
    let valid = rfc4475_valid();
    // How many of the set each parser accepts (printed once for the record).
    let ours = valid
        .iter()
        .filter(|m| SipMessage::parse_datagram(m).is_ok())
        .count();
    let theirs = valid
        .iter()
        .filter(|m| rsip::SipMessage::try_from(&m[..]).is_ok())
        .count();
    let typed = valid.iter().filter(|m| rsip_typed(m).is_ok()).count();
    let view = valid
        .iter()
        .filter(|m| MessageView::parse(m).is_ok())
        .count();
    assert_eq!(view, ours, "MessageView and SipMessage must agree");
    println!(
        "RFC 4475 valid set: {} messages; openphone parses {ours}, rsip {theirs}, rsip+typed {typed}",
        valid.len()
    );
    bench_set(c, "rfc4475_valid", &valid);
    bench_set(c, "invite_sdp", &[INVITE.to_vec()]);
    bench_set(c, "ok_200", &[OK_200.to_vec()]);
}

criterion_group!(sip_parse, benches);
criterion_main!(sip_parse);
