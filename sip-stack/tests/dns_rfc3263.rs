//! RFC 3263 resolution against a real DNS server (dnsmasq on
//! 127.0.0.1:27453) and a real registrar/proxy (Kamailio on 127.0.0.1:27402):
//!
//! * `example.test` has a NAPTR record `SIP+D2T` pointing at
//!   `_sip._tcp.example.test`, whose SRV records name `dead.example.test:27401`
//!   (priority 10: nothing listens there) and `sip.example.test:27402`
//!   (priority 20: Kamailio); both names have A records.
//! * [`DnsResolver`] returns those targets in that order;
//! * two stacks register `sip:…@example.test` (the REGISTER fails over from
//!   the refused first target to Kamailio) and one calls the other through it;
//! * a resolver whose server does not answer gives a clear error.
//!
//! The test fails (never skips) when dnsmasq or Kamailio is missing
//! (`scripts/install-deps.sh` installs both).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, RegistrationState, Stack, StackCommand, StackEvent,
    StackEventSink, StackIo, StackMedia,
};
use openphone_sip::resolver::{DnsResolver, Resolve, ResolveError, Target, TargetQuery};
use openphone_sip::{SipConfig, SipStack, TransportKind};
use tokio::sync::mpsc;

#[path = "common/media_port.rs"]
mod media_port;
use media_port::RecordingMedia;

const DNS: &str = "127.0.0.1:27453";
const DEAD: u16 = 27401;
const KAM: u16 = 27402;

/// Kills the child when the test ends, however it ends.
struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(bin: &str) -> String {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin"] {
        let p = format!("{dir}/{bin}");
        if std::path::Path::new(&p).exists() {
            return p;
        }
    }
    panic!("{bin} is not installed: run scripts/install-deps.sh");
}

fn dnsmasq() -> Proc {
    let child = Command::new(find("dnsmasq"))
        .args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            "--port=27453",
            "--pid-file=",
            "--naptr-record=example.test,10,10,s,SIP+D2T,,_sip._tcp.example.test",
            &format!("--srv-host=_sip._tcp.example.test,dead.example.test,{DEAD},10,100"),
            &format!("--srv-host=_sip._tcp.example.test,sip.example.test,{KAM},20,100"),
            "--host-record=dead.example.test,127.0.0.1",
            "--host-record=sip.example.test,127.0.0.1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dnsmasq starts");
    std::thread::sleep(Duration::from_millis(500));
    Proc(child)
}

fn kamailio(dir: &std::path::Path) -> Proc {
    let lab =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/lab/kamailio.cfg");
    let cfg = std::fs::read_to_string(&lab).expect("shared/lab/kamailio.cfg");
    // Kamailio must take requests for example.test as its own.
    let cfg = cfg.replace(
        "alias=localhost:SIP_PORT",
        "alias=localhost:SIP_PORT\nalias=example.test\nalias=sip.example.test",
    );
    let path = dir.join("kamailio.cfg");
    std::fs::write(&path, cfg).expect("write kamailio.cfg");
    let child = Command::new(find("kamailio"))
        .arg("-f")
        .arg(&path)
        .args(["-DD", "-E", "-Y"])
        .arg(dir)
        .arg("-P")
        .arg(dir.join("pid"))
        .args(["-A", &format!("SIP_PORT={KAM}")])
        .args(["-A", &format!("CTL_SOCK=\"unix:{}/ctl\"", dir.display())])
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("kam.log")).expect("log file"),
        ))
        .spawn()
        .expect("kamailio starts");
    let proc = Proc(child);
    // Wait for its TCP port.
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", KAM)).is_ok() {
            return proc;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("kamailio did not listen on {KAM}");
}

fn dns() -> DnsResolver {
    DnsResolver::with_server(DNS.parse().unwrap())
}

struct Ua {
    cmd: mpsc::Sender<StackCommand>,
    ev: mpsc::UnboundedReceiver<(usize, StackEvent)>,
    media: Arc<RecordingMedia>,
}

async fn start(rtp: u16) -> Ua {
    let cfg = SipConfig::builder()
        .udp_bind("127.0.0.1:0".parse().unwrap())
        .tcp_bind("127.0.0.1:0".parse().unwrap())
        .user_agent("dns-rfc3263-test")
        .build();
    let stack = SipStack::new(cfg).with_resolver(dns());
    let (cmd, commands) = mpsc::channel(16);
    let (tx, ev) = mpsc::unbounded_channel();
    let media = RecordingMedia::new(rtp);
    let io = StackIo::new(commands, StackEventSink::new(0, tx), media.clone());
    Box::new(stack).start(io).await.expect("stack starts");
    Ua { cmd, ev, media }
}

async fn next<T>(ua: &mut Ua, what: &str, mut f: impl FnMut(&StackEvent) -> Option<T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let (_, ev) = ua.ev.recv().await.expect("stack alive");
            if let Some(t) = f(&ev) {
                return t;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

async fn register(ua: &mut Ua, user: &str) {
    let config = AccountConfig::new(Address::new(format!("sip:{user}@example.test")).unwrap())
        .with_registrar("sip:example.test");
    ua.cmd
        .send(StackCommand::AddAccount {
            account: AccountId::next(),
            config,
        })
        .await
        .unwrap();
    next(ua, "registration", |e| match e {
        StackEvent::Registration { state, .. } => match state {
            RegistrationState::Registered { .. } => Some(()),
            RegistrationState::Failed { reason } => panic!("{user} did not register: {reason}"),
            _ => None,
        },
        _ => None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naptr_srv_a_targets_register_and_call_through_kamailio() {
    let _dns = dnsmasq();
    let dir = std::env::temp_dir().join(format!("op-dns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let _kam = kamailio(&dir);

    // The resolver alone: NAPTR → SRV (priority order) → A.
    let q = TargetQuery {
        host: "example.test".into(),
        port: None,
        transport: None,
        secure: false,
    };
    let targets = dns().targets(&q).await.expect("example.test resolves");
    let want = |port| Target {
        transport: TransportKind::Tcp,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
    };
    assert_eq!(targets, vec![want(DEAD), want(KAM)]);
    // A port in the URI: A records only, UDP.
    let with_port = TargetQuery {
        host: "sip.example.test".into(),
        port: Some(5099),
        ..q.clone()
    };
    let t = dns().targets(&with_port).await.expect("A record");
    assert_eq!(
        t,
        vec![Target {
            transport: TransportKind::Udp,
            addr: "127.0.0.1:5099".parse().unwrap()
        }]
    );

    // Registration: the first SRV target refuses the connection; the
    // REGISTER goes on to the second (Kamailio) and succeeds.
    let mut alice = start(22000).await;
    let mut bob = start(22100).await;
    register(&mut alice, "alice").await;
    register(&mut bob, "bob").await;

    // A call to sip:bob@example.test through Kamailio.
    let call = CallId::next();
    let offer = alice.media.reserve(call).unwrap();
    alice
        .cmd
        .send(StackCommand::Dial {
            call,
            account: None,
            to: Address::new("sip:bob@example.test").unwrap(),
            offer,
        })
        .await
        .unwrap();
    let incoming = next(&mut bob, "bob's incoming call", |e| match e {
        StackEvent::IncomingCall { call, .. } => Some(*call),
        _ => None,
    })
    .await;
    let media = bob.media.reserve(incoming).unwrap();
    bob.cmd
        .send(StackCommand::Answer {
            call: incoming,
            media,
        })
        .await
        .unwrap();
    next(&mut alice, "alice connected", |e| match e {
        StackEvent::Connected { call: c, .. } if *c == call => Some(()),
        StackEvent::CallEnded { reason, .. } => panic!("call ended: {reason}"),
        _ => None,
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_name_server_is_a_clear_error() {
    // Nothing answers DNS on this port.
    let r = DnsResolver::with_server("127.0.0.1:27454".parse().unwrap());
    let q = TargetQuery {
        host: "example.test".into(),
        port: None,
        transport: None,
        secure: false,
    };
    let err = r.targets(&q).await.expect_err("no server, no target");
    assert_eq!(err, ResolveError::NotFound("example.test".into()));
    assert!(err.to_string().contains("does not resolve"), "{err}");
}
