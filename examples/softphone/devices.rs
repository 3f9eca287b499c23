//! Sound devices: `--capture`, `--playback`, `--ringer` (`alsa:NAME`, an
//! ALSA PCM name such as `default`, `plughw:1` or `null`) and
//! `--list-devices`. Without them nothing opens ALSA: the phone keeps its
//! tone/file source and null/file sink. A softphone built without the
//! `alsa` feature refuses `alsa:` devices with a clear error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone::hal::{AudioSink, AudioSource};
use openphone::MediaError;

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
    /// Where incoming calls ring: alsa:NAME.
    #[arg(long, value_name = "alsa:NAME", value_parser = parse_device)]
    pub ringer: Option<Device>,
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
}

fn parse_rate(s: &str) -> Result<u32, String> {
    match s.parse() {
        Ok(r @ (8000 | 16000 | 48000)) => Ok(r),
        _ => Err(format!("{s:?}: 8000, 16000 or 48000")),
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
            let Device::Alsa(name) = d;
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
            parse("ringer", ringer)?,
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

    /// Starts ringing on the ringer device, if one was named; ringing stops
    /// when the returned handle is dropped.
    pub fn ring(&self) -> Option<Ringing> {
        let dev = self.ringer.clone()?;
        let rate = self.device_rate;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("ringer".into())
            .spawn(move || match imp::playback(&dev, rate) {
                Ok(sink) => ring_until(sink, &flag),
                Err(e) => println!("error: ringer: {e}"),
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

/// The North American ring (ITU-T E.180 supplement 2: 440 + 480 Hz, 2 s on,
/// 4 s off) in 20 ms frames, paced by the system clock (the sink never
/// blocks).
fn ring_until(mut sink: Box<dyn AudioSink>, stop: &AtomicBool) {
    let rate = sink.sample_rate();
    let mut tone = openphone::hal::ToneSource::dual(rate, 440.0, 480.0, 0.5);
    let mut frame = vec![0i16; rate as usize / 50];
    let start = Instant::now();
    let mut n: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        let on = (n % 300) < 100; // 6 s cycle, 2 s on
        if on {
            let _ = tone.read(&mut frame);
        } else {
            frame.fill(0);
        }
        if let Err(e) = sink.write(&frame) {
            println!("error: ringer: {e}");
        }
        n += 1;
        let due = start + Duration::from_millis(20 * u64::from(n));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let _ = sink.flush();
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
        let Device::Alsa(name) = d;
        AlsaCapture::open(name, &AlsaConfig::new(rate))
            .map(|c| Box::new(c) as Box<dyn AudioSource>)
            .map_err(|e| MediaError::Device(e.to_string()))
    }

    pub fn playback(d: &Device, rate: u32) -> Result<Box<dyn AudioSink>, MediaError> {
        let Device::Alsa(name) = d;
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
        let Device::Alsa(name) = d;
        Err(MediaError::Device(format!("alsa:{name}: {NO_ALSA}")))
    }

    pub fn playback(d: &Device, _rate: u32) -> Result<Box<dyn AudioSink>, MediaError> {
        let Device::Alsa(name) = d;
        Err(MediaError::Device(format!("alsa:{name}: {NO_ALSA}")))
    }

    pub fn list() -> Result<(), String> {
        Err(format!("--list-devices: {NO_ALSA}"))
    }
}
