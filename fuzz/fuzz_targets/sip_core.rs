//! Feeds arbitrary datagrams and stream bytes to the SIP UA core, then runs its timers:
//! no input may panic it, and it must keep answering.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use openphone_sip::{ConnId, CoreConfig, ReliableProvisional, SessionTimerConfig, SipCore};

fuzz_target!(|data: &[u8]| {
    let now = Instant::now();
    let udp = "127.0.0.1:5060".parse().unwrap();
    let tcp = "127.0.0.1:5060".parse().unwrap();
    let peer = "127.0.0.1:5070".parse().unwrap();
    let mut config = CoreConfig::new(Some(udp), Some(tcp));
    // An odd first byte turns on 100rel and session timers, so both the
    // extension paths and the plain core get fuzzed.
    if data.first().is_some_and(|b| b & 1 == 1) {
        config = config
            .with_reliable_provisional(ReliableProvisional::Supported)
            .with_session_timer(SessionTimerConfig::default());
    }
    let mut core = SipCore::new(config, now);
    // Split the input into a few datagrams and stream chunks.
    for (i, chunk) in data.split(|b| *b == 0xff).enumerate() {
        if i % 2 == 0 {
            core.handle_datagram(now, udp, peer, chunk);
        } else {
            core.handle_connection_opened(ConnId(1), peer);
            let _ = core.handle_stream_data(now, ConnId(1), chunk);
        }
        while core.poll_transmit().is_some() {}
        while core.poll_event().is_some() {}
    }
    core.handle_timeout(now + Duration::from_secs(64));
    while core.poll_transmit().is_some() {}
});
