//! WAV ↔ raw codec frames through any codec this build has.
//!
//! ```text
//! cargo run --example codec --features opus,speex -- list
//! cargo run --example codec -- encode --codec gsm speech.wav speech.gsm
//! cargo run --example codec -- decode --codec gsm speech.gsm back.wav
//! cargo run --example codec -- roundtrip --codec speex-nb --loss 5 --seed 1 speech.wav out.wav
//! ```
//!
//! Frame files: fixed-size codecs store frames back to back (as `toast`
//! writes GSM); Speex and Opus frames carry a 2-byte big-endian length
//! prefix. See `openphone_media::codec::tool`.

use openphone_media::codec::{tool, CodecRegistry};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reg = CodecRegistry::with_builtin();
    if let Err(e) = tool::run(&reg, &args, &mut std::io::stdout()) {
        eprintln!("codec: {e}");
        std::process::exit(2);
    }
}
