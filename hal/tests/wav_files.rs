//! WAV drivers: round trips through temp files, format conversions, and
//! cross-checks against sox (a reference tool) when it is installed.
#![cfg(feature = "wav")]
mod common;

use common::{sine, TempPath};
use openphone_hal::{analysis, AudioError, AudioSink, AudioSource, WavSink, WavSource};

fn read_to_end(src: &mut WavSource) -> Vec<i16> {
    let mut out = Vec::new();
    let mut f = vec![0i16; 160];
    let mut guard = 0;
    loop {
        let live = src.read(&mut f).unwrap();
        out.extend_from_slice(&f);
        guard += 1;
        assert!(guard < 100_000);
        if !live {
            break;
        }
    }
    out
}

fn write_with_hound(
    path: &std::path::Path,
    spec: hound::WavSpec,
    f: impl Fn(&mut hound::WavWriter<std::io::BufWriter<std::fs::File>>),
) {
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    f(&mut w);
    w.finalize().unwrap();
}

#[test]
fn round_trip_16_bit_mono() {
    let p = TempPath::new("rt.wav");
    let data = sine(1000, 8000, 440.0, 20000.0);
    let mut sink = WavSink::create(&p.0, 8000).unwrap();
    for chunk in data.chunks(160) {
        sink.write(chunk).unwrap();
    }
    sink.finish().unwrap();

    let mut src = WavSource::open(&p.0).unwrap();
    assert_eq!(src.sample_rate(), 8000);
    assert_eq!(src.channels(), 1);
    assert_eq!(src.len_frames(), 1000);
    let got = read_to_end(&mut src);
    assert_eq!(&got[..1000], &data[..]);
    assert!(got[1000..].iter().all(|&s| s == 0));
    assert_eq!(got.len(), 1120); // 7 frames of 160
}

#[test]
fn drop_finalizes_the_header() {
    let p = TempPath::new("drop.wav");
    {
        let mut sink = WavSink::create(&p.0, 16000).unwrap();
        sink.write(&[1000; 320]).unwrap();
    }
    let r = hound::WavReader::open(&p.0).unwrap();
    assert_eq!(r.duration(), 320);
    assert_eq!(r.spec().sample_rate, 16000);
    assert_eq!(r.spec().bits_per_sample, 16);
    assert_eq!(r.spec().channels, 1);
}

#[test]
fn flush_makes_a_readable_file_while_recording() {
    let p = TempPath::new("flush.wav");
    let mut sink = WavSink::create(&p.0, 8000).unwrap();
    sink.write(&[5; 160]).unwrap();
    sink.flush().unwrap();
    assert_eq!(hound::WavReader::open(&p.0).unwrap().duration(), 160);
    sink.write(&[6; 160]).unwrap();
    sink.flush().unwrap();
    assert_eq!(hound::WavReader::open(&p.0).unwrap().duration(), 320);
}

#[test]
fn stereo_is_downmixed() {
    let p = TempPath::new("st.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    write_with_hound(&p.0, spec, |w| {
        for i in 0..100i16 {
            w.write_sample(i * 100).unwrap();
            w.write_sample(-i * 50).unwrap();
        }
    });
    let mut src = WavSource::open(&p.0).unwrap();
    assert_eq!(src.sample_rate(), 44100);
    assert_eq!(src.channels(), 2);
    let mut f = [0i16; 100];
    src.read(&mut f).unwrap();
    for (i, &s) in f.iter().enumerate() {
        let expect = ((i as f64 * 100.0 - i as f64 * 50.0) / 2.0).round() as i16;
        assert_eq!(s, expect);
    }
}

#[test]
fn other_sample_formats_are_scaled() {
    let cases: [(u16, hound::SampleFormat); 4] = [
        (8, hound::SampleFormat::Int),
        (24, hound::SampleFormat::Int),
        (32, hound::SampleFormat::Int),
        (32, hound::SampleFormat::Float),
    ];
    for (bits, fmt) in cases {
        let p = TempPath::new("fmt.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: bits,
            sample_format: fmt,
        };
        write_with_hound(&p.0, spec, |w| match (bits, fmt) {
            (8, _) => {
                w.write_sample(64i8).unwrap();
                w.write_sample(-128i8).unwrap();
            }
            (24, _) => {
                w.write_sample(0x40_0000i32).unwrap();
                w.write_sample(-0x80_0000i32).unwrap();
            }
            (32, hound::SampleFormat::Int) => {
                w.write_sample(0x4000_0000i32).unwrap();
                w.write_sample(i32::MIN).unwrap();
            }
            _ => {
                w.write_sample(0.5f32).unwrap();
                w.write_sample(-1.0f32).unwrap();
            }
        });
        let mut src = WavSource::open(&p.0).unwrap();
        let mut f = [0i16; 2];
        src.read(&mut f).unwrap();
        assert!(
            (i32::from(f[0]) - 16384).abs() <= 1,
            "{bits} {fmt:?}: {f:?}"
        );
        assert!(f[1] <= -32767, "{bits} {fmt:?}: {f:?}");
    }
}

#[test]
fn looping_restarts() {
    let p = TempPath::new("loop.wav");
    let mut sink = WavSink::create(&p.0, 8000).unwrap();
    sink.write(&[1, 2, 3]).unwrap();
    sink.finish().unwrap();
    let mut src = WavSource::open(&p.0).unwrap().looping(true);
    let mut f = [0i16; 8];
    for _ in 0..3 {
        assert!(src.read(&mut f).unwrap());
    }
    // Samples 16..24 of the endless 1,2,3 pattern.
    assert_eq!(f, [2, 3, 1, 2, 3, 1, 2, 3]);
}

#[test]
fn looping_an_empty_file_ends_instead_of_spinning() {
    let p = TempPath::new("empty.wav");
    WavSink::create(&p.0, 8000).unwrap().finish().unwrap();
    let mut src = WavSource::open(&p.0).unwrap().looping(true);
    let mut f = [3i16; 10];
    assert!(!src.read(&mut f).unwrap());
    assert_eq!(f, [0; 10]);
}

#[test]
fn bad_files_are_errors() {
    let p = TempPath::new("bad.wav");
    std::fs::write(&p.0, b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk").unwrap();
    assert!(matches!(
        WavSource::open(&p.0),
        Err(AudioError::Format(_) | AudioError::Io(_))
    ));
    assert!(matches!(
        WavSource::open("/nonexistent/x.wav"),
        Err(AudioError::Io(_))
    ));
    assert!(WavSink::create("/nonexistent/dir/x.wav", 8000).is_err());
}

#[test]
fn truncated_file_ends_early() {
    let p = TempPath::new("trunc.wav");
    let mut sink = WavSink::create(&p.0, 8000).unwrap();
    sink.write(&[100; 1000]).unwrap();
    sink.finish().unwrap();
    let bytes = std::fs::read(&p.0).unwrap();
    std::fs::write(&p.0, &bytes[..bytes.len() - 1001]).unwrap(); // cut mid-sample
    let mut src = WavSource::open(&p.0).unwrap();
    let got = read_to_end(&mut src);
    let n = got.iter().take_while(|&&s| s == 100).count();
    assert_eq!(n, 499);
    // Looping a truncated file keeps going over what is there.
    let mut src = WavSource::open(&p.0).unwrap().looping(true);
    let mut f = vec![0i16; 1200];
    assert!(src.read(&mut f).unwrap());
    assert!(f.iter().all(|&s| s == 100));
}

/// The reference tool is required: a missing sox fails the test, it does not
/// skip it (`bash scripts/install-deps.sh` installs it).
fn require_sox() {
    let ok = std::process::Command::new("sox")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "sox is not installed: apt-get install sox (bash scripts/install-deps.sh does it)"
    );
}

#[test]
fn reads_a_tone_generated_by_sox() {
    require_sox();
    let p = TempPath::new("sox.wav");
    // Stereo 24-bit 48 kHz 1 kHz sine from the reference tool.
    let st = std::process::Command::new("sox")
        .args(["-n", "-r", "48000", "-c", "2", "-b", "24"])
        .arg(&p.0)
        .args(["synth", "1", "sine", "1000", "vol", "0.5"])
        .status()
        .unwrap();
    assert!(st.success());
    let mut src = WavSource::open(&p.0).unwrap();
    assert_eq!(src.sample_rate(), 48000);
    let got = read_to_end(&mut src);
    assert!(analysis::tone_present(&got[..48000], 48000, 1000.0, 2.0));
    let f = analysis::dominant_frequency(&got, 48000).unwrap();
    assert!((f - 1000.0).abs() < 1.0, "{f}");
    let peak = got.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!((16000..=16500).contains(&peak), "peak {peak}");
}

#[test]
fn sox_reads_what_we_write() {
    require_sox();
    let p = TempPath::new("ours.wav");
    {
        let mut sink = WavSink::create(&p.0, 8000).unwrap();
        sink.write(&sine(8000, 8000, 600.0, 16000.0)).unwrap();
        // dropped without finish: the header must still be right
    }
    let out = std::process::Command::new("sox")
        .arg(&p.0)
        .args(["-n", "stat"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    let field = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    assert_eq!(field("Samples read"), 8000.0);
    assert!((field("Length (seconds)") - 1.0).abs() < 1e-6);
    // sox's own frequency estimate
    assert!((field("Rough   frequency") - 600.0).abs() < 10.0);
}
