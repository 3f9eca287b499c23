//! The phone's bounded event queue and its overflow policy.
//!
//! Stacks must never wait for the application, so events are queued here and
//! the application drains them with [`Phone::next_event`](crate::Phone::next_event).
//! When the queue is full the **oldest** event is dropped and counted; the
//! next read first returns [`PhoneEvent::EventsDropped`]. Nothing about a call
//! is lost that way: its state stays queryable through its handle.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::PhoneEvent;

#[derive(Debug)]
pub(crate) struct EventQueue {
    inner: Mutex<QueueState>,
    notify: Notify,
    capacity: usize,
}

#[derive(Debug, Default)]
struct QueueState {
    events: VecDeque<PhoneEvent>,
    dropped: u64,
    closed: bool,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        EventQueue {
            inner: Mutex::new(QueueState::default()),
            notify: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        // A panic while holding this lock cannot leave the queue inconsistent
        // (every mutation is a single push/pop), so poisoning is ignored.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn push(&self, event: PhoneEvent) {
        let mut q = self.lock();
        if q.closed {
            return;
        }
        if q.events.len() >= self.capacity {
            q.events.pop_front();
            q.dropped += 1;
        }
        q.events.push_back(event);
        drop(q);
        self.notify.notify_one();
    }

    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.notify.notify_waiters();
        self.notify.notify_one();
    }

    fn try_pop(&self) -> Option<Option<PhoneEvent>> {
        let mut q = self.lock();
        if q.dropped > 0 {
            let count = std::mem::take(&mut q.dropped);
            return Some(Some(PhoneEvent::EventsDropped { count }));
        }
        if let Some(e) = q.events.pop_front() {
            return Some(Some(e));
        }
        if q.closed {
            return Some(None);
        }
        None
    }

    pub(crate) async fn pop(&self) -> Option<PhoneEvent> {
        loop {
            let notified = self.notify.notified();
            if let Some(r) = self.try_pop() {
                return r;
            }
            notified.await;
        }
    }

    pub(crate) fn try_next(&self) -> Option<PhoneEvent> {
        self.try_pop().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CallId;

    #[tokio::test]
    async fn overflow_drops_oldest_and_reports() {
        let q = EventQueue::new(2);
        let ids: Vec<CallId> = (0..3).map(|_| CallId::next()).collect();
        for id in &ids {
            q.push(PhoneEvent::CallState {
                call: *id,
                state: crate::CallState::Active,
            });
        }
        assert_eq!(q.pop().await, Some(PhoneEvent::EventsDropped { count: 1 }));
        match q.pop().await {
            Some(PhoneEvent::CallState { call, .. }) => assert_eq!(call, ids[1]),
            other => panic!("unexpected {other:?}"),
        }
        q.close();
        assert!(q.pop().await.is_some());
        assert_eq!(q.pop().await, None);
    }
}
