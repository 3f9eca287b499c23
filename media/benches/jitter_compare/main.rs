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
    /// jitter20, loss2-jitter40, wifi-bursts, reorder.
    #[arg(long = "trace")]
    traces: Vec<String>,
    /// Also (or only, without --trace) run a capture: CSV lines
    /// `seq,ts,arrival_ms` (20 ms packets, 8 kHz timestamps).
    #[arg(long)]
    csv: Vec<PathBuf>,
    /// Seed of the generated traces (the first, with --seeds).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run each generated trace under this many consecutive seeds and pool
    /// the played frames (one buffer's delay depends on when it happened to
    /// underflow: one seed is one sample).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    seeds: u64,
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

/// The buffers compared, by row.
const BUFFERS: [&str; 3] = [
    "ours (session: 40–300 ms)",
    "ours (JitterConfig::default: 20–300 ms)",
    "libspeexdsp (step 20 ms)",
];

/// A fresh buffer of row `k` of [`BUFFERS`]; None if libspeexdsp fails to
/// allocate.
fn make(k: usize) -> Option<Box<dyn Buffer>> {
    match k {
        0 => Some(Box::new(Ours::session())),
        1 => Some(Box::new(Ours::new(20, 300))),
        _ => Some(Box::new(Speex::new()?)),
    }
}

/// One trace, or the same generated trace under several seeds.
struct Group {
    /// Generated (runs are seeds `--seed`, `--seed` + 1, …), not a capture.
    seeded: bool,
    name: String,
    about: String,
    runs: Vec<Trace>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut groups: Vec<Group> = Vec::new();
    let names: Vec<String> = if args.traces.is_empty() && args.csv.is_empty() {
        SYNTHETIC.iter().map(|(n, _)| n.to_string()).collect()
    } else {
        args.traces.clone()
    };
    for name in &names {
        let runs: Vec<Trace> = (0..args.seeds)
            .filter_map(|i| generate(name, args.seconds, args.seed.wrapping_add(i)))
            .collect();
        let Some(first) = runs.first() else {
            let known: Vec<&str> = SYNTHETIC.iter().map(|(n, _)| *n).collect();
            eprintln!("unknown trace {name:?}; known: {}", known.join(", "));
            return ExitCode::FAILURE;
        };
        groups.push(Group {
            seeded: true,
            name: first.name.clone(),
            about: first.about.clone(),
            runs,
        });
    }
    for path in &args.csv {
        match read_csv(path) {
            Ok(t) => groups.push(Group {
                seeded: false,
                name: t.name.clone(),
                about: t.about.clone(),
                runs: vec![t],
            }),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }

    let last_seed = args.seed.wrapping_add(args.seeds.saturating_sub(1));
    println!(
        "jitter_compare: seeds {}..={last_seed}, {} s per generated trace, 20 ms playout ticks",
        args.seed, args.seconds
    );
    for g in &groups {
        let sent: u64 = g.runs.iter().map(|t| t.sent).sum();
        let arrived: u64 = g.runs.iter().map(distinct).sum();
        let lost = sent.saturating_sub(arrived);
        println!();
        println!("### {}", g.name);
        println!();
        println!(
            "{}. {} run(s), {sent} packets sent, {lost} lost in the network ({:.2} %).",
            g.about,
            g.runs.len(),
            100.0 * lost as f64 / sent.max(1) as f64
        );
        println!();
        println!(
            "| buffer | buffer delay mean / p95, ms | latency over best path mean / p95, ms \
             | per-run mean latency, min–max ms | concealed % | concealed / inserted frames \
             | late-discarded | other discarded |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        let mut notes = Vec::new();
        for (k, label) in BUFFERS.iter().enumerate() {
            let mut pooled = Report::default();
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (i, t) in g.runs.iter().enumerate() {
                let Some(mut buf) = make(k) else {
                    eprintln!("jitter_buffer_init failed");
                    return ExitCode::FAILURE;
                };
                let r = run(t, buf.as_mut());
                let m = mean(&r.excess_ms);
                lo = lo.min(m);
                hi = hi.max(m);
                let run_name = if g.seeded {
                    format!("seed {}", args.seed.wrapping_add(i as u64))
                } else {
                    "capture".to_string()
                };
                notes.push(format!(
                    "{label}, {run_name}: latency over best path {m:.1} ms, late-discarded {}; {}",
                    r.late, r.notes
                ));
                pooled.merge(r);
            }
            print_row(label, &pooled, lo, hi);
        }
        if args.verbose {
            println!();
            println!("Counters over each whole run (start-up and the 2 s drain included):");
            println!();
            for n in notes {
                println!("- {n}");
            }
        }
    }
    ExitCode::SUCCESS
}

/// Distinct packets that arrived (duplicates counted once).
fn distinct(t: &Trace) -> u64 {
    let mut s: Vec<(u16, u32)> = t.packets.iter().map(|p| (p.seq, p.ts)).collect();
    s.sort_unstable();
    s.dedup();
    s.len() as u64
}

fn print_row(label: &str, r: &Report, lo: f64, hi: f64) {
    println!(
        "| {label} | {:.1} / {:.1} | {:.1} / {:.1} | {lo:.0}–{hi:.0} | {:.2} | {} / {} | {} | {} |",
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
