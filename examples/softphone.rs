//! A command-line SIP phone.
//!
//! ```sh
//! cargo run --example softphone -- --listen 127.0.0.1:25081 --auto-answer
//! cargo run --example softphone -- --account sip:alice@127.0.0.1:25070 --password secret \
//!     --listen 127.0.0.1:25081 --tone 1000 --record /tmp/alice.wav
//! ```
//! Options: `--account sip:user@host[:port]`, `--password PW`, `--username U`,
//! `--proxy URI` (outbound proxy), `--listen ADDR` (UDP and TCP; default
//! 127.0.0.1:5060), `--auto-answer`, `--play FILE.wav`, `--tone HZ`,
//! `--record FILE.wav` (calls after the first get FILE-N.wav), `--codec
//! pcmu|pcma|gsm|…` (repeatable with commas; default all built in),
//! `--rtp-ip IP`, `--no-register`, `--no-tcp`, `--g726-packing rfc3551|aal2`
//! (aal2: the bit order baresip and linphone use under the RFC 3551 names).
//!
//! Commands on stdin, one per line: `call URI`, `answer`, `reject [CAUSE|CODE]`,
//! `hangup`, `dtmf DIGITS`, `hold`, `resume`, `transfer URI`, `status`,
//! `quit`. Every event prints one line starting with `event:`.

#[path = "common/args.rs"]
mod args;
#[path = "common/setup.rs"]
#[allow(dead_code)]
mod setup;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openphone::hal::{
    AudioSink, AudioSource, NullSink, NullSource, ToneSource, WavSink, WavSource,
};
use openphone::media::codec::{CodecRegistry, G726Packing};
use openphone::media::{Engine, EngineConfig};
use openphone::sip::{SipConfig, SipStack};
use openphone::{
    AccountConfig, Call, CallId, Cause, MediaError, Phone, PhoneEvent, RawCause, Reason,
};
use tokio::io::{AsyncBufReadExt, BufReader};

const RATE: u32 = 8000;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("softphone: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

struct Options {
    play: Option<String>,
    tone: Option<f32>,
    record: Option<String>,
}

type CallAudio = (Box<dyn AudioSource>, Box<dyn AudioSink>);

fn audio_for_call(opts: &Options, n: u64) -> Result<CallAudio, MediaError> {
    let src: Box<dyn AudioSource> = match (&opts.play, opts.tone) {
        (Some(p), _) => Box::new(
            WavSource::open(p)
                .map_err(|e| MediaError::Device(e.to_string()))?
                .looping(true),
        ),
        (None, Some(hz)) => Box::new(ToneSource::new(RATE, hz, 0.5)),
        (None, None) => Box::new(NullSource::new(RATE)),
    };
    let sink: Box<dyn AudioSink> = match &opts.record {
        Some(p) => {
            let path = if n == 1 {
                p.clone()
            } else {
                match p.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}-{n}.{ext}"),
                    None => format!("{p}-{n}"),
                }
            };
            Box::new(WavSink::create(&path, RATE).map_err(|e| MediaError::Device(e.to_string()))?)
        }
        None => Box::new(NullSink::new(RATE)),
    };
    Ok((src, sink))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    setup::init_tracing();
    let args = args::Args::parse(&["auto-answer", "no-register", "no-tcp"])?;
    let listen: SocketAddr = args.parsed("listen", "127.0.0.1:5060".parse()?)?;
    let auto_answer = args.flag("auto-answer");
    let opts = Arc::new(Options {
        play: args.get("play").map(str::to_string),
        tone: match args.get("tone") {
            Some(t) => Some(t.parse().map_err(|_| format!("bad --tone {t:?}"))?),
            None => None,
        },
        record: args.get("record").map(str::to_string),
    });
    let rtp_ip = args.parsed("rtp-ip", listen.ip())?;

    let counter = Arc::new(AtomicU64::new(0));
    let factory = {
        let opts = opts.clone();
        let counter = counter.clone();
        Arc::new(move |_call: CallId| {
            let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
            audio_for_call(&opts, n)
        })
    };
    let mut engine = EngineConfig::builder()
        .bind_ip(rtp_ip)
        .audio_factory(factory);
    match args.get("g726-packing") {
        None | Some("rfc3551") => {}
        Some("aal2") => {
            let mut registry = CodecRegistry::with_builtin();
            registry.set_g726_packing(G726Packing::Aal2);
            engine = engine.registry(registry);
        }
        Some(other) => {
            return Err(format!("--g726-packing takes rfc3551 or aal2, not {other:?}").into())
        }
    }
    if let Some(c) = args.get("codec") {
        let names: Vec<String> = c.split(',').flat_map(setup::codec_names).collect();
        engine = engine.codecs(names);
    }
    let mut sip = SipConfig::builder()
        .udp_bind(listen)
        .user_agent("OpenPhone softphone");
    if !args.flag("no-tcp") {
        sip = sip.tcp_bind(listen);
    }
    let phone = Phone::builder()
        .stack(SipStack::new(sip.build()))
        .media_engine(Engine::new(engine.build()?))
        .event_capacity(65536)
        .build()
        .await?;
    println!("listening: {}", phone.listening().join(", "));

    if let Some(aor) = args.get("account") {
        let mut acc = AccountConfig::new(aor.parse()?).with_register(!args.flag("no-register"));
        if let Some(pw) = args.get("password") {
            acc = acc.with_password(pw);
        }
        if let Some(u) = args.get("username") {
            acc = acc.with_username(u);
        }
        if let Some(p) = args.get("proxy") {
            acc = acc.with_outbound_proxy(p);
        }
        let acc = phone.add_account(acc)?;
        println!("account {} added", acc.id());
    }

    let mut current: Option<Call> = None;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        tokio::select! {
            ev = phone.next_event() => {
                let Some(ev) = ev else { break };
                print_event(&ev);
                match ev {
                    PhoneEvent::IncomingCall { call, .. } => {
                        let handle = phone.call_handle(call);
                        if auto_answer {
                            if let Err(e) = handle.answer() {
                                println!("error: answer: {e}");
                            }
                        }
                        current = Some(handle);
                    }
                    PhoneEvent::CallEnded { call, .. }
                        if current.as_ref().is_some_and(|c| c.id() == call) =>
                    {
                        current = phone.active_calls().pop();
                    }
                    _ => {}
                }
            }
            line = lines.next_line(), if stdin_open => {
                match line {
                    Ok(Some(line)) => {
                        if !command(&phone, &mut current, line.trim()) {
                            break;
                        }
                    }
                    // End of input: keep serving (auto-answer under a test harness).
                    Ok(None) | Err(_) => stdin_open = false,
                }
            }
        }
    }
    phone.shutdown(Duration::from_secs(3)).await;
    Ok(())
}

fn print_event(ev: &PhoneEvent) {
    println!("event: {ev}");
}

/// `reject` takes a cause name (`busy`, `declined`…) or a protocol status
/// code (sent as is when the call's protocol uses such codes); default busy.
fn reject_reason(arg: &str) -> Result<Reason, openphone::Error> {
    let cause = match arg {
        "" | "busy" => Cause::Busy,
        "declined" | "decline" => Cause::Declined,
        "unavailable" => Cause::Unavailable,
        "notfound" | "not-found" => Cause::NotFound,
        "forbidden" => Cause::Forbidden,
        code => {
            let n: u16 = code.parse().map_err(|_| {
                openphone::Error::Config(format!(
                    "reject takes busy, declined, unavailable, notfound, forbidden or a status code, not {code:?}"
                ))
            })?;
            return Ok(Reason::new(Cause::Other).with_raw(RawCause::Sip(n)));
        }
    };
    Ok(Reason::new(cause))
}

/// Runs one stdin command; returns false on `quit`.
fn command(phone: &Phone, current: &mut Option<Call>, line: &str) -> bool {
    let (cmd, rest) = line
        .split_once(' ')
        .map(|(a, b)| (a, b.trim()))
        .unwrap_or((line, ""));
    let result: Result<(), openphone::Error> = match cmd {
        "" => Ok(()),
        "quit" | "exit" => return false,
        "call" => phone.call(rest).map(|c| {
            println!("calling {} as {}", rest, c.id());
            *current = Some(c);
        }),
        "status" => {
            for c in phone.active_calls() {
                let state = c.state().map(|s| s.to_string()).unwrap_or_default();
                let remote = c.remote().map(|r| r.to_string()).unwrap_or_default();
                println!("status: {} {state} {remote}", c.id());
                if let Ok(s) = c.stats() {
                    setup::print_stats("status", &s);
                }
            }
            Ok(())
        }
        _ => match current.as_ref() {
            None => {
                println!("error: no current call");
                Ok(())
            }
            Some(c) => match cmd {
                "answer" => c.answer(),
                "reject" => reject_reason(rest).and_then(|r| c.reject_with(r)),
                "hangup" => c.hangup(),
                "dtmf" => c.send_dtmf(rest),
                "hold" => c.hold(),
                "resume" => c.resume(),
                "transfer" => c.transfer(rest),
                _ => {
                    println!("error: unknown command {cmd:?}");
                    Ok(())
                }
            },
        },
    };
    if let Err(e) = result {
        println!("error: {cmd}: {e}");
    }
    true
}
