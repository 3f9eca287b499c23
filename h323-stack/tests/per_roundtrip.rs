//! Every message an endpoint builds encodes in aligned PER and decodes back
//! to the same value; bad input is an error, not a panic.
mod common;

use common::*;
use openphone_h323::asn::{h225, h245};
use openphone_h323::per::{self, PerError, MAX_PER_MESSAGE};

fn ras_round_trip(msg: h225::RasMessage) -> Vec<u8> {
    let bytes = per::encode_ras(&msg).expect("encode");
    assert_eq!(per::decode_ras(&bytes).expect("decode"), msg);
    bytes
}

fn h245_round_trip(msg: h245::MultimediaSystemControlMessage) -> Vec<u8> {
    let bytes = per::encode_h245(&msg).expect("encode");
    assert_eq!(per::decode_h245(&bytes).expect("decode"), msg);
    bytes
}

#[test]
fn grq_round_trips() {
    let bytes = ras_round_trip(grq());
    // RasMessage: extension bit 0, root index 0 (5 bits, gatekeeperRequest);
    // GatekeeperRequest: extension bit 1 (supportsAssignedGK is an
    // extension addition), then the first optional-field bit
    // (nonStandardData, absent): 0|00000|1|0.
    assert_eq!(bytes[0], 0b0000_0010, "{bytes:02x?}");
}

#[test]
fn rrq_and_keep_alive_round_trip() {
    let full = ras_round_trip(rrq());
    let light = ras_round_trip(keep_alive());
    assert!(light.len() < full.len(), "a keep-alive omits the aliases");
    match per::decode_ras(&light).unwrap() {
        h225::RasMessage::registrationRequest(r) => {
            assert!(r.keep_alive);
            assert!(r.terminal_alias.is_none());
            assert_eq!(r.time_to_live, Some(h225::TimeToLive(300)));
        }
        other => panic!("decoded {other:?}"),
    }
}

#[test]
fn setup_uuie_round_trips() {
    let msg = setup();
    let bytes = per::encode_user_information(&msg).unwrap();
    let back = per::decode_user_information(&bytes).unwrap();
    assert_eq!(back, msg);
    assert!(back.h323_uu_pdu.h245_tunneling);
    match back.h323_uu_pdu.h323_message_body {
        h225::H323UUPDUH323MessageBody::setup(s) => {
            assert_eq!(s.call_identifier.guid.0.as_ref(), &CALL_ID);
        }
        other => panic!("decoded {other:?}"),
    }
}

#[test]
fn h245_requests_round_trip() {
    let msd = h245_round_trip(msd());
    // request(0) CHOICE, masterSlaveDetermination(1): terminal type 50, number 0x123456.
    assert_eq!(
        msd,
        [0x01, 0x00, 0x32, 0x80, 0x12, 0x34, 0x56],
        "{msd:02x?}"
    );
    h245_round_trip(tcs());
    h245_round_trip(openphone_h323::build::control::terminal_capability_set(
        2,
        &[],
    ));
    h245_round_trip(olc());
}

#[test]
fn fast_start_and_tunnelled_h245_nest() {
    let mut p = setup_params();
    p.fast_start = vec![fast_start_olc()];
    let tcs_bytes = per::encode_h245(&tcs()).unwrap();
    let msg = openphone_h323::build::call::user_information(
        openphone_h323::build::call::setup(&p),
        true,
        vec![tcs_bytes.clone()],
    );
    let back = per::decode_user_information(&per::encode_user_information(&msg).unwrap()).unwrap();
    assert_eq!(back, msg);
    let control = back.h323_uu_pdu.h245_control.unwrap();
    assert_eq!(per::decode_h245(control[0].as_ref()).unwrap(), tcs());
}

#[test]
fn truncated_messages_are_errors() {
    for msg in [grq(), rrq(), keep_alive()] {
        let bytes = per::encode_ras(&msg).unwrap();
        for cut in 0..bytes.len() {
            // A prefix either fails or (PER pads to an octet) decodes to
            // something else; it never panics and never equals the whole.
            if let Ok(m) = per::decode_ras(&bytes[..cut]) {
                assert_ne!(m, msg, "prefix {cut} of {}", bytes.len());
            }
        }
    }
    let setup = per::encode_user_information(&setup()).unwrap();
    for cut in 0..setup.len() {
        let _ = per::decode_user_information(&setup[..cut]);
    }
    for msg in [msd(), tcs(), olc()] {
        let bytes = per::encode_h245(&msg).unwrap();
        for cut in 0..bytes.len() {
            let _ = per::decode_h245(&bytes[..cut]);
        }
    }
}

#[test]
fn oversize_input_is_refused_before_decoding() {
    let big = vec![0u8; MAX_PER_MESSAGE + 1];
    assert!(matches!(
        per::decode_ras(&big),
        Err(PerError::TooLarge { .. })
    ));
    assert!(matches!(
        per::decode_h245(&big),
        Err(PerError::TooLarge { .. })
    ));
}

#[test]
fn garbage_is_an_error() {
    assert!(per::decode_ras(&[]).is_err());
    assert!(per::decode_ras(&[0xff; 3]).is_err());
    // A SEQUENCE OF claiming 2^14 aliases in 6 bytes.
    assert!(per::decode_user_information(&[0x20, 0xc0, 0xff, 0xff, 0xff, 0xff]).is_err());
}
