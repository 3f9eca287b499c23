//! Sound devices: `--capture`, `--playback`, `--ringer` (`alsa:NAME`, an
//! ALSA PCM name such as `default`, `plughw:1` or `null`) and
//! `--list-devices`. Without them nothing opens ALSA: the phone keeps its
//! tone/file source and null/file sink. A softphone built without the
//! `alsa` feature refuses `alsa:` devices with a clear error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use openphone::hal::{AudioSink, AudioSource};
use openphone::MediaError;

use crate::ringtone::{ring_until, Ringtone};

/// The device options (flattened into the softphone's command line).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DeviceArgs {
    /// Microphone: alsa:NAME (an ALSA PCM: default, plughw:1, null…);
    /// instead of --play/--tone.
    #[arg(long, value_name = "alsa:NAME", value_parser = parse_device,
          conflicts_with_all = ["play", "tone"])]
    pub capture: Option<Device>,
    /// Speaker: alsa:NAME; instead of --record.
    #[arg(long, value_name = "alsa:NAME", value_parser = parse_device,
          conflicts_with = "record")]
    pub playback: Option<Device>,
    /// Where incoming calls ring: alsa:NAME, or wav:FILE.wav (a recording
    /// of the ringing, rewritten for each call).
    #[arg(long, value_name = "alsa:NAME", value_parser = parse_ringer)]
    pub ringer: Option<Device>,
    /// What the ringer plays: this WAV file (mono 16-bit at --device-rate,
    /// looped) instead of the country's ringing (--country).
    #[arg(long, value_name = "FILE.wav", requires = "ringer")]
    pub ringtone: Option<std::path::PathBuf>,
    /// Sample rate asked of ALSA devices (the phone resamples to the codec).
    #[arg(long, value_name = "HZ", default_value_t = 8000, value_parser = parse_rate)]
    pub device_rate: u32,
    /// List the ALSA PCM devices (name, directions, description) and exit.
    #[arg(long)]
    pub list_devices: bool,
}

/// A sound device named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// An ALSA PCM.
    Alsa(String),
    /// A WAV file written with what would be played (a ringer only).
    Wav(std::path::PathBuf),
}

fn parse_rate(s: &str) -> Result<u32, String> {
    match s.parse() {
        Ok(r @ (8000 | 16000 | 48000)) => Ok(r),
        _ => Err(format!("{s:?}: 8000, 16000 or 48000")),
    }
}

fn parse_ringer(s: &str) -> Result<Device, String> {
    match s.split_once(':') {
        Some(("wav", path)) if !path.is_empty() => Ok(Device::Wav(path.into())),
        _ => parse_device(s),
    }
}

fn parse_device(s: &str) -> Result<Device, String> {
    match s.split_once(':') {
        Some(("alsa", name)) if !name.is_empty() => Ok(Device::Alsa(name.to_string())),
        _ => Err(format!(
            "{s:?}: a device is alsa:NAME (an ALSA PCM such as alsa:default or alsa:plughw:1)"
        )),
    }
}

impl DeviceArgs {
    /// Checks, before the phone starts, that the devices named can be used
    /// by this build.
    pub fn check(&self) -> Result<(), String> {
        for d in [&self.capture, &self.playback, &self.ringer]
            .into_iter()
            .flatten()
        {
            let Device::Alsa(name) = d else { continue };
            if !cfg!(feature = "alsa") {
                return Err(format!(
                    "alsa:{name}: this softphone was built without ALSA; \
                     build it with --features alsa (needs libasound2-dev)"
                ));
            }
        }
        Ok(())
    }

    /// Takes the config file's devices (`capture`, `playback`, `ringer`)
    /// where the command line named no source, sink or ringer of its own.
    pub fn merge_file(
        &mut self,
        file: [Option<&str>; 3],
        source_given: bool,
        sink_given: bool,
    ) -> Result<(), String> {
        let [capture, playback, ringer] = file;
        let parse = |key: &str, v: Option<&str>| {
            v.map(parse_device)
                .transpose()
                .map_err(|e| format!("{key}: {e}"))
        };
        let (capture, playback, ringer) = (
            parse("capture", capture)?,
            parse("playback", playback)?,
            ringer
                .map(parse_ringer)
                .transpose()
                .map_err(|e| format!("ringer: {e}"))?,
        );
        if !source_given && self.capture.is_none() {
            self.capture = capture;
        }
        if !sink_given && self.playback.is_none() {
            self.playback = playback;
        }
        if self.ringer.is_none() {
            self.ringer = ringer;
        }
        Ok(())
    }

    /// The call's microphone, if a device was named.
    pub fn source(&self) -> Result<Option<Box<dyn AudioSource>>, MediaError> {
        self.capture
            .as_ref()
            .map(|d| imp::capture(d, self.device_rate))
            .transpose()
    }

    /// The call's speaker, if a device was named.
    pub fn sink(&self) -> Result<Option<Box<dyn AudioSink>>, MediaError> {
        self.playback
            .as_ref()
            .map(|d| imp::playback(d, self.device_rate))
            .transpose()
    }

    /// Starts `tone` on the ringer device, if one was named; ringing stops
    /// when the returned handle is dropped.
    pub fn ring(&self, tone: Ringtone) -> Option<Ringing> {
        let dev = self.ringer.clone()?;
        let rate = self.device_rate;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("ringer".into())
            .spawn(move || {
                let sink = match &dev {
                    Device::Wav(path) => openphone::hal::WavSink::create(path, rate)
                        .map(|w| Box::new(w) as Box<dyn AudioSink>)
                        .map_err(|e| MediaError::Device(format!("{}: {e}", path.display()))),
                    Device::Alsa(_) => imp::playback(&dev, rate),
                };
                match sink {
                    Ok(sink) => ring_until(sink, &tone, &flag),
                    Err(e) => println!("error: ringer: {e}"),
                }
            });
        if let Err(e) = spawned {
            println!("error: ringer: {e}");
        }
        Some(Ringing(stop))
    }
}

/// A ringer that rings until dropped.
pub struct Ringing(Arc<AtomicBool>);

impl Drop for Ringing {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// `--list-devices`: one line per PCM.
pub fn print_list() -> Result<(), String> {
    imp::list()
}

#[cfg(feature = "alsa")]
mod imp {
    use super::Device;
    use openphone::hal::alsa::{list_devices, AlsaCapture, AlsaConfig, AlsaPlayback};
    use openphone::hal::{AudioSink, AudioSource};
    use openphone::MediaError;

    pub fn capture(d: &Device, rate: u32) -> Result<Box<dyn AudioSource>, MediaError> {
        let Device::Alsa(name) = d else {
            return Err(MediaError::Device(format!("{d:?} is not a capture device")));
        };
        AlsaCapture::open(name, &AlsaConfig::new(rate))
            .map(|c| Box::new(c) as Box<dyn AudioSource>)
            .map_err(|e| MediaError::Device(e.to_string()))
    }

    pub fn playback(d: &Device, rate: u32) -> Result<Box<dyn AudioSink>, MediaError> {
        let Device::Alsa(name) = d else {
            return Err(MediaError::Device(format!("{d:?} is not an ALSA device")));
        };
        AlsaPlayback::open(name, &AlsaConfig::new(rate))
            .map(|p| Box::new(p) as Box<dyn AudioSink>)
            .map_err(|e| MediaError::Device(e.to_string()))
    }

    pub fn list() -> Result<(), String> {
        let devices = list_devices().map_err(|e| e.to_string())?;
        for d in devices {
            let dirs = match (d.capture, d.playback) {
                (true, true) => "capture+playback",
                (true, false) => "capture",
                _ => "playback",
            };
            println!("alsa:{}\t{dirs}\t{}", d.name, d.description);
        }
        Ok(())
    }
}

#[cfg(not(feature = "alsa"))]
mod imp {
    use super::Device;
    use openphone::hal::{AudioSink, AudioSource};
    use openphone::MediaError;

    const NO_ALSA: &str =
        "this softphone was built without ALSA; build it with --features alsa (needs libasound2-dev)";

    pub fn capture(d: &Device, _rate: u32) -> Result<Box<dyn AudioSource>, MediaError> {
        Err(MediaError::Device(format!("{d:?}: {NO_ALSA}")))
    }

    pub fn playback(d: &Device, _rate: u32) -> Result<Box<dyn AudioSink>, MediaError> {
        Err(MediaError::Device(format!("{d:?}: {NO_ALSA}")))
    }

    pub fn list() -> Result<(), String> {
        Err(format!("--list-devices: {NO_ALSA}"))
    }
}
