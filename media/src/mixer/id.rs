//! Party handles.

use std::fmt;

/// A party of a [`Mixer`](crate::mixer::Mixer): the local device or a call.
///
/// Ids are slot indexes with a generation, so the id of a removed party is
/// never mistaken for a party added later in the same slot.
///
/// ```
/// use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig};
/// let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(48_000, 20))).unwrap();
/// let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
/// m.remove_party(a).unwrap();
/// let b = m.add_party(PartyConfig::new(8000, 20)).unwrap();
/// assert_ne!(a, b);
/// assert!(m.push(a, &[0; 160]).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartyId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl PartyId {
    /// The slot index (stable while the party exists; reused after removal).
    pub fn index(self) -> u32 {
        self.index
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "party {}.{}", self.index, self.generation)
    }
}
