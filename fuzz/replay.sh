#!/usr/bin/env bash
# Builds every fuzz target on stable Rust, without sanitizer instrumentation
# (`cargo build --release` in fuzz/: libfuzzer-sys links libFuzzer's driver,
# which replays inputs uninstrumented), then runs each target once over its
# corpus with -runs=0: its own seeds (fuzz/seeds/<target>/, made by
# fuzz/seeds/make-seeds.sh) plus the shared corpora beside the repository
# (../shared/corpora: RFC 4475, PROTOS c07-sip, pjsip's and Asterisk's seeds),
# and the inputs campaigns found that once broke it (fuzz/regressions/<target>/).
# Fails on any crash, failed property, timeout, missing corpus, or a target
# without seeds. Writes only to a temporary directory.
#   bash fuzz/replay.sh            (CARGO_TARGET_DIR is honoured)
set -euo pipefail
FUZZ="$(cd "$(dirname "$0")" && pwd)"; ROOT="$(cd "$FUZZ/.." && pwd)"
CORPORA="$ROOT/../shared/corpora"
[ -d "$CORPORA" ] || { echo "FAIL: corpora missing at $CORPORA (the shared/ folder must sit beside the repository)"; exit 2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
cargo build --release --manifest-path "$FUZZ/Cargo.toml" --bins
BIN="$CARGO_TARGET_DIR/release"

# Shared corpora per target (relative to ../shared/corpora). Raw SIP goes to
# every SIP entry point; harness-format folders (pjsip rtp, audio) serve as
# opaque inputs, which is all a replay needs.
SIP="rfc4475/messages protos-c07-sip/cases pjsip-fuzz-seeds/sip pjsip-fuzz-seeds/sip-dialog"
AUDIO="pjsip-fuzz-seeds/audio"
shared() {
  case $1 in
    sip_message|sip_view|sip_core|sip_stream) echo "$SIP";;
    sip_uri) echo "pjsip-fuzz-seeds/uri";;
    sdp_parse|sdp_offer_answer) echo "pjsip-fuzz-seeds/sdp pjsip-fuzz-seeds/sdes";;
    # No shared corpus exists for these: their own seeds only.
    digit_map|mgcp_message) echo "";;
    sip_pidf|sip_message_summary) echo "";;
    h323_q931|h323_ras|h323_uuie|h323_h245) echo "";;
    rtp_packet) echo "pjsip-fuzz-seeds/rtp pjsip-fuzz-seeds/srtp";;
    srtp_packet) echo "pjsip-fuzz-seeds/srtp pjsip-fuzz-seeds/sdes";;
    zrtp_packet) echo "zrtp-bzrtp/packets";;
    rtcp_packet) echo "pjsip-fuzz-seeds/rtcp asterisk-regressions";;
    stun_message) echo "stun-rfc5769 stun-browsers pjsip-fuzz-seeds/stun";;
    *_decode) echo "$AUDIO";;
    *) return 1;;
  esac
}

TARGETS=$(sed -n 's/^name = "\([a-z0-9_]*\)"$/\1/p' "$FUZZ/Cargo.toml" | grep -v '^openphone-fuzz$')
W=$(mktemp -d /tmp/op-fuzz-replay.XXXX); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/empty" "$W/artifacts"
fails=0; total=0
printf '%-14s %8s %8s  %s\n' target inputs seconds result
for t in $TARGETS; do
  seeds="$FUZZ/seeds/$t"
  [ -n "$(ls -A "$seeds" 2>/dev/null)" ] || { echo "FAIL: $t has no seeds in fuzz/seeds/$t"; fails=$((fails + 1)); continue; }
  dirs=("$seeds")
  # Inputs that once broke the target (fuzz/regressions/README.md).
  [ -d "$FUZZ/regressions/$t" ] && dirs+=("$FUZZ/regressions/$t")
  list=$(shared "$t") || { echo "FAIL: $t has no shared corpus assigned in fuzz/replay.sh"; fails=$((fails + 1)); continue; }
  for d in $list; do
    [ -d "$CORPORA/$d" ] || { echo "FAIL: corpus $CORPORA/$d missing"; exit 2; }
    dirs+=("$CORPORA/$d")
  done
  # The first directory is where libFuzzer would add new inputs: an empty
  # scratch one, so the corpora are only read.
  start=$(date +%s.%N)
  if "$BIN/$t" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$W/artifacts/$t-" \
       "$W/empty" "${dirs[@]}" >"$W/$t.log" 2>&1; then res=ok; else res="FAIL (exit $?)"; fi
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  n=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$W/$t.log" | tail -1)
  [ -n "$n" ] || res="FAIL (no 'Done' line)"
  printf '%-14s %8s %8s  %s\n' "$t" "${n:-?}" "$secs" "$res"
  if [ "$res" != ok ]; then fails=$((fails + 1)); tail -30 "$W/$t.log"; fi
  total=$((total + ${n:-0}))
done
echo "replayed $total inputs over $(echo "$TARGETS" | wc -w) targets; $fails failed"
[ "$fails" = 0 ]
