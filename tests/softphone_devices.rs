//! The softphone's device options, checked before the phone starts: a
//! device and a file are alternatives per direction (a command-line error),
//! device names are `alsa:NAME`, and a softphone built without the `alsa`
//! feature refuses `alsa:` devices with a clear error. With the feature,
//! `--list-devices` lists alsa-lib's `null` PCM.

mod common;

use std::process::{Command, Output};

fn softphone(args: &[&str]) -> Output {
    let bin = common::example("softphone");
    assert!(
        bin.exists(),
        "{} not built (cargo test builds it)",
        bin.display()
    );
    Command::new("timeout")
        .args(["-k", "5", "30"])
        .arg(&bin)
        .args(args)
        .args(["--no-control", "--listen", "127.0.0.1:25219"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run softphone")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_device_and_a_file_in_one_direction_are_an_error() {
    for args in [
        ["--capture", "alsa:null", "--play", "x.wav"],
        ["--capture", "alsa:null", "--tone", "440"],
        ["--playback", "alsa:null", "--record", "x.wav"],
    ] {
        let o = softphone(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("cannot be used with"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_device_is_alsa_name() {
    let o = softphone(&["--capture", "default"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a device is alsa:NAME"),
        "{}",
        stderr(&o)
    );
    let o = softphone(&["--device-rate", "44100"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_config_file_device_and_file_are_an_error() {
    let dir = std::env::temp_dir().join(format!("op-devices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("c.toml");
    std::fs::write(&cfg, "capture = \"alsa:null\"\ntone = 440.0\n").unwrap();
    let o = softphone(&["--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("capture and play/tone are alternatives"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "alsa")]
#[test]
fn list_devices_has_null() {
    let bin = common::example("softphone");
    let o = Command::new(&bin)
        .arg("--list-devices")
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("alsa:null\tcapture+playback\t")),
        "{out}"
    );
}

#[cfg(not(feature = "alsa"))]
#[test]
fn without_the_feature_alsa_devices_are_refused() {
    let o = softphone(&["--capture", "alsa:null"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("built without ALSA"), "{}", stderr(&o));
    let bin = common::example("softphone");
    let o = Command::new(&bin)
        .arg("--list-devices")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("built without ALSA"), "{}", stderr(&o));
}
