//! The per-packet media path allocates nothing: encode → RTP header →
//! write → parse → session receive accounting → jitter buffer → decode /
//! conceal, measured with a counting global allocator after warm-up.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_media::codec::{AudioDecoder, AudioEncoder, Pcmu};
use openphone_media::dtmf::DtmfReceiver;
use openphone_media::jitter::{JitterBuffer, JitterConfig, Pop};
use openphone_media::rtp::{write_packet, RtpPacket, RtpSession, RtpVerdict, SessionConfig};

mod counting_alloc;

use counting_alloc::allocations;

#[global_allocator]
static A: counting_alloc::Counting = counting_alloc::Counting;

#[test]
fn packet_path_does_not_allocate() {
    // The counter sees allocations at all.
    let b = allocations();
    let v = std::hint::black_box(vec![1u8; 10]);
    assert!(allocations() > b);
    drop(v);
    let t0 = Instant::now();
    let from: SocketAddr = "127.0.0.1:7000".parse().unwrap();
    let mut tx = RtpSession::new(t0, 0, SessionConfig::new("tx", 8000), 1);
    let mut rx = RtpSession::new(t0, 0, SessionConfig::new("rx", 8000), 2);
    let mut enc = Pcmu::encoder();
    let mut dec = Pcmu::decoder();
    let mut jb = JitterBuffer::new(JitterConfig::default());
    let mut dtmf = DtmfReceiver::new(8000);
    let pcm: Vec<i16> = (0..160).map(|i| ((i * 37) % 2000) as i16 - 1000).collect();
    let mut payload = vec![0u8; 160];
    let mut wire = vec![0u8; 1500];
    let mut out = vec![0i16; 2048];
    let mut rtcp = vec![0u8; 1500];

    let mut step = |i: u32, count: bool| -> u64 {
        let now = t0 + Duration::from_millis(20 * i as u64);
        let before = allocations();
        let n = enc.encode(&pcm, &mut payload).unwrap();
        let h = tx.outgoing(now, 0, i == 0, i * 160, n);
        let len = write_packet(&mut wire, &h, &payload[..n]).unwrap();
        // Every 10th packet is lost on the way.
        if i % 10 != 7 {
            let p = RtpPacket::parse(&wire[..len]).unwrap();
            if rx.receive_rtp(now, from, &p, Some(8000)) == RtpVerdict::Accept {
                jb.push(now, p.header.sequence, p.header.timestamp, 0, p.payload);
            }
            let _ = dtmf.receive(p.header.timestamp, &[1, 0x0a, 0, 160]);
        }
        match jb.pop(now) {
            Pop::Frame { payload, .. } => {
                dec.decode(payload, &mut out).unwrap();
            }
            Pop::Lost { .. } => {
                dec.conceal(&mut out).unwrap();
            }
            Pop::Empty => {}
        }
        let _ = rx.stats();
        let _ = jb.stats();
        while rx.poll_event().is_some() {}
        if count {
            allocations() - before
        } else {
            0
        }
    };
    // Warm-up: source validation, first events.
    for i in 0..20 {
        step(i, false);
    }
    let total: u64 = (20..1020).map(|i| step(i, true)).sum();
    assert_eq!(
        total, 0,
        "allocations on the per-packet path over 1000 packets"
    );
    // RTCP (every few seconds) may allocate for parsed report lists; it is
    // off the per-packet path, but writing a report must not.
    let before = allocations();
    let _ = tx.poll_rtcp(t0 + Duration::from_secs(30), &mut rtcp);
    assert_eq!(allocations() - before, 0, "RTCP report writing allocated");
}

/// The same for the whole `MediaSession` (PCMU both ways, 10 % loss, a
/// duplicate now and then): `write_audio`, `poll_transmit`,
/// `handle_datagram`, `read_audio`, `handle_timeout` (RTCP reports are
/// written and sent; received RTCP, whose parser may allocate, is not fed
/// back in the counted window), `poll_event` and `counters`.
#[test]
fn media_session_steady_state_does_not_allocate() {
    use openphone_media::codec::CodecRegistry;
    use openphone_media::session::{MediaSession, MediaSessionConfig, Via};
    use openphone_sal::{
        CodecDescriptor, NegotiatedMedia, NegotiatedStream, RecvChannel, SendChannel,
    };
    use std::sync::Arc;

    let t0 = Instant::now();
    let (a_addr, b_addr): (SocketAddr, SocketAddr) = (
        "10.0.0.1:4000".parse().unwrap(),
        "10.0.0.2:6000".parse().unwrap(),
    );
    let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
    let leg = |local, remote| {
        let mut send = SendChannel::new(remote, pcmu.clone(), 0);
        send.telephone_event = Some(101);
        let mut recv = RecvChannel::new(vec![(0, pcmu.clone())]);
        recv.telephone_event = Some(101);
        NegotiatedMedia::from(
            NegotiatedStream::audio(local)
                .with_send(send)
                .with_recv(recv),
        )
    };
    let mut cfg = MediaSessionConfig::new("x", Arc::new(CodecRegistry::with_builtin()));
    cfg.rtcp_interval = Duration::from_secs(1);
    cfg.rtp_timeout = Some(Duration::from_secs(5));
    let mut a = MediaSession::new(cfg.clone(), &leg(a_addr, b_addr), t0, 0, 1).unwrap();
    let mut b = MediaSession::new(cfg, &leg(b_addr, a_addr), t0, 0, 2).unwrap();
    let pcm: Vec<i16> = (0..160).map(|i| ((i * 37) % 2000) as i16 - 1000).collect();
    let mut out = vec![0i16; 160];
    let mut wire = [0u8; 1500];
    let mut rtcp_sent = 0u64;

    // One direction of one packet time.
    #[allow(clippy::too_many_arguments)]
    fn one_way(
        i: u64,
        now: Instant,
        tx: &mut MediaSession,
        rx: &mut MediaSession,
        from: SocketAddr,
        pcm: &[i16],
        out: &mut [i16],
        wire: &mut [u8],
        rtcp_sent: &mut u64,
    ) {
        tx.write_audio(now, pcm).unwrap();
        tx.handle_timeout(now);
        let mut len = None;
        while let Some(t) = tx.poll_transmit() {
            if t.via == Via::Rtcp {
                *rtcp_sent += 1;
                continue;
            }
            wire[..t.bytes.len()].copy_from_slice(t.bytes);
            len = Some(t.bytes.len());
        }
        // Every 10th packet is lost, every 13th arrives twice.
        if let (Some(n), false) = (len, i % 10 == 7) {
            rx.handle_datagram(now, from, &wire[..n]);
            if i % 13 == 5 {
                rx.handle_datagram(now, from, &wire[..n]);
            }
        }
        rx.read_audio(now, out);
        while rx.poll_event().is_some() {}
        let _ = rx.counters();
    }
    let mut step = |i: u64, count: bool, a: &mut MediaSession, b: &mut MediaSession| -> u64 {
        let now = t0 + Duration::from_millis(20 * i);
        let before = allocations();
        one_way(
            i,
            now,
            a,
            b,
            a_addr,
            &pcm,
            &mut out,
            &mut wire,
            &mut rtcp_sent,
        );
        one_way(
            i,
            now,
            b,
            a,
            b_addr,
            &pcm,
            &mut out,
            &mut wire,
            &mut rtcp_sent,
        );
        if count {
            allocations() - before
        } else {
            0
        }
    };
    for i in 0..100 {
        step(i, false, &mut a, &mut b);
    }
    let total: u64 = (100..1100).map(|i| step(i, true, &mut a, &mut b)).sum();
    assert!(rtcp_sent >= 30, "RTCP reports were written: {rtcp_sent}");
    let c = b.counters();
    assert!(c.packets_received > 900, "{c:?}");
    assert!(c.concealed_frames > 50, "{c:?}");
    assert!(c.duplicates > 50, "{c:?}");
    assert_eq!(total, 0, "allocations in 1000 steady-state packet times");
}
