//! SIP over TLS between real `SipStack`s on 127.0.0.1, with a CA and
//! certificates made by the test (rcgen): a call and a MESSAGE over one TLS
//! connection, REGISTER to a TLS registrar, and the refusals — a certificate
//! for another name, or from a CA nobody trusts, fails the request with
//! `Cause::SecurityFailure` and nothing goes out over TCP or UDP instead.
#![cfg(feature = "tls")]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, Cause, RegistrationState, Stack, StackCommand,
    StackEvent, StackEventSink, StackIo, StackMedia,
};
use openphone_sip::{SipConfig, SipStack, TransportStats};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

#[path = "common/media_port.rs"]
mod media_port;
#[path = "common/test_pki.rs"]
mod test_pki;

use media_port::RecordingMedia;
use test_pki::{temp_dir, Leaf, TestCa};

struct Ua {
    cmd: mpsc::Sender<StackCommand>,
    ev: mpsc::UnboundedReceiver<(usize, StackEvent)>,
    media: Arc<RecordingMedia>,
    stats: TransportStats,
    tls: Option<SocketAddr>,
}

/// A stack with UDP and TCP on (so a downgrade would have somewhere to go),
/// trusting only `ca`, and listening for TLS with `leaf` if given.
async fn start(ca: &Path, leaf: Option<&Leaf>, rtp: u16) -> Ua {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut b = SipConfig::builder()
        .udp_bind(any)
        .tcp_bind(any)
        .tls_ca_file(ca)
        .tls_system_roots(false)
        .user_agent("tls-test");
    if let Some(l) = leaf {
        b = b.tls_bind(any, &l.cert, &l.key);
    }
    let stack = SipStack::new(b.build());
    let addrs = stack.local_addrs();
    let stats = stack.transport_stats();
    let (cmd, commands) = mpsc::channel(16);
    let (tx, ev) = mpsc::unbounded_channel();
    let media = RecordingMedia::new(rtp);
    let io = StackIo::new(commands, StackEventSink::new(0, tx), media.clone());
    Box::new(stack).start(io).await.expect("stack starts");
    Ua {
        cmd,
        ev,
        media,
        stats,
        tls: addrs.tls(),
    }
}

async fn next(ua: &mut Ua) -> StackEvent {
    tokio::time::timeout(Duration::from_secs(15), ua.ev.recv())
        .await
        .expect("event within 15 s")
        .expect("stack alive")
        .1
}

async fn dial(a: &Ua, call: CallId, to: &str) {
    let offer = a.media.reserve(call).unwrap();
    let to = Address::new(to).unwrap();
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

struct Pki {
    dir: PathBuf,
    ca: TestCa,
}

fn pki(tag: &str) -> Pki {
    let dir = temp_dir(tag);
    let ca = TestCa::new(&dir, "test-ca");
    Pki { dir, ca }
}

/// A call to `sips:bob@localhost:PORT`, a MESSAGE, and the hangup all travel
/// over the one TLS connection A opened; neither side used UDP or TCP.
#[tokio::test]
async fn call_and_message_share_one_tls_connection() {
    let p = pki("call");
    let bob_cert = p.ca.issue(&p.dir, "bob", &["localhost", "127.0.0.1"]);
    let mut a = start(&p.ca.pem, None, 40100).await;
    let mut b = start(&p.ca.pem, Some(&bob_cert), 42100).await;
    let port = b.tls.expect("TLS listener").port();
    let call = CallId::next();
    dial(&a, call, &format!("sips:bob@localhost:{port}")).await;
    let incoming = match next(&mut b).await {
        StackEvent::IncomingCall { call, to, .. } => {
            assert_eq!(to.scheme(), "sips");
            call
        }
        e => panic!("B expected IncomingCall, got {e:?}"),
    };
    let media = b.media.reserve(incoming).unwrap();
    b.cmd
        .send(StackCommand::Answer {
            call: incoming,
            media,
        })
        .await
        .unwrap();
    loop {
        match next(&mut a).await {
            StackEvent::Connected { call: c, .. } => {
                assert_eq!(c, call);
                break;
            }
            StackEvent::Ringing { .. } | StackEvent::MediaNegotiated { .. } => {}
            e => panic!("A expected Connected, got {e:?}"),
        }
    }
    // A MESSAGE to the same target reuses the connection.
    a.cmd
        .send(StackCommand::SendMessage {
            account: None,
            to: Address::new(format!("sips:bob@localhost:{port}")).unwrap(),
            content_type: "text/plain".into(),
            body: b"over TLS".to_vec(),
        })
        .await
        .unwrap();
    loop {
        match next(&mut b).await {
            StackEvent::Message { body, .. } => {
                assert_eq!(body, b"over TLS");
                break;
            }
            StackEvent::Connected { .. } | StackEvent::MediaNegotiated { .. } => {}
            e => panic!("B expected Message, got {e:?}"),
        }
    }
    a.cmd.send(StackCommand::Hangup { call }).await.unwrap();
    loop {
        if let StackEvent::CallEnded { call: c, reason } = next(&mut b).await {
            assert_eq!(c, incoming);
            assert_eq!(reason.reason.cause, Cause::NormalClearing);
            break;
        }
    }
    assert_eq!(a.stats.tls_connections_opened(), 1, "one handshake from A");
    assert_eq!(b.stats.tls_connections_accepted(), 1, "one handshake at B");
    assert_eq!(
        a.stats.tls_handshakes_failed() + b.stats.tls_handshakes_failed(),
        0
    );
    for ua in [&a, &b] {
        assert_eq!(ua.stats.udp_datagrams_sent(), 0, "nothing over UDP");
        assert_eq!(ua.stats.tcp_connections_opened(), 0, "nothing over TCP");
    }
    let _ = std::fs::remove_dir_all(&p.dir);
}

/// What the test registrar saw.
#[derive(Default)]
struct Seen {
    connections: usize,
    requests: Vec<String>,
}

/// The value of the first header `name` in `msg` (no folding, no compact forms).
fn header<'a>(msg: &'a str, name: &str) -> Vec<&'a str> {
    msg.split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

/// A minimal TLS registrar: answers every REGISTER with 200 and the Contact
/// it was given, granting the Expires asked for. With `client_ca`, it
/// demands a client certificate issued by that CA.
async fn registrar(leaf: &Leaf, client_ca: Option<&Path>, seen: Arc<Mutex<Seen>>) -> SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&leaf.cert)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&leaf.key).unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(ca).unwrap() {
                roots.add(c.unwrap()).unwrap();
            }
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let cfg = builder.with_single_cert(certs, key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                continue;
            };
            seen.lock().unwrap().connections += 1;
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    // REGISTERs carry no body: one message per blank line.
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let msg = String::from_utf8_lossy(&buf[..end + 4]).into_owned();
                        buf.drain(..end + 4);
                        let mut resp = String::from("SIP/2.0 200 OK\r\n");
                        for name in ["Via", "From", "Call-ID", "CSeq"] {
                            for v in header(&msg, name) {
                                resp.push_str(&format!("{name}: {v}\r\n"));
                            }
                        }
                        for v in header(&msg, "To") {
                            resp.push_str(&format!("To: {v};tag=reg1\r\n"));
                        }
                        let expires = header(&msg, "Expires").first().copied().unwrap_or("60");
                        for v in header(&msg, "Contact") {
                            resp.push_str(&format!("Contact: {v};expires={expires}\r\n"));
                        }
                        resp.push_str("Content-Length: 0\r\n\r\n");
                        seen.lock().unwrap().requests.push(msg);
                        if tls.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

/// A `sips:` account registers and unregisters over one TLS connection,
/// with a TLS Via and a sips: Contact.
#[tokio::test]
async fn register_over_tls() {
    let p = pki("register");
    let reg_cert = p.ca.issue(&p.dir, "registrar", &["localhost"]);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let reg = registrar(&reg_cert, None, seen.clone()).await;
    let mut a = start(&p.ca.pem, None, 40200).await;
    let account = AccountId::next();
    let aor = Address::new(format!("sips:alice@localhost:{}", reg.port())).unwrap();
    a.cmd
        .send(StackCommand::AddAccount {
            account,
            config: AccountConfig::new(aor),
        })
        .await
        .unwrap();
    loop {
        match next(&mut a).await {
            StackEvent::Registration {
                state: RegistrationState::Registered { .. },
                ..
            } => break,
            StackEvent::Registration {
                state: RegistrationState::Registering,
                ..
            } => {}
            e => panic!("expected Registered, got {e:?}"),
        }
    }
    a.cmd
        .send(StackCommand::RemoveAccount { account })
        .await
        .unwrap();
    loop {
        if let StackEvent::Registration {
            state: RegistrationState::Unregistered,
            ..
        } = next(&mut a).await
        {
            break;
        }
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.connections, 1, "one TLS connection for both REGISTERs");
    assert_eq!(seen.requests.len(), 2);
    for r in &seen.requests {
        assert!(
            r.starts_with(&format!(
                "REGISTER sips:localhost:{} SIP/2.0\r\n",
                reg.port()
            )),
            "{r}"
        );
        assert!(header(r, "Via")[0].starts_with("SIP/2.0/TLS "), "{r}");
        assert!(
            header(r, "Contact")[0].starts_with("<sips:alice@127.0.0.1:"),
            "{r}"
        );
    }
    assert_eq!(a.stats.udp_datagrams_sent(), 0);
    assert_eq!(a.stats.tcp_connections_opened(), 0);
    drop(seen);
    let _ = std::fs::remove_dir_all(&p.dir);
}

/// Dials and registers towards a TLS peer whose certificate must be refused;
/// checks the security failure, and that nothing went out in the clear: A
/// sent no UDP and opened no TCP, a UDP socket on the peer's port heard
/// nothing, and the peer's listener saw only the refused handshakes.
async fn refused(peer_leaf: &Leaf, ca: &Path, want_in_text: &str) {
    let mut a = start(ca, None, 40300).await;
    let mut b = start(ca, Some(peer_leaf), 42300).await;
    let port = b.tls.expect("TLS listener").port();
    let sniffer = UdpSocket::bind(("127.0.0.1", port)).await.unwrap();

    let call = CallId::next();
    dial(&a, call, &format!("sips:bob@localhost:{port}")).await;
    match next(&mut a).await {
        StackEvent::CallEnded { call: c, reason } => {
            assert_eq!(c, call);
            assert_eq!(reason.reason.cause, Cause::SecurityFailure, "{reason:?}");
            let text = reason.reason.text.clone().unwrap_or_default();
            assert!(text.contains(want_in_text), "{text}");
            assert!(text.contains("localhost"), "names the host: {text}");
        }
        e => panic!("expected CallEnded, got {e:?}"),
    }
    let account = AccountId::next();
    let aor = Address::new(format!("sip:alice@localhost:{port};transport=tls")).unwrap();
    a.cmd
        .send(StackCommand::AddAccount {
            account,
            config: AccountConfig::new(aor),
        })
        .await
        .unwrap();
    loop {
        match next(&mut a).await {
            StackEvent::Registration {
                state: RegistrationState::Failed { reason },
                ..
            } => {
                assert_eq!(reason.cause, Cause::SecurityFailure, "{reason:?}");
                break;
            }
            StackEvent::Registration {
                state: RegistrationState::Registering,
                ..
            } => {}
            e => panic!("expected a failed registration, got {e:?}"),
        }
    }
    let mut buf = [0u8; 2048];
    let heard = tokio::time::timeout(Duration::from_secs(1), sniffer.recv_from(&mut buf)).await;
    assert!(heard.is_err(), "a datagram reached the peer's port");
    assert_eq!(a.stats.udp_datagrams_sent(), 0, "nothing over UDP");
    assert_eq!(a.stats.tcp_connections_opened(), 0, "nothing over TCP");
    assert_eq!(a.stats.tls_connections_opened(), 0);
    assert_eq!(
        a.stats.tls_handshakes_failed(),
        2,
        "the INVITE's and the REGISTER's"
    );
    assert_eq!(b.stats.tls_connections_accepted(), 0);
    assert!(
        b.ev.try_recv().is_err(),
        "the peer must not have received a request"
    );
}

#[tokio::test]
async fn certificate_for_another_name_is_refused() {
    let p = pki("wrong-name");
    let leaf = p.ca.issue(&p.dir, "wrong", &["wrong.example"]);
    refused(&leaf, &p.ca.pem, "not valid for name").await;
    let _ = std::fs::remove_dir_all(&p.dir);
}

#[tokio::test]
async fn certificate_from_an_untrusted_ca_is_refused() {
    let p = pki("untrusted");
    let rogue = TestCa::new(&p.dir, "rogue-ca");
    let leaf = rogue.issue(&p.dir, "bob", &["localhost", "127.0.0.1"]);
    refused(&leaf, &p.ca.pem, "UnknownIssuer").await;
    let _ = std::fs::remove_dir_all(&p.dir);
}

/// Registers with `aor` from a stack trusting `ca` (and presenting `client`
/// if given); the registration's outcome.
async fn register_once(ca: &Path, client: Option<&Leaf>, aor: String) -> RegistrationState {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut b = SipConfig::builder()
        .udp_bind(any)
        .tls_ca_file(ca)
        .tls_system_roots(false);
    if let Some(c) = client {
        b = b.tls_client_cert(&c.cert, &c.key);
    }
    let stack = SipStack::new(b.build());
    let (cmd, commands) = mpsc::channel(16);
    let (tx, mut ev) = mpsc::unbounded_channel();
    let io = StackIo::new(
        commands,
        StackEventSink::new(0, tx),
        RecordingMedia::new(40400),
    );
    Box::new(stack).start(io).await.expect("stack starts");
    let account = AccountId::next();
    cmd.send(StackCommand::AddAccount {
        account,
        config: AccountConfig::new(Address::new(aor).unwrap()),
    })
    .await
    .unwrap();
    loop {
        let (_, e) = tokio::time::timeout(Duration::from_secs(15), ev.recv())
            .await
            .expect("event within 15 s")
            .expect("stack alive");
        match e {
            StackEvent::Registration {
                state: RegistrationState::Registering,
                ..
            } => {}
            StackEvent::Registration { state, .. } => return state,
            e => panic!("{e:?}"),
        }
    }
}

/// A registrar that demands a client certificate: refused without one (a
/// security failure), accepted with one from its CA.
#[tokio::test]
async fn client_certificate_is_presented_when_asked() {
    let p = pki("client-cert");
    let reg_cert = p.ca.issue(&p.dir, "registrar", &["localhost"]);
    let alice = p.ca.issue(&p.dir, "alice", &["alice.example"]);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let reg = registrar(&reg_cert, Some(&p.ca.pem), seen.clone()).await;
    let aor = format!("sips:alice@localhost:{}", reg.port());
    match register_once(&p.ca.pem, None, aor.clone()).await {
        RegistrationState::Failed { reason } => {
            assert_eq!(reason.cause, Cause::SecurityFailure, "{reason:?}")
        }
        s => panic!("registered without a client certificate: {s:?}"),
    }
    assert!(seen.lock().unwrap().requests.is_empty());
    match register_once(&p.ca.pem, Some(&alice), aor).await {
        RegistrationState::Registered { .. } => {}
        s => panic!("expected Registered, got {s:?}"),
    }
    assert_eq!(seen.lock().unwrap().requests.len(), 1);
    let _ = std::fs::remove_dir_all(&p.dir);
}
