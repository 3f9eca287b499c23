//! An in-memory "loopback protocol": a complete stack for the SAL contract
//! that has nothing to do with SIP or SDP. Phones built with it reach each
//! other through a shared [`Switch`] by `loop:NAME` addresses; media is
//! negotiated on the neutral model with `openphone_sal::media::negotiate`
//! and applied through the stack's media port, as a real stack does.
//!
//! Its causes are its own: a "refusal code" is carried as the neutral cause
//! itself, so the tests also show a stack without raw causes.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_sal::media::negotiate;
use openphone_sal::*;
use tokio::sync::mpsc;

/// What one loopback stack sends another. `target` is the recipient's own
/// call number (learned from the first message of the other side); `sender`
/// is the sender's.
#[derive(Debug, Clone)]
pub enum Wire {
    Setup {
        sender: u64,
        from: String,
        to: String,
        offer: MediaDescription,
    },
    Alerting {
        sender: u64,
        target: u64,
    },
    Connect {
        sender: u64,
        target: u64,
        answer: MediaDescription,
    },
    Release {
        target: u64,
        reason: Reason,
    },
    Reoffer {
        target: u64,
        offer: MediaDescription,
    },
    Reanswer {
        target: u64,
        answer: MediaDescription,
    },
    Digit {
        target: u64,
        digit: char,
    },
    Refer {
        target: u64,
        to: String,
    },
    Text {
        from: String,
        body: Vec<u8>,
    },
    Presence {
        from: String,
        status: PresenceStatus,
    },
}

/// Who watches a name: (watcher, its subscription).
type Watchers = HashMap<String, Vec<(String, SubscriptionId)>>;

/// The shared "network": names to stacks, and who watches whom.
#[derive(Clone, Default)]
pub struct Switch {
    nodes: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Wire>>>>,
    watchers: Arc<Mutex<Watchers>>,
}

impl Switch {
    fn send(&self, to: &str, w: Wire) -> bool {
        match self.nodes.lock().unwrap().get(to) {
            Some(tx) => tx.send(w).is_ok(),
            None => false,
        }
    }
    fn knows(&self, name: &str) -> bool {
        self.nodes.lock().unwrap().contains_key(name)
    }
}

/// The loopback stack of one phone, reachable as `loop:NAME`.
pub struct LoopStack {
    pub name: String,
    pub switch: Switch,
    pub caps: Capabilities,
}

impl LoopStack {
    pub fn new(name: &str, switch: &Switch) -> Self {
        LoopStack {
            name: name.into(),
            switch: switch.clone(),
            caps: Capabilities::new(&[
                Capability::Register,
                Capability::Hold,
                Capability::Transfer,
                Capability::DtmfOutOfBand,
                Capability::Message,
                Capability::Subscribe,
                Capability::Publish,
                Capability::Line,
            ]),
        }
    }
}

impl Stack for LoopStack {
    fn name(&self) -> &'static str {
        "loop"
    }
    fn schemes(&self) -> &'static [&'static str] {
        &["loop"]
    }
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn start(self: Box<Self>, io: StackIo) -> BoxFuture<'static, Result<StackInfo, StackError>> {
        Box::pin(async move {
            let (tx, mut wire_rx) = mpsc::unbounded_channel();
            self.switch
                .nodes
                .lock()
                .unwrap()
                .insert(self.name.clone(), tx);
            let mut core = Core {
                name: self.name.clone(),
                switch: self.switch.clone(),
                events: io.events,
                media: io.media,
                calls: HashMap::new(),
                accounts: HashMap::new(),
            };
            let mut commands = io.commands;
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        cmd = commands.recv() => match cmd {
                            Some(StackCommand::Shutdown) | None => break,
                            Some(cmd) => core.command(cmd),
                        },
                        Some(w) = wire_rx.recv() => core.wire(w),
                    }
                }
                core.switch.nodes.lock().unwrap().remove(&core.name);
            });
            Ok(StackInfo::new(vec![format!("loop:{}", self.name)]))
        })
    }
}

struct LoopCall {
    id: CallId,
    peer: String,
    peer_key: u64,
    ours: MediaDescription,
    theirs: Option<MediaDescription>,
    established: bool,
}

struct Core {
    name: String,
    switch: Switch,
    events: StackEventSink,
    media: Arc<dyn StackMedia>,
    calls: HashMap<u64, LoopCall>,
    accounts: HashMap<AccountId, AccountConfig>,
}

fn peer_name(a: &Address) -> Option<String> {
    a.uri().strip_prefix("loop:").map(str::to_string)
}

impl Core {
    fn emit(&self, ev: StackEvent) {
        self.events.send(ev);
    }

    fn fail(&self, call: Option<CallId>, operation: Operation, reason: Reason) {
        self.emit(StackEvent::CommandFailed {
            call,
            operation,
            reason,
        });
    }

    fn end(&mut self, key: u64, reason: EndReason) {
        if let Some(c) = self.calls.remove(&key) {
            self.media.release(c.id);
            self.emit(StackEvent::CallEnded { call: c.id, reason });
        }
    }

    fn apply(&mut self, key: u64, agreed: NegotiatedMedia) -> bool {
        let Some(id) = self.calls.get(&key).map(|c| c.id) else {
            return false;
        };
        match self.media.apply(id, &agreed) {
            Ok(()) => {
                self.emit(StackEvent::MediaNegotiated {
                    call: id,
                    media: agreed,
                });
                true
            }
            Err(e) => {
                let reason = Reason::new(Cause::IncompatibleMedia).with_text(e.to_string());
                self.send_release(key, reason.clone());
                self.end(key, EndReason::system(reason));
                false
            }
        }
    }

    fn send_release(&self, key: u64, reason: Reason) {
        if let Some(c) = self.calls.get(&key) {
            self.switch.send(
                &c.peer,
                Wire::Release {
                    target: c.peer_key,
                    reason,
                },
            );
        }
    }

    fn established(&self, call: CallId) -> Option<&LoopCall> {
        self.calls.get(&call.as_u64()).filter(|c| c.established)
    }

    fn command(&mut self, cmd: StackCommand) {
        let operation = cmd.operation();
        match cmd {
            StackCommand::AddAccount { account, config } => {
                self.accounts.insert(account, config);
                self.emit(StackEvent::Registration {
                    account,
                    state: RegistrationState::Registered {
                        expires: Duration::from_secs(3600),
                    },
                });
            }
            StackCommand::RemoveAccount { account } => {
                self.accounts.remove(&account);
            }
            StackCommand::Dial {
                call, to, offer, ..
            } => {
                let key = call.as_u64();
                let peer = peer_name(&to).unwrap_or_default();
                self.calls.insert(
                    key,
                    LoopCall {
                        id: call,
                        peer: peer.clone(),
                        peer_key: 0,
                        ours: offer.clone(),
                        theirs: None,
                        established: false,
                    },
                );
                let sent = self.switch.send(
                    &peer,
                    Wire::Setup {
                        sender: key,
                        from: format!("loop:{}", self.name),
                        to: to.uri().to_string(),
                        offer,
                    },
                );
                if !sent {
                    self.end(key, EndReason::remote(Reason::new(Cause::NotFound)));
                }
            }
            StackCommand::Alert { call, early_media } => {
                if early_media.is_some() {
                    return self.fail(
                        Some(call),
                        Operation::Alert,
                        Reason::new(Cause::Unsupported).with_text("no early media in loop"),
                    );
                }
                if let Some(c) = self.calls.get(&call.as_u64()) {
                    self.switch.send(
                        &c.peer,
                        Wire::Alerting {
                            sender: call.as_u64(),
                            target: c.peer_key,
                        },
                    );
                }
            }
            StackCommand::Answer { call, media } => {
                let key = call.as_u64();
                let Some(c) = self.calls.get_mut(&key) else {
                    return self.fail(Some(call), Operation::Answer, Cause::NotEstablished.into());
                };
                let offer = c.theirs.clone().unwrap_or_default();
                match negotiate::answer(&media, &offer) {
                    Ok((answer, agreed)) => {
                        c.ours = media;
                        c.established = true;
                        self.switch.send(
                            &c.peer,
                            Wire::Connect {
                                sender: key,
                                target: c.peer_key,
                                answer,
                            },
                        );
                        if self.apply(key, agreed) {
                            self.emit(StackEvent::Connected { call });
                        }
                    }
                    Err(e) => {
                        let reason = Reason::new(Cause::IncompatibleMedia).with_text(e.to_string());
                        self.send_release(key, reason.clone());
                        self.end(key, EndReason::local(reason));
                    }
                }
            }
            StackCommand::Reject { call, reason } => {
                self.send_release(call.as_u64(), reason.clone());
                self.end(call.as_u64(), EndReason::local(reason));
            }
            StackCommand::Hangup { call } => {
                let reason = Reason::new(Cause::NormalClearing);
                self.send_release(call.as_u64(), reason.clone());
                self.end(call.as_u64(), EndReason::local(reason));
            }
            StackCommand::Hold { call } | StackCommand::Resume { call } => {
                let op = operation.unwrap_or(Operation::Hold);
                let dir = if op == Operation::Hold {
                    MediaDirection::SendOnly
                } else {
                    MediaDirection::SendRecv
                };
                match self.established(call) {
                    Some(c) => {
                        self.switch.send(
                            &c.peer,
                            Wire::Reoffer {
                                target: c.peer_key,
                                offer: c.ours.clone().with_direction(dir),
                            },
                        );
                    }
                    None => self.fail(Some(call), op, Cause::NotEstablished.into()),
                }
            }
            StackCommand::Transfer { call, to } => {
                let known = peer_name(&to).is_some_and(|p| self.switch.knows(&p));
                match self.established(call) {
                    Some(_) if !known => {
                        let reason = Reason::new(Cause::NotFound).with_text(to.uri());
                        self.emit(StackEvent::TransferProgress {
                            call,
                            status: TransferStatus::Failed(reason.clone()),
                        });
                        self.fail(Some(call), Operation::Transfer, reason);
                    }
                    Some(c) => {
                        self.switch.send(
                            &c.peer,
                            Wire::Refer {
                                target: c.peer_key,
                                to: to.uri().to_string(),
                            },
                        );
                        self.emit(StackEvent::TransferProgress {
                            call,
                            status: TransferStatus::Trying,
                        });
                    }
                    None => self.fail(
                        Some(call),
                        Operation::Transfer,
                        Cause::NotEstablished.into(),
                    ),
                }
            }
            StackCommand::SendDtmf { call, digits } => match self.established(call) {
                Some(c) => {
                    for digit in digits.chars() {
                        self.switch.send(
                            &c.peer,
                            Wire::Digit {
                                target: c.peer_key,
                                digit,
                            },
                        );
                    }
                }
                None => self.fail(
                    Some(call),
                    Operation::SendDtmf,
                    Cause::NotEstablished.into(),
                ),
            },
            StackCommand::SendMessage {
                account, to, body, ..
            } => {
                // From: the account's identity, else the node's own name.
                let from = account
                    .and_then(|a| self.accounts.get(&a))
                    .map(|c| c.aor.uri().to_string())
                    .unwrap_or_else(|| format!("loop:{}", self.name));
                let delivered =
                    peer_name(&to).is_some_and(|p| self.switch.send(&p, Wire::Text { from, body }));
                if !delivered {
                    self.fail(None, Operation::SendMessage, Reason::new(Cause::NotFound));
                }
            }
            StackCommand::Subscribe {
                subscription, to, ..
            } => match peer_name(&to).filter(|p| self.switch.knows(p)) {
                Some(p) => {
                    self.switch
                        .watchers
                        .lock()
                        .unwrap()
                        .entry(p)
                        .or_default()
                        .push((self.name.clone(), subscription));
                    self.emit(StackEvent::Subscription {
                        subscription,
                        state: SubscriptionState::Active {
                            expires: Duration::from_secs(3600),
                        },
                    });
                }
                None => self.emit(StackEvent::Subscription {
                    subscription,
                    state: SubscriptionState::Terminated(Reason::new(Cause::NotFound)),
                }),
            },
            StackCommand::Unsubscribe { subscription } => {
                for list in self.switch.watchers.lock().unwrap().values_mut() {
                    list.retain(|(_, s)| *s != subscription);
                }
                self.emit(StackEvent::Subscription {
                    subscription,
                    state: SubscriptionState::Terminated(Reason::new(Cause::NormalClearing)),
                });
            }
            StackCommand::Publish { status, .. } => {
                let watchers = self
                    .switch
                    .watchers
                    .lock()
                    .unwrap()
                    .get(&self.name)
                    .cloned()
                    .unwrap_or_default();
                for (w, _) in watchers {
                    self.switch.send(
                        &w,
                        Wire::Presence {
                            from: format!("loop:{}", self.name),
                            status: status.clone(),
                        },
                    );
                }
            }
            StackCommand::LineEvent { account, event } => {
                // The loop "exchange" gives dial tone on off-hook and stops
                // it at the first digit or on-hook, like a call agent would.
                let signal = match event {
                    LineEvent::Hook(HookState::OffHook) => Some(LineSignal::Tone(line::Tone::Dial)),
                    LineEvent::Digit(_) | LineEvent::Hook(HookState::OnHook) => {
                        Some(LineSignal::StopTone)
                    }
                    _ => None,
                };
                if let Some(signal) = signal {
                    self.emit(StackEvent::LineSignal {
                        account: Some(account),
                        signal,
                    });
                }
            }
            other => {
                if let Some(op) = other.operation() {
                    self.fail(other.call(), op, Reason::new(Cause::Unsupported));
                }
            }
        }
    }

    fn wire(&mut self, w: Wire) {
        match w {
            Wire::Setup {
                sender,
                from,
                to,
                offer,
            } => {
                let id = CallId::next();
                self.calls.insert(
                    id.as_u64(),
                    LoopCall {
                        id,
                        peer: from.trim_start_matches("loop:").to_string(),
                        peer_key: sender,
                        ours: MediaDescription::default(),
                        theirs: Some(offer.clone()),
                        established: false,
                    },
                );
                let account = self
                    .accounts
                    .iter()
                    .find(|(_, a)| a.aor.uri() == to)
                    .map(|(id, _)| *id);
                self.emit(StackEvent::IncomingCall {
                    call: id,
                    account,
                    from: from.parse().expect("loop address"),
                    to: to.parse().expect("loop address"),
                    offer: Some(offer),
                    replaces: None,
                    alert_info: None,
                });
            }
            Wire::Alerting { sender, target } => {
                if let Some(c) = self.calls.get_mut(&target) {
                    c.peer_key = sender;
                    let call = c.id;
                    self.emit(StackEvent::Ringing {
                        call,
                        early_media: false,
                    });
                }
            }
            Wire::Connect {
                sender,
                target,
                answer,
            } => {
                let Some(c) = self.calls.get_mut(&target) else {
                    return;
                };
                c.peer_key = sender;
                c.established = true;
                let call = c.id;
                match negotiate::complete(&c.ours, &answer) {
                    Ok(agreed) => {
                        if self.apply(target, agreed) {
                            self.emit(StackEvent::Connected { call });
                        }
                    }
                    Err(e) => {
                        let reason = Reason::new(Cause::IncompatibleMedia).with_text(e.to_string());
                        self.send_release(target, reason.clone());
                        self.end(target, EndReason::system(reason));
                    }
                }
            }
            Wire::Release { target, reason } => self.end(target, EndReason::remote(reason)),
            Wire::Reoffer { target, offer } => {
                let Some(c) = self.calls.get(&target) else {
                    return;
                };
                if let Ok((answer, agreed)) = negotiate::answer(&c.ours, &offer) {
                    let held = !offer.audio().is_some_and(|s| s.direction.receives());
                    let call = c.id;
                    self.switch.send(
                        &c.peer,
                        Wire::Reanswer {
                            target: c.peer_key,
                            answer,
                        },
                    );
                    if self.apply(target, agreed) {
                        self.emit(StackEvent::RemoteHold { call, held });
                    }
                }
            }
            Wire::Reanswer { target, answer } => {
                let Some(c) = self.calls.get(&target) else {
                    return;
                };
                let dir = answer
                    .audio()
                    .map(|s| s.direction.reversed())
                    .unwrap_or_default();
                let ours = c.ours.clone().with_direction(dir);
                if let Ok(agreed) = negotiate::complete(&ours, &answer) {
                    self.apply(target, agreed);
                }
            }
            Wire::Digit { target, digit } => {
                if let Some(c) = self.calls.get(&target) {
                    self.emit(StackEvent::Dtmf {
                        call: c.id,
                        digit,
                        duration: Duration::from_millis(100),
                    });
                }
            }
            Wire::Refer { target, to } => {
                if let Some(c) = self.calls.get(&target) {
                    self.emit(StackEvent::TransferRequested {
                        call: c.id,
                        target: to.parse().expect("loop address"),
                    });
                }
            }
            Wire::Text { from, body } => self.emit(StackEvent::Message {
                account: self.accounts.keys().next().copied(),
                from: from.parse().expect("loop address"),
                content_type: "text/plain".into(),
                body,
            }),
            Wire::Presence { from, status } => {
                let name = from.trim_start_matches("loop:").to_string();
                let subs = self
                    .switch
                    .watchers
                    .lock()
                    .unwrap()
                    .get(&name)
                    .cloned()
                    .unwrap_or_default();
                for (_, sub) in subs.into_iter().filter(|(w, _)| *w == self.name) {
                    self.emit(StackEvent::Notify {
                        subscription: Some(sub),
                        account: None,
                        content: NotifyContent::Presence {
                            entity: from.clone(),
                            status: status.clone(),
                        },
                    });
                }
            }
        }
    }
}

/// A media engine for tests: records what was applied and the digits sent.
#[derive(Clone, Default)]
pub struct TestMedia {
    pub applied: Arc<Mutex<Vec<(CallId, NegotiatedMedia)>>>,
    pub digits: Arc<Mutex<Vec<(CallId, char)>>>,
    pub stopped: Arc<Mutex<Vec<CallId>>>,
    pub fail_create: Arc<Mutex<bool>>,
    pub port: u16,
    /// Refuse every media encryption method (an engine without SRTP).
    pub no_encryption: Arc<Mutex<bool>>,
    /// Each session's event sink, so a test can report media events.
    pub sinks: Arc<Mutex<Vec<(CallId, MediaEventSink)>>>,
}

struct TestCallMedia {
    call: CallId,
    engine: TestMedia,
    rtp: SocketAddr,
    sent: u64,
}

impl MediaEngine for TestMedia {
    fn supports_encryption(&self, method: MediaEncryption) -> bool {
        method == MediaEncryption::None || !*self.no_encryption.lock().unwrap()
    }

    fn create_session(
        &self,
        call: CallId,
        events: MediaEventSink,
    ) -> Result<Box<dyn CallMedia>, MediaError> {
        if *self.fail_create.lock().unwrap() {
            return Err(MediaError::Other("no ports left".into()));
        }
        self.sinks.lock().unwrap().push((call, events));
        let port = 20000 + (call.as_u64() % 20000) as u16 * 2;
        Ok(Box::new(TestCallMedia {
            call,
            engine: self.clone(),
            rtp: SocketAddr::from(([127, 0, 0, 1], port)),
            sent: 0,
        }))
    }
}

impl TestMedia {
    /// Reports `event` from `call`'s media session.
    pub fn report(&self, call: CallId, event: MediaEvent) {
        let sinks = self.sinks.lock().unwrap();
        let (_, sink) = sinks.iter().find(|(c, _)| *c == call).expect("a session");
        assert!(sink.send(event));
    }
}

impl CallMedia for TestCallMedia {
    fn local_description(&self) -> MediaDescription {
        MediaDescription::from(
            StreamDescription::audio(self.rtp)
                .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
                .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16")),
        )
    }
    fn apply(&mut self, n: &NegotiatedMedia) -> Result<(), MediaError> {
        self.engine
            .applied
            .lock()
            .unwrap()
            .push((self.call, n.clone()));
        Ok(())
    }
    fn send_dtmf(&mut self, digit: char, _d: Duration) -> Result<(), MediaError> {
        self.sent += 1;
        self.engine.digits.lock().unwrap().push((self.call, digit));
        Ok(())
    }
    fn stats(&self) -> MediaStats {
        let mut s = MediaStats::default();
        s.codec = "PCMU".into();
        s.packets_sent = self.sent;
        s
    }
    fn stop(&mut self) {
        self.engine.stopped.lock().unwrap().push(self.call);
    }
    // Keys are the test's business: every method is accepted.
    fn set_security(&mut self, _policy: SecurityPolicy) -> Result<(), MediaError> {
        Ok(())
    }
}

/// A scripted line: events queued by the test, signals recorded.
pub struct ScriptedLine {
    pub events: std::collections::VecDeque<LineEvent>,
    pub signals: Arc<Mutex<Vec<LineSignal>>>,
    pub refuse: bool,
}

impl LineDevice for ScriptedLine {
    fn name(&self) -> &str {
        "scripted"
    }
    fn hook_state(&self) -> HookState {
        HookState::OnHook
    }
    fn capabilities(&self) -> line::LineCapabilities {
        line::LineCapabilities::default()
    }
    fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }
    fn signal(&mut self, signal: LineSignal) -> Result<(), line::LineError> {
        if self.refuse {
            return Err(line::LineError::Unsupported(Box::new(signal)));
        }
        self.signals.lock().unwrap().push(signal);
        Ok(())
    }
}
