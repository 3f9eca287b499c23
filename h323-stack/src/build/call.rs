//! H.225.0 call-signalling user-user information (`H323-UserInformation`)
//! of an endpoint: the UUIE carried in the Q.931 user-user element.

use super::{h225_protocol_identifier, terminal_endpoint_type, transport_address};
use crate::asn::h225;
use std::net::SocketAddrV4;

/// Wraps a message body in `H323-UserInformation` with the H.245
/// tunnelling flag (H.225.0 §7.6, `h245Tunneling`) and any tunnelled H.245
/// messages (each one PER-encoded `MultimediaSystemControlMessage`).
pub fn user_information(
    body: h225::H323UUPDUH323MessageBody,
    h245_tunnelling: bool,
    h245_control: Vec<Vec<u8>>,
) -> h225::H323UserInformation {
    let control = (!h245_control.is_empty())
        .then(|| h245_control.into_iter().map(Into::into).collect::<Vec<_>>());
    h225::H323UserInformation::new(
        h225::H323UUPDU::new(
            body,
            None,
            None,
            h245_tunnelling,
            control,
            None,
            None,
            None,
            None,
            None,
            None,
        ),
        None,
    )
}

/// What a Setup says (H.225.0 §7.3.1 `Setup-UUIE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupParams {
    /// The call identifier, the same in every message of the call and in RAS.
    pub call_id: [u8; 16],
    /// The conference identifier (a new one for a new point-to-point call).
    pub conference_id: [u8; 16],
    /// Our aliases.
    pub source: Vec<h225::AliasAddress>,
    /// The called aliases.
    pub destination: Vec<h225::AliasAddress>,
    /// The called endpoint's call-signalling address, when known.
    pub destination_address: Option<SocketAddrV4>,
    /// Our call-signalling address.
    pub source_address: Option<SocketAddrV4>,
    /// Our separate H.245 listener, if we open one before the call connects.
    pub h245_address: Option<SocketAddrV4>,
    /// Fast-start proposals: each one PER-encoded `OpenLogicalChannel`.
    pub fast_start: Vec<Vec<u8>>,
    /// Our endpoint identifier from the gatekeeper's RCF.
    pub endpoint_id: Option<h225::EndpointIdentifier>,
}

/// A Setup message body for a new point-to-point call.
pub fn setup(p: &SetupParams) -> h225::H323UUPDUH323MessageBody {
    let aliases = |v: &Vec<h225::AliasAddress>| (!v.is_empty()).then(|| v.clone());
    h225::H323UUPDUH323MessageBody::setup(h225::SetupUUIE {
        protocol_identifier: h225_protocol_identifier(),
        h245_address: p.h245_address.map(transport_address),
        source_address: aliases(&p.source),
        source_info: terminal_endpoint_type(),
        destination_address: aliases(&p.destination),
        dest_call_signal_address: p.destination_address.map(transport_address),
        dest_extra_call_info: None,
        dest_extra_crv: None,
        active_mc: false,
        conference_id: h225::ConferenceIdentifier(h225::GloballyUniqueID(p.conference_id.into())),
        conference_goal: h225::SetupUUIEConferenceGoal::create(()),
        call_services: None,
        call_type: h225::CallType::pointToPoint(()),
        source_call_signal_address: p.source_address.map(transport_address),
        remote_extension_address: None,
        call_identifier: call_identifier(p.call_id),
        h245_security_capability: None,
        tokens: None,
        crypto_tokens: None,
        fast_start: (!p.fast_start.is_empty())
            .then(|| p.fast_start.iter().map(|f| f.clone().into()).collect()),
        media_wait_for_connect: false,
        can_overlap_send: false,
        endpoint_identifier: p.endpoint_id.clone(),
        multiple_calls: false,
        maintain_connection: false,
        connection_parameters: None,
        language: None,
        presentation_indicator: None,
        screening_indicator: None,
        service_control: None,
        symmetric_operation_required: None,
        capacity: None,
        circuit_info: None,
        desired_protocols: None,
        needed_features: None,
        desired_features: None,
        supported_features: None,
        parallel_h245_control: None,
        additional_source_addresses: None,
        hop_count: None,
        display_name: None,
    })
}

/// A ReleaseComplete message body, with the H.225.0 reason when the Q.931
/// cause alone does not say it.
pub fn release_complete(
    call_id: [u8; 16],
    reason: Option<h225::ReleaseCompleteReason>,
) -> h225::H323UUPDUH323MessageBody {
    h225::H323UUPDUH323MessageBody::releaseComplete(h225::ReleaseCompleteUUIE {
        protocol_identifier: h225_protocol_identifier(),
        reason,
        call_identifier: call_identifier(call_id),
        tokens: None,
        crypto_tokens: None,
        busy_address: None,
        presentation_indicator: None,
        screening_indicator: None,
        capacity: None,
        service_control: None,
        feature_set: None,
        destination_info: None,
        display_name: None,
    })
}

/// An H.225.0 call identifier from its 16-byte GUID.
pub fn call_identifier(guid: [u8; 16]) -> h225::CallIdentifier {
    h225::CallIdentifier::new(h225::GloballyUniqueID(guid.into()))
}
