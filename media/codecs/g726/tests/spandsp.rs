//! Bit-exactness against spandsp (`g726_encode`/`g726_decode`, 16-bit linear
//! interworking, one codeword per octet) for every rate, on speech and on
//! synthetic signals, encoding and decoding, and decoding random codewords.

mod common;

use common::*;
use openphone_g726::{Decoder, Encoder, G726Packing, G726Rate};

fn first_mismatch<T: PartialEq + std::fmt::Debug>(ours: &[T], theirs: &[T]) -> Option<String> {
    if ours.len() != theirs.len() {
        return Some(format!("length {} vs spandsp {}", ours.len(), theirs.len()));
    }
    let k = ours.iter().zip(theirs).position(|(a, b)| a != b)?;
    let lo = k.saturating_sub(3);
    let hi = (k + 4).min(ours.len());
    Some(format!(
        "first difference at {k}: ours {:?} spandsp {:?}",
        &ours[lo..hi],
        &theirs[lo..hi]
    ))
}

fn spandsp_encode(rate: G726Rate, pcm: &[i16]) -> Vec<u8> {
    let r = (rate.kbps() * 1000).to_string();
    run(spandsp_harness(), &["enc", &r, "0", "0"], &to_bytes(pcm))
}

fn spandsp_decode(rate: G726Rate, codes: &[u8]) -> Vec<i16> {
    let r = (rate.kbps() * 1000).to_string();
    from_bytes(&run(spandsp_harness(), &["dec", &r, "0", "0"], codes))
}

/// Decodes with ours and checks against spandsp's output, which is
/// `(sr << 2)` truncated to 16 bits: our `sr` must match exactly, and our
/// linear output must be the same value saturated instead of wrapped.
fn check_decode(what: &str, rate: G726Rate, codes: &[u8], theirs: &[i16]) {
    let mut dec = Decoder::new(rate, G726Packing::Rfc3551);
    let mut lin = Decoder::new(rate, G726Packing::Rfc3551);
    let mut ours_wrapped = Vec::with_capacity(codes.len());
    for &c in codes {
        let sr = dec.decode_code_sr(c);
        ours_wrapped.push((i32::from(sr) << 2) as i16);
        let expect = (i32::from(sr) * 4).clamp(-32768, 32767) as i16;
        assert_eq!(
            lin.decode_code(c),
            expect,
            "{what} at {rate:?}: linear output is not saturated sr"
        );
    }
    if let Some(m) = first_mismatch(&ours_wrapped, theirs) {
        panic!("{what} decode at {rate:?}: {m}");
    }
}

fn check_encode_decode(name: &str, pcm: &[i16]) {
    for rate in G726Rate::ALL {
        let theirs = spandsp_encode(rate, pcm);
        let mut enc = Encoder::new(rate, G726Packing::Rfc3551);
        let ours: Vec<u8> = pcm.iter().map(|s| enc.encode_sample(*s)).collect();
        if let Some(m) = first_mismatch(&ours, &theirs) {
            panic!("{name} encode at {rate:?}: {m}");
        }
        let theirs_pcm = spandsp_decode(rate, &theirs);
        check_decode(name, rate, &theirs, &theirs_pcm);
    }
}

#[test]
fn speech_is_bit_exact_with_spandsp() {
    check_encode_decode("speech", &speech());
}

#[test]
fn synthetic_signals_are_bit_exact_with_spandsp() {
    for (name, pcm) in synthetic() {
        check_encode_decode(name, &pcm);
    }
}

#[test]
fn random_codewords_decode_bit_exact_with_spandsp() {
    for rate in G726Rate::ALL {
        let mask = (1u8 << rate.bits_per_sample()) - 1;
        for seed in 0..4u64 {
            let codes: Vec<u8> = random_bytes(seed * 100 + u64::from(rate.kbps()), 40_000)
                .into_iter()
                .map(|b| b & mask)
                .collect();
            let theirs = spandsp_decode(rate, &codes);
            check_decode(
                &format!("random codes (seed {seed})"),
                rate,
                &codes,
                &theirs,
            );
        }
    }
}

/// Long runs of one codeword drive the predictor coefficients and scale
/// factor to their limits (the 16-bit coefficient wrap included).
#[test]
fn constant_codewords_decode_bit_exact_with_spandsp() {
    for rate in G726Rate::ALL {
        let n = 1u8 << rate.bits_per_sample();
        for code in 0..n {
            let mut codes = vec![code; 3000];
            codes.extend((0..3000).map(|k| if k % 2 == 0 { code } else { n - 1 - code }));
            let theirs = spandsp_decode(rate, &codes);
            check_decode(&format!("constant code {code}"), rate, &codes, &theirs);
        }
    }
}

/// The A-law and µ-law interfaces (EXPAND, COMPRESS and the synchronous
/// coding adjustment) against spandsp's `G726_ENCODING_ALAW/ULAW`.
#[test]
fn g711_interfaces_are_bit_exact_with_spandsp() {
    use openphone_g726::G711Law;
    let mut inputs: Vec<(String, Vec<i16>)> = vec![("speech".into(), speech())];
    inputs.extend(synthetic().into_iter().map(|(n, p)| (n.to_string(), p)));
    for (law, coding) in [(G711Law::ULaw, "1"), (G711Law::ALaw, "2")] {
        let mut octet_inputs: Vec<(String, Vec<u8>)> = inputs
            .iter()
            .map(|(n, p)| (n.clone(), p.iter().map(|s| law.from_linear(*s)).collect()))
            .collect();
        octet_inputs.push(("random octets".into(), random_bytes(7, 20_000)));
        for rate in G726Rate::ALL {
            let r = (rate.kbps() * 1000).to_string();
            for (name, g711) in &octet_inputs {
                let theirs = run(spandsp_harness(), &["enc", &r, "0", coding], g711);
                let mut enc = Encoder::new(rate, G726Packing::Rfc3551);
                let ours: Vec<u8> = g711
                    .iter()
                    .map(|c| enc.encode_g711_sample(law, *c))
                    .collect();
                if let Some(m) = first_mismatch(&ours, &theirs) {
                    panic!("{law:?} {name} encode at {rate:?}: {m}");
                }
                let theirs_out = run(spandsp_harness(), &["dec", &r, "0", coding], &theirs);
                let mut dec = Decoder::new(rate, G726Packing::Rfc3551);
                let ours_out: Vec<u8> = theirs
                    .iter()
                    .map(|c| dec.decode_code_g711(law, *c))
                    .collect();
                if let Some(m) = first_mismatch(&ours_out, &theirs_out) {
                    panic!("{law:?} {name} decode at {rate:?}: {m}");
                }
            }
            let mask = (1u8 << rate.bits_per_sample()) - 1;
            let codes: Vec<u8> = random_bytes(11, 20_000)
                .into_iter()
                .map(|b| b & mask)
                .collect();
            let theirs_out = run(spandsp_harness(), &["dec", &r, "0", coding], &codes);
            let mut dec = Decoder::new(rate, G726Packing::Rfc3551);
            let ours_out: Vec<u8> = codes
                .iter()
                .map(|c| dec.decode_code_g711(law, *c))
                .collect();
            if let Some(m) = first_mismatch(&ours_out, &theirs_out) {
                panic!("{law:?} random codes decode at {rate:?}: {m}");
            }
        }
    }
}
