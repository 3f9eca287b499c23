//! The transaction layer under virtual time on a simulated network that
//! loses, duplicates, delays and reorders datagrams: a call agent and a
//! gateway send each other commands (some slow to execute, so provisional
//! responses and acknowledgements come into play).
//!
//! Checked: every command is executed exactly once and answered with its
//! own response; retransmissions follow RFC 3435 §3.5.3 (200 ms doubling
//! to 4 s, then the slower prodding after a provisional response).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_mgcp::message::*;
use openphone_mgcp::transaction::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const AGENT: usize = 0;
const GW: usize = 1;

fn addr(node: usize) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], [2727, 2427][node]))
}

fn node_of(a: SocketAddr) -> usize {
    if a == addr(AGENT) {
        AGENT
    } else {
        GW
    }
}

/// A datagram in flight: delivery time, sequence (ties), from, to, bytes.
type InFlight = Reverse<(Instant, u64, usize, usize, Vec<u8>)>;

struct Net {
    loss: f64,
    duplicate: f64,
    queue: BinaryHeap<InFlight>,
    seq: u64,
}

impl Net {
    fn send(&mut self, rng: &mut StdRng, now: Instant, from: usize, to: usize, bytes: Vec<u8>) {
        let copies = if rng.gen_bool(self.duplicate) { 2 } else { 1 };
        for _ in 0..copies {
            if rng.gen_bool(self.loss) {
                continue;
            }
            let delay = Duration::from_millis(rng.gen_range(1..60));
            self.seq += 1;
            self.queue
                .push(Reverse((now + delay, self.seq, from, to, bytes.clone())));
        }
    }
}

#[derive(Default)]
struct Stats {
    /// Executions per (executing node, marker).
    executed: HashMap<(usize, String), u32>,
    /// Final responses received per (sending node, marker).
    answered: HashMap<(usize, String), ReturnCode>,
    timeouts: u32,
    provisionals: u32,
    /// Send times of each command of the agent, by transaction id.
    agent_sends: HashMap<TransactionId, Vec<Instant>>,
    /// When the agent first heard a provisional response, by transaction id.
    agent_provisional: HashMap<TransactionId, Instant>,
}

fn marker(c: &Command) -> String {
    c.parameters
        .request_id()
        .map(|x| x.as_str().to_string())
        .unwrap_or_default()
}

/// Runs `commands` commands each way; returns the statistics.
fn simulate(seed: u64, loss: f64, duplicate: f64, commands: usize) -> Stats {
    let mut rng = StdRng::seed_from_u64(seed);
    let t0 = Instant::now();
    let mut nodes = [
        TransactionLayer::new(
            TransactionConfig::default(),
            TransactionId::new(1000).unwrap(),
        ),
        TransactionLayer::new(
            TransactionConfig::default(),
            TransactionId::new(5000).unwrap(),
        ),
    ];
    let mut net = Net {
        loss,
        duplicate,
        queue: BinaryHeap::new(),
        seq: 0,
    };
    let mut stats = Stats::default();
    // (when, node, peer, transaction id): answers the application will give.
    let mut pending_answers: Vec<(Instant, usize, SocketAddr, TransactionId)> = Vec::new();
    // (when, node, marker): commands the applications will send.
    let mut to_send: Vec<(Instant, usize, u32)> = (0..commands as u32)
        .flat_map(|i| {
            let at = t0 + Duration::from_millis(u64::from(i) * 37);
            [
                (at, AGENT, i),
                (at + Duration::from_millis(11), GW, 100_000 + i),
            ]
        })
        .collect();
    let mut now = t0;
    for _step in 0..2_000_000 {
        // Everything due now.
        to_send.retain(|&(at, node, m)| {
            if at > now {
                return true;
            }
            let verb = if node == AGENT {
                Verb::NotificationRequest
            } else {
                Verb::Notify
            };
            let c = Command::new(verb, TransactionId::FIRST, "aaln/1@gw".parse().unwrap()).with(
                Parameter::RequestId(RequestId::new(format!("{m:X}")).unwrap()),
            );
            nodes[node]
                .send_command(now, addr(1 - node), c)
                .expect("room for the command");
            false
        });
        pending_answers.retain(|&(at, node, peer, id)| {
            if at > now {
                return true;
            }
            nodes[node]
                .respond(now, peer, Response::new(ReturnCode::OK, id))
                .expect("answer an executing command");
            false
        });
        while let Some(Reverse((at, _, from, to, _))) = net.queue.peek() {
            if *at > now {
                break;
            }
            let (from, to) = (*from, *to);
            let Some(Reverse((_, _, _, _, bytes))) = net.queue.pop() else {
                break;
            };
            nodes[to].handle_datagram(now, addr(from), &bytes);
        }
        for (n, node) in nodes.iter_mut().enumerate() {
            if node.poll_timeout().is_some_and(|t| t <= now) {
                node.handle_timeout(now);
            }
            while let Some(t) = node.poll_transmit() {
                if n == AGENT {
                    if let Ok(Message::Command(c)) = Message::parse(&t.bytes) {
                        stats
                            .agent_sends
                            .entry(c.transaction_id)
                            .or_default()
                            .push(now);
                    }
                }
                net.send(&mut rng, now, n, node_of(t.to), t.bytes);
            }
            while let Some(e) = node.poll_event() {
                match e {
                    TransactionEvent::Command { from, command } => {
                        *stats.executed.entry((n, marker(&command))).or_default() += 1;
                        // One command in five takes 1.5 to 3 s to execute.
                        let work = if rng.gen_bool(0.2) {
                            rng.gen_range(1500..3000)
                        } else {
                            rng.gen_range(0..30)
                        };
                        pending_answers.push((
                            now + Duration::from_millis(work),
                            n,
                            from,
                            command.transaction_id,
                        ));
                    }
                    TransactionEvent::Response {
                        command, response, ..
                    } => {
                        assert_eq!(response.transaction_id, command.transaction_id);
                        let prev = stats.answered.insert((n, marker(&command)), response.code);
                        assert!(prev.is_none(), "two final responses for one command");
                    }
                    TransactionEvent::Provisional { transaction_id, .. } => {
                        stats.provisionals += 1;
                        if n == AGENT {
                            stats.agent_provisional.entry(transaction_id).or_insert(now);
                        }
                    }
                    TransactionEvent::Timeout { .. } => stats.timeouts += 1,
                    TransactionEvent::Malformed { error, .. } => panic!("{error}"),
                    other => panic!("{other:?}"),
                }
            }
        }
        // Advance virtual time to the next thing that happens.
        let next = [
            net.queue.peek().map(|Reverse((at, ..))| *at),
            nodes[0].poll_timeout(),
            nodes[1].poll_timeout(),
            to_send.iter().map(|(at, ..)| *at).min(),
            pending_answers.iter().map(|(at, ..)| *at).min(),
        ]
        .into_iter()
        .flatten()
        .min();
        match next {
            Some(t) => now = t.max(now),
            None => return stats,
        }
    }
    panic!("simulation did not settle");
}

#[test]
fn every_command_runs_exactly_once_under_loss_and_duplication() {
    for seed in 0..8 {
        let n = 150;
        let s = simulate(seed, 0.15, 0.2, n);
        assert_eq!(
            s.executed.len(),
            2 * n,
            "seed {seed}: every command executed"
        );
        for (k, count) in &s.executed {
            assert_eq!(*count, 1, "seed {seed}: {k:?} executed {count} times");
        }
        assert_eq!(s.timeouts, 0, "seed {seed}");
        assert_eq!(
            s.answered.len(),
            2 * n,
            "seed {seed}: every command answered"
        );
        assert!(s.answered.values().all(|c| *c == ReturnCode::OK));
        assert!(s.provisionals > 0, "seed {seed}: slow commands got 100");
    }
}

#[test]
fn retransmissions_follow_the_rfc_schedule() {
    let s = simulate(42, 0.3, 0.1, 100);
    let schedule_ms = [0u128, 200, 600, 1400, 3000, 6200, 10200, 14200];
    let mut retransmitted = 0;
    for (id, sends) in &s.agent_sends {
        let first = sends[0];
        let provisional = s.agent_provisional.get(id).copied();
        let mut last = first;
        for (k, at) in sends.iter().enumerate() {
            match provisional {
                Some(p) if *at > p => {
                    assert!(
                        *at - last >= Duration::from_secs(5),
                        "{id}: prodding every 5 s after a provisional response"
                    );
                }
                _ => assert_eq!(
                    (*at - first).as_millis(),
                    schedule_ms[k],
                    "{id}: send {k} off the back-off schedule"
                ),
            }
            last = *at;
        }
        retransmitted += usize::from(sends.len() > 1);
    }
    assert!(retransmitted > 10, "loss made the agent retransmit");
}

#[test]
fn a_dead_peer_means_timeouts_after_the_last_retransmission() {
    let s = simulate(7, 1.0, 0.0, 5);
    assert_eq!(s.timeouts, 10);
    assert!(s.executed.is_empty());
    for sends in s.agent_sends.values() {
        assert_eq!(sends.len(), 8);
    }
}
