//! Two real `SipStack`s on 127.0.0.1 (ephemeral ports) place and end a call, over UDP
//! and over TCP, driven through their `StackIo` channels.

use std::time::Duration;

use openphone_sal::{
    Address, CallId, CodecDescriptor, EndReason, MediaOffer, Stack, StackCommand, StackEvent,
    StackEventSink, StackIo,
};
use openphone_sip::{SipConfig, SipStack};
use tokio::sync::mpsc;

struct Ua {
    cmd: mpsc::Sender<StackCommand>,
    ev: mpsc::UnboundedReceiver<(usize, StackEvent)>,
    udp: Option<std::net::SocketAddr>,
    tcp: Option<std::net::SocketAddr>,
}

async fn start(tcp: bool) -> Ua {
    let mut b = SipConfig::builder().udp_bind("127.0.0.1:0".parse().unwrap());
    if tcp {
        b = b.tcp_bind("127.0.0.1:0".parse().unwrap());
    }
    let stack = SipStack::new(b.user_agent("loopback-test").build());
    let addrs = stack.local_addrs();
    let (cmd, commands) = mpsc::channel(16);
    let (tx, ev) = mpsc::unbounded_channel();
    let info = Box::new(stack)
        .start(StackIo {
            commands,
            events: StackEventSink::new(0, tx),
        })
        .await
        .expect("stack starts");
    assert!(!info.listening.is_empty());
    Ua {
        cmd,
        ev,
        udp: addrs.udp(),
        tcp: addrs.tcp(),
    }
}

async fn next(ua: &mut Ua) -> StackEvent {
    tokio::time::timeout(Duration::from_secs(10), ua.ev.recv())
        .await
        .expect("event within 10 s")
        .expect("stack alive")
        .1
}

fn media(port: u16) -> MediaOffer {
    MediaOffer::new(format!("127.0.0.1:{port}").parse().unwrap())
        .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
        .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16"))
}

async fn call(tcp: bool) {
    let mut a = start(tcp).await;
    let mut b = start(tcp).await;
    let target = if tcp {
        format!("sip:bob@{};transport=tcp", b.tcp.unwrap())
    } else {
        format!("sip:bob@{}", b.udp.unwrap())
    };
    let call = CallId::next();
    a.cmd
        .send(StackCommand::Dial {
            call,
            account: None,
            to: Address::new(target).unwrap(),
            offer: media(40000),
        })
        .await
        .unwrap();

    let incoming = match next(&mut b).await {
        StackEvent::IncomingCall { call, offer, .. } => {
            assert_eq!(offer.expect("offer").rtp.port(), 40000);
            call
        }
        e => panic!("B expected IncomingCall, got {e:?}"),
    };
    match next(&mut a).await {
        StackEvent::Ringing { call: c, .. } => assert_eq!(c, call),
        e => panic!("A expected Ringing, got {e:?}"),
    }
    b.cmd
        .send(StackCommand::Answer {
            call: incoming,
            media: media(42000),
        })
        .await
        .unwrap();
    assert!(matches!(next(&mut a).await, StackEvent::Connected { .. }));
    match next(&mut a).await {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(media.remote_rtp.port(), 42000);
            assert!(media.send_codec.encoding.eq_ignore_ascii_case("PCMU"));
        }
        e => panic!("A expected MediaNegotiated, got {e:?}"),
    }
    assert!(matches!(next(&mut b).await, StackEvent::Connected { .. }));
    match next(&mut b).await {
        StackEvent::MediaNegotiated { media, .. } => assert_eq!(media.remote_rtp.port(), 40000),
        e => panic!("B expected MediaNegotiated, got {e:?}"),
    }

    a.cmd.send(StackCommand::Hangup { call }).await.unwrap();
    match next(&mut a).await {
        StackEvent::CallEnded { reason, .. } => assert_eq!(reason, EndReason::LocalHangup),
        e => panic!("A expected CallEnded, got {e:?}"),
    }
    match next(&mut b).await {
        StackEvent::CallEnded { call, reason } => {
            assert_eq!(call, incoming);
            assert_eq!(reason, EndReason::RemoteHangup);
        }
        e => panic!("B expected CallEnded, got {e:?}"),
    }
    a.cmd.send(StackCommand::Shutdown).await.unwrap();
    b.cmd.send(StackCommand::Shutdown).await.unwrap();
}

/// Hold/resume (re-INVITE), out-of-band DTMF (INFO), blind transfer (REFER) and a
/// MESSAGE between two real stacks.
#[tokio::test]
async fn mid_call_features_over_udp() {
    let mut a = start(false).await;
    let mut b = start(false).await;
    let call = CallId::next();
    let to = Address::new(format!("sip:bob@{}", b.udp.unwrap())).unwrap();
    a.cmd
        .send(StackCommand::Dial {
            call,
            account: None,
            to: to.clone(),
            offer: media(40000),
        })
        .await
        .unwrap();
    let incoming = match next(&mut b).await {
        StackEvent::IncomingCall { call, .. } => call,
        e => panic!("{e:?}"),
    };
    b.cmd
        .send(StackCommand::Answer {
            call: incoming,
            media: media(42000),
        })
        .await
        .unwrap();
    let mut a_events = Vec::new();
    while a_events.len() < 3 {
        a_events.push(next(&mut a).await); // Ringing, Connected, MediaNegotiated
    }
    assert!(matches!(next(&mut b).await, StackEvent::Connected { .. }));
    assert!(matches!(
        next(&mut b).await,
        StackEvent::MediaNegotiated { .. }
    ));

    // Hold: A offers sendonly.
    let held = media(40000).with_direction(openphone_sal::MediaDirection::SendOnly);
    a.cmd
        .send(StackCommand::UpdateMedia { call, media: held })
        .await
        .unwrap();
    match next(&mut a).await {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(media.direction, openphone_sal::MediaDirection::SendOnly)
        }
        e => panic!("{e:?}"),
    }
    match next(&mut b).await {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(media.direction, openphone_sal::MediaDirection::RecvOnly)
        }
        e => panic!("{e:?}"),
    }
    assert!(matches!(
        next(&mut b).await,
        StackEvent::RemoteHold { held: true, .. }
    ));
    // Resume.
    a.cmd
        .send(StackCommand::UpdateMedia {
            call,
            media: media(40000),
        })
        .await
        .unwrap();
    assert!(matches!(
        next(&mut a).await,
        StackEvent::MediaNegotiated { .. }
    ));
    assert!(matches!(
        next(&mut b).await,
        StackEvent::MediaNegotiated { .. }
    ));
    assert!(matches!(
        next(&mut b).await,
        StackEvent::RemoteHold { held: false, .. }
    ));

    // DTMF by INFO.
    a.cmd
        .send(StackCommand::SendDtmf {
            call,
            digits: "5#".into(),
        })
        .await
        .unwrap();
    let mut digits = String::new();
    for _ in 0..2 {
        match next(&mut b).await {
            StackEvent::Dtmf { digit, .. } => digits.push(digit),
            e => panic!("{e:?}"),
        }
    }
    let mut sorted: Vec<char> = digits.chars().collect();
    sorted.sort();
    assert_eq!(
        sorted,
        vec!['#', '5'],
        "both digits arrive (UDP may reorder)"
    );

    // Blind transfer request from B to A.
    let carol = Address::new("sip:carol@127.0.0.1:5099").unwrap();
    b.cmd
        .send(StackCommand::Transfer {
            call: incoming,
            to: carol.clone(),
        })
        .await
        .unwrap();
    match next(&mut a).await {
        StackEvent::TransferRequested { call: c, target } => {
            assert_eq!(c, call);
            assert_eq!(target.uri(), carol.uri());
        }
        e => panic!("{e:?}"),
    }

    // An instant message outside the call.
    a.cmd
        .send(StackCommand::SendMessage {
            account: None,
            to,
            content_type: "text/plain".into(),
            body: b"hello bob".to_vec(),
        })
        .await
        .unwrap();
    match next(&mut b).await {
        StackEvent::Message { body, .. } => assert_eq!(body, b"hello bob"),
        e => panic!("{e:?}"),
    }

    b.cmd
        .send(StackCommand::Hangup { call: incoming })
        .await
        .unwrap();
    assert!(matches!(
        next(&mut a).await,
        StackEvent::CallEnded {
            reason: EndReason::RemoteHangup,
            ..
        }
    ));
}

#[tokio::test]
async fn call_over_udp() {
    call(false).await;
}

#[tokio::test]
async fn call_over_tcp() {
    call(true).await;
}

/// A TCP target that refuses connections fails the call at once, not after 32 s.
#[tokio::test]
async fn tcp_connect_failure_ends_the_call() {
    let mut a = start(true).await;
    // A port nobody listens on: bind and drop a listener to get one.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let call = CallId::next();
    let to = Address::new(format!("sip:nobody@127.0.0.1:{port};transport=tcp")).unwrap();
    a.cmd
        .send(StackCommand::Dial {
            call,
            account: None,
            to,
            offer: media(40000),
        })
        .await
        .unwrap();
    match next(&mut a).await {
        StackEvent::CallEnded { call: c, reason } => {
            assert_eq!(c, call);
            assert_eq!(reason, EndReason::Timeout);
        }
        e => panic!("{e:?}"),
    }
}
