//! Two SIP cores and a small digest-challenging registrar on a simulated network with
//! seeded 20 % packet loss and random latency, under virtual time: REGISTER (401 →
//! authenticated REGISTER → 200), then INVITE/180/200/ACK and BYE, all through
//! retransmissions. Bounded in steps; no sleeping.
//!
//! The network keeps a ledger of every message it carried, by message identity
//! (requests by Call-ID, CSeq and top Via branch; responses by Call-ID, CSeq and
//! status). Each run asserts that every INVITE, 200-to-INVITE and BYE the network
//! lost was sent again and a later copy arrived (timers A/E, the 2xx retransmission
//! of RFC 3261 §13.3.1.4), and the seed ranges are asserted to lose each of the
//! three at least once, so the repairs are exercised, not just possible.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, Cause, CodecDescriptor, EndReason, MediaDescription,
    MediaDirection, NegotiatedMedia, RegistrationState, StackCommand, StackEvent,
    StreamDescription,
};
use openphone_sip::auth::{Algorithm, DigestInput};
use openphone_sip::message::{Header, Method, Request, SipMessage};
use openphone_sip::{CoreConfig, SipCore, TransportKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const A: &str = "10.0.0.1:5060";
const B: &str = "10.0.0.2:5060";
const REG: &str = "10.0.0.3:5060";
const REALM: &str = "sim.example";
const NONCE: &str = "c2ltdWxhdGVkLW5vbmNl";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// The messages whose loss the run must repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Invite,
    OkToInvite,
    Bye,
}

/// One message's identity: a retransmission has the same one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct MsgId {
    kind: Kind,
    call_id: String,
    cseq: u32,
    /// Top Via branch (requests; empty for responses).
    branch: String,
}

fn msg_id(bytes: &[u8]) -> Option<MsgId> {
    let msg = SipMessage::parse_datagram(bytes).ok()?;
    let h = msg.headers();
    let cseq = h.cseq()?;
    let kind = match (msg.as_request(), msg.as_response()) {
        (Some(r), _) if r.method == Method::Invite => Kind::Invite,
        (Some(r), _) if r.method == Method::Bye => Kind::Bye,
        (_, Some(r)) if r.status == 200 && cseq.method == Method::Invite => Kind::OkToInvite,
        _ => return None,
    };
    let branch = match kind {
        Kind::OkToInvite => String::new(),
        _ => h.top_via()?.branch()?.to_string(),
    };
    Some(MsgId {
        kind,
        call_id: h.call_id()?.0.clone(),
        cseq: cseq.seq,
        branch,
    })
}

/// What happened to the copies of one message, in send order.
#[derive(Debug, Default)]
struct Copies {
    /// `true` for a copy the network lost.
    lost: Vec<bool>,
}

/// The network: packets in flight, ordered by delivery time, 20 % lost.
struct Net {
    rng: StdRng,
    in_flight: BTreeMap<(Instant, u64), (SocketAddr, SocketAddr, Vec<u8>)>,
    seq: u64,
    sent: u64,
    lost: u64,
    ledger: BTreeMap<MsgId, Copies>,
}

impl Net {
    /// Checks the ledger: every INVITE, 200-to-INVITE or BYE whose first
    /// copy was lost was sent again and a later copy arrived. Returns, per kind, how many
    /// messages were lost (and so repaired).
    fn repairs(&self, seed: u64) -> BTreeMap<Kind, u32> {
        let mut out = BTreeMap::new();
        for (id, copies) in &self.ledger {
            let Some(first_loss) = copies.lost.iter().position(|&l| l) else {
                continue;
            };
            // A copy got through before the loss: the message needed no
            // repair (the copy lost was a retransmission for a lost answer).
            if first_loss > 0 {
                continue;
            }
            let repaired = copies.lost[first_loss + 1..].iter().any(|&l| !l);
            assert!(
                repaired,
                "seed {seed}: {id:?} was lost and never arrived later (copies, true = lost: {:?})",
                copies.lost
            );
            *out.entry(id.kind).or_default() += 1;
        }
        out
    }

    fn send(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        self.sent += 1;
        let lost = self.rng.gen_bool(0.20);
        if let Some(id) = msg_id(&bytes) {
            self.ledger.entry(id).or_default().lost.push(lost);
        }
        if lost {
            self.lost += 1;
            return;
        }
        let delay = Duration::from_millis(self.rng.gen_range(5..80));
        self.seq += 1;
        self.in_flight
            .insert((now + delay, self.seq), (from, to, bytes));
    }
}

/// A stateless registrar that challenges every REGISTER lacking valid credentials.
fn registrar(bytes: &[u8], passwords: &BTreeMap<&str, &str>) -> Option<Vec<u8>> {
    let msg = SipMessage::parse_datagram(bytes).ok()?;
    let req: &Request = msg.as_request()?;
    if req.method != Method::Register {
        return None;
    }
    let user = req.headers.to()?.uri.as_sip()?.user.clone()?;
    let password = passwords.get(user.as_str())?;
    let authorized = req.headers.authorization().any(|c| {
        let p = |n: &str| {
            c.params
                .get(n)
                .and_then(|x| x.unquoted())
                .unwrap_or_default()
        };
        let expected = DigestInput {
            algorithm: Algorithm::Md5,
            username: &p("username"),
            password,
            realm: REALM,
            nonce: NONCE,
            method: "REGISTER",
            uri: &p("uri"),
            qop: Some("auth"),
            nc: u32::from_str_radix(&p("nc"), 16).unwrap_or(0),
            cnonce: &p("cnonce"),
            body: b"",
        }
        .response();
        p("username") == user && p("nonce") == NONCE && p("response") == expected
    });
    let resp = if authorized {
        let mut r = req.response(200, "OK").with_to_tag("reg1");
        for c in req.headers.contacts() {
            r.headers
                .push(Header::other("Contact", &format!("{c};expires=120")));
        }
        r
    } else {
        let mut r = req.response(401, "Unauthorized").with_to_tag("reg1");
        r.headers.push(Header::other(
            "WWW-Authenticate",
            &format!("Digest realm=\"{REALM}\", nonce=\"{NONCE}\", qop=\"auth\", algorithm=MD5"),
        ));
        r
    };
    Some(resp.to_bytes())
}

fn media(port: u16) -> MediaDescription {
    MediaDescription::from(
        StreamDescription::audio(format!("10.9.9.9:{port}").parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000)),
    )
}

/// Where we send audio.
fn remote_port(m: &NegotiatedMedia) -> u16 {
    m.audio()
        .and_then(|s| s.send.as_ref())
        .map(|s| s.remote_rtp.port())
        .expect("audio is sent")
}

#[derive(Default, Debug)]
struct Seen {
    registered: bool,
    incoming: Option<CallId>,
    ringing: bool,
    connected: bool,
    negotiated: bool,
    negotiations: u32,
    held: bool,
    ended: Option<EndReason>,
}

/// `hold`: A puts B on hold (re-INVITE) and B hangs up; otherwise A hangs up.
fn run(seed: u64, hold: bool) -> (u64, u64, usize, BTreeMap<Kind, u32>) {
    let t0 = Instant::now();
    let mut now = t0;
    let mut net = Net {
        rng: StdRng::seed_from_u64(seed),
        in_flight: BTreeMap::new(),
        seq: 0,
        sent: 0,
        lost: 0,
        ledger: BTreeMap::new(),
    };
    let mut a = SipCore::new(
        CoreConfig::new(Some(addr(A)), None).with_seed(seed * 2 + 1),
        t0,
    );
    let mut b = SipCore::new(
        CoreConfig::new(Some(addr(B)), None).with_seed(seed * 2 + 2),
        t0,
    );
    let passwords = BTreeMap::from([("alice", "wonderland"), ("bob", "builder")]);

    let (acc_a, acc_b) = (AccountId::next(), AccountId::next());
    for (core, acc, user, pw) in [
        (&mut a, acc_a, "alice", "wonderland"),
        (&mut b, acc_b, "bob", "builder"),
    ] {
        let cfg = AccountConfig::new(Address::new(format!("sip:{user}@{REG}")).unwrap())
            .with_password(pw)
            .with_expires(Duration::from_secs(600));
        core.handle_command(
            now,
            StackCommand::AddAccount {
                account: acc,
                config: cfg,
            },
        );
    }

    let call = CallId::next();
    let (mut sa, mut sb) = (Seen::default(), Seen::default());
    let mut dialed = false;
    let mut hung_up = false;
    let mut hold_sent = false;
    let mut steps = 0;
    while steps < 20_000 {
        steps += 1;
        // Outputs onto the wire.
        for (core, me) in [(&mut a, addr(A)), (&mut b, addr(B))] {
            while let Some(t) = core.poll_transmit() {
                assert_eq!(t.transport, TransportKind::Udp);
                net.send(now, me, t.dst, t.bytes);
            }
        }
        // Events drive the scenario.
        while let Some(e) = a.poll_event() {
            match e {
                StackEvent::Registration {
                    state: RegistrationState::Registered { expires },
                    ..
                } => {
                    assert_eq!(
                        expires,
                        Duration::from_secs(120),
                        "registrar's lifetime wins"
                    );
                    sa.registered = true
                }
                StackEvent::Registration {
                    state: RegistrationState::Failed { reason },
                    ..
                } => {
                    panic!("seed {seed}: A registration failed: {reason}")
                }
                StackEvent::Ringing { .. } => sa.ringing = true,
                StackEvent::Connected { .. } => sa.connected = true,
                StackEvent::MediaNegotiated { media, .. } => {
                    assert_eq!(remote_port(&media), 6000);
                    sa.negotiated = true;
                    sa.negotiations += 1;
                    if sa.negotiations == 2 {
                        let dir = media.audio().map(|s| s.direction);
                        assert_eq!(dir, Some(MediaDirection::SendOnly), "seed {seed}");
                    }
                }
                StackEvent::CallEnded { reason, .. } => sa.ended = Some(reason),
                _ => {}
            }
        }
        while let Some(e) = b.poll_event() {
            match e {
                StackEvent::Registration {
                    state: RegistrationState::Registered { .. },
                    ..
                } => sb.registered = true,
                StackEvent::Registration {
                    state: RegistrationState::Failed { reason },
                    ..
                } => {
                    panic!("seed {seed}: B registration failed: {reason}")
                }
                StackEvent::IncomingCall { call, offer, .. } => {
                    let rtp = offer.expect("offer").audio().and_then(|s| s.rtp);
                    assert_eq!(rtp.map(|a| a.port()), Some(4000));
                    assert!(sb.incoming.is_none(), "seed {seed}: one incoming call only");
                    sb.incoming = Some(call);
                    b.handle_command(
                        now,
                        StackCommand::Answer {
                            call,
                            media: media(6000),
                        },
                    );
                }
                StackEvent::Connected { .. } => sb.connected = true,
                StackEvent::MediaNegotiated { media, .. } => {
                    assert_eq!(remote_port(&media), 4000);
                    sb.negotiated = true
                }
                StackEvent::RemoteHold { held, .. } => sb.held = held,
                StackEvent::CallEnded { reason, .. } => sb.ended = Some(reason),
                _ => {}
            }
        }
        if sa.registered && sb.registered && !dialed {
            dialed = true;
            a.handle_command(
                now,
                StackCommand::Dial {
                    call,
                    account: Some(acc_a),
                    to: Address::new(format!("sip:bob@{B}")).unwrap(),
                    offer: media(4000),
                },
            );
            continue;
        }
        if hold && sa.negotiated && sb.negotiated && !hold_sent {
            hold_sent = true;
            a.handle_command(now, StackCommand::Hold { call });
            continue;
        }
        if hold && sb.held && sa.negotiations >= 2 && !hung_up {
            hung_up = true;
            let incoming = sb.incoming.expect("B has the call");
            b.handle_command(now, StackCommand::Hangup { call: incoming });
            continue;
        }
        if !hold && sa.negotiated && sb.negotiated && !hung_up {
            hung_up = true;
            a.handle_command(now, StackCommand::Hangup { call });
            continue;
        }
        if sa.ended.is_some() && sb.ended.is_some() {
            break;
        }
        // Advance virtual time to the next thing that happens.
        let next = [
            a.poll_timeout(),
            b.poll_timeout(),
            net.in_flight.keys().next().map(|k| k.0),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or_else(|| panic!("seed {seed}: nothing left to happen; A {sa:?} B {sb:?}"));
        now = now.max(next);
        while let Some((&key, _)) = net.in_flight.iter().next() {
            if key.0 > now {
                break;
            }
            let (from, to, bytes) = net.in_flight.remove(&key).unwrap();
            if to == addr(A) {
                a.handle_datagram(now, to, from, &bytes);
            } else if to == addr(B) {
                b.handle_datagram(now, to, from, &bytes);
            } else if to == addr(REG) {
                if let Some(reply) = registrar(&bytes, &passwords) {
                    net.send(now, to, from, reply);
                }
            }
        }
        a.handle_timeout(now);
        b.handle_timeout(now);
        assert!(
            now - t0 < Duration::from_secs(120),
            "seed {seed}: took too long"
        );
    }
    assert!(sa.ringing || sa.connected, "seed {seed}");
    assert!(
        sa.connected && sb.connected,
        "seed {seed}: A {sa:?} B {sb:?}"
    );
    let (us, peer) = (
        EndReason::local(Cause::NormalClearing),
        EndReason::remote(Cause::NormalClearing),
    );
    let (caller_end, callee_end) = if hold { (peer, us) } else { (us, peer) };
    assert_eq!(sa.ended, Some(caller_end), "seed {seed}");
    assert_eq!(sb.ended, Some(callee_end), "seed {seed}");
    // Messages still in flight at the end arrive too: the copies the ledger
    // counts as not lost are all delivered.
    let repairs = net.repairs(seed);
    (net.sent, net.lost, steps, repairs)
}

/// Asserts that over the seeds each of INVITE, 200-to-INVITE and BYE was
/// lost (and, as each run checked, repaired) at least once.
fn assert_each_kind_repaired(total: &BTreeMap<Kind, u32>) {
    println!("messages lost and repaired over the seeds: {total:?}");
    for kind in [Kind::Invite, Kind::OkToInvite, Kind::Bye] {
        assert!(
            total.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind:?} was lost: the seeds do not test its repair"
        );
    }
}

fn add(total: &mut BTreeMap<Kind, u32>, run: BTreeMap<Kind, u32>) {
    for (k, n) in run {
        *total.entry(k).or_default() += n;
    }
}

#[test]
fn register_call_and_hang_up_over_a_lossy_network() {
    let mut total_lost = 0;
    let mut repairs = BTreeMap::new();
    for seed in 1..=50 {
        let (sent, lost, steps, r) = run(seed, false);
        assert!(steps < 20_000);
        assert!(sent > 10);
        total_lost += lost;
        add(&mut repairs, r);
    }
    assert!(total_lost > 0, "the network did lose packets");
    assert_each_kind_repaired(&repairs);
}

#[test]
fn hold_then_callee_hangs_up_over_a_lossy_network() {
    let mut total_lost = 0;
    let mut repairs = BTreeMap::new();
    for seed in 100..=149 {
        let (_, lost, steps, r) = run(seed, true);
        assert!(steps < 20_000);
        total_lost += lost;
        add(&mut repairs, r);
    }
    assert!(total_lost > 0);
    // Here the re-INVITE (hold) counts as an INVITE, and B sends the BYE.
    assert_each_kind_repaired(&repairs);
}
