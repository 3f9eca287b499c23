//! SDP parse and print cost per call setup.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use openphone_sdp::SessionDescription;

/// A baresip-style offer: 20 lines, two media sections, the usual attributes.
const OFFER: &str = "v=0\r\no=- 3973070478 208142209 IN IP4 192.168.1.20\r\ns=-\r\n\
c=IN IP4 192.168.1.20\r\nt=0 0\r\na=tool:bench\r\nm=audio 34718 RTP/AVP 96 9 0 8 101\r\n\
b=AS:128\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=1;sprop-stereo=1\r\n\
a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\na=rtcp-rsize\r\n\
a=ptime:20\r\nm=video 0 RTP/AVP 96\r\n";

fn bench(c: &mut Criterion) {
    let sd = SessionDescription::parse(OFFER.as_bytes()).unwrap();
    c.bench_function("sdp parse (baresip-style offer, 20 lines)", |b| {
        b.iter(|| SessionDescription::parse(black_box(OFFER.as_bytes())).unwrap())
    });
    c.bench_function("sdp print", |b| b.iter(|| black_box(&sd).to_string()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
