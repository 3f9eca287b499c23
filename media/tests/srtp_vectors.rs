//! Known answers for `openphone_media::srtp`.
//!
//! * RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation)
//!   check an independent reference written here from RFC 3711 §4.1.1,
//!   §4.2 and §4.3 (AES-CM with the `aes`/`ctr` crates, HMAC-SHA1).
//! * That reference then checks our wrapper where the corpus has no
//!   vector: packets across the sequence wrap (the rollover counter enters
//!   both the keystream and the tag), and the 32-bit tag.
//! * The whole-packet vectors of `../shared/corpora/srtp-vectors` (libsrtp's
//!   `srtp_validate*`: AES-CM-128/80 RTP and SRTCP, AES-256-CM RTP,
//!   AEAD-AES-128-GCM RTP and SRTCP) must come out of our wrapper byte for
//!   byte, and unprotect back.

use std::path::PathBuf;

use aes::cipher::{BlockEncrypt, KeyInit, KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use openphone_media::srtp::{MasterKey, SrtpContext, SrtpError, SrtpSuite, MAX_OVERHEAD};
use serde_json::Value;

fn corpus() -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora/srtp-vectors/srtp-vectors.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "SRTP vectors not found at {} (the shared/ folder must sit beside the repository): {e}",
            p.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

fn hex(v: &Value) -> Vec<u8> {
    let s = v.as_str().unwrap();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// ---- The reference, from RFC 3711 -------------------------------------

type Aes128Ctr = ctr::Ctr128BE<aes::Aes128>;

/// AES-CM (§4.1.1): `data` XOR the keystream from `iv`.
fn aes_cm(key: &[u8], iv: &[u8; 16], data: &mut [u8]) {
    let mut c = Aes128Ctr::new(key.into(), iv.into());
    c.apply_keystream(data);
}

/// The key derivation (§4.3.1, key derivation rate 0): `len` octets for `label`.
fn kdf(master_key: &[u8], master_salt: &[u8], label: u8, len: usize) -> Vec<u8> {
    // key_id = label || r (48 bits, 0 here); x = key_id XOR master_salt,
    // both right-aligned in 112 bits; IV = x * 2^16.
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(master_salt);
    iv[7] ^= label;
    let mut out = vec![0u8; len];
    aes_cm(master_key, &iv, &mut out);
    out
}

/// SRTP session keys for AES-CM-128: (cipher key, cipher salt, auth key).
fn session_keys(master_key: &[u8], master_salt: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    (
        kdf(master_key, master_salt, 0, 16),
        kdf(master_key, master_salt, 2, 14),
        kdf(master_key, master_salt, 1, 20),
    )
}

/// Protects an RTP packet with a 12-octet header (§3.1, §4.1.1, §4.2).
fn reference_protect(
    master_key: &[u8],
    master_salt: &[u8],
    packet: &[u8],
    roc: u32,
    tag_len: usize,
) -> Vec<u8> {
    let (ke, ks, ka) = session_keys(master_key, master_salt);
    let seq = u16::from_be_bytes([packet[2], packet[3]]);
    let index = (u64::from(roc) << 16) | u64::from(seq);
    // IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(&ks);
    for (b, s) in iv[4..8].iter_mut().zip(&packet[8..12]) {
        *b ^= s;
    }
    for (b, s) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
        *b ^= s;
    }
    let mut out = packet.to_vec();
    aes_cm(&ke, &iv, &mut out[12..]);
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(&ka).unwrap();
    mac.update(&out);
    mac.update(&roc.to_be_bytes());
    let tag = mac.finalize().into_bytes();
    out.extend_from_slice(&tag[..tag_len]);
    out
}

/// Protects an RTCP compound as SRTCP with AES-CM-128 (§3.4, §4.1.1, §4.2):
/// always encrypted (E = 1), with SRTCP index `index`.
fn reference_protect_rtcp(
    master_key: &[u8],
    master_salt: &[u8],
    compound: &[u8],
    index: u32,
    tag_len: usize,
) -> Vec<u8> {
    let ke = kdf(master_key, master_salt, 3, 16);
    let ka = kdf(master_key, master_salt, 4, 20);
    let ks = kdf(master_key, master_salt, 5, 14);
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(&ks);
    for (b, s) in iv[4..8].iter_mut().zip(&compound[4..8]) {
        *b ^= s;
    }
    for (b, s) in iv[10..14].iter_mut().zip(&index.to_be_bytes()) {
        *b ^= s;
    }
    let mut out = compound.to_vec();
    aes_cm(&ke, &iv, &mut out[8..]);
    out.extend_from_slice(&(index | 0x8000_0000).to_be_bytes());
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(&ka).unwrap();
    mac.update(&out);
    let tag = mac.finalize().into_bytes();
    out.extend_from_slice(&tag[..tag_len]);
    out
}

// ---- The reference against RFC 3711 Appendix B -------------------------

#[test]
fn reference_matches_rfc3711_b2_keystream() {
    let c = corpus();
    let b2 = &c["rfc3711_b2_aes_cm_keystream"];
    let key = hex(&b2["session_key"]);
    let iv_first = hex(&b2["iv_first_block"]);
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(&hex(&b2["session_salt"]));
    assert_eq!(&iv[..], &iv_first[..]);
    let blocks = b2["keystream_blocks"].as_object().unwrap();
    assert_eq!(blocks.len(), 6);
    let aes = aes::Aes128::new(key.as_slice().into());
    for (counter, expected) in blocks {
        let j = u16::from_str_radix(counter, 16).unwrap();
        let mut block = iv;
        block[14..].copy_from_slice(&j.to_be_bytes());
        let mut b = block.into();
        aes.encrypt_block(&mut b);
        assert_eq!(b.as_slice(), hex(expected), "keystream block {counter}");
    }
    // The counter-mode form gives the same stream.
    let mut ks = vec![0u8; 48];
    aes_cm(&key, &iv, &mut ks);
    assert_eq!(&ks[..16], hex(&blocks["0000"]));
    assert_eq!(&ks[32..], hex(&blocks["0002"]));
}

#[test]
fn reference_matches_rfc3711_b3_key_derivation() {
    let c = corpus();
    let b3 = &c["rfc3711_b3_key_derivation"];
    let (mk, ms) = (hex(&b3["master_key"]), hex(&b3["master_salt"]));
    assert_eq!(kdf(&mk, &ms, 0, 16), hex(&b3["srtp_cipher_key_label0"]));
    assert_eq!(kdf(&mk, &ms, 2, 14), hex(&b3["srtp_cipher_salt_label2"]));
    assert_eq!(
        kdf(&mk, &ms, 1, 94),
        hex(&b3["srtp_auth_key_label1_94_octets"])
    );
}

// ---- Our wrapper -------------------------------------------------------

fn suite_of(name: &str) -> SrtpSuite {
    [
        ("AES_CM_128_HMAC_SHA1_80", SrtpSuite::AesCm128HmacSha1_80),
        ("AES_256_CM_HMAC_SHA1_80", SrtpSuite::AesCm256HmacSha1_80),
        ("AEAD_AES_128_GCM", SrtpSuite::AeadAes128Gcm),
    ]
    .into_iter()
    .find(|(n, _)| name.starts_with(n))
    .map(|(_, s)| s)
    .unwrap_or_else(|| panic!("no suite for {name}"))
}

/// A context whose both directions use `key` (so it unprotects its own output).
fn context(key: &MasterKey) -> SrtpContext {
    SrtpContext::new(key, key, 64).unwrap()
}

fn protect(ctx: &mut SrtpContext, clear: &[u8], rtcp: bool) -> Vec<u8> {
    let mut buf = clear.to_vec();
    buf.resize(clear.len() + MAX_OVERHEAD, 0);
    let n = if rtcp {
        ctx.protect_rtcp(&mut buf, clear.len())
    } else {
        ctx.protect_rtp(&mut buf, clear.len())
    }
    .unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn wrapper_reproduces_the_libsrtp_packet_vectors() {
    let c = corpus();
    let packets = c["packets"].as_array().unwrap();
    assert_eq!(packets.len(), 5);
    for p in packets {
        let name = p["name"].as_str().unwrap();
        let suite = suite_of(name);
        let salt = p
            .get("master_salt")
            .or_else(|| p.get("master_salt_12_octets"))
            .unwrap();
        let key = MasterKey::new(suite, &hex(&p["master_key"]), &hex(salt)).unwrap();
        let rtcp = name.contains("RTCP");
        let (clear, protected) = (hex(&p["plaintext"]), hex(&p["protected"]));

        let mut tx = context(&key);
        assert_eq!(protect(&mut tx, &clear, rtcp), protected, "protect {name}");
        let mut rx = context(&key);
        assert_eq!(
            rx.unprotect(&protected).unwrap(),
            &clear[..],
            "unprotect {name}"
        );
        // The same packet again is a replay.
        assert_eq!(rx.unprotect(&protected), Err(SrtpError::Replayed), "{name}");
        // Any flipped bit fails authentication, in a fresh context.
        for at in [1, 9, protected.len() / 2, protected.len() - 1] {
            let mut bad = protected.clone();
            bad[at] ^= 0x10;
            let r = context(&key).unprotect(&bad).map(<[u8]>::to_vec);
            assert_eq!(r, Err(SrtpError::AuthFailed), "{name}, bit flipped at {at}");
        }
    }
}

#[test]
fn reference_reproduces_the_libsrtp_aes_cm_vector() {
    // Ties the reference to an outside whole-packet answer too.
    let c = corpus();
    let p = &c["packets"][0];
    assert!(p["name"]
        .as_str()
        .unwrap()
        .starts_with("AES_CM_128_HMAC_SHA1_80 RTP"));
    let out = reference_protect(
        &hex(&p["master_key"]),
        &hex(&p["master_salt"]),
        &hex(&p["plaintext"]),
        0,
        10,
    );
    assert_eq!(out, hex(&p["protected"]));
}

/// A 12-octet header and 160 octets of payload.
fn rtp_packet(seq: u16, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, 0x00];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend((0..160u32).map(|i| (i as u8) ^ (seq as u8)));
    p
}

#[test]
fn wrapper_matches_the_reference_across_the_sequence_wrap() {
    let c = corpus();
    let b3 = &c["rfc3711_b3_key_derivation"];
    let (mk, ms) = (hex(&b3["master_key"]), hex(&b3["master_salt"]));
    for (suite, tag) in [
        (SrtpSuite::AesCm128HmacSha1_80, 10),
        (SrtpSuite::AesCm128HmacSha1_32, 4),
    ] {
        let key = MasterKey::new(suite, &mk, &ms).unwrap();
        let (mut tx, mut rx) = (context(&key), context(&key));
        // 65530 .. 65535 under ROC 0, then 0 .. 9 under ROC 1; one packet
        // lost at the wrap and one reordered across it.
        let seqs: Vec<u16> = (65_530..=65_535).chain(0..10).collect();
        let mut wire = Vec::new();
        for &seq in &seqs {
            let clear = rtp_packet(seq, 0xcafe_babe);
            let roc = u32::from(seq < 100);
            let ours = protect(&mut tx, &clear, false);
            let theirs = reference_protect(&mk, &ms, &clear, roc, tag);
            assert_eq!(ours, theirs, "{suite} seq {seq} (ROC {roc})");
            wire.push((seq, clear, ours));
        }
        // Deliver: 65535 is lost, 1 comes before 0.
        let order = [0usize, 1, 2, 3, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        for &i in &order {
            let (seq, clear, protected) = &wire[i];
            let got = rx
                .unprotect(protected)
                .unwrap_or_else(|e| panic!("seq {seq}: {e}"));
            assert_eq!(got, &clear[..], "seq {seq}");
        }
        // The late packet from before the wrap still authenticates with ROC 0.
        let (_, clear, protected) = &wire[5];
        assert_eq!(rx.unprotect(protected).unwrap(), &clear[..]);
    }
}

#[test]
fn srtcp_without_the_encryption_flag_is_refused() {
    // `UNENCRYPTED_SRTCP` is never agreed, so E = 0 is a forgery, whatever
    // the tag says.
    let c = corpus();
    for i in [1, 4] {
        let p = &c["packets"][i];
        let name = p["name"].as_str().unwrap();
        let suite = suite_of(name);
        let salt = p
            .get("master_salt")
            .or_else(|| p.get("master_salt_12_octets"))
            .unwrap();
        let key = MasterKey::new(suite, &hex(&p["master_key"]), &hex(salt)).unwrap();
        let clear = hex(&p["plaintext"]);
        // The clear compound, a zero index with E = 0, and a made-up tag.
        let mut forged = clear.clone();
        forged.extend_from_slice(&[0, 0, 0, 5]);
        forged.extend_from_slice(&[0xab; 10]);
        if matches!(suite, SrtpSuite::AeadAes128Gcm) {
            forged.truncate(clear.len());
            forged.extend_from_slice(&[0xab; 16]);
            forged.extend_from_slice(&[0, 0, 0, 5]);
        }
        let r = context(&key).unprotect(&forged).map(<[u8]>::to_vec);
        assert_eq!(r, Err(SrtpError::AuthFailed), "{name}");
    }
}

#[test]
fn srtcp_tags_match_the_reference_for_both_tag_lengths() {
    let c = corpus();
    let p = &c["packets"][1];
    assert!(p["name"]
        .as_str()
        .unwrap()
        .starts_with("AES_CM_128_HMAC_SHA1_80 RTCP"));
    let (mk, ms) = (hex(&p["master_key"]), hex(&p["master_salt"]));
    let clear = hex(&p["plaintext"]);
    // The reference reproduces libsrtp's SRTCP vector (index 1)...
    assert_eq!(
        reference_protect_rtcp(&mk, &ms, &clear, 1, 10),
        hex(&p["protected"])
    );
    // ... and checks the 32-bit SRTCP tag of the _32 suite, which has no
    // outside vector, over several indices.
    let key = MasterKey::new(SrtpSuite::AesCm128HmacSha1_32, &mk, &ms).unwrap();
    let (mut tx, mut rx) = (context(&key), context(&key));
    for index in 1..=3 {
        let ours = protect(&mut tx, &clear, true);
        assert_eq!(ours, reference_protect_rtcp(&mk, &ms, &clear, index, 4));
        assert_eq!(rx.unprotect(&ours).unwrap(), &clear[..]);
        let mut bad = ours.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let r = context(&key).unprotect(&bad).map(<[u8]>::to_vec);
        assert_eq!(r, Err(SrtpError::AuthFailed));
    }
}
