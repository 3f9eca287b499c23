//! Speex against the reference tools (`speexenc`/`speexdec` from Debian's
//! `speex` package, built on the same libspeex): our decoder's output must
//! equal `speexdec`'s for the frames `speexenc` wrote into an Ogg file, and
//! our encoder must produce the very packets `speexenc` produced.
#![cfg(feature = "speex")]

mod codec_speech;

use codec_speech::*;
use openphone_media::codec::speex::{SpeexBand, SpeexDecoder, SpeexEncoder};
use openphone_media::codec::{AudioDecoder, AudioEncoder};

fn band_flag(band: SpeexBand) -> &'static str {
    match band {
        SpeexBand::Narrow => "-n",
        SpeexBand::Wide => "-w",
    }
}

/// speexenc → (Ogg audio packets, speexdec's PCM, our input PCM).
fn reference(band: SpeexBand, quality: u8, extra: &[&str]) -> (Vec<Vec<u8>>, Vec<i16>, Vec<i16>) {
    let dir = scratch(&format!("spx-{band:?}-{quality}-{}", extra.len()));
    let (wav, pcm) = speech(&dir, band.sample_rate());
    let spx = dir.join("a.spx");
    let dec = dir.join("a.wav");
    let q = quality.to_string();
    let mut args = vec![band_flag(band), "--quality", &q];
    args.extend_from_slice(extra);
    args.push(wav.to_str().unwrap());
    args.push(spx.to_str().unwrap());
    run("speexenc", &args);
    run("speexdec", &[spx.to_str().unwrap(), dec.to_str().unwrap()]);
    let packets = ogg_packets(&std::fs::read(&spx).unwrap());
    // Packet 0 is the Speex header, 1 the comments.
    assert!(packets[0].starts_with(b"Speex   "), "not a Speex stream");
    let audio = packets[2..].to_vec();
    let (_, ref_pcm) = read_wav(&dec);
    let _ = std::fs::remove_dir_all(&dir);
    (audio, ref_pcm, pcm)
}

fn ours(band: SpeexBand, packets: &[Vec<u8>]) -> Vec<i16> {
    let mut d = SpeexDecoder::new(band).unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0i16; band.frame_samples() * 10];
    for p in packets {
        let n = d.decode(p, &mut buf).unwrap();
        out.extend_from_slice(&buf[..n]);
    }
    out
}

fn check_decoder(band: SpeexBand, quality: u8, extra: &[&str]) {
    let (packets, reference, input) = reference(band, quality, extra);
    let decoded = ours(band, &packets);
    // speexdec drops the decoder's look-ahead at the start and trims the
    // end to the input length (Ogg granule positions); find that offset.
    let skip = (0..band.frame_samples())
        .find(|&s| decoded[s..].starts_with(&reference[..200]))
        .unwrap_or_else(|| panic!("{band:?} q{quality}: no alignment with speexdec output"));
    // speexdec may emit up to one frame beyond the input's end.
    assert!(reference.len().abs_diff(input.len()) < band.frame_samples());
    let n = reference.len().min(decoded.len() - skip);
    assert!(
        n + band.frame_samples() >= input.len(),
        "only {n} samples to compare"
    );
    let diff = decoded[skip..skip + n]
        .iter()
        .zip(&reference[..n])
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(
        diff, 0,
        "{band:?} q{quality} {extra:?}: {diff} samples differ from speexdec"
    );
    eprintln!("{band:?} q{quality} {extra:?}: {n} samples identical (skip {skip})");
}

#[test]
fn decoder_matches_speexdec_nb() {
    check_decoder(SpeexBand::Narrow, 8, &[]);
    check_decoder(SpeexBand::Narrow, 3, &["--vbr"]);
}

#[test]
fn decoder_matches_speexdec_wb_multiframe() {
    check_decoder(SpeexBand::Wide, 8, &[]);
    // Three frames per packet: exercises the RFC 5574 frame loop.
    check_decoder(SpeexBand::Wide, 6, &["--nframes", "3"]);
}

#[test]
fn encoder_matches_speexenc() {
    for (band, quality) in [
        (SpeexBand::Narrow, 8),
        (SpeexBand::Wide, 8),
        (SpeexBand::Narrow, 2),
    ] {
        let (packets, _, input) = reference(band, quality, &[]);
        let mut e = SpeexEncoder::new(band, quality).unwrap();
        let frame = band.frame_samples();
        let mut buf = [0u8; 256];
        // Only whole input frames: speexenc pads the tail from its read
        // buffer, which is not part of the format.
        let mut same = 0;
        for (i, chunk) in input.chunks_exact(frame).enumerate() {
            let n = e.encode(chunk, &mut buf).unwrap();
            let Some(p) = packets.get(i) else { break };
            assert_eq!(
                &buf[..n],
                &p[..],
                "{band:?} q{quality}: packet {i} differs from speexenc"
            );
            same += 1;
        }
        assert!(
            same + 2 >= packets.len(),
            "compared only {same} of {} packets",
            packets.len()
        );
        eprintln!("{band:?} q{quality}: {same} packets identical to speexenc");
    }
}
