# Shared helpers for the interop scripts (sourced). Every script is bounded in
# time, uses loopback only, and kills only the processes it started.
set -u
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT INT TERM

need() { # need CMD PACKAGE
  command -v "$1" >/dev/null || { echo "FAIL: $1 is missing (apt-get install $2; scripts/install-deps.sh does it)"; exit 2; }
}
: "${SOFTPHONE:?SOFTPHONE must point at the built softphone example}"
[ -x "$SOFTPHONE" ] || { echo "FAIL: softphone binary $SOFTPHONE missing (cargo build --example softphone)"; exit 2; }

wait_for() { # wait_for FILE REGEX SECONDS
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timeout waiting for /$2/ in $1"; return 1
}

# Dominant frequency of a WAV file (Hz), by FFT over its middle part.
dominant_hz() {
  python3 - "$1" <<'PY'
import sys, wave, numpy as np
w = wave.open(sys.argv[1]); n = w.getnframes(); ch = w.getnchannels(); rate = w.getframerate()
x = np.frombuffer(w.readframes(n), dtype='<i2').astype(float)
if ch > 1: x = x.reshape(-1, ch).mean(axis=1)
x = x[len(x)//5: len(x)*4//5]
if len(x) < rate // 10 or np.sqrt(np.mean(x**2)) < 50: print(0); sys.exit()
spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
print(int(round(np.argmax(spec[1:]) * rate / len(x) + rate / len(x))))
PY
}

# near A B TOL: |A-B| <= TOL
near() { [ "$1" -ge $(($2 - $3)) ] && [ "$1" -le $(($2 + $3)) ]; }
