//! ZRTP packet layer and crypto against the bzrtp trace and KDF vectors in
//! `../shared/corpora/zrtp-bzrtp` (README there): the expected values are
//! the corpus's, never our own output.
//!
//! The trace is one DH-3072 exchange: SSRC 0x87654321 is the initiator
//! (it sends Commit, DHPart2, Confirm2), 0x12345678 the responder.

use std::path::PathBuf;

use openphone_media::zrtp::crypto::{hmac_sha256, kdf, mac64, sha256, HashChain};
use openphone_media::zrtp::{
    crypto, parse_packet, write_packet, CommitKind, ConfirmBody, Message, ZrtpPacketError,
};
use serde_json::Value;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/zrtp-bzrtp")
}

fn vectors() -> Value {
    let path = corpus().join("zrtp-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "ZRTP vectors not found at {} (the shared/ folder must sit beside the repository): {e}",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hexs(v: &Value) -> Vec<u8> {
    unhex(v.as_str().unwrap())
}

/// The nine packets, in trace order, as raw octets.
fn packets() -> Vec<Vec<u8>> {
    vectors()["packets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let data = std::fs::read(corpus().join(p["file"].as_str().unwrap())).unwrap();
            assert_eq!(data.len() as u64, p["length"].as_u64().unwrap());
            data
        })
        .collect()
}

/// Message octets of packet `i` (header and CRC removed).
fn message(pkts: &[Vec<u8>], i: usize) -> Vec<u8> {
    parse_packet(&pkts[i]).unwrap().message.to_vec()
}

#[test]
fn every_packet_parses_reencodes_and_carries_the_right_crc() {
    let pkts = packets();
    let kinds = [
        "Hello   ", "Hello   ", "HelloACK", "Commit  ", "DHPart1 ", "DHPart2 ", "Confirm1",
        "Confirm2", "Conf2ACK",
    ];
    for (data, kind) in pkts.iter().zip(kinds) {
        let p = parse_packet(data).unwrap();
        let m = Message::parse(p.message).unwrap();
        assert_eq!(m.kind(), kind.as_bytes());
        // Our encoder gives back the same octets, and our framing the same
        // packet, CRC included (CRC-32C written little-endian, per the corpus).
        assert_eq!(m.to_bytes(), p.message, "{kind}");
        assert_eq!(&write_packet(p.sequence, p.ssrc, p.message), data, "{kind}");
        // A flipped bit anywhere fails the CRC; a cut packet is refused.
        let mut bad = data.clone();
        bad[data.len() / 2] ^= 1;
        assert!(matches!(
            parse_packet(&bad),
            Err(ZrtpPacketError::BadCrc { .. })
        ));
        assert!(parse_packet(&data[..data.len() - 4]).is_err());
    }
    let p = parse_packet(&pkts[0]).unwrap();
    assert_eq!((p.ssrc, p.sequence), (0x1234_5678, 0x09f1));
}

#[test]
fn hello_hashes_are_the_zrtp_hash_attribute_values() {
    let v = vectors();
    let pkts = packets();
    for (i, key) in [
        (0, "hello_hash_ssrc12345678"),
        (1, "hello_hash_ssrc87654321"),
    ] {
        let want = v["packet_checks"][key].as_str().unwrap();
        let (version, hash) = want.split_once(' ').unwrap();
        assert_eq!(version, "1.10");
        assert_eq!(sha256(&[&message(&pkts, i)]).to_vec(), unhex(hash));
    }
}

#[test]
fn hash_chains_and_message_macs() {
    let v = vectors();
    let pkts = packets();
    let chain = |key: &str| -> Vec<Vec<u8>> {
        v["packet_checks"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(hexs)
            .collect()
    };
    let resp = chain("hash_chain_H0_H3_ssrc12345678");
    let init = chain("hash_chain_H0_H3_ssrc87654321");
    for c in [&resp, &init] {
        let ours = HashChain::from_h0(c[0].clone().try_into().unwrap());
        for (ours, want) in ours.h.iter().zip(c.iter()) {
            assert_eq!(&ours.to_vec(), want);
        }
    }
    let Message::Hello(hello_r) = Message::parse(&message(&pkts, 0)).unwrap() else {
        panic!()
    };
    let Message::Hello(hello_i) = Message::parse(&message(&pkts, 1)).unwrap() else {
        panic!()
    };
    assert_eq!(hello_r.h3.to_vec(), resp[3]);
    assert_eq!(hello_i.h3.to_vec(), init[3]);
    let Message::Commit(commit) = Message::parse(&message(&pkts, 3)).unwrap() else {
        panic!()
    };
    assert_eq!(commit.h2.to_vec(), init[2]);
    assert_eq!(&commit.key_agreement.0, b"DH3k");
    // Each message's MAC is keyed by the chain element revealed next.
    let mac_ok = |msg: &[u8], key: &[u8]| mac64(key, &msg[..msg.len() - 8]) == msg[msg.len() - 8..];
    assert!(
        mac_ok(&message(&pkts, 0), &resp[2]),
        "Hello (responder) MAC, H2"
    );
    assert!(
        mac_ok(&message(&pkts, 1), &init[2]),
        "Hello (initiator) MAC, H2"
    );
    assert!(mac_ok(&message(&pkts, 3), &init[1]), "Commit MAC, H1");
    assert!(mac_ok(&message(&pkts, 4), &resp[0]), "DHPart1 MAC, H0");
    assert!(mac_ok(&message(&pkts, 5), &init[0]), "DHPart2 MAC, H0");
    assert!(!mac_ok(&message(&pkts, 5), &resp[0]));
    // hvi = hash(DHPart2 || responder's Hello) (§4.4.1.1).
    let CommitKind::Dh { hvi } = commit.kind else {
        panic!("not DH")
    };
    assert_eq!(sha256(&[&message(&pkts, 5), &message(&pkts, 0)]), hvi);
    let Message::DhPart2(d2) = Message::parse(&message(&pkts, 5)).unwrap() else {
        panic!()
    };
    assert_eq!(d2.pv.len(), 384);
    assert_eq!(d2.h1.to_vec(), init[1]);
}

#[test]
fn confirm_messages_authenticate_and_decrypt_to_h0() {
    let v = vectors();
    let pc = &v["packet_checks"];
    let pkts = packets();
    let cases = [
        (
            6,
            "mackey_responder",
            "zrtpkey_responder",
            "hash_chain_H0_H3_ssrc12345678",
        ),
        (
            7,
            "mackey_initiator",
            "zrtpkey_initiator",
            "hash_chain_H0_H3_ssrc87654321",
        ),
    ];
    for (i, mac_key, zrtp_key, chain) in cases {
        let (Message::Confirm1(c) | Message::Confirm2(c)) =
            Message::parse(&message(&pkts, i)).unwrap()
        else {
            panic!()
        };
        assert_eq!(mac64(&hexs(&pc[mac_key]), &c.encrypted), c.confirm_mac);
        let mut plain = c.encrypted.clone();
        assert!(crypto::aes_cfb(
            &hexs(&pc[zrtp_key]),
            &c.iv,
            &mut plain,
            false
        ));
        let body = ConfirmBody::parse(&plain).unwrap();
        assert_eq!(body.h0.to_vec(), hexs(&pc[chain][0]));
        // Re-encrypting our encoding of the body gives the octets sent.
        let mut again = body.to_bytes();
        crypto::aes_cfb(&hexs(&pc[zrtp_key]), &c.iv, &mut again, true);
        assert_eq!(again, c.encrypted);
        // The other direction's key fails the MAC.
        let other = if i == 6 {
            "mackey_initiator"
        } else {
            "mackey_responder"
        };
        assert_ne!(mac64(&hexs(&pc[other]), &c.encrypted), c.confirm_mac);
    }
}

#[test]
fn kdf_vectors() {
    let v = vectors();
    let kv = &v["kdf_vectors"];
    let ki = hexs(&kv["KI"]);
    let cases = kv["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    for c in cases {
        let label = c["label"].as_str().unwrap();
        let bits = c["length_octets"].as_u64().unwrap() as u32 * 8;
        let out = kdf(&ki, label.as_bytes(), &hexs(&c["context"]), bits);
        assert_eq!(out, hexs(&c["output"]), "{label}");
    }
    // The KDF is one HMAC block: the 256-bit case is the HMAC itself.
    assert_eq!(kdf(&ki, b"x", b"", 256).len(), 32);
    assert_eq!(hmac_sha256(&ki, &[b"a", b"b"]), hmac_sha256(&ki, &[b"ab"]));
}

/// The fuzz seeds made by `fuzz/seeds/make-seeds.sh` (its own CRC-32C in
/// Python) are packets we accept, with messages we decode and re-encode
/// alike (except the fragment, whose message is partial).
#[test]
fn fuzz_seeds_are_valid_packets() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/zrtp_packet");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let p = parse_packet(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if p.fragment.is_some() {
            assert!(Message::parse(p.message).is_err());
        } else {
            let m = Message::parse(p.message).unwrap();
            assert_eq!(m.to_bytes(), p.message, "{}", path.display());
        }
        n += 1;
    }
    assert!(n >= 10);
}
