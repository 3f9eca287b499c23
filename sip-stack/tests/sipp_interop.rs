//! Against SIPp, an independent SIP implementation (fails, with a message, when the
//! `sipp` binary is not installed):
//! * a registrar scenario that challenges with a 401 and checks our Authorization
//!   with SIPp's own digest code (`verifyauth`), then grants 120 s;
//! * SIPp's built-in UAS answering a call we place, and SIPp's UAC calling us.

use std::process::{Command, Stdio};
use std::time::Duration;

use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, CodecDescriptor, EndReason, MediaOffer,
    RegistrationState, Stack, StackCommand, StackEvent, StackEventSink, StackIo,
};
use openphone_sip::{SipConfig, SipStack};
use tokio::sync::mpsc;

fn sipp_available() -> bool {
    Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Ua {
    cmd: mpsc::Sender<StackCommand>,
    ev: mpsc::UnboundedReceiver<(usize, StackEvent)>,
    port: u16,
}

async fn start() -> Ua {
    let stack = SipStack::new(
        SipConfig::builder()
            .udp_bind("127.0.0.1:0".parse().unwrap())
            .build(),
    );
    let addrs = stack.local_addrs();
    let (cmd, commands) = mpsc::channel(16);
    let (tx, ev) = mpsc::unbounded_channel();
    Box::new(stack)
        .start(StackIo {
            commands,
            events: StackEventSink::new(0, tx),
        })
        .await
        .unwrap();
    Ua {
        cmd,
        ev,
        port: addrs.udp().unwrap().port(),
    }
}

async fn next(ua: &mut Ua) -> StackEvent {
    tokio::time::timeout(Duration::from_secs(15), ua.ev.recv())
        .await
        .expect("event in time")
        .expect("alive")
        .1
}

fn media() -> MediaOffer {
    MediaOffer::new("127.0.0.1:16400".parse().unwrap())
        .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
        .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
}

async fn wait(mut child: tokio::process::Child) -> bool {
    match tokio::time::timeout(Duration::from_secs(20), child.wait()).await {
        Ok(Ok(s)) => s.success(),
        _ => {
            let _ = child.kill().await;
            false
        }
    }
}

#[tokio::test]
async fn register_with_digest_checked_by_sipp() {
    assert!(
        sipp_available(),
        "sipp is not installed: apt-get install sip-tester (scripts/install-deps.sh does it)"
    );
    let port = free_udp_port();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/sipp/register_digest_uas.xml"
    );
    let sipp = tokio::process::Command::new("sipp")
        .args([
            "-sf",
            scenario,
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            "1",
            "-nostdin",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("sipp starts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ua = start().await;
    let account = AccountId::next();
    let config = AccountConfig::new(Address::new(format!("sip:alice@127.0.0.1:{port}")).unwrap())
        .with_password("s3cret");
    ua.cmd
        .send(StackCommand::AddAccount { account, config })
        .await
        .unwrap();
    assert!(matches!(
        next(&mut ua).await,
        StackEvent::Registration {
            state: RegistrationState::Registering,
            ..
        }
    ));
    match next(&mut ua).await {
        StackEvent::Registration {
            state: RegistrationState::Registered { expires },
            ..
        } => {
            assert_eq!(expires, Duration::from_secs(120))
        }
        e => panic!("{e:?}"),
    }
    assert!(
        wait(sipp).await,
        "SIPp's verifyauth accepted our credentials"
    );
}

#[tokio::test]
async fn call_sipp_uas_and_be_called_by_sipp_uac() {
    assert!(
        sipp_available(),
        "sipp is not installed: apt-get install sip-tester (scripts/install-deps.sh does it)"
    );
    // We call SIPp's UAS.
    let port = free_udp_port();
    let uas = tokio::process::Command::new("sipp")
        .args([
            "-sn",
            "uas",
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            "1",
            "-nostdin",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("sipp starts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ua = start().await;
    let call = CallId::next();
    let to = Address::new(format!("sip:service@127.0.0.1:{port}")).unwrap();
    ua.cmd
        .send(StackCommand::Dial {
            call,
            account: None,
            to,
            offer: media(),
        })
        .await
        .unwrap();
    assert!(matches!(next(&mut ua).await, StackEvent::Ringing { .. }));
    assert!(matches!(next(&mut ua).await, StackEvent::Connected { .. }));
    assert!(matches!(
        next(&mut ua).await,
        StackEvent::MediaNegotiated { .. }
    ));
    ua.cmd.send(StackCommand::Hangup { call }).await.unwrap();
    assert!(matches!(
        next(&mut ua).await,
        StackEvent::CallEnded {
            reason: EndReason::LocalHangup,
            ..
        }
    ));
    assert!(wait(uas).await, "SIPp UAS saw a complete call");

    // SIPp's UAC calls us; we answer; it hangs up.
    let uac = tokio::process::Command::new("sipp")
        .args([
            &format!("127.0.0.1:{}", ua.port),
            "-sn",
            "uac",
            "-i",
            "127.0.0.1",
            "-p",
            &free_udp_port().to_string(),
            "-m",
            "1",
            "-d",
            "200",
            "-nostdin",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("sipp starts");
    let incoming = match next(&mut ua).await {
        StackEvent::IncomingCall { call, offer, .. } => {
            assert!(offer.is_some());
            call
        }
        e => panic!("{e:?}"),
    };
    ua.cmd
        .send(StackCommand::Answer {
            call: incoming,
            media: media(),
        })
        .await
        .unwrap();
    assert!(matches!(next(&mut ua).await, StackEvent::Connected { .. }));
    assert!(matches!(
        next(&mut ua).await,
        StackEvent::MediaNegotiated { .. }
    ));
    assert!(matches!(
        next(&mut ua).await,
        StackEvent::CallEnded {
            reason: EndReason::RemoteHangup,
            ..
        }
    ));
    assert!(wait(uac).await, "SIPp UAC completed its call");
}
