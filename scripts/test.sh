#!/usr/bin/env bash
# The whole test suite, interop with real peers included.
#   bash scripts/test.sh
# Installs its dependencies first (Debian; apt-get needs root), then checks
# formatting and lints, and runs every test. An interop test whose peer is
# missing fails; nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENPHONE_H323REF_LATER=1 bash scripts/install-deps.sh

# The H.323 reference peers (../shared/lab/h323ref, cached in /opt/h323ref)
# build beside fmt/clippy/doc/fuzz, which leave a core idle much of the time;
# the tests wait for them.
H323REF_LOG=/tmp/openphone-h323ref-build.log
h323ref=0
if [ -f ../shared/lab/h323ref/build.sh ]; then
  bash ../shared/lab/h323ref/build.sh > "$H323REF_LOG" 2>&1 &
  h323ref_pid=$!
else
  echo "FAIL: ../shared/lab/h323ref/build.sh missing: the H.323 interop tests will fail"
  h323ref_pid=""
fi

export CARGO_TERM_COLOR=never
# One-shot CI builds gain nothing from incremental state, which was 8 GB of the target.
export CARGO_INCREMENTAL=0
# alsa: the ALSA driver and its tests (install-deps.sh installs libasound2-dev);
# tls: SIP over TLS and its Kamailio test (kamailio-tls-modules).
FEATURES="openphone/opus,openphone/speex,openphone/alsa,openphone/tls"

echo "== cargo fmt"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --features "$FEATURES" -- -D warnings

echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --features "$FEATURES"

# The replay and the tests both run even if one fails, so one failure does
# not hide the other's results; the script fails if either did.
echo "== fuzz targets: build on stable (no sanitizer) and replay every corpus once (ROBUSTNESS.md)"
replay=0
bash fuzz/replay.sh || replay=$?

if [ -n "$h323ref_pid" ]; then
  echo "== waiting for the H.323 reference build ($H323REF_LOG)"
  wait "$h323ref_pid" || h323ref=$?
  cat "$H323REF_LOG"
fi

echo "== cargo test"
tests=0
cargo test --workspace --features "$FEATURES" --no-fail-fast 2>&1 | tee /tmp/openphone-test.log || tests=$?

[ "$h323ref" = 0 ] || echo "FAIL: H.323 reference build (exit $h323ref, $H323REF_LOG)"
[ "$replay" = 0 ] || echo "FAIL: fuzz replay (exit $replay)"
[ "$tests" = 0 ] || echo "FAIL: cargo test (exit $tests)"
[ "$replay" = 0 ] && [ "$tests" = 0 ]
