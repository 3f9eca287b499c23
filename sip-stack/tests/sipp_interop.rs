//! Against SIPp, an independent SIP implementation (fails, with a message, when the
//! `sipp` binary is not installed):
//! * a registrar scenario that challenges with a 401 and checks our Authorization
//!   with SIPp's own digest code (`verifyauth`), then grants 120 s;
//! * SIPp's built-in UAS answering a call we place, and SIPp's UAC calling us.

use std::process::{Command, Stdio};
use std::time::Duration;

use std::sync::Arc;

use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, Cause, EndReason, RegistrationState, Stack,
    StackCommand, StackEvent, StackEventSink, StackIo, StackMedia,
};
use openphone_sip::{SipConfig, SipStack};
use tokio::sync::mpsc;

#[path = "common/media_port.rs"]
mod media_port;
use media_port::RecordingMedia;

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
    media: Arc<RecordingMedia>,
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
    let media = RecordingMedia::new(16400);
    let io = StackIo::new(commands, StackEventSink::new(0, tx), media.clone());
    Box::new(stack).start(io).await.unwrap();
    Ua {
        cmd,
        ev,
        media,
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
            offer: ua.media.reserve(call).unwrap(),
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
    match next(&mut ua).await {
        StackEvent::CallEnded { reason, .. } => {
            assert_eq!(reason, EndReason::local(Cause::NormalClearing))
        }
        e => panic!("{e:?}"),
    }
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
            media: ua.media.reserve(incoming).unwrap(),
        })
        .await
        .unwrap();
    assert!(matches!(next(&mut ua).await, StackEvent::Connected { .. }));
    assert!(matches!(
        next(&mut ua).await,
        StackEvent::MediaNegotiated { .. }
    ));
    match next(&mut ua).await {
        StackEvent::CallEnded { reason, .. } => {
            assert_eq!(reason, EndReason::remote(Cause::NormalClearing))
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(ua.media.applied().len(), 2, "both calls' media applied");
    assert!(wait(uac).await, "SIPp UAC completed its call");
}
