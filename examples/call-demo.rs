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
//! cargo run --release --example call-demo -- --play speech.wav --record heard.wav \
//!     --seconds 14 --dtmf "" --loss 2 --jitter-ms 40 --seed 1
//! ```
//! Options (`--help` lists them): `--codec NAME` (pcmu, pcma, gsm, g726-32,
//! ilbc, speex, opus… as `codec list` shows), `--play FILE.wav`, `--record
//! FILE.wav` (the callee's playout), `--tone HZ`, `--callee-tone HZ`,
//! `--seconds N`, `--dtmf DIGITS` (sent by the caller half-way and checked at
//! the callee), `--min-tnr DB`, `--rtp-ports LO-HI`.
//!
//! Impairment: `--loss PCT --jitter-ms MS [--keep-order] [--dup PCT] [--seed
//! N]` routes both directions' RTP through an in-process relay
//! (`common/relay.rs`; decisions in `common/impair.rs`): each packet is lost
//! with probability PCT %, held an extra delay uniform in [0, 2·MS] (so
//! packets reorder unless `--keep-order`), duplicated with probability
//! `--dup` %. The relay's counters are printed. Under impairment the verdict
//! is relaxed as `Judging::for_impairment` states — never skipped.

#[path = "common/impair.rs"]
#[allow(dead_code)]
mod impair;
#[path = "common/relay.rs"]
mod relay;
#[path = "common/setup.rs"]
#[allow(dead_code)]
mod setup;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use openphone::hal::judge::{self, Criteria, SentTone};
use openphone::hal::{
    analysis, AudioSink, AudioSource, MemorySink, ToneSource, WavSink, WavSource,
};
use openphone::media::codec::CodecRegistry;
use openphone::{CallState, MediaStats, PhoneEvent};
use tokio::time::{timeout, Instant};

use impair::ImpairConfig;
use relay::{DirectionReport, Relay};

const DEVICE_RATE: u32 = 8000;
/// Amplitude of both tones (a share of full scale): −6.02 dBFS.
const TONE_AMPLITUDE: f32 = 0.5;

/// Two phones on loopback call each other; exits 0 only if the audio judge
/// passes both directions, the packet counts fit and the DTMF arrived.
#[derive(Parser, Debug)]
#[command(name = "call-demo", version)]
#[command(group(clap::ArgGroup::new("impairment").multiple(true)))]
struct Cli {
    /// Codec (pcmu, pcma, g722, gsm, g726-32, ilbc, speex, opus… as `codec list` shows).
    #[arg(long, default_value = "pcmu")]
    codec: String,
    /// The caller's microphone: this WAV file instead of a tone.
    #[arg(long, value_name = "FILE.wav")]
    play: Option<String>,
    /// Also write the callee's playout (what it heard) to this WAV file.
    #[arg(long, value_name = "FILE.wav")]
    record: Option<String>,
    /// The caller's tone, Hz.
    #[arg(long, value_name = "HZ", default_value_t = 1000.0)]
    tone: f32,
    /// The callee's tone, Hz.
    #[arg(long, value_name = "HZ", default_value_t = 600.0)]
    callee_tone: f32,
    /// Call length after media starts, seconds.
    #[arg(long, value_name = "N", default_value_t = 3.0)]
    seconds: f64,
    /// Digits the caller sends half-way (RFC 4733); empty for none.
    #[arg(long, value_name = "DIGITS", default_value = "1234#")]
    dtmf: String,
    /// Lowest tone-to-noise ratio the judge accepts, dB (every codec clears
    /// 20; see the table in `openphone_hal::judge`).
    #[arg(long, value_name = "DB", default_value_t = Criteria::default().min_tnr_db)]
    min_tnr: f64,
    /// RTP port range of both phones, inclusive (RTP even, RTCP odd).
    #[arg(long, value_name = "LO-HI", value_parser = |s: &str| setup::parse_port_range(s, 2))]
    rtp_ports: Option<(u16, u16)>,
    /// Impairment: each RTP packet is lost with this probability, %.
    #[arg(long, value_name = "PCT", group = "impairment")]
    loss: Option<f64>,
    /// Impairment: each RTP packet is held an extra delay uniform in
    /// [0, 2·MS] ms (mean MS); packets reorder unless --keep-order.
    #[arg(long, value_name = "MS", group = "impairment")]
    jitter_ms: Option<f64>,
    /// Impairment: each delivered RTP packet is sent twice with this probability, %.
    #[arg(long, value_name = "PCT", group = "impairment")]
    dup: Option<f64>,
    /// Impairment: never release a packet before an earlier one.
    #[arg(long, requires = "impairment")]
    keep_order: bool,
    /// Impairment: seed of the relay's draws (same seed, same fates).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "impairment")]
    seed: u64,
}

impl Cli {
    /// The impairment asked for, if any option of it was given.
    fn impairment(&self) -> Result<Option<ImpairConfig>, String> {
        if self.loss.is_none() && self.jitter_ms.is_none() && self.dup.is_none() {
            return Ok(None);
        }
        ImpairConfig::from_cli(
            self.loss.unwrap_or(0.0),
            self.jitter_ms.unwrap_or(0.0),
            self.keep_order,
            self.dup.unwrap_or(0.0),
            self.seed,
        )
        .map(Some)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("call-demo: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<bool, Box<dyn std::error::Error>> {
    setup::init_tracing();
    let impairment = cli.impairment()?;
    let min_tnr = cli.min_tnr;
    let Cli {
        codec,
        play,
        record,
        tone: tone_hz,
        callee_tone: callee_tone_hz,
        seconds,
        dtmf,
        rtp_ports,
        ..
    } = cli;
    let playing = play.is_some();

    // The caller's microphone: a tone or a WAV file.
    let caller_audio: Box<dyn AudioSource> = match &play {
        Some(path) => Box::new(WavSource::open(path)?),
        None => Box::new(ToneSource::new(DEVICE_RATE, tone_hz, TONE_AMPLITUDE)),
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

    let relay = impairment.map(|cfg| {
        println!(
            "impairment relay: loss {:.1} %, extra delay 0-{:.0} ms (mean {:.0}), {}, duplication {:.1} %, seed {}",
            cfg.loss * 100.0,
            cfg.jitter.as_secs_f64() * 2000.0,
            cfg.jitter.as_secs_f64() * 1000.0,
            if cfg.keep_order { "in order" } else { "reordering" },
            cfg.dup * 100.0,
            cfg.seed
        );
        Relay::start(cfg)
    });
    let caller = phone(
        &codec,
        setup::Audio::both(caller_audio, Box::new(caller_rec)),
        rtp_ports,
        relay.as_ref(),
        "caller",
    )
    .await?;
    let callee = phone(
        &codec,
        setup::Audio::both(Box::new(callee_tone), callee_sink),
        rtp_ports,
        relay.as_ref(),
        "callee",
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
    let judging = Judging::for_impairment(impairment.as_ref(), min_tnr, ptime);
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
    // Taken with the phones' figures, so the two can be compared.
    let relayed = relay.as_ref().map(Relay::report);
    let call_len = started.elapsed();
    if call.state()? == CallState::Active {
        call.hangup()?;
    }
    let digits = timeout(Duration::from_secs(10), callee_task).await??;

    setup::print_stats("caller", &caller_stats);
    setup::print_stats("callee", &callee_stats);
    if let Some(report) = &relayed {
        print_relay(report);
    }

    // The caller's tone at the callee. Our sender pauses its audio while it
    // sends RFC 4733 events, so a gap is allowed where the digits went:
    // from 100 ms before they were sent to 250 ms per digit (100 ms event,
    // three end packets, queueing) plus 300 ms of jitter-buffer refill after.
    let dtmf_at_ms = before_dtmf.0.as_secs_f64() * 1000.0;
    let dtmf_gap = dtmf_at_ms - 100.0..dtmf_at_ms + 250.0 * dtmf.len() as f64 + 300.0;
    let samples = heard.samples();
    let ok_forward = if playing {
        let body = &samples[(DEVICE_RATE as usize / 5).min(samples.len())..];
        let energy = analysis::rms(body);
        println!("callee recorded {} samples, RMS {energy:.0}", samples.len());
        energy > 100.0
    } else {
        judging.direction("callee heard the caller", &samples, tone_hz, vec![dtmf_gap])
    };
    let ok_backward = judging.direction(
        "caller heard the callee",
        &caller_heard.samples(),
        callee_tone_hz,
        Vec::new(),
    );
    let mut counts = vec![
        (
            "caller sent (before DTMF)",
            before_dtmf.1.packets_sent,
            before_dtmf.0,
        ),
        ("callee sent", callee_stats.packets_sent, call_len),
    ];
    // What a phone receives through the relay is judged against what the
    // relay delivered (in `counts_agree`), not against the call's length.
    if relayed.is_none() {
        counts.push(("caller received", caller_stats.packets_received, call_len));
    }
    let ok_packets = counts
        .into_iter()
        // Every count is judged and printed, so collect before asking for all.
        .map(|(what, n, d)| judge_count(what, n, d, ptime))
        .collect::<Vec<bool>>()
        .into_iter()
        .all(|ok| ok);
    let ok_agree = match &relayed {
        None => counts_agree(&caller_stats, &callee_stats),
        Some(report) => counts_agree_relayed(&caller_stats, &callee_stats, report),
    };
    let ok_audio = ok_forward && ok_backward && ok_packets && ok_agree;
    let ok_dtmf = digits == dtmf;
    println!("DTMF sent {dtmf:?}, received {digits:?}");
    caller.shutdown(Duration::from_secs(2)).await;
    callee.shutdown(Duration::from_secs(2)).await;
    let ok = ok_audio && ok_dtmf;
    println!("{}", if ok { "PASS" } else { "FAIL" });
    Ok(ok)
}

/// One of the demo's phones, its RTP through the relay when there is one.
async fn phone(
    codec: &str,
    audio: setup::Audio,
    rtp_ports: Option<(u16, u16)>,
    relay: Option<&Relay>,
    name: &str,
) -> Result<openphone::Phone, Box<dyn std::error::Error>> {
    match relay {
        None => setup::loopback_phone_with(codec, audio, rtp_ports, |e| e).await,
        Some(r) => {
            setup::loopback_phone_with(codec, audio, rtp_ports, |e| r.engine(e, name, rtp_ports))
                .await
        }
    }
}

/// How heard audio is judged: strictly on a clean path; under impairment
/// with stated allowances (see [`Judging::for_impairment`]).
struct Judging {
    criteria: Criteria,
    /// Why the criteria differ from the defaults, printed with each verdict.
    relaxed: Option<String>,
}

impl Judging {
    /// Clean path (no relay, or a relay that impairs nothing): the suite's
    /// criteria with `min_tnr`. Under impairment the frequency and the
    /// level are judged as strictly as ever (concealment does not shift a
    /// tone or change its level), and:
    /// - the tone-to-noise floor drops by 1 dB per percent of loss, at most
    ///   [`MAX_TNR_ALLOWANCE_DB`]: each concealed frame splices the tone
    ///   with a phase jump whose click counts as noise (at 10 % loss the
    ///   demo still measured 28 dB, so the allowance is a margin, not a
    ///   mask);
    /// - the longest allowed dropout grows from 60 ms by 2·MS when there is
    ///   jitter (a run of packets late for playout is concealed at most
    ///   that long) and by three packet times when there is loss (three
    ///   consecutive losses: at 5 % over a 3 s call a run of four has a
    ///   chance near 0.1 %).
    fn for_impairment(impairment: Option<&ImpairConfig>, min_tnr: f64, ptime: Duration) -> Self {
        let mut criteria = Criteria {
            min_tnr_db: min_tnr,
            ..Criteria::default()
        };
        let Some(cfg) = impairment.filter(|c| c.loss > 0.0 || !c.jitter.is_zero() || c.dup > 0.0)
        else {
            return Judging {
                criteria,
                relaxed: None,
            };
        };
        let jitter_ms = cfg.jitter.as_secs_f64() * 1000.0;
        criteria.min_tnr_db = min_tnr - (cfg.loss * 100.0).min(MAX_TNR_ALLOWANCE_DB);
        criteria.max_dropout_ms += 2.0 * jitter_ms;
        if cfg.loss > 0.0 {
            criteria.max_dropout_ms += 3.0 * ptime.as_secs_f64() * 1000.0;
        }
        let relaxed = format!(
            "impaired path: TNR floor {:.0} dB, dropouts up to {:.0} ms",
            criteria.min_tnr_db, criteria.max_dropout_ms
        );
        Judging {
            criteria,
            relaxed: Some(relaxed),
        }
    }

    /// Judges one direction's recording against the tone sent; prints the verdict.
    fn direction(
        &self,
        what: &str,
        samples: &[i16],
        hz: f32,
        allowed_gaps_ms: Vec<std::ops::Range<f64>>,
    ) -> bool {
        let sent = SentTone {
            freq_hz: f64::from(hz),
            level_dbfs: 20.0 * f64::from(TONE_AMPLITUDE).log10(),
        };
        let criteria = Criteria {
            allowed_gaps_ms,
            ..self.criteria.clone()
        };
        let v = judge::judge_tone(samples, DEVICE_RATE, &sent, &criteria);
        println!(
            "{what} ({hz:.0} Hz sent, min TNR {:.0} dB{}): {} samples; {v}",
            criteria.min_tnr_db,
            self.relaxed
                .as_deref()
                .map(|r| format!("; {r}"))
                .unwrap_or_default(),
            samples.len()
        );
        v.passed()
    }
}

/// The most the tone-to-noise floor drops under loss, dB.
const MAX_TNR_ALLOWANCE_DB: f64 = 10.0;

/// Prints the relay's counters per direction.
fn print_relay(report: &[DirectionReport]) {
    if report.is_empty() {
        println!("relay: no call was relayed");
    }
    for d in report {
        let c = &d.counters;
        println!(
            "relay {}→{}: received {} | forwarded {} | dropped {} | duplicated {} | reordered {} | delivered {} | foreign {}",
            d.from,
            d.to,
            c.impair.received,
            c.impair.forwarded,
            c.impair.dropped,
            c.impair.duplicated,
            c.impair.reordered,
            c.sent,
            c.foreign,
        );
    }
}

/// Through the relay: what each phone sent is what the relay received, and
/// what the relay delivered is what the other phone received (each within
/// the packets in flight when the figures were taken).
fn counts_agree_relayed(
    caller: &MediaStats,
    callee: &MediaStats,
    report: &[DirectionReport],
) -> bool {
    let close = |a: u64, b: u64| a.abs_diff(b) <= 3;
    let find = |to: &str| report.iter().find(|d| d.to == to).map(|d| d.counters);
    let (Some(to_callee), Some(to_caller)) = (find("callee"), find("caller")) else {
        println!("packets through the relay: no relayed call: FAIL");
        return false;
    };
    let mut ok = true;
    for (from, sent, via, to, received) in [
        ("caller", caller, to_callee, "callee", callee),
        ("callee", callee, to_caller, "caller", caller),
    ] {
        let good = close(sent.packets_sent, via.impair.received)
            && close(via.sent, received.packets_received);
        println!(
            "packets {from}→{to}: {} sent / {} at the relay, {} delivered / {} received: {}",
            sent.packets_sent,
            via.impair.received,
            via.sent,
            received.packets_received,
            if good { "PASS" } else { "FAIL" }
        );
        ok &= good;
    }
    ok
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
