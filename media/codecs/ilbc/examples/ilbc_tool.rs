//! Development tool: `ilbc_tool dec <20|30> in.bit out.raw` /
//! `ilbc_tool enc <20|30> in.raw out.bit` (raw = s16le 8 kHz).
use openphone_ilbc::{Decoder, Encoder, IlbcMode};
use std::env;
use std::fs;

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: ilbc_tool dec|enc 20|30 in out");
        std::process::exit(2);
    }
    let mode = if args[2] == "20" {
        IlbcMode::Ms20
    } else {
        IlbcMode::Ms30
    };
    let input = fs::read(&args[3]).expect("read input");
    let mut output = Vec::new();
    if args[1] == "dec" {
        let mut dec = Decoder::with_enhancer(mode, env::var("NOENH").is_err());
        let mut pcm = vec![0i16; mode.frame_samples()];
        for frame in input.chunks_exact(mode.frame_bytes()) {
            dec.decode(frame, &mut pcm).expect("decode");
            for s in &pcm {
                output.extend_from_slice(&s.to_le_bytes());
            }
        }
    } else {
        let mut enc = Encoder::new(mode);
        let samples: Vec<i16> = input
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let mut frame = vec![0u8; mode.frame_bytes()];
        for chunk in samples.chunks_exact(mode.frame_samples()) {
            enc.encode(chunk, &mut frame).expect("encode");
            output.extend_from_slice(&frame);
        }
    }
    fs::write(&args[4], output).expect("write output");
}
