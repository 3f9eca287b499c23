//! The [`Mixer`] itself: its parties, the mixing rate, and adding and
//! removing parties while it runs.

use tracing::{debug, warn};

use crate::mixer::config::samples;
use crate::mixer::gain::Gain;
use crate::mixer::party::{Party, PartyRetarget};
use crate::mixer::path::{InputPath, Retarget};
use crate::mixer::{MixRate, MixerConfig, MixerError, PartyConfig, PartyId};

/// A slot of the party table. The generation counts removals, so an old
/// [`PartyId`] never reaches a newer party in the same slot.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) generation: u32,
    pub(crate) party: Option<Party>,
}

/// The music-on-hold source: an input like a party's, heard only by held
/// parties.
#[derive(Debug)]
pub(crate) struct HoldMusic {
    pub(crate) cfg: PartyConfig,
    pub(crate) input: InputPath,
}

/// An N-party conference mixer and call bridge; see the
/// [module docs](crate::mixer) for the model and an example.
#[derive(Debug)]
pub struct Mixer {
    pub(crate) tick_ms: u32,
    pub(crate) max_parties: usize,
    pub(crate) policy: MixRate,
    pub(crate) mix_rate: u32,
    pub(crate) slots: Vec<Slot>,
    pub(crate) local: PartyId,
    pub(crate) count: usize,
    /// Sum of every contribution this tick, at the mixing rate.
    pub(crate) total: Vec<i32>,
    pub(crate) hold: Option<HoldMusic>,
    pub(crate) master_db: f32,
    pub(crate) master: Gain,
    pub(crate) ticks: u64,
}

impl Mixer {
    /// A mixer holding only the local party ([`Mixer::local`]).
    pub fn new(cfg: MixerConfig) -> Result<Mixer, MixerError> {
        cfg.validate()?;
        let mix_rate = match cfg.mix_rate {
            MixRate::Fixed(r) => r,
            MixRate::HighestParty => cfg.local.rate,
        };
        let local = Party::new(cfg.local, cfg.tick_ms, mix_rate)?;
        let mut slots = Vec::with_capacity(cfg.max_parties);
        slots.push(Slot {
            generation: 0,
            party: Some(local),
        });
        Ok(Mixer {
            tick_ms: cfg.tick_ms,
            max_parties: cfg.max_parties,
            policy: cfg.mix_rate,
            mix_rate,
            slots,
            local: PartyId {
                index: 0,
                generation: 0,
            },
            count: 1,
            total: vec![0; samples(mix_rate, cfg.tick_ms)],
            hold: None,
            master_db: 0.0,
            master: Gain::UNITY,
            ticks: 0,
        })
    }

    /// The local party: the device's microphone goes in with
    /// [`push`](Self::push), the speaker's audio comes out with
    /// [`pull`](Self::pull). It cannot be removed or held.
    pub fn local(&self) -> PartyId {
        self.local
    }

    /// The internal mixing rate in Hz (see [`MixRate`]).
    pub fn mix_rate(&self) -> u32 {
        self.mix_rate
    }

    /// The tick length in ms.
    pub fn tick_ms(&self) -> u32 {
        self.tick_ms
    }

    /// Ticks mixed so far.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// Number of parties, the local one included.
    pub fn party_count(&self) -> usize {
        self.count
    }

    /// The ids of all parties, the local one first.
    pub fn parties(&self) -> impl Iterator<Item = PartyId> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            s.party.as_ref().map(|_| PartyId {
                index: i as u32,
                generation: s.generation,
            })
        })
    }

    /// Whether `id` names a current party.
    pub fn contains(&self, id: PartyId) -> bool {
        self.party(id).is_ok()
    }

    /// The format `id` was added with.
    pub fn party_config(&self, id: PartyId) -> Result<PartyConfig, MixerError> {
        Ok(self.party(id)?.cfg)
    }

    /// Adds a party (a call leg). It starts joined to the conference, at
    /// 0 dB, unmuted; until it pushes audio it counts as silent. Buffers
    /// are allocated here (and, if the mixing rate changes, for every
    /// party), never in the per-tick calls.
    pub fn add_party(&mut self, cfg: PartyConfig) -> Result<PartyId, MixerError> {
        cfg.validate(self.tick_ms)?;
        if self.count >= self.max_parties {
            return Err(MixerError::TooManyParties(self.max_parties));
        }
        let rate = self.wanted_rate(Some(cfg.rate));
        let retarget = self.prepare_rate(rate)?;
        let party = Party::new(cfg, self.tick_ms, rate)?;
        self.install_rate(rate, retarget);
        let index = match self.slots.iter().position(|s| s.party.is_none()) {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    party: None,
                });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        slot.party = Some(party);
        self.count += 1;
        let id = PartyId {
            index: index as u32,
            generation: slot.generation,
        };
        debug!(%id, rate = cfg.rate, frame_ms = cfg.frame_ms, mix_rate = self.mix_rate, "mixer: party added");
        Ok(id)
    }

    /// Removes a party; its id becomes invalid. The mixing rate may drop
    /// (see [`MixRate::HighestParty`]).
    pub fn remove_party(&mut self, id: PartyId) -> Result<(), MixerError> {
        if id == self.local {
            return Err(MixerError::LocalParty("removed"));
        }
        self.party(id)?;
        let slot = &mut self.slots[id.index as usize];
        slot.party = None;
        slot.generation = slot.generation.wrapping_add(1);
        self.count -= 1;
        debug!(%id, "mixer: party removed");
        self.retune();
        Ok(())
    }

    /// Moves to the rate the parties now call for. Used after a removal,
    /// which cannot fail: if the new rate cannot be set up, the mixer keeps
    /// mixing at the old (higher) one.
    pub(crate) fn retune(&mut self) {
        let rate = self.wanted_rate(None);
        match self.prepare_rate(rate) {
            Ok(r) => self.install_rate(rate, r),
            Err(e) => warn!(error = %e, rate, "mixer: keeping the mixing rate"),
        }
    }

    /// The mixing rate for the current parties and hold music, plus
    /// `extra` (a source about to be added).
    pub(crate) fn wanted_rate(&self, extra: Option<u32>) -> u32 {
        match self.policy {
            MixRate::Fixed(r) => r,
            MixRate::HighestParty => {
                let hold = self.hold.as_ref().map(|h| h.cfg.rate);
                self.slots
                    .iter()
                    .filter_map(|s| s.party.as_ref().map(|p| p.cfg.rate))
                    .chain(extra)
                    .chain(hold)
                    .max()
                    .unwrap_or(self.mix_rate)
            }
        }
    }

    /// New buffers for every party and the hold music at `rate` (empty when
    /// the rate does not change). Nothing is modified.
    pub(crate) fn prepare_rate(&self, rate: u32) -> Result<RateChange, MixerError> {
        if rate == self.mix_rate {
            return Ok(RateChange::default());
        }
        let mut parties = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            parties.push(match &slot.party {
                Some(p) => Some(p.prepare_rate(self.tick_ms, rate)?),
                None => None,
            });
        }
        let hold = match &self.hold {
            Some(h) => Some(h.input.prepare_rate(self.tick_ms, rate)?),
            None => None,
        };
        Ok(RateChange { parties, hold })
    }

    /// Switches everything to `rate` with buffers from
    /// [`prepare_rate`](Self::prepare_rate).
    pub(crate) fn install_rate(&mut self, rate: u32, change: RateChange) {
        if rate == self.mix_rate {
            return;
        }
        for (slot, r) in self.slots.iter_mut().zip(change.parties) {
            if let (Some(p), Some(r)) = (&mut slot.party, r) {
                p.install(r);
            }
        }
        if let (Some(h), Some(r)) = (&mut self.hold, change.hold) {
            h.input.install(r);
        }
        self.total = vec![0; samples(rate, self.tick_ms)];
        debug!(
            from = self.mix_rate,
            to = rate,
            "mixer: mixing rate changed"
        );
        self.mix_rate = rate;
    }

    pub(crate) fn party(&self, id: PartyId) -> Result<&Party, MixerError> {
        self.slots
            .get(id.index as usize)
            .filter(|s| s.generation == id.generation)
            .and_then(|s| s.party.as_ref())
            .ok_or(MixerError::UnknownParty(id))
    }

    pub(crate) fn party_mut(&mut self, id: PartyId) -> Result<&mut Party, MixerError> {
        self.slots
            .get_mut(id.index as usize)
            .filter(|s| s.generation == id.generation)
            .and_then(|s| s.party.as_mut())
            .ok_or(MixerError::UnknownParty(id))
    }
}

/// Buffers for a mixing-rate change, one entry per slot.
#[derive(Debug, Default)]
pub(crate) struct RateChange {
    parties: Vec<Option<PartyRetarget>>,
    hold: Option<Retarget>,
}
