//! The per-tick calls: audio in, one mix, audio out. None of them
//! allocates.

use crate::mixer::{Mixer, MixerError, PartyId};

impl Mixer {
    /// Queues one frame from `id` (its [`PartyConfig::frame_len`] samples at
    /// its rate) for the coming ticks. A party may run up to one frame
    /// ahead; beyond that its oldest audio is dropped and counted in
    /// [`PartyStats::dropped_input`].
    ///
    /// [`PartyConfig::frame_len`]: crate::mixer::PartyConfig::frame_len
    /// [`PartyStats::dropped_input`]: crate::mixer::PartyStats::dropped_input
    pub fn push(&mut self, id: PartyId, frame: &[i16]) -> Result<(), MixerError> {
        self.party_mut(id)?.push(frame)
    }

    /// Queues one frame of music on hold (in the format given to
    /// [`set_hold_music`](Self::set_hold_music)).
    pub fn push_hold_music(&mut self, frame: &[i16]) -> Result<(), MixerError> {
        let hold = self.hold.as_mut().ok_or(MixerError::NoHoldMusic)?;
        hold.input.push(frame).map(|_| ())
    }

    /// Mixes one tick ([`tick_ms`](Self::tick_ms) of audio).
    ///
    /// Each party's next tick of pushed audio (silence if it has none:
    /// [`PartyStats::late_ticks`]) is brought to the mixing rate and scaled
    /// by its volume; every party that is neither muted nor held adds to
    /// one total. Each joined party then hears the total minus its own
    /// contribution, each held party the hold music (or silence), scaled
    /// by its listening volume and the master volume, clipped to 16 bits,
    /// brought to its rate, with its tone (if any) added; the result waits
    /// for [`pull`](Self::pull).
    ///
    /// The caller's clock drives the mixer: call this once per tick.
    ///
    /// [`PartyStats::late_ticks`]: crate::mixer::PartyStats::late_ticks
    pub fn mix(&mut self) -> Result<(), MixerError> {
        self.total.fill(0);
        for slot in &mut self.slots {
            let Some(party) = &mut slot.party else {
                continue;
            };
            if let Some(c) = party.gather()? {
                // Headroom: at most MAX_PARTIES × 519 370 < 2³¹.
                for (t, &x) in self.total.iter_mut().zip(c) {
                    *t += x;
                }
            }
        }
        // Hold music advances every tick, held party or not, so it stays in
        // step with the pusher.
        let hold = match &mut self.hold {
            Some(h) => Some(h.input.next_tick()?.0),
            None => None,
        };
        for slot in &mut self.slots {
            if let Some(party) = &mut slot.party {
                party.deliver(&self.total, hold, self.master)?;
            }
        }
        self.ticks += 1;
        Ok(())
    }

    /// Takes the next frame for `id` into `out` (its frame length). Returns
    /// `false`, with `out` silenced, while no whole frame is mixed yet (a
    /// party whose frame spans several ticks gets one every few ticks).
    /// Unpulled audio is kept for at most one frame, then dropped
    /// ([`PartyStats::dropped_output`]).
    ///
    /// [`PartyStats::dropped_output`]: crate::mixer::PartyStats::dropped_output
    pub fn pull(&mut self, id: PartyId, out: &mut [i16]) -> Result<bool, MixerError> {
        self.party_mut(id)?.pull(out)
    }
}
