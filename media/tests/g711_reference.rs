//! G.711 checked bit-exact against independent implementations: sox and
//! ffmpeg (both must be installed; the tests fail, naming the tool, if not).
//!
//! Findings (all 65536 inputs, all 256 codes; also printed by the tests):
//! * Decoding: sox, ffmpeg, spandsp and ours agree on every code, both laws.
//! * Encoding: ours is ITU-T G.191 (`ulaw_compress`/`alaw_compress`): the
//!   16-bit sample is truncated to 14 (µ) / 13 (A) bits and a negative
//!   sample's magnitude is its one's complement. The tools differ from it and
//!   from each other ONLY in how they map a 16-bit two's-complement sample to
//!   G.711's sign + magnitude; their segment/step quantiser is the same:
//!   - sox (`-D`): rounds to nearest 14/13 bits, then µ-law magnitude `-x`,
//!     A-law `-x-1` (Sun's g711.c). 510 (µ) / 1020 (A) inputs differ from G.191.
//!   - ffmpeg: truncates to 14 bits and picks the code whose reconstruction
//!     value is nearest (thresholds at the mid-points of adjacent output
//!     levels rather than G.711's decision levels; magnitude `-x` for
//!     negatives). 964 (µ) / 964 (A) inputs differ.
//!   - sox and ffmpeg therefore differ from each other too; neither is G.191.
//!   - spandsp: A-law is bit-exact G.191; µ-law uses magnitude `-x` at 16 bits
//!     (127 inputs differ).
//!
//!   Each convention is modelled below on top of OUR quantiser and must
//!   match its tool on all 65536 inputs, so every difference is accounted for.
//! * sox without `-D` dithers when reducing to 8-bit companded output, so its
//!   output is not a function of the input; the tests always pass `-D`.

use std::ffi::{c_int, c_void};
use std::path::{Path, PathBuf};
use std::process::Command;

use openphone_media::codec::g711;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("openphone-g711-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn run(tool: &str, args: &[&str]) {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("reference tool `{tool}` is required for this test but could not be run: {e} (install it: apt-get install {tool})")
    });
    assert!(
        out.status.success(),
        "`{tool} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn all_samples() -> Vec<i16> {
    (i16::MIN..=i16::MAX).collect()
}

fn write_pcm(path: &Path, pcm: &[i16]) {
    let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).expect("write pcm");
}

fn read_pcm(path: &Path) -> Vec<i16> {
    let b = std::fs::read(path).expect("read pcm");
    b.chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Law {
    U,
    A,
}

fn sox_encode(dir: &Path, law: Law, pcm: &[i16]) -> Vec<u8> {
    let inp = dir.join("in.raw");
    let out = dir.join("sox.enc");
    write_pcm(&inp, pcm);
    let enc = if law == Law::U { "u-law" } else { "a-law" };
    run(
        "sox",
        &[
            "-D",
            "-t",
            "raw",
            "-r",
            "8000",
            "-e",
            "signed",
            "-b",
            "16",
            "-c",
            "1",
            inp.to_str().unwrap(),
            "-t",
            "raw",
            "-e",
            enc,
            out.to_str().unwrap(),
        ],
    );
    std::fs::read(&out).expect("read sox output")
}

fn ffmpeg_encode(dir: &Path, law: Law, pcm: &[i16]) -> Vec<u8> {
    let inp = dir.join("in.raw");
    let out = dir.join("ff.enc");
    write_pcm(&inp, pcm);
    let fmt = if law == Law::U { "mulaw" } else { "alaw" };
    run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "s16le",
            "-ar",
            "8000",
            "-ac",
            "1",
            "-i",
            inp.to_str().unwrap(),
            "-f",
            fmt,
            out.to_str().unwrap(),
        ],
    );
    std::fs::read(&out).expect("read ffmpeg output")
}

fn sox_decode(dir: &Path, law: Law, codes: &[u8]) -> Vec<i16> {
    let inp = dir.join("in.enc");
    let out = dir.join("sox.raw");
    std::fs::write(&inp, codes).unwrap();
    let enc = if law == Law::U { "u-law" } else { "a-law" };
    run(
        "sox",
        &[
            "-t",
            "raw",
            "-r",
            "8000",
            "-e",
            enc,
            "-b",
            "8",
            "-c",
            "1",
            inp.to_str().unwrap(),
            "-t",
            "raw",
            "-e",
            "signed",
            "-b",
            "16",
            out.to_str().unwrap(),
        ],
    );
    read_pcm(&out)
}

fn ffmpeg_decode(dir: &Path, law: Law, codes: &[u8]) -> Vec<i16> {
    let inp = dir.join("in.enc");
    let out = dir.join("ff.raw");
    std::fs::write(&inp, codes).unwrap();
    let fmt = if law == Law::U { "mulaw" } else { "alaw" };
    run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            fmt,
            "-ar",
            "8000",
            "-ac",
            "1",
            "-i",
            inp.to_str().unwrap(),
            "-f",
            "s16le",
            out.to_str().unwrap(),
        ],
    );
    read_pcm(&out)
}

fn ours_encode(law: Law, pcm: &[i16]) -> Vec<u8> {
    let mut out = vec![0u8; pcm.len()];
    match law {
        Law::U => g711::encode_ulaw(pcm, &mut out),
        Law::A => g711::encode_alaw(pcm, &mut out),
    }
    out
}

// --- spandsp (libspandsp-dev), an independent C implementation ---------------

#[link(name = "spandsp")]
extern "C" {
    fn g711_init(s: *mut c_void, mode: c_int) -> *mut c_void;
    fn g711_encode(s: *mut c_void, out: *mut u8, amp: *const i16, len: c_int) -> c_int;
    fn g711_decode(s: *mut c_void, amp: *mut i16, data: *const u8, len: c_int) -> c_int;
    fn g711_free(s: *mut c_void) -> c_int;
}

/// spandsp's mode constants (g711.h: G711_ALAW = 0, G711_ULAW = 1).
fn spandsp_mode(law: Law) -> c_int {
    if law == Law::U {
        1
    } else {
        0
    }
}

fn spandsp_encode(law: Law, pcm: &[i16]) -> Vec<u8> {
    let mut out = vec![0u8; pcm.len()];
    // SAFETY: init allocates a state we free below; buffers are sized to `len`.
    unsafe {
        let s = g711_init(std::ptr::null_mut(), spandsp_mode(law));
        assert!(!s.is_null(), "spandsp g711_init failed");
        let n = g711_encode(s, out.as_mut_ptr(), pcm.as_ptr(), pcm.len() as c_int);
        g711_free(s);
        assert_eq!(n as usize, pcm.len());
    }
    out
}

fn spandsp_decode(law: Law, codes: &[u8]) -> Vec<i16> {
    let mut out = vec![0i16; codes.len()];
    // SAFETY: as above.
    unsafe {
        let s = g711_init(std::ptr::null_mut(), spandsp_mode(law));
        assert!(!s.is_null(), "spandsp g711_init failed");
        let n = g711_decode(s, out.as_mut_ptr(), codes.as_ptr(), codes.len() as c_int);
        g711_free(s);
        assert_eq!(n as usize, codes.len());
    }
    out
}

// --- conventions, modelled on our quantiser ----------------------------------

/// Our G.191 code for sign + magnitude (14-bit µ / 13-bit A units): build the
/// 16-bit input that G.191 maps to exactly that magnitude.
fn ours_signmag(law: Law, negative: bool, mag: i32) -> u8 {
    let (shift, max) = if law == Law::U { (2, 8191) } else { (3, 4095) };
    let m = mag.clamp(0, max);
    let x = if negative {
        -((m + 1) << shift)
    } else {
        m << shift
    };
    let x = x.clamp(i16::MIN as i32, i16::MAX as i32) as i16;
    match law {
        Law::U => g711::linear_to_ulaw(x),
        Law::A => g711::linear_to_alaw(x),
    }
}

/// sox: round to nearest 14/13 bits (clipping), then Sun's sign handling.
fn sox_model(law: Law, x: i16) -> u8 {
    let (shift, max) = if law == Law::U { (2, 8191) } else { (3, 4095) };
    let s = ((x as i32 + (1 << (shift - 1))) >> shift).min(max);
    if s >= 0 {
        ours_signmag(law, false, s)
    } else if law == Law::U {
        ours_signmag(law, true, -s)
    } else {
        ours_signmag(law, true, -s - 1)
    }
}

/// spandsp: A-law is G.191; µ-law takes the magnitude `-x` at 16 bits.
fn spandsp_model(law: Law, x: i16) -> u8 {
    match law {
        Law::A => g711::linear_to_alaw(x),
        Law::U if x >= 0 => g711::linear_to_ulaw(x),
        Law::U => g711::linear_to_ulaw((-(x as i32)).min(i16::MAX as i32) as i16) & 0x7F,
    }
}

/// ffmpeg: 14-bit truncation, nearest reconstruction level (mid-point
/// thresholds between adjacent decoded values), magnitude `-x` for negatives.
fn ffmpeg_model(law: Law, x: i16) -> u8 {
    let (mask, dec): (u8, fn(u8) -> i16) = match law {
        Law::U => (0xFF, g711::ulaw_to_linear),
        Law::A => (0xD5, g711::alaw_to_linear),
    };
    let mut j = (x as i32) >> 2;
    if j == 0 {
        return mask;
    }
    if j == -8192 {
        j = -8191;
    }
    let m = j.abs();
    let mut code = 127u8;
    for i in 0..127u8 {
        let v = (dec(i ^ mask) as i32 + dec((i + 1) ^ mask) as i32 + 4) >> 3;
        if m < v {
            code = i;
            break;
        }
    }
    if j > 0 {
        code ^ mask
    } else {
        code ^ mask ^ 0x80
    }
}

fn check_model(tool: &str, law: Law, pcm: &[i16], got: &[u8], model: fn(Law, i16) -> u8) -> usize {
    let ours = ours_encode(law, pcm);
    // zip stops at the shortest: a tool that wrote fewer codes than it was
    // given samples must fail here, not be checked on a prefix.
    assert_eq!(
        got.len(),
        pcm.len(),
        "{tool} wrote {} codes for {} samples",
        got.len(),
        pcm.len()
    );
    assert_eq!(ours.len(), pcm.len());
    let mut differ_from_g191 = 0;
    for ((&x, &g), &o) in pcm.iter().zip(got).zip(&ours) {
        assert_eq!(
            g,
            model(law, x),
            "{tool} {}-law code for {x} is {g:#04x}, the modelled convention says {:#04x} (G.191: {o:#04x})",
            if law == Law::U { "µ" } else { "A" },
            model(law, x)
        );
        if g != o {
            differ_from_g191 += 1;
        }
    }
    eprintln!(
        "{tool} {}-law: {} of {} inputs differ from G.191, all explained by its rounding/sign convention",
        if law == Law::U { "µ" } else { "A" },
        differ_from_g191,
        pcm.len()
    );
    differ_from_g191
}

fn all_codes() -> Vec<u8> {
    (0..=255u8).collect()
}

#[test]
fn decode_all_codes_matches_sox_ffmpeg_spandsp() {
    let dir = scratch("decode");
    let codes = all_codes();
    for law in [Law::U, Law::A] {
        let ours: Vec<i16> = codes
            .iter()
            .map(|&c| match law {
                Law::U => g711::ulaw_to_linear(c),
                Law::A => g711::alaw_to_linear(c),
            })
            .collect();
        assert_eq!(ours, sox_decode(&dir, law, &codes), "sox decode differs");
        assert_eq!(
            ours,
            ffmpeg_decode(&dir, law, &codes),
            "ffmpeg decode differs"
        );
        assert_eq!(ours, spandsp_decode(law, &codes), "spandsp decode differs");
    }
}

#[test]
fn encode_all_inputs_against_spandsp() {
    let pcm = all_samples();
    // A-law: spandsp is G.191 exactly.
    assert_eq!(ours_encode(Law::A, &pcm), spandsp_encode(Law::A, &pcm));
    for law in [Law::U, Law::A] {
        let n = check_model(
            "spandsp",
            law,
            &pcm,
            &spandsp_encode(law, &pcm),
            spandsp_model,
        );
        if law == Law::A {
            assert_eq!(n, 0);
        }
    }
}

#[test]
fn encode_all_inputs_against_sox() {
    let dir = scratch("sox");
    let pcm = all_samples();
    for law in [Law::U, Law::A] {
        let got = sox_encode(&dir, law, &pcm);
        check_model("sox", law, &pcm, &got, sox_model);
    }
}

#[test]
fn encode_all_inputs_against_ffmpeg() {
    let dir = scratch("ffmpeg");
    let pcm = all_samples();
    for law in [Law::U, Law::A] {
        let got = ffmpeg_encode(&dir, law, &pcm);
        check_model("ffmpeg", law, &pcm, &got, ffmpeg_model);
    }
}

#[test]
fn positive_grid_inputs_agree_everywhere() {
    // Where no convention matters (non-negative samples on the 14/13-bit grid,
    // away from rounding), sox agrees with G.191 bit for bit.
    let dir = scratch("grid");
    let pcm: Vec<i16> = (0..=i16::MAX).step_by(8).collect();
    for law in [Law::U, Law::A] {
        assert_eq!(ours_encode(law, &pcm), sox_encode(&dir, law, &pcm));
    }
}

#[test]
fn speech_from_espeak_ng() {
    let dir = scratch("speech");
    let wav = dir.join("speech.wav");
    let raw = dir.join("speech.raw");
    run(
        "espeak-ng",
        &[
            "-w",
            wav.to_str().unwrap(),
            "OpenPhone checks G dot seven eleven against the reference tools.",
        ],
    );
    run(
        "sox",
        &[
            "-D",
            wav.to_str().unwrap(),
            "-t",
            "raw",
            "-r",
            "8000",
            "-e",
            "signed",
            "-b",
            "16",
            "-c",
            "1",
            raw.to_str().unwrap(),
        ],
    );
    let pcm = read_pcm(&raw);
    assert!(
        pcm.len() > 8000,
        "espeak-ng produced only {} samples",
        pcm.len()
    );
    for law in [Law::U, Law::A] {
        let s = sox_encode(&dir, law, &pcm);
        check_model("sox(speech)", law, &pcm, &s, sox_model);
        let f = ffmpeg_encode(&dir, law, &pcm);
        check_model("ffmpeg(speech)", law, &pcm, &f, ffmpeg_model);
        let p = spandsp_encode(law, &pcm);
        check_model("spandsp(speech)", law, &pcm, &p, spandsp_model);
        // And the round trip through our codec matches sox's decoder.
        let ours = ours_encode(law, &pcm);
        let ours_dec: Vec<i16> = ours
            .iter()
            .map(|&c| match law {
                Law::U => g711::ulaw_to_linear(c),
                Law::A => g711::alaw_to_linear(c),
            })
            .collect();
        assert_eq!(ours_dec, sox_decode(&dir, law, &ours));
    }
}
