//! The ZRTP protocol state machine (RFC 6189 §4, §6), sans-IO.
//!
//! Flow in DH mode (initiator I, responder R):
//!
//! ```text
//! Hello / HelloACK both ways  (T1 retransmission of Hello)
//! I: Commit (T2)       -> R: DHPart1
//! I: DHPart2 (T2)      -> R: Confirm1
//! I: Confirm2 (T2)     -> R: Conf2ACK
//! ```
//!
//! The responder never retransmits: it answers each retransmission of the
//! initiator's last message with its own last message again. Either side
//! sends Commit once it has the peer's Hello and an acknowledgement of its
//! own; when both do (contention, §4.2) the Commit with the lower hvi gives
//! way and its sender becomes the responder.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tracing::{debug, warn};

use super::algo::{srtp_suite, AlgoId, AuthTag, Cipher, HashAlgo, KeyAgreement, SasType};
use super::cache::{CachedSecrets, SecretCache};
use super::crypto::{
    aes_cfb, ct_eq, kdf_context, mac64, random_id, s0_dh, secret_id, sha256, total_hash, HashChain,
    SessionKeys,
};
use super::events::{
    error_code, CacheStatus, FailReason, Role, SecureInfo, SrtpKeys, ZrtpConfig, ZrtpEvent,
};
use super::keyagreement::KeyPair;
use super::message::{Commit, CommitKind, Confirm, ConfirmBody, DhPart, Hello, Message};
use super::packet::{parse_packet, write_packet};
use super::sas;
use crate::srtp::MasterKey;

/// T1 (Hello): first retransmission after 50 ms, doubling to 200 ms, 20
/// retransmissions (§6).
const T1: (Duration, Duration, u32) = (Duration::from_millis(50), Duration::from_millis(200), 20);
/// T2 (Commit, DHPart2, Confirm2, Error): 150 ms doubling to 1200 ms, 10
/// retransmissions (§6).
const T2: (Duration, Duration, u32) = (Duration::from_millis(150), Duration::from_millis(1200), 10);

/// Cache expiration interval we announce in Confirm: never (§5.7).
const CACHE_FOREVER: u32 = 0xffff_ffff;

/// Algorithms chosen for one exchange.
#[derive(Debug, Clone, Copy)]
struct Negotiated {
    cipher: Cipher,
    auth_tag: AuthTag,
    key_agreement: KeyAgreement,
    sas_type: SasType,
}

/// The peer's accepted Hello.
struct Peer {
    hello: Hello,
    bytes: Vec<u8>,
    cached: CachedSecrets,
}

/// One DH exchange, from either side.
struct Exchange {
    role: Role,
    neg: Negotiated,
    kp: KeyPair,
    /// Commit, DHPart1, DHPart2 as sent (total_hash input); empty until known.
    commit: Vec<u8>,
    dhpart1: Vec<u8>,
    dhpart2: Vec<u8>,
    /// Initiator: our hvi (contention).
    hvi: [u8; 32],
    /// The peer's Commit (responder) to check with H1 later.
    peer_commit: Option<Commit>,
    /// The peer's DHPart, to check with H0 from its Confirm.
    peer_dh: Option<DhPart>,
    keys: Option<SessionKeys>,
    cache: CacheStatus,
    /// Responder: the last message received and our answer to it, resent
    /// when the same message comes again.
    last_in: Vec<u8>,
    last_out: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Discovery,
    CommitSent,
    WaitConfirm1,
    WaitConf2Ack,
    WaitDhPart2,
    WaitConfirm2,
    Secure,
    Failed,
}

struct Timer {
    message: Vec<u8>,
    what: &'static str,
    next: Instant,
    interval: Duration,
    cap: Duration,
    left: u32,
}

impl Timer {
    fn new(
        message: Vec<u8>,
        what: &'static str,
        now: Instant,
        t: (Duration, Duration, u32),
    ) -> Timer {
        Timer {
            message,
            what,
            next: now + t.0,
            interval: t.0,
            cap: t.1,
            left: t.2,
        }
    }
}

/// One endpoint's ZRTP exchange on one media stream.
pub struct ZrtpSession {
    cfg: ZrtpConfig,
    cache: Box<dyn SecretCache + Send>,
    chain: HashChain,
    hello: Vec<u8>,
    seq: u16,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<ZrtpEvent>,
    hello_timer: Option<Timer>,
    timer: Option<Timer>,
    hello_acked: bool,
    peer: Option<Peer>,
    expected_hello_hash: Option<[u8; 32]>,
    phase: Phase,
    ex: Option<Exchange>,
    keys: Option<SrtpKeys>,
    info: Option<SecureInfo>,
}

impl std::fmt::Debug for ZrtpSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZrtpSession")
            .field("zid", &self.cfg.zid)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The message with its trailing 64-bit MAC set to MAC(key, rest).
fn seal(mut msg: Vec<u8>, key: &[u8]) -> Vec<u8> {
    let n = msg.len() - 8;
    let mac = mac64(key, &msg[..n]);
    msg[n..].copy_from_slice(&mac);
    msg
}

/// Checks a received message's trailing MAC with a key revealed later.
fn mac_ok(msg: &[u8], key: &[u8]) -> bool {
    msg.len() >= 8 && ct_eq(&mac64(key, &msg[..msg.len() - 8]), &msg[msg.len() - 8..])
}

fn lists<T: Copy>(ours: &[T], id: impl Fn(T) -> AlgoId) -> Vec<AlgoId> {
    ours.iter().map(|&a| id(a)).collect()
}

impl ZrtpSession {
    /// A session that has not started; `cache` holds retained secrets.
    pub fn new(cfg: ZrtpConfig, cache: Box<dyn SecretCache + Send>) -> ZrtpSession {
        let chain = HashChain::random();
        let hello = Message::Hello(Hello {
            version: super::message::VERSION,
            client_id: cfg.client_id,
            h3: chain.h[3],
            zid: cfg.zid,
            signature_capable: false,
            mitm: false,
            passive: false,
            hashes: vec![HashAlgo::S256.id()],
            ciphers: lists(&cfg.ciphers, Cipher::id),
            auth_tags: lists(&cfg.auth_tags, AuthTag::id),
            key_agreements: lists(&cfg.key_agreements, KeyAgreement::id),
            sas_types: lists(&cfg.sas_types, SasType::id),
            mac: [0; 8],
        });
        // The Hello MAC is keyed by H2 (§9).
        let hello = seal(hello.to_bytes(), &chain.h[2]);
        ZrtpSession {
            cfg,
            cache,
            chain,
            hello,
            seq: rand::random(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            hello_timer: None,
            timer: None,
            hello_acked: false,
            peer: None,
            expected_hello_hash: None,
            phase: Phase::Discovery,
            ex: None,
            keys: None,
            info: None,
        }
    }

    /// The `a=zrtp-hash` value for our SDP (§8.1): version and the SHA-256
    /// of our Hello message.
    pub fn hello_hash(&self) -> String {
        format!("1.10 {}", hex(&sha256(&[&self.hello])))
    }

    /// The peer's `a=zrtp-hash` value from its SDP. A Hello that does not
    /// hash to it is then ignored. Returns false for a value we cannot read
    /// (not "1.10 " and 64 hex digits); it is then not used.
    pub fn set_peer_hello_hash(&mut self, value: &str) -> bool {
        let mut parts = value.split_ascii_whitespace();
        let (Some(version), Some(h), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        if !version.starts_with("1.1") || h.len() != 64 || !h.is_ascii() {
            return false;
        }
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            match u8::from_str_radix(&h[2 * i..2 * i + 2], 16) {
                Ok(v) => *o = v,
                Err(_) => return false,
            }
        }
        self.expected_hello_hash = Some(out);
        true
    }

    /// Changes the SSRC our packets carry (that of the RTP stream, which is
    /// drawn when media starts, after the Hello hash was signalled, and may
    /// change on an SSRC collision).
    pub fn set_ssrc(&mut self, ssrc: u32) {
        self.cfg.ssrc = ssrc;
    }

    /// Starts discovery: queues our Hello and arms T1.
    pub fn start(&mut self, now: Instant) {
        if self.hello_timer.is_none() && self.phase == Phase::Discovery {
            self.send(self.hello.clone());
            self.hello_timer = Some(Timer::new(self.hello.clone(), "Hello", now, T1));
        }
    }

    /// The next packet to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<ZrtpEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [&self.hello_timer, &self.timer]
            .into_iter()
            .flatten()
            .map(|t| t.next)
            .min()
    }

    /// The SRTP keys, once secure.
    pub fn srtp_keys(&self) -> Option<&SrtpKeys> {
        self.keys.as_ref()
    }

    /// The result, once secure.
    pub fn secure_info(&self) -> Option<&SecureInfo> {
        self.info.as_ref()
    }

    /// True once the exchange failed.
    pub fn is_failed(&self) -> bool {
        self.phase == Phase::Failed
    }

    /// Records that the users compared the SAS and found it equal (or
    /// withdraws it): stored in the cache for this peer, sent as the V flag
    /// on the next call.
    pub fn set_sas_verified(&mut self, verified: bool) -> Result<(), super::CacheError> {
        let Some(peer) = &self.peer else {
            return Ok(());
        };
        let zid = peer.hello.zid;
        let mut entry = self.cache.load(&zid)?.unwrap_or_default();
        entry.verified = verified;
        self.cache.store(&zid, &entry)?;
        if let Some(info) = &mut self.info {
            info.sas_verified = verified;
        }
        Ok(())
    }

    /// Tells the initiator that an SRTP packet from the peer authenticated
    /// with [`SrtpKeys::receive`]: that proves the responder has the keys,
    /// so it stands for a lost Conf2ACK (§6) and ends Confirm2
    /// retransmission. Ignored in any other state.
    pub fn srtp_authenticated(&mut self) {
        self.on_conf2ack();
    }

    /// Runs the retransmission timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        for hello in [true, false] {
            let slot = if hello {
                &mut self.hello_timer
            } else {
                &mut self.timer
            };
            let Some(t) = slot else { continue };
            if now < t.next {
                continue;
            }
            if t.left == 0 {
                let what = t.what;
                *slot = None;
                if what == "Error" {
                    continue; // the failure was already reported
                }
                self.fail(FailReason::Timeout(what));
                continue;
            }
            t.left -= 1;
            t.interval = (t.interval * 2).min(t.cap);
            t.next = now + t.interval;
            let m = t.message.clone();
            debug!(what = t.what, "ZRTP retransmit");
            self.send(m);
        }
    }

    /// Feeds one received ZRTP packet. Damaged or unexpected packets are
    /// dropped (logged); protocol violations end the exchange with Error.
    pub fn handle_packet(&mut self, data: &[u8], now: Instant) {
        let pkt = match parse_packet(data) {
            Ok(p) => p,
            Err(e) => {
                debug!(error = %e, "ZRTP packet dropped");
                return;
            }
        };
        if pkt.fragment.is_some() {
            debug!("ZRTP fragment dropped (no reassembly)");
            return;
        }
        let bytes = pkt.message;
        let msg = match Message::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                debug!(error = %e, "ZRTP message dropped");
                return;
            }
        };
        if self.phase == Phase::Failed {
            if let Message::ErrorAck = msg {
                self.timer = None;
            }
            return;
        }
        match msg {
            Message::Hello(h) => self.on_hello(h, bytes, now),
            Message::HelloAck => self.on_hello_ack(now),
            Message::Commit(c) => self.on_commit(c, bytes, now),
            Message::DhPart1(p) => self.on_dhpart1(p, bytes, now),
            Message::DhPart2(p) => self.on_dhpart2(p, bytes, now),
            Message::Confirm1(c) => self.on_confirm1(c, now),
            Message::Confirm2(c) => self.on_confirm2(c, bytes, now),
            Message::Conf2Ack => self.on_conf2ack(),
            Message::Error(code) => {
                self.send(Message::ErrorAck.to_bytes());
                if self.phase == Phase::Secure {
                    // Error carries no MAC: anyone on the path can send
                    // one. Once both Confirms have proved the keys, it
                    // cannot undo them (GoClear, which is authenticated,
                    // is the way out of SRTP and is refused here anyway).
                    warn!(code, "ZRTP Error after the exchange ignored");
                } else {
                    self.fail(FailReason::PeerError(code));
                }
            }
            Message::GoClear(mac) => self.on_goclear(mac),
            Message::Ping(p) => {
                let ack = Message::PingAck(super::message::PingAck {
                    version: super::message::VERSION,
                    sender_hash: self.endpoint_hash(),
                    received_hash: p.endpoint_hash,
                    ssrc: pkt.ssrc,
                });
                self.send(ack.to_bytes());
            }
            other => debug!(kind = ?String::from_utf8_lossy(other.kind()), "ZRTP message ignored"),
        }
    }

    /// A 64-bit hash identifying this endpoint in Ping/PingACK (§5.15).
    fn endpoint_hash(&self) -> [u8; 8] {
        let h = sha256(&[&self.cfg.zid]);
        let mut out = [0u8; 8];
        out.copy_from_slice(&h[..8]);
        out
    }

    fn send(&mut self, message: Vec<u8>) {
        self.seq = self.seq.wrapping_add(1);
        self.out
            .push_back(write_packet(self.seq, self.cfg.ssrc, &message));
    }

    fn fail(&mut self, reason: FailReason) {
        if self.phase == Phase::Failed {
            return;
        }
        warn!(?reason, "ZRTP failed");
        self.phase = Phase::Failed;
        self.hello_timer = None;
        self.timer = None;
        self.ex = None;
        self.events.push_back(ZrtpEvent::Failed { reason });
    }

    /// Ends the exchange with Error `code` (retransmitted until ErrorACK).
    fn abort(&mut self, code: u32, detail: impl Into<String>, now: Instant) {
        let detail = detail.into();
        self.fail(FailReason::Protocol { code, detail });
        let m = Message::Error(code).to_bytes();
        self.send(m.clone());
        self.timer = Some(Timer::new(m, "Error", now, T2));
    }

    fn supports<T: PartialEq + Copy>(ours: &[T], mandatory: &[T], a: T) -> bool {
        ours.contains(&a) || mandatory.contains(&a)
    }

    fn on_hello(&mut self, h: Hello, bytes: &[u8], now: Instant) {
        // Always acknowledge, also a retransmission (§4.1).
        if let Some(expected) = self.expected_hello_hash {
            if !ct_eq(&sha256(&[bytes]), &expected) {
                warn!("ZRTP Hello does not match a=zrtp-hash; ignored");
                self.events.push_back(ZrtpEvent::HelloHashMismatch);
                return;
            }
        }
        if let Some(p) = &self.peer {
            if p.bytes != bytes {
                debug!("ZRTP: a different second Hello ignored");
                return;
            }
            self.send(Message::HelloAck.to_bytes());
            return;
        }
        if &h.version[..3] != b"1.1" {
            // A higher version than ours: the peer is to fall back and send
            // a Hello with ours (§4.1.1); wait for it. A lower one we
            // cannot speak.
            if h.version > super::message::VERSION {
                return debug!(version = ?h.version, "ZRTP Hello of a later version ignored");
            }
            return self.abort(error_code::VERSION, "unsupported ZRTP version", now);
        }
        if h.zid == self.cfg.zid {
            return self.abort(error_code::EQUAL_ZID, "peer uses our ZID", now);
        }
        if !h.hashes.is_empty() && !h.hashes.contains(&HashAlgo::S256.id()) {
            // S256 is mandatory and implied; a list without it is odd but legal.
            debug!("ZRTP peer Hello lists no S256 (implied)");
        }
        let cached = match self.cache.load(&h.zid) {
            Ok(c) => c.unwrap_or_default(),
            Err(e) => return self.fail(FailReason::Cache(e.to_string())),
        };
        self.events.push_back(ZrtpEvent::PeerHello {
            zid: h.zid,
            client_id: String::from_utf8_lossy(&h.client_id).trim().to_string(),
        });
        self.peer = Some(Peer {
            hello: h,
            bytes: bytes.to_vec(),
            cached,
        });
        self.send(Message::HelloAck.to_bytes());
        self.maybe_commit(now);
    }

    fn on_hello_ack(&mut self, now: Instant) {
        if !self.hello_acked {
            self.hello_acked = true;
            self.hello_timer = None;
            self.maybe_commit(now);
        }
    }

    /// Our algorithm choices for a Commit (§4.1.2).
    fn negotiate(&self, peer: &Hello) -> Negotiated {
        let pick = |ours: Vec<AlgoId>, theirs: &[AlgoId], mandatory: AlgoId| {
            ours.into_iter()
                .find(|a| theirs.contains(a) || *a == mandatory)
                .unwrap_or(mandatory)
        };
        let cipher = pick(
            lists(&self.cfg.ciphers, Cipher::id),
            &peer.ciphers,
            Cipher::Aes1.id(),
        );
        let auth_tag = pick(
            lists(&self.cfg.auth_tags, AuthTag::id),
            &peer.auth_tags,
            AuthTag::Hs32.id(),
        );
        let sas_type = pick(
            lists(&self.cfg.sas_types, SasType::id),
            &peer.sas_types,
            SasType::B32.id(),
        );
        // Key agreement: both sides take the cheaper of the two first
        // choices, so simultaneous Commits agree (§4.1.2).
        let ours = &self.cfg.key_agreements;
        let theirs: Vec<KeyAgreement> = peer
            .key_agreements
            .iter()
            .filter_map(|&a| KeyAgreement::from_id(a))
            .collect();
        let peer_has = |k: &KeyAgreement| theirs.contains(k) || *k == KeyAgreement::Dh3k;
        let our_first = ours
            .iter()
            .copied()
            .find(peer_has)
            .unwrap_or(KeyAgreement::Dh3k);
        let their_first = theirs
            .iter()
            .copied()
            .find(|k| ours.contains(k) || *k == KeyAgreement::Dh3k)
            .unwrap_or(KeyAgreement::Dh3k);
        let key_agreement = if their_first.cost() < our_first.cost() {
            their_first
        } else {
            our_first
        };
        Negotiated {
            cipher: Cipher::from_id(cipher).unwrap_or(Cipher::Aes1),
            auth_tag: AuthTag::from_id(auth_tag).unwrap_or(AuthTag::Hs32),
            key_agreement,
            sas_type: SasType::from_id(sas_type).unwrap_or(SasType::B32),
        }
    }

    /// The rs1ID/rs2ID/aux/pbx fields of our DHPart (§4.3.1).
    fn our_dhpart(&self, role: Role, kp: &KeyPair, cached: &CachedSecrets) -> Vec<u8> {
        let initiator = role == Role::Initiator;
        let id = |s: &Option<[u8; 32]>| s.map_or_else(random_id, |s| secret_id(&s, initiator));
        let part = DhPart {
            h1: self.chain.h[1],
            rs1_id: id(&cached.rs1),
            rs2_id: id(&cached.rs2),
            aux_id: random_id(),
            pbx_id: random_id(),
            pv: kp.public().to_vec(),
            mac: [0; 8],
        };
        let m = if initiator {
            Message::DhPart2(part)
        } else {
            Message::DhPart1(part)
        };
        seal(m.to_bytes(), &self.chain.h[0])
    }

    fn maybe_commit(&mut self, now: Instant) {
        if self.phase != Phase::Discovery || !self.hello_acked || !self.cfg.send_commit {
            return;
        }
        let Some(peer) = &self.peer else { return };
        let neg = self.negotiate(&peer.hello);
        let kp = KeyPair::generate(neg.key_agreement);
        let dhpart2 = self.our_dhpart(Role::Initiator, &kp, &peer.cached);
        // hvi = hash(initiator's DHPart2 || responder's Hello) (§4.4.1.1).
        let hvi = sha256(&[&dhpart2, &peer.bytes]);
        let commit = Message::Commit(Commit {
            h2: self.chain.h[2],
            zid: self.cfg.zid,
            hash: HashAlgo::S256.id(),
            cipher: neg.cipher.id(),
            auth_tag: neg.auth_tag.id(),
            key_agreement: neg.key_agreement.id(),
            sas_type: neg.sas_type.id(),
            kind: CommitKind::Dh { hvi },
            mac: [0; 8],
        });
        let commit = seal(commit.to_bytes(), &self.chain.h[1]);
        debug!(?neg, "ZRTP sending Commit");
        self.send(commit.clone());
        self.timer = Some(Timer::new(commit.clone(), "Commit", now, T2));
        self.phase = Phase::CommitSent;
        self.ex = Some(Exchange {
            role: Role::Initiator,
            neg,
            kp,
            commit,
            dhpart1: Vec::new(),
            dhpart2,
            hvi,
            peer_commit: None,
            peer_dh: None,
            keys: None,
            cache: CacheStatus::NoSecret,
            last_in: Vec::new(),
            last_out: Vec::new(),
        });
    }

    fn on_commit(&mut self, c: Commit, bytes: &[u8], now: Instant) {
        // A Commit also acknowledges our Hello (§4.1).
        if !self.hello_acked {
            self.hello_acked = true;
            self.hello_timer = None;
        }
        match self.phase {
            Phase::Discovery => {}
            Phase::CommitSent => {
                let CommitKind::Dh { hvi } = c.kind else {
                    return debug!("ZRTP non-DH Commit in contention ignored");
                };
                let ours = self.ex.as_ref().map(|e| e.hvi).unwrap_or_default();
                // The lower hvi becomes the responder (§4.2).
                if ours > hvi {
                    debug!("ZRTP Commit contention: we stay initiator");
                    return;
                }
                debug!("ZRTP Commit contention: we become responder");
                self.timer = None;
                self.ex = None;
                self.phase = Phase::Discovery;
            }
            Phase::WaitDhPart2 | Phase::WaitConfirm2 | Phase::Secure => {
                return self.resend_reply(bytes);
            }
            _ => return,
        }
        let Some(peer) = &self.peer else {
            // No Hello yet: the peer will retransmit its Commit.
            return debug!("ZRTP Commit before Hello ignored");
        };
        if c.zid != peer.hello.zid {
            return debug!("ZRTP Commit from another ZID ignored");
        }
        // H2 must hash to the H3 of the peer's Hello, and H2 keys its MAC.
        if !ct_eq(&sha256(&[&c.h2]), &peer.hello.h3) || !mac_ok(&peer.bytes, &c.h2) {
            return self.abort(error_code::MALFORMED, "Commit H2 does not match Hello", now);
        }
        let CommitKind::Dh { .. } = c.kind else {
            return self.abort(error_code::NO_SHARED_SECRET, "only DH mode supported", now);
        };
        let cfg = &self.cfg;
        let check = [
            (HashAlgo::from_id(c.hash).is_some(), error_code::HASH),
            (
                Cipher::from_id(c.cipher)
                    .is_some_and(|a| Self::supports(&cfg.ciphers, &[Cipher::Aes1], a)),
                error_code::CIPHER,
            ),
            (
                AuthTag::from_id(c.auth_tag).is_some_and(|a| {
                    Self::supports(&cfg.auth_tags, &[AuthTag::Hs32, AuthTag::Hs80], a)
                }),
                error_code::AUTH_TAG,
            ),
            (
                KeyAgreement::from_id(c.key_agreement)
                    .is_some_and(|a| Self::supports(&cfg.key_agreements, &[KeyAgreement::Dh3k], a)),
                error_code::KEY_AGREEMENT,
            ),
            (
                SasType::from_id(c.sas_type)
                    .is_some_and(|a| Self::supports(&cfg.sas_types, &[SasType::B32], a)),
                error_code::SAS,
            ),
        ];
        if let Some(&(_, code)) = check.iter().find(|(ok, _)| !ok) {
            return self.abort(code, "Commit chose an algorithm we do not support", now);
        }
        let (Some(cipher), Some(auth_tag), Some(key_agreement), Some(sas_type)) = (
            Cipher::from_id(c.cipher),
            AuthTag::from_id(c.auth_tag),
            KeyAgreement::from_id(c.key_agreement),
            SasType::from_id(c.sas_type),
        ) else {
            return;
        };
        let neg = Negotiated {
            cipher,
            auth_tag,
            key_agreement,
            sas_type,
        };
        let kp = KeyPair::generate(key_agreement);
        let dhpart1 = self.our_dhpart(Role::Responder, &kp, &peer.cached);
        self.send(dhpart1.clone());
        self.phase = Phase::WaitDhPart2;
        self.ex = Some(Exchange {
            role: Role::Responder,
            neg,
            kp,
            commit: bytes.to_vec(),
            dhpart1: dhpart1.clone(),
            dhpart2: Vec::new(),
            hvi: [0; 32],
            peer_commit: Some(c),
            peer_dh: None,
            keys: None,
            cache: CacheStatus::NoSecret,
            last_in: bytes.to_vec(),
            last_out: dhpart1,
        });
    }

    /// Responder: the same message again gets the same answer again.
    fn resend_reply(&mut self, bytes: &[u8]) {
        let Some(ex) = &self.ex else { return };
        if ex.role == Role::Responder && ex.last_in == bytes {
            let m = ex.last_out.clone();
            self.send(m);
        }
    }

    /// Picks s1 from the cached secrets and the peer's IDs (§4.3.2), in the
    /// order initiator rs1/responder rs1, rs1/rs2, rs2/rs1, rs2/rs2, which
    /// both sides evaluate alike.
    fn match_secrets(
        cached: &CachedSecrets,
        peer: &DhPart,
        role: Role,
    ) -> (Option<[u8; 32]>, CacheStatus) {
        // The IDs the peer made with its own role's label.
        let peer_is_initiator = role == Role::Responder;
        let ours = [cached.rs1, cached.rs2];
        let theirs = [peer.rs1_id, peer.rs2_id];
        // (initiator's secret index, responder's secret index)
        for (i, r) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let (our_idx, their_idx) = if role == Role::Initiator {
                (i, r)
            } else {
                (r, i)
            };
            if let Some(s) = ours[our_idx] {
                if ct_eq(&secret_id(&s, peer_is_initiator), &theirs[their_idx]) {
                    return (Some(s), CacheStatus::Match);
                }
            }
        }
        let had = cached.rs1.is_some() || cached.rs2.is_some();
        (
            None,
            if had {
                CacheStatus::Mismatch
            } else {
                CacheStatus::NoSecret
            },
        )
    }

    /// DHResult, s0 and every key, once both DHParts are known.
    fn derive(&mut self, peer_pv: &[u8], now: Instant) -> bool {
        let (Some(ex), Some(peer)) = (&mut self.ex, &self.peer) else {
            return false;
        };
        let dh = match ex.kp.agree(peer_pv) {
            Ok(d) => d,
            Err(e) => {
                let d = e.to_string();
                self.abort(error_code::BAD_PV, d, now);
                return false;
            }
        };
        let (zidi, zidr, hello_r) = match ex.role {
            Role::Initiator => (self.cfg.zid, peer.hello.zid, &peer.bytes),
            Role::Responder => (peer.hello.zid, self.cfg.zid, &self.hello),
        };
        let th = total_hash(hello_r, &ex.commit, &ex.dhpart1, &ex.dhpart2);
        let (s1, status) = match &ex.peer_dh {
            Some(p) => Self::match_secrets(&peer.cached, p, ex.role),
            None => (None, CacheStatus::NoSecret),
        };
        let s0 = s0_dh(
            &dh,
            &zidi,
            &zidr,
            &th,
            s1.as_ref().map(|s| &s[..]),
            None,
            None,
        );
        let ctx = kdf_context(&zidi, &zidr, &th);
        ex.keys = Some(SessionKeys::derive(&s0, &ctx, ex.neg.cipher));
        ex.cache = status;
        true
    }

    fn on_dhpart1(&mut self, p: DhPart, bytes: &[u8], now: Instant) {
        if self.phase != Phase::CommitSent {
            return;
        }
        let (Some(ex), Some(peer)) = (&mut self.ex, &self.peer) else {
            return;
        };
        // H1 -> H2 -> H3 of the responder's Hello; H2 keys the Hello MAC.
        let h2 = sha256(&[&p.h1]);
        if !ct_eq(&sha256(&[&h2]), &peer.hello.h3) || !mac_ok(&peer.bytes, &h2) {
            return self.abort(
                error_code::MALFORMED,
                "DHPart1 H1 does not match Hello",
                now,
            );
        }
        if p.pv.len() != ex.neg.key_agreement.pv_len() {
            return self.abort(error_code::BAD_PV, "DHPart1 public value length", now);
        }
        ex.dhpart1 = bytes.to_vec();
        let pv = p.pv.clone();
        ex.peer_dh = Some(p);
        if !self.derive(&pv, now) {
            return;
        }
        let Some(ex) = &self.ex else { return };
        let m = ex.dhpart2.clone();
        self.send(m.clone());
        self.timer = Some(Timer::new(m, "DHPart2", now, T2));
        self.phase = Phase::WaitConfirm1;
    }

    fn on_dhpart2(&mut self, p: DhPart, bytes: &[u8], now: Instant) {
        match self.phase {
            Phase::WaitDhPart2 => {}
            Phase::WaitConfirm2 | Phase::Secure => return self.resend_reply(bytes),
            _ => return,
        }
        let Some(ex) = &mut self.ex else { return };
        let Some(c) = &ex.peer_commit else { return };
        // H1 hashes to the Commit's H2 and keys the Commit's MAC.
        if !ct_eq(&sha256(&[&p.h1]), &c.h2) || !mac_ok(&ex.commit, &p.h1) {
            return self.abort(
                error_code::MALFORMED,
                "DHPart2 H1 does not match Commit",
                now,
            );
        }
        let CommitKind::Dh { hvi } = c.kind else {
            return;
        };
        if !ct_eq(&sha256(&[bytes, &self.hello]), &hvi) {
            return self.abort(error_code::BAD_HVI, "hvi does not match DHPart2", now);
        }
        if p.pv.len() != ex.neg.key_agreement.pv_len() {
            return self.abort(error_code::BAD_PV, "DHPart2 public value length", now);
        }
        ex.dhpart2 = bytes.to_vec();
        let pv = p.pv.clone();
        ex.peer_dh = Some(p);
        if !self.derive(&pv, now) {
            return;
        }
        let confirm1 = self.confirm(false);
        self.send(confirm1.clone());
        if let Some(ex) = &mut self.ex {
            ex.last_in = bytes.to_vec();
            ex.last_out = confirm1;
        }
        self.phase = Phase::WaitConfirm2;
    }

    /// Builds our Confirm1 (responder) or Confirm2 (initiator).
    fn confirm(&self, initiator: bool) -> Vec<u8> {
        let Some(keys) = self.ex.as_ref().and_then(|e| e.keys.as_ref()) else {
            return Vec::new();
        };
        let verified = self.peer.as_ref().is_some_and(|p| p.cached.verified);
        let body = ConfirmBody {
            h0: self.chain.h[0],
            enrollment: false,
            sas_verified: verified,
            allow_clear: false,
            disclosure: false,
            cache_expiry: CACHE_FOREVER,
            signature: Vec::new(),
        };
        let (zkey, mkey) = if initiator {
            (&keys.zrtp_key_i, &keys.mac_key_i)
        } else {
            (&keys.zrtp_key_r, &keys.mac_key_r)
        };
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&super::crypto::random32()[..16]);
        let mut encrypted = body.to_bytes();
        aes_cfb(zkey, &iv, &mut encrypted, true);
        let c = Confirm {
            confirm_mac: mac64(mkey, &encrypted),
            iv,
            encrypted,
        };
        if initiator {
            Message::Confirm2(c)
        } else {
            Message::Confirm1(c)
        }
        .to_bytes()
    }

    /// Checks and decrypts the peer's Confirm, then its hash chain: H0
    /// hashes to the H1 of its DHPart and keys that DHPart's MAC.
    fn open_confirm(&mut self, c: &Confirm, now: Instant) -> Option<ConfirmBody> {
        let ex = self.ex.as_ref()?;
        let keys = ex.keys.as_ref()?;
        let from_initiator = ex.role == Role::Responder;
        let (zkey, mkey) = if from_initiator {
            (&keys.zrtp_key_i, &keys.mac_key_i)
        } else {
            (&keys.zrtp_key_r, &keys.mac_key_r)
        };
        if !ct_eq(&mac64(mkey, &c.encrypted), &c.confirm_mac) {
            self.abort(error_code::BAD_CONFIRM_MAC, "Confirm MAC", now);
            return None;
        }
        let mut plain = c.encrypted.clone();
        aes_cfb(zkey, &c.iv, &mut plain, false);
        let body = match ConfirmBody::parse(&plain) {
            Ok(b) => b,
            Err(e) => {
                self.abort(error_code::MALFORMED, format!("Confirm body: {e}"), now);
                return None;
            }
        };
        let peer_dh_bytes = if from_initiator {
            &ex.dhpart2
        } else {
            &ex.dhpart1
        };
        let h1 = ex.peer_dh.as_ref().map(|p| p.h1).unwrap_or_default();
        if !ct_eq(&sha256(&[&body.h0]), &h1) || !mac_ok(peer_dh_bytes, &body.h0) {
            self.abort(
                error_code::MALFORMED,
                "Confirm H0 does not match DHPart",
                now,
            );
            return None;
        }
        Some(body)
    }

    fn on_confirm1(&mut self, c: Confirm, now: Instant) {
        if self.phase != Phase::WaitConfirm1 {
            return;
        }
        let Some(body) = self.open_confirm(&c, now) else {
            return;
        };
        let confirm2 = self.confirm(true);
        self.send(confirm2.clone());
        self.timer = Some(Timer::new(confirm2, "Confirm2", now, T2));
        self.phase = Phase::WaitConf2Ack;
        self.finish(body.sas_verified, false);
    }

    fn on_confirm2(&mut self, c: Confirm, bytes: &[u8], now: Instant) {
        match self.phase {
            Phase::WaitConfirm2 => {}
            Phase::Secure => return self.resend_reply(bytes),
            _ => return,
        }
        let Some(body) = self.open_confirm(&c, now) else {
            return;
        };
        let ack = Message::Conf2Ack.to_bytes();
        self.send(ack.clone());
        if let Some(ex) = &mut self.ex {
            ex.last_in = bytes.to_vec();
            ex.last_out = ack;
        }
        self.finish(body.sas_verified, true);
    }

    fn on_conf2ack(&mut self) {
        if self.phase == Phase::WaitConf2Ack {
            self.timer = None;
            self.phase = Phase::Secure;
            if let Some(info) = self.info.clone() {
                self.events.push_back(ZrtpEvent::Secure(info));
            }
        }
    }

    /// Keys, cache update and (for the responder now, for the initiator
    /// at Conf2ACK) the Secure event.
    fn finish(&mut self, peer_verified: bool, announce: bool) {
        let (Some(ex), Some(peer)) = (&self.ex, &mut self.peer) else {
            return;
        };
        let Some(keys) = &ex.keys else { return };
        let suite = srtp_suite(ex.neg.cipher, ex.neg.auth_tag);
        let i = MasterKey::new(suite, &keys.srtp_key_i, &keys.srtp_salt_i);
        let r = MasterKey::new(suite, &keys.srtp_key_r, &keys.srtp_salt_r);
        let (Ok(i), Ok(r)) = (i, r) else {
            // Lengths come from the cipher table; cannot differ.
            return warn!("ZRTP derived SRTP key of the wrong length");
        };
        self.keys = Some(match ex.role {
            Role::Initiator => SrtpKeys {
                send: i,
                receive: r,
            },
            Role::Responder => SrtpKeys {
                send: r,
                receive: i,
            },
        });
        let was_verified = peer.cached.verified;
        let verified = ex.cache == CacheStatus::Match && was_verified && peer_verified;
        // rs2 <- rs1, rs1 <- the new secret (§4.6.1). The verified flag
        // survives only a cache match.
        let entry = CachedSecrets {
            rs1: Some(keys.new_rs1),
            rs2: peer.cached.rs1,
            verified: ex.cache == CacheStatus::Match && was_verified,
        };
        let zid = peer.hello.zid;
        peer.cached = entry.clone();
        let info = SecureInfo {
            sas: sas::render(ex.neg.sas_type, &keys.sas_hash),
            sas_type: ex.neg.sas_type,
            cipher: ex.neg.cipher,
            auth_tag: ex.neg.auth_tag,
            key_agreement: ex.neg.key_agreement,
            cache: ex.cache,
            sas_verified: verified,
            role: ex.role,
            peer_zid: zid,
        };
        if let Err(e) = self.cache.store(&zid, &entry) {
            warn!(error = %e, "ZRTP cache not updated");
            self.events.push_back(ZrtpEvent::Failed {
                reason: FailReason::Cache(e.to_string()),
            });
        }
        self.info = Some(info.clone());
        if announce {
            self.phase = Phase::Secure;
            self.events.push_back(ZrtpEvent::Secure(info));
        }
    }

    fn on_goclear(&mut self, mac: [u8; 8]) {
        let Some(ex) = &self.ex else { return };
        let Some(keys) = &ex.keys else { return };
        if self.phase != Phase::Secure && self.phase != Phase::WaitConf2Ack {
            return;
        }
        // clear_mac = MAC(sender's mackey, "GoClear ") (§5.11); a forged
        // GoClear is dropped rather than answered.
        let key = if ex.role == Role::Initiator {
            &keys.mac_key_r
        } else {
            &keys.mac_key_i
        };
        if !ct_eq(&mac64(key, b"GoClear "), &mac) {
            return debug!("ZRTP GoClear with a bad clear_mac dropped");
        }
        warn!("ZRTP GoClear refused");
        self.send(Message::Error(error_code::GOCLEAR_NOT_ALLOWED).to_bytes());
        self.events.push_back(ZrtpEvent::GoClearRefused);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zrtp::MemoryCache;

    fn pair() -> (ZrtpSession, ZrtpSession, Instant) {
        let now = Instant::now();
        let mut cb = ZrtpConfig::new([2; 12], 2);
        cb.send_commit = false;
        let mut a = ZrtpSession::new(ZrtpConfig::new([1; 12], 1), Box::new(MemoryCache::new()));
        let mut b = ZrtpSession::new(cb, Box::new(MemoryCache::new()));
        a.start(now);
        b.start(now);
        for _ in 0..10 {
            while let Some(p) = a.poll_transmit() {
                b.handle_packet(&p, now);
            }
            while let Some(p) = b.poll_transmit() {
                a.handle_packet(&p, now);
            }
        }
        assert_eq!((a.phase, b.phase), (Phase::Secure, Phase::Secure));
        while a.poll_event().is_some() || b.poll_event().is_some() {}
        (a, b, now)
    }

    fn goclear(mac: [u8; 8]) -> Vec<u8> {
        write_packet(9, 1, &Message::GoClear(mac).to_bytes())
    }

    #[test]
    fn goclear_is_refused_with_error_0x100_and_forged_ones_dropped() {
        let (a, mut b, now) = pair();
        // Forged: dropped without a word.
        b.handle_packet(&goclear([0; 8]), now);
        assert!(b.poll_transmit().is_none() && b.poll_event().is_none());
        // Authentic (the initiator's mackey): refused, SRTP keys kept.
        let key =
            a.ex.as_ref()
                .and_then(|e| e.keys.as_ref())
                .map(|k| k.mac_key_i)
                .unwrap();
        b.handle_packet(&goclear(mac64(&key, b"GoClear ")), now);
        let sent = b.poll_transmit().unwrap();
        let msg = Message::parse(parse_packet(&sent).unwrap().message).unwrap();
        assert_eq!(msg, Message::Error(error_code::GOCLEAR_NOT_ALLOWED));
        assert_eq!(b.poll_event(), Some(ZrtpEvent::GoClearRefused));
        assert!(b.srtp_keys().is_some() && b.phase == Phase::Secure);
    }

    #[test]
    fn an_error_after_the_exchange_does_not_undo_it_and_ping_is_answered() {
        let (mut a, _, now) = pair();
        a.handle_packet(&write_packet(3, 2, &Message::Error(0x10).to_bytes()), now);
        assert_eq!(a.poll_event(), None);
        assert!(a.srtp_keys().is_some() && a.phase == Phase::Secure);
        let ack = a.poll_transmit().unwrap();
        assert_eq!(
            Message::parse(parse_packet(&ack).unwrap().message),
            Ok(Message::ErrorAck)
        );
        let ping = super::super::message::Ping {
            version: *b"1.10",
            endpoint_hash: [5; 8],
        };
        a.handle_packet(&write_packet(4, 0x77, &Message::Ping(ping).to_bytes()), now);
        let reply = a.poll_transmit().unwrap();
        let Ok(Message::PingAck(p)) = Message::parse(parse_packet(&reply).unwrap().message) else {
            panic!("no PingACK");
        };
        assert_eq!((p.received_hash, p.ssrc), ([5; 8], 0x77));
    }
}
