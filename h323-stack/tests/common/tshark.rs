//! Runs tshark (Wireshark's dissectors, an independent decoder) over a
//! pcap we wrote. A missing tshark fails the test: it is part of the lab
//! (`apt-get install -y tshark`, `../shared/lab/install-peers.sh`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

static N: AtomicUsize = AtomicUsize::new(0);

/// Writes `pcap` to a temporary file and returns its path.
pub fn write_pcap(pcap: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "openphone-h323-{}-{}.pcap",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, pcap).expect("write pcap");
    path
}

/// tshark's output for `args` on the capture at `path` (panics when tshark
/// is missing or fails).
pub fn tshark(path: &PathBuf, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(args)
        .output()
        .expect("tshark must be installed (apt-get install -y tshark)");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The frames tshark calls malformed or flags with an error-level expert
/// message (the lab's `tshark-decode.sh` criterion), one line each.
pub fn malformed(path: &PathBuf, decode_as: &[&str]) -> Vec<String> {
    let mut args = decode_as.to_vec();
    args.extend([
        "-Y",
        "_ws.malformed || _ws.expert.severity == error",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "_ws.expert.message",
    ]);
    tshark(path, &args).lines().map(str::to_owned).collect()
}

/// One line per frame with the `fields`, `|`-separated, multiple
/// occurrences `,`-separated.
pub fn fields(path: &PathBuf, decode_as: &[&str], fields: &[&str]) -> Vec<String> {
    let mut args = decode_as.to_vec();
    args.extend([
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        args.extend(["-e", f]);
    }
    tshark(path, &args).lines().map(str::to_owned).collect()
}
