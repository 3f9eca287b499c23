//! A slow DNS lookup never stalls the SIP stack (issue 16 item 8). Stack A
//! resolves `slow.example` in 3 s (a resolver standing in for an
//! unreachable DNS server). While A's call to it waits for the name:
//!
//! * A still receives and reports B's incoming call at once (the old
//!   driver awaited the lookup inside its one loop: nothing was read for
//!   the whole lookup);
//! * a later command of A (a second call, to an IP literal) waits behind
//!   the first, so commands keep their order;
//! * once the name resolves, both calls reach B, the slow one first.
//!
//! A name that never resolves ends its call with a clear cause.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_sal::{
    Address, CallId, Cause, Stack, StackCommand, StackEvent, StackEventSink, StackIo, StackMedia,
};
use openphone_sip::resolver::{Lookup, Resolve};
use openphone_sip::{SipConfig, SipStack};
use tokio::sync::mpsc;

#[path = "common/media_port.rs"]
mod media_port;
use media_port::RecordingMedia;

const SLOW: Duration = Duration::from_secs(3);

/// `slow.example` is 127.0.0.1 after [`SLOW`]; every other name fails.
struct SlowResolver;

impl Resolve for SlowResolver {
    fn resolve(&self, host: &str) -> Lookup {
        let known = host == "slow.example";
        Box::pin(async move {
            if known {
                tokio::time::sleep(SLOW).await;
                Some(IpAddr::from([127, 0, 0, 1]))
            } else {
                None
            }
        })
    }
}

struct Ua {
    cmd: mpsc::Sender<StackCommand>,
    ev: mpsc::UnboundedReceiver<(usize, StackEvent)>,
    media: Arc<RecordingMedia>,
    port: u16,
}

async fn start(stack: SipStack, rtp: u16) -> Ua {
    let addrs = stack.local_addrs();
    let (cmd, commands) = mpsc::channel(16);
    let (tx, ev) = mpsc::unbounded_channel();
    let media = RecordingMedia::new(rtp);
    let io = StackIo::new(commands, StackEventSink::new(0, tx), media.clone());
    Box::new(stack).start(io).await.expect("stack starts");
    Ua {
        cmd,
        ev,
        media,
        port: addrs.udp().expect("udp").port(),
    }
}

fn config() -> SipConfig {
    SipConfig::builder()
        .udp_bind("127.0.0.1:0".parse().unwrap())
        .user_agent("dns-test")
        .build()
}

async fn dial(ua: &Ua, call: CallId, to: String) {
    let offer = ua.media.reserve(call).unwrap();
    ua.cmd
        .send(StackCommand::Dial {
            call,
            account: None,
            to: Address::new(to).unwrap(),
            offer,
        })
        .await
        .unwrap();
}

/// The next incoming call's callee user and when it arrived.
async fn next_incoming(ua: &mut Ua, within: Duration) -> Option<(String, Instant)> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let ev = tokio::time::timeout_at(deadline, ua.ev.recv())
            .await
            .ok()??;
        if let StackEvent::IncomingCall { to, .. } = ev.1 {
            let user = to.uri().split(['@', ':']).nth(1).unwrap_or("").to_string();
            return Some((user, Instant::now()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_lookup_does_not_stall_the_stack_and_commands_keep_order() {
    let mut a = start(SipStack::new(config()).with_resolver(SlowResolver), 40100).await;
    let mut b = start(SipStack::new(config()), 40200).await;

    let t0 = Instant::now();
    dial(
        &a,
        CallId::next(),
        format!("sip:slow@slow.example:{}", b.port),
    )
    .await;
    dial(
        &a,
        CallId::next(),
        format!("sip:second@127.0.0.1:{}", b.port),
    )
    .await;
    // B calls A meanwhile; A must hear of it long before the lookup ends.
    dial(
        &b,
        CallId::next(),
        format!("sip:alice@127.0.0.1:{}", a.port),
    )
    .await;
    let (_, at) = next_incoming(&mut a, SLOW)
        .await
        .expect("A reported B's call while its lookup ran");
    assert!(
        at - t0 < SLOW / 2,
        "A's loop was blocked: B's call reported after {:?}",
        at - t0
    );

    let (first, t1) = next_incoming(&mut b, Duration::from_secs(10))
        .await
        .expect("the call to slow.example reached B");
    let (second, _) = next_incoming(&mut b, Duration::from_secs(10))
        .await
        .expect("the second call reached B");
    assert_eq!((first.as_str(), second.as_str()), ("slow", "second"));
    assert!(
        t1 - t0 >= SLOW,
        "the slow call arrived before its name resolved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolvable_name_ends_the_call() {
    let mut a = start(SipStack::new(config()).with_resolver(SlowResolver), 40300).await;
    let call = CallId::next();
    dial(&a, call, "sip:nobody@nowhere.invalid".to_string()).await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match a.ev.recv().await.expect("stack alive").1 {
                StackEvent::CallEnded { call: c, reason } if c == call => return reason,
                _ => {}
            }
        }
    })
    .await
    .expect("the call ended");
    assert_eq!(ended.reason.cause, Cause::NetworkError, "{ended}");
}
