//! 100rel/PRACK (RFC 3262) and session timers (RFC 4028) against SIPp, an
//! independent implementation (fails, with a message, when `sipp` is not
//! installed). The scenarios check our messages with `ereg check_it`, so a
//! missing or wrong header fails SIPp and so the test:
//! * SIPp's UAC requires 100rel and supports timers: our 180 must be
//!   reliable, our 200 must answer its PRACK and carry Session-Expires with
//!   Require: timer;
//! * SIPp's UAS sends a reliable 183 with the SDP answer that we must PRACK,
//!   then a 200 without SDP naming us refresher of a (test-short) 4 s
//!   session: our refresh re-INVITE must come.
//!
//! Ports: SIP 27300–27319, RTP 25000–25039.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use openphone_sal::{
    Address, CallId, Cause, EndReason, Stack, StackCommand, StackEvent, StackEventSink, StackIo,
    StackMedia,
};
use openphone_sip::{ReliableProvisional, SessionTimerConfig, SipConfig, SipStack};
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

struct Ua {
    cmd: mpsc::Sender<StackCommand>,
    ev: mpsc::UnboundedReceiver<(usize, StackEvent)>,
    media: Arc<RecordingMedia>,
}

async fn start(port: u16, rtp: u16) -> Ua {
    let stack = SipStack::new(
        SipConfig::builder()
            .udp_bind(format!("127.0.0.1:{port}").parse().unwrap())
            .reliable_provisional(ReliableProvisional::Supported)
            .session_timer(SessionTimerConfig::default())
            .build(),
    );
    let (cmd, commands) = mpsc::channel(16);
    let (tx, ev) = mpsc::unbounded_channel();
    let media = RecordingMedia::new(rtp);
    let io = StackIo::new(commands, StackEventSink::new(0, tx), media.clone());
    Box::new(stack).start(io).await.unwrap();
    Ua { cmd, ev, media }
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

fn sipp(args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new("sipp")
        .args(args)
        .args(["-i", "127.0.0.1", "-m", "1", "-nostdin"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("sipp starts")
}

fn scenario(name: &str) -> String {
    format!("{}/tests/sipp/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn sipp_uac_requiring_100rel_gets_a_reliable_180_and_session_timer() {
    assert!(
        sipp_available(),
        "sipp is not installed: apt-get install sip-tester (scripts/install-deps.sh does it)"
    );
    let mut ua = start(27300, 25000).await;
    let uac = sipp(&[
        "127.0.0.1:27300",
        "-sf",
        &scenario("prack_timer_uac.xml"),
        "-p",
        "27310",
        "-mp",
        "25010",
    ]);
    let incoming = match next(&mut ua).await {
        StackEvent::IncomingCall { call, offer, .. } => {
            assert!(offer.is_some());
            call
        }
        e => panic!("{e:?}"),
    };
    // Ring a moment: SIPp PRACKs the reliable 180 before the answer.
    tokio::time::sleep(Duration::from_millis(700)).await;
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
    assert!(
        wait(uac).await,
        "SIPp saw a reliable 180, a 200 to its PRACK and Session-Expires in the 2xx"
    );
}

#[tokio::test]
async fn we_prack_sipp_reliable_183_and_refresh_the_session() {
    assert!(
        sipp_available(),
        "sipp is not installed: apt-get install sip-tester (scripts/install-deps.sh does it)"
    );
    let uas = sipp(&[
        "-sf",
        &scenario("reliable_183_timer_uas.xml"),
        "-p",
        "27311",
        "-mp",
        "25020",
    ]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ua = start(27301, 25030).await;
    let call = CallId::next();
    ua.cmd
        .send(StackCommand::Dial {
            call,
            account: None,
            to: Address::new("sip:service@127.0.0.1:27311").unwrap(),
            offer: ua.media.reserve(call).unwrap(),
        })
        .await
        .unwrap();
    match next(&mut ua).await {
        StackEvent::Ringing { early_media, .. } => assert!(early_media),
        e => panic!("{e:?}"),
    }
    // The early answer, the call, the 2xx (no SDP: the 183's answer stands),
    // then the refresh re-INVITE's answer.
    assert!(matches!(
        next(&mut ua).await,
        StackEvent::MediaNegotiated { .. }
    ));
    assert!(matches!(next(&mut ua).await, StackEvent::Connected { .. }));
    assert!(matches!(
        next(&mut ua).await,
        StackEvent::MediaNegotiated { .. }
    ));
    match next(&mut ua).await {
        StackEvent::MediaNegotiated { .. } => {}
        e => panic!("expected the refresh's answer, got {e:?}"),
    }
    ua.cmd.send(StackCommand::Hangup { call }).await.unwrap();
    match next(&mut ua).await {
        StackEvent::CallEnded { reason, .. } => {
            assert_eq!(reason, EndReason::local(Cause::NormalClearing))
        }
        e => panic!("{e:?}"),
    }
    assert!(
        wait(uas).await,
        "SIPp saw our PRACK (RAck 1 1 INVITE) and our refresh re-INVITE"
    );
}
