//! H.245 requests of an endpoint: master/slave determination, terminal
//! capability set and the opening of an audio logical channel.

use super::{h245_protocol_identifier, h245_transport_address};
use crate::asn::h245;
use std::net::SocketAddrV4;

/// H.245 terminal type of a terminal without an MC (H.323 Table 1: 50).
pub const TERMINAL_TYPE_TERMINAL: u8 = 50;

/// A MasterSlaveDetermination request (H.245 §8.2): our terminal type and a
/// random number in 0..2^24 (`status_determination_number` is masked).
pub fn master_slave_determination(
    terminal_type: u8,
    status_determination_number: u32,
) -> h245::MultimediaSystemControlMessage {
    h245::MultimediaSystemControlMessage::request(h245::RequestMessage::masterSlaveDetermination(
        h245::MasterSlaveDetermination::new(
            terminal_type,
            status_determination_number & 0x00FF_FFFF,
        ),
    ))
}

/// A TerminalCapabilitySet (H.245 §8.3) with one receive capability per
/// entry of `audio`, numbered from 1, and one descriptor in which they are
/// alternatives (one audio stream at a time). An empty `audio` gives the
/// empty capability set that H.323 §8.4.6 uses to pause a call.
pub fn terminal_capability_set(
    sequence: u8,
    audio: &[h245::AudioCapability],
) -> h245::MultimediaSystemControlMessage {
    let numbers = (1..=audio.len().min(256))
        .filter_map(|n| u16::try_from(n).ok())
        .map(h245::CapabilityTableEntryNumber);
    let table: Vec<_> = numbers
        .clone()
        .zip(audio)
        .map(|(n, cap)| {
            h245::CapabilityTableEntry::new(
                n,
                Some(h245::Capability::receiveAudioCapability(cap.clone())),
            )
        })
        .collect();
    let (table, descriptors) = if table.is_empty() {
        (None, None)
    } else {
        let alternatives = h245::AlternativeCapabilitySet(numbers.collect());
        let descriptor = h245::CapabilityDescriptor::new(
            h245::CapabilityDescriptorNumber(0),
            Some(rasn::types::SetOf::from_vec(vec![alternatives])),
        );
        (
            Some(rasn::types::SetOf::from_vec(table)),
            Some(rasn::types::SetOf::from_vec(vec![descriptor])),
        )
    };
    h245::MultimediaSystemControlMessage::request(h245::RequestMessage::terminalCapabilitySet(
        h245::TerminalCapabilitySet::new(
            h245::SequenceNumber(sequence),
            h245_protocol_identifier(),
            None,
            table,
            descriptors,
            None,
        ),
    ))
}

/// An OpenLogicalChannel (H.245 §8.5) for an audio channel we send, in RTP
/// session 1 (audio, H.225.0 §6.2.8.1), telling where we receive its RTCP.
pub fn open_audio_channel(
    number: u16,
    audio: h245::AudioCapability,
    media_control: SocketAddrV4,
    dynamic_payload_type: Option<u8>,
) -> h245::MultimediaSystemControlMessage {
    let h2250 = h245::H2250LogicalChannelParameters::new(
        None,
        1,
        None,
        None,
        None,
        Some(h245_transport_address(media_control)),
        None,
        Some(false),
        None,
        dynamic_payload_type.filter(|pt| (96..=127).contains(pt)),
        None,
        None,
        None,
        None,
        None,
    );
    let forward = h245::OpenLogicalChannelForwardLogicalChannelParameters::new(
        None,
        h245::DataType::audioData(audio),
        h245::OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters::h2250LogicalChannelParameters(h2250),
        None,
        None,
    );
    h245::MultimediaSystemControlMessage::request(h245::RequestMessage::openLogicalChannel(
        h245::OpenLogicalChannel::new(
            h245::LogicalChannelNumber(number.max(1)),
            forward,
            None,
            None,
            None,
            None,
        ),
    ))
}
