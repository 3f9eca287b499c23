//! Fuzz stream framing: the input is split into chunks at fuzzer-chosen
//! points (first byte = chunk size) and fed to a `StreamFramer`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sip::message::StreamFramer;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let mut f = StreamFramer::new();
    for part in rest.chunks(chunk) {
        f.push(part);
        loop {
            match f.next_message() {
                Ok(Some(m)) => drop(m.to_bytes()),
                Ok(None) => break,
                Err(e) if e.breaks_framing() => return,
                Err(_) => {}
            }
        }
        let _ = f.take_pings();
    }
});
