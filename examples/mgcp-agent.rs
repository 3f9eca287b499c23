//! An MGCP call agent that connects analog lines (RFC 3435, line and DTMF
//! packages): a switchboard on `openphone::mgcp`.
//!
//! ```sh
//! cargo run --features mgcp --example mgcp-agent -- --listen 127.0.0.1:2727 \
//!     --line 1001=aaln/1@[127.0.0.1],127.0.0.1:2427 \
//!     --line 1002=aaln/2@[127.0.0.1],127.0.0.1:2428
//! ```
//!
//! Each line is asked to report off-hook; an off-hook line gets dial tone
//! and the digit map of the table; dialling another line's number rings it
//! (with caller ID) while the caller hears ringback; the answer connects
//! the two connections both ways; on-hook deletes them (their statistics
//! are printed). Every step prints one line. It stops after `--seconds N`
//! or on Ctrl-C, deleting the connections of calls still up (within a few
//! seconds).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use openphone::mgcp::agent::notified_entity_at;
use openphone::mgcp::agent::switchboard::{self, Line, Switchboard, SwitchboardConfig};
use openphone::DigitMap;

/// An MGCP call agent connecting analog lines (RFC 3435).
#[derive(Debug, Parser)]
#[command(name = "mgcp-agent", version)]
struct Cli {
    /// The UDP address the agent listens on (and names as notified
    /// entity).
    #[arg(long, default_value = "127.0.0.1:2727")]
    listen: SocketAddr,
    /// A line: NUMBER=ENDPOINT,ADDRESS[,NAME], e.g.
    /// 1001=aaln/1@[127.0.0.1],127.0.0.1:2427 (repeatable).
    #[arg(long = "line", required = true)]
    lines: Vec<Line>,
    /// The digit map sent with dial tone (default: built from the
    /// numbers, e.g. (1xxx|[02-9]x.T)).
    #[arg(long, value_parser = parse_digit_map)]
    digit_map: Option<DigitMap>,
    /// Seconds a called line rings before the call ends.
    #[arg(long, default_value_t = 60)]
    ring_timeout: u64,
    /// Seconds an off-hook line may take to dial.
    #[arg(long, default_value_t = 30)]
    dial_timeout: u64,
    /// Stop after this many seconds (default: at Ctrl-C).
    #[arg(long)]
    seconds: Option<u64>,
    /// Do not confirm responses with `K:` (for gateways that refuse it,
    /// such as osmo-mgw 1.10).
    #[arg(long)]
    no_response_ack: bool,
}

fn parse_digit_map(s: &str) -> Result<DigitMap, String> {
    DigitMap::parse(s).map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mgcp-agent: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let socket = tokio::net::UdpSocket::bind(cli.listen).await?;
    let local = socket.local_addr()?;
    let mut config = SwitchboardConfig::new(cli.lines);
    config.agent.notified_entity = Some(notified_entity_at(local));
    config.agent.transactions.confirm_responses = !cli.no_response_ack;
    config.digit_map = cli.digit_map;
    config.ring_timeout = Duration::from_secs(cli.ring_timeout);
    config.dial_timeout = Duration::from_secs(cli.dial_timeout);
    let board = Switchboard::new(config)?;
    println!("mgcp-agent: listening on {local}");
    for line in board.lines() {
        println!("mgcp-agent: line {line}");
    }
    println!("mgcp-agent: digit map {}", board.digit_map());

    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let printer = tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            println!("{:8.3} {e}", started.elapsed().as_secs_f64());
        }
    });
    let seconds = cli.seconds;
    let stop = async move {
        match seconds {
            Some(s) => {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(s)) => {}
                    r = tokio::signal::ctrl_c() => { let _ = r; }
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        println!("mgcp-agent: stopping");
    };
    let board = switchboard::run(board, socket, tx, stop).await?;
    // The driver dropped its sender: the printer ends after the last event.
    printer.await?;
    println!(
        "mgcp-agent: stopped ({} call(s) still up)",
        board.active_calls()
    );
    Ok(())
}
