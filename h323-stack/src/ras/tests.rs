//! The RAS core under virtual time against a scripted gatekeeper.

use super::*;
use crate::build::{dialed_digits, h323_id, transport_address};
use h225::RasMessage as M;

const GK: &str = "192.0.2.1:1719";

fn addr(s: &str) -> SocketAddrV4 {
    s.parse().unwrap()
}

fn config() -> RasConfig {
    let mut c = RasConfig::new(addr(GK), addr("192.0.2.9:1719"), addr("192.0.2.9:1720"));
    c.aliases = vec![h323_id("alice").unwrap(), dialed_digits("1001").unwrap()];
    c.time_to_live = Some(60);
    c
}

/// Takes the one datagram the core sent, decoded.
fn sent(ras: &mut RasEndpoint) -> (SocketAddrV4, M) {
    let t = ras.poll_transmit().expect("a datagram");
    assert!(ras.poll_transmit().is_none(), "exactly one datagram");
    (
        t.destination,
        per::decode_ras(&t.payload).expect("decodable"),
    )
}

fn deliver(ras: &mut RasEndpoint, now: Instant, m: &M) {
    let bytes = per::encode_ras(m).unwrap();
    ras.handle_datagram(now, SocketAddr::V4(addr(GK)), &bytes);
}

fn events(ras: &mut RasEndpoint) -> Vec<RasEvent> {
    std::iter::from_fn(|| ras.poll_event()).collect()
}

fn bmp(s: &str) -> rasn::types::BmpString {
    bmp_string(s).unwrap()
}

fn gcf(seq: u16) -> M {
    M::gatekeeperConfirm(h225::GatekeeperConfirm {
        request_seq_num: h225::RequestSeqNum(seq),
        protocol_identifier: crate::build::h225_protocol_identifier(),
        non_standard_data: None,
        gatekeeper_identifier: Some(h225::GatekeeperIdentifier(bmp("GK1"))),
        ras_address: transport_address(addr("192.0.2.1:1719")),
        alternate_gatekeeper: None,
        authentication_mode: None,
        tokens: None,
        crypto_tokens: None,
        algorithm_oid: None,
        integrity: None,
        integrity_check_value: None,
        feature_set: None,
        generic_data: None,
        assigned_gatekeeper: None,
        rehoming_model: None,
    })
}

fn rcf(seq: u16, ttl: Option<u32>) -> M {
    M::registrationConfirm(h225::RegistrationConfirm {
        request_seq_num: h225::RequestSeqNum(seq),
        protocol_identifier: crate::build::h225_protocol_identifier(),
        non_standard_data: None,
        call_signal_address: vec![],
        terminal_alias: None,
        gatekeeper_identifier: Some(h225::GatekeeperIdentifier(bmp("GK1"))),
        endpoint_identifier: h225::EndpointIdentifier(bmp("EP-7")),
        alternate_gatekeeper: None,
        time_to_live: ttl.map(h225::TimeToLive),
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        will_respond_to_irr: false,
        pre_granted_arq: None,
        maintain_connection: false,
        service_control: None,
        supports_additive_registration: None,
        terminal_alias_pattern: None,
        supported_prefixes: None,
        usage_spec: None,
        feature_server_alias: None,
        capacity_reporting_spec: None,
        feature_set: None,
        generic_data: None,
        assigned_gatekeeper: None,
        rehoming_model: None,
        transport_qos: None,
        language: None,
    })
}

fn rrj(seq: u16, reason: h225::RegistrationRejectReason) -> M {
    M::registrationReject(h225::RegistrationReject {
        request_seq_num: h225::RequestSeqNum(seq),
        protocol_identifier: crate::build::h225_protocol_identifier(),
        non_standard_data: None,
        reject_reason: reason,
        gatekeeper_identifier: None,
        alt_gkinfo: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        feature_set: None,
        generic_data: None,
        assigned_gatekeeper: None,
    })
}

fn seq_of(m: &M) -> u16 {
    match m {
        M::gatekeeperRequest(r) => r.request_seq_num.0,
        M::registrationRequest(r) => r.request_seq_num.0,
        M::unregistrationRequest(r) => r.request_seq_num.0,
        M::admissionRequest(r) => r.request_seq_num.0,
        M::disengageRequest(r) => r.request_seq_num.0,
        M::bandwidthRequest(r) => r.request_seq_num.0,
        other => panic!("not a request: {other:?}"),
    }
}

/// Discovery and full registration; returns the core registered with a
/// 60 s lifetime at `t0`.
fn registered(t0: Instant) -> RasEndpoint {
    let mut ras = RasEndpoint::new(config());
    ras.register(t0).unwrap();
    let (to, grq) = sent(&mut ras);
    assert_eq!(to, addr(GK));
    assert!(matches!(grq, M::gatekeeperRequest(_)));
    deliver(&mut ras, t0, &gcf(seq_of(&grq)));
    let (_, rrq) = sent(&mut ras);
    let M::registrationRequest(r) = &rrq else {
        panic!("RRQ expected, got {rrq:?}")
    };
    assert!(!r.keep_alive);
    assert!(r.discovery_complete);
    assert_eq!(r.terminal_alias.as_ref().map(Vec::len), Some(2));
    deliver(&mut ras, t0, &rcf(r.request_seq_num.0, Some(60)));
    assert_eq!(ras.state(), RegistrationState::Registered);
    let ev = events(&mut ras);
    assert!(matches!(ev[0], RasEvent::GatekeeperFound { .. }));
    assert_eq!(
        ev[1],
        RasEvent::Registered {
            endpoint_id: "EP-7".into(),
            gatekeeper_id: Some("GK1".into()),
            time_to_live: Some(Duration::from_secs(60)),
        }
    );
    ras
}

fn call(id: u8) -> CallInfo {
    CallInfo {
        call_id: [id; 16],
        conference_id: [id + 100; 16],
        crv: u16::from(id),
        answer: false,
        destination: vec![h323_id("bob").unwrap()],
        destination_address: None,
        bandwidth: 1280,
    }
}

#[test]
fn discovery_registration_and_keep_alive() {
    let t0 = Instant::now();
    let mut ras = registered(t0);
    // Keep-alive is due 9 s (3 tries × 3 s) before the 60 s lifetime ends.
    assert_eq!(ras.poll_timeout(), Some(t0 + Duration::from_secs(51)));
    ras.handle_timeout(t0 + Duration::from_secs(50));
    assert!(ras.poll_transmit().is_none());
    let t1 = t0 + Duration::from_secs(51);
    ras.handle_timeout(t1);
    let (_, ka) = sent(&mut ras);
    let M::registrationRequest(r) = &ka else {
        panic!("keep-alive RRQ expected")
    };
    assert!(r.keep_alive);
    assert!(r.terminal_alias.is_none());
    assert_eq!(
        r.endpoint_identifier,
        Some(h225::EndpointIdentifier(bmp("EP-7")))
    );
    deliver(&mut ras, t1, &rcf(r.request_seq_num.0, Some(60)));
    assert!(events(&mut ras).is_empty(), "a keep-alive is silent");
    assert_eq!(ras.poll_timeout(), Some(t1 + Duration::from_secs(51)));
}

#[test]
fn retransmits_three_times_then_times_out() {
    let t0 = Instant::now();
    let mut ras = RasEndpoint::new(config());
    ras.register(t0).unwrap();
    let (_, first) = sent(&mut ras);
    for i in 1..=2 {
        let t = t0 + Duration::from_secs(3 * i);
        assert_eq!(ras.poll_timeout(), Some(t));
        ras.handle_timeout(t);
        let (_, again) = sent(&mut ras);
        assert_eq!(again, first, "same message, same sequence number");
    }
    ras.handle_timeout(t0 + Duration::from_secs(9));
    assert!(ras.poll_transmit().is_none());
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::Timeout {
            request: RequestKind::Discovery,
            call_id: None
        }]
    );
    assert_eq!(ras.state(), RegistrationState::Idle);
    assert_eq!(ras.poll_timeout(), None);
}

#[test]
fn request_in_progress_delays_the_retry() {
    let t0 = Instant::now();
    let mut ras = RasEndpoint::new(config());
    ras.register(t0).unwrap();
    let (_, grq) = sent(&mut ras);
    let rip = M::requestInProgress(h225::RequestInProgress {
        request_seq_num: h225::RequestSeqNum(seq_of(&grq)),
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        delay: 10_000,
    });
    deliver(&mut ras, t0, &rip);
    assert_eq!(ras.poll_timeout(), Some(t0 + Duration::from_secs(10)));
}

#[test]
fn registration_rejected_and_keep_alive_lost() {
    let t0 = Instant::now();
    let mut c = config();
    c.discover = false;
    let mut ras = RasEndpoint::new(c);
    ras.register(t0).unwrap();
    let (_, rrq) = sent(&mut ras);
    let alias = vec![h323_id("alice").unwrap()];
    deliver(
        &mut ras,
        t0,
        &rrj(
            seq_of(&rrq),
            h225::RegistrationRejectReason::duplicateAlias(alias),
        ),
    );
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::RegistrationRejected {
            reason: "duplicateAlias"
        }]
    );
    assert_eq!(ras.state(), RegistrationState::Idle);

    // A keep-alive never answered loses the registration.
    let mut ras = registered(t0);
    let t1 = t0 + Duration::from_secs(51);
    ras.handle_timeout(t1);
    let _ = sent(&mut ras);
    for i in 1..=3 {
        ras.handle_timeout(t1 + Duration::from_secs(3 * i));
    }
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::RegistrationLost { reason: "timeout" }]
    );
    assert_eq!(ras.state(), RegistrationState::Idle);
    assert_eq!(ras.admit(t1, call(1)), Err(RasError::NotRegistered));
}

#[test]
fn keep_alive_rejected_asks_for_full_registration() {
    let t0 = Instant::now();
    let mut ras = registered(t0);
    let t1 = t0 + Duration::from_secs(51);
    ras.handle_timeout(t1);
    let (_, ka) = sent(&mut ras);
    deliver(
        &mut ras,
        t1,
        &rrj(
            seq_of(&ka),
            h225::RegistrationRejectReason::fullRegistrationRequired(()),
        ),
    );
    let (_, full) = sent(&mut ras);
    let M::registrationRequest(r) = &full else {
        panic!("full RRQ expected")
    };
    assert!(!r.keep_alive);
    assert!(r.terminal_alias.is_some());
    assert_eq!(ras.state(), RegistrationState::Registering);
}

fn acf(seq: u16) -> M {
    M::admissionConfirm(h225::AdmissionConfirm {
        request_seq_num: h225::RequestSeqNum(seq),
        band_width: h225::BandWidth(640),
        call_model: h225::CallModel::direct(()),
        dest_call_signal_address: transport_address(addr("192.0.2.20:1720")),
        irr_frequency: None,
        non_standard_data: None,
        destination_info: None,
        dest_extra_call_info: None,
        destination_type: None,
        remote_extension_address: None,
        alternate_endpoints: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        transport_qos: None,
        will_respond_to_irr: false,
        uuies_requested: h225::UUIEsRequested::new(
            false, false, false, false, false, false, false, false, false, false, false, false,
            false,
        ),
        language: None,
        alternate_transport_addresses: None,
        use_specified_transport: None,
        circuit_info: None,
        usage_spec: None,
        supported_protocols: None,
        service_control: None,
        multiple_calls: None,
        feature_set: None,
        generic_data: None,
        modified_src_info: None,
        assigned_gatekeeper: None,
    })
}

#[test]
fn admission_disengage_and_bandwidth() {
    let t0 = Instant::now();
    let mut ras = registered(t0);
    ras.admit(t0, call(1)).unwrap();
    assert_eq!(ras.admit(t0, call(1)), Err(RasError::DuplicateCall));
    let (_, arq) = sent(&mut ras);
    let M::admissionRequest(a) = &arq else {
        panic!("ARQ expected")
    };
    assert_eq!(a.endpoint_identifier, h225::EndpointIdentifier(bmp("EP-7")));
    assert_eq!(a.src_info.len(), 2);
    assert_eq!(a.destination_info, Some(vec![h323_id("bob").unwrap()]));
    assert_eq!(a.call_identifier.guid.0.as_ref(), &[1; 16]);
    let acf = acf(a.request_seq_num.0);
    // Delivered twice: the second (a gatekeeper retransmission) is ignored.
    deliver(&mut ras, t0, &acf);
    deliver(&mut ras, t0, &acf);
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::AdmissionConfirmed {
            call_id: [1; 16],
            destination: Some(addr("192.0.2.20:1720")),
            gatekeeper_routed: false,
            bandwidth: 640,
        }]
    );

    ras.change_bandwidth(t0, [1; 16], 1280).unwrap();
    let (_, brq) = sent(&mut ras);
    let bcf = M::bandwidthConfirm(h225::BandwidthConfirm {
        request_seq_num: h225::RequestSeqNum(seq_of(&brq)),
        band_width: h225::BandWidth(1280),
        non_standard_data: None,
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        capacity: None,
        generic_data: None,
        transport_qos: None,
    });
    deliver(&mut ras, t0, &bcf);
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::BandwidthChanged {
            call_id: [1; 16],
            bandwidth: 1280
        }]
    );

    ras.disengage(t0, [1; 16]).unwrap();
    let (_, drq) = sent(&mut ras);
    let M::disengageRequest(d) = &drq else {
        panic!("DRQ expected")
    };
    assert!(matches!(
        d.disengage_reason,
        h225::DisengageReason::normalDrop(())
    ));
    deliver(&mut ras, t0, &msg::disengage_confirm(d.request_seq_num.0));
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::Disengaged { call_id: [1; 16] }]
    );
    assert_eq!(ras.disengage(t0, [1; 16]), Err(RasError::UnknownCall));
}

#[test]
fn admission_rejected() {
    let t0 = Instant::now();
    let mut ras = registered(t0);
    ras.admit(t0, call(2)).unwrap();
    let (_, arq) = sent(&mut ras);
    let arj = M::admissionReject(h225::AdmissionReject {
        request_seq_num: h225::RequestSeqNum(seq_of(&arq)),
        reject_reason: h225::AdmissionRejectReason::calledPartyNotRegistered(()),
        non_standard_data: None,
        alt_gkinfo: None,
        tokens: None,
        crypto_tokens: None,
        call_signal_address: None,
        integrity_check_value: None,
        service_control: None,
        feature_set: None,
        generic_data: None,
        assigned_gatekeeper: None,
    });
    deliver(&mut ras, t0, &arj);
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::AdmissionRejected {
            call_id: [2; 16],
            reason: "calledPartyNotRegistered"
        }]
    );
    // The call is forgotten: admitting it again is allowed.
    ras.admit(t0, call(2)).unwrap();
}

fn gk_urq(seq: u16, reason: Option<h225::UnregRequestReason>) -> M {
    match msg::unregistration_request(
        seq,
        addr("192.0.2.9:1720"),
        &[],
        Some(h225::EndpointIdentifier(bmp("EP-7"))),
        None,
    ) {
        M::unregistrationRequest(mut u) => {
            u.reason = reason;
            M::unregistrationRequest(u)
        }
        _ => unreachable!(),
    }
}

#[test]
fn gatekeeper_requests_are_answered() {
    let t0 = Instant::now();
    let mut ras = registered(t0);
    ras.admit(t0, call(3)).unwrap();
    let (_, arq) = sent(&mut ras);
    deliver(&mut ras, t0, &acf(seq_of(&arq)));
    assert_eq!(events(&mut ras).len(), 1);
    ras.admit(t0, call(4)).unwrap();
    let _ = sent(&mut ras);

    // IRQ for every call: IRR to the reply address.
    let irq = M::infoRequest(h225::InfoRequest {
        request_seq_num: h225::RequestSeqNum(500),
        call_reference_value: h225::CallReferenceValue(0),
        non_standard_data: None,
        reply_address: Some(transport_address(addr("192.0.2.1:1800"))),
        call_identifier: h225::CallIdentifier::new(h225::GloballyUniqueID([0; 16].into())),
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        uuies_requested: None,
        call_linkage: None,
        usage_info_requested: None,
        segmented_response_supported: None,
        next_segment_requested: None,
        capacity_info_requested: None,
        generic_data: None,
        assigned_gatekeeper: None,
    });
    deliver(&mut ras, t0, &irq);
    let (to, irr) = sent(&mut ras);
    assert_eq!(to, addr("192.0.2.1:1800"));
    let M::infoRequestResponse(r) = &irr else {
        panic!("IRR expected")
    };
    assert_eq!(r.request_seq_num.0, 500);
    assert_eq!(r.endpoint_identifier, h225::EndpointIdentifier(bmp("EP-7")));
    // Only the admitted call is reported.
    let calls = &r.per_call_info.as_ref().expect("per-call info").0;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].call_reference_value.0, 3);

    // DRQ from the gatekeeper: DCF, and the call is to be hung up.
    let drq = msg::disengage_request(
        700,
        &call(3),
        h225::EndpointIdentifier(bmp("EP-7")),
        None,
        true,
    );
    deliver(&mut ras, t0, &drq);
    let (to, dcf) = sent(&mut ras);
    assert_eq!(to, addr(GK));
    assert!(matches!(dcf, M::disengageConfirm(ref d) if d.request_seq_num.0 == 700));
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::DisengageRequested { call_id: [3; 16] }]
    );

    // URQ: UCF, unregistered; reregistrationRequired registers again.
    deliver(
        &mut ras,
        t0,
        &gk_urq(
            800,
            Some(h225::UnregRequestReason::reregistrationRequired(())),
        ),
    );
    let ucf = ras.poll_transmit().unwrap();
    assert!(matches!(
        per::decode_ras(&ucf.payload).unwrap(),
        M::unregistrationConfirm(ref u) if u.request_seq_num.0 == 800
    ));
    let (_, grq) = sent(&mut ras);
    assert!(matches!(grq, M::gatekeeperRequest(_)));
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::Unregistered {
            by_gatekeeper: true,
            reason: Some("reregistrationRequired")
        }]
    );

    // A second URQ while not registered is rejected.
    deliver(&mut ras, t0, &gk_urq(801, None));
    let (_, urj) = sent(&mut ras);
    assert!(matches!(urj, M::unregistrationReject(_)));
}

#[test]
fn our_unregistration() {
    let t0 = Instant::now();
    let mut ras = registered(t0);
    ras.unregister(t0).unwrap();
    let (_, urq) = sent(&mut ras);
    assert_eq!(ras.state(), RegistrationState::Unregistering);
    deliver(&mut ras, t0, &msg::unregistration_confirm(seq_of(&urq)));
    assert_eq!(
        events(&mut ras),
        vec![RasEvent::Unregistered {
            by_gatekeeper: false,
            reason: None
        }]
    );
    assert_eq!(ras.state(), RegistrationState::Idle);
    assert_eq!(ras.poll_timeout(), None, "no keep-alive once unregistered");
    assert_eq!(ras.unregister(t0), Err(RasError::NotRegistered));
}

#[test]
fn requests_an_endpoint_does_not_serve_get_xrs() {
    let t0 = Instant::now();
    let mut ras = RasEndpoint::new(config());
    let grq = crate::build::ras::gatekeeper_request(42, addr("192.0.2.50:1719"), None, vec![]);
    let bytes = per::encode_ras(&grq).unwrap();
    ras.handle_datagram(t0, SocketAddr::V4(addr("192.0.2.50:1719")), &bytes);
    let (to, xrs) = sent(&mut ras);
    assert_eq!(to, addr("192.0.2.50:1719"));
    let M::unknownMessageResponse(x) = &xrs else {
        panic!("XRS expected")
    };
    assert_eq!(x.request_seq_num.0, 42);
    assert_eq!(x.message_not_understood.as_ref(), &bytes[..]);
}

#[test]
fn stray_and_malformed_datagrams_are_harmless() {
    let t0 = Instant::now();
    let mut ras = registered(t0);
    // A confirm for a request never sent.
    deliver(&mut ras, t0, &rcf(9_999, None));
    deliver(&mut ras, t0, &msg::unregistration_confirm(9_998));
    // Garbage, truncations of a real message, an empty datagram.
    let real = per::encode_ras(&rcf(1, Some(30))).unwrap();
    let from = SocketAddr::V4(addr(GK));
    for n in 0..real.len() {
        ras.handle_datagram(t0, from, &real[..n]);
    }
    ras.handle_datagram(t0, from, &[0xff; 300]);
    ras.handle_datagram(t0, from, &vec![0; 70_000]);
    ras.handle_datagram(t0, "[::1]:1719".parse().unwrap(), &real);
    assert!(events(&mut ras).is_empty());
    assert_eq!(ras.state(), RegistrationState::Registered);
    assert_eq!(ras.endpoint_id().as_deref(), Some("EP-7"));
}

#[test]
fn sequence_numbers_skip_zero() {
    let mut ras = RasEndpoint::new(config());
    ras.last_seq = u16::MAX;
    assert_eq!(ras.next_seq(), 1);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_datagrams_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let t0 = Instant::now();
            let mut ras = registered(t0);
            ras.handle_datagram(t0, SocketAddr::V4(addr(GK)), &data);
            ras.handle_timeout(t0 + Duration::from_secs(100));
            while ras.poll_transmit().is_some() {}
            while ras.poll_event().is_some() {}
        }
    }
}

// The integration tests' pcap writer and tshark runner, shared as files.
#[allow(dead_code)]
#[path = "../../tests/common/pcap.rs"]
mod pcap;
#[allow(dead_code)]
#[path = "../../tests/common/tshark.rs"]
mod tshark;

/// Takes the one datagram the core sent, keeping its bytes in `out`.
fn take(ras: &mut RasEndpoint, out: &mut Vec<Vec<u8>>) -> M {
    let t = ras.poll_transmit().expect("a datagram");
    assert!(ras.poll_transmit().is_none(), "exactly one datagram");
    let m = per::decode_ras(&t.payload).expect("decodable");
    out.push(t.payload);
    m
}

#[test]
fn tshark_decodes_every_message_the_core_sends() {
    let t0 = Instant::now();
    let mut out = Vec::new();
    let mut ras = RasEndpoint::new(config());
    ras.register(t0).unwrap();
    let grq = take(&mut ras, &mut out);
    deliver(&mut ras, t0, &gcf(seq_of(&grq)));
    let rrq = take(&mut ras, &mut out);
    deliver(&mut ras, t0, &rcf(seq_of(&rrq), Some(60)));
    let t1 = t0 + Duration::from_secs(51);
    ras.handle_timeout(t1);
    let ka = take(&mut ras, &mut out);
    deliver(&mut ras, t1, &rcf(seq_of(&ka), Some(60)));
    ras.admit(t1, call(5)).unwrap();
    let arq = take(&mut ras, &mut out);
    deliver(&mut ras, t1, &acf(seq_of(&arq)));
    ras.change_bandwidth(t1, [5; 16], 2560).unwrap();
    let _brq = take(&mut ras, &mut out);
    let ep = || h225::EndpointIdentifier(bmp("EP-7"));
    // The gatekeeper's BRQ for our call (BCF) and for another (BRJ).
    deliver(
        &mut ras,
        t1,
        &msg::bandwidth_request(900, &call(5), 640, ep(), None),
    );
    let _bcf = take(&mut ras, &mut out);
    deliver(
        &mut ras,
        t1,
        &msg::bandwidth_request(901, &call(6), 640, ep(), None),
    );
    let _brj = take(&mut ras, &mut out);
    let irq = M::infoRequest(h225::InfoRequest {
        request_seq_num: h225::RequestSeqNum(902),
        call_reference_value: h225::CallReferenceValue(5),
        non_standard_data: None,
        reply_address: None,
        call_identifier: h225::CallIdentifier::new(h225::GloballyUniqueID([5; 16].into())),
        tokens: None,
        crypto_tokens: None,
        integrity_check_value: None,
        uuies_requested: None,
        call_linkage: None,
        usage_info_requested: None,
        segmented_response_supported: None,
        next_segment_requested: None,
        capacity_info_requested: None,
        generic_data: None,
        assigned_gatekeeper: None,
    });
    deliver(&mut ras, t1, &irq);
    let _irr = take(&mut ras, &mut out);
    ras.disengage(t1, [5; 16]).unwrap();
    let _drq = take(&mut ras, &mut out);
    deliver(
        &mut ras,
        t1,
        &msg::disengage_request(903, &call(7), ep(), None, true),
    );
    let _dcf = take(&mut ras, &mut out);
    ras.unregister(t1).unwrap();
    let urq = take(&mut ras, &mut out);
    deliver(&mut ras, t1, &msg::unregistration_confirm(seq_of(&urq)));
    deliver(&mut ras, t1, &gk_urq(904, None));
    let _urj = take(&mut ras, &mut out);
    let _ = events(&mut ras);
    let lrq_like = crate::build::ras::gatekeeper_request(905, addr(GK), None, vec![]);
    deliver(&mut ras, t1, &lrq_like);
    let _xrs = take(&mut ras, &mut out);

    let (gk, me) = (addr(GK), addr("192.0.2.9:1719"));
    let packets: Vec<pcap::Packet> = out
        .iter()
        .map(|p| pcap::Packet::Udp {
            from: me,
            to: gk,
            payload: p,
        })
        .collect();
    let file = tshark::write_pcap(&pcap::pcap(&packets));
    let bad = tshark::malformed(&file, &[]);
    let kinds = tshark::fields(&file, &[], &["h225.RasMessage"]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(bad, Vec::<String>::new(), "malformed frames");
    // GRQ RRQ RRQ ARQ BRQ BCF BRJ IRR DRQ DCF URQ URJ XRS
    let expected = [0, 3, 3, 9, 12, 13, 14, 22, 15, 16, 6, 8, 24].map(|n| n.to_string());
    assert_eq!(kinds, expected);
}
