//! The RAS messages the endpoint core sends besides GRQ and RRQ (those are
//! in [`crate::build::ras`]): URQ, ARQ, DRQ, BRQ and the answers to a
//! gatekeeper's own requests (UCF, URJ, DCF, BCF, IRR, XRS).

use super::CallInfo;
use crate::asn::h225;
use crate::build::{terminal_endpoint_type, transport_address};
use std::net::SocketAddrV4;

fn seq(n: u16) -> h225::RequestSeqNum {
    h225::RequestSeqNum(n.max(1))
}

fn guid(bytes: [u8; 16]) -> h225::GloballyUniqueID {
    h225::GloballyUniqueID(bytes.into())
}

/// An UnregistrationRequest (URQ, H.225.0 §7.6) for our registration.
pub(super) fn unregistration_request(
    n: u16,
    call_signal: SocketAddrV4,
    aliases: &[h225::AliasAddress],
    endpoint: Option<h225::EndpointIdentifier>,
    gatekeeper: Option<h225::GatekeeperIdentifier>,
) -> h225::RasMessage {
    h225::RasMessage::unregistrationRequest(h225::UnregistrationRequest {
        request_seq_num: seq(n),
        call_signal_address: vec![transport_address(call_signal)],
        endpoint_alias: (!aliases.is_empty()).then(|| aliases.to_vec()),
        non_standard_data: None,
        endpoint_identifier: endpoint,
        alternate_endpoints: None,
        gatekeeper_identifier: gatekeeper,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        reason: None,
        endpoint_alias_pattern: None,
        supported_prefixes: None,
        alternate_gatekeeper: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

/// What an AdmissionRequest needs besides the call itself.
pub(super) struct Admission<'a> {
    pub endpoint: h225::EndpointIdentifier,
    pub gatekeeper: Option<h225::GatekeeperIdentifier>,
    pub source: &'a [h225::AliasAddress],
    pub source_address: SocketAddrV4,
}

/// An AdmissionRequest (ARQ, H.225.0 §7.8): may this call go ahead, and
/// where is the called endpoint?
pub(super) fn admission_request(n: u16, call: &CallInfo, a: Admission<'_>) -> h225::RasMessage {
    let destination = (!call.destination.is_empty()).then(|| call.destination.clone());
    h225::RasMessage::admissionRequest(h225::AdmissionRequest {
        request_seq_num: seq(n),
        call_type: h225::CallType::pointToPoint(()),
        call_model: None,
        endpoint_identifier: a.endpoint,
        destination_info: destination,
        dest_call_signal_address: call.destination_address.map(transport_address),
        dest_extra_call_info: None,
        src_info: a.source.to_vec(),
        src_call_signal_address: (!call.answer).then(|| transport_address(a.source_address)),
        band_width: h225::BandWidth(call.bandwidth),
        call_reference_value: h225::CallReferenceValue(call.crv),
        non_standard_data: None,
        call_services: None,
        conference_id: h225::ConferenceIdentifier(guid(call.conference_id)),
        active_mc: false,
        answer_call: call.answer,
        can_map_alias: false,
        call_identifier: h225::CallIdentifier::new(guid(call.call_id)),
        src_alternatives: None,
        dest_alternatives: None,
        gatekeeper_identifier: a.gatekeeper,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        transport_qos: None,
        will_supply_uuies: false,
        call_linkage: None,
        gateway_data_rate: None,
        capacity: None,
        circuit_info: None,
        desired_protocols: None,
        desired_tunnelled_protocol: None,
        feature_set: None,
        generic_data: None,
        can_map_src_alias: false,
    })
}

/// A DisengageRequest (DRQ, H.225.0 §7.10): the call has ended.
pub(super) fn disengage_request(
    n: u16,
    call: &CallInfo,
    endpoint: h225::EndpointIdentifier,
    gatekeeper: Option<h225::GatekeeperIdentifier>,
    forced: bool,
) -> h225::RasMessage {
    let reason = if forced {
        h225::DisengageReason::forcedDrop(())
    } else {
        h225::DisengageReason::normalDrop(())
    };
    h225::RasMessage::disengageRequest(h225::DisengageRequest {
        request_seq_num: seq(n),
        endpoint_identifier: endpoint,
        conference_id: h225::ConferenceIdentifier(guid(call.conference_id)),
        call_reference_value: h225::CallReferenceValue(call.crv),
        disengage_reason: reason,
        non_standard_data: None,
        call_identifier: h225::CallIdentifier::new(guid(call.call_id)),
        gatekeeper_identifier: gatekeeper,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        answered_call: call.answer,
        call_linkage: None,
        capacity: None,
        circuit_info: None,
        usage_information: None,
        termination_cause: None,
        service_control: None,
        generic_data: None,
    })
}

/// A BandwidthRequest (BRQ, H.225.0 §7.9): change the call's bandwidth to
/// `bandwidth` (in units of 100 bit/s, both directions).
pub(super) fn bandwidth_request(
    n: u16,
    call: &CallInfo,
    bandwidth: u32,
    endpoint: h225::EndpointIdentifier,
    gatekeeper: Option<h225::GatekeeperIdentifier>,
) -> h225::RasMessage {
    h225::RasMessage::bandwidthRequest(h225::BandwidthRequest {
        request_seq_num: seq(n),
        endpoint_identifier: endpoint,
        conference_id: h225::ConferenceIdentifier(guid(call.conference_id)),
        call_reference_value: h225::CallReferenceValue(call.crv),
        call_type: None,
        band_width: h225::BandWidth(bandwidth),
        non_standard_data: None,
        call_identifier: h225::CallIdentifier::new(guid(call.call_id)),
        gatekeeper_identifier: gatekeeper,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        answered_call: call.answer,
        call_linkage: None,
        capacity: None,
        usage_information: None,
        bandwidth_details: None,
        generic_data: None,
        transport_qos: None,
    })
}

/// An UnregistrationConfirm (UCF) to the gatekeeper's URQ.
pub(super) fn unregistration_confirm(n: u16) -> h225::RasMessage {
    h225::RasMessage::unregistrationConfirm(h225::UnregistrationConfirm {
        request_seq_num: seq(n),
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

/// An UnregistrationReject (URJ) to a URQ for a registration we do not
/// hold.
pub(super) fn unregistration_reject(n: u16) -> h225::RasMessage {
    h225::RasMessage::unregistrationReject(h225::UnregistrationReject {
        request_seq_num: seq(n),
        reject_reason: h225::UnregRejectReason::notCurrentlyRegistered(()),
        non_standard_data: None,
        alt_gkinfo: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        generic_data: None,
    })
}

/// A DisengageConfirm (DCF) to the gatekeeper's DRQ.
pub(super) fn disengage_confirm(n: u16) -> h225::RasMessage {
    h225::RasMessage::disengageConfirm(h225::DisengageConfirm {
        request_seq_num: seq(n),
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        capacity: None,
        circuit_info: None,
        usage_information: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

/// A BandwidthConfirm (BCF) to the gatekeeper's BRQ.
pub(super) fn bandwidth_confirm(n: u16, bandwidth: u32) -> h225::RasMessage {
    h225::RasMessage::bandwidthConfirm(h225::BandwidthConfirm {
        request_seq_num: seq(n),
        band_width: h225::BandWidth(bandwidth),
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        capacity: None,
        generic_data: None,
        transport_qos: None,
    })
}

/// A BandwidthReject (BRJ) to a gatekeeper's BRQ for a call we do not have.
pub(super) fn bandwidth_reject(n: u16) -> h225::RasMessage {
    h225::RasMessage::bandwidthReject(h225::BandwidthReject {
        request_seq_num: seq(n),
        reject_reason: h225::BandRejectReason::invalidConferenceID(()),
        allowed_band_width: h225::BandWidth(0),
        non_standard_data: None,
        alt_gkinfo: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        generic_data: None,
    })
}

/// What an InfoRequestResponse says about us.
pub(super) struct Info<'a> {
    pub endpoint: h225::EndpointIdentifier,
    pub ras: SocketAddrV4,
    pub call_signal: SocketAddrV4,
    pub aliases: &'a [h225::AliasAddress],
}

/// An InfoRequestResponse (IRR, H.225.0 §7.15) to the gatekeeper's IRQ,
/// with one entry per call asked about (all calls for call reference 0).
pub(super) fn info_request_response(
    n: u16,
    me: Info<'_>,
    calls: &[&CallInfo],
    routed: impl Fn(&CallInfo) -> bool,
) -> h225::RasMessage {
    let per_call: Vec<_> = calls
        .iter()
        .map(|c| per_call_info(c, me.call_signal, routed(c)))
        .collect();
    h225::RasMessage::infoRequestResponse(h225::InfoRequestResponse {
        non_standard_data: None,
        request_seq_num: seq(n),
        endpoint_type: terminal_endpoint_type(),
        endpoint_identifier: me.endpoint,
        ras_address: transport_address(me.ras),
        call_signal_address: vec![transport_address(me.call_signal)],
        endpoint_alias: (!me.aliases.is_empty()).then(|| me.aliases.to_vec()),
        per_call_info: (!per_call.is_empty())
            .then_some(h225::InfoRequestResponsePerCallInfo(per_call)),
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        need_response: false,
        capacity: None,
        irr_status: None,
        unsolicited: false,
        generic_data: None,
    })
}

fn per_call_info(
    call: &CallInfo,
    call_signal: SocketAddrV4,
    routed: bool,
) -> h225::AnonymousInfoRequestResponsePerCallInfo {
    // The RAS core knows only our own call-signalling address; H.245 and
    // the remote end are left out (both addresses are optional).
    let signalling = h225::TransportChannelInfo::new(None, Some(transport_address(call_signal)));
    let model = if routed {
        h225::CallModel::gatekeeperRouted(())
    } else {
        h225::CallModel::direct(())
    };
    h225::AnonymousInfoRequestResponsePerCallInfo {
        non_standard_data: None,
        call_reference_value: h225::CallReferenceValue(call.crv),
        conference_id: h225::ConferenceIdentifier(guid(call.conference_id)),
        originator: Some(!call.answer),
        audio: None,
        video: None,
        data: None,
        h245: h225::TransportChannelInfo::new(None, None),
        call_signaling: signalling,
        call_type: h225::CallType::pointToPoint(()),
        band_width: h225::BandWidth(call.bandwidth),
        call_model: model,
        call_identifier: h225::CallIdentifier::new(guid(call.call_id)),
        tokens: None,
        crypto_tokens: None,
        substitute_conf_ids: Vec::new(),
        pdu: None,
        call_linkage: None,
        usage_information: None,
        circuit_info: None,
    }
}

/// An UnknownMessageResponse (XRS, H.225.0 §7.13): a RAS request we decode
/// but do not serve (an endpoint is not a gatekeeper).
pub(super) fn unknown_message_response(n: u16, message: &[u8]) -> h225::RasMessage {
    h225::RasMessage::unknownMessageResponse(h225::UnknownMessageResponse {
        request_seq_num: seq(n),
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        message_not_understood: message.to_vec().into(),
    })
}
