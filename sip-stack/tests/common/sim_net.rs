//! Two SIP cores on a simulated UDP network under virtual time: seeded loss,
//! random latency (so messages overtake each other), an optional filter
//! that drops chosen messages, and a log of every message sent and
//! delivered, for tests of races (glare, CANCEL), PRACK and session timers.
#![allow(dead_code)] // each test file uses its own part

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_sal::{CodecDescriptor, MediaDescription, StackEvent, StreamDescription};
use openphone_sip::{CoreConfig, SipCore};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const A: &str = "10.0.0.1:5060";
pub const B: &str = "10.0.0.2:5060";

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn media(port: u16) -> MediaDescription {
    MediaDescription::from(
        StreamDescription::audio(format!("10.9.9.9:{port}").parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000)),
    )
}

/// One message on the wire.
#[derive(Debug, Clone)]
pub struct Wire {
    pub at: Instant,
    pub from: SocketAddr,
    pub to: SocketAddr,
    /// Sent (`false`: delivered).
    pub sent: bool,
    pub lost: bool,
    pub text: String,
}

impl Wire {
    pub fn first_line(&self) -> &str {
        self.text.lines().next().unwrap_or("")
    }
    pub fn is_request(&self, method: &str) -> bool {
        self.first_line().starts_with(&format!("{method} "))
    }
    /// A response with this status to a request with this CSeq method.
    pub fn is_response(&self, code: u16, method: &str) -> bool {
        self.first_line().starts_with(&format!("SIP/2.0 {code} "))
            && self.header("CSeq").is_some_and(|c| c.ends_with(method))
    }
    pub fn status(&self) -> Option<u16> {
        let l = self.first_line().strip_prefix("SIP/2.0 ")?;
        l.get(..3)?.parse().ok()
    }
    /// The first value of a header field (long name), trimmed.
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.text, name)
    }
    pub fn cseq_num(&self) -> u32 {
        self.header("CSeq")
            .and_then(|c| c.split_whitespace().next().and_then(|n| n.parse().ok()))
            .unwrap_or(0)
    }
    pub fn branch(&self) -> String {
        self.header("Via")
            .and_then(|v| {
                v.split(';')
                    .find_map(|p| p.trim().strip_prefix("branch=").map(str::to_string))
            })
            .unwrap_or_default()
    }
}

/// The first value of header `name` in a message text.
pub fn header(text: &str, name: &str) -> Option<String> {
    let head = text.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Chooses messages for the network to drop.
pub type DropFilter = Box<dyn FnMut(&Wire) -> bool>;

/// The network and the two cores.
pub struct Sim {
    pub t0: Instant,
    pub now: Instant,
    pub a: SipCore,
    pub b: SipCore,
    rng: StdRng,
    loss: f64,
    max_delay_ms: u64,
    in_flight: BTreeMap<(Instant, u64), (SocketAddr, SocketAddr, Vec<u8>)>,
    seq: u64,
    /// Drops every message it returns `true` for (after loss is decided).
    pub drop: Option<DropFilter>,
    pub log: Vec<Wire>,
}

impl Sim {
    pub fn new(seed: u64, loss: f64, a: CoreConfig, b: CoreConfig) -> Sim {
        let t0 = Instant::now();
        Sim {
            t0,
            now: t0,
            a: SipCore::new(a.with_seed(seed * 2 + 1), t0),
            b: SipCore::new(b.with_seed(seed * 2 + 2), t0),
            rng: StdRng::seed_from_u64(seed),
            loss,
            max_delay_ms: 150,
            in_flight: BTreeMap::new(),
            seq: 0,
            drop: None,
            log: Vec::new(),
        }
    }

    pub fn config() -> (CoreConfig, CoreConfig) {
        (
            CoreConfig::new(Some(addr(A)), None),
            CoreConfig::new(Some(addr(B)), None),
        )
    }

    /// Virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    /// Puts what both cores want to send onto the wire; returns their events.
    pub fn pump(&mut self) -> (Vec<StackEvent>, Vec<StackEvent>) {
        for (me, is_a) in [(addr(A), true), (addr(B), false)] {
            loop {
                let t = if is_a {
                    self.a.poll_transmit()
                } else {
                    self.b.poll_transmit()
                };
                let Some(t) = t else { break };
                self.send(me, t.dst, t.bytes);
            }
        }
        (
            std::iter::from_fn(|| self.a.poll_event()).collect(),
            std::iter::from_fn(|| self.b.poll_event()).collect(),
        )
    }

    fn send(&mut self, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        let mut w = Wire {
            at: self.now,
            from,
            to,
            sent: true,
            lost: self.rng.gen_bool(self.loss),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        };
        if let Some(f) = self.drop.as_mut() {
            w.lost |= f(&w);
        }
        let lost = w.lost;
        self.log.push(w);
        if lost {
            return;
        }
        let delay = Duration::from_millis(self.rng.gen_range(5..self.max_delay_ms));
        self.seq += 1;
        self.in_flight
            .insert((self.now + delay, self.seq), (from, to, bytes));
    }

    /// Moves virtual time to the next packet or timer and delivers/runs it.
    /// Panics when nothing is left to happen.
    pub fn advance(&mut self) {
        let next = [
            self.a.poll_timeout(),
            self.b.poll_timeout(),
            self.in_flight.keys().next().map(|k| k.0),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(next) = next else {
            panic!("nothing left to happen; log:\n{}", self.dump());
        };
        self.advance_to(next);
    }

    /// Like [`advance`](Self::advance) but never past `limit`.
    pub fn advance_until(&mut self, limit: Instant) {
        let next = [
            self.a.poll_timeout(),
            self.b.poll_timeout(),
            self.in_flight.keys().next().map(|k| k.0),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(limit)
        .min(limit);
        self.advance_to(next);
    }

    fn advance_to(&mut self, next: Instant) {
        self.now = self.now.max(next);
        while let Some((&key, _)) = self.in_flight.iter().next() {
            if key.0 > self.now {
                break;
            }
            let Some((from, to, bytes)) = self.in_flight.remove(&key) else {
                break;
            };
            self.log.push(Wire {
                at: self.now,
                from,
                to,
                sent: false,
                lost: false,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
            let core = if to == addr(A) {
                &mut self.a
            } else {
                &mut self.b
            };
            core.handle_datagram(self.now, to, from, &bytes);
        }
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
    }

    /// The log as text (one line per message), for failure messages.
    pub fn dump(&self) -> String {
        self.log
            .iter()
            .map(|w| {
                format!(
                    "{:>9.3} {} {}->{} {} | {}\n",
                    (w.at - self.t0).as_secs_f64(),
                    if w.sent { "sent" } else { "recv" },
                    w.from.ip(),
                    w.to.ip(),
                    if w.lost { "LOST" } else { "" },
                    w.first_line()
                ) + &format!("          CSeq {}\n", w.header("CSeq").unwrap_or_default())
            })
            .collect()
    }

    /// Messages sent by `from`.
    pub fn sent_by(&self, from: &str) -> impl Iterator<Item = &Wire> {
        let f = addr(from);
        self.log.iter().filter(move |w| w.sent && w.from == f)
    }

    /// Messages delivered to `to`.
    pub fn delivered_to(&self, to: &str) -> impl Iterator<Item = &Wire> {
        let t = addr(to);
        self.log.iter().filter(move |w| !w.sent && w.to == t)
    }
}
