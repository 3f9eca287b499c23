//! SRTP interop with an independent implementation: ffmpeg's `srtp`
//! protocol (libavformat's own RFC 3711 code). ffmpeg sends a protected
//! PCMU tone that our `MediaSession` unprotects and plays; our session
//! sends a protected tone that ffmpeg (keyed by an SDP `a=crypto` line)
//! decodes. Both recordings are judged by `openphone_hal::judge`. Both
//! AES-CM suites ffmpeg has (80- and 32-bit tags); ffmpeg has no GCM.
//! ffmpeg must be installed; the test fails, naming it, if not. Everything
//! stays on 127.0.0.1, each run is bounded in time.

use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_hal::judge::{judge_tone, Criteria, SentTone, Verdict};
use openphone_hal::{AudioSource, ToneSource};
use openphone_media::codec::CodecRegistry;
use openphone_media::session::{MediaSession, MediaSessionConfig, Via};
use openphone_media::srtp::{new_crypto, SrtpSuite};
use openphone_sal::{
    CodecDescriptor, NegotiatedMedia, NegotiatedStream, RecvChannel, SdesCrypto, SdesKeys,
    SendChannel,
};

const SUITES: [SrtpSuite; 2] = [
    SrtpSuite::AesCm128HmacSha1_80,
    SrtpSuite::AesCm128HmacSha1_32,
];

fn ffmpeg() -> Command {
    let mut c = Command::new("ffmpeg");
    c.args(["-nostdin", "-v", "error", "-y"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    c
}

fn spawn(mut c: Command) -> Child {
    c.spawn()
        .unwrap_or_else(|e| panic!("ffmpeg is required for this test but could not be run: {e}"))
}

/// Two sockets on consecutive ports (RTP, RTCP) on 127.0.0.1.
fn socket_pair() -> (UdpSocket, UdpSocket) {
    for _ in 0..50 {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = s.local_addr().unwrap().port() & !1;
        drop(s);
        if p > 1024 {
            if let (Ok(a), Ok(b)) = (
                UdpSocket::bind(("127.0.0.1", p)),
                UdpSocket::bind(("127.0.0.1", p + 1)),
            ) {
                return (a, b);
            }
        }
    }
    panic!("no free UDP port pair on 127.0.0.1");
}

fn leg(
    local: SocketAddr,
    remote: SocketAddr,
    ours: &SdesCrypto,
    theirs: &SdesCrypto,
) -> NegotiatedMedia {
    let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
    let mut s = NegotiatedStream::audio(local)
        .with_send(SendChannel::new(remote, pcmu.clone(), 0))
        .with_recv(RecvChannel::new(vec![(0, pcmu)]));
    s.sdes = Some(SdesKeys::new(ours.clone(), theirs.clone()));
    NegotiatedMedia::from(s)
}

fn session(
    local: SocketAddr,
    remote: SocketAddr,
    ours: &SdesCrypto,
    theirs: &SdesCrypto,
) -> MediaSession {
    let cfg = MediaSessionConfig::new("srtp@127.0.0.1", Arc::new(CodecRegistry::with_builtin()));
    MediaSession::new(cfg, &leg(local, remote, ours, theirs), Instant::now(), 0, 7).unwrap()
}

/// Runs `s` in real time on its sockets for `limit` or until `done`:
/// sends a 1 kHz tone at −6 dBFS, returns what it played.
fn drive(
    s: &mut MediaSession,
    rtp: &UdpSocket,
    rtcp: &UdpSocket,
    limit: Duration,
    mut done: impl FnMut() -> bool,
) -> Vec<i16> {
    for sock in [rtp, rtcp] {
        sock.set_nonblocking(true).unwrap();
    }
    let mut tone = ToneSource::new(8000, 1000.0, 0.5);
    let mut frame = vec![0i16; 160];
    let mut played = Vec::new();
    let start = Instant::now();
    let mut next = start;
    let mut buf = [0u8; 2048];
    while start.elapsed() < limit && !done() {
        let now = Instant::now();
        if now >= next {
            tone.read(&mut frame).unwrap();
            s.write_audio(now, &frame).unwrap();
            s.read_audio(now, &mut frame);
            played.extend_from_slice(&frame);
            next += Duration::from_millis(20);
        }
        if s.poll_timeout().is_some_and(|t| t <= now) {
            s.handle_timeout(now);
        }
        while let Some(t) = s.poll_transmit() {
            let sock = if t.via == Via::Rtp { rtp } else { rtcp };
            let _ = sock.send_to(t.bytes, t.dst);
        }
        for sock in [rtp, rtcp] {
            while let Ok((n, from)) = sock.recv_from(&mut buf) {
                s.handle_datagram(Instant::now(), from, &buf[..n]);
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    played
}

/// The stretch from the first to the last loud 20 ms frame.
fn loud_span(x: &[i16]) -> &[i16] {
    let loud = |c: &[i16]| c.iter().any(|&s| s.unsigned_abs() > 1000);
    let frames: Vec<&[i16]> = x.chunks(160).collect();
    let first = frames.iter().position(|c| loud(c)).unwrap_or(0);
    let last = frames.iter().rposition(|c| loud(c)).unwrap_or(0);
    &x[first * 160..((last + 1) * 160).min(x.len())]
}

fn judged(x: &[i16], level_dbfs: f64) -> Verdict {
    let sent = SentTone {
        freq_hz: 1000.0,
        level_dbfs,
    };
    let c = Criteria {
        settle_ms: 100.0,
        tail_ms: 60.0,
        ..Criteria::default()
    };
    judge_tone(loud_span(x), 8000, &sent, &c)
}

fn key_of(c: &SdesCrypto) -> &str {
    c.key_params.strip_prefix("inline:").unwrap()
}

#[test]
fn ffmpeg_sends_srtp_we_play_it() {
    for suite in SUITES {
        let (rtp, rtcp) = socket_pair();
        let local = rtp.local_addr().unwrap();
        let theirs = new_crypto(1, suite).unwrap();
        let ours = new_crypto(1, suite).unwrap();
        // ffmpeg's srtp protocol keeps 14 octets of its packet size for the
        // tag: 186 gives 160-octet (20 ms) PCMU payloads.
        // Our packets go to a port nobody reads.
        let (dead, _dead_rtcp) = socket_pair();
        let mut s = session(local, dead.local_addr().unwrap(), &ours, &theirs);
        let mut c = ffmpeg();
        c.args([
            "-re",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=1000:sample_rate=8000:duration=2",
        ])
        .args(["-ac", "1", "-c:a", "pcm_mulaw", "-f", "rtp"])
        .args([
            "-srtp_out_suite",
            suite.name(),
            "-srtp_out_params",
            key_of(&theirs),
        ])
        .arg(format!("srtp://127.0.0.1:{}?pkt_size=186", local.port()));
        let mut child = spawn(c);
        let mut exited = None;
        let played = drive(&mut s, &rtp, &rtcp, Duration::from_secs(8), || {
            if exited.is_none() {
                exited = child.try_wait().unwrap();
            }
            exited.is_some()
        });
        if exited.is_none() {
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        assert!(
            exited.is_some() && status.success(),
            "ffmpeg failed or hung"
        );
        // ffmpeg's sine is 1/8 of full scale.
        let v = judged(&played, -18.06);
        let cnt = s.counters();
        eprintln!("{suite}, from ffmpeg: {v}; {cnt:?}");
        assert!(cnt.packets_received >= 80, "{cnt:?}");
        // ffmpeg's first SRTCP sender report (with the _32 suite a 32-bit
        // tag, as SDES peers send it) authenticates too.
        assert!(cnt.rtcp_received >= 1, "{cnt:?}");
        assert_eq!(cnt.srtp_auth_failed, 0);
        assert!(v.passed(), "{suite}: {v}");
    }
}

#[test]
fn we_send_srtp_ffmpeg_decodes_it() {
    for suite in SUITES {
        let dir = std::env::temp_dir().join(format!(
            "openphone-srtp-ffmpeg-{}-{}",
            std::process::id(),
            suite.name()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let ours = new_crypto(1, suite).unwrap();
        let theirs = new_crypto(1, suite).unwrap();
        // Reserve ffmpeg's ports, then free them for it.
        let port = {
            let (a, _b) = socket_pair();
            a.local_addr().unwrap().port()
        };
        let sdp = dir.join("in.sdp");
        std::fs::write(
            &sdp,
            format!(
                "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=openphone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                 m=audio {port} RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n\
                 a=crypto:1 {} {}\r\n",
                suite.name(),
                ours.key_params
            ),
        )
        .unwrap();
        let raw = dir.join("out.raw");
        let mut c = ffmpeg();
        c.args(["-protocol_whitelist", "file,udp,rtp,srtp", "-i"])
            .arg(&sdp)
            .args(["-t", "2", "-f", "s16le", "-ar", "8000", "-ac", "1"])
            .arg(&raw);
        let mut child = spawn(c);
        // Give ffmpeg time to open its sockets before we send.
        std::thread::sleep(Duration::from_millis(700));
        let (rtp, rtcp) = socket_pair();
        let mut s = session(
            rtp.local_addr().unwrap(),
            ([127, 0, 0, 1], port).into(),
            &ours,
            &theirs,
        );
        let mut exited = None;
        drive(&mut s, &rtp, &rtcp, Duration::from_secs(8), || {
            if exited.is_none() {
                exited = child.try_wait().unwrap();
            }
            exited.is_some()
        });
        if exited.is_none() {
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        assert!(
            exited.is_some() && status.success(),
            "ffmpeg failed or hung"
        );
        let bytes = std::fs::read(&raw).expect("ffmpeg output");
        let pcm: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let v = judged(&pcm, -6.02);
        eprintln!(
            "{suite}, to ffmpeg: sent {} packets, ffmpeg wrote {} samples: {v}",
            s.counters().packets_sent,
            pcm.len()
        );
        assert!(pcm.len() >= 8000, "ffmpeg decoded {} samples", pcm.len());
        assert!(v.passed(), "{suite}: {v}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
