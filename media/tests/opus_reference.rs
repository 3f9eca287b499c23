//! Opus against the reference tools (`opusenc`/`opusdec` from opus-tools,
//! and ffmpeg): our packets wrapped in Ogg are decoded by `opusdec`, and
//! `opusenc`'s packets by our decoder; the range coder's final state (the
//! RFC 6716 conformance check value, `opusdec --save-range`) must agree
//! packet by packet and the PCM must match.
#![cfg(feature = "opus")]

mod codec_speech;

use codec_speech::*;
use openphone_media::codec::opus::{OpusDecoder, OpusEncoder, OpusParams};
use openphone_media::codec::{AudioDecoder, AudioEncoder};

/// The final range values `opusdec --save-range` wrote, one per packet.
fn ranges(path: &std::path::Path) -> Vec<u32> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let last = l.trim().trim_end_matches(']').rsplit(',').next().unwrap();
            last.trim().parse().unwrap()
        })
        .collect()
}

/// Decodes packets with our decoder: (PCM, final range per packet).
fn decode_ours(packets: &[Vec<u8>]) -> (Vec<i16>, Vec<u32>) {
    let mut d = OpusDecoder::new(&OpusParams::default()).unwrap();
    let mut pcm = Vec::new();
    let mut rng = Vec::new();
    let mut buf = vec![0i16; 5760];
    for p in packets {
        let n = d.decode(p, &mut buf).unwrap();
        pcm.extend_from_slice(&buf[..n]);
        rng.push(d.final_range().unwrap());
    }
    (pcm, rng)
}

/// Largest sample difference between ours (after `skip`) and the reference.
fn max_diff(ours: &[i16], skip: usize, reference: &[i16]) -> (usize, i32) {
    let n = reference.len().min(ours.len() - skip);
    let d = ours[skip..skip + n]
        .iter()
        .zip(&reference[..n])
        .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
        .max()
        .unwrap();
    (n, d)
}

#[test]
fn our_decoder_matches_opusdec_on_opusenc_stream() {
    let dir = scratch("opus-ref-dec");
    let (wav, _) = speech(&dir, 48000);
    let spx = dir.join("a.opus");
    let dec = dir.join("a.wav");
    let rng = dir.join("range.txt");
    run(
        "opusenc",
        &[
            "--quiet",
            "--bitrate",
            "24",
            wav.to_str().unwrap(),
            spx.to_str().unwrap(),
        ],
    );
    run(
        "opusdec",
        &[
            "--quiet",
            "--no-dither",
            "--save-range",
            rng.to_str().unwrap(),
            spx.to_str().unwrap(),
            dec.to_str().unwrap(),
        ],
    );
    let packets = ogg_packets(&std::fs::read(&spx).unwrap());
    assert!(packets[0].starts_with(b"OpusHead"));
    let pre_skip = usize::from(u16::from_le_bytes([packets[0][10], packets[0][11]]));
    let audio = &packets[2..];
    let (pcm, our_ranges) = decode_ours(audio);
    assert_eq!(
        our_ranges,
        ranges(&rng),
        "final range values differ from opusdec"
    );
    let (_, reference) = read_wav(&dec);
    let (n, d) = max_diff(&pcm, pre_skip, &reference);
    eprintln!("opusenc stream: {} packets, ranges identical; {n} samples, max |diff| {d} vs opusdec (float→s16)", audio.len());
    // opusdec decodes in float and rounds itself: at most 1 LSB apart.
    assert!(d <= 1 && n + 960 >= reference.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn opusdec_and_ffmpeg_decode_our_packets() {
    let dir = scratch("opus-ref-enc");
    let (_, pcm) = speech(&dir, 48000);
    for fmtp in [
        "",
        "useinbandfec=1;maxaveragebitrate=16000;maxplaybackrate=16000",
        "cbr=1;usedtx=1",
    ] {
        let mut enc = OpusEncoder::new(&OpusParams::from_fmtp(Some(fmtp)).unwrap()).unwrap();
        let pre_skip = enc.lookahead().unwrap();
        let mut packets = Vec::new();
        let mut buf = [0u8; 1275];
        for frame in pcm.chunks_exact(960) {
            let n = enc.encode(frame, &mut buf).unwrap();
            packets.push(buf[..n].to_vec());
        }
        let file = dir.join("ours.opus");
        std::fs::write(&file, ogg_opus(&packets, pre_skip as u16)).unwrap();
        let rng = dir.join("range.txt");
        let out = dir.join("opusdec.wav");
        run(
            "opusdec",
            &[
                "--quiet",
                "--no-dither",
                "--save-range",
                rng.to_str().unwrap(),
                file.to_str().unwrap(),
                out.to_str().unwrap(),
            ],
        );
        let (ours, our_ranges) = decode_ours(&packets);
        assert_eq!(
            our_ranges,
            ranges(&rng),
            "[{fmtp}] opusdec disagrees on our packets"
        );
        let (_, reference) = read_wav(&out);
        let (n, d) = max_diff(&ours, pre_skip, &reference);
        assert!(
            d <= 1 && n + 960 >= reference.len(),
            "[{fmtp}] opusdec: {n} samples, max diff {d}"
        );

        // ffmpeg's libopus wrapper reading the same Ogg file.
        let ff = dir.join("ffmpeg.wav");
        run(
            "ffmpeg",
            &[
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-c:a",
                "libopus",
                "-i",
                file.to_str().unwrap(),
                "-ac",
                "1",
                "-c:a",
                "pcm_s16le",
                ff.to_str().unwrap(),
            ],
        );
        let (_, ffpcm) = read_wav(&ff);
        let (fn_, fd) = max_diff(&ours, pre_skip, &ffpcm);
        eprintln!("[{fmtp}] {} packets ({} bytes): opusdec ranges identical, max diff {d}; ffmpeg {fn_} samples max diff {fd}",
            packets.len(), packets.iter().map(Vec::len).sum::<usize>());
        assert!(
            fd <= 1 && fn_ + 960 >= ffpcm.len(),
            "[{fmtp}] ffmpeg: {fn_} samples, max diff {fd}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
