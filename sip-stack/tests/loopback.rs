//! Two real `SipStack`s on 127.0.0.1 (ephemeral ports) place and end a call, over UDP
//! and over TCP, driven through their `StackIo` channels, with a recording media
//! port standing in for the phone's.

use std::sync::Arc;
use std::time::Duration;

use openphone_sal::{
    Address, CallId, Cause, EndReason, Initiator, MediaDirection, NegotiatedMedia, SendChannel,
    Stack, StackCommand, StackEvent, StackEventSink, StackIo, StackMedia, TransferStatus,
};
use openphone_sip::{SipConfig, SipStack};
use tokio::sync::mpsc;

#[path = "common/media_port.rs"]
mod media_port;
use media_port::RecordingMedia;

struct Ua {
    cmd: mpsc::Sender<StackCommand>,
    ev: mpsc::UnboundedReceiver<(usize, StackEvent)>,
    media: Arc<RecordingMedia>,
    udp: Option<std::net::SocketAddr>,
    tcp: Option<std::net::SocketAddr>,
}

/// A stack whose media endpoints are on RTP ports `rtp`, `rtp + 2`…
async fn start(tcp: bool, rtp: u16) -> Ua {
    let mut b = SipConfig::builder().udp_bind("127.0.0.1:0".parse().unwrap());
    if tcp {
        b = b.tcp_bind("127.0.0.1:0".parse().unwrap());
    }
    let stack = SipStack::new(b.user_agent("loopback-test").build());
    let addrs = stack.local_addrs();
    let (cmd, commands) = mpsc::channel(16);
    let (tx, ev) = mpsc::unbounded_channel();
    let media = RecordingMedia::new(rtp);
    let io = StackIo::new(commands, StackEventSink::new(0, tx), media.clone());
    let info = Box::new(stack).start(io).await.expect("stack starts");
    assert!(!info.listening.is_empty());
    Ua {
        cmd,
        ev,
        media,
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

/// What we send on the audio stream.
fn sending(m: &NegotiatedMedia) -> &SendChannel {
    m.audio()
        .and_then(|s| s.send.as_ref())
        .expect("audio is sent")
}

fn direction(m: &NegotiatedMedia) -> MediaDirection {
    m.audio().expect("audio agreed").direction
}

/// Dials from `a` with a description reserved on its media port.
async fn dial(a: &Ua, call: CallId, to: Address) {
    let offer = a.media.reserve(call).unwrap();
    a.cmd
        .send(StackCommand::Dial {
            call,
            account: None,
            to,
            offer,
        })
        .await
        .unwrap();
}

/// Answers on `b` with a description reserved on its media port.
async fn answer(b: &Ua, call: CallId) {
    let media = b.media.reserve(call).unwrap();
    b.cmd
        .send(StackCommand::Answer { call, media })
        .await
        .unwrap();
}

async fn call(tcp: bool) {
    let mut a = start(tcp, 40000).await;
    let mut b = start(tcp, 42000).await;
    let target = if tcp {
        format!("sip:bob@{};transport=tcp", b.tcp.unwrap())
    } else {
        format!("sip:bob@{}", b.udp.unwrap())
    };
    let call = CallId::next();
    dial(&a, call, Address::new(target).unwrap()).await;

    let incoming = match next(&mut b).await {
        StackEvent::IncomingCall {
            call,
            offer,
            replaces,
            ..
        } => {
            let offer = offer.expect("offer");
            assert_eq!(offer.audio().and_then(|s| s.rtp).unwrap().port(), 40000);
            assert_eq!(replaces, None);
            call
        }
        e => panic!("B expected IncomingCall, got {e:?}"),
    };
    match next(&mut a).await {
        StackEvent::Ringing { call: c, .. } => assert_eq!(c, call),
        e => panic!("A expected Ringing, got {e:?}"),
    }
    answer(&b, incoming).await;
    assert!(matches!(next(&mut a).await, StackEvent::Connected { .. }));
    match next(&mut a).await {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(sending(&media).remote_rtp.port(), 42000);
            assert!(sending(&media).codec.encoding.eq_ignore_ascii_case("PCMU"));
            // Applied through the media port before it was reported.
            assert_eq!(a.media.applied(), vec![(call, media)]);
        }
        e => panic!("A expected MediaNegotiated, got {e:?}"),
    }
    assert!(matches!(next(&mut b).await, StackEvent::Connected { .. }));
    match next(&mut b).await {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(sending(&media).remote_rtp.port(), 40000);
            assert_eq!(b.media.applied(), vec![(incoming, media)]);
        }
        e => panic!("B expected MediaNegotiated, got {e:?}"),
    }

    a.cmd.send(StackCommand::Hangup { call }).await.unwrap();
    match next(&mut a).await {
        StackEvent::CallEnded { reason, .. } => {
            assert_eq!(reason, EndReason::local(Cause::NormalClearing))
        }
        e => panic!("A expected CallEnded, got {e:?}"),
    }
    assert_eq!(a.media.released(), vec![call], "media released at the end");
    match next(&mut b).await {
        StackEvent::CallEnded { call, reason } => {
            assert_eq!(call, incoming);
            assert_eq!(reason, EndReason::remote(Cause::NormalClearing));
        }
        e => panic!("B expected CallEnded, got {e:?}"),
    }
    assert_eq!(b.media.released(), vec![incoming]);
    a.cmd.send(StackCommand::Shutdown).await.unwrap();
    b.cmd.send(StackCommand::Shutdown).await.unwrap();
}

/// Hold/resume (re-INVITE), out-of-band DTMF (INFO), blind transfer (REFER) and a
/// MESSAGE between two real stacks.
#[tokio::test]
async fn mid_call_features_over_udp() {
    let mut a = start(false, 40000).await;
    let mut b = start(false, 42000).await;
    let call = CallId::next();
    let to = Address::new(format!("sip:bob@{}", b.udp.unwrap())).unwrap();
    dial(&a, call, to.clone()).await;
    let incoming = match next(&mut b).await {
        StackEvent::IncomingCall { call, .. } => call,
        e => panic!("{e:?}"),
    };
    answer(&b, incoming).await;
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
    a.cmd.send(StackCommand::Hold { call }).await.unwrap();
    match next(&mut a).await {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(direction(&media), MediaDirection::SendOnly)
        }
        e => panic!("{e:?}"),
    }
    match next(&mut b).await {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(direction(&media), MediaDirection::RecvOnly)
        }
        e => panic!("{e:?}"),
    }
    assert!(matches!(
        next(&mut b).await,
        StackEvent::RemoteHold { held: true, .. }
    ));
    // Resume.
    a.cmd.send(StackCommand::Resume { call }).await.unwrap();
    match next(&mut a).await {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(direction(&media), MediaDirection::SendRecv)
        }
        e => panic!("{e:?}"),
    }
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
    // B hears of it twice: the 202, and A's NOTIFY (sipfrag "100 Trying").
    for _ in 0..2 {
        match next(&mut b).await {
            StackEvent::TransferProgress { call, status } => {
                assert_eq!(call, incoming);
                assert_eq!(status, TransferStatus::Trying);
            }
            e => panic!("{e:?}"),
        }
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
    match next(&mut a).await {
        StackEvent::CallEnded { reason, .. } => {
            assert_eq!(reason, EndReason::remote(Cause::NormalClearing))
        }
        e => panic!("{e:?}"),
    }
}

/// A media port that refuses the agreed media: the event is not forwarded,
/// the call ends with BYE and `IncompatibleMedia`, and the media is released.
#[tokio::test]
async fn refused_media_ends_the_call() {
    let mut a = start(false, 40000).await;
    let mut b = start(false, 42000).await;
    b.media.refuse_apply("no such codec here");
    let call = CallId::next();
    dial(
        &a,
        call,
        Address::new(format!("sip:bob@{}", b.udp.unwrap())).unwrap(),
    )
    .await;
    let incoming = match next(&mut b).await {
        StackEvent::IncomingCall { call, .. } => call,
        e => panic!("{e:?}"),
    };
    answer(&b, incoming).await;
    assert!(matches!(next(&mut b).await, StackEvent::Connected { .. }));
    match next(&mut b).await {
        StackEvent::CallEnded { call, reason } => {
            assert_eq!(call, incoming);
            assert_eq!(reason.initiator, Initiator::System);
            assert_eq!(reason.cause(), Cause::IncompatibleMedia);
            assert!(
                reason
                    .reason
                    .text
                    .as_deref()
                    .unwrap()
                    .contains("no such codec here"),
                "{reason}"
            );
        }
        e => panic!("B expected CallEnded, not {e:?}"),
    }
    assert!(b.media.applied().is_empty());
    assert_eq!(b.media.released(), vec![incoming]);
    // A was connected, then gets B's BYE.
    let mut ended = None;
    while ended.is_none() {
        if let StackEvent::CallEnded { reason, .. } = next(&mut a).await {
            ended = Some(reason);
        }
    }
    assert_eq!(ended, Some(EndReason::remote(Cause::NormalClearing)));
}

/// Commands on a call that is not established fail with an event.
#[tokio::test]
async fn commands_on_a_call_that_is_not_established_fail() {
    let mut a = start(false, 40000).await;
    let unknown = CallId::next();
    for cmd in [
        StackCommand::Hold { call: unknown },
        StackCommand::Transfer {
            call: unknown,
            to: Address::new("sip:carol@127.0.0.1").unwrap(),
        },
        StackCommand::SendDtmf {
            call: unknown,
            digits: "1".into(),
        },
    ] {
        let op = cmd.operation().unwrap();
        a.cmd.send(cmd).await.unwrap();
        match next(&mut a).await {
            StackEvent::CommandFailed {
                call,
                operation,
                reason,
            } => {
                assert_eq!(call, Some(unknown));
                assert_eq!(operation, op);
                assert_eq!(reason.cause, Cause::NotEstablished);
            }
            e => panic!("{e:?}"),
        }
    }
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
    let mut a = start(true, 40000).await;
    // A port nobody listens on: bind and drop a listener to get one.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let call = CallId::next();
    let to = Address::new(format!("sip:nobody@127.0.0.1:{port};transport=tcp")).unwrap();
    dial(&a, call, to).await;
    match next(&mut a).await {
        StackEvent::CallEnded { call: c, reason } => {
            assert_eq!(c, call);
            assert_eq!(reason.initiator, Initiator::System);
            assert_eq!(reason.cause(), Cause::NetworkError);
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(a.media.released(), vec![call]);
}
