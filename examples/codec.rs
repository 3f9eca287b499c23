//! WAV ↔ raw codec frames through any codec this build has.
//!
//! ```text
//! cargo run --example codec --features opus,speex -- list
//! cargo run --example codec -- encode --codec gsm speech.wav speech.gsm
//! cargo run --example codec -- decode --codec gsm speech.gsm back.wav
//! cargo run --example codec -- roundtrip --codec speex-nb --loss 5 --seed 1 speech.wav out.wav
//! ```
//!
//! Frame files: fixed-size codecs store frames back to back (as `toast`
//! writes GSM); Speex and Opus frames carry a 2-byte big-endian length
//! prefix. See `openphone_media::codec::tool`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use openphone_media::codec::tool::{self, Action, Job, Loss};
use openphone_media::codec::CodecRegistry;

/// WAV ↔ raw codec frames through any codec this build has.
#[derive(Parser)]
#[command(name = "codec")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the codecs of this build, with the names the other commands take.
    List,
    /// Encode a mono 16-bit WAV into a frame file.
    Encode {
        /// Codec name (see `list`), e.g. gsm, pcmu, ilbc30, speex-nb, opus.
        #[arg(long)]
        codec: String,
        /// Input WAV.
        input: PathBuf,
        /// Output frame file.
        output: PathBuf,
    },
    /// Decode a frame file into a WAV.
    Decode(Decode),
    /// Encode a WAV and decode it again (with simulated loss if asked).
    Roundtrip(Decode),
}

#[derive(Args)]
struct Decode {
    /// Codec name (see `list`).
    #[arg(long)]
    codec: String,
    /// Replace this percentage of frames by the decoder's concealment.
    #[arg(long, value_parser = percent)]
    loss: Option<f64>,
    /// Seed of the loss pattern.
    #[arg(long, default_value_t = 0, requires = "loss")]
    seed: u64,
    /// Resample the output WAV to this rate (Hz).
    #[arg(long)]
    rate: Option<u32>,
    /// Input file.
    input: PathBuf,
    /// Output WAV.
    output: PathBuf,
}

fn percent(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("not a number: {s:?}"))?;
    if (0.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err("takes 0..=100".into())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let reg = CodecRegistry::with_builtin();
    let mut out = std::io::stdout();
    let result = match &cli.command {
        Command::List => {
            print!("{}", tool::list(&reg));
            Ok(())
        }
        Command::Encode {
            codec,
            input,
            output,
        } => tool::execute(
            &reg,
            &Job {
                action: Action::Encode,
                codec,
                loss: None,
                rate: None,
                input,
                output,
            },
            &mut out,
        ),
        Command::Decode(d) => tool::execute(&reg, &job(Action::Decode, d), &mut out),
        Command::Roundtrip(d) => tool::execute(&reg, &job(Action::Roundtrip, d), &mut out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("codec: {e}");
            ExitCode::from(2)
        }
    }
}

fn job(action: Action, d: &Decode) -> Job<'_> {
    Job {
        action,
        codec: &d.codec,
        loss: d.loss.map(|percent| Loss {
            percent,
            seed: d.seed,
        }),
        rate: d.rate,
        input: &d.input,
        output: &d.output,
    }
}
