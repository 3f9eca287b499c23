//! The ALSA driver against alsa-lib's built-in `null` PCM, which needs no
//! sound card: devices open, their threads run at the sample rate (paced
//! by the system clock, since `null` has no clock), reads and writes never
//! block, and the device list has `null`.
#![cfg(feature = "alsa")]

use std::time::{Duration, Instant};

use openphone_hal::alsa::{list_devices, AlsaCapture, AlsaConfig, AlsaPlayback};
use openphone_hal::{AudioSink, AudioSource, ToneSource};

#[test]
fn null_devices_run_in_real_time_without_blocking() {
    for rate in [8000u32, 16000, 48000] {
        let config = AlsaConfig::new(rate);
        let mut mic = AlsaCapture::open("null", &config).expect("open null capture");
        let mut speaker = AlsaPlayback::open("null", &config).expect("open null playback");
        assert_eq!(mic.sample_rate(), rate);
        assert_eq!(speaker.sample_rate(), rate);
        let mut tone = ToneSource::new(rate, 1000.0, 0.5);
        let n = rate as usize / 50;
        let mut frame = vec![0i16; n];
        let start = Instant::now();
        let mut slowest = Duration::ZERO;
        for _ in 0..50 {
            let t = Instant::now();
            assert!(mic.read(&mut frame).expect("read"));
            tone.read(&mut frame).expect("tone");
            speaker.write(&frame).expect("write");
            slowest = slowest.max(t.elapsed());
            std::thread::sleep(Duration::from_millis(20));
        }
        let secs = start.elapsed().as_secs_f64();
        assert!(
            slowest < Duration::from_millis(5),
            "a read+write took {slowest:?}"
        );
        let (m, s) = (mic.stats(), speaker.stats());
        assert!(m.system_paced && s.system_paced, "{m:?} {s:?}");
        assert!(!m.failed && !s.failed);
        // Real time, not as fast as null can go: within 25 % of the
        // wall-clock time the loop took.
        for (what, st) in [("capture", m), ("playback", s)] {
            let expect = secs * f64::from(rate);
            let got = st.frames as f64;
            assert!(
                (got - expect).abs() < 0.25 * expect,
                "{what} at {rate} Hz moved {got} frames in {secs:.2} s"
            );
        }
    }
}

#[test]
fn a_missing_device_is_a_clear_error() {
    let e = AlsaCapture::open("no_such_pcm_here", &AlsaConfig::new(8000)).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("no_such_pcm_here") && msg.contains("cannot open"),
        "{msg}"
    );
}

#[test]
fn the_device_list_has_null() {
    let list = list_devices().expect("hints");
    let null = list
        .iter()
        .find(|d| d.name == "null")
        .unwrap_or_else(|| panic!("no null in {list:?}"));
    assert!(null.capture && null.playback);
    assert!(!null.description.is_empty());
}
