//! SRTP cost per packet: protect and unprotect of a 172-byte PCMU packet
//! (12-byte header + 160-byte payload) through `openphone_media::srtp`
//! (AES-CM protect in place in `srtp/send.rs`, everything else through
//! rtc-srtp 0.21), and the crate's own call, which returns a new buffer per
//! packet. The side-by-side with libsrtp2 is `srtp-anchor`'s bench.
//!
//! `cargo bench -p openphone-media --bench srtp_protect`

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use openphone_media::srtp::{MasterKey, SrtpContext, SrtpSuite, MAX_OVERHEAD};

const PAYLOAD: usize = 160;

fn packet(seq: u16) -> [u8; 12 + PAYLOAD] {
    let mut p = [0u8; 12 + PAYLOAD];
    p[..12].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0xca, 0xfe, 0xba, 0xbe]);
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in p[12..].iter_mut().enumerate() {
        *b = i as u8;
    }
    p
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("srtp_160_byte_payload");
    for suite in [
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::AesCm128HmacSha1_32,
        SrtpSuite::AeadAes128Gcm,
    ] {
        let key = MasterKey::random(suite).unwrap();

        // Protect in the caller's buffer (the session's send slot).
        let mut tx = SrtpContext::new(&key, &key, 64).unwrap();
        let mut buf = [0u8; 12 + PAYLOAD + MAX_OVERHEAD];
        let mut seq = 0u16;
        g.bench_function(format!("{suite} protect (ours, into the slot)"), |b| {
            b.iter(|| {
                seq = seq.wrapping_add(1);
                buf[..12 + PAYLOAD].copy_from_slice(&packet(seq));
                black_box(tx.protect_rtp(&mut buf, 12 + PAYLOAD).unwrap())
            })
        });

        // Unprotect: every packet new (a repeat would be a replay).
        let mut tx = SrtpContext::new(&key, &key, 64).unwrap();
        let mut rx = SrtpContext::new(&key, &key, 64).unwrap();
        let mut seq = 0u16;
        g.bench_function(format!("{suite} unprotect (ours)"), |b| {
            b.iter_batched(
                || {
                    seq = seq.wrapping_add(1);
                    let mut buf = [0u8; 12 + PAYLOAD + MAX_OVERHEAD];
                    buf[..12 + PAYLOAD].copy_from_slice(&packet(seq));
                    let n = tx.protect_rtp(&mut buf, 12 + PAYLOAD).unwrap();
                    (buf, n)
                },
                |(buf, n)| black_box(rx.unprotect(&buf[..n]).unwrap().len()),
                BatchSize::SmallInput,
            )
        });
    }

    // The crate alone: a new BytesMut per packet, no copy back.
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let key = MasterKey::random(suite).unwrap();
    let crypto = rtc_srtp::crypto::default_provider().unwrap();
    let mut ctx = rtc_srtp::context::Context::new(
        key.key(),
        key.salt(),
        rtc_srtp::protection_profile::ProtectionProfile::Aes128CmHmacSha1_80,
        None,
        None,
        crypto.crypto(),
    )
    .unwrap();
    let mut seq = 0u16;
    g.bench_function(
        format!("{suite} protect (rtc-srtp alone, new buffer)"),
        |b| {
            b.iter(|| {
                seq = seq.wrapping_add(1);
                let p = packet(seq);
                black_box(ctx.encrypt_rtp(&p).unwrap())
            })
        },
    );
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
