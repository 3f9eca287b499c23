//! Volumes, mute, hold (the bridge) and tones.

use openphone_hal::line::ToneSpec;
use tracing::debug;

use crate::mixer::gain::Gain;
use crate::mixer::party::PartyStats;
use crate::mixer::path::InputPath;
use crate::mixer::state::HoldMusic;
use crate::mixer::tone::ToneGen;
use crate::mixer::{Mixer, MixerError, PartyConfig, PartyId};

impl Mixer {
    /// Sets how loud `id` is heard by everyone else, in dB (0 = as sent).
    /// For the local party this is the microphone gain. Values outside
    /// [`MIN_GAIN_DB`]..=[`MAX_GAIN_DB`] are clamped.
    ///
    /// [`MIN_GAIN_DB`]: crate::mixer::MIN_GAIN_DB
    /// [`MAX_GAIN_DB`]: crate::mixer::MAX_GAIN_DB
    pub fn set_volume(&mut self, id: PartyId, db: f32) -> Result<(), MixerError> {
        self.party_mut(id)?.set_gain(db)
    }

    /// The volume set with [`set_volume`](Self::set_volume).
    pub fn volume(&self, id: PartyId) -> Result<f32, MixerError> {
        Ok(self.party(id)?.gain_db)
    }

    /// Sets how loud `id` hears its mix, in dB. For the local party this is
    /// the speaker volume (tones included).
    pub fn set_listen_volume(&mut self, id: PartyId, db: f32) -> Result<(), MixerError> {
        self.party_mut(id)?.set_listen(db)
    }

    /// The volume set with [`set_listen_volume`](Self::set_listen_volume).
    pub fn listen_volume(&self, id: PartyId) -> Result<f32, MixerError> {
        Ok(self.party(id)?.listen_db)
    }

    /// Sets the master volume in dB, applied to every party's output on
    /// top of its listening volume.
    pub fn set_master_volume(&mut self, db: f32) -> Result<(), MixerError> {
        self.master = Gain::from_db(db)?;
        self.master_db = db;
        Ok(())
    }

    /// The volume set with [`set_master_volume`](Self::set_master_volume).
    pub fn master_volume(&self) -> f32 {
        self.master_db
    }

    /// Mutes or unmutes `id`: a muted party still hears the others, but
    /// nobody hears it. Muting the local party mutes the microphone.
    pub fn set_muted(&mut self, id: PartyId, muted: bool) -> Result<(), MixerError> {
        self.party_mut(id)?.muted = muted;
        Ok(())
    }

    /// Whether `id` is muted.
    pub fn is_muted(&self, id: PartyId) -> Result<bool, MixerError> {
        Ok(self.party(id)?.muted)
    }

    /// Puts a call on hold or takes it back: a held party is not heard by
    /// anyone and hears the hold music (or silence) instead of the
    /// conference. The local party cannot be held.
    pub fn set_held(&mut self, id: PartyId, held: bool) -> Result<(), MixerError> {
        if id == self.local {
            return Err(MixerError::LocalParty("held"));
        }
        let party = self.party_mut(id)?;
        if party.held != held {
            debug!(%id, held, "mixer: hold changed");
        }
        party.held = held;
        Ok(())
    }

    /// Whether `id` is held.
    pub fn is_held(&self, id: PartyId) -> Result<bool, MixerError> {
        Ok(self.party(id)?.held)
    }

    /// Bridge mode: connects the local user to `id` alone and holds every
    /// other call (swapping between two calls is `activate(other)`).
    /// `activate(local())` holds every call.
    pub fn activate(&mut self, id: PartyId) -> Result<(), MixerError> {
        self.party(id)?;
        let local = self.local;
        for (i, slot) in self.slots.iter_mut().enumerate() {
            let pid = PartyId {
                index: i as u32,
                generation: slot.generation,
            };
            if let Some(p) = &mut slot.party {
                p.held = pid != local && pid != id;
            }
        }
        debug!(%id, "mixer: activated");
        Ok(())
    }

    /// Sets the music-on-hold source's format (`Some`), fed by
    /// [`push_hold_music`](Self::push_hold_music), or removes it (`None`):
    /// held parties then hear silence. Replacing it drops queued music.
    pub fn set_hold_music(&mut self, cfg: Option<PartyConfig>) -> Result<(), MixerError> {
        let Some(cfg) = cfg else {
            self.hold = None;
            self.retune();
            return Ok(());
        };
        cfg.validate(self.tick_ms)?;
        let rate = self.wanted_rate(Some(cfg.rate));
        let change = self.prepare_rate(rate)?;
        let input = InputPath::new(cfg, self.tick_ms, rate)?;
        self.install_rate(rate, change);
        self.hold = Some(HoldMusic { cfg, input });
        // A slower new source may allow a lower rate than the old one did.
        self.retune();
        Ok(())
    }

    /// Starts playing `spec` to `id` on top of its mix, replacing any tone
    /// already playing; it follows the spec's cadence from the next tick
    /// and stops by itself when a burst pattern ends. Typical use: the
    /// call-waiting tone to the local user while a second call alerts.
    ///
    /// ```
    /// use openphone_hal::line::{Country, Tone, TonePlan};
    /// use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig};
    ///
    /// let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(16_000, 20))).unwrap();
    /// let plan = TonePlan::for_country(Country::De);
    /// m.play_tone(m.local(), plan.tone(Tone::CallWaiting)).unwrap();
    /// assert!(m.is_tone_playing(m.local()).unwrap());
    /// ```
    pub fn play_tone(&mut self, id: PartyId, spec: &ToneSpec) -> Result<(), MixerError> {
        let party = self.party_mut(id)?;
        party.tone = Some(ToneGen::new(spec, party.cfg.rate)?);
        Ok(())
    }

    /// Stops the tone playing to `id`, if any (at once, without a fade).
    pub fn stop_tone(&mut self, id: PartyId) -> Result<(), MixerError> {
        self.party_mut(id)?.tone = None;
        Ok(())
    }

    /// Whether a tone is playing (or still to play a burst) to `id`.
    pub fn is_tone_playing(&self, id: PartyId) -> Result<bool, MixerError> {
        Ok(self.party(id)?.tone.is_some())
    }

    /// The counters of `id`.
    pub fn stats(&self, id: PartyId) -> Result<PartyStats, MixerError> {
        Ok(self.party(id)?.stats)
    }
}
