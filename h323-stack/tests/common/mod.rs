//! Shared by the integration tests: sample messages and a pcap writer.
#![allow(dead_code)]

pub mod pcap;
pub mod tshark;

use openphone_h323::asn::{h225, h245};
use openphone_h323::build::{self, call, control, ras};
use std::net::SocketAddrV4;

pub fn addr(s: &str) -> SocketAddrV4 {
    s.parse().expect("test address")
}

pub fn grq() -> h225::RasMessage {
    ras::gatekeeper_request(
        41,
        addr("192.0.2.10:1719"),
        None,
        vec![
            build::h323_id("alice").unwrap(),
            build::dialed_digits("1001").unwrap(),
        ],
    )
}

pub fn registration() -> ras::Registration {
    ras::Registration {
        call_signal: addr("192.0.2.10:1720"),
        ras: addr("192.0.2.10:1719"),
        aliases: vec![
            build::h323_id("alice").unwrap(),
            build::dialed_digits("1001").unwrap(),
        ],
        gatekeeper: Some(h225::GatekeeperIdentifier(
            build::bmp_string("GK1").unwrap(),
        )),
        time_to_live: Some(300),
    }
}

pub fn rrq() -> h225::RasMessage {
    ras::registration_request(42, &registration())
}

pub fn keep_alive() -> h225::RasMessage {
    ras::keep_alive_request(
        43,
        &registration(),
        h225::EndpointIdentifier(build::bmp_string("ep-7f3a").unwrap()),
    )
}

pub const CALL_ID: [u8; 16] = *b"0123456789abcdef";

pub fn setup_params() -> call::SetupParams {
    call::SetupParams {
        call_id: CALL_ID,
        conference_id: *b"fedcba9876543210",
        source: vec![build::h323_id("alice").unwrap()],
        destination: vec![
            build::h323_id("bob").unwrap(),
            build::dialed_digits("1002").unwrap(),
        ],
        destination_address: Some(addr("192.0.2.20:1720")),
        source_address: Some(addr("192.0.2.10:1720")),
        h245_address: None,
        fast_start: vec![],
        endpoint_id: None,
    }
}

pub fn setup() -> h225::H323UserInformation {
    call::user_information(call::setup(&setup_params()), true, vec![])
}

pub fn audio_caps() -> Vec<h245::AudioCapability> {
    vec![
        h245::AudioCapability::g711Ulaw64k(20),
        h245::AudioCapability::g711Alaw64k(20),
        h245::AudioCapability::g722_64k(20),
    ]
}

pub fn tcs() -> h245::MultimediaSystemControlMessage {
    control::terminal_capability_set(1, &audio_caps())
}

pub fn msd() -> h245::MultimediaSystemControlMessage {
    control::master_slave_determination(control::TERMINAL_TYPE_TERMINAL, 0x12_3456)
}

pub fn olc() -> h245::MultimediaSystemControlMessage {
    control::open_audio_channel(
        101,
        h245::AudioCapability::g711Ulaw64k(20),
        addr("192.0.2.10:5005"),
        None,
    )
}

/// The OLC of [`olc`] alone, as a fast-start element.
pub fn fast_start_olc() -> Vec<u8> {
    match olc() {
        h245::MultimediaSystemControlMessage::request(
            h245::RequestMessage::openLogicalChannel(o),
        ) => openphone_h323::per::encode_fast_start(&o).unwrap(),
        _ => unreachable!("olc() is an OpenLogicalChannel request"),
    }
}
