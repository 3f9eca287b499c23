//! What we encode, Wireshark's H.225.0 RAS and H.245 dissectors (tshark)
//! decode with the right fields and without a malformed frame.
mod common;

use common::pcap::{pcap, Packet};
use common::tshark::{fields, malformed, write_pcap};
use common::*;
use openphone_h323::per;

#[test]
fn tshark_decodes_our_ras_messages() {
    let gk = addr("192.0.2.1:1719");
    let ep = addr("192.0.2.10:1719");
    let msgs = [grq(), rrq(), keep_alive()];
    let encoded: Vec<Vec<u8>> = msgs.iter().map(|m| per::encode_ras(m).unwrap()).collect();
    let packets: Vec<Packet> = encoded
        .iter()
        .map(|p| Packet::Udp {
            from: ep,
            to: gk,
            payload: p,
        })
        .collect();
    let file = write_pcap(&pcap(&packets));
    let rows = fields(
        &file,
        &[],
        &[
            "h225.RasMessage",
            "h225.requestSeqNum",
            "h225.h323_ID",
            "h225.timeToLive",
            "h225.keepAlive",
        ],
    );
    let bad = malformed(&file, &[]);
    assert_eq!(
        bad,
        Vec::<String>::new(),
        "malformed frames in {}",
        file.display()
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    // RasMessage CHOICE 0 = gatekeeperRequest, 3 = registrationRequest.
    assert_eq!(rows[0], "0|41|alice||", "GRQ: {rows:?}");
    assert_eq!(rows[1], "3|42|alice|300|0", "RRQ: {rows:?}");
    assert_eq!(rows[2], "3|43||300|1", "keep-alive RRQ: {rows:?}");
    std::fs::remove_file(&file).ok();
}

#[test]
fn tshark_decodes_our_h245_messages() {
    let a = addr("192.0.2.10:11720");
    let b = addr("192.0.2.20:40000");
    let mut stream = Vec::new();
    let mut bodies = Vec::new();
    for m in [msd(), tcs(), olc()] {
        let body = per::encode_h245(&m).unwrap();
        // TPKT (RFC 1006): version 3, reserved, 16-bit length including the header.
        let len = u16::try_from(body.len() + 4).unwrap();
        let mut framed = vec![3, 0];
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(&body);
        bodies.push(framed);
    }
    let mut seq = 1u32;
    let mut packets = Vec::new();
    for framed in &bodies {
        packets.push(Packet::Tcp {
            from: a,
            to: b,
            seq,
            payload: framed,
        });
        seq += framed.len() as u32;
        stream.extend_from_slice(framed);
    }
    let file = write_pcap(&pcap(&packets));
    let decode_as = ["-d", "tcp.port==11720,h245"];
    let rows = fields(
        &file,
        &decode_as,
        &[
            "h245.terminalType",
            "h245.statusDeterminationNumber",
            "h245.sequenceNumber",
            "h245.capabilityTableEntryNumber",
            "h245.g711Ulaw64k",
            "h245.forwardLogicalChannelNumber",
        ],
    );
    let bad = malformed(&file, &decode_as);
    assert_eq!(
        bad,
        Vec::<String>::new(),
        "malformed frames in {}",
        file.display()
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0], "50|1193046||||", "MSD: {rows:?}");
    assert!(rows[1].starts_with("||1|1,2,3"), "TCS: {rows:?}");
    assert!(
        rows[1].contains("|20|"),
        "TCS G.711 u-law 20 frames: {rows:?}"
    );
    assert_eq!(rows[2], "||||20|101", "OLC: {rows:?}");
    std::fs::remove_file(&file).ok();
}

#[test]
fn tshark_decodes_our_q931_setup_and_release_complete() {
    use openphone_h323::build::call;
    use openphone_h323::q931::{
        CallReference, Cause, InformationElement, Message, MessageType, PartyNumber, UserUser,
    };
    use openphone_h323::tpkt;

    let caller = addr("192.0.2.10:40001");
    let callee = addr("192.0.2.20:1720");
    let mut p = setup_params();
    p.fast_start = vec![fast_start_olc()];
    let uuie = call::user_information(
        call::setup(&p),
        true,
        vec![per::encode_h245(&tcs()).unwrap()],
    );
    let setup = Message::new(
        MessageType::Setup,
        CallReference {
            value: 0x0101,
            from_destination: false,
        },
    )
    .with(InformationElement::BearerCapability(vec![0x88, 0x90, 0xa5]))
    .with(InformationElement::Display("Alice".into()))
    .with(InformationElement::CallingPartyNumber(PartyNumber::e164(
        "1001",
    )))
    .with(InformationElement::CalledPartyNumber(PartyNumber::e164(
        "1002",
    )))
    .with(InformationElement::UserUser(UserUser::h225(
        per::encode_user_information(&uuie).unwrap(),
    )));
    let rc_uuie = call::user_information(call::release_complete(CALL_ID, None), true, vec![]);
    let release = Message::new(
        MessageType::ReleaseComplete,
        CallReference {
            value: 0x0101,
            from_destination: true,
        },
    )
    .with(InformationElement::Cause(Cause::new(17)))
    .with(InformationElement::UserUser(UserUser::h225(
        per::encode_user_information(&rc_uuie).unwrap(),
    )));
    let a = tpkt::encode(&setup.encode().unwrap()).unwrap();
    let b = tpkt::encode(&release.encode().unwrap()).unwrap();
    let packets = [
        Packet::Tcp {
            from: caller,
            to: callee,
            seq: 1,
            payload: &a,
        },
        Packet::Tcp {
            from: callee,
            to: caller,
            seq: 1,
            payload: &b,
        },
    ];
    let file = write_pcap(&pcap(&packets));
    let rows = fields(
        &file,
        &[],
        &[
            "q931.message_type",
            "q931.call_ref",
            "q931.call_ref_flag",
            "q931.display_information",
            "q931.calling_party_number.digits",
            "q931.called_party_number.digits",
            "q931.cause_value",
            "h225.h323_message_body",
            "h225.h245Tunnelling",
            "h225.h323_ID",
            "h245.capabilityTableEntryNumber",
            "h245.forwardLogicalChannelNumber",
        ],
    );
    let bad = malformed(&file, &[]);
    assert_eq!(
        bad,
        Vec::<String>::new(),
        "malformed frames in {}",
        file.display()
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Setup (5), body setup (0); the fast-start OLC and tunnelled TCS decode as H.245.
    assert_eq!(
        rows[0], "0x05|0101|0|Alice|1001|1002||0|1|alice,bob|1,2,3|101",
        "Setup: {rows:?}"
    );
    // Release Complete (0x5a) from the destination side (call reference flag
    // 1), cause 17, body releaseComplete (5).
    assert_eq!(
        rows[1], "0x5a|0101|1||||17|5|1|||",
        "Release Complete: {rows:?}"
    );
    std::fs::remove_file(&file).ok();
}
