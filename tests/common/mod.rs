//! What the root package's integration tests share.
// Each test crate includes this module and uses only part of it.
#![allow(dead_code)]

pub mod phones;
pub mod softphone;

use std::path::PathBuf;

/// The path of example `name` built beside this test binary
/// (`target/<profile>/deps/<test>-<hash>` → `target/<profile>/examples/<name>`;
/// `cargo test` builds the examples first).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target/<profile> directory");
    profile_dir.join("examples").join(name)
}

/// Runs example `name` with `args` under a 60 s bound (`timeout -k 5 60`),
/// echoes its stdout and stderr into the test's output, and returns what
/// it printed and how it exited. Fails when the example is not built.
pub fn run_example(name: &str, args: &[&str]) -> (String, std::process::ExitStatus) {
    let bin = example(name);
    assert!(
        bin.exists(),
        "{} not built: run `cargo build --example {name}` (cargo test builds it)",
        bin.display()
    );
    let out = std::process::Command::new("timeout")
        .args(["-k", "5", "60"])
        .arg(&bin)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    (stdout, out.status)
}

/// Runs `tests/interop/SCRIPT ARGS…` with the softphone, the given extra
/// environment and a 90 s limit; fails unless it exits 0 and prints `PASS`.
/// Callers serialise scripts that share ports.
pub fn run_interop_script(script: &str, args: &[&str], env: &[(&str, &str)]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(script);
    let sp = example("softphone");
    assert!(sp.exists(), "{} not built", sp.display());
    let out = std::process::Command::new("timeout")
        .args(["-k", "5", "90", "bash"])
        .arg(&path)
        .args(args)
        .env("SOFTPHONE", &sp)
        .env("TALK", "4")
        .envs(env.iter().copied())
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && stdout.lines().any(|l| l == "PASS"),
        "{script} {args:?} failed ({:?})",
        out.status
    );
}
