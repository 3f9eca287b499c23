use super::*;
use crate::build::call;

fn cr(value: u16, from_destination: bool) -> CallReference {
    CallReference {
        value,
        from_destination,
    }
}

fn setup_message() -> Message {
    let uuie = crate::per::encode_user_information(&call::user_information(
        call::release_complete([9; 16], None),
        false,
        vec![],
    ))
    .unwrap();
    Message::new(MessageType::Setup, cr(0x1234, false))
        .with(InformationElement::BearerCapability(vec![0x88, 0x90, 0xa5]))
        .with(InformationElement::Display("Alice".into()))
        .with(InformationElement::CallingPartyNumber(PartyNumber {
            presentation_screening: Some(0x03),
            ..PartyNumber::e164("1001")
        }))
        .with(InformationElement::CalledPartyNumber(PartyNumber::e164(
            "1002",
        )))
        .with(InformationElement::SingleOctet(0xa1))
        .with(InformationElement::UserUser(UserUser::h225(uuie)))
}

#[test]
fn every_message_type_round_trips() {
    for code in 0..=255u8 {
        let Some(t) = MessageType::from_code(code) else {
            continue;
        };
        assert_eq!(t.code(), code);
        let m = Message::new(t, cr(7, true)).with(InformationElement::Cause(Cause::new(16)));
        let bytes = m.encode().unwrap();
        assert_eq!(Message::decode(&bytes).unwrap(), m);
    }
}

#[test]
fn setup_round_trips_with_its_elements() {
    let m = setup_message();
    let bytes = m.encode().unwrap();
    assert_eq!(&bytes[..5], &[0x08, 0x02, 0x12, 0x34, 0x05]);
    let back = Message::decode(&bytes).unwrap();
    assert_eq!(back, m);
    assert!(back.h323_user_information().unwrap().is_ok());
}

#[test]
fn cause_wire_format() {
    // Release Complete, call reference 1 from the destination, cause 17
    // (user busy) from a public network serving the remote user (location 4),
    // with octet 3a present.
    let bytes = [0x08, 0x02, 0x80, 0x01, 0x5a, 0x08, 0x03, 0x04, 0x80, 0x91];
    let m = Message::decode(&bytes).unwrap();
    assert_eq!(m.call_reference, cr(1, true));
    let c = m.cause().unwrap();
    assert_eq!((c.location, c.value), (4, 17));
    assert_eq!(
        Message::new(MessageType::ReleaseComplete, cr(1, true))
            .with(InformationElement::Cause(Cause::new(16)))
            .encode()
            .unwrap(),
        [0x08, 0x02, 0x80, 0x01, 0x5a, 0x08, 0x02, 0x80, 0x90]
    );
}

#[test]
fn unknown_elements_are_kept_and_unknown_types_refused() {
    let bytes = [0x08, 0x02, 0x00, 0x01, 0x7b, 0x2c, 0x01, b'5', 0x96];
    let m = Message::decode(&bytes).unwrap();
    assert_eq!(
        m.elements,
        [
            InformationElement::Other {
                id: 0x2c,
                data: vec![b'5']
            },
            InformationElement::SingleOctet(0x96)
        ]
    );
    assert_eq!(m.encode().unwrap(), bytes);
    assert_eq!(
        Message::decode(&[0x08, 0x02, 0x00, 0x01, 0x4d]),
        Err(Q931Error::UnknownMessageType(0x4d))
    );
}

#[test]
fn hostile_input_is_an_error() {
    let m = setup_message();
    let full = m.encode().unwrap();
    for cut in 0..full.len() {
        // A cut inside the header or an element is an error; a cut between
        // elements is a valid message with fewer of them.
        match Message::decode(&full[..cut]) {
            Err(_) => {}
            Ok(short) => {
                assert!(short.elements.len() < m.elements.len(), "prefix {cut}");
                assert_eq!(short.elements[..], m.elements[..short.elements.len()]);
            }
        }
    }
    assert!(Message::decode(&full[..4]).is_err());
    assert!(Message::decode(&full[..full.len() - 1]).is_err());
    assert_eq!(
        Message::decode(&[0x09, 0x02, 0, 1, 5]),
        Err(Q931Error::ProtocolDiscriminator(9))
    );
    assert_eq!(
        Message::decode(&[0x08, 0x0f, 0, 1, 5]),
        Err(Q931Error::CallReferenceLength(15))
    );
    // A user-user element claiming 65535 bytes in 3.
    assert!(Message::decode(&[0x08, 0x02, 0, 1, 5, 0x7e, 0xff, 0xff, 5, 1, 2]).is_err());
    // Empty user-user, empty cause, called number with octet 3a, digits not IA5.
    assert!(Message::decode(&[0x08, 0x02, 0, 1, 5, 0x7e, 0, 0]).is_err());
    assert!(Message::decode(&[0x08, 0x02, 0, 1, 5, 0x08, 0]).is_err());
    assert!(Message::decode(&[0x08, 0x02, 0, 1, 5, 0x70, 2, 0x01, 0x80]).is_err());
    assert!(Message::decode(&[0x08, 0x02, 0, 1, 5, 0x6c, 2, 0x81, 0x07]).is_err());
    assert!(matches!(
        Message::decode(&vec![0; MAX_MESSAGE + 1]),
        Err(Q931Error::TooLarge { .. })
    ));
    // Encoding refuses what the wire cannot say.
    let long = Message::new(MessageType::Information, cr(1, false))
        .with(InformationElement::Display("x".repeat(256)));
    assert!(long.encode().is_err());
    let bad = Message::new(MessageType::Setup, cr(1, false)).with(
        InformationElement::CalledPartyNumber(PartyNumber::e164("12\n")),
    );
    assert!(bad.encode().is_err());
}
