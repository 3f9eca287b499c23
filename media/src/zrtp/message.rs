//! ZRTP messages (RFC 6189 §5.1–§5.16): decoding from and encoding to the
//! octets between the packet header and the CRC.
//!
//! Every message starts with the preamble 0x505a, its length in 32-bit words
//! (the whole message, preamble included) and an 8-character type block.
//! Decoding checks that the declared length is the length received and
//! that it fits the message type; it never panics and never allocates more
//! than the input's size.

use super::algo::AlgoId;
use super::ZrtpPacketError;

/// A ZRTP endpoint identifier (§4.9): 96 random bits, stable per device.
pub type Zid = [u8; 12];

/// The protocol version we speak (§5.2).
pub const VERSION: [u8; 4] = *b"1.10";

const PREAMBLE: u16 = 0x505a;
/// Words of preamble, length and type block.
const HEAD_WORDS: usize = 3;
/// The most algorithms of one kind a Hello may list (a 4-bit count).
pub const MAX_ALGOS: usize = 7;

/// Hello (§5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// Protocol version, "1.10".
    pub version: [u8; 4],
    /// Client identifier (16 octets, free text, space padded).
    pub client_id: [u8; 16],
    /// H3 of the sender's hash chain.
    pub h3: [u8; 32],
    /// Sender's ZID.
    pub zid: Zid,
    /// S: the sender can sign (§5.2).
    pub signature_capable: bool,
    /// M: the sender is a PBX (trusted MiTM).
    pub mitm: bool,
    /// P: the sender is passive (never sends Commit).
    pub passive: bool,
    /// Hash algorithms, preferred first.
    pub hashes: Vec<AlgoId>,
    /// Ciphers, preferred first.
    pub ciphers: Vec<AlgoId>,
    /// SRTP auth tags, preferred first.
    pub auth_tags: Vec<AlgoId>,
    /// Key agreements, preferred first.
    pub key_agreements: Vec<AlgoId>,
    /// SAS renderings, preferred first.
    pub sas_types: Vec<AlgoId>,
    /// HMAC (H2) of the message up to this field, 64 bits.
    pub mac: [u8; 8],
}

/// What a Commit carries after its algorithm choices (§5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitKind {
    /// Diffie-Hellman mode: the hash commitment hvi.
    Dh {
        /// hash(DHPart2 || responder's Hello), 256 bits.
        hvi: [u8; 32],
    },
    /// Multistream mode ("Mult"): a nonce.
    Multistream {
        /// 128-bit nonce.
        nonce: [u8; 16],
    },
    /// Preshared mode ("Prsh"): a nonce and the key id.
    Preshared {
        /// 128-bit nonce.
        nonce: [u8; 16],
        /// MAC(preshared key, "Prsh"), 64 bits.
        key_id: [u8; 8],
    },
}

/// Commit (§5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// H2 of the initiator's chain.
    pub h2: [u8; 32],
    /// Initiator's ZID.
    pub zid: Zid,
    /// Chosen hash.
    pub hash: AlgoId,
    /// Chosen cipher.
    pub cipher: AlgoId,
    /// Chosen SRTP auth tag.
    pub auth_tag: AlgoId,
    /// Chosen key agreement ("Mult" and "Prsh" select the other modes).
    pub key_agreement: AlgoId,
    /// Chosen SAS rendering.
    pub sas_type: AlgoId,
    /// Mode-dependent part.
    pub kind: CommitKind,
    /// HMAC (H1) of the message up to this field, 64 bits.
    pub mac: [u8; 8],
}

/// DHPart1 or DHPart2 (§5.5, §5.6): the same layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhPart {
    /// H1 of the sender's chain.
    pub h1: [u8; 32],
    /// rs1ID of the sender (rs1IDr in DHPart1, rs1IDi in DHPart2).
    pub rs1_id: [u8; 8],
    /// rs2ID of the sender.
    pub rs2_id: [u8; 8],
    /// auxsecretID of the sender.
    pub aux_id: [u8; 8],
    /// pbxsecretID of the sender.
    pub pbx_id: [u8; 8],
    /// Public value (pvr or pvi).
    pub pv: Vec<u8>,
    /// HMAC (H0) of the message up to this field, 64 bits.
    pub mac: [u8; 8],
}

/// Confirm1 or Confirm2 (§5.7) as carried: the encrypted part stays opaque
/// until the keys are known (see [`ConfirmBody`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// HMAC of the encrypted part, 64 bits.
    pub confirm_mac: [u8; 8],
    /// AES-CFB initialisation vector.
    pub iv: [u8; 16],
    /// The encrypted part (H0, flags, cache expiry, optional signature).
    pub encrypted: Vec<u8>,
}

/// The plaintext of a Confirm's encrypted part (§5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmBody {
    /// H0 of the sender's chain.
    pub h0: [u8; 32],
    /// E: PBX enrollment.
    pub enrollment: bool,
    /// V: the sender has verified the SAS with this peer.
    pub sas_verified: bool,
    /// A: allow clear (GoClear permitted).
    pub allow_clear: bool,
    /// D: disclosure flag.
    pub disclosure: bool,
    /// Cache expiration interval, seconds (0xffffffff: never).
    pub cache_expiry: u32,
    /// Signature type block and signature, if any (kept opaque).
    pub signature: Vec<u8>,
}

/// SASrelay (§5.13), kept opaque like [`Confirm`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SasRelay {
    /// HMAC of the encrypted part, 64 bits.
    pub mac: [u8; 8],
    /// AES-CFB initialisation vector.
    pub iv: [u8; 16],
    /// Encrypted flags, rendering scheme, trusted SAS hash, signature.
    pub encrypted: Vec<u8>,
}

/// Ping (§5.15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    /// Protocol version.
    pub version: [u8; 4],
    /// Endpoint hash of the sender, 64 bits.
    pub endpoint_hash: [u8; 8],
}

/// PingACK (§5.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingAck {
    /// Protocol version.
    pub version: [u8; 4],
    /// Endpoint hash of the sender of the PingACK.
    pub sender_hash: [u8; 8],
    /// Endpoint hash received in the Ping.
    pub received_hash: [u8; 8],
    /// Source identifier of the Ping packet.
    pub ssrc: u32,
}

/// One ZRTP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// "Hello   ".
    Hello(Hello),
    /// "HelloACK".
    HelloAck,
    /// "Commit  ".
    Commit(Commit),
    /// "DHPart1 ".
    DhPart1(DhPart),
    /// "DHPart2 ".
    DhPart2(DhPart),
    /// "Confirm1".
    Confirm1(Confirm),
    /// "Confirm2".
    Confirm2(Confirm),
    /// "Conf2ACK".
    Conf2Ack,
    /// "Error   " with its code (§5.9).
    Error(u32),
    /// "ErrorACK".
    ErrorAck,
    /// "GoClear " with its clear_mac.
    GoClear([u8; 8]),
    /// "ClearACK".
    ClearAck,
    /// "SASrelay".
    SasRelay(SasRelay),
    /// "RelayACK".
    RelayAck,
    /// "Ping    ".
    Ping(Ping),
    /// "PingACK ".
    PingAck(PingAck),
}

/// A bounds-checked reader over a message.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ZrtpPacketError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or(ZrtpPacketError::Truncated)?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ZrtpPacketError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32, ZrtpPacketError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn algos(&mut self, n: usize) -> Result<Vec<AlgoId>, ZrtpPacketError> {
        (0..n).map(|_| self.array().map(AlgoId)).collect()
    }

    fn rest(&mut self) -> &'a [u8] {
        let s = &self.data[self.pos..];
        self.pos = self.data.len();
        s
    }
}

fn need(words: usize, want: usize, what: &'static str) -> Result<(), ZrtpPacketError> {
    if words == want {
        Ok(())
    } else {
        Err(ZrtpPacketError::BadLength {
            message: what,
            words,
        })
    }
}

fn at_least(words: usize, min: usize, what: &'static str) -> Result<(), ZrtpPacketError> {
    if words >= min {
        Ok(())
    } else {
        Err(ZrtpPacketError::BadLength {
            message: what,
            words,
        })
    }
}

impl Message {
    /// The 8-character type block of a message (without decoding the rest),
    /// or None when the octets are too short to hold one.
    pub fn type_block(data: &[u8]) -> Option<[u8; 8]> {
        data.get(4..12).and_then(|s| s.try_into().ok())
    }

    /// Decodes a message (the octets [`super::parse_packet`] returns).
    pub fn parse(data: &[u8]) -> Result<Message, ZrtpPacketError> {
        if data.len() < HEAD_WORDS * 4 {
            return Err(ZrtpPacketError::Truncated);
        }
        let mut r = Reader { data, pos: 0 };
        let preamble = u16::from_be_bytes(r.array()?);
        if preamble != PREAMBLE {
            return Err(ZrtpPacketError::BadPreamble(preamble));
        }
        let words = usize::from(u16::from_be_bytes(r.array()?));
        if words * 4 != data.len() {
            return Err(ZrtpPacketError::LengthMismatch {
                declared: words * 4,
                actual: data.len(),
            });
        }
        let kind: [u8; 8] = r.array()?;
        let msg = match &kind {
            b"Hello   " => {
                at_least(words, 22, "Hello")?;
                let version = r.array()?;
                let client_id = r.array()?;
                let h3 = r.array()?;
                let zid = r.array()?;
                let flags = r.array::<4>()?;
                // hc | cc | ac | kc | sc: 4 bits each over the last 20 bits.
                let bits = u32::from_be_bytes(flags);
                let hc = ((bits >> 16) & 0xf) as usize;
                let cc = ((bits >> 12) & 0xf) as usize;
                let ac = ((bits >> 8) & 0xf) as usize;
                let kc = ((bits >> 4) & 0xf) as usize;
                let sc = (bits & 0xf) as usize;
                if [hc, cc, ac, kc, sc].iter().any(|&n| n > MAX_ALGOS) {
                    return Err(ZrtpPacketError::BadLength {
                        message: "Hello",
                        words,
                    });
                }
                need(words, 22 + hc + cc + ac + kc + sc, "Hello")?;
                Message::Hello(Hello {
                    version,
                    client_id,
                    h3,
                    zid,
                    signature_capable: flags[0] & 0x40 != 0,
                    mitm: flags[0] & 0x20 != 0,
                    passive: flags[0] & 0x10 != 0,
                    hashes: r.algos(hc)?,
                    ciphers: r.algos(cc)?,
                    auth_tags: r.algos(ac)?,
                    key_agreements: r.algos(kc)?,
                    sas_types: r.algos(sc)?,
                    mac: r.array()?,
                })
            }
            b"HelloACK" => {
                need(words, 3, "HelloACK")?;
                Message::HelloAck
            }
            b"Commit  " => {
                at_least(words, 25, "Commit")?;
                let h2 = r.array()?;
                let zid = r.array()?;
                let hash = AlgoId(r.array()?);
                let cipher = AlgoId(r.array()?);
                let auth_tag = AlgoId(r.array()?);
                let key_agreement = AlgoId(r.array()?);
                let sas_type = AlgoId(r.array()?);
                let kind = match &key_agreement.0 {
                    b"Mult" => {
                        need(words, 25, "Commit")?;
                        CommitKind::Multistream { nonce: r.array()? }
                    }
                    b"Prsh" => {
                        need(words, 27, "Commit")?;
                        CommitKind::Preshared {
                            nonce: r.array()?,
                            key_id: r.array()?,
                        }
                    }
                    _ => {
                        need(words, 29, "Commit")?;
                        CommitKind::Dh { hvi: r.array()? }
                    }
                };
                Message::Commit(Commit {
                    h2,
                    zid,
                    hash,
                    cipher,
                    auth_tag,
                    key_agreement,
                    sas_type,
                    kind,
                    mac: r.array()?,
                })
            }
            b"DHPart1 " | b"DHPart2 " => {
                // 3 + H1 (8) + four IDs (8) + MAC (2), and a public value
                // of at least one word.
                at_least(words, 22, "DHPart")?;
                let h1 = r.array()?;
                let rs1_id = r.array()?;
                let rs2_id = r.array()?;
                let aux_id = r.array()?;
                let pbx_id = r.array()?;
                let pv = r.take((words - 21) * 4)?.to_vec();
                let part = DhPart {
                    h1,
                    rs1_id,
                    rs2_id,
                    aux_id,
                    pbx_id,
                    pv,
                    mac: r.array()?,
                };
                if kind[6] == b'1' {
                    Message::DhPart1(part)
                } else {
                    Message::DhPart2(part)
                }
            }
            b"Confirm1" | b"Confirm2" => {
                // 3 + mac (2) + IV (4) + H0 (8) + flags (1) + expiry (1).
                at_least(words, 19, "Confirm")?;
                let c = Confirm {
                    confirm_mac: r.array()?,
                    iv: r.array()?,
                    encrypted: r.rest().to_vec(),
                };
                if kind[7] == b'1' {
                    Message::Confirm1(c)
                } else {
                    Message::Confirm2(c)
                }
            }
            b"Conf2ACK" => {
                need(words, 3, "Conf2ACK")?;
                Message::Conf2Ack
            }
            b"Error   " => {
                need(words, 4, "Error")?;
                Message::Error(r.u32()?)
            }
            b"ErrorACK" => {
                need(words, 3, "ErrorACK")?;
                Message::ErrorAck
            }
            b"GoClear " => {
                need(words, 5, "GoClear")?;
                Message::GoClear(r.array()?)
            }
            b"ClearACK" => {
                need(words, 3, "ClearACK")?;
                Message::ClearAck
            }
            b"SASrelay" => {
                // 3 + mac (2) + IV (4) + flags (1) + scheme (1) + hash (8).
                at_least(words, 19, "SASrelay")?;
                Message::SasRelay(SasRelay {
                    mac: r.array()?,
                    iv: r.array()?,
                    encrypted: r.rest().to_vec(),
                })
            }
            b"RelayACK" => {
                need(words, 3, "RelayACK")?;
                Message::RelayAck
            }
            b"Ping    " => {
                need(words, 6, "Ping")?;
                Message::Ping(Ping {
                    version: r.array()?,
                    endpoint_hash: r.array()?,
                })
            }
            b"PingACK " => {
                need(words, 9, "PingACK")?;
                Message::PingAck(PingAck {
                    version: r.array()?,
                    sender_hash: r.array()?,
                    received_hash: r.array()?,
                    ssrc: r.u32()?,
                })
            }
            _ => return Err(ZrtpPacketError::UnknownType(kind)),
        };
        Ok(msg)
    }

    /// The type block of this message.
    pub fn kind(&self) -> &'static [u8; 8] {
        match self {
            Message::Hello(_) => b"Hello   ",
            Message::HelloAck => b"HelloACK",
            Message::Commit(_) => b"Commit  ",
            Message::DhPart1(_) => b"DHPart1 ",
            Message::DhPart2(_) => b"DHPart2 ",
            Message::Confirm1(_) => b"Confirm1",
            Message::Confirm2(_) => b"Confirm2",
            Message::Conf2Ack => b"Conf2ACK",
            Message::Error(_) => b"Error   ",
            Message::ErrorAck => b"ErrorACK",
            Message::GoClear(_) => b"GoClear ",
            Message::ClearAck => b"ClearACK",
            Message::SasRelay(_) => b"SASrelay",
            Message::RelayAck => b"RelayACK",
            Message::Ping(_) => b"Ping    ",
            Message::PingAck(_) => b"PingACK ",
        }
    }

    /// Encodes the message. Lists longer than [`MAX_ALGOS`] are cut to fit
    /// the 4-bit counts; opaque parts shorter than a word are zero padded.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(128);
        b.extend_from_slice(&PREAMBLE.to_be_bytes());
        b.extend_from_slice(&[0, 0]); // length, set below
        b.extend_from_slice(self.kind());
        match self {
            Message::Hello(h) => {
                b.extend_from_slice(&h.version);
                b.extend_from_slice(&h.client_id);
                b.extend_from_slice(&h.h3);
                b.extend_from_slice(&h.zid);
                let lists = [
                    &h.hashes,
                    &h.ciphers,
                    &h.auth_tags,
                    &h.key_agreements,
                    &h.sas_types,
                ];
                let n = |l: &Vec<AlgoId>| l.len().min(MAX_ALGOS) as u32;
                let mut word = (u32::from(h.signature_capable) << 30)
                    | (u32::from(h.mitm) << 29)
                    | (u32::from(h.passive) << 28);
                for (i, l) in lists.iter().enumerate() {
                    word |= n(l) << (16 - 4 * i);
                }
                b.extend_from_slice(&word.to_be_bytes());
                for l in lists {
                    for a in l.iter().take(MAX_ALGOS) {
                        b.extend_from_slice(&a.0);
                    }
                }
                b.extend_from_slice(&h.mac);
            }
            Message::Commit(c) => {
                b.extend_from_slice(&c.h2);
                b.extend_from_slice(&c.zid);
                for a in [c.hash, c.cipher, c.auth_tag, c.key_agreement, c.sas_type] {
                    b.extend_from_slice(&a.0);
                }
                match &c.kind {
                    CommitKind::Dh { hvi } => b.extend_from_slice(hvi),
                    CommitKind::Multistream { nonce } => b.extend_from_slice(nonce),
                    CommitKind::Preshared { nonce, key_id } => {
                        b.extend_from_slice(nonce);
                        b.extend_from_slice(key_id);
                    }
                }
                b.extend_from_slice(&c.mac);
            }
            Message::DhPart1(p) | Message::DhPart2(p) => {
                b.extend_from_slice(&p.h1);
                for id in [&p.rs1_id, &p.rs2_id, &p.aux_id, &p.pbx_id] {
                    b.extend_from_slice(id);
                }
                b.extend_from_slice(&p.pv);
                pad(&mut b);
                b.extend_from_slice(&p.mac);
            }
            Message::Confirm1(c) | Message::Confirm2(c) => {
                b.extend_from_slice(&c.confirm_mac);
                b.extend_from_slice(&c.iv);
                b.extend_from_slice(&c.encrypted);
                pad(&mut b);
            }
            Message::SasRelay(s) => {
                b.extend_from_slice(&s.mac);
                b.extend_from_slice(&s.iv);
                b.extend_from_slice(&s.encrypted);
                pad(&mut b);
            }
            Message::Error(code) => b.extend_from_slice(&code.to_be_bytes()),
            Message::GoClear(mac) => b.extend_from_slice(mac),
            Message::Ping(p) => {
                b.extend_from_slice(&p.version);
                b.extend_from_slice(&p.endpoint_hash);
            }
            Message::PingAck(p) => {
                b.extend_from_slice(&p.version);
                b.extend_from_slice(&p.sender_hash);
                b.extend_from_slice(&p.received_hash);
                b.extend_from_slice(&p.ssrc.to_be_bytes());
            }
            Message::HelloAck
            | Message::Conf2Ack
            | Message::ErrorAck
            | Message::ClearAck
            | Message::RelayAck => {}
        }
        let words = (b.len() / 4).min(usize::from(u16::MAX)) as u16;
        b[2..4].copy_from_slice(&words.to_be_bytes());
        b
    }
}

fn pad(b: &mut Vec<u8>) {
    while b.len() % 4 != 0 {
        b.push(0);
    }
}

impl ConfirmBody {
    /// Decodes the decrypted part of a Confirm.
    pub fn parse(data: &[u8]) -> Result<ConfirmBody, ZrtpPacketError> {
        let mut r = Reader { data, pos: 0 };
        let h0 = r.array()?;
        let word = r.u32()?;
        let cache_expiry = r.u32()?;
        // 15 unused bits, 9 bits of signature length (words), 4 zero bits, E V A D.
        let sig_words = ((word >> 8) & 0x1ff) as usize;
        let signature = r.rest();
        if signature.len() != sig_words * 4 {
            return Err(ZrtpPacketError::BadLength {
                message: "Confirm signature",
                words: signature.len() / 4,
            });
        }
        Ok(ConfirmBody {
            h0,
            enrollment: word & 8 != 0,
            sas_verified: word & 4 != 0,
            allow_clear: word & 2 != 0,
            disclosure: word & 1 != 0,
            cache_expiry,
            signature: signature.to_vec(),
        })
    }

    /// Encodes the part to be encrypted.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(40 + self.signature.len());
        b.extend_from_slice(&self.h0);
        let sig_words = (self.signature.len() / 4).min(0x1ff) as u32;
        let word = (sig_words << 8)
            | (u32::from(self.enrollment) << 3)
            | (u32::from(self.sas_verified) << 2)
            | (u32::from(self.allow_clear) << 1)
            | u32::from(self.disclosure);
        b.extend_from_slice(&word.to_be_bytes());
        b.extend_from_slice(&self.cache_expiry.to_be_bytes());
        b.extend_from_slice(&self.signature[..sig_words as usize * 4]);
        b
    }
}
