//! RFC 4733 telephone-events (DTMF digits carried in RTP), both ways, sans-IO.
//!
//! Sending ([`DtmfSender`]): one event = a first packet with the marker bit,
//! updates every 50 ms whose duration field grows, then three identical
//! end packets (E bit) carrying the final duration. All packets of one event
//! share the RTP timestamp of its start (§2.5.1). Durations are in RTP clock
//! units and are capped at 0xFFFF units (8.19 s at 8 kHz); a longer request
//! is shortened rather than split into segments (§2.5.1.3 segmenting is not
//! implemented).
//!
//! Receiving ([`DtmfReceiver`]): an event is identified by its RTP
//! timestamp; the first end packet reports the digit once, later
//! (retransmitted) end packets and updates of a finished event are ignored.
//! If an event's end packets are all lost, the digit is reported when the
//! next event starts, with the last duration seen.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use openphone_media::dtmf::{DtmfReceiver, DtmfSender};
//! let t0 = Instant::now();
//! let mut tx = DtmfSender::new(8000);
//! tx.start(t0, '5', Duration::from_millis(100), 1234).unwrap();
//! let mut rx = DtmfReceiver::new(8000);
//! let mut got = None;
//! let mut t = t0;
//! while let Some(next) = tx.poll_timeout() {
//!     t = t.max(next);
//!     while let Some(p) = tx.poll_packet(t) {
//!         if let Some(d) = rx.receive(p.timestamp_offset, &p.payload) {
//!             assert!(got.is_none(), "reported once");
//!             got = Some(d);
//!         }
//!     }
//! }
//! let d = got.unwrap();
//! assert_eq!(d.digit, '5');
//! assert_eq!(d.duration, Duration::from_millis(100));
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Errors from DTMF sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DtmfError {
    /// Not one of `0-9 * # A-D`.
    #[error("{0:?} is not a DTMF digit")]
    BadDigit(char),
    /// An event is already being sent.
    #[error("a DTMF event is already being sent")]
    Busy,
}

/// RFC 4733 §3.2 event code for a digit.
pub fn event_code(digit: char) -> Option<u8> {
    Some(match digit.to_ascii_uppercase() {
        d @ '0'..='9' => d as u8 - b'0',
        '*' => 10,
        '#' => 11,
        d @ 'A'..='D' => d as u8 - b'A' + 12,
        _ => return None,
    })
}

/// The digit for an event code (0–15).
pub fn event_digit(code: u8) -> Option<char> {
    Some(match code {
        0..=9 => (b'0' + code) as char,
        10 => '*',
        11 => '#',
        12..=15 => (b'A' + code - 12) as char,
        _ => return None,
    })
}

/// One telephone-event payload (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    /// Event code.
    pub event: u8,
    /// End bit.
    pub end: bool,
    /// Volume, 0 to −63 dBm0 (stored positive).
    pub volume: u8,
    /// Duration so far, in RTP clock units.
    pub duration: u16,
}

impl EventPayload {
    /// Parses the first 4 bytes (further blocks of a redundant payload are ignored).
    pub fn parse(b: &[u8]) -> Option<Self> {
        let s = b.get(..4)?;
        Some(EventPayload {
            event: s[0],
            end: s[1] & 0x80 != 0,
            volume: s[1] & 0x3F,
            duration: u16::from_be_bytes([s[2], s[3]]),
        })
    }

    /// Serialises to 4 bytes.
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (self.end as u8) << 7 | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }
}

/// A telephone-event packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    /// The 4-byte payload.
    pub payload: [u8; 4],
    /// Marker bit (first packet of the event).
    pub marker: bool,
    /// The event's timestamp as given to [`DtmfSender::start`].
    pub timestamp_offset: u32,
}

#[derive(Debug, Clone)]
struct Sending {
    event: u8,
    start: Instant,
    ts: u32,
    total: u16,
    updates_sent: u32,
    ends_sent: u32,
}

/// Update interval (RFC 4733 §2.5.1.2 suggests 50 ms).
const UPDATE: Duration = Duration::from_millis(50);
/// Spacing of the three end packets.
const END_SPACING: Duration = Duration::from_millis(20);
/// Volume we send: −10 dBm0.
const VOLUME: u8 = 10;

/// Sends one event at a time; queue further digits with [`queue`](Self::queue).
#[derive(Debug, Clone)]
pub struct DtmfSender {
    clock_rate: u32,
    current: Option<Sending>,
    queued: VecDeque<(char, Duration)>,
}

impl DtmfSender {
    /// For a telephone-event clock rate (8000 nearly always).
    pub fn new(clock_rate: u32) -> Self {
        DtmfSender {
            clock_rate: clock_rate.max(1),
            current: None,
            queued: VecDeque::new(),
        }
    }

    fn units(&self, d: Duration) -> u16 {
        (d.as_micros() * self.clock_rate as u128 / 1_000_000).min(0xFFFF) as u16
    }

    /// Starts an event now; `timestamp_offset` is the media timestamp it occupies.
    pub fn start(
        &mut self,
        now: Instant,
        digit: char,
        duration: Duration,
        timestamp_offset: u32,
    ) -> Result<(), DtmfError> {
        let event = event_code(digit).ok_or(DtmfError::BadDigit(digit))?;
        if self.current.is_some() {
            return Err(DtmfError::Busy);
        }
        let total = self.units(duration.max(Duration::from_millis(40)));
        self.current = Some(Sending {
            event,
            start: now,
            ts: timestamp_offset,
            total,
            updates_sent: 0,
            ends_sent: 0,
        });
        Ok(())
    }

    /// Queues a digit to start after the current one (with a 50 ms gap).
    pub fn queue(&mut self, digit: char, duration: Duration) -> Result<(), DtmfError> {
        event_code(digit).ok_or(DtmfError::BadDigit(digit))?;
        // Bounded: a runaway caller cannot grow this without limit.
        if self.queued.len() >= 64 {
            return Err(DtmfError::Busy);
        }
        self.queued.push_back((digit, duration));
        Ok(())
    }

    /// Pops the next queued digit if idle (the caller then calls `start`).
    pub fn next_queued(&mut self) -> Option<(char, Duration)> {
        if self.current.is_some() {
            return None;
        }
        self.queued.pop_front()
    }

    /// True while an event is being sent (audio should pause).
    pub fn is_active(&self) -> bool {
        self.current.is_some()
    }

    /// When the next packet is due, if an event is in progress.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let s = self.current.as_ref()?;
        let total = Duration::from_micros(s.total as u64 * 1_000_000 / self.clock_rate as u64);
        Some(
            if s.updates_sent as u128 * UPDATE.as_micros() < total.as_micros() {
                s.start + UPDATE * s.updates_sent
            } else {
                s.start + total + END_SPACING * s.ends_sent
            },
        )
    }

    /// The next packet due at `now`, if any.
    pub fn poll_packet(&mut self, now: Instant) -> Option<DtmfPacket> {
        let due = self.poll_timeout()?;
        if now < due {
            return None;
        }
        let clock_rate = self.clock_rate;
        let s = self.current.as_mut()?;
        let total_us = s.total as u64 * 1_000_000 / clock_rate as u64;
        let in_updates = (s.updates_sent as u64) * (UPDATE.as_micros() as u64) < total_us;
        let pkt = if in_updates {
            let k = s.updates_sent;
            s.updates_sent += 1;
            // Duration so far: what has been "played" by the end of this packet.
            let elapsed = UPDATE.as_micros() as u64 * (k as u64 + 1);
            let dur = (elapsed.min(total_us) * clock_rate as u64 / 1_000_000).min(0xFFFF) as u16;
            DtmfPacket {
                payload: EventPayload {
                    event: s.event,
                    end: false,
                    volume: VOLUME,
                    duration: dur,
                }
                .to_bytes(),
                marker: k == 0,
                timestamp_offset: s.ts,
            }
        } else {
            s.ends_sent += 1;
            DtmfPacket {
                payload: EventPayload {
                    event: s.event,
                    end: true,
                    volume: VOLUME,
                    duration: s.total,
                }
                .to_bytes(),
                marker: false,
                timestamp_offset: s.ts,
            }
        };
        if s.ends_sent >= 3 {
            self.current = None;
        }
        Some(pkt)
    }
}

/// A digit that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfDigit {
    /// `0-9 * # A-D`.
    pub digit: char,
    /// Its duration.
    pub duration: Duration,
}

/// Turns received telephone-event packets into digits, each reported once.
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    clock_rate: u32,
    /// Event in progress: (timestamp, event, last duration).
    current: Option<(u32, u8, u16)>,
    /// Timestamp of the last event reported (to ignore its retransmissions).
    last_reported: Option<u32>,
    /// A second digit finished by the same packet (see [`DtmfReceiver::take_pending`]).
    pending: Option<DtmfDigit>,
}

impl DtmfReceiver {
    /// For a telephone-event clock rate.
    pub fn new(clock_rate: u32) -> Self {
        DtmfReceiver {
            clock_rate: clock_rate.max(1),
            current: None,
            last_reported: None,
            pending: None,
        }
    }

    fn digit(&self, event: u8, duration: u16) -> Option<DtmfDigit> {
        Some(DtmfDigit {
            digit: event_digit(event)?,
            duration: Duration::from_micros(duration as u64 * 1_000_000 / self.clock_rate as u64),
        })
    }

    /// Feeds one packet (its RTP timestamp and payload). Returns a digit
    /// when an event ends, or when a new event shows the previous one's end was lost.
    pub fn receive(&mut self, timestamp: u32, payload: &[u8]) -> Option<DtmfDigit> {
        let ev = EventPayload::parse(payload)?;
        if self.last_reported == Some(timestamp) {
            return None; // retransmitted end or late update of a finished event
        }
        let mut lost_end = None;
        match self.current {
            Some((ts, event, dur)) if ts != timestamp => {
                // A new event began; the previous one never sent its end.
                self.last_reported = Some(ts);
                lost_end = self.digit(event, dur);
                self.current = None;
            }
            _ => {}
        }
        if ev.end {
            self.current = None;
            self.last_reported = Some(timestamp);
            let this = self.digit(ev.event, ev.duration);
            return match lost_end {
                // Both the unended previous event and this one finished:
                // report the older now, keep this one for `take_pending`.
                Some(old) => {
                    self.pending = this;
                    Some(old)
                }
                None => this,
            };
        }
        let prev = match self.current {
            Some((_, _, d)) => d,
            None => 0,
        };
        self.current = Some((timestamp, ev.event, ev.duration.max(prev)));
        lost_end
    }

    /// A digit left over when one packet finished two events (the previous
    /// event's end packets were all lost and this event's first packet was its end).
    pub fn take_pending(&mut self) -> Option<DtmfDigit> {
        self.pending.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(tx: &mut DtmfSender, t0: Instant) -> Vec<(Duration, DtmfPacket)> {
        let mut out = Vec::new();
        while let Some(t) = tx.poll_timeout() {
            while let Some(p) = tx.poll_packet(t) {
                out.push((t - t0, p));
            }
        }
        out
    }

    #[test]
    fn packet_schedule() {
        let t0 = Instant::now();
        let mut tx = DtmfSender::new(8000);
        tx.start(t0, '#', Duration::from_millis(120), 5000).unwrap();
        assert_eq!(
            tx.start(t0, '1', Duration::from_millis(1), 0),
            Err(DtmfError::Busy)
        );
        let pk = run(&mut tx, t0);
        let evs: Vec<_> = pk
            .iter()
            .map(|(t, p)| {
                (
                    t.as_millis(),
                    p.marker,
                    EventPayload::parse(&p.payload).unwrap(),
                )
            })
            .collect();
        // Updates at 0, 50, 100 ms with durations 400, 800, 960; ends at 120, 140, 160 ms.
        let summary: Vec<_> = evs
            .iter()
            .map(|(t, m, e)| (*t, *m, e.end, e.duration))
            .collect();
        assert_eq!(
            summary,
            vec![
                (0, true, false, 400),
                (50, false, false, 800),
                (100, false, false, 960),
                (120, false, true, 960),
                (140, false, true, 960),
                (160, false, true, 960),
            ]
        );
        assert!(evs.iter().all(|(_, _, e)| e.event == 11 && e.volume == 10));
        assert!(pk.iter().all(|(_, p)| p.timestamp_offset == 5000));
        assert!(!tx.is_active());
    }

    #[test]
    fn receiver_once_and_lost_end() {
        let mut rx = DtmfReceiver::new(8000);
        let p = |e: u8, end: bool, d: u16| {
            EventPayload {
                event: e,
                end,
                volume: 10,
                duration: d,
            }
            .to_bytes()
        };
        assert_eq!(rx.receive(100, &p(1, false, 160)), None);
        let d = rx.receive(100, &p(1, true, 800)).unwrap();
        assert_eq!((d.digit, d.duration), ('1', Duration::from_millis(100)));
        assert_eq!(rx.receive(100, &p(1, true, 800)), None);
        assert_eq!(rx.receive(100, &p(1, true, 800)), None);
        // Event 2 loses all its end packets; event 3 starting reveals it.
        assert_eq!(rx.receive(2000, &p(2, false, 400)), None);
        assert_eq!(rx.receive(2000, &p(2, false, 640)), None);
        let d = rx.receive(4000, &p(3, false, 160)).unwrap();
        assert_eq!((d.digit, d.duration), ('2', Duration::from_millis(80)));
        let d = rx.receive(4000, &p(3, true, 400)).unwrap();
        assert_eq!(d.digit, '3');
        // Event 4 unended, event 5 seen only by its end: both reported.
        assert_eq!(rx.receive(6000, &p(4, false, 400)), None);
        assert_eq!(rx.receive(8000, &p(5, true, 400)).unwrap().digit, '4');
        assert_eq!(rx.take_pending().unwrap().digit, '5');
        assert_eq!(rx.take_pending(), None);
        // Garbage never panics and never reports.
        assert_eq!(rx.receive(1, &[1, 2]), None);
        assert_eq!(rx.receive(9, &p(200, true, 1)), None);
    }

    #[test]
    fn codes() {
        for (c, e) in [
            ('0', 0),
            ('9', 9),
            ('*', 10),
            ('#', 11),
            ('a', 12),
            ('D', 15),
        ] {
            assert_eq!(event_code(c), Some(e));
            assert_eq!(
                event_digit(e).map(|d| d.to_ascii_uppercase()),
                Some(c.to_ascii_uppercase())
            );
        }
        assert_eq!(event_code('x'), None);
    }
}
