#!/usr/bin/env bash
# PESQ of every codec the build has, clean and with 5 % frame loss
# (seeded, concealed by each codec's PLC), through the codec tool
# (examples/codec.rs, `roundtrip` subcommand).
#   bash scripts/codec-quality.sh            # prints a Markdown table
# Speech: espeak-ng (en, default voice), resampled by sox to 8 and 16 kHz.
# Scoring: python `pesq` (ITU-T P.862 narrowband for 8 kHz codecs,
# P.862.2 wideband for 16/48 kHz codecs; Opus is decoded to 16 kHz).
# Needs: espeak-ng, sox, python3 with pesq + numpy (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
LOSS=${LOSS:-5}
SEED=${SEED:-1}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
FEATURES=${FEATURES:-opus,speex}
cargo build -q --release --no-default-features --features "wav,$FEATURES" --example codec
TOOL="$CARGO_TARGET_DIR/release/examples/codec"

W=$(mktemp -d /tmp/codec-quality.XXXXXX)
trap 'rm -rf "$W"' EXIT
espeak-ng -w "$W/espeak.wav" "The birch canoe slid on the smooth planks. Glue the sheet to the \
dark blue background. It is easy to tell the depth of a well. These days a chicken leg is a rare \
dish. Rice is often served in round bowls. The juice of lemons makes fine punch."
for r in 8000 16000; do
  sox "$W/espeak.wav" -r $r -c 1 -b 16 -e signed "$W/ref_$r.wav"
done

pesq_score() { # RATE REF DEG
  python3 - "$@" <<'PY'
import sys, wave, numpy as np
from pesq import pesq
rate = int(sys.argv[1])
def rd(p):
    w = wave.open(p)
    assert w.getframerate() == rate, (p, w.getframerate())
    return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
r, d = rd(sys.argv[2]), rd(sys.argv[3])
n = min(len(r), len(d))
print("%.2f" % pesq(rate, r[:n], d[:n], "nb" if rate == 8000 else "wb"))
PY
}

echo "| codec | SDP | PESQ | clean | ${LOSS}% loss (seed $SEED) |"
echo "| --- | --- | --- | --- | --- |"
"$TOOL" list | while read -r name sdp prate _hz _ms _unit _framing; do
  if [ "$prate" = 8000 ]; then rate=8000; kind=NB; else rate=16000; kind=WB; fi
  "$TOOL" roundtrip --codec "$name" --rate $rate "$W/ref_$rate.wav" "$W/clean.wav" >/dev/null
  "$TOOL" roundtrip --codec "$name" --rate $rate --loss "$LOSS" --seed "$SEED" \
    "$W/ref_$rate.wav" "$W/lossy.wav" >/dev/null
  c=$(pesq_score $rate "$W/ref_$rate.wav" "$W/clean.wav")
  l=$(pesq_score $rate "$W/ref_$rate.wav" "$W/lossy.wav")
  echo "| $name | $sdp | $kind | $c | $l |"
done
