//! The endpoint core against hand-written call-agent commands: error
//! codes, digit maps, embedded requests, quarantine, ringing, connections
//! and audits.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openphone_sal::line::{HookState, LineEvent, LineSignal, Tone};
use openphone_sal::{
    AccountConfig, AccountId, CallId, CodecDescriptor, MediaDescription, MediaError, MediaLoop,
    MediaStats, NegotiatedMedia, StackCommand, StackEvent, StackMedia, StreamDescription,
};

use super::*;
use crate::message::{Message, ReturnCode};

mod loops;

#[derive(Default)]
struct TestMedia {
    reserved: Mutex<HashMap<CallId, MediaDescription>>,
    reserves: Mutex<usize>,
    applied: Mutex<Vec<NegotiatedMedia>>,
    /// Loops set, in order.
    loops: Mutex<Vec<MediaLoop>>,
    /// Refuse loops, like a port without them.
    no_loops: std::sync::atomic::AtomicBool,
}

impl StackMedia for TestMedia {
    fn reserve(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        *self.reserves.lock().unwrap() += 1;
        let d = MediaDescription::from(
            StreamDescription::audio("127.0.0.1:40000".parse().unwrap())
                .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
                .with_codec(CodecDescriptor::new(8, "PCMA", 8000)),
        );
        Ok(self
            .reserved
            .lock()
            .unwrap()
            .entry(call)
            .or_insert(d)
            .clone())
    }
    fn local_description(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        self.reserved
            .lock()
            .unwrap()
            .get(&call)
            .cloned()
            .ok_or(MediaError::UnknownCall)
    }
    fn apply(&self, _call: CallId, media: &NegotiatedMedia) -> Result<(), MediaError> {
        self.applied.lock().unwrap().push(media.clone());
        Ok(())
    }
    fn stats(&self, call: CallId) -> Option<MediaStats> {
        self.reserved.lock().unwrap().get(&call).map(|_| {
            let mut s = MediaStats::default();
            s.packets_sent = 7;
            s.packets_received = 6;
            s
        })
    }
    fn set_loop(&self, _call: CallId, mode: MediaLoop) -> Result<(), MediaError> {
        if self.no_loops.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(MediaError::Unsupported("media loops"));
        }
        self.loops.lock().unwrap().push(mode);
        Ok(())
    }
    fn release(&self, call: CallId) -> Option<MediaStats> {
        let s = self.stats(call);
        self.reserved.lock().unwrap().remove(&call);
        s
    }
}

const EP: &str = "aaln/1@[127.0.0.1]";

struct H {
    ep: Endpoint,
    media: Arc<TestMedia>,
    now: Instant,
    agent: SocketAddr,
    tid: u32,
    notifies: Vec<Command>,
    account: AccountId,
}

impl H {
    fn new() -> H {
        let now = Instant::now();
        let agent: SocketAddr = "127.0.0.1:2727".parse().unwrap();
        let media = Arc::new(TestMedia::default());
        let config = EndpointConfig::new(
            vec![EP.parse().unwrap(), "aaln/2@[127.0.0.1]".parse().unwrap()],
            agent,
        );
        let mut ep = Endpoint::new(config, media.clone(), now).unwrap();
        ep.handle_timeout(now);
        let mut rsips = Vec::new();
        while let Some(t) = ep.poll_transmit() {
            assert_eq!(t.to, agent);
            let Ok(Message::Command(c)) = Message::parse(&t.bytes) else {
                panic!()
            };
            assert_eq!(c.verb, Verb::RestartInProgress);
            assert_eq!(c.parameters.restart_method(), Some(&RestartMethod::Restart));
            rsips.push(c);
        }
        assert_eq!(rsips.len(), 2, "one RSIP per line");
        for c in rsips {
            let ok = format!("200 {} OK\r\n", c.transaction_id);
            ep.handle_datagram(now, agent, ok.as_bytes());
        }
        let account = AccountId::next();
        ep.handle_command(
            now,
            StackCommand::AddAccount {
                account,
                config: AccountConfig::new(format!("mgcp:{EP}").parse().unwrap()),
            },
        );
        let mut h = H {
            ep,
            media,
            now,
            agent,
            tid: 1000,
            notifies: Vec::new(),
            account,
        };
        assert!(matches!(
            h.events().as_slice(),
            [StackEvent::Registration { .. }]
        ));
        h
    }

    /// Sends a command (`params`: parameter lines, each ending in CRLF,
    /// then an optional SDP) and returns the response.
    fn cmd(&mut self, verb: &str, endpoint: &str, params: &str) -> Response {
        self.tid += 1;
        let text = format!("{verb} {} {endpoint} MGCP 1.0\r\n{params}", self.tid);
        self.raw(text.as_bytes())
    }

    fn raw(&mut self, bytes: &[u8]) -> Response {
        self.ep.handle_datagram(self.now, self.agent, bytes);
        self.collect().expect("a response")
    }

    /// Takes what the endpoint sent: NTFYs are kept (and answered), the
    /// response returned.
    fn collect(&mut self) -> Option<Response> {
        let mut response = None;
        while let Some(t) = self.ep.poll_transmit() {
            match Message::parse(&t.bytes).unwrap() {
                Message::Response(r) => response = Some(r),
                Message::Command(c) => {
                    assert_eq!(c.verb, Verb::Notify);
                    let ok = format!("200 {} OK\r\n", c.transaction_id);
                    self.notifies.push(c);
                    self.ep.handle_datagram(self.now, self.agent, ok.as_bytes());
                }
            }
        }
        response
    }

    fn code(&mut self, verb: &str, endpoint: &str, params: &str) -> ReturnCode {
        self.cmd(verb, endpoint, params).code
    }

    fn phone(&mut self, c: StackCommand) {
        self.ep.handle_command(self.now, c);
        self.collect();
    }

    fn line(&mut self, e: LineEvent) {
        let account = self.account;
        self.phone(StackCommand::LineEvent { account, event: e });
    }

    fn advance(&mut self, d: Duration) {
        self.now += d;
        self.ep.handle_timeout(self.now);
        self.collect();
    }

    fn events(&mut self) -> Vec<StackEvent> {
        std::iter::from_fn(|| self.ep.poll_event()).collect()
    }

    fn signals(&mut self) -> Vec<LineSignal> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                StackEvent::LineSignal { signal, .. } => Some(signal),
                _ => None,
            })
            .collect()
    }

    /// The observed events of the last NTFY, and its request id.
    fn last_ntfy(&mut self) -> (String, String) {
        let c = self.notifies.pop().expect("a NTFY");
        assert!(self.notifies.is_empty(), "one NTFY at a time");
        (
            Parameter::ObservedEvents(c.parameters.observed_events().cloned().unwrap_or_default())
                .to_string(),
            c.parameters
                .request_id()
                .map(|x| x.to_string())
                .unwrap_or_default(),
        )
    }
}

const OFFER: &str = "\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";

#[test]
fn malformed_and_unsupported_commands_get_their_codes() {
    let mut h = H::new();
    let cases: &[(&str, &str, &str, ReturnCode)] = &[
        (
            "RQNT",
            "aaln/9@[127.0.0.1]",
            "X: 1\r\n",
            ReturnCode::ENDPOINT_UNKNOWN,
        ),
        ("RQNT", EP, "R: L/hd(N)\r\n", ReturnCode::PROTOCOL_ERROR),
        (
            "RQNT",
            "aaln/*@[127.0.0.1]",
            "X: 1\r\n",
            ReturnCode::WILDCARD_TOO_COMPLICATED,
        ),
        (
            "RQNT",
            EP,
            "X: 1\r\nR: L/zz(N)\r\n",
            ReturnCode::NO_SUCH_EVENT_OR_SIGNAL,
        ),
        (
            "RQNT",
            EP,
            "X: 1\r\nR: Q/zz(N)\r\n",
            ReturnCode::UNSUPPORTED_PACKAGE,
        ),
        (
            "RQNT",
            EP,
            "X: 1\r\nS: L/zz\r\n",
            ReturnCode::NO_SUCH_EVENT_OR_SIGNAL,
        ),
        (
            "RQNT",
            EP,
            "X: 1\r\nR: D/[0-9](D)\r\n",
            ReturnCode::NO_DIGIT_MAP,
        ),
        (
            "RQNT",
            EP,
            "X: 1\r\nR: L/hu(N)\r\n",
            ReturnCode::ALREADY_ON_HOOK,
        ),
        (
            "RQNT",
            EP,
            "X: 1\r\nX+acme: 1\r\n",
            ReturnCode::UNRECOGNIZED_EXTENSION,
        ),
        (
            "RQNT",
            EP,
            "X: 1\r\nY: 1\r\n",
            ReturnCode::INVALID_PARAMETER,
        ),
        ("CRCX", EP, "M: recvonly\r\n", ReturnCode::PROTOCOL_ERROR),
        ("CRCX", EP, "C: 1\r\n", ReturnCode::PROTOCOL_ERROR),
        (
            "CRCX",
            EP,
            "C: 1\r\nM: x/echo\r\n",
            ReturnCode::UNSUPPORTED_MODE,
        ),
        (
            "CRCX",
            EP,
            "C: 1\r\nM: sendrecv\r\nZ2: aaln/2@[127.0.0.1]\r\n",
            ReturnCode::UNSUPPORTED_FUNCTIONALITY,
        ),
        (
            "CRCX",
            "aaln/*@[127.0.0.1]",
            "C: 1\r\nM: sendrecv\r\n",
            ReturnCode::WILDCARD_TOO_COMPLICATED,
        ),
        (
            "MDCX",
            EP,
            "C: 1\r\nI: 99\r\n",
            ReturnCode::INCORRECT_CONNECTION_ID,
        ),
        ("MDCX", EP, "C: 1\r\n", ReturnCode::PROTOCOL_ERROR),
        (
            "DLCX",
            EP,
            "C: 1\r\nI: 99\r\n",
            ReturnCode::INCORRECT_CONNECTION_ID,
        ),
        ("DLCX", EP, "C: 77\r\n", ReturnCode::UNKNOWN_CALL_ID),
        (
            "AUCX",
            EP,
            "I: 99\r\nF: M\r\n",
            ReturnCode::INCORRECT_CONNECTION_ID,
        ),
        ("AUEP", EP, "F: ZZ\r\n", ReturnCode::INVALID_PARAMETER),
        ("EPCF", EP, "B: e:xx\r\n", ReturnCode::INVALID_PARAMETER),
        ("EPCF", EP, "", ReturnCode::PROTOCOL_ERROR),
        ("NTFY", EP, "X: 1\r\n", ReturnCode::UNKNOWN_COMMAND),
        ("RSIP", EP, "RM: restart\r\n", ReturnCode::UNKNOWN_COMMAND),
    ];
    for (verb, ep, params, code) in cases {
        assert_eq!(h.code(verb, ep, params), *code, "{verb} {ep} {params:?}");
    }
    let no_codec = OFFER.replace("RTP/AVP 0", "RTP/AVP 18");
    assert_eq!(
        h.code("CRCX", EP, &format!("C: 1\r\nM: sendrecv\r\n{no_codec}")),
        ReturnCode::CODEC_NEGOTIATION_FAILURE
    );
    assert_eq!(
        h.code("CRCX", EP, "C: 1\r\nM: sendrecv\r\nL: a:G729\r\n"),
        ReturnCode::CODEC_NEGOTIATION_FAILURE
    );
    assert_eq!(h.code("EPCF", EP, "B: e:mu\r\n"), ReturnCode::OK);
    assert_eq!(
        h.code("CRCX", EP, "C: 1\r\nM: sendrecv\r\nL: p:500\r\n"),
        ReturnCode::UNSUPPORTED_PACKETIZATION
    );
    // A malformed message is answered by the transaction layer.
    let r = h.raw(b"RQNT 77 aaln/1@[127.0.0.1] MGCP 1.0\r\nR: L/hd(\r\n");
    assert!(r.code.is_permanent_error(), "{r}");
    // Nothing reached the phone, and nothing was reserved by refusals.
    assert!(h.events().is_empty());
    assert!(h.media.reserved.lock().unwrap().is_empty());
    // A huge signal time-out does not overflow the clock.
    assert_eq!(
        h.code("RQNT", EP, "X: 1\r\nS: L/dl(to=999999999)\r\n"),
        ReturnCode::OK
    );
    assert_eq!(h.code("RQNT", EP, "X: 1\r\nS:\r\n"), ReturnCode::OK);
    assert_eq!(
        h.signals(),
        [LineSignal::Tone(Tone::Dial), LineSignal::StopTone]
    );
    // Off-hook: hd and ringing are now refused with 401.
    assert_eq!(h.code("RQNT", EP, "X: 2\r\nR: L/hd(N)\r\n"), ReturnCode::OK);
    h.line(LineEvent::Hook(HookState::OffHook));
    assert_eq!(
        h.code("RQNT", EP, "X: 3\r\nR: L/hd(N)\r\n"),
        ReturnCode::ALREADY_OFF_HOOK
    );
    assert_eq!(
        h.code("RQNT", EP, "X: 3\r\nS: L/rg\r\n"),
        ReturnCode::ALREADY_OFF_HOOK
    );
}

#[test]
fn off_hook_dial_tone_and_digits_by_the_digit_map() {
    let mut h = H::new();
    assert_eq!(
        h.code("RQNT", EP, "X: 10\r\nR: L/hd(N)\r\n"),
        ReturnCode::OK
    );
    h.line(LineEvent::Hook(HookState::OffHook));
    assert_eq!(h.last_ntfy(), ("O: L/hd".into(), "10".into()));
    let r = h.cmd(
        "RQNT",
        EP,
        "X: 11\r\nR: L/hu(N),D/[0-9#*T](D)\r\nS: L/dl\r\nD: (xxxx|0T)\r\n",
    );
    assert_eq!(r.code, ReturnCode::OK);
    assert_eq!(h.signals(), [LineSignal::Tone(Tone::Dial)]);
    h.line(LineEvent::Digit('1'));
    assert_eq!(
        h.signals(),
        [LineSignal::StopTone],
        "the first digit stops dial tone"
    );
    for d in ['0', '0'] {
        h.line(LineEvent::Digit(d));
    }
    assert!(h.notifies.is_empty());
    h.line(LineEvent::Digit('2'));
    assert_eq!(h.last_ntfy(), ("O: D/1,D/0,D/0,D/2".into(), "11".into()));
    // Step mode: a digit now waits for the next request.
    h.line(LineEvent::Digit('0'));
    assert!(h.notifies.is_empty());
    assert_eq!(
        h.code(
            "RQNT",
            EP,
            "X: 12\r\nR: L/hu(N),D/[0-9#*T](D)\r\nQ: discard\r\n"
        ),
        ReturnCode::OK
    );
    assert!(h.notifies.is_empty(), "discarded");
    // "0T": a timer expiry completes the match.
    h.line(LineEvent::Digit('0'));
    h.advance(Duration::from_secs(3));
    assert!(h.notifies.is_empty());
    h.advance(Duration::from_secs(2));
    assert_eq!(h.last_ntfy(), ("O: D/0,D/T".into(), "12".into()));
}

#[test]
fn embedded_request_and_quarantine() {
    let mut h = H::new();
    let r = h.cmd(
        "RQNT",
        EP,
        "X: 20\r\nR: L/hd(A,E(S(L/dl),R(D/[0-9](D),L/hu(N)))),L/hf(N)\r\nD: (xx)\r\n",
    );
    assert_eq!(r.code, ReturnCode::OK);
    h.line(LineEvent::Hook(HookState::OffHook));
    assert!(h.notifies.is_empty(), "hd accumulated");
    assert_eq!(h.signals(), [LineSignal::Tone(Tone::Dial)]);
    h.line(LineEvent::Digit('5'));
    h.line(LineEvent::Digit('6'));
    assert_eq!(h.last_ntfy(), ("O: L/hd,D/5,D/6".into(), "20".into()));
    // Quarantined: a flash after the NTFY is processed by the next request.
    h.line(LineEvent::Flash);
    assert!(h.notifies.is_empty());
    assert_eq!(
        h.code("RQNT", EP, "X: 21\r\nR: L/hf(N)\r\n"),
        ReturnCode::OK
    );
    assert_eq!(h.last_ntfy(), ("O: L/hf".into(), "21".into()));
    // Loop mode: several notifications for one request.
    assert_eq!(
        h.code("RQNT", EP, "X: 22\r\nR: L/hf(N)\r\nQ: process,loop\r\n"),
        ReturnCode::OK
    );
    h.line(LineEvent::Flash);
    assert_eq!(h.last_ntfy().0, "O: L/hf");
    h.line(LineEvent::Flash);
    assert_eq!(h.last_ntfy().0, "O: L/hf");
}

#[test]
fn ringing_is_an_incoming_call_executed_once() {
    let mut h = H::new();
    let text = "RQNT 500 aaln/1@[127.0.0.1] MGCP 1.0\r\nX: 30\r\nR: L/hd(N)\r\nS: L/rg,L/ci(12/07/17/30,\"555 1212\",\"Doe, John\")\r\n";
    assert_eq!(h.raw(text.as_bytes()).code, ReturnCode::OK);
    // A retransmission gets the cached answer and rings nobody twice.
    assert_eq!(h.raw(text.as_bytes()).code, ReturnCode::OK);
    let events = h.events();
    let incoming: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            StackEvent::IncomingCall { call, from, .. } => Some((*call, from.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(incoming.len(), 1, "{events:?}");
    let (call, from) = incoming[0].clone();
    assert_eq!(from.uri(), "mgcp:5551212");
    assert_eq!(from.display_name(), Some("Doe, John"));
    assert!(events.iter().any(|e| matches!(
        e,
        StackEvent::LineSignal {
            signal: LineSignal::Ring {
                caller_id: Some(_),
                ..
            },
            ..
        }
    )));
    // The agent creates the connection with the caller's SDP; answer.
    let r = h.cmd("CRCX", EP, &format!("C: abc\r\nM: recvonly\r\n{OFFER}"));
    assert_eq!(r.code, ReturnCode::OK, "{r}");
    assert!(r.sdp().is_some());
    h.phone(StackCommand::Answer {
        call,
        media: h.media.local_description(call).unwrap(),
    });
    assert_eq!(h.last_ntfy().0, "O: L/hd");
    let events = h.events();
    assert!(events.iter().any(|e| matches!(
        e,
        StackEvent::LineSignal {
            signal: LineSignal::StopRinging,
            ..
        }
    )));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, StackEvent::Connected { .. })),
        "recvonly"
    );
    let id = r.parameters.connection_id().unwrap().clone();
    assert_eq!(
        h.code("MDCX", EP, &format!("C: abc\r\nI: {id}\r\nM: sendrecv\r\n")),
        ReturnCode::OK
    );
    let events = h.events();
    assert!(events
        .iter()
        .any(|e| matches!(e, StackEvent::Connected { call: c } if *c == call)));
    let applied = h.media.applied.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        applied.audio().unwrap().direction,
        openphone_sal::MediaDirection::SendRecv
    );
    // Audit of the connection, then the agent deletes it: the call ends.
    let a = h.cmd("AUCX", EP, &format!("I: {id}\r\nF: C,M,P,LC,RC\r\n"));
    assert_eq!(a.sdp.len(), 2);
    assert_eq!(a.parameters.mode(), Some(&ConnectionMode::SendRecv));
    let d = h.cmd("DLCX", EP, &format!("C: abc\r\nI: {id}\r\n"));
    assert_eq!(d.code, ReturnCode::CONNECTION_DELETED);
    assert_eq!(
        d.parameters.connection_parameters().unwrap().packets_sent(),
        Some(7)
    );
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, StackEvent::CallEnded { call: c, .. } if *c == call)));
    assert!(h.media.reserved.lock().unwrap().is_empty());
}

use crate::message::ConnectionMode;

#[test]
fn our_offer_completed_by_the_remote_answer() {
    let mut h = H::new();
    // `$`: the endpoint picks a free line and names it.
    let r = h.cmd(
        "CRCX",
        "aaln/$@[127.0.0.1]",
        "C: 9\r\nM: recvonly\r\nL: a:PCMA\r\n",
    );
    assert_eq!(r.code, ReturnCode::OK, "{r}");
    assert_eq!(r.parameters.specific_endpoint_id().unwrap().to_string(), EP);
    let offer = r.sdp().unwrap().to_string();
    assert!(
        offer.contains("RTP/AVP 8"),
        "a:PCMA keeps PCMA only: {offer}"
    );
    assert_eq!(
        h.code("CRCX", EP, "C: 9\r\nM: recvonly\r\n"),
        ReturnCode::CONNECTION_LIMIT
    );
    let id = r.parameters.connection_id().unwrap().clone();
    assert_eq!(
        h.code("MDCX", EP, &format!("C: 8\r\nI: {id}\r\nM: sendrecv\r\n")),
        ReturnCode::UNKNOWN_CALL_ID
    );
    let answer = OFFER.replace("RTP/AVP 0", "RTP/AVP 8");
    let m = h.cmd(
        "MDCX",
        EP,
        &format!("C: 9\r\nI: {id}\r\nM: sendonly\r\n{answer}"),
    );
    assert_eq!(m.code, ReturnCode::OK, "{m}");
    // On-hook, a handset sends nothing whatever the mode: inactive ...
    let applied = h.media.applied.lock().unwrap().last().cloned().unwrap();
    let audio = applied.audio().unwrap();
    assert_eq!(audio.direction, openphone_sal::MediaDirection::Inactive);
    // ... and the mode's direction once lifted.
    h.line(LineEvent::Hook(HookState::OffHook));
    let applied = h.media.applied.lock().unwrap().last().cloned().unwrap();
    let audio = applied.audio().unwrap();
    assert_eq!(audio.direction, openphone_sal::MediaDirection::SendOnly);
    assert_eq!(audio.send.as_ref().unwrap().codec.encoding, "PCMA");
    assert_eq!(audio.send.as_ref().unwrap().remote_rtp.port(), 5000);
    // Audits.
    let a = h.cmd("AUEP", EP, "F: ES,I,X,N\r\n");
    assert_eq!(a.code, ReturnCode::OK);
    assert_eq!(a.parameters.connection_id(), Some(&id));
    assert!(a.to_string().contains("ES: L/hd"), "{a}");
    let w = h.cmd("AUEP", "aaln/*@[127.0.0.1]", "");
    assert_eq!(w.parameters.specific_endpoint_ids().count(), 2);
    // Delete every connection of the endpoint.
    let d = h.cmd("DLCX", EP, "");
    assert_eq!(d.code, ReturnCode::CONNECTION_DELETED);
    assert!(h.media.reserved.lock().unwrap().is_empty());
    assert_eq!(*h.media.reserves.lock().unwrap(), 1);
}

#[test]
fn phone_commands_a_line_cannot_do_fail() {
    let mut h = H::new();
    let call = CallId::next();
    // Nobody watches the line: a dial cannot work.
    h.phone(StackCommand::Dial {
        call,
        account: Some(h.account),
        to: "mgcp:1002".parse().unwrap(),
        offer: MediaDescription::default(),
    });
    assert!(matches!(
        h.events().as_slice(),
        [StackEvent::CallEnded { call: c, .. }] if *c == call
    ));
    h.phone(StackCommand::Hold { call });
    assert!(matches!(
        h.events().as_slice(),
        [StackEvent::CommandFailed {
            operation: openphone_sal::Operation::Hold,
            ..
        }]
    ));
    // A watched line dials: off-hook, then the digits (quarantined after
    // the hd notification, processed by the next request).
    assert_eq!(
        h.code("RQNT", EP, "X: 40\r\nR: L/hd(N)\r\n"),
        ReturnCode::OK
    );
    let call = CallId::next();
    h.phone(StackCommand::Dial {
        call,
        account: Some(h.account),
        to: "mgcp:12".parse().unwrap(),
        offer: MediaDescription::default(),
    });
    assert_eq!(h.last_ntfy().0, "O: L/hd");
    assert_eq!(
        h.code(
            "RQNT",
            EP,
            "X: 41\r\nR: D/[0-9](D),L/hu(N)\r\nD: xx\r\nS: L/rt\r\n"
        ),
        ReturnCode::OK
    );
    assert_eq!(h.last_ntfy().0, "O: D/1,D/2");
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, StackEvent::Ringing { call: c, .. } if *c == call)));
    // Shutdown: RSIP forced.
    h.ep.shutdown(h.now);
    let mut forced = 0;
    while let Some(t) = h.ep.poll_transmit() {
        if let Ok(Message::Command(c)) = Message::parse(&t.bytes) {
            if c.parameters.restart_method() == Some(&RestartMethod::Forced) {
                forced += 1;
            }
        }
    }
    assert_eq!(forced, 2);
}

#[test]
fn time_out_signals_end_with_operation_complete() {
    let mut h = H::new();
    assert_eq!(
        h.code("RQNT", EP, "X: 50\r\nR: L/hd(N)\r\n"),
        ReturnCode::OK
    );
    h.line(LineEvent::Hook(HookState::OffHook));
    assert_eq!(h.last_ntfy().0, "O: L/hd");
    h.events();
    assert_eq!(
        h.code("RQNT", EP, "X: 51\r\nR: L/oc(N),L/hu(N)\r\nS: L/dl\r\n"),
        ReturnCode::OK
    );
    assert_eq!(h.signals(), [LineSignal::Tone(Tone::Dial)]);
    h.advance(Duration::from_secs(15));
    assert!(h.notifies.is_empty());
    // The same tone in a new request goes on with its first deadline.
    assert_eq!(
        h.code("RQNT", EP, "X: 52\r\nR: L/oc(N),L/hu(N)\r\nS: L/dl\r\n"),
        ReturnCode::OK
    );
    assert!(h.signals().is_empty(), "dial tone goes on");
    h.advance(Duration::from_secs(1));
    assert_eq!(h.signals(), [LineSignal::StopTone]);
    assert_eq!(h.last_ntfy(), ("O: L/oc(L/dl)".into(), "52".into()));
    // `to=` sets the time-out in milliseconds.
    assert_eq!(
        h.code(
            "RQNT",
            EP,
            "X: 53\r\nR: L/oc(N),L/hu(N)\r\nS: L/bz(to=500)\r\n"
        ),
        ReturnCode::OK
    );
    h.advance(Duration::from_millis(500));
    assert_eq!(h.last_ntfy(), ("O: L/oc(L/bz)".into(), "53".into()));
}

#[test]
fn an_unanswered_notify_disconnects_the_line_and_rsip_says_so() {
    let mut h = H::new();
    assert_eq!(
        h.code("RQNT", EP, "X: 60\r\nR: L/hd(N)\r\n"),
        ReturnCode::OK
    );
    let account = h.account;
    // The call agent is gone: nothing answers the NTFY.
    h.ep.handle_command(
        h.now,
        StackCommand::LineEvent {
            account,
            event: LineEvent::Hook(HookState::OffHook),
        },
    );
    let start = h.now;
    let mut ntfys = 0;
    let mut rsip = None;
    for _ in 0..2000 {
        while let Some(t) = h.ep.poll_transmit() {
            let Ok(Message::Command(c)) = Message::parse(&t.bytes) else {
                continue;
            };
            match c.verb {
                Verb::Notify => ntfys += 1,
                Verb::RestartInProgress => rsip = Some((h.now, c)),
                _ => {}
            }
        }
        if rsip.is_some() {
            break;
        }
        h.now += Duration::from_millis(100);
        h.ep.handle_timeout(h.now);
    }
    let (at, c) = rsip.expect("a disconnected RSIP");
    assert!(h.events().iter().any(|e| matches!(
        e,
        StackEvent::Registration {
            state: RegistrationState::Failed { .. },
            ..
        }
    )));
    assert!(ntfys > 1, "the NTFY was retransmitted");
    assert_eq!(
        c.parameters.restart_method(),
        Some(&RestartMethod::Disconnected)
    );
    // After the transaction gave up (about 20 s), within Tdinit (15 s).
    let waited = at - start;
    assert!(
        waited > Duration::from_secs(15) && waited <= Duration::from_secs(37),
        "{waited:?}"
    );
    // The agent is back: the line is in service again.
    let ok = format!("200 {} OK\r\n", c.transaction_id);
    h.ep.handle_datagram(h.now, h.agent, ok.as_bytes());
    assert_eq!(h.ep.is_in_service(&EP.parse().unwrap()), Some(true));
    assert!(h.events().iter().any(|e| matches!(
        e,
        StackEvent::Registration {
            state: RegistrationState::Registered { .. },
            ..
        }
    )));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const VERBS: &[&str] = &[
        "RQNT", "CRCX", "MDCX", "DLCX", "AUEP", "AUCX", "EPCF", "NTFY",
    ];
    const ENDPOINTS: &[&str] = &[
        EP,
        "aaln/2@[127.0.0.1]",
        "aaln/*@[127.0.0.1]",
        "aaln/$@[127.0.0.1]",
        "x/1@[127.0.0.1]",
    ];
    const LINES: &[&str] = &[
        "X: 1",
        "X: 2",
        "C: 1",
        "C: 2",
        "I: 1",
        "I: 2",
        "M: sendrecv",
        "M: recvonly",
        "M: inactive",
        "M: loopback",
        "M: conf",
        "R: L/hd(N)",
        "R: L/hu(N),D/[0-9#*T](D)",
        "R: L/hf(N),D/X(A)",
        "R: L/hd(A,E(S(L/dl),R(D/[0-9](D),L/hu(N))))",
        "R:",
        "S: L/rg,L/ci(,\"1\",)",
        "S: L/dl(to=1)",
        "S: L/bz",
        "S: L/vmwi(+)",
        "S:",
        "D: (xx|0T)",
        "Q: loop",
        "Q: discard",
        "F: R,S,X,N,I,ES,O,D",
        "F: C,M,P,LC,RC",
        "B: e:mu",
        "L: a:PCMU, p:20",
        "L: p:10-5",
        "N: ca@[127.0.0.1]:2727",
        "Z2: aaln/2@[127.0.0.1]",
        "X-foo: 1",
        "X+foo: 1",
        "T: L/hd",
    ];

    fn phone_command(k: u8, account: AccountId, call: CallId) -> StackCommand {
        match k % 8 {
            0 => StackCommand::LineEvent {
                account,
                event: LineEvent::Hook(HookState::OffHook),
            },
            1 => StackCommand::LineEvent {
                account,
                event: LineEvent::Hook(HookState::OnHook),
            },
            2 => StackCommand::LineEvent {
                account,
                event: LineEvent::Digit('1'),
            },
            3 => StackCommand::LineEvent {
                account,
                event: LineEvent::Flash,
            },
            4 => StackCommand::Dial {
                call,
                account: Some(account),
                to: "mgcp:12".parse().unwrap(),
                offer: MediaDescription::default(),
            },
            5 => StackCommand::Answer {
                call,
                media: MediaDescription::default(),
            },
            6 => StackCommand::Hangup { call },
            _ => StackCommand::SendDtmf {
                call,
                digits: "5".into(),
            },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Any sequence of commands, well formed or not, and of phone
        /// commands in between: every command is answered exactly once
        /// and nothing panics.
        #[test]
        fn every_command_is_answered_once(
            steps in proptest::collection::vec(
                (0..VERBS.len(), 0..ENDPOINTS.len(), proptest::collection::vec(0..LINES.len(), 0..5),
                 any::<bool>(), any::<u8>(), 0u64..20_000),
                1..20,
            )
        ) {
            let mut h = H::new();
            let mut calls = vec![CallId::next()];
            for (v, e, lines, sdp, k, wait) in steps {
                let mut params: String = lines.iter().map(|&i| format!("{}\r\n", LINES[i])).collect();
                if sdp {
                    params.push_str(OFFER);
                }
                h.tid += 1;
                let text = format!("{} {} {} MGCP 1.0\r\n{params}", VERBS[v], h.tid, ENDPOINTS[e]);
                h.ep.handle_datagram(h.now, h.agent, text.as_bytes());
                let mut answers = 0;
                while let Some(t) = h.ep.poll_transmit() {
                    if let Ok(Message::Response(r)) = Message::parse(&t.bytes) {
                        prop_assert_eq!(r.transaction_id.get(), h.tid);
                        answers += 1;
                    }
                }
                prop_assert_eq!(answers, 1, "{}", text);
                for ev in h.events() {
                    if let StackEvent::IncomingCall { call, .. } = ev {
                        calls.push(call);
                    }
                }
                let call = calls[usize::from(k) % calls.len()];
                let account = h.account;
                h.ep.handle_command(h.now, phone_command(k, account, call));
                h.now += Duration::from_millis(wait);
                h.ep.handle_timeout(h.now);
                while h.ep.poll_transmit().is_some() {}
                h.events();
            }
        }
    }
}
