//! Links the system libspeex when the `speex` feature is on. Nothing else
//! needs a build step: Opus is linked by its own -sys crate.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_SPEEX").is_some() {
        // Debian: libspeex-dev ships speex.pc. Failing here is clearer than
        // an undefined-symbol error at link time.
        if let Err(e) = pkg_config::Config::new()
            .atleast_version("1.2")
            .probe("speex")
        {
            panic!("the `speex` feature needs libspeex (pkg-config speex >= 1.2): {e}");
        }
    }
}
