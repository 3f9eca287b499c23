//! The core's calls, indexed by SIP Call-ID as well as by handle.
//!
//! Every in-dialog request, every new INVITE (to spot a retransmission
//! whose 2xx the UAS core re-sends, §13.3.1.4) and every stray 2xx looks
//! its call up by Call-ID. A scan of all calls made that O(active calls)
//! per message; the index makes it O(calls sharing the Call-ID), which is
//! one except for forked outgoing INVITEs.
//!
//! Exactness: a call's Call-ID is fixed when the call is created, and the
//! index changes only in [`CallTable::insert`] and [`CallTable::remove`],
//! the only ways a call enters or leaves the table.

use std::collections::HashMap;
use std::ops::Deref;
use std::time::Instant;

use openphone_sal::CallId;

use super::dialog::Call;
use super::timed::Timed;

/// Calls by handle, with their timers (see [`Timed`]) and a Call-ID index.
/// Reads by handle go through `Deref` to the `HashMap`.
#[derive(Debug)]
pub(crate) struct CallTable {
    calls: Timed<CallId, Call>,
    by_call_id: HashMap<String, Vec<CallId>>,
}

impl CallTable {
    pub(crate) fn new() -> Self {
        CallTable {
            calls: Timed::new(Call::next_deadline),
            by_call_id: HashMap::new(),
        }
    }

    /// The calls whose SIP Call-ID is `call_id`.
    pub(crate) fn with_call_id(&self, call_id: &str) -> impl Iterator<Item = &Call> {
        self.by_call_id
            .get(call_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.calls.get(id))
    }

    /// Mutable access to one call (its deadline is re-read later).
    pub(crate) fn get_mut(&mut self, id: &CallId) -> Option<&mut Call> {
        self.calls.get_mut(id)
    }

    /// Adds or replaces a call.
    pub(crate) fn insert(&mut self, id: CallId, call: Call) -> Option<Call> {
        let call_id = call.call_id.clone();
        let old = self.calls.insert(id, call);
        if let Some(old) = &old {
            self.unindex(id, &old.call_id);
        }
        self.by_call_id.entry(call_id).or_default().push(id);
        old
    }

    /// Removes a call and its timer.
    pub(crate) fn remove(&mut self, id: &CallId) -> Option<Call> {
        let old = self.calls.remove(id)?;
        self.unindex(*id, &old.call_id);
        Some(old)
    }

    /// The earliest deadline of any call.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.calls.next_deadline()
    }

    /// The calls due at `now`, earliest first (see [`Timed::take_due`]).
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<CallId> {
        self.calls.take_due(now)
    }

    fn unindex(&mut self, id: CallId, call_id: &str) {
        if let Some(ids) = self.by_call_id.get_mut(call_id) {
            ids.retain(|x| *x != id);
            if ids.is_empty() {
                self.by_call_id.remove(call_id);
            }
        }
    }
}

impl Deref for CallTable {
    type Target = HashMap<CallId, Call>;

    fn deref(&self) -> &HashMap<CallId, Call> {
        &self.calls
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use openphone_sal::{StackCommand, StackEvent};

    use crate::config::CoreConfig;
    use crate::core::SipCore;

    const ME: &str = "127.0.0.1:5060";
    const PEER: &str = "127.0.0.1:5070";

    fn invite(call_id: &str, branch: &str) -> Vec<u8> {
        format!(
            "INVITE sip:ua@{ME} SIP/2.0\r\nVia: SIP/2.0/UDP {PEER};branch={branch}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:peer@{PEER}>;tag=p-{call_id}\r\nTo: <sip:ua@{ME}>\r\n\
             Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:peer@{PEER}>\r\n\
             Content-Length: 0\r\n\r\n"
        )
        .into_bytes()
    }

    /// Every call is indexed under its Call-ID, and nothing else is.
    fn assert_index_exact(core: &SipCore) {
        let t = &core.calls;
        let indexed: usize = t.by_call_id.values().map(Vec::len).sum();
        assert_eq!(indexed, t.len());
        for c in t.values() {
            assert_eq!(t.by_call_id.get(&c.call_id).map(Vec::len), Some(1));
            assert!(t.with_call_id(&c.call_id).any(|x| x.id == c.id));
        }
    }

    #[test]
    fn calls_are_found_by_call_id_until_they_are_removed() {
        let mut now = std::time::Instant::now();
        let (me, peer) = (ME.parse().unwrap(), PEER.parse().unwrap());
        let mut core = SipCore::new(CoreConfig::new(Some(me), None), now);
        for (n, call_id) in ["a1", "b2", "c3"].iter().enumerate() {
            core.handle_datagram(now, me, peer, &invite(call_id, &format!("z9hG4bK{n}")));
        }
        let mut incoming = Vec::new();
        while let Some(e) = core.poll_event() {
            if let StackEvent::IncomingCall { call, .. } = e {
                incoming.push(call);
            }
        }
        assert_eq!(incoming.len(), 3);
        assert_index_exact(&core);
        assert_eq!(core.calls.with_call_id("b2").count(), 1);
        assert_eq!(core.calls.with_call_id("b").count(), 0);

        core.handle_command(
            now,
            StackCommand::Reject {
                call: incoming[1],
                reason: openphone_sal::Reason::new(openphone_sal::Cause::Busy),
            },
        );
        // Past Timer H and every other timer: the rejected call is gone.
        for _ in 0..70 {
            now += Duration::from_secs(1);
            core.handle_timeout(now);
        }
        while core.poll_transmit().is_some() {}
        assert_index_exact(&core);
        assert_eq!(core.calls.with_call_id("b2").count(), 0);
        assert_eq!(core.calls.with_call_id("a1").count(), 1);

        // A new dialog may reuse a Call-ID whose call has ended.
        core.handle_datagram(now, me, peer, &invite("b2", "z9hG4bK9"));
        assert_eq!(core.calls.with_call_id("b2").count(), 1);
        assert_index_exact(&core);
    }
}
