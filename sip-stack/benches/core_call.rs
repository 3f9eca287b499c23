//! Throughput of the sans-IO UA core: one complete call (INVITE, 100, 180, 200, ACK,
//! BYE, 200) between two cores in memory, including parsing, transaction and dialog
//! work and SDP offer/answer; and one OPTIONS request answered.

use std::net::SocketAddr;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use openphone_sal::{
    Address, CallId, CodecDescriptor, MediaDescription, StackCommand, StackEvent, StreamDescription,
};
use openphone_sip::{CoreConfig, SipCore};

fn media(port: u16) -> MediaDescription {
    MediaDescription::from(
        StreamDescription::audio(format!("127.0.0.1:{port}").parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16")),
    )
}

/// Moves every transmit between the two cores until both are quiet.
fn pump(
    a: &mut SipCore,
    b: &mut SipCore,
    now: Instant,
    sa: SocketAddr,
    sb: SocketAddr,
) -> Vec<StackEvent> {
    let mut events = Vec::new();
    loop {
        let mut moved = false;
        while let Some(t) = a.poll_transmit() {
            b.handle_datagram(now, sb, sa, &t.bytes);
            moved = true;
        }
        while let Some(t) = b.poll_transmit() {
            a.handle_datagram(now, sa, sb, &t.bytes);
            moved = true;
        }
        while let Some(e) = b.poll_event() {
            if let StackEvent::IncomingCall { call, .. } = e {
                b.handle_command(
                    now,
                    StackCommand::Answer {
                        call,
                        media: media(6000),
                    },
                );
                moved = true;
            }
        }
        events.extend(std::iter::from_fn(|| a.poll_event()));
        if !moved {
            return events;
        }
    }
}

fn bench(c: &mut Criterion) {
    let sa: SocketAddr = "127.0.0.1:5060".parse().unwrap();
    let sb: SocketAddr = "127.0.0.1:5070".parse().unwrap();
    let mut now = Instant::now();
    let mut a = SipCore::new(CoreConfig::new(Some(sa), None).with_seed(1), now);
    let mut b = SipCore::new(CoreConfig::new(Some(sb), None).with_seed(2), now);
    let to = Address::new(format!("sip:bob@{sb}")).unwrap();
    c.bench_function("sip_core_full_call", |bench| {
        bench.iter(|| {
            let call = CallId::next();
            a.handle_command(
                now,
                StackCommand::Dial {
                    call,
                    account: None,
                    to: to.clone(),
                    offer: media(4000),
                },
            );
            let ev = pump(&mut a, &mut b, now, sa, sb);
            assert!(
                ev.iter().any(|e| matches!(e, StackEvent::Connected { .. })),
                "{ev:?}"
            );
            a.handle_command(now, StackCommand::Hangup { call });
            pump(&mut a, &mut b, now, sa, sb);
            while b.poll_event().is_some() {}
            // Let every transaction finish (timers D/J/K), as time would.
            now += std::time::Duration::from_secs(64);
            a.handle_timeout(now);
            b.handle_timeout(now);
        })
    });
    let options = b"OPTIONS sip:ua@127.0.0.1:5060 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbench;rport\r\n\
        Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:ua@127.0.0.1>\r\n\
        Call-ID: bench-options\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    let mut n = 0u64;
    let now = now + std::time::Duration::from_secs(64);
    c.bench_function("sip_core_options_200", |bench| {
        bench.iter(|| {
            // A fresh transaction each time (the branch must differ).
            n += 1;
            let m = String::from_utf8_lossy(options)
                .replace("z9hG4bKbench", &format!("z9hG4bKbench{n}"));
            a.handle_datagram(now, sa, sb, m.as_bytes());
            let reply = a.poll_transmit().expect("200 OK");
            if n % 4096 == 0 {
                a.handle_timeout(now + std::time::Duration::from_secs(64 * n / 4096));
            }
            reply
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
