//! What the root package's integration tests share.

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
