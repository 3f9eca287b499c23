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

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use openphone::hal::judge::{self, Criteria, SentTone};
use openphone::hal::{AudioSource, WavSource};

/// Judges a recorded tone or an RTP packet count (exit 0 pass, 1 fail, 2 error).
#[derive(Parser)]
#[command(name = "audio-judge")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Judge a WAV recording against the tone that was sent.
    Tone(ToneArgs),
    /// Judge an RTP packet count against a call's length.
    Packets(PacketArgs),
}

#[derive(Args)]
struct ToneArgs {
    /// Frequency of the tone sent (Hz).
    #[arg(long, value_parser = finite)]
    freq: f64,
    /// Level of the tone sent (dBFS).
    #[arg(long, value_parser = finite, allow_hyphen_values = true)]
    level_dbfs: f64,
    /// Least tone-to-noise ratio (dB); default the suite's 20.
    #[arg(long, value_parser = finite, allow_hyphen_values = true)]
    min_tnr: Option<f64>,
    /// Largest level difference from the tone sent (dB); default 6.
    #[arg(long, value_parser = finite)]
    level_tolerance: Option<f64>,
    /// Longest dropout allowed (ms); default 60.
    #[arg(long, value_parser = finite)]
    max_dropout_ms: Option<f64>,
    /// Start-up not judged (ms); default 300.
    #[arg(long, value_parser = finite)]
    settle_ms: Option<f64>,
    /// End not judged (ms).
    #[arg(long, value_parser = finite)]
    tail_ms: Option<f64>,
    /// Largest frequency error, as a share of the tone's frequency.
    #[arg(long, value_parser = finite)]
    freq_tolerance: Option<f64>,
    /// A stretch START_MS-END_MS where a gap is expected (e.g. DTMF); repeatable.
    #[arg(long, value_parser = gap)]
    allow_gap: Vec<std::ops::Range<f64>>,
    /// Text printed with the verdict.
    #[arg(long)]
    label: Option<String>,
    /// The recording (WAV).
    file: String,
}

#[derive(Args)]
struct PacketArgs {
    /// Packets counted.
    #[arg(long)]
    count: u64,
    /// The call's length (s).
    #[arg(long, value_parser = non_negative)]
    seconds: f64,
    /// Packet time (ms).
    #[arg(long, value_parser = positive)]
    ptime_ms: f64,
    /// Allowed share of difference; default 0.05.
    #[arg(long, default_value_t = 0.05, value_parser = non_negative)]
    tolerance: f64,
    /// Text printed with the verdict.
    #[arg(long)]
    label: Option<String>,
}

fn finite(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("not a number: {s:?}"))
}

fn non_negative(s: &str) -> Result<f64, String> {
    finite(s).and_then(|v| {
        if v >= 0.0 {
            Ok(v)
        } else {
            Err("must not be negative".into())
        }
    })
}

fn positive(s: &str) -> Result<f64, String> {
    finite(s).and_then(|v| {
        if v > 0.0 {
            Ok(v)
        } else {
            Err("must be positive".into())
        }
    })
}

fn gap(s: &str) -> Result<std::ops::Range<f64>, String> {
    s.split_once('-')
        .and_then(|(a, b)| Some((finite(a).ok()?, finite(b).ok()?)))
        .filter(|(a, b)| a <= b)
        .map(|(a, b)| a..b)
        .ok_or_else(|| format!("want START_MS-END_MS, got {s:?}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Tone(t) => tone(t),
        Command::Packets(p) => Ok(packets(p)),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("audio-judge: {e}");
            ExitCode::from(2)
        }
    }
}

/// ` [LABEL]` when a label was given, else nothing.
fn label(l: &Option<String>) -> String {
    l.as_ref().map(|l| format!(" [{l}]")).unwrap_or_default()
}

fn tone(t: ToneArgs) -> Result<bool, String> {
    let sent = SentTone {
        freq_hz: t.freq,
        level_dbfs: t.level_dbfs,
    };
    let mut c = Criteria::default();
    for (value, field) in [
        (t.min_tnr, &mut c.min_tnr_db),
        (t.level_tolerance, &mut c.level_tolerance_db),
        (t.max_dropout_ms, &mut c.max_dropout_ms),
        (t.settle_ms, &mut c.settle_ms),
        (t.tail_ms, &mut c.tail_ms),
        (t.freq_tolerance, &mut c.freq_tolerance),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    c.allowed_gaps_ms.extend(t.allow_gap.iter().cloned());
    let (samples, rate) = read_wav(&t.file)?;
    let v = judge::judge_tone(&samples, rate, &sent, &c);
    println!(
        "JUDGE{} tone {} (sent {} Hz at {} dBFS; min TNR {} dB): {v}",
        label(&t.label),
        t.file,
        sent.freq_hz,
        sent.level_dbfs,
        c.min_tnr_db
    );
    Ok(v.passed())
}

fn packets(p: PacketArgs) -> bool {
    let v = judge::judge_packets(
        p.count,
        Duration::from_secs_f64(p.seconds),
        Duration::from_secs_f64(p.ptime_ms / 1000.0),
        p.tolerance,
    );
    println!(
        "JUDGE{} packets over {:.2} s at {} ms: {v}",
        label(&p.label),
        p.seconds,
        p.ptime_ms
    );
    v.passed()
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
