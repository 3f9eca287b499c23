//! Caller-ID generation checked by a receiver written here: a
//! non-coherent FSK demodulator (energy at mark vs space over one bit),
//! asynchronous character framing, and an SDMF/MDMF parser; DTMF
//! caller-ID through the crate's DTMF detector.

mod common;

use std::f64::consts::TAU;

use openphone_hal::line::{
    AbsenceReason, CallerId, CallerIdTime, DtmfCallerId, DtmfDetector, DtmfEvent, FskCallerId,
    FskStandard, MessageFormat,
};

/// Mark (true) or space per sample: which of the two frequencies carries
/// more energy over the bit-long window ending at that sample.
fn demodulate(pcm: &[i16], rate: u32, standard: FskStandard) -> Vec<bool> {
    let (mark, space) = match standard {
        FskStandard::Bell202 => (1200.0, 2200.0),
        FskStandard::V23 => (1300.0, 2100.0),
        _ => panic!("unknown FSK standard"),
    };
    let len = (f64::from(rate) / 1200.0).round() as usize;
    let mix = |f: f64| -> Vec<(f64, f64)> {
        pcm.iter()
            .enumerate()
            .map(|(n, &x)| {
                let w = TAU * f * n as f64 / f64::from(rate);
                (f64::from(x) * w.cos(), f64::from(x) * w.sin())
            })
            .collect()
    };
    let (m, s) = (mix(mark), mix(space));
    let energy = |v: &[(f64, f64)], n: usize| {
        let from = (n + 1).saturating_sub(len);
        let (i, q) = v[from..=n]
            .iter()
            .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        i * i + q * q
    };
    (0..pcm.len())
        .map(|n| energy(&m, n) > energy(&s, n))
        .collect()
}

/// Bytes framed as start bit, 8 data bits (LSB first), stop bit, read
/// after the first run of at least `min_marks` mark bits.
fn deframe(bits: &[bool], rate: u32, min_marks: usize) -> Vec<u8> {
    let bit = f64::from(rate) / 1200.0;
    let need = (min_marks as f64 * bit) as usize;
    let mut run = 0;
    let mut pos = None;
    for (i, &b) in bits.iter().enumerate() {
        run = if b { run + 1 } else { 0 };
        if run >= need {
            pos = Some(i);
            break;
        }
    }
    let Some(mut i) = pos else {
        return Vec::new();
    };
    let mut out = Vec::new();
    loop {
        // Wait for the falling edge of a start bit.
        while i < bits.len() && bits[i] {
            i += 1;
        }
        if i >= bits.len() {
            return out;
        }
        let at = |k: f64| (i as f64 + (k + 0.5) * bit) as usize;
        if at(9.0) >= bits.len() || bits[at(0.0)] {
            return out;
        }
        let mut byte = 0u8;
        for k in 0..8 {
            if bits[at(1.0 + f64::from(k))] {
                byte |= 1 << k;
            }
        }
        if !bits[at(9.0)] {
            return out; // framing error: no stop bit
        }
        out.push(byte);
        i = at(9.0);
    }
}

/// What a receiver shows from a parsed message.
#[derive(Debug, Default, PartialEq)]
struct Shown {
    time: Option<String>,
    number: Option<String>,
    number_absent: Option<char>,
    name: Option<String>,
    name_absent: Option<char>,
}

/// Parses an SDMF or MDMF message, checking length and checksum.
fn parse(msg: &[u8]) -> Result<Shown, String> {
    if msg.len() < 3 {
        return Err(format!("too short: {msg:02x?}"));
    }
    let len = usize::from(msg[1]);
    if msg.len() < len + 3 {
        return Err(format!("length {len} but {} bytes", msg.len()));
    }
    let msg = &msg[..len + 3];
    if msg.iter().fold(0u8, |a, &b| a.wrapping_add(b)) != 0 {
        return Err("bad checksum".into());
    }
    let body = &msg[2..2 + len];
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut shown = Shown::default();
    match msg[0] {
        0x04 => {
            shown.time = Some(text(&body[..8]));
            match &body[8..] {
                [c @ (b'P' | b'O')] => shown.number_absent = Some(char::from(*c)),
                n => shown.number = Some(text(n)),
            }
        }
        0x80 => {
            let mut rest = body;
            while let [tag, plen, tail @ ..] = rest {
                let plen = usize::from(*plen);
                let value = tail.get(..plen).ok_or("parameter overruns")?;
                match tag {
                    0x01 => shown.time = Some(text(value)),
                    0x02 => shown.number = Some(text(value)),
                    0x04 => shown.number_absent = Some(char::from(value[0])),
                    0x07 => shown.name = Some(text(value)),
                    0x08 => shown.name_absent = Some(char::from(value[0])),
                    t => return Err(format!("unknown parameter {t:#x}")),
                }
                rest = &tail[plen..];
            }
        }
        t => return Err(format!("unknown message type {t:#x}")),
    }
    Ok(shown)
}

fn receive(pcm: &[i16], rate: u32, standard: FskStandard) -> Result<Shown, String> {
    let bits = demodulate(pcm, rate, standard);
    let bytes = deframe(&bits, rate, 40);
    parse(&bytes)
}

fn alice() -> CallerId {
    CallerId::from_number("6095551212")
        .and_then(|c| c.with_name("Alice"))
        .map(|c| c.with_time(CallerIdTime::new(9, 30, 12, 24).expect("valid")))
        .expect("valid")
}

#[test]
fn mdmf_checksum_matches_a_hand_computed_message() {
    // 80 1D | 01 08 "09301224" | 02 0A "6095551212" | 07 05 "Alice" | CB
    // Sum: 0x80 + 0x1D = 157; 1 + 8 + 405 ("09301224") = 414;
    // 2 + 10 + 516 ("6095551212") = 528; 7 + 5 + 478 ("Alice") = 490.
    // 157 + 414 + 528 + 490 = 1589 = 6·256 + 53, so the checksum is
    // 256 − 53 = 203 = 0xCB.
    let mut expected = vec![0x80, 0x1D, 0x01, 0x08];
    expected.extend(b"09301224");
    expected.extend([0x02, 0x0A]);
    expected.extend(b"6095551212");
    expected.extend([0x07, 0x05]);
    expected.extend(b"Alice");
    expected.push(0xCB);
    assert_eq!(MessageFormat::Mdmf.encode(&alice()), Ok(expected));
}

#[test]
fn sdmf_checksum_matches_a_hand_computed_message() {
    // 04 12 "09301224" "6095551212" 51: 4 + 18 + 405 + 516 = 943
    // = 3·256 + 175, checksum 256 − 175 = 81 = 0x51.
    let mut expected = vec![0x04, 0x12];
    expected.extend(b"093012246095551212");
    expected.push(0x51);
    assert_eq!(MessageFormat::Sdmf.encode(&alice()), Ok(expected));
}

#[test]
fn fsk_round_trip_every_standard_rate_and_field() {
    let private = CallerId::withheld(AbsenceReason::Private)
        .with_name_withheld(AbsenceReason::Private)
        .with_time(CallerIdTime::new(12, 31, 23, 59).expect("valid"));
    let long_name = CallerId::from_number("01234567890123456789")
        .and_then(|c| c.with_name("Bartholomew Featherstonehaugh-Smythe"))
        .expect("valid");
    for standard in [FskStandard::Bell202, FskStandard::V23] {
        let tx = match standard {
            FskStandard::Bell202 => FskCallerId::bell202(),
            _ => FskCallerId::v23(),
        };
        for rate in [8000, 16000, 48000] {
            let shown = receive(&tx.render(&alice(), rate).expect("renders"), rate, standard);
            let want = Shown {
                time: Some("09301224".into()),
                number: Some("6095551212".into()),
                name: Some("Alice".into()),
                ..Shown::default()
            };
            assert_eq!(shown, Ok(want), "{standard:?} at {rate}");

            let shown = receive(&tx.render(&private, rate).expect("renders"), rate, standard);
            let want = Shown {
                time: Some("12312359".into()),
                number_absent: Some('P'),
                name_absent: Some('P'),
                ..Shown::default()
            };
            assert_eq!(shown, Ok(want), "{standard:?} at {rate}");

            let name = match standard {
                FskStandard::Bell202 => "Bartholomew Fea",
                _ => "Bartholomew Featherstonehaugh-Smythe",
            };
            let shown = receive(
                &tx.render(&long_name, rate).expect("renders"),
                rate,
                standard,
            );
            let want = Shown {
                number: Some("01234567890123456789".into()),
                name: Some(name.into()),
                ..Shown::default()
            };
            assert_eq!(shown, Ok(want), "{standard:?} at {rate}");
        }
    }
}

#[test]
fn fsk_sdmf_off_hook_and_noise() {
    let sdmf = FskCallerId {
        format: MessageFormat::Sdmf,
        ..FskCallerId::bell202()
    }
    .off_hook();
    let pcm = sdmf.render(&alice(), 8000).expect("renders");
    // No seizure: the signal starts with marks (80 bits).
    let bits = demodulate(&pcm, 8000, FskStandard::Bell202);
    assert!(bits[10..500].iter().all(|&b| b));
    // With white noise 20 dB below the FSK signal.
    let power = openphone_hal::analysis::rms(&pcm).powi(2);
    let noise = common::noise(pcm.len(), (3.0 * power / 100.0).sqrt() as i16, 5);
    let noisy: Vec<i16> = pcm.iter().zip(&noise).map(|(a, b)| a + b).collect();
    let shown = receive(&noisy, 8000, FskStandard::Bell202);
    let want = Shown {
        time: Some("09301224".into()),
        number: Some("6095551212".into()),
        ..Shown::default()
    };
    assert_eq!(shown, Ok(want));
}

#[test]
fn a_corrupted_character_is_not_shown() {
    let mut pcm = FskCallerId::v23().render(&alice(), 8000).expect("renders");
    // Overwrite the 11th character (after 300 + 180 preamble bits) with a
    // steady space tone: the receiver sees a byte without its stop bit.
    let from = (480 + 100) * 8000 / 1200;
    for (n, s) in pcm[from..from + 10 * 8000 / 1200].iter_mut().enumerate() {
        *s = (4800.0 * (TAU * 2100.0 * n as f64 / 8000.0).sin()) as i16;
    }
    assert!(receive(&pcm, 8000, FskStandard::V23).is_err());
}

#[test]
fn dtmf_caller_id_round_trip() {
    let dtmf = DtmfCallerId::default();
    for (id, want) in [
        (alice(), "A6095551212C"),
        (CallerId::withheld(AbsenceReason::Private), "B10C"),
        (CallerId::withheld(AbsenceReason::Unavailable), "B00C"),
    ] {
        let pcm = dtmf.render(&id, 8000).expect("renders");
        let mut detector = DtmfDetector::new(8000).expect("rate");
        let mut got = String::new();
        detector.feed(&pcm, |e| got.extend(e.started()));
        detector.finish(|_: DtmfEvent| {});
        assert_eq!(got, want);
    }
}
