//! Two sans-IO endpoints and a call agent over a simulated network that
//! loses and duplicates datagrams, in virtual time: a whole call from
//! off-hook to on-hook, and every command is executed exactly once
//! (counted at the media port and in the events).

mod endpoint_common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use endpoint_common::{Seen, Switch, SwitchLine};
use openphone_mgcp::endpoint::{Endpoint, EndpointConfig};
use openphone_mgcp::message::EndpointName;
use openphone_sal::{
    AccountConfig, AccountId, CallId, CodecDescriptor, MediaDescription, MediaError, MediaStats,
    NegotiatedMedia, StackCommand, StackEvent, StackMedia, StreamDescription,
};

/// A media port that counts what the stack asks of it.
#[derive(Default)]
struct CountingMedia {
    next_port: Mutex<u16>,
    reserved: Mutex<HashMap<CallId, MediaDescription>>,
    reserves: Mutex<HashMap<CallId, usize>>,
    applies: Mutex<Vec<(CallId, NegotiatedMedia)>>,
    releases: Mutex<Vec<CallId>>,
}

impl StackMedia for CountingMedia {
    fn reserve(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        *self.reserves.lock().unwrap().entry(call).or_default() += 1;
        let mut r = self.reserved.lock().unwrap();
        if let Some(d) = r.get(&call) {
            return Ok(d.clone());
        }
        let mut p = self.next_port.lock().unwrap();
        *p += 2;
        let addr: SocketAddr = format!("127.0.0.1:{}", 40000 + *p).parse().unwrap();
        let d = MediaDescription::from(
            StreamDescription::audio(addr)
                .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
                .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-15")),
        );
        r.insert(call, d.clone());
        Ok(d)
    }
    fn local_description(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        self.reserved
            .lock()
            .unwrap()
            .get(&call)
            .cloned()
            .ok_or(MediaError::UnknownCall)
    }
    fn apply(&self, call: CallId, media: &NegotiatedMedia) -> Result<(), MediaError> {
        if !self.reserved.lock().unwrap().contains_key(&call) {
            return Err(MediaError::UnknownCall);
        }
        self.applies.lock().unwrap().push((call, media.clone()));
        Ok(())
    }
    fn stats(&self, call: CallId) -> Option<MediaStats> {
        self.reserved.lock().unwrap().get(&call).map(|_| {
            let mut s = MediaStats::default();
            s.packets_sent = 250;
            s.packets_received = 249;
            s.bytes_sent = 40000;
            s.bytes_received = 39840;
            s
        })
    }
    fn release(&self, call: CallId) -> Option<MediaStats> {
        let s = self.stats(call);
        if self.reserved.lock().unwrap().remove(&call).is_some() {
            self.releases.lock().unwrap().push(call);
        }
        s
    }
}

/// A datagram in flight.
struct Flight {
    at: Instant,
    from: SocketAddr,
    to: SocketAddr,
    bytes: Vec<u8>,
}

/// A deterministic lossy network: each datagram is lost with
/// probability `loss`, duplicated with `dup`, delayed 1–20 ms.
struct Net {
    seed: u64,
    loss: u64,
    dup: u64,
    flights: Vec<Flight>,
    sent: usize,
    lost: usize,
    duplicated: usize,
}

impl Net {
    fn rand(&mut self) -> u64 {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.seed >> 33) % 100
    }
    fn send(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        self.sent += 1;
        if self.rand() < self.loss {
            self.lost += 1;
            return;
        }
        let copies = if self.rand() < self.dup { 2 } else { 1 };
        if copies == 2 {
            self.duplicated += 1;
        }
        for _ in 0..copies {
            let delay = Duration::from_millis(1 + self.rand() % 20);
            self.flights.push(Flight {
                at: now + delay,
                from,
                to,
                bytes: bytes.clone(),
            });
        }
    }
}

struct Phone {
    addr: SocketAddr,
    core: Endpoint,
    account: AccountId,
    events: Vec<StackEvent>,
}

fn run_call(seed: u64, loss: u64, dup: u64) {
    let t0 = Instant::now();
    let agent_addr: SocketAddr = "127.0.0.1:2727".parse().unwrap();
    let names: Vec<EndpointName> = ["aaln/1@[127.0.0.1]", "aaln/2@[127.0.0.1]"]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    let media = Arc::new(CountingMedia::default());
    let mut phones: Vec<Phone> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut config = EndpointConfig::new(vec![n.clone()], agent_addr);
            config.seed = seed + i as u64;
            config.transactions.initial_rto = Duration::from_millis(100);
            let mut core = Endpoint::new(config, media.clone(), t0).unwrap();
            let account = AccountId::next();
            core.handle_command(
                t0,
                StackCommand::AddAccount {
                    account,
                    config: AccountConfig::new(format!("mgcp:{n}").parse().unwrap()),
                },
            );
            Phone {
                addr: format!("127.0.0.1:{}", 2427 + i).parse().unwrap(),
                core,
                account,
                events: Vec::new(),
            }
        })
        .collect();
    let mut switch = Switch::new(vec![
        SwitchLine {
            number: "1001".into(),
            endpoint: names[0].clone(),
        },
        SwitchLine {
            number: "1002".into(),
            endpoint: names[1].clone(),
        },
    ]);
    let mut net = Net {
        seed,
        loss,
        dup,
        flights: Vec::new(),
        sent: 0,
        lost: 0,
        duplicated: 0,
    };
    let caller_call = CallId::next();
    let mut now = t0;
    let mut dialled = false;
    let mut connected_at: Option<Instant> = None;
    let mut hung_up = false;
    let mut callee_on_hook = false;
    let mut done = false;
    for _ in 0..200_000 {
        // Deliver what is due.
        let (due, later): (Vec<Flight>, Vec<Flight>) =
            net.flights.drain(..).partition(|f| f.at <= now);
        net.flights = later;
        for f in due {
            if f.to == agent_addr {
                switch.handle_datagram(now, f.from, &f.bytes);
            } else if let Some(p) = phones.iter_mut().find(|p| p.addr == f.to) {
                p.core.handle_datagram(now, f.from, &f.bytes);
            }
        }
        switch.handle_timeout(now);
        for p in &mut phones {
            p.core.handle_timeout(now);
        }
        // The users.
        let registered = phones.iter().all(|p| {
            p.events
                .iter()
                .any(|e| matches!(e, StackEvent::Registration { .. }))
        });
        let watching = switch
            .seen
            .iter()
            .filter(|s| matches!(s, Seen::Restart(_)))
            .count()
            == 2;
        if registered && watching && !dialled && now >= t0 + Duration::from_secs(1) {
            dialled = true;
            let offer = media.reserve(caller_call).unwrap();
            let account = Some(phones[0].account);
            phones[0].core.handle_command(
                now,
                StackCommand::Dial {
                    call: caller_call,
                    account,
                    to: "mgcp:1002".parse().unwrap(),
                    offer,
                },
            );
        }
        let both_connected = phones.iter().all(|p| {
            p.events
                .iter()
                .any(|e| matches!(e, StackEvent::Connected { .. }))
        });
        // The users talk a while (and the agent's requests arrive) before
        // hanging up.
        if both_connected && connected_at.is_none() {
            connected_at = Some(now);
        }
        if connected_at.is_some_and(|t| now >= t + Duration::from_secs(2)) && !hung_up {
            hung_up = true;
            phones[0]
                .core
                .handle_command(now, StackCommand::Hangup { call: caller_call });
        }
        let callee_ended = phones[1]
            .events
            .iter()
            .any(|e| matches!(e, StackEvent::CallEnded { .. }));
        if callee_ended && !callee_on_hook {
            callee_on_hook = true;
            let account = phones[1].account;
            phones[1].core.handle_command(
                now,
                StackCommand::LineEvent {
                    account,
                    event: openphone_sal::LineEvent::Hook(openphone_sal::HookState::OnHook),
                },
            );
        }
        // Transmit and collect.
        while let Some(t) = switch.agent.poll_transmit() {
            net.send(now, agent_addr, t.to, t.bytes);
        }
        for p in &mut phones {
            while let Some(t) = p.core.poll_transmit() {
                net.send(now, p.addr, t.to, t.bytes);
            }
            while let Some(e) = p.core.poll_event() {
                if let StackEvent::IncomingCall { call, .. } = &e {
                    // The phone reserves media for an incoming call, then
                    // the user answers.
                    media.reserve(*call).unwrap();
                    let call = *call;
                    p.events.push(e);
                    p.core.handle_command(
                        now,
                        StackCommand::Answer {
                            call,
                            media: media.local_description(call).unwrap(),
                        },
                    );
                    continue;
                }
                p.events.push(e);
            }
        }
        let deleted = switch
            .seen
            .iter()
            .filter(|s| matches!(s, Seen::Deleted(..)))
            .count();
        let quiet = net.flights.is_empty()
            && phones.iter().all(|p| p.core.outstanding() == 0)
            && switch.agent.poll_timeout().is_none();
        if callee_on_hook && deleted == 2 && quiet {
            done = true;
            break;
        }
        // Advance virtual time to the next thing that happens.
        let mut next = now + Duration::from_millis(50);
        for t in net
            .flights
            .iter()
            .map(|f| f.at)
            .chain(switch.agent.poll_timeout())
            .chain(phones.iter().filter_map(|p| p.core.poll_timeout()))
        {
            next = next.min(t);
        }
        now = next.max(now + Duration::from_millis(1));
        assert!(
            now < t0 + Duration::from_secs(300),
            "the call took too long"
        );
    }
    assert!(done, "call did not finish; switch saw {:?}", switch.seen);
    eprintln!(
        "seed {seed}: {} datagrams, {} lost, {} duplicated; switch saw {:?}",
        net.sent, net.lost, net.duplicated, switch.seen
    );
    assert!(
        !switch.seen.iter().any(|s| matches!(s, Seen::Failed(_))),
        "a command failed: {:?}",
        switch.seen
    );

    // Exactly once, whatever the network did.
    let count =
        |p: &Phone, f: &dyn Fn(&StackEvent) -> bool| p.events.iter().filter(|e| f(e)).count();
    assert_eq!(
        count(&phones[1], &|e| matches!(
            e,
            StackEvent::IncomingCall { .. }
        )),
        1
    );
    for p in &phones {
        assert_eq!(count(p, &|e| matches!(e, StackEvent::Connected { .. })), 1);
        assert_eq!(count(p, &|e| matches!(e, StackEvent::CallEnded { .. })), 1);
    }
    assert_eq!(
        count(&phones[0], &|e| matches!(e, StackEvent::Ringing { .. })),
        1
    );
    let incoming = phones[1]
        .events
        .iter()
        .find_map(|e| match e {
            StackEvent::IncomingCall { call, from, .. } => Some((*call, from.uri().to_string())),
            _ => None,
        })
        .unwrap();
    assert_eq!(incoming.1, "mgcp:1001", "caller-ID from L/ci");
    // One apply per executed CRCX/MDCX carrying media, plus one per hook
    // change while a connection exists (an on-hook line sends nothing):
    // the caller's MDCX and its on-hook; the callee's CRCX (with the
    // caller's SDP, applied without sending while it rings), its off-hook
    // and its MDCX.
    let applies = media.applies.lock().unwrap();
    assert_eq!(applies.iter().filter(|(c, _)| *c == caller_call).count(), 2);
    assert_eq!(applies.iter().filter(|(c, _)| *c == incoming.0).count(), 3);
    let nth = |c: CallId, n: usize| {
        applies
            .iter()
            .filter(|(x, _)| *x == c)
            .nth(n)
            .and_then(|(_, m)| m.audio().map(|a| (a.direction, a.send.clone())))
            .unwrap()
    };
    assert_eq!(
        nth(incoming.0, 0).0,
        openphone_sal::MediaDirection::RecvOnly,
        "the callee sends nothing while it rings"
    );
    let last = |c: CallId| {
        applies
            .iter()
            .rev()
            .find(|(x, _)| *x == c)
            .and_then(|(_, m)| m.audio().map(|a| (a.direction, a.send.clone())))
            .unwrap()
    };
    // The last apply while both were off-hook in the call: sendrecv PCMU.
    let (dir, send) = nth(caller_call, 0);
    assert_eq!(dir, openphone_sal::MediaDirection::SendRecv);
    assert_eq!(send.unwrap().codec.encoding, "PCMU");
    assert_eq!(last(caller_call).0, openphone_sal::MediaDirection::RecvOnly);
    let (dir, send) = last(incoming.0);
    assert_eq!(dir, openphone_sal::MediaDirection::SendRecv);
    assert_eq!(send.unwrap().codec.encoding, "PCMU");
    // The switch's view: each step once, in order per line.
    let seen_once = |s: Seen| switch.seen.iter().filter(|x| **x == s).count();
    assert_eq!(seen_once(Seen::Restart(0)), 1);
    assert_eq!(seen_once(Seen::Restart(1)), 1);
    assert_eq!(seen_once(Seen::Digits(0, "1002".into())), 1);
    assert_eq!(seen_once(Seen::OffHook(0)), 1);
    assert_eq!(seen_once(Seen::OffHook(1)), 1);
    assert_eq!(seen_once(Seen::Created(0)), 1);
    assert_eq!(seen_once(Seen::Created(1)), 1);
    assert_eq!(seen_once(Seen::OnHook(0)), 1);
    assert_eq!(seen_once(Seen::OnHook(1)), 1);
    for s in &switch.seen {
        if let Seen::Deleted(_, stats) = s {
            let stats = stats.as_ref().expect("P: on DLCX");
            assert_eq!(stats.packets_sent(), Some(250));
            assert_eq!(stats.packets_received(), Some(249));
        }
    }
    // The line signals the callee saw: ringing with caller-ID, stopped by
    // the off-hook.
    let signals: Vec<String> = phones[1]
        .events
        .iter()
        .filter_map(|e| match e {
            StackEvent::LineSignal { signal, .. } => Some(signal.to_string()),
            _ => None,
        })
        .collect();
    assert!(
        signals[0].starts_with("ring (US") && signals[0].contains("caller-ID 1001"),
        "{signals:?}"
    );
    assert!(signals.contains(&"stop ringing".to_string()), "{signals:?}");
    let caller_signals: Vec<String> = phones[0]
        .events
        .iter()
        .filter_map(|e| match e {
            StackEvent::LineSignal { signal, .. } => Some(signal.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(caller_signals[0], "play dial tone", "{caller_signals:?}");
    assert!(
        caller_signals.contains(&"play ringback tone".to_string()),
        "{caller_signals:?}"
    );
    // Every reservation released once the connections are gone.
    assert!(media.reserved.lock().unwrap().is_empty());
}

#[test]
fn a_call_on_a_clean_network() {
    run_call(1, 0, 0);
}

#[test]
fn a_call_with_loss_and_duplicates_executes_every_command_once() {
    for seed in 1..=12 {
        run_call(seed, 20, 25);
    }
}
