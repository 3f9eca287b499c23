//! A minimal command-line SIP UA on `SipStack`, for interop checks against SIPp,
//! Kamailio or softphones. No audio: it negotiates media and prints events.
//!
//! ```text
//! sip_ua --bind 127.0.0.1:25081 [--tcp] [--answer] [--call sip:bob@127.0.0.1:15060]
//!        [--register sip:alice@127.0.0.1:25070 --password secret] [--proxy sip:127.0.0.1:25070]
//!        [--hangup-after 3] [--exit-after 10]
//! ```

use std::time::Duration;

use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, CodecDescriptor, MediaOffer, Stack, StackCommand,
    StackEvent, StackEventSink, StackIo,
};
use openphone_sip::{SipConfig, SipStack};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args: Vec<String> = std::env::args().collect();
    let bind = arg(&args, "--bind")
        .unwrap_or_else(|| "127.0.0.1:25081".into())
        .parse()?;
    let mut cfg = SipConfig::builder()
        .udp_bind(bind)
        .user_agent("openphone-sip_ua");
    if args.iter().any(|a| a == "--tcp") {
        cfg = cfg.tcp_bind(bind);
    }
    let stack = SipStack::new(cfg.build());
    let (tx, commands) = tokio::sync::mpsc::channel(16);
    let (etx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let info = Box::new(stack)
        .start(StackIo {
            commands,
            events: StackEventSink::new(0, etx),
        })
        .await?;
    println!("listening: {:?}", info.listening);
    let media = |port: u16| {
        MediaOffer::new(std::net::SocketAddr::new(bind.ip(), port))
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
            .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16"))
    };
    let mut account = None;
    if let Some(aor) = arg(&args, "--register") {
        let id = AccountId::next();
        let mut c = AccountConfig::new(Address::new(aor)?);
        if let Some(p) = arg(&args, "--password") {
            c = c.with_password(p);
        }
        if let Some(p) = arg(&args, "--proxy") {
            c = c.with_outbound_proxy(p);
        }
        tx.send(StackCommand::AddAccount {
            account: id,
            config: c,
        })
        .await?;
        account = Some(id);
    }
    let answer = args.iter().any(|a| a == "--answer");
    let hangup_after = arg(&args, "--hangup-after")
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs);
    let exit_after = Duration::from_secs(
        arg(&args, "--exit-after")
            .and_then(|s| s.parse().ok())
            .unwrap_or(30),
    );
    if let Some(to) = arg(&args, "--call") {
        if account.is_some() {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let call = CallId::next();
        tx.send(StackCommand::Dial {
            call,
            account,
            to: Address::new(to)?,
            offer: media(16000),
        })
        .await?;
    }
    let deadline = tokio::time::Instant::now() + exit_after;
    loop {
        let ev = tokio::select! {
            e = events.recv() => match e { Some((_, e)) => e, None => break },
            _ = tokio::time::sleep_until(deadline) => break,
        };
        println!("event: {ev:?}");
        match ev {
            StackEvent::IncomingCall { call, .. } if answer => {
                tx.send(StackCommand::Answer {
                    call,
                    media: media(16002),
                })
                .await?;
            }
            StackEvent::Connected { call } => {
                if let Some(d) = hangup_after {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(d).await;
                        let _ = tx.send(StackCommand::Hangup { call }).await;
                    });
                }
            }
            _ => {}
        }
    }
    let _ = tx.send(StackCommand::Shutdown).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}
