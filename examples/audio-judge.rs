//! The audio judge (`openphone_hal::judge`) for shell scripts: judges a
//! recorded WAV file against the tone that was sent, or an RTP packet count
//! against a call's length. Prints one `JUDGE` line; exits 0 on pass, 1 on
//! fail, 2 on a usage or file error.
//!
//! ```text
//! audio-judge tone --freq HZ --level-dbfs DB [--min-tnr DB] [--level-tolerance DB]
//!             [--max-dropout-ms MS] [--settle-ms MS] [--tail-ms MS]
//!             [--freq-tolerance SHARE] [--allow-gap START_MS-END_MS]...
//!             [--label TEXT] FILE.wav
//! audio-judge packets --count N --seconds S --ptime-ms MS [--tolerance SHARE] [--label TEXT]
//! ```
//!
//! Defaults are the suite's rules (`Criteria::default()`: TNR ≥ 20 dB, level
//! within 6 dB, no dropout over 60 ms after the first 300 ms; packets within
//! 5 %). Unknown options, missing values and unparsable numbers are errors:
//! a typo must not loosen a check.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use openphone::hal::judge::{self, Criteria, SentTone};
use openphone::hal::{AudioSource, WavSource};

const USAGE: &str = "usage: audio-judge tone --freq HZ --level-dbfs DB [--min-tnr DB] \
[--level-tolerance DB] [--max-dropout-ms MS] [--settle-ms MS] [--tail-ms MS] \
[--freq-tolerance SHARE] [--allow-gap START_MS-END_MS]... [--label TEXT] FILE.wav\n       \
audio-judge packets --count N --seconds S --ptime-ms MS [--tolerance SHARE] [--label TEXT]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("audio-judge: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Options of one subcommand: each `--name` at most once, except
/// `--allow-gap`; positional arguments in order.
struct Parsed {
    opts: HashMap<String, String>,
    gaps: Vec<String>,
    positional: Vec<String>,
}

impl Parsed {
    fn new(args: &[String], known: &[&str]) -> Result<Self, String> {
        let mut p = Parsed {
            opts: HashMap::new(),
            gaps: Vec::new(),
            positional: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                p.positional.push(a.clone());
                continue;
            };
            if !known.contains(&name) {
                return Err(format!("unknown option --{name}"));
            }
            let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            if name == "allow-gap" {
                p.gaps.push(v.clone());
            } else if p.opts.insert(name.to_string(), v.clone()).is_some() {
                return Err(format!("--{name} given twice"));
            }
        }
        Ok(p)
    }

    fn num(&self, name: &str) -> Result<Option<f64>, String> {
        self.opts
            .get(name)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("--{name}: not a number: {v:?}"))
            })
            .transpose()
    }

    fn required(&self, name: &str) -> Result<f64, String> {
        self.num(name)?
            .ok_or_else(|| format!("--{name} is required"))
    }

    /// ` [LABEL]` when `--label` was given, else nothing.
    fn label(&self) -> String {
        self.opts
            .get("label")
            .map(|l| format!(" [{l}]"))
            .unwrap_or_default()
    }
}

fn run(args: &[String]) -> Result<bool, String> {
    match args.first().map(String::as_str) {
        Some("tone") => tone(&args[1..]),
        Some("packets") => packets(&args[1..]),
        Some(other) => Err(format!("unknown subcommand {other:?}")),
        None => Err("no subcommand".into()),
    }
}

fn tone(args: &[String]) -> Result<bool, String> {
    let p = Parsed::new(
        args,
        &[
            "freq",
            "level-dbfs",
            "min-tnr",
            "level-tolerance",
            "max-dropout-ms",
            "settle-ms",
            "tail-ms",
            "freq-tolerance",
            "allow-gap",
            "label",
        ],
    )?;
    let [file] = p.positional.as_slice() else {
        return Err("exactly one WAV file expected".into());
    };
    let sent = SentTone {
        freq_hz: p.required("freq")?,
        level_dbfs: p.required("level-dbfs")?,
    };
    let mut c = Criteria::default();
    for (name, field) in [
        ("min-tnr", &mut c.min_tnr_db),
        ("level-tolerance", &mut c.level_tolerance_db),
        ("max-dropout-ms", &mut c.max_dropout_ms),
        ("settle-ms", &mut c.settle_ms),
        ("tail-ms", &mut c.tail_ms),
        ("freq-tolerance", &mut c.freq_tolerance),
    ] {
        if let Some(v) = p.num(name)? {
            *field = v;
        }
    }
    for g in &p.gaps {
        let (a, b) = g
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse::<f64>().ok()?, b.parse::<f64>().ok()?)))
            .filter(|(a, b)| a.is_finite() && b.is_finite() && a <= b)
            .ok_or_else(|| format!("--allow-gap: want START_MS-END_MS, got {g:?}"))?;
        c.allowed_gaps_ms.push(a..b);
    }
    let (samples, rate) = read_wav(file)?;
    let v = judge::judge_tone(&samples, rate, &sent, &c);
    println!(
        "JUDGE{} tone {file} (sent {} Hz at {} dBFS; min TNR {} dB): {v}",
        p.label(),
        sent.freq_hz,
        sent.level_dbfs,
        c.min_tnr_db
    );
    Ok(v.passed())
}

fn packets(args: &[String]) -> Result<bool, String> {
    let p = Parsed::new(
        args,
        &["count", "seconds", "ptime-ms", "tolerance", "label"],
    )?;
    if !p.positional.is_empty() {
        return Err(format!("unexpected argument {:?}", p.positional[0]));
    }
    let count = p.required("count")?;
    let seconds = p.required("seconds")?;
    let ptime = p.required("ptime-ms")?;
    let tolerance = p.num("tolerance")?.unwrap_or(0.05);
    if count < 0.0 || count.fract() != 0.0 || seconds < 0.0 || ptime <= 0.0 || tolerance < 0.0 {
        return Err(
            "--count must be a whole number; --seconds, --ptime-ms, --tolerance positive".into(),
        );
    }
    let v = judge::judge_packets(
        count as u64,
        Duration::from_secs_f64(seconds),
        Duration::from_secs_f64(ptime / 1000.0),
        tolerance,
    );
    println!(
        "JUDGE{} packets over {seconds:.2} s at {ptime} ms: {v}",
        p.label()
    );
    Ok(v.passed())
}

/// The whole file as mono samples (channels averaged) and its rate.
fn read_wav(path: &str) -> Result<(Vec<i16>, u32), String> {
    let mut src = WavSource::open(path).map_err(|e| format!("{path}: {e}"))?;
    let rate = src.sample_rate();
    let mut out = Vec::new();
    // One sample at a time: a read that reaches the end pads its frame with
    // silence, which must not be judged as a dropout.
    let mut one = [0i16; 1];
    while src.read(&mut one).map_err(|e| format!("{path}: {e}"))? {
        out.push(one[0]);
    }
    Ok((out, rate))
}
