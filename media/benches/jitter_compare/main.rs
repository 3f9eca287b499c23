//! Our jitter buffer against libspeexdsp's on the same loss/jitter traces:
//! added delay (mean and 95th percentile per played frame), concealed
//! frames and late-discarded packets. Simulated time, deterministic by seed.
//!
//! `cargo bench -p openphone-media --bench jitter_compare`
//! `cargo bench -p openphone-media --bench jitter_compare -- --csv capture.csv`
//!
//! Prints one Markdown table per trace (see BENCHMARKS.md, "Jitter buffer
//! vs libspeexdsp", for the definitions). Links the system libspeexdsp
//! (Debian `libspeexdsp-dev`); only this bench does.

mod run;
mod speex;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use run::{mean, percentile, run, Buffer, Ours, Report};
use speex::Speex;
use trace::{generate, read_csv, Trace, SYNTHETIC};

/// Compare jitter buffers on recorded or generated loss/jitter traces.
#[derive(Parser, Debug)]
#[command(name = "jitter_compare")]
struct Args {
    /// Generated trace(s) to run (default: all): jitter40, jitter40-fifo,
    /// loss2-jitter40, wifi-bursts, reorder.
    #[arg(long = "trace")]
    traces: Vec<String>,
    /// Also (or only, without --trace) run a capture: CSV lines
    /// `seq,ts,arrival_ms` (20 ms packets, 8 kHz timestamps).
    #[arg(long)]
    csv: Vec<PathBuf>,
    /// Seed of the generated traces.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Length of the generated traces, seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=3600))]
    seconds: u32,
    /// Print each buffer's own counters under its table.
    #[arg(long)]
    verbose: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut traces: Vec<Trace> = Vec::new();
    let names: Vec<String> = if args.traces.is_empty() && args.csv.is_empty() {
        SYNTHETIC.iter().map(|(n, _)| n.to_string()).collect()
    } else {
        args.traces.clone()
    };
    for name in &names {
        match generate(name, args.seconds, args.seed) {
            Some(t) => traces.push(t),
            None => {
                let known: Vec<&str> = SYNTHETIC.iter().map(|(n, _)| *n).collect();
                eprintln!("unknown trace {name:?}; known: {}", known.join(", "));
                return ExitCode::FAILURE;
            }
        }
    }
    for path in &args.csv {
        match read_csv(path) {
            Ok(t) => traces.push(t),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }

    println!(
        "jitter_compare: seed {}, {} s per generated trace, 20 ms playout ticks",
        args.seed, args.seconds
    );
    for t in &traces {
        let arrived = {
            let mut s: Vec<(u16, u32)> = t.packets.iter().map(|p| (p.seq, p.ts)).collect();
            s.sort_unstable();
            s.dedup();
            s.len() as u64
        };
        println!();
        println!("### {}", t.name);
        println!();
        println!(
            "{}. {} sent, {} lost in the network ({:.1} %).",
            t.about,
            t.sent,
            t.sent.saturating_sub(arrived),
            100.0 * t.sent.saturating_sub(arrived) as f64 / t.sent.max(1) as f64
        );
        println!();
        println!(
            "| buffer | buffer delay mean / p95, ms | latency over best path mean / p95, ms \
             | concealed % | concealed / inserted frames | late-discarded | other discarded |"
        );
        println!("|---|---|---|---|---|---|---|");
        let mut buffers: Vec<(&str, Box<dyn Buffer>)> = vec![
            ("ours (session: 40–300 ms)", Box::new(Ours::session())),
            (
                "ours (JitterConfig::default: 20–300 ms)",
                Box::new(Ours::new(20, 300)),
            ),
        ];
        match Speex::new() {
            Some(s) => buffers.push(("libspeexdsp (step 20 ms)", Box::new(s))),
            None => {
                eprintln!("jitter_buffer_init failed");
                return ExitCode::FAILURE;
            }
        }
        let mut notes = Vec::new();
        for (label, buf) in &mut buffers {
            let r = run(t, buf.as_mut());
            print_row(label, &r);
            notes.push(format!("{label}: {}", r.notes));
        }
        if args.verbose {
            println!();
            println!("Counters over the whole run (start-up and the 2 s drain included):");
            println!();
            for n in notes {
                println!("- {n}");
            }
        }
    }
    ExitCode::SUCCESS
}

fn print_row(label: &str, r: &Report) {
    println!(
        "| {label} | {:.1} / {:.1} | {:.1} / {:.1} | {:.2} | {} / {} | {} | {} |",
        mean(&r.buffer_ms),
        percentile(&r.buffer_ms, 95.0),
        mean(&r.excess_ms),
        percentile(&r.excess_ms, 95.0),
        r.concealed_pct(),
        r.concealed,
        r.inserted,
        r.late,
        r.other_discarded
    );
}
