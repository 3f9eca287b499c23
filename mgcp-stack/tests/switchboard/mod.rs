//! A simulated network of a switchboard and scripted residential-gateway
//! lines, under virtual time, with loss, duplication and reordering.
//!
//! Each line is a small RFC 3435 endpoint written for the test: its own
//! transaction layer (so duplicates are answered from the response cache,
//! never executed twice), the L and D packages as far as the switchboard
//! uses them (hook state, signals, requested events, 401/402 answers), and
//! connections with session descriptions. Every command a line executes is
//! recorded, so a test can check that each was executed exactly once.

#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_mgcp::agent::switchboard::*;
use openphone_mgcp::agent::{notified_entity_at, CallAgent, CallAgentConfig};
use openphone_mgcp::message::*;
use openphone_mgcp::transaction::*;
use openphone_sdp::SessionDescription;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const CA: &str = "127.0.0.1:2727";

pub fn ca() -> SocketAddr {
    CA.parse().unwrap()
}

/// What a line executed (a command, summarised).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Executed {
    pub transaction: u32,
    pub summary: String,
}

pub struct Phone {
    pub number: String,
    pub endpoint: EndpointName,
    pub addr: SocketAddr,
    pub layer: TransactionLayer,
    pub off_hook: bool,
    pub request_id: Option<RequestId>,
    pub requested: Vec<RequestedEvent>,
    pub signals: Vec<EventSpec>,
    pub digit_map: Option<openphone_sal::DigitMap>,
    /// id → (mode, remote RTP port)
    pub connections: HashMap<ConnectionId, (ConnectionMode, Option<u16>, CallId)>,
    next_connection: u32,
    pub rtp_port_base: u16,
    pub executed: Vec<Executed>,
    /// Answer CRCX with this code instead of executing it.
    pub refuse_create: Option<u16>,
    /// Drop everything (an endpoint that is not there).
    pub dead: bool,
}

impl Phone {
    fn new(i: usize) -> Phone {
        Phone::at(i, SocketAddr::from(([127, 0, 0, 1], 2427 + i as u16)))
    }

    /// Line `i` (number `100{i+1}`, endpoint `aaln/{i+1}@[127.0.0.1]`) at
    /// `addr`.
    pub fn at(i: usize, addr: SocketAddr) -> Phone {
        let number = format!("100{}", i + 1);
        Phone {
            endpoint: format!("aaln/{}@[127.0.0.1]", i + 1).parse().unwrap(),
            addr,
            layer: TransactionLayer::new(
                TransactionConfig::default(),
                TransactionId::new(5000 + 1000 * i as u32).unwrap(),
            ),
            number,
            off_hook: false,
            request_id: None,
            requested: Vec::new(),
            signals: Vec::new(),
            digit_map: None,
            connections: HashMap::new(),
            next_connection: 1,
            rtp_port_base: 20_000 + 1000 * i as u16,
            executed: Vec::new(),
            refuse_create: None,
            dead: false,
        }
    }

    pub fn line(&self) -> Line {
        Line::new(&self.number, self.endpoint.clone(), self.addr)
    }

    /// The signals in force, as `L/dl`-style names (caller ID with its
    /// parameters).
    pub fn signal_names(&self) -> Vec<String> {
        self.signals.iter().map(|s| s.name.to_string()).collect()
    }

    /// Whether the call agent asked for this event.
    pub fn requests(&self, package: &str, event: &str) -> bool {
        self.requested.iter().any(|r| r.name.is(package, event))
    }

    /// The summaries of executed commands, in order.
    pub fn log(&self) -> Vec<String> {
        self.executed.iter().map(|e| e.summary.clone()).collect()
    }

    /// Executes a command (recording it) and gives the response.
    pub fn execute(&mut self, command: &Command) -> Response {
        let p = &command.parameters;
        let tid = command.transaction_id;
        let mut summary = command.verb.to_string();
        let code = |c: u16| ReturnCode::new(c).unwrap();
        let response = match command.verb {
            Verb::NotificationRequest => {
                let requested = p.requested_events().cloned().unwrap_or_default();
                let wants = |e: &str| requested.iter().any(|r| r.name.is("L", e));
                // RFC 3435 §2.3.3: 401 when asked for off-hook while off
                // hook, 402 when asked for on-hook while on hook.
                let refuse = if wants("hd") && self.off_hook {
                    Some(401)
                } else if wants("hu") && !self.off_hook {
                    Some(402)
                } else {
                    None
                };
                let signals = p.signal_requests().cloned().unwrap_or_default();
                let names: Vec<String> = signals.iter().map(|s| s.name.to_string()).collect();
                let r: Vec<String> = requested.iter().map(|r| r.to_string()).collect();
                summary = format!("RQNT R:{} S:{}", r.join(","), names.join(","));
                match refuse {
                    Some(c) => {
                        summary.push_str(&format!(" -> {c}"));
                        Response::new(code(c), tid)
                    }
                    None => {
                        self.request_id = p.request_id().cloned();
                        self.requested = requested;
                        self.signals = signals;
                        if let Some(d) = p.digit_map() {
                            self.digit_map = Some(d.clone());
                        }
                        Response::new(ReturnCode::OK, tid)
                    }
                }
            }
            Verb::CreateConnection => {
                let mode = p.mode().cloned().unwrap_or(ConnectionMode::Inactive);
                summary = format!("CRCX M:{mode}");
                if let Some(c) = self.refuse_create {
                    summary.push_str(&format!(" -> {c}"));
                    Response::new(code(c), tid)
                } else {
                    let id = ConnectionId::new(format!("C{}", self.next_connection)).unwrap();
                    let port = self.rtp_port_base + 2 * self.next_connection as u16;
                    self.next_connection += 1;
                    let remote = command.sdp().map(|s| s.media[0].port);
                    if let Some(r) = remote {
                        summary.push_str(&format!(" remote:{r}"));
                    }
                    let call = p.call_id().cloned().unwrap();
                    self.connections.insert(id.clone(), (mode, remote, call));
                    Response::new(ReturnCode::OK, tid)
                        .with(Parameter::ConnectionId(vec![id]))
                        .with_sdp(sdp(port))
                }
            }
            Verb::ModifyConnection => {
                let id = p.connection_id().cloned().unwrap();
                let remote = command.sdp().map(|s| s.media[0].port);
                summary = format!("MDCX {id}");
                match self.connections.get_mut(&id) {
                    Some(c) => {
                        if let Some(m) = p.mode() {
                            c.0 = m.clone();
                            summary.push_str(&format!(" M:{m}"));
                        }
                        if let Some(r) = remote {
                            c.1 = Some(r);
                            summary.push_str(&format!(" remote:{r}"));
                        }
                        Response::new(ReturnCode::OK, tid)
                    }
                    None => Response::new(code(515), tid),
                }
            }
            Verb::DeleteConnection => {
                let id = p.connection_id().cloned().unwrap();
                summary = format!("DLCX {id}");
                match self.connections.remove(&id) {
                    Some(_) => Response::new(code(250), tid).with(Parameter::ConnectionParameters(
                        "PS=50, OS=8000, PR=49, OR=7840, PL=1, JI=2"
                            .parse()
                            .unwrap(),
                    )),
                    None => Response::new(code(515), tid),
                }
            }
            _ => Response::new(code(504), tid),
        };
        self.executed.push(Executed {
            transaction: tid.get(),
            summary,
        });
        response
    }

    /// Sends a NTFY of `observed` to the call agent at `to`.
    pub fn notify_to(&mut self, now: Instant, to: SocketAddr, observed: &str) {
        let Some(x) = self.request_id.clone() else {
            panic!("{}: nothing requested", self.number)
        };
        let c = Command::new(Verb::Notify, TransactionId::FIRST, self.endpoint.clone())
            .with(Parameter::RequestId(x))
            .with(Parameter::ObservedEvents(
                parse_event_specs(observed).unwrap(),
            ));
        self.layer.send_command(now, to, c).unwrap();
    }

    fn notify(&mut self, now: Instant, observed: &str) {
        self.notify_to(now, ca(), observed);
    }
}

pub fn sdp(port: u16) -> SessionDescription {
    let text = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\n"
    );
    SessionDescription::parse(text.as_bytes()).unwrap()
}

/// How digits are reported.
#[derive(Debug, Clone, Copy)]
pub enum DigitForm {
    /// `O: D/1,D/0,D/0,D/2` (RFC 3435).
    PerDigit,
    /// `O: D/1002`.
    Whole,
    /// `O: 1002`.
    Bare,
}

type InFlight = Reverse<(Instant, u64, SocketAddr, SocketAddr, Vec<u8>)>;

pub struct Sim {
    pub now: Instant,
    pub board: Switchboard,
    pub phones: Vec<Phone>,
    pub events: Vec<SwitchEvent>,
    rng: StdRng,
    loss: f64,
    duplicate: f64,
    queue: BinaryHeap<InFlight>,
    seq: u64,
}

impl Sim {
    pub fn new(lines: usize, seed: u64, loss: f64, duplicate: f64) -> Sim {
        Self::with(lines, seed, loss, duplicate, |_| {})
    }

    pub fn with(
        lines: usize,
        seed: u64,
        loss: f64,
        duplicate: f64,
        tweak: impl FnOnce(&mut SwitchboardConfig),
    ) -> Sim {
        let phones: Vec<Phone> = (0..lines).map(Phone::new).collect();
        let agent_config = CallAgentConfig {
            notified_entity: Some(notified_entity_at(ca())),
            ..CallAgentConfig::default()
        };
        let mut config = SwitchboardConfig::new(phones.iter().map(Phone::line).collect());
        config.agent = agent_config.clone();
        tweak(&mut config);
        let agent = CallAgent::with_first_transaction_id(
            config.agent.clone(),
            TransactionId::new(100).unwrap(),
        );
        let board = Switchboard::with_agent(config, agent).unwrap();
        Sim {
            now: Instant::now(),
            board,
            phones,
            events: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
            loss,
            duplicate,
            queue: BinaryHeap::new(),
            seq: 0,
        }
    }

    fn send(&mut self, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        let copies = if self.rng.gen_bool(self.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            if self.rng.gen_bool(self.loss) {
                continue;
            }
            let delay = Duration::from_millis(self.rng.gen_range(1..40));
            self.seq += 1;
            self.queue.push(Reverse((
                self.now + delay,
                self.seq,
                from,
                to,
                bytes.clone(),
            )));
        }
    }

    fn flush(&mut self) {
        while let Some(t) = self.board.poll_transmit() {
            self.send(ca(), t.to, t.bytes);
        }
        for i in 0..self.phones.len() {
            while let Some(t) = self.phones[i].layer.poll_transmit() {
                let from = self.phones[i].addr;
                self.send(from, t.to, t.bytes);
            }
        }
        while let Some(e) = self.board.poll_event() {
            self.events.push(e);
        }
    }

    fn phone_events(&mut self, i: usize) {
        while let Some(e) = self.phones[i].layer.poll_event() {
            if let TransactionEvent::Command { from, command } = e {
                let r = self.phones[i].execute(&command);
                self.phones[i].layer.respond(self.now, from, r).unwrap();
            }
        }
    }

    /// Runs the network and every timer for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            self.flush();
            let mut next = self.queue.peek().map(|Reverse(x)| x.0);
            let timers = self
                .phones
                .iter()
                .filter_map(|p| p.layer.poll_timeout())
                .chain(self.board.poll_timeout());
            for t in timers {
                next = Some(next.map_or(t, |n: Instant| n.min(t)));
            }
            let Some(at) = next.filter(|t| *t <= end) else {
                break;
            };
            self.now = self.now.max(at);
            while self.queue.peek().is_some_and(|Reverse(x)| x.0 <= self.now) {
                let Reverse((_, _, from, to, bytes)) = self.queue.pop().unwrap();
                if to == ca() {
                    self.board.handle_datagram(self.now, from, &bytes);
                } else if let Some(i) = self.phones.iter().position(|p| p.addr == to) {
                    if self.phones[i].dead {
                        continue;
                    }
                    self.phones[i].layer.handle_datagram(self.now, from, &bytes);
                    self.phone_events(i);
                }
            }
            self.board.handle_timeout(self.now);
            for i in 0..self.phones.len() {
                self.phones[i].layer.handle_timeout(self.now);
                self.phone_events(i);
            }
        }
        self.now = end;
        self.flush();
    }

    /// Runs until `done` holds, at most `limit` of virtual time.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Sim) -> bool) {
        let end = self.now + limit;
        while !done(self) {
            assert!(
                self.now < end,
                "not reached within {limit:?}; events:\n{}",
                self.event_lines().join("\n")
            );
            self.run_for(Duration::from_millis(50));
        }
    }

    pub fn event_lines(&self) -> Vec<String> {
        self.events.iter().map(ToString::to_string).collect()
    }

    pub fn saw(&self, line: &str) -> bool {
        self.events.iter().any(|e| e.to_string() == line)
    }

    pub fn start(&mut self) {
        self.board.start(self.now);
        let n = self.phones.len();
        self.run_until(Duration::from_secs(30), |s| {
            (0..n).all(|i| {
                s.saw(&format!(
                    "{}: idle, waiting for off-hook",
                    s.phones[i].number
                ))
            })
        });
    }

    pub fn off_hook(&mut self, i: usize) {
        let now = self.now;
        let p = &mut self.phones[i];
        p.off_hook = true;
        p.signals.clear();
        if p.requests("L", "hd") {
            p.notify(now, "L/hd");
        }
    }

    pub fn on_hook(&mut self, i: usize) {
        let now = self.now;
        let p = &mut self.phones[i];
        p.off_hook = false;
        p.signals.clear();
        if p.requests("L", "hu") {
            p.notify(now, "L/hu");
        }
    }

    pub fn dial(&mut self, i: usize, digits: &str, form: DigitForm) {
        let now = self.now;
        let p = &mut self.phones[i];
        assert!(p
            .requested
            .iter()
            .any(|r| r.name.package.as_deref() == Some("D")));
        assert!(p.digit_map.is_some());
        p.signals.clear(); // dial tone stops at the first digit
        let observed = match form {
            DigitForm::PerDigit => digits
                .chars()
                .map(|c| format!("D/{c}"))
                .collect::<Vec<_>>()
                .join(","),
            DigitForm::Whole => format!("D/{digits}"),
            DigitForm::Bare => digits.to_string(),
        };
        p.notify(now, &observed);
    }

    /// The commands each line executed, with transaction ids: none twice.
    pub fn assert_executed_once(&self) {
        for p in &self.phones {
            let mut ids: Vec<u32> = p.executed.iter().map(|e| e.transaction).collect();
            ids.sort_unstable();
            let n = ids.len();
            ids.dedup();
            assert_eq!(
                ids.len(),
                n,
                "{}: a command executed twice: {:?}",
                p.number,
                p.executed
            );
        }
    }
}
