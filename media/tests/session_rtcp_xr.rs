//! RTCP XR from a `MediaSession` (RFC 3611 VoIP Metrics): two sessions in
//! virtual time, A → B loses every 20th RTP packet (5 %), in bursts of
//! two every 40th in a second run; B's RTCP reports must carry a VoIP
//! Metrics block about A's SSRC whose loss rate, burst figures, jitter
//! buffer and MOS fit what the network did, and none when XR is off.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_media::codec::CodecRegistry;
use openphone_media::rtp::rtcp::{parse_compound, RtcpPacket};
use openphone_media::rtp::xr::{JitterBufferKind, PlcKind, VoipMetrics, XrBlock};
use openphone_media::session::{MediaSession, MediaSessionConfig};
use openphone_sal::{CodecDescriptor, NegotiatedMedia, NegotiatedStream, RecvChannel, SendChannel};

const A: &str = "127.0.0.1:4000";
const B: &str = "127.0.0.1:5000";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn leg(local: SocketAddr, remote: SocketAddr) -> NegotiatedMedia {
    let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
    NegotiatedMedia::from(
        NegotiatedStream::audio(local)
            .with_send(SendChannel::new(remote, pcmu.clone(), 0))
            .with_recv(RecvChannel::new(vec![(0, pcmu)])),
    )
}

fn session(local: &str, remote: &str, xr: bool, t0: Instant, seed: u64) -> MediaSession {
    let mut c = MediaSessionConfig::new("xr@example", Arc::new(CodecRegistry::with_builtin()));
    c.rtcp_interval = Duration::from_secs(1);
    c.rtcp_xr = xr;
    MediaSession::new(c, &leg(addr(local), addr(remote)), t0, 0, seed).unwrap()
}

/// Runs `secs` of a call; `drop_rtp(k)` says whether A's k-th RTP packet
/// to B is lost. Returns B's VoIP Metrics blocks in report order, and the
/// SSRC A sent with.
fn run(secs: u64, xr: bool, drop_rtp: impl Fn(u64) -> bool) -> (Vec<VoipMetrics>, u32) {
    let (blocks, ssrc, _) = run_with_stats(secs, xr, drop_rtp);
    (blocks, ssrc)
}

/// `run`, also returning A's statistics at the end (the peer's view of A's
/// stream arrives in them).
fn run_with_stats(
    secs: u64,
    xr: bool,
    drop_rtp: impl Fn(u64) -> bool,
) -> (Vec<VoipMetrics>, u32, openphone_sal::MediaStats) {
    let t0 = Instant::now();
    let mut a = session(A, B, xr, t0, 1);
    let mut b = session(B, A, xr, t0, 2);
    let tone: Vec<i16> = (0..160)
        .map(|i| ((i as f64 * std::f64::consts::TAU / 16.0).sin() * 8000.0) as i16)
        .collect();
    let mut out = vec![0i16; 160];
    let mut a_rtp = 0u64;
    let mut a_ssrc = 0u32;
    let mut blocks = Vec::new();
    // One step per 20 ms; packets arrive within the step they are sent.
    for step in 0..secs * 50 {
        let now = t0 + Duration::from_millis(step * 20);
        for s in [&mut a, &mut b] {
            s.handle_timeout(now);
            s.write_audio(now, &tone).unwrap();
        }
        let mut to_b = Vec::new();
        while let Some(t) = a.poll_transmit() {
            let bytes = t.bytes.to_vec();
            if bytes.len() > 12 && bytes[1] & 0x7f == 0 {
                a_ssrc = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
                a_rtp += 1;
                if drop_rtp(a_rtp) {
                    continue;
                }
            }
            to_b.push(bytes);
        }
        let mut to_a = Vec::new();
        while let Some(t) = b.poll_transmit() {
            let bytes = t.bytes.to_vec();
            if openphone_media::rtp::rtcp::is_rtcp(&bytes) {
                for p in parse_compound(&bytes).expect("B's RTCP parses") {
                    if let RtcpPacket::ExtendedReport(x) = p {
                        for blk in x.blocks {
                            if let XrBlock::VoipMetrics(m) = blk {
                                blocks.push(m);
                            }
                        }
                    }
                }
            }
            to_a.push(bytes);
        }
        let at = now + Duration::from_millis(5);
        for d in to_b {
            b.handle_datagram(at, addr(A), &d);
        }
        for d in to_a {
            a.handle_datagram(at, addr(B), &d);
        }
        a.read_audio(now, &mut out);
        b.read_audio(now, &mut out);
    }
    (blocks, a_ssrc, a.stats())
}

#[test]
fn voip_metrics_report_random_loss() {
    let (blocks, a_ssrc) = run(12, true, |k| k % 20 == 0);
    assert!(blocks.len() >= 8, "{} XR blocks in 12 s", blocks.len());
    let m = blocks.last().unwrap();
    println!("{m:?}");
    assert_eq!(m.ssrc, a_ssrc, "about A's stream");
    // 5 % of 256 = 12.8.
    assert!(
        (11..=14).contains(&m.loss_rate),
        "loss rate {}",
        m.loss_rate
    );
    assert_eq!(m.discard_rate, 0);
    // Lone losses 20 apart (≥ Gmin received between): all gap, no burst.
    assert_eq!(m.gmin, 16);
    assert_eq!(m.burst_density, 0, "{m:?}");
    assert!(m.gap_density >= 11, "{m:?}");
    assert_eq!(m.rx_config.plc, PlcKind::Standard);
    assert_eq!(m.rx_config.jba, JitterBufferKind::Adaptive);
    assert!(m.jb_nominal_ms >= 40, "{m:?}");
    assert_eq!(m.jb_abs_max_ms, 300);
    // 5 % random loss on G.711 with PLC: G.107 rates R in the 60s-70s.
    let mos = m.mos_cq().unwrap();
    assert!((2.8..4.0).contains(&mos), "MOS {mos}");
    assert!(m.r_factor < 85, "R {}", m.r_factor);
    assert!(m.round_trip_delay_ms < 100, "{m:?}");
    // The first report has no loss yet or a little; they rise to the rate.
    assert!(blocks.first().unwrap().loss_rate <= m.loss_rate + 2);
}

#[test]
fn voip_metrics_tell_bursts_from_gaps() {
    // Two in a row every 40 packets: same 5 % rate, now in bursts.
    let (blocks, _) = run(12, true, |k| k % 40 == 0 || k % 40 == 1);
    let m = blocks.last().unwrap();
    println!("{m:?}");
    assert!(
        (11..=14).contains(&m.loss_rate),
        "loss rate {}",
        m.loss_rate
    );
    assert!(m.burst_density > 100, "bursts are dense: {m:?}");
    assert!(m.burst_duration_ms >= 40, "{m:?}");
    let (random, _) = run(12, true, |k| k % 20 == 0);
    let r = random.last().unwrap();
    assert!(
        m.r_factor < r.r_factor,
        "bursty loss rates worse: {} vs {}",
        m.r_factor,
        r.r_factor
    );
}

#[test]
fn no_xr_when_turned_off_or_clean_call_rates_high() {
    let (blocks, _) = run(6, false, |k| k % 20 == 0);
    assert!(blocks.is_empty(), "XR off: {} blocks", blocks.len());
    let (clean, _) = run(6, true, |_| false);
    let m = clean.last().unwrap();
    assert_eq!(m.loss_rate, 0);
    assert!(m.mos_cq().unwrap() > 4.0, "{m:?}");
}

#[test]
fn the_peers_view_reaches_our_statistics() {
    let (blocks, _, a_stats) = run_with_stats(6, true, |k| k % 20 == 0);
    let last = blocks.last().unwrap();
    assert_eq!(a_stats.remote_mos, last.mos_cq(), "{a_stats:?}");
    assert_eq!(
        a_stats.remote_r_factor,
        last.r_factor().map(f32::from),
        "{a_stats:?}"
    );
    assert!(a_stats.to_string().contains("peer's MOS"), "{a_stats}");
    let (_, _, off) = run_with_stats(6, false, |_| false);
    assert_eq!(off.remote_mos, None);
}
