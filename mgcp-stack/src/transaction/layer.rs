//! [`TransactionLayer`]: both directions of RFC 3435 §3.5 for one UDP
//! socket.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use rand::Rng;
use tracing::{debug, trace, warn};

use super::config::TransactionConfig;
use super::incoming::{Incoming, ResponseRetransmit};
use super::outgoing::{Fire, Outgoing};
use super::{TransactionError, TransactionEvent, Transmit};
use crate::message::{
    parse_datagram, Command, Message, Parameter, ParseError, Response, ResponseAck, ReturnCode,
    TransactionId, MAX_TRANSACTION_ID,
};

/// The most transaction ids confirmed in one `K:` parameter.
const MAX_CONFIRMED_PER_COMMAND: usize = 64;

/// The most received final responses remembered per peer for confirmation.
const MAX_TO_CONFIRM: usize = 256;

/// The transaction layer of one MGCP socket: our commands (retransmitted
/// until answered) and the peers' commands (executed once, answered from a
/// cache when repeated). See the [module documentation](super).
#[derive(Debug)]
pub struct TransactionLayer {
    config: TransactionConfig,
    next_id: TransactionId,
    outgoing: HashMap<TransactionId, Outgoing>,
    incoming: HashMap<(SocketAddr, TransactionId), Incoming>,
    /// Final responses received, per peer, for `K:` in our next command.
    to_confirm: HashMap<SocketAddr, VecDeque<(TransactionId, Instant)>>,
    /// Our recently finished transactions, to acknowledge a retransmitted
    /// final response that asks for `000` again.
    finished: HashMap<TransactionId, Instant>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TransactionEvent>,
}

/// Printable ASCII only, for commentary built from error messages.
fn ascii(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(80)
        .collect()
}

fn with_ack_request(mut response: Response) -> Response {
    response.parameters.remove("K");
    response
        .parameters
        .0
        .insert(0, Parameter::ResponseAck(ResponseAck::default()));
    response
}

impl TransactionLayer {
    /// A layer whose first command gets `first_id`.
    pub fn new(config: TransactionConfig, first_id: TransactionId) -> Self {
        TransactionLayer {
            config,
            next_id: first_id,
            outgoing: HashMap::new(),
            incoming: HashMap::new(),
            to_confirm: HashMap::new(),
            finished: HashMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// A layer starting at a random transaction id, so that a restarted
    /// entity does not reuse the ids its peers still remember.
    pub fn with_random_first_id(config: TransactionConfig) -> Self {
        let first = rand::thread_rng().gen_range(1..=MAX_TRANSACTION_ID);
        Self::new(
            config,
            TransactionId::new(first).unwrap_or(TransactionId::FIRST),
        )
    }

    /// The settings.
    pub fn config(&self) -> &TransactionConfig {
        &self.config
    }

    /// How many of our commands await a final response.
    pub fn outgoing_len(&self) -> usize {
        self.outgoing.len()
    }

    /// How many peer transactions are remembered.
    pub fn incoming_len(&self) -> usize {
        self.incoming.len()
    }

    fn allocate_id(&mut self) -> TransactionId {
        let mut id = self.next_id;
        while self.outgoing.contains_key(&id) || id.get() == 0 {
            id = id.next();
        }
        self.next_id = id.next();
        id
    }

    /// Sends a command to `to`: gives it the next transaction id (replacing
    /// the one it has), adds `K:` with the responses from `to` not yet
    /// confirmed, and retransmits it until a response comes or the layer
    /// gives up.
    pub fn send_command(
        &mut self,
        now: Instant,
        to: SocketAddr,
        mut command: Command,
    ) -> Result<TransactionId, TransactionError> {
        if self.outgoing.len() >= self.config.max_outgoing {
            return Err(TransactionError::TooManyOutgoing);
        }
        let id = self.allocate_id();
        command.transaction_id = id;
        command.parameters.remove("K");
        if let Some(list) = self
            .to_confirm
            .get_mut(&to)
            .filter(|_| self.config.confirm_responses)
        {
            let horizon = self.config.response_history;
            list.retain(|(_, at)| now.saturating_duration_since(*at) < horizon);
            let n = list.len().min(MAX_CONFIRMED_PER_COMMAND);
            let ids: Vec<TransactionId> = list.drain(..n).map(|(id, _)| id).collect();
            if !ids.is_empty() {
                command
                    .parameters
                    .0
                    .insert(0, Parameter::ResponseAck(ResponseAck::from_ids(ids)));
            }
        }
        let bytes = command.to_bytes();
        debug!(%to, id = id.get(), verb = %command.verb, "sending command");
        self.transmits.push_back(Transmit {
            to,
            bytes: bytes.clone(),
        });
        self.outgoing
            .insert(id, Outgoing::new(&self.config, now, to, command, bytes));
        Ok(id)
    }

    /// Stops retransmitting command `id` and forgets it: its result no
    /// longer matters (a newer command replaced it). A response that still
    /// comes is treated as one to an unknown transaction. True if it was
    /// outstanding.
    pub fn abandon(&mut self, id: TransactionId) -> bool {
        self.outgoing.remove(&id).is_some()
    }

    /// Answers a peer's command. A provisional code (`100`, `101`) may come
    /// first; the final response after one asks for a `000`
    /// acknowledgement (an empty `K:` is added) and is retransmitted until
    /// it comes.
    pub fn respond(
        &mut self,
        now: Instant,
        from: SocketAddr,
        response: Response,
    ) -> Result<(), TransactionError> {
        if response.code.is_ack() {
            return Err(TransactionError::AckIsNotAnAnswer);
        }
        let key = (from, response.transaction_id);
        let Some(Incoming::Executing {
            provisional_sent,
            provisional,
            ..
        }) = self.incoming.get_mut(&key)
        else {
            return Err(TransactionError::UnknownTransaction {
                from,
                transaction_id: response.transaction_id,
            });
        };
        if response.code.is_provisional() {
            let bytes = response.to_bytes();
            *provisional_sent = true;
            *provisional = Some(bytes.clone());
            self.transmits.push_back(Transmit { to: from, bytes });
            return Ok(());
        }
        let after_provisional = *provisional_sent;
        let response = if after_provisional {
            with_ack_request(response)
        } else {
            response
        };
        let bytes = response.to_bytes();
        trace!(%from, id = key.1.get(), code = %response.code, "answering");
        self.transmits.push_back(Transmit {
            to: from,
            bytes: bytes.clone(),
        });
        self.incoming.insert(
            key,
            Incoming::Answered {
                bytes,
                expires: now + self.config.response_history,
                awaiting_ack: after_provisional.then(|| ResponseRetransmit::new(&self.config, now)),
            },
        );
        Ok(())
    }

    /// Feeds a datagram received from `from`.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        let parts = match parse_datagram(data) {
            Ok(parts) => parts,
            Err(error) => {
                debug!(%from, %error, "unparsable datagram");
                self.events
                    .push_back(TransactionEvent::Malformed { from, error });
                return;
            }
        };
        for part in parts {
            match part {
                Ok(Message::Command(c)) => self.on_command(now, from, c),
                Ok(Message::Response(r)) => self.on_response(now, from, r),
                Err(error) => self.on_malformed(from, error),
            }
        }
    }

    fn on_malformed(&mut self, from: SocketAddr, error: ParseError) {
        debug!(%from, %error, "malformed message");
        if let (Some(code), Some(id)) = (error.error_response_code(), error.transaction_id()) {
            let r = Response::new(code, id).with_commentary(ascii(&error.to_string()));
            self.transmits.push_back(Transmit {
                to: from,
                bytes: r.to_bytes(),
            });
        }
        self.events
            .push_back(TransactionEvent::Malformed { from, error });
    }

    fn on_command(&mut self, now: Instant, from: SocketAddr, command: Command) {
        if let Some(k) = command.parameters.response_ack() {
            for ((peer, id), entry) in self.incoming.iter_mut() {
                if *peer == from && k.contains(*id) {
                    if let Incoming::Answered { expires, .. } = entry {
                        *entry = Incoming::Acknowledged { expires: *expires };
                    }
                }
            }
        }
        let key = (from, command.transaction_id);
        match self.incoming.get_mut(&key) {
            None => {
                if self.incoming.len() >= self.config.max_incoming && !self.evict_one() {
                    warn!(%from, "transaction table full: answering 409");
                    let r = Response::new(ReturnCode::OVERLOAD, key.1);
                    self.transmits.push_back(Transmit {
                        to: from,
                        bytes: r.to_bytes(),
                    });
                    return;
                }
                self.incoming.insert(
                    key,
                    Incoming::Executing {
                        provisional_sent: false,
                        provisional: None,
                        since: now,
                    },
                );
                self.events
                    .push_back(TransactionEvent::Command { from, command });
            }
            Some(Incoming::Executing {
                provisional_sent,
                provisional,
                ..
            }) => {
                // Still executing: tell the peer so, and it slows down.
                let bytes = provisional
                    .get_or_insert_with(|| {
                        Response::new(ReturnCode::TRANSACTION_EXECUTING, key.1).to_bytes()
                    })
                    .clone();
                *provisional_sent = true;
                debug!(%from, id = key.1.get(), "duplicate of an executing command: 100");
                self.transmits.push_back(Transmit { to: from, bytes });
            }
            Some(Incoming::Answered { bytes, .. }) => {
                debug!(%from, id = key.1.get(), "duplicate command: cached response");
                self.transmits.push_back(Transmit {
                    to: from,
                    bytes: bytes.clone(),
                });
            }
            Some(Incoming::Acknowledged { .. }) => {
                debug!(%from, id = key.1.get(), "duplicate of an acknowledged command: ignored");
            }
        }
    }

    /// Drops the oldest finished peer transaction; false if none is.
    fn evict_one(&mut self) -> bool {
        let oldest = self
            .incoming
            .iter()
            .filter(|(_, e)| e.finished())
            .min_by_key(|(_, e)| e.age_key())
            .map(|(k, _)| *k);
        oldest.is_some_and(|k| self.incoming.remove(&k).is_some())
    }

    fn on_response(&mut self, now: Instant, from: SocketAddr, response: Response) {
        let id = response.transaction_id;
        if response.code.is_ack() {
            if let Some(entry) = self.incoming.get_mut(&(from, id)) {
                if let Incoming::Answered { expires, .. } = entry {
                    let expires = *expires;
                    *entry = Incoming::Acknowledged { expires };
                }
            }
            return;
        }
        let wants_ack = response.parameters.response_ack().is_some();
        let Some(out) = self.outgoing.get_mut(&id) else {
            if wants_ack && response.code.is_final() && self.finished.contains_key(&id) {
                // Our 000 was lost: the peer repeats its final response.
                self.send_ack(from, id);
            } else {
                trace!(%from, id = id.get(), "response to no command of ours");
            }
            return;
        };
        if out.to != from {
            debug!(%from, to = %out.to, id = id.get(), "response from another address");
        }
        if response.code.is_provisional() {
            if out.provisional(&self.config, now) {
                self.events.push_back(TransactionEvent::Provisional {
                    transaction_id: id,
                    response,
                });
            }
            return;
        }
        let Some(out) = self.outgoing.remove(&id) else {
            return;
        };
        let list = self.to_confirm.entry(out.to).or_default();
        if list.len() == MAX_TO_CONFIRM {
            list.pop_front();
        }
        list.push_back((id, now));
        if self.finished.len() >= self.config.max_outgoing {
            if let Some(oldest) = self
                .finished
                .iter()
                .min_by_key(|(_, t)| **t)
                .map(|(k, _)| *k)
            {
                self.finished.remove(&oldest);
            }
        }
        self.finished.insert(id, now);
        if wants_ack {
            self.send_ack(from, id);
        }
        debug!(%from, id = id.get(), code = %response.code, "final response");
        self.events.push_back(TransactionEvent::Response {
            from,
            command: out.command,
            response,
        });
    }

    fn send_ack(&mut self, to: SocketAddr, id: TransactionId) {
        self.transmits.push_back(Transmit {
            to,
            bytes: Response::ack(id).to_bytes(),
        });
    }

    /// Runs the timers due at `now`: retransmissions, give-ups, and the
    /// expiry of cached responses.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<TransactionId> = self
            .outgoing
            .iter()
            .filter(|(_, o)| o.deadline() <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let Some(o) = self.outgoing.get_mut(&id) else {
                continue;
            };
            match o.fire(&self.config, now) {
                Fire::Retransmit => {
                    debug!(to = %o.to, id = id.get(), n = o.retransmissions(), "retransmitting");
                    self.transmits.push_back(Transmit {
                        to: o.to,
                        bytes: o.bytes.clone(),
                    });
                }
                Fire::GiveUp => {
                    if let Some(o) = self.outgoing.remove(&id) {
                        warn!(to = %o.to, id = id.get(), "no response: giving up");
                        self.events.push_back(TransactionEvent::Timeout {
                            to: o.to,
                            command: o.command,
                        });
                    }
                }
                Fire::Wait => {}
            }
        }
        let config = &self.config;
        let transmits = &mut self.transmits;
        self.incoming.retain(|(peer, _), entry| match entry {
            Incoming::Executing { .. } => true,
            Incoming::Answered {
                bytes,
                expires,
                awaiting_ack,
            } => {
                if *expires <= now {
                    return false;
                }
                if let Some(r) = awaiting_ack {
                    match r.fire(config, now) {
                        Fire::Retransmit => transmits.push_back(Transmit {
                            to: *peer,
                            bytes: bytes.clone(),
                        }),
                        Fire::GiveUp => *awaiting_ack = None,
                        Fire::Wait => {}
                    }
                }
                true
            }
            Incoming::Acknowledged { expires } => *expires > now,
        });
        let horizon = self.config.response_history;
        self.finished
            .retain(|_, at| now.saturating_duration_since(*at) < horizon);
        self.to_confirm.retain(|_, list| {
            list.retain(|(_, at)| now.saturating_duration_since(*at) < horizon);
            !list.is_empty()
        });
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let out = self.outgoing.values().map(Outgoing::deadline);
        let inc = self.incoming.values().filter_map(Incoming::deadline);
        out.chain(inc).min()
    }
}
