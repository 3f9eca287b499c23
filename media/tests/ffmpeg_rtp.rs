//! Interop with an independent RTP implementation: ffmpeg's RTP muxer and
//! demuxer. ffmpeg sends a PCMU tone that our engine records; our engine
//! sends a PCMU tone that ffmpeg records (from an SDP file). Both
//! recordings must carry the 1 kHz tone. ffmpeg must be installed; the test
//! fails, naming it, if not. Everything stays on 127.0.0.1 and is bounded.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_hal::{AudioSink, AudioSource, MemorySink, NullSink, NullSource, ToneSource};
use openphone_media::{Engine, EngineConfig};
use openphone_sal::{
    CallId, CodecDescriptor, MediaEngine, MediaEventSink, NegotiatedMedia, NegotiatedStream,
    RecvChannel, SendChannel,
};

fn goertzel(x: &[i16], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
    let c = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s0 = v as f64 + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - c * s1 * s2
}

fn dominant(x: &[i16]) -> f64 {
    (4..=156)
        .map(|k| k as f64 * 25.0)
        .map(|f| (f, goertzel(x, f)))
        .fold((0.0, -1.0), |a, b| if b.1 > a.1 { b } else { a })
        .0
}

fn loud(samples: &[i16]) -> Vec<i16> {
    samples
        .chunks(160)
        .filter(|c| c.iter().map(|&s| (s as i64).abs()).max().unwrap_or(0) > 3000)
        .flatten()
        .copied()
        .collect()
}

fn engine(tone: bool, rec: Option<Arc<Mutex<Vec<i16>>>>) -> Engine {
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(47100, 47999)
        .codecs(["PCMU"])
        .audio_factory(Arc::new(move |_| {
            let src: Box<dyn AudioSource> = if tone {
                Box::new(ToneSource::new(8000, 1000.0, 0.5))
            } else {
                Box::new(NullSource::new(8000))
            };
            let sink: Box<dyn AudioSink> = match &rec {
                Some(b) => Box::new(MemorySink::with_buffer(8000, b.clone())),
                None => Box::new(NullSink::new(8000)),
            };
            Ok((src, sink))
        }))
        .build()
        .unwrap();
    Engine::new(cfg)
}

fn negotiated(local: std::net::SocketAddr, remote: std::net::SocketAddr) -> NegotiatedMedia {
    let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
    NegotiatedMedia::from(
        NegotiatedStream::audio(local)
            .with_send(SendChannel::new(remote, pcmu.clone(), 0))
            .with_recv(RecvChannel::new(vec![(0, pcmu)])),
    )
}

fn ffmpeg() -> Command {
    let mut c = Command::new("ffmpeg");
    c.args(["-nostdin", "-v", "error", "-y"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Waits for `child` at most `limit`, killing it after that.
async fn wait_bounded(mut child: std::process::Child, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn free_even_port_pair() -> u16 {
    for _ in 0..50 {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = s.local_addr().unwrap().port() & !1;
        drop(s);
        if p > 1024
            && std::net::UdpSocket::bind(("127.0.0.1", p)).is_ok()
            && std::net::UdpSocket::bind(("127.0.0.1", p + 1)).is_ok()
        {
            return p;
        }
    }
    panic!("no free UDP port pair on 127.0.0.1");
}

#[tokio::test]
async fn ffmpeg_sends_we_record() {
    let rec = Arc::new(Mutex::new(Vec::new()));
    let e = engine(false, Some(rec.clone()));
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let call = CallId::next();
    let mut s = e
        .create_session(call, MediaEventSink::new(call, tx))
        .unwrap();
    let local = s.local_description().audio().unwrap().rtp.unwrap();
    // ffmpeg does not listen; our packets to this port go nowhere.
    let sink_port = free_even_port_pair();
    s.apply(&negotiated(local, ([127, 0, 0, 1], sink_port).into()))
        .unwrap();
    let child = ffmpeg()
        .args([
            "-re",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=1000:sample_rate=8000:duration=1.5",
            "-ac",
            "1",
            "-c:a",
            "pcm_mulaw",
            "-f",
            "rtp",
        ])
        .arg(format!("rtp://127.0.0.1:{}?pkt_size=172", local.port()))
        .spawn()
        .unwrap_or_else(|e| panic!("ffmpeg is required for this test but could not be run: {e}"));
    assert!(
        wait_bounded(child, Duration::from_secs(10)).await,
        "ffmpeg failed or hung"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let st = s.stats();
    s.stop();
    while events.try_recv().is_ok() {}
    eprintln!("from ffmpeg: {st:?}");
    assert!(
        st.packets_received >= 60,
        "received {}",
        st.packets_received
    );
    assert_eq!(st.packets_lost, 0);
    assert!(
        st.rtcp_received >= 1,
        "ffmpeg's RTCP SR was not accepted: {st:?}"
    );
    let l = loud(&rec.lock().unwrap());
    assert!(l.len() >= 160 * 50, "{} loud samples", l.len());
    assert_eq!(dominant(&l), 1000.0);
}

#[tokio::test]
async fn we_send_ffmpeg_records() {
    let dir = std::env::temp_dir().join(format!("openphone-ffmpeg-rtp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_even_port_pair();
    let sdp = dir.join("in.sdp");
    std::fs::write(
        &sdp,
        format!(
            "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=openphone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        ),
    )
    .unwrap();
    let raw = dir.join("out.raw");
    let child = ffmpeg()
        .args(["-protocol_whitelist", "file,udp,rtp", "-i"])
        .arg(&sdp)
        .args(["-t", "1.5", "-f", "s16le", "-ar", "8000", "-ac", "1"])
        .arg(&raw)
        .spawn()
        .unwrap_or_else(|e| panic!("ffmpeg is required for this test but could not be run: {e}"));
    // Give ffmpeg time to open its sockets before we send.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let e = engine(true, None);
    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let call = CallId::next();
    let mut s = e
        .create_session(call, MediaEventSink::new(call, tx))
        .unwrap();
    let local = s.local_description().audio().unwrap().rtp.unwrap();
    s.apply(&negotiated(local, ([127, 0, 0, 1], port).into()))
        .unwrap();
    let ok = wait_bounded(child, Duration::from_secs(10)).await;
    let st = s.stats();
    s.stop();
    assert!(ok, "ffmpeg failed or hung");
    let bytes = std::fs::read(&raw).expect("ffmpeg output");
    let pcm: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    eprintln!(
        "to ffmpeg: sent {} packets, ffmpeg wrote {} samples",
        st.packets_sent,
        pcm.len()
    );
    let l = loud(&pcm);
    assert!(l.len() >= 160 * 50, "{} loud samples", l.len());
    assert_eq!(dominant(&l), 1000.0);
}
