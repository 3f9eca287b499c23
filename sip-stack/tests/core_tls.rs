//! The sans-IO core's TLS routing (RFC 3261 §26.2, RFC 5630): `sips:` and
//! `;transport=tls` targets go out as TLS with the URI host as the name to
//! verify, never over UDP or TCP; a security failure ends the call with
//! `Cause::SecurityFailure`; a `sips:` Request-URI is accepted only over TLS.

use std::net::SocketAddr;
use std::time::Instant;

use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, Cause, RegistrationState, StackCommand, StackEvent,
};
use openphone_sip::{ConnId, CoreConfig, SipCore, TransportKind};

#[path = "common/scripted_peer.rs"]
mod scripted;
use scripted::*;

fn tls_core(listener: Option<SocketAddr>) -> (SipCore, Instant) {
    let now = Instant::now();
    let cfg = CoreConfig::new(Some(me()), Some(me())).with_tls(listener);
    (SipCore::new(cfg, now), now)
}

fn dial_to(core: &mut SipCore, now: Instant, to: &str) -> CallId {
    let call = CallId::next();
    core.handle_command(
        now,
        StackCommand::Dial {
            call,
            account: None,
            to: Address::new(to).unwrap(),
            offer: media(9000),
        },
    );
    call
}

#[test]
fn sips_goes_over_tls_to_5061_with_the_uri_host_as_name() {
    let listener: SocketAddr = "127.0.0.1:5061".parse().unwrap();
    let (mut core, now) = tls_core(Some(listener));
    dial_to(&mut core, now, "sips:bob@localhost");
    let out = drain(&mut core);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].transport, TransportKind::Tls);
    assert_eq!(out[0].dst, "127.0.0.1:5061".parse().unwrap());
    assert_eq!(out[0].server_name.as_deref(), Some("localhost"));
    let invite = text(&out[0]);
    assert!(invite.starts_with("INVITE sips:bob@localhost SIP/2.0\r\n"));
    assert!(
        invite.contains("Via: SIP/2.0/TLS 127.0.0.1:5061;"),
        "{invite}"
    );
    assert!(
        invite.contains("Contact: <sips:openphone@127.0.0.1:5061>"),
        "{invite}"
    );
}

#[test]
fn transport_tls_on_an_ip_literal_names_the_ip() {
    let (mut core, now) = tls_core(None);
    dial_to(&mut core, now, "sip:bob@127.0.0.2:5071;transport=tls");
    let out = drain(&mut core);
    assert_eq!(out[0].transport, TransportKind::Tls);
    assert_eq!(out[0].dst, "127.0.0.2:5071".parse().unwrap());
    assert_eq!(out[0].server_name.as_deref(), Some("127.0.0.2"));
}

#[test]
fn without_tls_a_sips_target_fails_and_nothing_is_sent() {
    let (mut core, now) = core(); // UDP only, no TLS
    let call = dial_to(&mut core, now, "sips:bob@127.0.0.1:5071");
    assert!(
        drain(&mut core).is_empty(),
        "nothing may go out in the clear"
    );
    match &events(&mut core)[..] {
        [StackEvent::CallEnded { call: c, reason }] => {
            assert_eq!(*c, call);
            assert_eq!(reason.reason.cause, Cause::Unsupported);
        }
        e => panic!("{e:?}"),
    }
    let account = AccountId::next();
    let aor = Address::new("sip:alice@127.0.0.1:5071;transport=tls").unwrap();
    core.handle_command(
        now,
        StackCommand::AddAccount {
            account,
            config: AccountConfig::new(aor),
        },
    );
    assert!(drain(&mut core).is_empty(), "no REGISTER in the clear");
    assert!(events(&mut core).iter().any(|e| matches!(
        e,
        StackEvent::Registration {
            state: RegistrationState::Failed { .. },
            ..
        }
    )));
}

#[test]
fn security_error_ends_the_call_with_a_security_cause() {
    let (mut core, now) = tls_core(None);
    let call = dial_to(&mut core, now, "sips:bob@localhost:5071");
    let out = drain(&mut core);
    let dst = out[0].dst;
    core.handle_security_error(now, dst, "certificate not valid for name \"localhost\"");
    assert!(
        drain(&mut core).is_empty(),
        "no retry over another transport"
    );
    match &events(&mut core)[..] {
        [StackEvent::CallEnded { call: c, reason }] => {
            assert_eq!(*c, call);
            assert_eq!(reason.reason.cause, Cause::SecurityFailure);
            assert!(reason
                .reason
                .text
                .as_deref()
                .unwrap_or_default()
                .contains("not valid for name"));
        }
        e => panic!("{e:?}"),
    }
}

fn sips_options(branch: &str) -> Vec<u8> {
    String::from_utf8(request("OPTIONS", branch, "cs", 1, None, "", "", ""))
        .unwrap()
        .replace(
            &format!("OPTIONS sip:ua@{ME}"),
            &format!("OPTIONS sips:ua@{ME}"),
        )
        .into_bytes()
}

#[test]
fn sips_request_uri_is_accepted_over_tls_only() {
    let (mut core, now) = tls_core(Some("127.0.0.1:5061".parse().unwrap()));
    // Over UDP: 416 Unsupported URI Scheme.
    core.handle_datagram(now, me(), peer(), &sips_options("z9hG4bKudp"));
    assert_eq!(codes(&drain(&mut core)), vec![416]);
    // Over TLS: answered, on the connection.
    let conn = ConnId(7);
    core.handle_stream_opened(conn, peer(), TransportKind::Tls);
    let msg = String::from_utf8(sips_options("z9hG4bKtls"))
        .unwrap()
        .replace("SIP/2.0/UDP", "SIP/2.0/TLS");
    assert!(core.handle_stream_data(now, conn, msg.as_bytes()));
    let out = drain(&mut core);
    assert_eq!(codes(&out), vec![200]);
    assert_eq!(out[0].transport, TransportKind::Tls);
    assert_eq!(out[0].dst, peer());
}
