//! Links the system libsrtp2 (Debian `libsrtp2-dev`, installed by
//! scripts/install-deps.sh). Without it this crate cannot exist: it is the
//! reference the SRTP bench and cross-check test compare against.

fn main() {
    if let Err(e) = pkg_config::Config::new()
        .atleast_version("2.0")
        .probe("libsrtp2")
    {
        panic!(
            "srtp-anchor needs the system libsrtp2 (Debian libsrtp2-dev, see scripts/install-deps.sh): {e}"
        );
    }
}
