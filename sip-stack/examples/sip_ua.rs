//! A minimal command-line SIP UA on `SipStack`, for interop checks against SIPp,
//! Kamailio or softphones. Media is real RTP from `openphone_media::Engine`
//! (silence sent, received audio dropped); it prints every event.
//!
//! ```text
//! sip_ua --bind 127.0.0.1:25081 [--tcp] [--answer] [--call sip:bob@127.0.0.1:15060]
//!        [--register sip:alice@127.0.0.1:25070 --password secret] [--proxy sip:127.0.0.1:25070]
//!        [--hangup-after 3] [--exit-after 10]
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_media::{Engine, EngineConfig};
use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, CallMedia, MediaDescription, MediaEngine,
    MediaError, MediaEvent, MediaEventSink, MediaStats, NegotiatedMedia, Stack, StackCommand,
    StackEvent, StackEventSink, StackIo, StackMedia,
};
use openphone_sip::{SipConfig, SipStack};
use tokio::sync::mpsc;

/// The media port a phone would hand the stack, reduced to what this UA
/// needs: one engine session per call.
struct EnginePort {
    engine: Engine,
    events: mpsc::UnboundedSender<(CallId, MediaEvent)>,
    sessions: Mutex<HashMap<CallId, Box<dyn CallMedia>>>,
}

impl EnginePort {
    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, Box<dyn CallMedia>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl StackMedia for EnginePort {
    fn reserve(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        let mut sessions = self.sessions();
        if let Some(s) = sessions.get(&call) {
            return Ok(s.local_description());
        }
        let session = self
            .engine
            .create_session(call, MediaEventSink::new(call, self.events.clone()))?;
        let description = session.local_description();
        sessions.insert(call, session);
        Ok(description)
    }

    fn local_description(&self, call: CallId) -> Result<MediaDescription, MediaError> {
        self.sessions()
            .get(&call)
            .map(|s| s.local_description())
            .ok_or(MediaError::UnknownCall)
    }

    fn apply(&self, call: CallId, media: &NegotiatedMedia) -> Result<(), MediaError> {
        match self.sessions().get_mut(&call) {
            Some(s) => s.apply(media),
            None => Err(MediaError::UnknownCall),
        }
    }

    fn stats(&self, call: CallId) -> Option<MediaStats> {
        self.sessions().get(&call).map(|s| s.stats())
    }

    fn release(&self, call: CallId) -> Option<MediaStats> {
        let mut session = self.sessions().remove(&call)?;
        let stats = session.stats();
        session.stop();
        Some(stats)
    }
}

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
    let (media_tx, mut media_events) = mpsc::unbounded_channel();
    let media = Arc::new(EnginePort {
        engine: Engine::new(EngineConfig::builder().bind_ip(bind.ip()).build()?),
        events: media_tx,
        sessions: Mutex::new(HashMap::new()),
    });
    tokio::spawn(async move {
        while let Some((call, ev)) = media_events.recv().await {
            println!("media event: {call} {ev:?}");
        }
    });
    let (tx, commands) = mpsc::channel(16);
    let (etx, mut events) = mpsc::unbounded_channel();
    let io = StackIo::new(commands, StackEventSink::new(0, etx), media.clone());
    let info = Box::new(stack).start(io).await?;
    println!("listening: {:?}", info.listening);
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
            offer: media.reserve(call)?,
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
                    media: media.reserve(call)?,
                })
                .await?;
            }
            StackEvent::IncomingCall { call, .. } => {
                tx.send(StackCommand::Alert {
                    call,
                    early_media: None,
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
