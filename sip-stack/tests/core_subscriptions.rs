//! The subscriber in the sans-IO core under virtual time (RFC 6665): the
//! dialog from the 2xx, NOTIFY with PIDF answered 200 and reported, the
//! refresh before expiry, removal with `Expires: 0`, 481 for a NOTIFY of no
//! subscription, and an unsolicited message summary delivered.

use std::time::Duration;

use openphone_sal::{
    Address, BasicStatus, EventPackage, NotifyContent, StackCommand, StackEvent, SubscriptionId,
    SubscriptionState,
};

#[path = "common/scripted_peer.rs"]
mod scripted;
use scripted::*;

/// The value of header `name` in a message's text.
fn header<'a>(msg: &'a str, name: &str) -> &'a str {
    msg.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {msg}"))
}

/// A NOTIFY from the notifier in the dialog of `subscribe`.
fn notify(subscribe: &str, cseq: u32, state: &str, ctype: &str, body: &str) -> Vec<u8> {
    let call_id = header(subscribe, "Call-ID");
    let from = header(subscribe, "From");
    format!(
        "NOTIFY sip:openphone@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {PEER};branch=z9hG4bKn{cseq};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:carol@{PEER}>;tag=n1\r\nTo: {from}\r\nCall-ID: {call_id}\r\n\
         CSeq: {cseq} NOTIFY\r\nContact: <sip:carol@{PEER}>\r\nEvent: presence\r\n\
         Subscription-State: {state}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const PIDF: &str = "<?xml version=\"1.0\"?><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" \
    entity=\"sip:carol@127.0.0.1\"><tuple id=\"1\"><status><basic>closed</basic></status>\
    <note>lunch</note></tuple></presence>";

#[test]
fn subscribe_notify_refresh_and_unsubscribe() {
    let (mut core, t0) = core();
    let id = SubscriptionId::next();
    core.handle_command(
        t0,
        StackCommand::Subscribe {
            subscription: id,
            account: None,
            to: Address::new(format!("sip:carol@{PEER}")).unwrap(),
            package: EventPackage::Presence,
            expires: Duration::from_secs(600),
        },
    );
    let sub = text(&drain(&mut core)[0]);
    assert!(sub.starts_with("SUBSCRIBE sip:carol@"), "{sub}");
    assert_eq!(header(&sub, "Event"), "presence");
    assert_eq!(header(&sub, "Accept"), "application/pidf+xml");
    assert_eq!(header(&sub, "Expires"), "600");
    // The notifier grants 100 s.
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&sub, 200, Some("n1"), "Expires: 100\r\n", ""),
    );
    assert!(events(&mut core).is_empty());
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &notify(&sub, 1, "active;expires=100", "application/pidf+xml", PIDF),
    );
    let out: Vec<String> = drain(&mut core).iter().map(text).collect();
    assert!(out[0].starts_with("SIP/2.0 200"), "{out:?}");
    match events(&mut core).as_slice() {
        [StackEvent::Notify {
            subscription: Some(s),
            content: NotifyContent::Presence { entity, status },
            ..
        }, StackEvent::Subscription {
            state: SubscriptionState::Active { expires },
            ..
        }] => {
            assert_eq!(*s, id);
            assert_eq!(entity, "sip:carol@127.0.0.1");
            assert_eq!(status.basic, BasicStatus::Closed);
            assert_eq!(status.note.as_deref(), Some("lunch"));
            assert_eq!(*expires, Duration::from_secs(100));
        }
        e => panic!("{e:?}"),
    }
    // Nothing before the refresh time; the refresh (in the dialog) before expiry.
    // Transaction timers run out first; the refresh comes before expiry.
    let (due, sent) = loop {
        let due = core.poll_timeout().expect("a timer");
        assert!(
            due < t0 + Duration::from_secs(100),
            "no refresh before expiry"
        );
        core.handle_timeout(due);
        let out = drain(&mut core);
        if !out.is_empty() {
            break (due, out);
        }
    };
    assert!(due > t0 + Duration::from_secs(50), "{:?}", due - t0);
    let refresh = text(&sent[0]);
    assert!(refresh.starts_with("SUBSCRIBE sip:carol@"), "{refresh}");
    assert!(header(&refresh, "To").ends_with(";tag=n1"), "{refresh}");
    assert_eq!(header(&refresh, "CSeq"), "2 SUBSCRIBE");
    assert_eq!(header(&refresh, "Call-ID"), header(&sub, "Call-ID"));
    core.handle_datagram(
        due,
        me(),
        peer(),
        &answer_to(&refresh, 200, Some("n1"), "Expires: 100\r\n", ""),
    );

    // Removal: Expires 0, then the subscription is over for the application.
    core.handle_command(due, StackCommand::Unsubscribe { subscription: id });
    let bye = text(&drain(&mut core)[0]);
    assert_eq!(header(&bye, "Expires"), "0");
    core.handle_datagram(due, me(), peer(), &answer_to(&bye, 200, Some("n1"), "", ""));
    assert!(matches!(
        events(&mut core).as_slice(),
        [StackEvent::Subscription {
            state: SubscriptionState::Terminated(_),
            ..
        }]
    ));
    // The notifier's final NOTIFY is still answered 200; a NOTIFY of an
    // active state for no subscription is 481.
    core.handle_datagram(
        due,
        me(),
        peer(),
        &notify(
            &sub,
            2,
            "terminated;reason=timeout",
            "application/pidf+xml",
            PIDF,
        ),
    );
    assert!(text(&drain(&mut core)[0]).starts_with("SIP/2.0 200"));
    core.handle_datagram(
        due,
        me(),
        peer(),
        &notify(&sub, 3, "active", "application/pidf+xml", PIDF),
    );
    assert!(text(&drain(&mut core)[0]).starts_with("SIP/2.0 481"));
    assert!(events(&mut core).is_empty());
}

#[test]
fn unsolicited_message_summary_is_delivered() {
    let (mut core, t0) = core();
    let body = "Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n";
    let msg = format!(
        "NOTIFY sip:ua@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {PEER};branch=z9hG4bKm;rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:vm@{PEER}>;tag=v\r\nTo: <sip:ua@127.0.0.1>\r\nCall-ID: mwi1\r\n\
         CSeq: 1 NOTIFY\r\nEvent: message-summary\r\nSubscription-State: active\r\n\
         Content-Type: application/simple-message-summary\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    core.handle_datagram(t0, me(), peer(), msg.as_bytes());
    assert!(text(&drain(&mut core)[0]).starts_with("SIP/2.0 200"));
    match events(&mut core).as_slice() {
        [StackEvent::Notify {
            subscription: None,
            content: NotifyContent::MessageSummary(m),
            ..
        }] => {
            assert!(m.waiting);
            assert_eq!((m.voice_new, m.voice_old, m.voice_old_urgent), (2, 8, 2));
        }
        e => panic!("{e:?}"),
    }
}
