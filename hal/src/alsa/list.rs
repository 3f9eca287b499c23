//! The PCM devices ALSA knows: its device-name hints.

use alsa::device_name::HintIter;
use alsa::Direction;

use crate::AudioError;

/// One PCM device ALSA lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The PCM name to open (`default`, `plughw:CARD=PCH,DEV=0`, `null`).
    pub name: String,
    /// ALSA's description, lines joined with " / ".
    pub description: String,
    /// It records.
    pub capture: bool,
    /// It plays.
    pub playback: bool,
}

/// Every PCM in ALSA's device-name hints (the cards' devices and the
/// configuration's PCMs such as `default` and `null`).
pub fn list_devices() -> Result<Vec<DeviceInfo>, AudioError> {
    let hints = HintIter::new_str(None, "pcm")
        .map_err(|e| AudioError::Device(format!("ALSA device hints: {e}")))?;
    Ok(hints
        .filter_map(|h| {
            let name = h.name?;
            let description = h
                .desc
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" / ");
            // No direction in the hint means both.
            let (capture, playback) = match h.direction {
                Some(Direction::Capture) => (true, false),
                Some(Direction::Playback) => (false, true),
                None => (true, true),
            };
            Some(DeviceInfo {
                name,
                description,
                capture,
                playback,
            })
        })
        .collect())
}
