//! RAS requests of an endpoint (H.225.0 §7): gatekeeper discovery and
//! registration.

use super::{h225_protocol_identifier, terminal_endpoint_type, transport_address, vendor};
use crate::asn::h225;
use std::net::SocketAddrV4;

/// A GatekeeperRequest (GRQ, H.225.0 §7.2): "which gatekeeper serves me?"
/// from `ras` (where the answer goes), optionally naming the gatekeeper
/// wanted and our aliases.
pub fn gatekeeper_request(
    seq: u16,
    ras: SocketAddrV4,
    gatekeeper: Option<h225::GatekeeperIdentifier>,
    aliases: Vec<h225::AliasAddress>,
) -> h225::RasMessage {
    h225::RasMessage::gatekeeperRequest(h225::GatekeeperRequest {
        request_seq_num: h225::RequestSeqNum(seq.max(1)),
        protocol_identifier: h225_protocol_identifier(),
        non_standard_data: None,
        ras_address: transport_address(ras),
        endpoint_type: terminal_endpoint_type(),
        gatekeeper_identifier: gatekeeper,
        call_services: None,
        endpoint_alias: (!aliases.is_empty()).then_some(aliases),
        alternate_endpoints: None,
        tokens: None,
        crypto_tokens: None,
        authentication_capability: None,
        algorithm_oids: None,
        integrity: None,
        integrity_check_value: None,
        supports_alt_gk: None,
        feature_set: None,
        generic_data: None,
        supports_assigned_gk: false,
        assigned_gatekeeper: None,
    })
}

/// What a RegistrationRequest says about us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Where we take calls (H.225.0 call signalling, TCP).
    pub call_signal: SocketAddrV4,
    /// Where we take RAS messages (UDP).
    pub ras: SocketAddrV4,
    /// Our aliases (h323-ID, dialedDigits).
    pub aliases: Vec<h225::AliasAddress>,
    /// The gatekeeper we register with (from its GCF), if known.
    pub gatekeeper: Option<h225::GatekeeperIdentifier>,
    /// The registration lifetime asked for, in seconds.
    pub time_to_live: Option<u32>,
}

/// A full RegistrationRequest (RRQ, H.225.0 §7.3 and §7.9.1).
pub fn registration_request(seq: u16, reg: &Registration) -> h225::RasMessage {
    rrq(seq, reg, false, None)
}

/// A lightweight RegistrationRequest (keep-alive, H.225.0 §7.9.1): before
/// timeToLive runs out, `keepAlive` set and our endpoint identifier; the
/// aliases are omitted as the standard allows.
pub fn keep_alive_request(
    seq: u16,
    reg: &Registration,
    endpoint: h225::EndpointIdentifier,
) -> h225::RasMessage {
    rrq(seq, reg, true, Some(endpoint))
}

fn rrq(
    seq: u16,
    reg: &Registration,
    keep_alive: bool,
    endpoint: Option<h225::EndpointIdentifier>,
) -> h225::RasMessage {
    let aliases = (!keep_alive && !reg.aliases.is_empty()).then(|| reg.aliases.clone());
    h225::RasMessage::registrationRequest(h225::RegistrationRequest {
        request_seq_num: h225::RequestSeqNum(seq.max(1)),
        protocol_identifier: h225_protocol_identifier(),
        non_standard_data: None,
        discovery_complete: reg.gatekeeper.is_some(),
        call_signal_address: vec![transport_address(reg.call_signal)],
        ras_address: vec![transport_address(reg.ras)],
        terminal_type: terminal_endpoint_type(),
        terminal_alias: aliases,
        gatekeeper_identifier: reg.gatekeeper.clone(),
        endpoint_vendor: vendor(),
        alternate_endpoints: None,
        time_to_live: reg.time_to_live.filter(|t| *t > 0).map(h225::TimeToLive),
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        keep_alive,
        endpoint_identifier: endpoint,
        will_supply_uuies: false,
        maintain_connection: false,
        alternate_transport_addresses: None,
        additive_registration: None,
        terminal_alias_pattern: None,
        supports_alt_gk: None,
        usage_reporting_capability: None,
        multiple_calls: Some(false),
        supported_h248_packages: None,
        call_credit_capability: None,
        capacity_reporting_capability: None,
        capacity: None,
        feature_set: None,
        generic_data: None,
        restart: None,
        supports_acfsequences: None,
        supports_assigned_gk: false,
        assigned_gatekeeper: None,
        transport_qos: None,
        language: None,
    })
}
