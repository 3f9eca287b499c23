//! `Resampler::process` (and the Speex/Opus frame paths, when built)
//! allocate nothing after construction: counted with a global allocator.
//! That counts Rust-side allocations; libspeex and libopus allocate their
//! state with malloc only at init (their per-frame work uses the stack).

use openphone_media::resample::Resampler;

mod counting_alloc;

use counting_alloc::allocations;

#[global_allocator]
static A: counting_alloc::Counting = counting_alloc::Counting;

#[test]
fn resampler_process_does_not_allocate() {
    for (from, to, frame) in [
        (8000, 48000, 160),
        (48000, 8000, 960),
        (16000, 48000, 320),
        (44100, 48000, 441),
    ] {
        let mut r = Resampler::new(from, to, frame).unwrap();
        let input: Vec<i16> = (0..frame).map(|i| (i as i16).wrapping_mul(97)).collect();
        let mut out = vec![0i16; r.max_output_len()];
        let mut appended = Vec::with_capacity(r.max_output_len());
        r.process(&input, &mut out).unwrap(); // warm-up
        let before = allocations();
        for _ in 0..50 {
            r.process(&input, &mut out).unwrap();
            appended.clear();
            r.process_into(&input, &mut appended).unwrap();
        }
        assert_eq!(allocations() - before, 0, "{from}->{to} allocated");
    }
}

#[cfg(feature = "speex")]
#[test]
fn speex_frame_path_does_not_allocate() {
    use openphone_media::codec::speex::{SpeexBand, SpeexDecoder, SpeexEncoder};
    use openphone_media::codec::{AudioDecoder, AudioEncoder};
    let mut e = SpeexEncoder::new(SpeexBand::Wide, 8).unwrap();
    let mut d = SpeexDecoder::new(SpeexBand::Wide).unwrap();
    let pcm: Vec<i16> = (0..320)
        .map(|i| ((i * 31 % 400) as i16 - 200) * 20)
        .collect();
    let (mut buf, mut out) = ([0u8; 256], [0i16; 320]);
    let before = allocations();
    for _ in 0..20 {
        let n = e.encode(&pcm, &mut buf).unwrap();
        d.decode(&buf[..n], &mut out).unwrap();
        d.conceal(&mut out).unwrap();
    }
    assert_eq!(allocations() - before, 0);
}

#[cfg(feature = "opus")]
#[test]
fn opus_frame_path_does_not_allocate() {
    use openphone_media::codec::opus::{OpusDecoder, OpusEncoder, OpusParams};
    use openphone_media::codec::{AudioDecoder, AudioEncoder};
    let p = OpusParams::from_fmtp(Some("useinbandfec=1")).unwrap();
    let mut e = OpusEncoder::new(&p).unwrap();
    let mut d = OpusDecoder::new(&p).unwrap();
    let pcm: Vec<i16> = (0..960)
        .map(|i| ((i * 31 % 400) as i16 - 200) * 20)
        .collect();
    let (mut buf, mut out) = ([0u8; 1275], [0i16; 960]);
    let before = allocations();
    for _ in 0..20 {
        let n = e.encode(&pcm, &mut buf).unwrap();
        d.decode(&buf[..n], &mut out).unwrap();
        d.decode_fec(&buf[..n], &mut out).unwrap();
        d.conceal(&mut out).unwrap();
    }
    assert_eq!(allocations() - before, 0);
}
