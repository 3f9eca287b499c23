//! SDP offer/answer cost per call setup: conversion of a parsed offer to the
//! SAL's `MediaDescription`, RFC 3264 negotiation, and our answer back to
//! SDP. Parsing and printing are measured in openphone-sdp
//! (media/sdp/benches/sdp.rs).
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use openphone_media::sdp::{self, SdpOrigin, SessionDescription};
use openphone_sal::media::negotiate;
use openphone_sal::{CodecDescriptor, MediaDescription, StreamDescription};

/// The same baresip-style offer as openphone-sdp's parse bench.
const OFFER: &str = "v=0\r\no=- 3973070478 208142209 IN IP4 192.168.1.20\r\ns=-\r\n\
c=IN IP4 192.168.1.20\r\nt=0 0\r\na=tool:bench\r\nm=audio 34718 RTP/AVP 96 9 0 8 101\r\n\
b=AS:128\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=1;sprop-stereo=1\r\n\
a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\na=rtcp-rsize\r\n\
a=ptime:20\r\nm=video 0 RTP/AVP 96\r\n";

fn bench(c: &mut Criterion) {
    let sd = SessionDescription::parse(OFFER.as_bytes()).unwrap();
    let remote = sdp::description_from_sdp(&sd).unwrap();
    let local = MediaDescription::from(
        StreamDescription::audio("192.168.1.30:40000".parse().unwrap())
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16")),
    );
    let origin = SdpOrigin {
        username: "-".into(),
        session_id: 1,
        session_version: 1,
        address: "192.168.1.30".parse().unwrap(),
    };
    c.bench_function("description_from_sdp + answer", |b| {
        b.iter(|| {
            let remote = sdp::description_from_sdp(black_box(&sd)).unwrap();
            negotiate::answer(&local, &remote).unwrap()
        })
    });
    c.bench_function("answer only", |b| {
        b.iter(|| negotiate::answer(black_box(&local), black_box(&remote)).unwrap())
    });
    let (answer, _) = negotiate::answer(&local, &remote).unwrap();
    c.bench_function("sdp_answer_for + print", |b| {
        b.iter(|| sdp::sdp_answer_for(black_box(&sd), black_box(&answer), &origin).to_string())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
