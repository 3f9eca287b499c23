//! Which RTP packet crate: webrtc-rs `rtp` (0.17) or the sans-IO `rtc-rtp`
//! (0.21). Parses and re-serialises a 172-byte PCMU packet (12-byte header +
//! 160-byte payload), as the media path does for every packet.
//!
//! `cargo bench -p openphone-media --bench rtp`

use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn sample_packet() -> Vec<u8> {
    let mut p = vec![
        0x80, 0x00, 0x12, 0x34, 0, 0, 0x0f, 0xa0, 0xde, 0xad, 0xbe, 0xef,
    ];
    p.extend((0..160).map(|i| i as u8));
    p
}

fn bench(c: &mut Criterion) {
    let raw = sample_packet();
    let raw_bytes = bytes::Bytes::from(raw.clone());
    let mut out = [0u8; 1500];

    let mut g = c.benchmark_group("rtp_parse_serialize");
    g.bench_function("rtp-0.17 from &[u8]", |b| {
        use webrtc_util::marshal::{Marshal, Unmarshal};
        b.iter(|| {
            let mut buf: &[u8] = black_box(&raw);
            let p = rtp::packet::Packet::unmarshal(&mut buf).unwrap();
            let n = p.marshal_to(&mut out).unwrap();
            black_box(n)
        })
    });
    g.bench_function("rtp-0.17 from Bytes", |b| {
        use webrtc_util::marshal::{Marshal, Unmarshal};
        b.iter(|| {
            let mut buf = black_box(raw_bytes.clone());
            let p = rtp::packet::Packet::unmarshal(&mut buf).unwrap();
            let n = p.marshal_to(&mut out).unwrap();
            black_box(n)
        })
    });
    g.bench_function("rtc-rtp-0.21 from &[u8]", |b| {
        use shared::marshal::{Marshal, Unmarshal};
        b.iter(|| {
            let mut buf: &[u8] = black_box(&raw);
            let p = rtc_rtp::Packet::unmarshal(&mut buf).unwrap();
            let n = p.marshal_to(&mut out).unwrap();
            black_box(n)
        })
    });
    g.bench_function("rtc-rtp-0.21 from Bytes", |b| {
        use shared::marshal::{Marshal, Unmarshal};
        b.iter(|| {
            let mut buf = black_box(raw_bytes.clone());
            let p = rtc_rtp::Packet::unmarshal(&mut buf).unwrap();
            let n = p.marshal_to(&mut out).unwrap();
            black_box(n)
        })
    });
    g.bench_function("rtc-rtp-0.21 header only (payload borrowed)", |b| {
        use shared::marshal::{Marshal, MarshalSize, Unmarshal};
        b.iter(|| {
            let mut buf: &[u8] = black_box(&raw);
            let h = rtc_rtp::header::Header::unmarshal(&mut buf).unwrap();
            let payload = buf;
            let n = h.marshal_to(&mut out).unwrap();
            out[n..n + payload.len()].copy_from_slice(payload);
            black_box(h.marshal_size() + payload.len())
        })
    });
    g.bench_function("rtp-0.17 header only (payload borrowed)", |b| {
        use webrtc_util::marshal::{Marshal, MarshalSize, Unmarshal};
        b.iter(|| {
            let mut buf: &[u8] = black_box(&raw);
            let h = rtp::header::Header::unmarshal(&mut buf).unwrap();
            let payload = buf;
            let n = h.marshal_to(&mut out).unwrap();
            out[n..n + payload.len()].copy_from_slice(payload);
            black_box(h.marshal_size() + payload.len())
        })
    });
    g.bench_function(
        "openphone RtpPacket::parse + write_packet (uses rtp-0.17 header)",
        |b| {
            use openphone_media::rtp::{write_packet, RtpPacket};
            b.iter(|| {
                let p = RtpPacket::parse(black_box(&raw)).unwrap();
                black_box(write_packet(&mut out, &p.header, p.payload).unwrap())
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
