//! A command-line phone: SIP, or one MGCP line.
//!
//! ```sh
//! cargo run --example softphone -- --listen 127.0.0.1:25081 --auto-answer
//! cargo run --example softphone -- --account sip:alice@127.0.0.1:25070 --password secret \
//!     --listen 127.0.0.1:25081 --tone 1000 --record /tmp/alice.wav
//! cargo run --features mgcp --example softphone -- --mgcp --endpoint aaln/1 \
//!     --listen 127.0.0.1:2427 --call-agent 127.0.0.1:2727 --tone 440
//! ```
//! `--help` lists the options. SIP: `--account sip:user@host[:port]`,
//! `--password PW`, `--username U`, `--proxy URI` (outbound proxy),
//! `--listen ADDR` (UDP and TCP; default 127.0.0.1:5060), `--no-register`,
//! `--no-tcp`. MGCP (`--mgcp`, needs the `mgcp` feature): the phone is one
//! line of a residential gateway and nothing else; `--listen` is the MGCP
//! address (default 127.0.0.1:2427), `--endpoint aaln/1` the local name,
//! `--domain NAME` the domain (default the listening IP in brackets:
//! `aaln/1@[127.0.0.1]`), `--call-agent ADDR` (default 127.0.0.1:2727).
//! Both: `--auto-answer`, `--play FILE.wav`, `--tone HZ`, `--record
//! FILE.wav` (calls after the first get FILE-N.wav), `--codec
//! pcmu|pcma|gsm|…` (repeatable, or with commas; default all built in),
//! `--rtp-ip IP`, `--g726-packing rfc3551|aal2` (aal2: the bit order baresip
//! and linphone use under the RFC 3551 names).
//!
//! Commands on stdin, one per line: `call URI`, `answer`, `reject [CAUSE|CODE]`,
//! `hangup`, `dtmf DIGITS`, `hold`, `resume`, `transfer URI`, `redirect
//! URI…` (an incoming call), `atransfer CALL1 CALL2` (CALL1's peer to
//! CALL2's), `calls` (the current one starred), `switch CALL`, `conference`
//! (every established call into a local three-way or larger mix), `split`,
//! `status`, `verify` (the SAS was compared aloud: ZRTP calls), `message URI
//! TEXT` (SIP MESSAGE; received ones print as `event: message from …`), `quit`. On an MGCP line also: `offhook`, `onhook` (= `hangup`), `flash`,
//! `dial DIGITS` (the keypad; in a call the digits go as DTMF), and
//! `call NUMBER` = `offhook` + `dial NUMBER`. Every event prints one line
//! starting with `event:`.
//!
//! Commands that act on a call take the current call, or one named first
//! by its id as printed (`hangup call-3`; `answer 3`, `hangup 3`, `hold 3`,
//! `resume 3` also take the bare number). A call whose transfer (`transfer`,
//! `atransfer`) succeeded is hung up; an incoming call that replaces one of
//! ours (the target side of an attended transfer) is answered and the old
//! one hung up.
//!
//! The same commands reach a running phone over its control socket
//! (`--control PATH`, default `$XDG_RUNTIME_DIR/openphone-softphone.sock`;
//! `--no-control` for none): `softphone cmd hangup`, `softphone cmd call
//! sip:bob@example.com`, `softphone cmd status` print the phone's answer and
//! exit 1 if the command failed, 2 if no phone answered; `softphone
//! sip:bob@example.com` hands a URL to the running phone, which calls it.
//!
//! `--config FILE.toml` holds any of these settings and several accounts
//! (see `examples/softphone.toml`); options given on the command line win.
//!
//! Address book: `--address-book FILE.vcf` (vCard 3.0/4.0, repeatable)
//! names incoming callers (`caller: call-1 is NAME`) and lets `call NAME`
//! (a name or the only name containing it) and `contacts [FILTER]` work.
//!
//! Toggles (also as options): `dnd on|off`, `autoanswer on|off`, `forward
//! always|busy URI`, `forward noanswer URI [SECS]`, `forward off [KIND]`,
//! `mute on|off`, `settings`; `history` lists ended calls (`--history FILE`
//! keeps them across runs); `status` and
//! `--status-every SECS` give one line per call (time in call, codec,
//! jitter, loss, MOS, security).
//!
//! Media security: `--media-encryption none|sdes|zrtp` (SRTP keyed by SDES
//! `a=crypto`, or ZRTP keyed in the media path with a short authentication
//! string to compare; `--zrtp-cache FILE` keeps its retained secrets and
//! ZID across runs) and
//! `--require-encryption` (offer RTP/SAVP, refuse clear offers: a call that
//! cannot be secured ends with a security cause and sends no RTP). They
//! apply to `--account` and to calls that reach no account.
//!
//! ATA (`--line sim`): a simulated telephone line is the handset for SIP
//! calls: `offhook` (dial tone of `--country`), `dial DIGITS` (in-band
//! DTMF, collected with `--digit-map`, called as
//! `sip:NUMBER@--dial-domain`), `flash` (hold and a second call, then
//! swap), `onhook`; incoming calls ring the line with caller-ID. `--tone`
//! is what the handset says, `--record` the line's signal (see `line.rs`).
//!
//! Ringer: `--ringer alsa:NAME|wav:FILE` rings in `--country`'s cadence
//! (us, uk, de, fr, jp), or plays `--ringtone FILE.wav`; a trigger
//! script's `ring=NAME` or the INVITE's Alert-Info picks a distinctive
//! pattern (see `ringtone.rs`).
//!
//! Trigger scripts (`--on-incoming`, `--on-answer`, `--on-release`,
//! `--on-registration SCRIPT`) run beside the phone with the details in
//! `OPENPHONE_*` variables; the incoming-call script may answer, reject
//! (with a cause) or redirect the call by printing `action=…` lines (see
//! `triggers.rs`).

#[path = "../common/setup.rs"]
#[allow(dead_code)]
mod setup;

mod commands;
mod config;
mod contacts;
mod control;
mod devices;
mod line;
mod line_audio;
mod presence;
mod ringtone;
mod state;
mod triggers;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use openphone::hal::{
    AudioSink, AudioSource, NullSink, NullSource, ToneSource, WavSink, WavSource,
};
use openphone::media::codec::{CodecRegistry, G726Packing};
use openphone::media::{Engine, EngineConfig};
use openphone::sip::{SipConfig, SipStack};
use openphone::{
    Account, AccountConfig, Call, CallId, MediaEncryption, MediaError, Phone, PhoneEvent,
    SecurityPolicy, TransferStatus,
};
use tokio::io::{AsyncBufReadExt, BufReader};

const RATE: u32 = 8000;

/// How G.726 code words are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Packing {
    /// RFC 3551.
    Rfc3551,
    /// The AAL2 bit order baresip and linphone use under the RFC 3551 names.
    Aal2,
}

/// How calls encrypt their media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Encryption {
    /// Plain RTP.
    None,
    /// SRTP keyed by SDES (`a=crypto`, RFC 4568).
    Sdes,
    /// SRTP keyed by ZRTP (RFC 6189).
    Zrtp,
}

impl Cli {
    /// The media security policy the options ask for.
    fn security(&self) -> SecurityPolicy {
        let method = match self.media_encryption {
            None | Some(Encryption::None) => MediaEncryption::None,
            Some(Encryption::Sdes) => MediaEncryption::Sdes,
            Some(Encryption::Zrtp) => MediaEncryption::Zrtp,
        };
        SecurityPolicy::new(method, self.require_encryption)
    }
}

/// A command-line phone: SIP, or one MGCP line (`--mgcp`).
#[derive(Debug, Parser)]
#[command(
    name = "softphone",
    version,
    about = "A command-line phone: SIP, or one MGCP line (--mgcp)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// SIP account (address of record), e.g. sip:alice@127.0.0.1:25070.
    #[arg(long, conflicts_with = "mgcp")]
    account: Option<String>,
    /// SIP password.
    #[arg(long, requires = "account")]
    password: Option<String>,
    /// SIP authentication user name.
    #[arg(long, requires = "account")]
    username: Option<String>,
    /// SIP outbound proxy URI.
    #[arg(long, requires = "account")]
    proxy: Option<String>,
    /// Where to listen: SIP UDP and TCP (default 127.0.0.1:5060), or with
    /// --mgcp the MGCP address (default 127.0.0.1:2427).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Answer incoming calls at once.
    #[arg(long)]
    auto_answer: bool,
    /// Send this WAV file (looped).
    #[arg(long)]
    play: Option<String>,
    /// Send a sine tone of this frequency in Hz.
    #[arg(long)]
    tone: Option<f32>,
    /// Record what we receive to this WAV file.
    #[arg(long)]
    record: Option<String>,
    /// Codecs to offer (repeatable, or comma-separated); default all built in.
    #[arg(long, value_delimiter = ',')]
    codec: Vec<String>,
    /// IP address for RTP (default the listening address).
    #[arg(long)]
    rtp_ip: Option<IpAddr>,
    /// RTP ports to pick from at random, LO-HI (default 16384-32767), e.g.
    /// to keep clear of a peer's fixed range.
    #[arg(long, value_name = "LO-HI", value_parser = |s: &str| setup::parse_port_range(s, 1))]
    rtp_ports: Option<(u16, u16)>,
    /// Do not register the SIP account.
    #[arg(long, conflicts_with = "mgcp")]
    no_register: bool,
    /// DNS server for RFC 3263 lookups (NAPTR, SRV, A/AAAA), IP:PORT.
    #[arg(long, value_name = "IP:PORT", conflicts_with = "mgcp")]
    dns_server: Option<SocketAddr>,
    /// STUN server (IP:PORT): the public address of the SIP UDP socket goes
    /// into Via and Contact.
    #[arg(long, value_name = "IP:PORT", conflicts_with = "mgcp")]
    stun: Option<SocketAddr>,
    /// Keep registrar flows alive every this many seconds (STUN on UDP,
    /// CRLF on TCP/TLS).
    #[arg(long, value_name = "SECONDS", conflicts_with = "mgcp")]
    keepalive: Option<u64>,
    /// SIP over UDP only.
    #[arg(long, conflicts_with = "mgcp")]
    no_tcp: bool,
    /// Also trust the CA certificates in this PEM file for SIP over TLS
    /// (`sips:` and `;transport=tls` need the `tls` feature).
    #[arg(long, value_name = "FILE", conflicts_with = "mgcp")]
    tls_ca: Option<std::path::PathBuf>,
    /// Listen for SIP over TLS here (needs --tls-cert and --tls-key).
    #[arg(long, value_name = "ADDR", requires_all = ["tls_cert", "tls_key"], conflicts_with = "mgcp")]
    listen_tls: Option<SocketAddr>,
    /// The TLS listener's certificate chain (PEM).
    #[arg(long, value_name = "FILE", requires = "listen_tls")]
    tls_cert: Option<std::path::PathBuf>,
    /// The TLS listener's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "listen_tls")]
    tls_key: Option<std::path::PathBuf>,
    /// Present this client certificate chain (PEM) to TLS servers that ask
    /// for one (with --tls-client-key).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_client_key",
        conflicts_with = "mgcp"
    )]
    tls_client_cert: Option<std::path::PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_client_cert",
        conflicts_with = "mgcp"
    )]
    tls_client_key: Option<std::path::PathBuf>,
    /// G.726 packing.
    #[arg(long, value_enum)]
    g726_packing: Option<Packing>,
    /// How calls encrypt their media (SRTP keyed by SDES, or ZRTP).
    #[arg(long, value_enum, value_name = "METHOD", conflicts_with = "mgcp")]
    media_encryption: Option<Encryption>,
    /// End calls that cannot be encrypted instead of talking in clear.
    #[arg(long, requires = "media_encryption")]
    require_encryption: bool,
    /// ZRTP retained secrets and our ZID, kept in FILE across runs
    /// (default: in memory for this run).
    #[arg(long, value_name = "FILE")]
    zrtp_cache: Option<std::path::PathBuf>,
    /// Run as one MGCP line (RFC 3435 endpoint) instead of SIP.
    #[arg(long)]
    mgcp: bool,
    /// MGCP: the line's local endpoint name.
    #[arg(long, requires = "mgcp", default_value = "aaln/1")]
    endpoint: String,
    /// MGCP: the call agent's address.
    #[arg(long, requires = "mgcp", default_value = "127.0.0.1:2727")]
    call_agent: SocketAddr,
    /// MGCP: the endpoint's domain (default the listening IP in brackets).
    #[arg(long, requires = "mgcp")]
    domain: Option<String>,
    /// The control socket (default $XDG_RUNTIME_DIR/openphone-softphone.sock,
    /// or /tmp/openphone-softphone-UID.sock): the running phone takes the
    /// stdin commands there; `softphone cmd` and `softphone URL` use it.
    #[arg(long, value_name = "PATH")]
    control: Option<std::path::PathBuf>,
    /// Run without a control socket.
    #[arg(long, conflicts_with = "control")]
    no_control: bool,
    /// A TOML config file (see examples/softphone.toml): several accounts,
    /// devices, codecs, toggles, triggers; options given here override it.
    #[arg(long, value_name = "FILE.toml")]
    config: Option<std::path::PathBuf>,
    /// vCard 3.0/4.0 address book (repeatable): callers' names, `call NAME`,
    /// `contacts [FILTER]`.
    #[arg(long, value_name = "FILE.vcf")]
    address_book: Vec<std::path::PathBuf>,
    /// Keep the call history in this file (one line per ended call,
    /// appended; `history` shows earlier runs' calls too).
    #[arg(long, value_name = "FILE")]
    history: Option<std::path::PathBuf>,
    /// Do not disturb: reject incoming calls (busy). The `dnd on|off`
    /// command toggles it.
    #[arg(long)]
    dnd: bool,
    /// Forward every incoming call to this URI (302).
    #[arg(long, value_name = "URI")]
    forward: Option<String>,
    /// Forward incoming calls while another call is in progress.
    #[arg(long, value_name = "URI")]
    forward_busy: Option<String>,
    /// Forward incoming calls not answered within --no-answer-secs.
    #[arg(long, value_name = "URI")]
    forward_no_answer: Option<String>,
    /// Seconds before --forward-no-answer applies.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    no_answer_secs: u64,
    /// Print a status line per call every SECS seconds (codec, time in
    /// call, jitter, loss, MOS, security).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    status_every: Option<u64>,
    /// Script run when a call arrives (OPENPHONE_CALL, _FROM, _TO,
    /// _ACCOUNT, _WAITING); it may print action=answer, action=reject
    /// [cause=…], action=redirect with contact=URI lines, or nothing.
    #[arg(long, value_name = "SCRIPT")]
    on_incoming: Option<std::path::PathBuf>,
    /// Script run when a call is answered (OPENPHONE_CALL, _REMOTE).
    #[arg(long, value_name = "SCRIPT")]
    on_answer: Option<std::path::PathBuf>,
    /// Script run when a call ends (OPENPHONE_CALL, _REMOTE, _REASON).
    #[arg(long, value_name = "SCRIPT")]
    on_release: Option<std::path::PathBuf>,
    /// Script run when a registration changes (OPENPHONE_ACCOUNT, _STATE).
    #[arg(long, value_name = "SCRIPT")]
    on_registration: Option<std::path::PathBuf>,
    /// A sip: URL to hand to the running phone (it calls it), e.g. from a
    /// desktop URL handler; no phone is started.
    #[arg(value_name = "URL")]
    url: Option<String>,
    #[command(flatten)]
    devices: devices::DeviceArgs,
    #[command(flatten)]
    line: line::LineArgs,
    #[command(subcommand)]
    client: Option<Client>,
}

/// Talking to a running phone.
#[derive(Debug, Subcommand)]
enum Client {
    /// Sends one command (`call URI`, `answer`, `hangup`, `hold`,
    /// `transfer URI`, `dtmf DIGITS`, `status`, …) to the running phone and
    /// prints its answer; exits 1 if the command failed, 2 if no phone
    /// answered.
    Cmd {
        /// The running phone's control socket (default as for the phone).
        #[arg(long, value_name = "PATH")]
        control: Option<std::path::PathBuf>,
        /// The command and its arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if cli.devices.list_devices {
        return match devices::print_list() {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("softphone: {e}");
                std::process::ExitCode::from(2)
            }
        };
    }
    match (&cli.client, &cli.url) {
        (Some(Client::Cmd { control, words }), _) => {
            let path = control.clone().unwrap_or_else(control::default_path);
            let code = control::send(&path, &words.join(" ")).await;
            return std::process::ExitCode::from(code);
        }
        (None, Some(url)) => {
            if !url.contains(':') {
                eprintln!("softphone: {url:?} is not a URL (sip:user@host); see --help");
                return std::process::ExitCode::from(2);
            }
            let path = cli.control.clone().unwrap_or_else(control::default_path);
            let code = control::send(&path, &format!("call {url}")).await;
            return std::process::ExitCode::from(code);
        }
        (None, None) => {}
    }
    match run(cli).await {
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
    devices: devices::DeviceArgs,
}

type CallAudio = (Box<dyn AudioSource>, Box<dyn AudioSink>);

fn audio_for_call(opts: &Options, n: u64) -> Result<CallAudio, MediaError> {
    let src: Box<dyn AudioSource> = match (&opts.play, opts.tone) {
        _ if opts.devices.capture.is_some() => opts
            .devices
            .source()?
            .unwrap_or_else(|| Box::new(NullSource::new(RATE))),
        (Some(p), _) => Box::new(
            WavSource::open(p)
                .map_err(|e| MediaError::Device(e.to_string()))?
                .looping(true),
        ),
        (None, Some(hz)) => Box::new(ToneSource::new(RATE, hz, 0.5)),
        (None, None) => Box::new(NullSource::new(RATE)),
    };
    let sink: Box<dyn AudioSink> = match &opts.record {
        _ if opts.devices.playback.is_some() => opts
            .devices
            .sink()?
            .unwrap_or_else(|| Box::new(NullSink::new(RATE))),
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

/// The phone's one MGCP line, as an account.
#[cfg(feature = "mgcp")]
async fn mgcp_phone(
    cli: &Cli,
    listen: SocketAddr,
    engine: Engine,
) -> Result<(Phone, Account), Box<dyn std::error::Error>> {
    use openphone::mgcp::{MgcpConfig, MgcpStack};
    let mut config = MgcpConfig::new(cli.call_agent)
        .with_listen(listen)
        .with_line(cli.endpoint.clone());
    if let Some(d) = &cli.domain {
        config = config.with_domain(d.clone());
    }
    let name = config.line_names()?.remove(0);
    let phone = Phone::builder()
        .stack(MgcpStack::new(config))
        .media_engine(engine)
        .event_capacity(65536)
        .build()
        .await?;
    println!("listening: {}", phone.listening().join(", "));
    let line = phone.add_account(AccountConfig::new(format!("mgcp:{name}").parse()?))?;
    println!("line {name} is account {}", line.id());
    Ok((phone, line))
}

#[cfg(not(feature = "mgcp"))]
async fn mgcp_phone(
    _cli: &Cli,
    _listen: SocketAddr,
    _engine: Engine,
) -> Result<(Phone, Account), Box<dyn std::error::Error>> {
    Err(
        "--mgcp needs the mgcp feature: cargo run --features mgcp --example softphone -- --mgcp …"
            .into(),
    )
}

async fn run(mut cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    setup::init_tracing();
    let file_accounts = match cli.config.clone() {
        Some(path) => merge_config(&mut cli, config::FileConfig::load(&path)?)?,
        None => Vec::new(),
    };
    // Inputs are checked before the phone starts.
    cli.devices.check()?;
    config::check_tls_client_cert(
        cli.tls_client_cert.as_deref(),
        cli.tls_client_key.as_deref(),
    )?;
    let mut contacts = contacts::AddressBook::default();
    for path in &cli.address_book {
        contacts.extend(contacts::AddressBook::load(path)?);
    }
    // A contact's bare number is called through the account's domain.
    let domain = cli.account.as_deref().and_then(|a| {
        let host = a.split_once('@')?.1;
        Some(host.split([';', '>']).next().unwrap_or(host).to_string())
    });
    let default_listen = if cli.mgcp {
        "127.0.0.1:2427"
    } else {
        "127.0.0.1:5060"
    };
    let listen: SocketAddr = cli.listen.unwrap_or(default_listen.parse()?);
    let auto_answer = cli.auto_answer;
    let opts = Arc::new(Options {
        play: cli.play.clone(),
        tone: cli.tone,
        record: cli.record.clone(),
        devices: cli.devices.clone(),
    });
    let rtp_ip = cli.rtp_ip.unwrap_or(listen.ip());

    // --line: the line card's sound path is every call's audio.
    let card = match cli.line.line {
        Some(line::LineKind::Sim) => {
            Some(line::Ata::card(&cli.line, cli.tone, cli.record.as_deref())?)
        }
        None => None,
    };
    let line_audio = card.as_ref().map(|(_, a)| a.clone());
    let counter = Arc::new(AtomicU64::new(0));
    let factory = {
        let opts = opts.clone();
        let counter = counter.clone();
        Arc::new(move |call: CallId| match &line_audio {
            Some(a) => Ok(a.devices(call)),
            None => {
                let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
                audio_for_call(&opts, n)
            }
        })
    };
    let mut engine = EngineConfig::builder()
        .bind_ip(rtp_ip)
        .audio_factory(factory);
    if let Some((lo, hi)) = cli.rtp_ports {
        engine = engine.port_range(lo, hi);
    }
    if let Some(path) = &cli.zrtp_cache {
        engine = engine.zrtp_cache(path);
    }
    if cli.g726_packing == Some(Packing::Aal2) {
        let mut registry = CodecRegistry::with_builtin();
        registry.set_g726_packing(G726Packing::Aal2);
        engine = engine.registry(registry);
    }
    if !cli.codec.is_empty() {
        let names: Vec<String> = cli
            .codec
            .iter()
            .flat_map(|c| setup::codec_names(c))
            .collect();
        engine = engine.codecs(names);
    }
    let engine = Engine::new(engine.build()?);

    let (phone, line) = if cli.mgcp {
        let (phone, line) = mgcp_phone(&cli, listen, engine).await?;
        (phone, Some(line))
    } else {
        let mut sip = SipConfig::builder()
            .udp_bind(listen)
            .user_agent("OpenPhone softphone");
        if !cli.no_tcp {
            sip = sip.tcp_bind(listen);
        }
        if let Some(ca) = &cli.tls_ca {
            sip = sip.tls_ca_file(ca);
        }
        if let Some(server) = cli.dns_server {
            sip = sip.dns_server(server);
        }
        if let Some(server) = cli.stun {
            sip = sip.stun_server(server);
        }
        if let Some(secs) = cli.keepalive {
            sip = sip.keepalive_interval(std::time::Duration::from_secs(secs.max(1)));
        }
        if let (Some(addr), Some(cert), Some(key)) = (cli.listen_tls, &cli.tls_cert, &cli.tls_key) {
            sip = sip.tls_bind(addr, cert, key);
        }
        if let (Some(cert), Some(key)) = (&cli.tls_client_cert, &cli.tls_client_key) {
            sip = sip.tls_client_cert(cert, key);
        }
        let phone = Phone::builder()
            .stack(SipStack::new(sip.build()))
            .media_engine(engine)
            .event_capacity(65536)
            .default_security(cli.security())
            .build()
            .await;
        let phone = match phone {
            Ok(p) => p,
            Err(e @ openphone::Error::Unsupported { .. }) if cli.media_encryption.is_some() => {
                return Err(format!("--media-encryption {}: {e}", cli.security().method).into())
            }
            Err(e) => return Err(e.into()),
        };
        println!("listening: {}", phone.listening().join(", "));
        if let Some(aor) = &cli.account {
            let mut acc = AccountConfig::new(aor.parse()?)
                .with_register(!cli.no_register)
                .with_security(cli.security());
            if let Some(pw) = &cli.password {
                acc = acc.with_password(pw);
            }
            if let Some(u) = &cli.username {
                acc = acc.with_username(u);
            }
            if let Some(p) = &cli.proxy {
                acc = acc.with_outbound_proxy(p);
            }
            let acc = phone.add_account(acc)?;
            println!("account {} added", acc.id());
        } else {
            for acc in file_accounts {
                let aor = acc.aor.to_string();
                let acc = phone
                    .add_account(acc)
                    .map_err(|e| format!("account {aor}: {e}"))?;
                println!("account {} added ({aor})", acc.id());
            }
        }
        (phone, None)
    };

    let mut ata = match card {
        Some((card, audio)) => Some(line::Ata::new(&cli.line, card, audio, domain.as_deref())?),
        None => None,
    };
    if !cli.address_book.is_empty() {
        println!("address book: {} contacts", contacts.len());
    }
    let mut current: Option<Call> = None;
    let mut served = None;
    let mut requests = if cli.no_control {
        None
    } else {
        let path = cli.control.clone().unwrap_or_else(control::default_path);
        match control::serve(&path).await {
            Ok(rx) => {
                println!("control: {}", path.display());
                served = Some(path);
                Some(rx)
            }
            // The phone works without; say why `softphone cmd` cannot reach it.
            Err(e) => {
                println!("control: none ({e})");
                None
            }
        }
    };
    let triggers = triggers::Triggers {
        incoming: cli.on_incoming.clone(),
        answered: cli.on_answer.clone(),
        released: cli.on_release.clone(),
        registration: cli.on_registration.clone(),
    };
    let (verdict_tx, mut verdicts) = tokio::sync::mpsc::unbounded_channel();
    let mut settings = state::Settings {
        auto_answer,
        dnd: cli.dnd,
        forward_always: cli.forward.clone(),
        forward_busy: cli.forward_busy.clone(),
        forward_no_answer: cli
            .forward_no_answer
            .clone()
            .map(|to| (to, Duration::from_secs(cli.no_answer_secs))),
    };
    for uri in [&settings.forward_always, &settings.forward_busy]
        .into_iter()
        .flatten()
        .chain(settings.forward_no_answer.as_ref().map(|(u, _)| u))
    {
        if !uri.contains(':') {
            return Err(format!("{uri:?} is not a URI (sip:user@host)").into());
        }
    }
    // The ringer's sound, checked before any call rings.
    let ringtone = match &cli.devices.ringtone {
        Some(path) => ringtone::Ringtone::file(path, cli.devices.device_rate)
            .map_err(|e| format!("--ringtone {e}"))?,
        None => ringtone::Ringtone::country(cli.line.country()),
    };
    let mut book = match &cli.history {
        Some(path) => state::CallBook::with_file(path)?,
        None => state::CallBook::default(),
    };
    // Ringing calls to forward if still unanswered at their deadline.
    let mut no_answer: Vec<(std::time::Instant, CallId, String)> = Vec::new();
    // Incoming calls ringing on the --ringer device.
    let mut ringing: std::collections::HashMap<CallId, devices::Ringing> = Default::default();
    // Ring patterns incoming calls' Alert-Info asked for.
    let mut alerts: std::collections::HashMap<CallId, &str> = Default::default();
    let mut ticker = cli
        .status_every
        .map(|s| tokio::time::interval(Duration::from_secs(s)));
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    loop {
        let next_deadline = no_answer.iter().map(|(at, _, _)| *at).min();
        tokio::select! {
            ev = phone.next_event() => {
                let Some(ev) = ev else { break };
                print_event(&ev);
                if let Some(a) = ata.as_mut() {
                    a.on_event(&phone, &ev);
                }
                match ev {
                    // An attended transfer's new call replacing one of ours
                    // (RFC 3891 §3): the user already talks to this party's
                    // transferor, so the new call is answered and the old one
                    // ends.
                    PhoneEvent::IncomingCall { call, replaces: Some(old), from, .. } => {
                        book.start(call, true, from.to_string());
                        let handle = phone.call_handle(call);
                        match handle.answer().and_then(|()| phone.call_handle(old).hangup()) {
                            Ok(()) => println!("replace: {call} replaces {old}"),
                            Err(e) => println!("error: replace: {call}: {e}"),
                        }
                        current = Some(handle);
                    }
                    PhoneEvent::IncomingCall { call, account, from, to, waiting, alert_info, .. } => {
                        let asked = alert_info.as_deref().and_then(ringtone::from_alert_info);
                        if let Some(a) = &alert_info {
                            println!("alert-info: {call}: {a}");
                            if let Some(p) = asked {
                                alerts.insert(call, p);
                            }
                        }
                        let handle = phone.call_handle(call);
                        if let Some(name) = contacts.name_for(&from.to_string()) {
                            println!("caller: {call} is {name}");
                        }
                        book.start(call, true, from.to_string());
                        // With an incoming-call script the ringer waits for
                        // its verdict (it may choose a ring pattern).
                        if triggers.incoming.is_none() {
                            if let Some(r) = ring_for(&cli, &ringtone, call, asked) {
                                ringing.insert(call, r);
                            }
                        }
                        match &triggers.incoming {
                            // The script decides first (see the verdict arm).
                            Some(script) => triggers::incoming(
                                script.clone(),
                                call,
                                vec![
                                    ("OPENPHONE_EVENT", "incoming".into()),
                                    ("OPENPHONE_CALL", call.to_string()),
                                    ("OPENPHONE_FROM", from.to_string()),
                                    ("OPENPHONE_TO", to.to_string()),
                                    ("OPENPHONE_ACCOUNT", account.map(|a| a.to_string()).unwrap_or_default()),
                                    ("OPENPHONE_WAITING", u8::from(waiting).to_string()),
                                    ("OPENPHONE_ALERT_INFO", alert_info.clone().unwrap_or_default()),
                                ],
                                verdict_tx.clone(),
                            ),
                            None => {
                                let busy = waiting || phone.active_calls().len() > 1;
                                let policy = settings.policy(busy, std::time::Instant::now());
                                apply_policy(&handle, policy, &mut no_answer);
                            }
                        }
                        current = Some(handle);
                    }
                    PhoneEvent::CallState { call, state } => {
                        if book.get(call).is_none() {
                            let remote = phone.call_handle(call).remote().map(|r| r.to_string()).unwrap_or_default();
                            book.start(call, false, remote);
                        }
                        if !state.is_early() {
                            ringing.remove(&call);
                        }
                        if state.is_established() {
                            no_answer.retain(|(_, c, _)| *c != call);
                            if book.answered(call) {
                                if let Some(script) = &triggers.answered {
                                    let remote = book.get(call).map(|e| e.remote.clone()).unwrap_or_default();
                                    triggers::notify(script.clone(), vec![
                                        ("OPENPHONE_EVENT", "answered".into()),
                                        ("OPENPHONE_CALL", call.to_string()),
                                        ("OPENPHONE_REMOTE", remote),
                                    ]);
                                }
                            }
                        }
                    }
                    PhoneEvent::CallEnded { call, reason } => {
                        ringing.remove(&call);
                        alerts.remove(&call);
                        no_answer.retain(|(_, c, _)| *c != call);
                        let remote = book
                            .ended(call, reason.to_string())
                            .map(|e| e.remote)
                            .unwrap_or_default();
                        if let Some(script) = &triggers.released {
                            triggers::notify(script.clone(), vec![
                                ("OPENPHONE_EVENT", "released".into()),
                                ("OPENPHONE_CALL", call.to_string()),
                                ("OPENPHONE_REMOTE", remote),
                                ("OPENPHONE_REASON", reason.to_string()),
                            ]);
                        }
                        if current.as_ref().is_some_and(|c| c.id() == call) {
                            current = phone.active_calls().pop();
                        }
                    }
                    // A blind transfer done: the peer talks to the target
                    // now, so our leg ends (RFC 5589 §6.1: the transferor's BYE).
                    PhoneEvent::TransferProgress { call, status: TransferStatus::Succeeded } => {
                        match phone.call_handle(call).hangup() {
                            Ok(()) => println!("transfer: {call} transferred, hanging up"),
                            Err(e) => println!("error: transfer: {call}: {e}"),
                        }
                    }
                    PhoneEvent::Registration { account, state } => {
                        if let Some(script) = &triggers.registration {
                            triggers::notify(script.clone(), vec![
                                ("OPENPHONE_EVENT", "registration".into()),
                                ("OPENPHONE_ACCOUNT", account.to_string()),
                                ("OPENPHONE_STATE", state.to_string()),
                            ]);
                        }
                    }
                    _ => {}
                }
            }
            Some(v) = verdicts.recv() => {
                if let Some(t) = &v.trouble {
                    println!("trigger: incoming {}: {t}; left to the phone", v.call);
                }
                println!("trigger: incoming {}: {:?}", v.call, v.decision);
                let handle = phone.call_handle(v.call);
                let done = match v.decision {
                    triggers::Decision::Continue => {
                        let busy = phone.active_calls().len() > 1;
                        let policy = settings.policy(busy, std::time::Instant::now());
                        apply_policy(&handle, policy, &mut no_answer);
                        // Still ringing: the ringer, in the pattern asked for.
                        if handle.state().is_ok_and(|s| s.is_early()) {
                            let asked = v.ring.as_deref().or(alerts.get(&v.call).copied());
                            if let Some(r) = ring_for(&cli, &ringtone, v.call, asked) {
                                ringing.insert(v.call, r);
                            }
                        }
                        Ok(())
                    }
                    triggers::Decision::Answer => handle.answer(),
                    triggers::Decision::Reject(cause) => commands::reject_reason(&cause)
                        .and_then(|r| handle.reject_with(r)),
                    triggers::Decision::Redirect(to) => {
                        let to: Vec<&str> = to.iter().map(String::as_str).collect();
                        handle.redirect(&to)
                    }
                };
                if let Err(e) = done {
                    println!("error: trigger: {}: {e}", v.call);
                }
            }
            _ = async {
                match next_deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            } => {
                let now = std::time::Instant::now();
                let due: Vec<_> = no_answer.iter().filter(|(at, _, _)| *at <= now).cloned().collect();
                no_answer.retain(|(at, _, _)| *at > now);
                for (_, call, to) in due {
                    let handle = phone.call_handle(call);
                    if handle.state().is_ok_and(|s| s.is_early()) {
                        println!("forward: {call} not answered: to {to}");
                        if let Err(e) = handle.redirect(&[to.as_str()]) {
                            println!("error: forward: {call}: {e}");
                        }
                    }
                }
            }
            _ = async {
                match ticker.as_mut() {
                    Some(t) => { t.tick().await; }
                    None => std::future::pending().await,
                }
            } => {
                for c in phone.active_calls() {
                    println!("live: {}", commands::status_line(&c, &book));
                }
            }
            _ = async {
                match ata.as_ref() {
                    Some(a) => tokio::time::sleep_until(a.next_poll().into()).await,
                    None => std::future::pending().await,
                }
            } => {
                if let Some(a) = ata.as_mut() {
                    a.poll(&phone);
                }
            }
            input = lines.next_line(), if stdin_open => {
                match input {
                    Ok(Some(input)) => {
                        if let Some(reply) = ata.as_mut().and_then(|a| a.command(&input)) {
                            for l in &reply {
                                println!("{l}");
                            }
                            continue;
                        }
                        let mut target = commands::Target {
                            phone: &phone,
                            line: line.as_ref(),
                            current: &mut current,
                            settings: &mut settings,
                            book: &book,
                            contacts: &contacts,
                            domain: domain.as_deref(),
                        };
                        let reply = commands::run(&mut target, &input);
                        for l in &reply.lines {
                            println!("{l}");
                        }
                        if reply.quit {
                            break;
                        }
                    }
                    // End of input: keep serving (auto-answer under a test harness).
                    Ok(None) | Err(_) => stdin_open = false,
                }
            }
            req = async {
                match requests.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                let Some(req) = req else {
                    requests = None;
                    continue;
                };
                println!("control: {}", req.line);
                if let Some(reply) = ata.as_mut().and_then(|a| a.command(&req.line)) {
                    for l in &reply {
                        println!("{l}");
                    }
                    let _ = req.answer.send(reply);
                    continue;
                }
                let mut target = commands::Target {
                    phone: &phone,
                    line: line.as_ref(),
                    current: &mut current,
                    settings: &mut settings,
                    book: &book,
                    contacts: &contacts,
                    domain: domain.as_deref(),
                };
                let reply = commands::run(&mut target, &req.line);
                for l in &reply.lines {
                    println!("{l}");
                }
                let quit = reply.quit;
                let _ = req.answer.send(reply.lines);
                if quit {
                    break;
                }
            }
        }
    }
    if let Some(path) = served {
        let _ = std::fs::remove_file(path);
    }
    phone.shutdown(Duration::from_secs(3)).await;
    if let Some(a) = &ata {
        a.finish();
    }
    Ok(())
}

/// Rings `call` on the ringer device in pattern `asked` (a script's
/// `ring=NAME` or the call's Alert-Info), or the phone's own ringtone.
fn ring_for(
    cli: &Cli,
    tone: &ringtone::Ringtone,
    call: CallId,
    asked: Option<&str>,
) -> Option<devices::Ringing> {
    let tone = match asked {
        Some(name) => match tone.clone().with_pattern(name, cli.line.country()) {
            Ok(t) => {
                println!("ring: {call} rings {name}");
                t
            }
            Err(e) => {
                println!("error: ring: {call}: {e}");
                tone.clone()
            }
        },
        None => tone.clone(),
    };
    cli.devices.ring(tone)
}

fn print_event(ev: &PhoneEvent) {
    if let Some(line) = presence::describe(ev) {
        return println!("event: {line}");
    }
    println!("event: {ev}");
}

/// Carries out what the settings say for a new incoming call.
fn apply_policy(
    call: &Call,
    policy: state::Policy,
    no_answer: &mut Vec<(std::time::Instant, CallId, String)>,
) {
    let done = match &policy {
        state::Policy::Reject => call.reject(openphone::Cause::Busy),
        state::Policy::Forward(to) => call.redirect(&[to.as_str()]),
        state::Policy::Answer => call.answer(),
        state::Policy::Ring(None) => Ok(()),
        state::Policy::Ring(Some((to, at))) => {
            no_answer.push((*at, call.id(), to.clone()));
            Ok(())
        }
    };
    match done {
        Ok(()) if !matches!(policy, state::Policy::Ring(_) | state::Policy::Answer) => {
            println!("policy: {}: {policy:?}", call.id());
        }
        Ok(()) => {}
        Err(e) => println!("error: {}: {policy:?}: {e}", call.id()),
    }
}

/// Fills what the command line left unset from the config file; returns
/// the file's accounts (used unless `--account` is given).
fn merge_config(
    cli: &mut Cli,
    file: config::FileConfig,
) -> Result<Vec<AccountConfig>, Box<dyn std::error::Error>> {
    cli.listen = cli.listen.or(file.listen);
    cli.rtp_ip = cli.rtp_ip.or(file.rtp_ip);
    if cli.tls_client_cert.is_none() {
        cli.tls_client_cert = file.tls_client_cert;
        cli.tls_client_key = file.tls_client_key;
    }
    if cli.rtp_ports.is_none() {
        if let Some(r) = &file.rtp_ports {
            cli.rtp_ports =
                Some(setup::parse_port_range(r, 1).map_err(|e| format!("rtp_ports: {e}"))?);
        }
    }
    if cli.codec.is_empty() {
        cli.codec = file.codecs;
    }
    cli.no_tcp |= file.no_tcp.unwrap_or(false);
    cli.auto_answer |= file.auto_answer.unwrap_or(false);
    cli.dnd |= file.dnd.unwrap_or(false);
    // A source (file, tone or device) and a sink are each one choice.
    if file.capture.is_some() && (file.play.is_some() || file.tone.is_some()) {
        return Err("capture and play/tone are alternatives".into());
    }
    if file.playback.is_some() && file.record.is_some() {
        return Err("playback and record are alternatives".into());
    }
    let source_given = cli.play.is_some() || cli.tone.is_some();
    let sink_given = cli.record.is_some();
    cli.devices.merge_file(
        [
            file.capture.as_deref(),
            file.playback.as_deref(),
            file.ringer.as_deref(),
        ],
        source_given,
        sink_given,
    )?;
    if cli.play.is_none() && cli.tone.is_none() && cli.devices.capture.is_none() {
        cli.play = file.play;
        cli.tone = file.tone;
    }
    if cli.devices.playback.is_none() {
        cli.record = cli.record.take().or(file.record);
    }
    if cli.address_book.is_empty() {
        cli.address_book = file.address_books;
    }
    cli.history = cli.history.take().or(file.history);
    if let Some(secs) = file.status_every.filter(|_| cli.status_every.is_none()) {
        if !(1..=3600).contains(&secs) {
            return Err(format!("status_every: 1-3600, not {secs}").into());
        }
        cli.status_every = Some(secs);
    }
    if !cli.no_control {
        cli.control = cli.control.take().or(file.control);
    }
    cli.forward = cli.forward.take().or(file.forward.always);
    cli.forward_busy = cli.forward_busy.take().or(file.forward.busy);
    if cli.forward_no_answer.is_none() {
        cli.forward_no_answer = file.forward.no_answer;
        if let Some(secs) = file.forward.no_answer_secs {
            if !(1..=600).contains(&secs) {
                return Err(format!("forward.no_answer_secs: 1-600, not {secs}").into());
            }
            cli.no_answer_secs = secs;
        }
    }
    if cli.line.country.is_none() {
        if let Some(c) = &file.country {
            cli.line.country = Some(c.parse().map_err(|e| format!("country: {e}"))?);
        }
    }
    if cli.devices.ringtone.is_none() {
        cli.devices.ringtone = file.ringtone.clone();
    }
    cli.on_incoming = cli.on_incoming.take().or(file.triggers.incoming);
    cli.on_answer = cli.on_answer.take().or(file.triggers.answer);
    cli.on_release = cli.on_release.take().or(file.triggers.release);
    cli.on_registration = cli.on_registration.take().or(file.triggers.registration);
    if cli.mgcp && !file.accounts.is_empty() {
        return Err("the config's accounts are SIP accounts; --mgcp runs one MGCP line".into());
    }
    let accounts = file
        .accounts
        .iter()
        .map(|a| {
            a.to_account()
                .map_err(|e| format!("account {}: {e}", a.aor))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(accounts)
}
