//! Two phones in one process call each other over SIP on loopback — no
//! server, no sound card. The caller plays a tone (or `--play file.wav`), the
//! callee answers and records; the demo prints media statistics and exits 0
//! only if the callee's recording carries the caller's tone.
//!
//! ```sh
//! cargo run --release --example call-demo
//! cargo run --release --example call-demo -- --codec gsm --seconds 3 --record callee.wav
//! ```
//! Options: `--codec NAME` (pcmu, pcma, gsm, g726-32, ilbc, speex, opus… as
//! `codec list` shows), `--play FILE.wav`, `--record FILE.wav`,
//! `--tone HZ` (default 1000), `--seconds N` (default 3), `--dtmf DIGITS`
//! (default `1234#`, sent by the caller and checked at the callee).

#[path = "common/args.rs"]
#[allow(dead_code)]
mod args;
#[path = "common/setup.rs"]
mod setup;

use std::process::ExitCode;
use std::time::Duration;

use openphone::hal::{
    analysis, AudioSink, AudioSource, MemorySink, ToneSource, WavSink, WavSource,
};
use openphone::{CallState, PhoneEvent};
use tokio::time::{timeout, Instant};

const DEVICE_RATE: u32 = 8000;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("call-demo: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<bool, Box<dyn std::error::Error>> {
    setup::init_tracing();
    let args = args::Args::parse(&[])?;
    let codec = args.get("codec").unwrap_or("pcmu").to_string();
    let tone_hz: f32 = args.parsed("tone", 1000.0)?;
    let seconds: f64 = args.parsed("seconds", 3.0)?;
    let dtmf = args.get("dtmf").unwrap_or("1234#").to_string();
    let play = args.get("play").map(str::to_string);
    let record = args.get("record").map(str::to_string);

    // The caller's microphone: a tone or a WAV file.
    let caller_audio = move || -> Result<Box<dyn AudioSource>, String> {
        Ok(match &play {
            Some(path) => Box::new(WavSource::open(path).map_err(|e| e.to_string())?),
            None => Box::new(ToneSource::new(DEVICE_RATE, tone_hz, 0.5)),
        })
    };
    // The callee's speaker: memory (for the check) and optionally a WAV file.
    let recording = MemorySink::new(DEVICE_RATE);
    let heard = recording.handle();
    let callee_sink: Box<dyn AudioSink> = match &record {
        Some(path) => Box::new(setup::Tee::new(
            recording,
            WavSink::create(path, DEVICE_RATE)?,
        )),
        None => Box::new(recording),
    };

    let caller = setup::loopback_phone(&codec, setup::Audio::source(caller_audio()?)).await?;
    let callee = setup::loopback_phone(&codec, setup::Audio::sink(callee_sink)).await?;
    let callee_uri = format!("sip:callee@{}", setup::sip_udp_addr(&callee)?);
    println!("caller listens on {:?}", caller.listening());
    println!("callee listens on {:?}", callee.listening());

    let call = caller.call(&callee_uri)?;
    println!("calling {callee_uri}");

    // The callee answers whatever rings.
    let callee_task = {
        let callee = callee.clone();
        tokio::spawn(async move {
            let mut digits = String::new();
            while let Some(ev) = callee.next_event().await {
                match ev {
                    PhoneEvent::IncomingCall { call, from, .. } => {
                        println!("callee: incoming call from {from}");
                        if let Err(e) = callee.call_handle(call).answer() {
                            eprintln!("callee: answer failed: {e}");
                        }
                    }
                    PhoneEvent::Dtmf { digit, .. } => digits.push(digit),
                    PhoneEvent::CallEnded { reason, .. } => {
                        println!("callee: call ended: {reason}");
                        break;
                    }
                    other => println!("callee: {other}"),
                }
            }
            digits
        })
    };

    // Caller: wait for media, talk, send DTMF, hang up.
    let deadline = Instant::now() + Duration::from_secs_f64(seconds + 10.0);
    let mut started = None;
    while started.is_none() {
        let ev = timeout(deadline - Instant::now(), caller.next_event())
            .await
            .map_err(|_| "no answer within the time limit")?
            .ok_or("caller phone closed")?;
        match ev {
            PhoneEvent::MediaStarted { media, .. } => {
                println!("caller: media {media}");
                started = Some(Instant::now());
            }
            PhoneEvent::CallEnded { reason, .. } => {
                return Err(format!("call failed: {reason}").into());
            }
            other => println!("caller: {other}"),
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds / 2.0)).await;
    if !dtmf.is_empty() {
        call.send_dtmf(&dtmf)?;
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds / 2.0)).await;
    let caller_stats = call.stats()?;
    let callee_calls = callee.active_calls();
    let callee_stats = match callee_calls.first() {
        Some(c) => c.stats()?,
        None => return Err("callee has no active call".into()),
    };
    if call.state()? == CallState::Active {
        call.hangup()?;
    }
    let digits = timeout(Duration::from_secs(10), callee_task).await??;

    setup::print_stats("caller", &caller_stats);
    setup::print_stats("callee", &callee_stats);

    let samples = heard.samples();
    // Skip the first 200 ms: jitter-buffer fill and codec start-up.
    let skip = (DEVICE_RATE as usize / 5).min(samples.len());
    let body = &samples[skip..];
    let ok_audio = if args.get("play").is_some() {
        let energy = analysis::rms(body);
        println!("callee recorded {} samples, RMS {energy:.0}", samples.len());
        energy > 100.0
    } else {
        let freq = analysis::dominant_frequency(body, DEVICE_RATE);
        println!(
            "callee recorded {} samples; dominant frequency {:.0} Hz (sent {tone_hz:.0} Hz)",
            samples.len(),
            freq.unwrap_or(0.0)
        );
        analysis::tone_present(body, DEVICE_RATE, tone_hz, 0.05 * tone_hz)
    };
    let ok_dtmf = digits == dtmf;
    println!("DTMF sent {dtmf:?}, received {digits:?}");
    caller.shutdown(Duration::from_secs(2)).await;
    callee.shutdown(Duration::from_secs(2)).await;
    let ok = ok_audio && ok_dtmf && caller_stats.packets_sent > 0;
    println!("{}", if ok { "PASS" } else { "FAIL" });
    Ok(ok)
}
