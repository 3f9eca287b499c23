//! The `codec` command-line tool's logic (the root example
//! `examples/codec.rs` is a thin wrapper): WAV ↔ raw codec frames through
//! any codec in the [`CodecRegistry`], plus a lossy round trip for quality
//! measurements.
//!
//! Frame file format: fixed-size codecs (G.711, GSM, G.726, G.722, iLBC)
//! store their frames back to back, as `toast` writes GSM and the iLBC test
//! vectors store iLBC. Variable-size codecs (Speex, Opus) store each frame
//! as a 2-byte big-endian length followed by that many bytes. The final
//! partial input frame is zero-padded. Input WAV at another rate is
//! resampled to the codec's rate (the resampler's delay is removed).
//!
//! Commands:
//! ```text
//! codec list
//! codec encode --codec NAME IN.wav OUT.frames
//! codec decode --codec NAME [--loss PCT --seed N] [--rate HZ] IN.frames OUT.wav
//! codec roundtrip --codec NAME [--loss PCT --seed N] [--rate HZ] IN.wav OUT.wav
//! ```
//! `--loss` drops that percentage of frames (seeded, reproducible) and
//! decodes them with the codec's concealment; `--rate` resamples the output.
//!
//! ```
//! use openphone_media::codec::{tool, CodecRegistry};
//! let reg = CodecRegistry::with_builtin();
//! let pcm = vec![1000i16; 8000];
//! let frames = tool::encode_pcm(&reg, "pcmu", 8000, &pcm).unwrap();
//! assert_eq!(frames.len(), 8000); // 50 frames of 160 bytes
//! let (rate, out) = tool::decode_frames(&reg, "pcmu", &frames, None).unwrap();
//! assert_eq!((rate, out.len()), (8000, 8000));
//! assert!(tool::encode_pcm(&reg, "nope", 8000, &pcm).is_err());
//! ```

use std::io::Write;
use std::path::Path;

use openphone_sal::CodecDescriptor;

use super::registry::{CodecEntry, CodecRegistry};
use super::traits::{AudioDecoder, AudioEncoder, CodecError, CodecInfo};
use crate::resample::Resampler;

/// Errors of the codec tool.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// The name matches no registered codec.
    #[error("unknown codec {name:?}; known: {known}")]
    UnknownCodec {
        /// What was asked for.
        name: String,
        /// Comma-separated names this build has.
        known: String,
    },
    /// Bad command line.
    #[error("usage: {0}")]
    Usage(String),
    /// The frame file or WAV is not what it should be.
    #[error("bad input: {0}")]
    Input(String),
    /// The codec failed.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// File I/O.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Frame loss applied when decoding: `percent` of frames, chosen by a
/// generator seeded with `seed`, are replaced by concealment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loss {
    /// Loss rate in percent (0..=100).
    pub percent: f64,
    /// Seed of the loss pattern.
    pub seed: u64,
}

/// SplitMix64: tiny, and its sequence never changes between releases,
/// so `--seed N` stays reproducible.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Longest frame file / WAV we accept (bounded memory): 64 MiB.
const MAX_INPUT_BYTES: u64 = 64 << 20;

/// The registry entry for a tool name (`pcmu`, `gsm`, `ilbc20`, `speex-wb`,
/// `opus`…), or for an encoding name such as `PCMU` or `speex/16000`.
pub fn find<'a>(reg: &'a CodecRegistry, name: &str) -> Result<&'a CodecEntry, ToolError> {
    reg.list()
        .find(|e| e.info.name.eq_ignore_ascii_case(name))
        .or_else(|| reg.by_name(name))
        .ok_or_else(|| ToolError::UnknownCodec {
            name: name.to_string(),
            known: reg
                .list()
                .map(|e| e.info.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// One line per codec: tool name, SDP `encoding/clock[/channels]`, PCM
/// rate, frame duration and framing in the frame file.
pub fn list(reg: &CodecRegistry) -> String {
    let mut s = String::new();
    for e in reg.list() {
        let d = reg.descriptor_for(e);
        let sdp = if d.channels > 1 {
            format!("{}/{}/{}", d.encoding, d.clock_rate, d.channels)
        } else {
            format!("{}/{}", d.encoding, d.clock_rate)
        };
        let framing = if variable_size(&e.info) {
            "length-prefixed"
        } else {
            "fixed"
        };
        s.push_str(&format!(
            "{:<10} {:<16} {:>5} Hz {:>3} ms  {}\n",
            e.info.name,
            sdp,
            e.info.sample_rate,
            e.info.frame_ms(),
            framing
        ));
    }
    s
}

/// Whether frames of this codec vary in size (and so get a length prefix).
pub fn variable_size(info: &CodecInfo) -> bool {
    info.encoding.eq_ignore_ascii_case("speex") || info.encoding.eq_ignore_ascii_case("opus")
}

fn descriptor(reg: &CodecRegistry, e: &CodecEntry) -> CodecDescriptor {
    reg.descriptor_for(e)
}

fn encoder(reg: &CodecRegistry, name: &str) -> Result<Box<dyn AudioEncoder>, ToolError> {
    let e = find(reg, name)?;
    Ok((e.encoder)(&descriptor(reg, e))?)
}

fn decoder(reg: &CodecRegistry, name: &str) -> Result<Box<dyn AudioDecoder>, ToolError> {
    let e = find(reg, name)?;
    Ok((e.decoder)(&descriptor(reg, e))?)
}

/// Resamples a whole signal, removing the resampler's delay so the output
/// lines up with the input; the output has `len * to / from` samples.
pub fn resample_all(pcm: &[i16], from: u32, to: u32) -> Result<Vec<i16>, ToolError> {
    if from == to {
        return Ok(pcm.to_vec());
    }
    // 10 ms frames when the rate allows, else 1 ms granularity.
    let frame = if from % 100 == 0 {
        from as usize / 100
    } else {
        1.max(from as usize / 1000)
    };
    let mut r = Resampler::new(from, to, frame).map_err(|e| ToolError::Input(e.to_string()))?;
    let want = (pcm.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let delay = r.delay_samples();
    let mut out = Vec::with_capacity(want + delay + r.max_output_len());
    let mut buf = vec![0i16; frame];
    let mut pos = 0;
    // Feed the signal, then silence until the delayed tail is out.
    while out.len() < want + delay {
        buf.fill(0);
        if pos < pcm.len() {
            let n = frame.min(pcm.len() - pos);
            buf[..n].copy_from_slice(&pcm[pos..pos + n]);
            pos += n;
        }
        r.process_into(&buf, &mut out)
            .map_err(|e| ToolError::Input(e.to_string()))?;
    }
    out.drain(..delay.min(out.len()));
    out.truncate(want);
    Ok(out)
}

/// Encodes PCM at `rate` with codec `name` into a frame file's bytes.
pub fn encode_pcm(
    reg: &CodecRegistry,
    name: &str,
    rate: u32,
    pcm: &[i16],
) -> Result<Vec<u8>, ToolError> {
    let mut enc = encoder(reg, name)?;
    let info = enc.info().clone();
    let pcm = resample_all(pcm, rate, info.sample_rate)?;
    let frame = info.frame_samples.max(1);
    let var = variable_size(&info);
    let mut out = Vec::with_capacity(pcm.len() / frame * (info.max_payload_bytes + 2) + 64);
    let mut payload = vec![0u8; info.max_payload_bytes.max(1500)];
    let mut buf = vec![0i16; frame];
    for chunk in pcm.chunks(frame) {
        // The last partial frame is zero-padded.
        buf.fill(0);
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = enc.encode(&buf, &mut payload)?;
        if var {
            let len = u16::try_from(n)
                .map_err(|_| ToolError::Input(format!("{n}-byte frame too long")))?;
            out.extend_from_slice(&len.to_be_bytes());
        }
        out.extend_from_slice(&payload[..n]);
    }
    Ok(out)
}

/// Splits a frame file into frames: length-prefixed for variable-size
/// codecs, else by the codec's fixed frame size (found by encoding one
/// frame of silence).
fn split_frames<'a>(
    reg: &CodecRegistry,
    name: &str,
    info: &CodecInfo,
    data: &'a [u8],
) -> Result<Vec<&'a [u8]>, ToolError> {
    let mut frames = Vec::new();
    if variable_size(info) {
        let mut rest = data;
        while !rest.is_empty() {
            let [a, b, tail @ ..] = rest else {
                return Err(ToolError::Input("truncated length prefix".into()));
            };
            let len = usize::from(u16::from_be_bytes([*a, *b]));
            if tail.len() < len {
                return Err(ToolError::Input(format!(
                    "frame of {len} bytes but only {} left",
                    tail.len()
                )));
            }
            frames.push(&tail[..len]);
            rest = &tail[len..];
        }
    } else {
        let mut enc = encoder(reg, name)?;
        let mut payload = vec![0u8; info.max_payload_bytes.max(1500)];
        let size = enc.encode(&vec![0i16; info.frame_samples], &mut payload)?;
        if size == 0 || data.len() % size != 0 {
            return Err(ToolError::Input(format!(
                "{} bytes is not a whole number of {size}-byte {} frames",
                data.len(),
                info.name
            )));
        }
        frames.extend(data.chunks_exact(size));
    }
    Ok(frames)
}

/// Decodes a frame file, concealing the frames `loss` drops. Returns the
/// codec's PCM rate and the samples.
pub fn decode_frames(
    reg: &CodecRegistry,
    name: &str,
    data: &[u8],
    loss: Option<Loss>,
) -> Result<(u32, Vec<i16>), ToolError> {
    let mut dec = decoder(reg, name)?;
    let info = dec.info().clone();
    let frames = split_frames(reg, name, &info, data)?;
    let mut rng = loss.map(|l| (l.percent / 100.0, SplitMix(l.seed)));
    let mut out = Vec::with_capacity(frames.len() * info.frame_samples);
    // Room for a multi-frame payload (Speex may pack several).
    let mut buf = vec![0i16; info.frame_samples * 24 + 5760];
    for f in frames {
        let lost = match &mut rng {
            Some((p, g)) => g.next_f64() < *p,
            None => false,
        };
        let n = if lost {
            dec.conceal(&mut buf)?
        } else {
            dec.decode(f, &mut buf)?
        };
        out.extend_from_slice(&buf[..n]);
    }
    Ok((info.sample_rate, out))
}

/// Reads a mono 16-bit PCM WAV: (rate, samples).
pub fn read_wav(path: &Path) -> Result<(u32, Vec<i16>), ToolError> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_INPUT_BYTES {
        return Err(ToolError::Input(format!("{} is too large", path.display())));
    }
    let mut r = hound::WavReader::open(path).map_err(|e| ToolError::Input(e.to_string()))?;
    let spec = r.spec();
    if spec.channels != 1
        || spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
    {
        return Err(ToolError::Input(format!(
            "{}: need mono 16-bit PCM WAV, got {} ch {}-bit {:?}",
            path.display(),
            spec.channels,
            spec.bits_per_sample,
            spec.sample_format
        )));
    }
    let pcm = r
        .samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ToolError::Input(e.to_string()))?;
    Ok((spec.sample_rate, pcm))
}

/// Writes a mono 16-bit PCM WAV.
pub fn write_wav(path: &Path, rate: u32, pcm: &[i16]) -> Result<(), ToolError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let io = |e: hound::Error| ToolError::Input(e.to_string());
    let mut w = hound::WavWriter::create(path, spec).map_err(io)?;
    for &s in pcm {
        w.write_sample(s).map_err(io)?;
    }
    w.finalize().map_err(io)
}

const USAGE: &str = "codec list | codec encode --codec NAME IN.wav OUT.frames | \
codec decode --codec NAME [--loss PCT --seed N] [--rate HZ] IN.frames OUT.wav | \
codec roundtrip --codec NAME [--loss PCT --seed N] [--rate HZ] IN.wav OUT.wav";

/// What the tool does with one file pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// WAV → frame file.
    Encode,
    /// Frame file → WAV.
    Decode,
    /// WAV → codec → WAV.
    Roundtrip,
}

/// One run of the tool (everything but `list`), as a command line gives it.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// What to do.
    pub action: Action,
    /// Codec name as [`find`] takes it.
    pub codec: &'a str,
    /// Simulated frame loss (decode and roundtrip).
    pub loss: Option<Loss>,
    /// Resample the output WAV to this rate.
    pub rate: Option<u32>,
    /// Input file.
    pub input: &'a Path,
    /// Output file.
    pub output: &'a Path,
}

/// Runs the tool on `args` (without the program name), printing to `out`.
pub fn run<S: AsRef<str>>(
    reg: &CodecRegistry,
    args: &[S],
    out: &mut dyn Write,
) -> Result<(), ToolError> {
    let usage = || ToolError::Usage(USAGE.into());
    let mut args = args.iter().map(|a| a.as_ref());
    let cmd = args.next().ok_or_else(usage)?;
    if cmd == "list" {
        out.write_all(list(reg).as_bytes())?;
        return Ok(());
    }
    let action = match cmd {
        "encode" => Action::Encode,
        "decode" => Action::Decode,
        "roundtrip" => Action::Roundtrip,
        _ => return Err(usage()),
    };
    let (mut codec, mut loss_pct, mut seed, mut rate) = (None, None, 0u64, None);
    let mut files = Vec::new();
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(usage);
        match a {
            "--codec" => codec = Some(value()?),
            "--loss" => loss_pct = Some(value()?.parse::<f64>().map_err(|_| usage())?),
            "--seed" => seed = value()?.parse().map_err(|_| usage())?,
            "--rate" => rate = Some(value()?.parse::<u32>().map_err(|_| usage())?),
            f if !f.starts_with("--") => files.push(f),
            _ => return Err(usage()),
        }
    }
    let codec = codec.ok_or_else(usage)?;
    // Name errors before file errors: they are the likelier mistake.
    find(reg, codec)?;
    let [input, output] = files[..] else {
        return Err(usage());
    };
    let job = Job {
        action,
        codec,
        loss: loss_pct.map(|percent| Loss { percent, seed }),
        rate,
        input: Path::new(input),
        output: Path::new(output),
    };
    execute(reg, &job, out)
}

/// Runs one job, printing a summary line for `encode` to `out`.
pub fn execute(reg: &CodecRegistry, job: &Job<'_>, out: &mut dyn Write) -> Result<(), ToolError> {
    let codec = job.codec;
    find(reg, codec)?;
    if let Some(l) = job.loss {
        if !(0.0..=100.0).contains(&l.percent) {
            return Err(ToolError::Usage("--loss takes 0..=100".into()));
        }
    }
    let (input, output) = (job.input, job.output);
    let finish = |(r, pcm): (u32, Vec<i16>)| -> Result<(), ToolError> {
        match job.rate {
            Some(to) => write_wav(output, to, &resample_all(&pcm, r, to)?),
            None => write_wav(output, r, &pcm),
        }
    };
    match job.action {
        Action::Encode => {
            let (r, pcm) = read_wav(input)?;
            let frames = encode_pcm(reg, codec, r, &pcm)?;
            std::fs::write(output, &frames)?;
            writeln!(
                out,
                "{codec}: {} samples @{r} Hz -> {} bytes",
                pcm.len(),
                frames.len()
            )?;
        }
        Action::Decode => {
            if std::fs::metadata(input)?.len() > MAX_INPUT_BYTES {
                return Err(ToolError::Input("frame file too large".into()));
            }
            let data = std::fs::read(input)?;
            finish(decode_frames(reg, codec, &data, job.loss)?)?;
        }
        Action::Roundtrip => {
            let (r, pcm) = read_wav(input)?;
            let frames = encode_pcm(reg, codec, r, &pcm)?;
            finish(decode_frames(reg, codec, &frames, job.loss)?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_stable_and_uniformish() {
        let mut g = SplitMix(42);
        let n = (0..10_000).filter(|_| g.next_f64() < 0.05).count();
        assert!((400..600).contains(&n), "{n}");
        let mut a = SplitMix(7);
        let mut b = SplitMix(7);
        assert_eq!(a.next_f64().to_bits(), b.next_f64().to_bits());
    }

    #[test]
    fn length_prefix_errors() {
        let reg = CodecRegistry::with_builtin();
        let mut info = find(&reg, "pcmu").unwrap().info.clone();
        info.encoding = "opus";
        assert!(split_frames(&reg, "pcmu", &info, &[0]).is_err());
        assert!(split_frames(&reg, "pcmu", &info, &[0, 5, 1]).is_err());
        assert_eq!(
            split_frames(&reg, "pcmu", &info, &[0, 1, 9, 0, 0])
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn resample_all_keeps_length_and_alignment() {
        let pcm: Vec<i16> = (0..8000)
            .map(|i| if i == 4000 { 20000 } else { 0 })
            .collect();
        let up = resample_all(&pcm, 8000, 48000).unwrap();
        assert_eq!(up.len(), 48000);
        let peak = up
            .iter()
            .enumerate()
            .max_by_key(|(_, v)| v.unsigned_abs())
            .unwrap()
            .0;
        assert!(peak.abs_diff(24000) <= 1, "{peak}");
    }

    #[test]
    fn cli_errors() {
        let reg = CodecRegistry::with_builtin();
        let mut sink = Vec::new();
        assert!(matches!(
            run::<&str>(&reg, &[], &mut sink),
            Err(ToolError::Usage(_))
        ));
        assert!(matches!(
            run(&reg, &["encode", "--codec", "pcmu", "a.wav"], &mut sink),
            Err(ToolError::Usage(_))
        ));
        assert!(matches!(
            run(
                &reg,
                &["decode", "--codec", "pcmu", "--loss", "150", "a", "b"],
                &mut sink
            ),
            Err(ToolError::Usage(_))
        ));
        run(&reg, &["list"], &mut sink).unwrap();
        assert!(String::from_utf8(sink).unwrap().contains("PCMU/8000"));
    }
}
