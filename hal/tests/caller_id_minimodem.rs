//! Caller-ID FSK decoded by an independent receiver, minimodem (Debian
//! package `minimodem`): the bytes it prints after the preamble must be
//! exactly our SDMF/MDMF message. A missing minimodem fails the test
//! (scripts/install-deps.sh installs it).
#![cfg(feature = "wav")]

mod common;

use std::process::Command;

use openphone_hal::line::{CallerId, CallerIdTime, FskCallerId, FskStandard, MessageFormat};
use openphone_hal::{AudioSink, WavSink};

fn decode_with_minimodem(tx: FskCallerId, id: &CallerId, rate: u32) -> (Vec<u8>, Vec<u8>) {
    let pcm = tx.render(id, rate).expect("renders");
    let wav = common::TempPath::new("caller-id.wav");
    let mut sink = WavSink::create(&wav.0, rate).expect("create WAV");
    sink.write(&pcm).expect("write WAV");
    sink.finish().expect("finish WAV");
    let mut cmd = Command::new("minimodem");
    cmd.args(["--rx", "1200", "--quiet", "-f"]).arg(&wav.0);
    if tx.standard == FskStandard::V23 {
        cmd.args(["-M", "1300", "-S", "2100"]);
    }
    let out = cmd
        .output()
        .expect("minimodem must be installed (apt-get install minimodem)");
    assert!(out.status.success(), "minimodem failed: {out:?}");
    (out.stdout, tx.message(id).expect("encodes"))
}

#[test]
fn minimodem_decodes_bell202_and_v23_mdmf_and_sdmf() {
    let id = CallerId::from_number("6095551212")
        .and_then(|c| c.with_name("Alice"))
        .map(|c| c.with_time(CallerIdTime::new(9, 30, 12, 24).expect("valid")))
        .expect("valid");
    for tx in [FskCallerId::bell202(), FskCallerId::v23()] {
        for format in [MessageFormat::Mdmf, MessageFormat::Sdmf] {
            for rate in [8000, 48000] {
                let tx = FskCallerId { format, ..tx };
                let (decoded, message) = decode_with_minimodem(tx, &id, rate);
                // The seizure's alternating bits decode as 0x55 characters
                // (and one partial character where the marks begin); the
                // message follows.
                assert!(
                    decoded.ends_with(&message),
                    "{:?} {format:?} at {rate}: {decoded:02x?}",
                    tx.standard
                );
            }
        }
    }
}
