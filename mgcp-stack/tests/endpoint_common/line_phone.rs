//! A `Phone` whose only account is one MGCP line (`MgcpStack`, real media
//! engine on 127.0.0.1, PCMU), capturing a tone and recording what it plays.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use openphone_hal::{MemoryHandle, MemorySink, ToneSource};
use openphone_media::{Engine, EngineConfig};
use openphone_mgcp::{MgcpConfig, MgcpStack};
use openphone_sal::{Account, AccountConfig, CallId, Phone};

pub const RATE: u32 = 8000;

/// Line `aaln/N@[127.0.0.1]` controlled by the call agent at `agent`: the
/// phone, its account, and what its speaker played.
pub async fn line_phone(n: u32, agent: SocketAddr, tone_hz: f32) -> (Phone, Account, MemoryHandle) {
    let sink = MemorySink::new(RATE);
    let heard = sink.handle();
    let audio = Arc::new(Mutex::new(Some((
        Box::new(ToneSource::new(RATE, tone_hz, 0.5)) as Box<dyn openphone_hal::AudioSource>,
        Box::new(sink) as Box<dyn openphone_hal::AudioSink>,
    ))));
    let factory = Arc::new(move |_call: CallId| {
        audio
            .lock()
            .unwrap()
            .take()
            .ok_or(openphone_sal::MediaError::Device(
                "one call per line in this test".into(),
            ))
    });
    let engine = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .codecs(["pcmu"])
        .audio_factory(factory)
        .build()
        .unwrap();
    let config = MgcpConfig::new(agent)
        .with_listen("127.0.0.1:0".parse().unwrap())
        .with_line(format!("aaln/{n}"));
    let phone = Phone::builder()
        .stack(MgcpStack::new(config))
        .media_engine(Engine::new(engine))
        .build()
        .await
        .unwrap();
    let account = phone
        .add_account(AccountConfig::new(
            format!("mgcp:aaln/{n}@[127.0.0.1]").parse().unwrap(),
        ))
        .unwrap();
    (phone, account, heard)
}
