//! The ringer plays the country's ringing (`--country`), a distinctive
//! pattern a trigger script chose (`ring=NAME`), or a WAV ringtone
//! (`--ringtone`). The ringer is a WAV file (`--ringer wav:FILE`); the
//! cadence is measured in what it wrote while a call from a second
//! softphone rang.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::softphone::{cmd, start, wait_line};
use openphone::hal::analysis::tone_present;
use openphone::hal::{AudioSink, WavSink};

/// 20 ms blocks: long enough that the beat of a two-frequency ring never
/// hides a block's peak.
const BLOCK: usize = 160;

fn read_wav(path: &Path) -> Vec<i16> {
    let mut r = hound::WavReader::open(path).expect("ringer recording");
    r.samples::<i16>().map(|s| s.unwrap()).collect()
}

/// The recording as (sounding, ms) runs, the trailing run dropped (the
/// ringing stopped in it).
fn runs(pcm: &[i16]) -> Vec<(bool, u32)> {
    let mut out: Vec<(bool, u32)> = Vec::new();
    for block in pcm.chunks_exact(BLOCK) {
        let on = block.iter().any(|&s| i32::from(s).abs() > 2000);
        match out.last_mut() {
            Some((state, ms)) if *state == on => *ms += 20,
            _ => out.push((on, 20)),
        }
    }
    out.pop();
    out
}

/// Each expected (sounding, ms) run within 40 ms.
fn assert_cadence(got: &[(bool, u32)], want: &[(bool, u32)], what: &str) {
    assert!(got.len() >= want.len(), "{what}: runs {got:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            g.0 == w.0 && g.1.abs_diff(w.1) <= 40,
            "{what}: runs {got:?}, want {want:?}"
        );
    }
}

/// Rings softphone `args` (on `port`) from `caller` for `secs`; the
/// ringer's recording.
fn ring(
    dir: &Path,
    name: &str,
    port: u16,
    extra: &[&str],
    caller: &Path,
    secs: f64,
) -> (Vec<i16>, String) {
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (log, sock, wav) = (
        dir.join(format!("{name}.log")),
        dir.join(format!("{name}.sock")),
        dir.join(format!("{name}.wav")),
    );
    let listen = format!("127.0.0.1:{port}");
    let ringer = format!("wav:{}", s(&wav));
    let mut args = vec![
        "--listen",
        &listen,
        "--rtp-ports",
        "24400-24449",
        "--control",
        sock.to_str().unwrap(),
        "--ringer",
        &ringer,
    ];
    args.extend_from_slice(extra);
    let _phone = start(&args, &log);
    wait_line(&log, "control: ");
    let (code, out) = cmd(caller, &format!("call sip:me@127.0.0.1:{port}"));
    assert_eq!(code, 0, "{out}");
    wait_line(&log, "event: incoming");
    std::thread::sleep(Duration::from_secs_f64(secs));
    assert_eq!(cmd(caller, "hangup").0, 0);
    wait_line(&log, "event: ended");
    std::thread::sleep(Duration::from_millis(500));
    let text = std::fs::read_to_string(&log).unwrap();
    (read_wav(&wav), text)
}

#[test]
fn ringer_plays_country_cadence_distinctive_pattern_and_file() {
    let dir = std::env::temp_dir().join(format!("op-ring-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (cs, cl) = (dir.join("caller.sock"), dir.join("caller.log"));
    let _caller = start(
        &[
            "--listen",
            "127.0.0.1:27110",
            "--rtp-ports",
            "24450-24499",
            "--control",
            cs.to_str().unwrap(),
        ],
        &cl,
    );
    wait_line(&cl, "control: ");

    // The UK's double ring: 0.4 s on, 0.2 s off, 0.4 s on, 2 s off.
    let (pcm, _) = ring(&dir, "uk", 27111, &["--country", "uk"], &cs, 3.8);
    assert_cadence(
        &runs(&pcm),
        &[
            (true, 400),
            (false, 200),
            (true, 400),
            (false, 2000),
            (true, 400),
        ],
        "uk",
    );
    assert!(tone_present(&pcm[..3200], 8000, 400.0, 5.0), "uk 400 Hz");
    assert!(tone_present(&pcm[..3200], 8000, 450.0, 5.0), "uk 450 Hz");

    // Germany: 1 s on, 4 s off, 425 Hz.
    let (pcm, _) = ring(&dir, "de", 27112, &["--country", "de"], &cs, 5.6);
    assert_cadence(&runs(&pcm), &[(true, 1000), (false, 4000)], "de");

    // A trigger script asks for bellcore-dr3 (short-short-long).
    let script = dir.join("incoming.sh");
    std::fs::write(&script, "#!/bin/sh\necho ring=bellcore-dr3\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (pcm, log) = ring(
        &dir,
        "dr3",
        27113,
        &["--on-incoming", script.to_str().unwrap()],
        &cs,
        2.8,
    );
    assert!(log.contains("rings bellcore-dr3"), "{log}");
    assert_cadence(
        &runs(&pcm),
        &[
            (true, 400),
            (false, 200),
            (true, 400),
            (false, 200),
            (true, 800),
        ],
        "dr3",
    );

    // A WAV ringtone: 300 ms of 700 Hz, 300 ms of silence, looped.
    let tone = dir.join("tone.wav");
    let mut sink = WavSink::create(&tone, 8000).unwrap();
    let mut pcm: Vec<i16> = (0..2400)
        .map(|n| (12000.0 * (std::f64::consts::TAU * 700.0 * n as f64 / 8000.0).sin()) as i16)
        .collect();
    pcm.extend(std::iter::repeat_n(0, 2400));
    sink.write(&pcm).unwrap();
    sink.finish().unwrap();
    let (pcm, _) = ring(
        &dir,
        "file",
        27114,
        &["--ringtone", tone.to_str().unwrap()],
        &cs,
        2.0,
    );
    assert_cadence(
        &runs(&pcm),
        &[(true, 300), (false, 300), (true, 300), (false, 300)],
        "file",
    );
    assert!(tone_present(&pcm[..2400], 8000, 700.0, 5.0), "file 700 Hz");

    // A bad pattern name is the script's error; the call still rings.
    std::fs::write(&script, "#!/bin/sh\necho ring=bellcore-dr9\n").unwrap();
    let (pcm, log) = ring(
        &dir,
        "bad",
        27115,
        &["--on-incoming", script.to_str().unwrap()],
        &cs,
        1.0,
    );
    assert!(log.contains("ring pattern \"bellcore-dr9\""), "{log}");
    assert!(!pcm.is_empty(), "still rings");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A raw SIP request from `sock` to the phone on `port`.
fn sip_request(sock: &std::net::UdpSocket, port: u16, method: &str, extra: &str, body: &str) {
    let local = sock.local_addr().unwrap();
    let msg = format!(
        "{method} sip:me@127.0.0.1:{port} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-alert-1;rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:5551234@{local}>;tag=ai1\r\n\
         To: <sip:me@127.0.0.1:{port}>\r\n\
         Call-ID: alert-info-1@127.0.0.1\r\n\
         CSeq: 1 {method}\r\n\
         {extra}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    sock.send_to(msg.as_bytes(), ("127.0.0.1", port)).unwrap();
}

/// An INVITE's Alert-Info (`<…/Bellcore-dr2>`) makes the ringer ring dr2
/// (long-long: 0.8 s on, 0.4 s off, 0.8 s on, 4 s off).
#[test]
fn alert_info_selects_the_ring_pattern() {
    let dir = std::env::temp_dir().join(format!("op-alert-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (log, wav) = (dir.join("a.log"), dir.join("ring.wav"));
    let ringer = format!("wav:{}", wav.to_str().unwrap());
    let _phone = start(
        &[
            "--listen",
            "127.0.0.1:27130",
            "--no-tcp",
            "--rtp-ports",
            "24400-24449",
            "--no-control",
            "--ringer",
            &ringer,
        ],
        &log,
    );
    wait_line(&log, "listening: ");
    let sock = std::net::UdpSocket::bind("127.0.0.1:27131").unwrap();
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
               m=audio 24460 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    sip_request(
        &sock,
        27130,
        "INVITE",
        "Contact: <sip:5551234@127.0.0.1:27131>\r\n\
         Alert-Info: <http://127.0.0.1/Bellcore-dr2>\r\n\
         Content-Type: application/sdp\r\n",
        sdp,
    );
    wait_line(&log, "ring: call-1 rings dr2");
    std::thread::sleep(Duration::from_millis(2500));
    sip_request(&sock, 27130, "CANCEL", "", "");
    wait_line(&log, "event: ended");
    std::thread::sleep(Duration::from_millis(500));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("alert-info: call-1: <http://127.0.0.1/Bellcore-dr2>"),
        "{text}"
    );
    assert_cadence(
        &runs(&read_wav(&wav)),
        &[(true, 800), (false, 400), (true, 800)],
        "dr2",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
