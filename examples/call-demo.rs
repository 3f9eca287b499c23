//! Two phones in one process call each other over SIP on loopback — no
//! server, no sound card. The caller plays a tone (or `--play file.wav`), the
//! callee answers with a tone of its own; both record. The demo prints media
//! statistics and exits 0 only if, in both directions, the audio judge
//! (`openphone_hal::judge`: frequency, tone-to-noise ratio, level, no dropout
//! over 60 ms) passes what was heard and the RTP packets sent and received
//! fit the call's length (±5 %), and the callee received the DTMF digits.
//!
//! ```sh
//! cargo run --release --example call-demo
//! cargo run --release --example call-demo -- --codec gsm --seconds 3 --record callee.wav
//! ```
//! Options: `--codec NAME` (pcmu, pcma, gsm, g726-32, ilbc, speex, opus… as
//! `codec list` shows), `--play FILE.wav`, `--record FILE.wav`,
//! `--tone HZ` (default 1000), `--callee-tone HZ` (default 600), `--seconds N`
//! (default 3), `--dtmf DIGITS` (default `1234#`, sent by the caller half-way
//! and checked at the callee), `--min-tnr DB` (default 20: every codec
//! clears it, see the table in `openphone_hal::judge`).

#[path = "common/args.rs"]
#[allow(dead_code)]
mod args;
#[path = "common/setup.rs"]
#[allow(dead_code)]
mod setup;

use std::process::ExitCode;
use std::time::Duration;

use openphone::hal::judge::{self, Criteria, SentTone};
use openphone::hal::{
    analysis, AudioSink, AudioSource, MemorySink, ToneSource, WavSink, WavSource,
};
use openphone::media::codec::CodecRegistry;
use openphone::{CallState, MediaStats, PhoneEvent};
use tokio::time::{timeout, Instant};

const DEVICE_RATE: u32 = 8000;
/// Amplitude of both tones (a share of full scale): −6.02 dBFS.
const TONE_AMPLITUDE: f32 = 0.5;

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
    let callee_tone_hz: f32 = args.parsed("callee-tone", 600.0)?;
    let min_tnr: f64 = args.parsed("min-tnr", Criteria::default().min_tnr_db)?;
    let seconds: f64 = args.parsed("seconds", 3.0)?;
    let dtmf = args.get("dtmf").unwrap_or("1234#").to_string();
    let play = args.get("play").map(str::to_string);
    let record = args.get("record").map(str::to_string);

    // The caller's microphone: a tone or a WAV file.
    let caller_audio = move || -> Result<Box<dyn AudioSource>, String> {
        Ok(match &play {
            Some(path) => Box::new(WavSource::open(path).map_err(|e| e.to_string())?),
            None => Box::new(ToneSource::new(DEVICE_RATE, tone_hz, TONE_AMPLITUDE)),
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

    // The caller's speaker and the callee's microphone: the other direction.
    let caller_rec = MemorySink::new(DEVICE_RATE);
    let caller_heard = caller_rec.handle();
    let callee_tone = ToneSource::new(DEVICE_RATE, callee_tone_hz, TONE_AMPLITUDE);

    let caller = setup::loopback_phone(
        &codec,
        setup::Audio::both(caller_audio()?, Box::new(caller_rec)),
    )
    .await?;
    let callee = setup::loopback_phone(
        &codec,
        setup::Audio::both(Box::new(callee_tone), callee_sink),
    )
    .await?;
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
    let mut ptime = Duration::from_millis(20);
    while started.is_none() {
        let ev = timeout(deadline - Instant::now(), caller.next_event())
            .await
            .map_err(|_| "no answer within the time limit")?
            .ok_or("caller phone closed")?;
        match ev {
            PhoneEvent::MediaStarted { media, .. } => {
                println!("caller: media {media}");
                if let Some(send) = media.audio().and_then(|a| a.send.as_ref()) {
                    ptime = packet_time(&send.codec, send.ptime);
                }
                started = Some(Instant::now());
            }
            PhoneEvent::CallEnded { reason, .. } => {
                return Err(format!("call failed: {reason}").into());
            }
            other => println!("caller: {other}"),
        }
    }
    let started = started.unwrap_or_else(Instant::now);
    tokio::time::sleep(Duration::from_secs_f64(seconds / 2.0)).await;
    // The caller's packet count is judged before the DTMF: RFC 4733 events
    // replace its audio packets then, at a lower packet rate.
    let before_dtmf = (started.elapsed(), call.stats()?);
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
    let call_len = started.elapsed();
    if call.state()? == CallState::Active {
        call.hangup()?;
    }
    let digits = timeout(Duration::from_secs(10), callee_task).await??;

    setup::print_stats("caller", &caller_stats);
    setup::print_stats("callee", &callee_stats);

    // The caller's tone at the callee. Our sender pauses its audio while it
    // sends RFC 4733 events, so a gap is allowed where the digits went:
    // from 100 ms before they were sent to 250 ms per digit (100 ms event,
    // three end packets, queueing) plus 300 ms of jitter-buffer refill after.
    let dtmf_at_ms = before_dtmf.0.as_secs_f64() * 1000.0;
    let dtmf_gap = dtmf_at_ms - 100.0..dtmf_at_ms + 250.0 * dtmf.len() as f64 + 300.0;
    let samples = heard.samples();
    let ok_forward = if args.get("play").is_some() {
        let body = &samples[(DEVICE_RATE as usize / 5).min(samples.len())..];
        let energy = analysis::rms(body);
        println!("callee recorded {} samples, RMS {energy:.0}", samples.len());
        energy > 100.0
    } else {
        judge_direction(
            "callee heard the caller",
            &samples,
            tone_hz,
            min_tnr,
            vec![dtmf_gap],
        )
    };
    let ok_backward = judge_direction(
        "caller heard the callee",
        &caller_heard.samples(),
        callee_tone_hz,
        min_tnr,
        Vec::new(),
    );
    let ok_packets = [
        (
            "caller sent (before DTMF)",
            before_dtmf.1.packets_sent,
            before_dtmf.0,
        ),
        ("callee sent", callee_stats.packets_sent, call_len),
        ("caller received", caller_stats.packets_received, call_len),
    ]
    .into_iter()
    // Every count is judged and printed, so collect before asking for all.
    .map(|(what, n, d)| judge_count(what, n, d, ptime))
    .collect::<Vec<bool>>()
    .into_iter()
    .all(|ok| ok);
    let ok_audio =
        ok_forward && ok_backward && ok_packets && counts_agree(&caller_stats, &callee_stats);
    let ok_dtmf = digits == dtmf;
    println!("DTMF sent {dtmf:?}, received {digits:?}");
    caller.shutdown(Duration::from_secs(2)).await;
    callee.shutdown(Duration::from_secs(2)).await;
    let ok = ok_audio && ok_dtmf;
    println!("{}", if ok { "PASS" } else { "FAIL" });
    Ok(ok)
}

/// Judges one direction's recording against the tone sent; prints the verdict.
fn judge_direction(
    what: &str,
    samples: &[i16],
    hz: f32,
    min_tnr: f64,
    allowed_gaps_ms: Vec<std::ops::Range<f64>>,
) -> bool {
    let sent = SentTone {
        freq_hz: f64::from(hz),
        level_dbfs: 20.0 * f64::from(TONE_AMPLITUDE).log10(),
    };
    let criteria = Criteria {
        min_tnr_db: min_tnr,
        allowed_gaps_ms,
        ..Criteria::default()
    };
    let v = judge::judge_tone(samples, DEVICE_RATE, &sent, &criteria);
    println!(
        "{what} ({hz:.0} Hz sent, min TNR {min_tnr:.0} dB): {} samples; {v}",
        samples.len()
    );
    v.passed()
}

/// Judges an RTP packet count against `elapsed` at `ptime`; prints the verdict.
fn judge_count(what: &str, counted: u64, elapsed: Duration, ptime: Duration) -> bool {
    let v = judge::judge_packets(counted, elapsed, ptime, 0.05);
    println!(
        "packets {what} over {:.2} s at {} ms: {v}",
        elapsed.as_secs_f64(),
        ptime.as_millis()
    );
    v.passed()
}

/// On loopback nothing is lost: what one side sent, the other received
/// (within the packets still in flight when the figures were taken).
fn counts_agree(caller: &MediaStats, callee: &MediaStats) -> bool {
    let close = |a: u64, b: u64| a.abs_diff(b) <= 3;
    let ok = close(caller.packets_sent, callee.packets_received)
        && close(callee.packets_sent, caller.packets_received);
    println!(
        "packets caller→callee {} sent / {} received, callee→caller {} sent / {} received: {}",
        caller.packets_sent,
        callee.packets_received,
        callee.packets_sent,
        caller.packets_received,
        if ok { "PASS" } else { "FAIL" }
    );
    ok
}

/// The time one RTP packet carries: whole codec frames, at least one (so
/// iLBC's 30 ms mode sends 30 ms packets when the SDP says 20 ms).
fn packet_time(codec: &openphone::CodecDescriptor, ptime: Duration) -> Duration {
    let frame_ms = CodecRegistry::with_builtin()
        .encoder(codec)
        .map(|e| u64::from(e.info().frame_ms()))
        .unwrap_or(20)
        .max(1);
    let ptime_ms = u64::try_from(ptime.as_millis()).unwrap_or(20);
    Duration::from_millis((ptime_ms / frame_ms).max(1) * frame_ms)
}
