//! SRTP protect and unprotect of a 160-byte payload (172-byte PCMU packet),
//! OpenPhone's `openphone_media::srtp` against libsrtp2 in the same run, on
//! the same key and packet. Unprotect measures fresh packets only (a repeat
//! would be a replay), protected outside the timed part.
//!
//! `cargo bench -p srtp-anchor --bench srtp_vs_libsrtp2 -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use openphone_media::srtp::{MasterKey, SrtpContext, SrtpSuite};
use srtp_anchor::{Direction, Session, Suite, SPARE};

const LEN: usize = 12 + 160;
type Buf = [u8; LEN + SPARE];

fn packet(seq: u16) -> Buf {
    let mut p = [0u8; LEN + SPARE];
    p[..12].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 160, 0xca, 0xfe, 0xba, 0xbe]);
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in p[12..LEN].iter_mut().enumerate() {
        *b = i as u8;
    }
    p
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("srtp_160_byte_payload");
    for (ours, theirs) in [
        (SrtpSuite::AesCm128HmacSha1_80, Suite::AesCm128HmacSha1_80),
        (SrtpSuite::AeadAes128Gcm, Suite::AeadAes128Gcm),
    ] {
        let key: Vec<u8> = (0..theirs.key_salt_len() as u8)
            .map(|i| i * 7 + 1)
            .collect();
        let mk = MasterKey::from_concatenated(ours, &key).unwrap();

        let mut tx = SrtpContext::new(&mk, &mk, 64).unwrap();
        let mut seq = 0u16;
        g.bench_function(format!("{ours} protect / ours"), |b| {
            b.iter(|| {
                seq = seq.wrapping_add(1);
                let mut p = packet(seq);
                black_box(tx.protect_rtp(&mut p, LEN).unwrap())
            })
        });
        // What protect cost before `send.rs`: the crate's call, which
        // returns a new buffer (our wrapper then copied it back).
        let provider = rtc_srtp::crypto::default_provider().unwrap();
        let profile = match theirs {
            Suite::AeadAes128Gcm => rtc_srtp::protection_profile::ProtectionProfile::AeadAes128Gcm,
            _ => rtc_srtp::protection_profile::ProtectionProfile::Aes128CmHmacSha1_80,
        };
        let mut crate_tx = rtc_srtp::context::Context::new(
            mk.key(),
            mk.salt(),
            profile,
            None,
            None,
            provider.crypto(),
        )
        .unwrap();
        let mut seq = 0u16;
        g.bench_function(format!("{ours} protect / rtc-srtp alone"), |b| {
            b.iter(|| {
                seq = seq.wrapping_add(1);
                let p = packet(seq);
                black_box(crate_tx.encrypt_rtp(&p[..LEN]).unwrap())
            })
        });
        let mut tx = Session::new(theirs, &key, Direction::Outbound).unwrap();
        let mut seq = 0u16;
        g.bench_function(format!("{ours} protect / libsrtp2"), |b| {
            b.iter(|| {
                seq = seq.wrapping_add(1);
                let mut p = packet(seq);
                black_box(tx.protect_rtp(&mut p, LEN).unwrap())
            })
        });

        // Both receivers get packets protected by libsrtp2 (the two sides
        // agree on the wire, tests/cross_check.rs).
        let mut tx = Session::new(theirs, &key, Direction::Outbound).unwrap();
        let mut rx = SrtpContext::new(&mk, &mk, 64).unwrap();
        let mut seq = 0u16;
        g.bench_function(format!("{ours} unprotect / ours"), |b| {
            b.iter_batched(
                || {
                    seq = seq.wrapping_add(1);
                    let mut p = packet(seq);
                    let n = tx.protect_rtp(&mut p, LEN).unwrap();
                    (p, n)
                },
                |(p, n)| black_box(rx.unprotect(&p[..n]).unwrap().len()),
                BatchSize::SmallInput,
            )
        });
        let mut tx = Session::new(theirs, &key, Direction::Outbound).unwrap();
        let mut rx = Session::new(theirs, &key, Direction::Inbound).unwrap();
        let mut seq = 0u16;
        g.bench_function(format!("{ours} unprotect / libsrtp2"), |b| {
            b.iter_batched(
                || {
                    seq = seq.wrapping_add(1);
                    let mut p = packet(seq);
                    let n = tx.protect_rtp(&mut p, LEN).unwrap();
                    (p, n)
                },
                |(mut p, n)| black_box(rx.unprotect_rtp(&mut p, n).unwrap()),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
    parts(c);
}

/// Where our AES-CM protect spends its time: the steps `rtc-srtp` 0.21
/// takes per packet, each alone, through the same crypto provider.
fn parts(c: &mut Criterion) {
    use rtc_srtp::crypto::{default_provider, HmacAlgorithm, StreamCipherAlgorithm};
    let mut g = c.benchmark_group("srtp_aes_cm_protect_parts");
    let provider = default_provider().unwrap();
    let crypto = provider.crypto();
    let p = packet(1);
    g.bench_function("new output buffer + copy (BytesMut)", |b| {
        b.iter(|| {
            let mut w = bytes::BytesMut::with_capacity(LEN + 10);
            w.extend_from_slice(&p[..LEN]);
            black_box(w)
        })
    });
    let mut aes = crypto
        .new_stream_cipher(StreamCipherAlgorithm::Aes128Ctr, &[9u8; 16])
        .unwrap();
    let mut buf = p;
    g.bench_function("AES-128-CM over 160 bytes (key schedule per call)", |b| {
        b.iter(|| {
            aes.apply_keystream(&[3u8; 16], &mut buf[12..LEN]).unwrap();
            black_box(&buf);
        })
    });
    let mut mac = crypto.new_hmac(HmacAlgorithm::Sha1, &[5u8; 20]).unwrap();
    g.bench_function("HMAC-SHA1 over 172 bytes + ROC (pre-keyed)", |b| {
        b.iter(|| {
            let mut tag = [0u8; 20];
            mac.sign(&[&p[..LEN], &[0u8; 4]], &mut tag).unwrap();
            black_box(tag)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
