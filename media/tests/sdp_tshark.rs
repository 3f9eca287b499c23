//! Cross-check of our SDP output with a reference decoder: Wireshark's SDP
//! dissector (tshark) must read the fields we meant and flag nothing
//! malformed. tshark is required: without it these tests fail, so a
//! missing reference never passes for a successful cross-check.

use std::process::Command;
use std::time::Duration;

use openphone_media::sdp::{self, SdpOrigin, SessionDescription};
use openphone_sal::media::negotiate;
use openphone_sal::{
    CodecDescriptor, Fingerprint, MediaDescription, MediaDirection, RtpProfile, SdesCrypto,
    StreamDescription,
};

/// Fails the test unless tshark runs.
fn require_tshark() {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "tshark (Wireshark's command-line dissector) is needed for this cross-check; install it"
    );
}

/// A one-packet pcap: Ethernet/IPv4/UDP 5060 → 5060 carrying `payload`.
fn pcap_with(payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len();
    let ip_len = 20 + udp_len;
    let frame_len = 14 + ip_len;
    let mut p = Vec::new();
    // Global header: magic, v2.4, tz 0, sigfigs 0, snaplen 65535, Ethernet.
    p.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    p.extend_from_slice(&2u16.to_le_bytes());
    p.extend_from_slice(&4u16.to_le_bytes());
    p.extend_from_slice(&0i32.to_le_bytes());
    p.extend_from_slice(&0u32.to_le_bytes());
    p.extend_from_slice(&65535u32.to_le_bytes());
    p.extend_from_slice(&1u32.to_le_bytes());
    // Record header.
    p.extend_from_slice(&1u32.to_le_bytes());
    p.extend_from_slice(&0u32.to_le_bytes());
    p.extend_from_slice(&(frame_len as u32).to_le_bytes());
    p.extend_from_slice(&(frame_len as u32).to_le_bytes());
    // Ethernet.
    p.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    // IPv4 with a correct header checksum.
    let mut ip = vec![
        0x45,
        0,
        (ip_len >> 8) as u8,
        ip_len as u8,
        0,
        1,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ];
    ip.extend_from_slice(&[192, 0, 2, 1, 192, 0, 2, 2]);
    let sum: u32 = ip
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    let folded = (sum & 0xffff) + (sum >> 16);
    let csum = !((folded & 0xffff) + (folded >> 16)) as u16;
    ip[10..12].copy_from_slice(&csum.to_be_bytes());
    p.extend_from_slice(&ip);
    // UDP without checksum.
    p.extend_from_slice(&5060u16.to_be_bytes());
    p.extend_from_slice(&5060u16.to_be_bytes());
    p.extend_from_slice(&(udp_len as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

fn invite_with(sdp: &str) -> Vec<u8> {
    format!(
        "INVITE sip:bob@192.0.2.2 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:bob@192.0.2.2>\r\n\
         From: <sip:alice@192.0.2.1>;tag=1928301774\r\n\
         Call-ID: a84b4c76e66710@192.0.2.1\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:alice@192.0.2.1>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
    .into_bytes()
}

/// Runs tshark on one packet and returns one line per requested field
/// (values of a repeated field joined by ',').
fn dissect(payload: &[u8], fields: &[&str]) -> Vec<String> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("openphone-sdp-{}-{n}.pcap", std::process::id()));
    std::fs::write(&path, pcap_with(payload)).unwrap();
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(&path).args([
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    cmd.args(["-E", "separator=\n"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn origin() -> SdpOrigin {
    SdpOrigin {
        username: "openphone".into(),
        session_id: 4242,
        session_version: 7,
        address: "192.0.2.1".parse().unwrap(),
    }
}

#[test]
fn wireshark_reads_our_offer() {
    require_tshark();
    let mut stream = StreamDescription::audio("192.0.2.1:40000".parse().unwrap())
        .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
        .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=30"))
        .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16"))
        .with_direction(MediaDirection::SendOnly)
        .with_ptime(Duration::from_millis(30));
    stream.rtcp = Some("192.0.2.1:40011".parse().unwrap());
    let offer = MediaDescription::from(stream);
    let text = sdp::sdp_from_description(&offer, &origin()).to_string();
    let got = dissect(
        &invite_with(&text),
        &[
            "sdp.owner.sessionid",
            "sdp.owner.version",
            "sdp.connection_info.address",
            "sdp.media.media",
            "sdp.media.port",
            "sdp.media.proto",
            "sdp.media.format",
            "sdp.mime.type",
            "sdp.fmtp.parameter",
            "sdp.media_attribute.field",
            "sdp.media_attr",
            "_ws.malformed",
            "_ws.expert",
        ],
    );
    assert_eq!(got[0], "4242");
    assert_eq!(got[1], "7");
    assert_eq!(got[2], "192.0.2.1");
    assert_eq!(got[3], "audio");
    assert_eq!(got[4], "40000");
    assert_eq!(got[5], "RTP/AVP");
    assert!(
        got[6].contains("PCMA") && got[6].contains("97") && got[6].contains("101"),
        "{}",
        got[6]
    );
    assert!(
        got[7].contains("iLBC") && got[7].contains("telephone-event"),
        "{}",
        got[7]
    );
    assert!(got[8].contains("mode=30"), "{}", got[8]);
    for attr in ["rtpmap", "fmtp", "ptime", "rtcp"] {
        assert!(got[9].split(',').any(|a| a == attr), "{attr} in {}", got[9]);
    }
    assert!(got[10].split(',').any(|a| a == "sendonly"), "{}", got[10]);
    assert_eq!(got[11], "", "tshark flagged the packet malformed");
    assert_eq!(got[12], "", "tshark expert info: {}", got[12]);
}

#[test]
fn wireshark_reads_our_answer_to_a_multi_stream_offer() {
    require_tshark();
    let remote_text =
        "v=0\r\no=bob 1 1 IN IP6 2001:db8::2\r\ns=-\r\nc=IN IP6 2001:db8::2\r\nt=0 0\r\n\
                       m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                       m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    let remote_sd = SessionDescription::parse(remote_text.as_bytes()).unwrap();
    let remote = sdp::description_from_sdp(&remote_sd).unwrap();
    let local = MediaDescription::from(
        StreamDescription::audio("[2001:db8::1]:6000".parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(100, "telephone-event", 8000)),
    );
    let (ans, _) = negotiate::answer(&local, &remote).unwrap();
    let mut o = origin();
    o.address = "2001:db8::1".parse().unwrap();
    let text = sdp::sdp_answer_for(&remote_sd, &ans, &o).to_string();
    let got = dissect(
        &invite_with(&text),
        &[
            "sdp.connection_info.address",
            "sdp.media.media",
            "sdp.media.port",
            "sdp.mime.type",
            "_ws.malformed",
        ],
    );
    assert_eq!(got[0], "2001:db8::1");
    assert_eq!(got[1], "video,audio");
    assert_eq!(got[2], "0,6000");
    assert!(
        got[3].contains("PCMU") && got[3].contains("telephone-event"),
        "{}",
        got[3]
    );
    assert_eq!(got[4], "");
}

#[test]
fn wireshark_reads_our_srtp_attributes() {
    require_tshark();
    let mut stream = StreamDescription::audio("192.0.2.1:40000".parse().unwrap())
        .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
        .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-15"));
    stream.profile = RtpProfile::Savp;
    stream.rtcp_mux = true;
    // Session parameters go on the line without lifetime and MKI: Wireshark
    // 4.0 reads whatever follows an MKI as its length and flags the packet,
    // although RFC 4568 §9.1 separates session parameters by a space.
    stream.security.crypto.push(SdesCrypto::new(
        1,
        "AES_CM_128_HMAC_SHA1_80",
        "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
    ));
    let mut crypto = SdesCrypto::new(
        2,
        "AES_CM_128_HMAC_SHA1_32",
        "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj",
    );
    crypto.session_params = vec!["KDR=1".into(), "UNENCRYPTED_SRTCP".into()];
    stream.security.crypto.push(crypto);
    stream.security.zrtp_hash =
        Some("1.10 fe30efd02423cb054e50efd0248742ac7a52c8f91bc2df881ae642c371ba46df".into());
    stream.security.fingerprint = Some(Fingerprint::new(
        "sha-256",
        "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF",
    ));
    let text = sdp::sdp_from_description(&MediaDescription::from(stream), &origin()).to_string();
    let got = dissect(
        &invite_with(&text),
        &[
            "sdp.media.proto",
            "sdp.media_attribute.field",
            "sdp.media_attr",
            "sdp.crypto.tag",
            "sdp.crypto.crypto_suite",
            "sdp.crypto.master_key",
            "sdp.crypto.lifetime",
            "sdp.crypto.mki_length",
            "_ws.malformed",
            "_ws.expert",
        ],
    );
    assert_eq!(got[0], "RTP/SAVP");
    for attr in ["crypto", "zrtp-hash", "fingerprint"] {
        assert!(got[1].split(',').any(|a| a == attr), "{attr} in {}", got[1]);
    }
    // Property attributes are listed whole.
    for attr in ["rtcp-mux", "sendrecv"] {
        assert!(got[2].split(',').any(|a| a == attr), "{attr} in {}", got[2]);
    }
    assert_eq!(got[3], "1,2");
    assert_eq!(got[4], "AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32");
    assert_eq!(got[5].split(',').count(), 2, "master keys: {}", got[5]);
    assert_eq!((got[6].as_str(), got[7].as_str()), ("2^20", "32"));
    assert_eq!(got[8], "", "tshark flagged the packet malformed");
    assert_eq!(got[9], "", "tshark expert info: {}", got[9]);
}
