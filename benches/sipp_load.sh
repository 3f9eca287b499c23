#!/usr/bin/env bash
# Load tool: SIPp's built-in UAC against `softphone --auto-answer`.
#  1. the highest call rate (calls/s, as SIPp achieved it) at which
#     RATE_CALLS calls all succeed, trying rates from RATES;
#  2. peak memory of the softphone with 1,000 concurrent calls held open
#     (SIPp -d 30000: each call lasts 30 s), minus its idle memory.
# usage: bash benches/sipp_load.sh   (builds the release softphone first)
# Ports: softphone 25191, SIPp 15191. Loopback only; bounded in time.
set -u
cd "$(dirname "$0")/.."
cargo build --release --example softphone -q || exit 2
SP=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/softphone
RATES=${RATES:-"100 200 400 600 800 1000"}
RATE_CALLS=${RATE_CALLS:-2000}
W=$(mktemp -d /tmp/op-load.XXXX); cd "$W" || exit 2
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null' EXIT

start_phone() {
  "$SP" --listen 127.0.0.1:25191 --auto-answer --no-tcp </dev/null >sp.log 2>&1 &
  SPPID=$!; PIDS+=($SPPID)
  for _ in $(seq 50); do grep -q '^listening' sp.log && break; sleep 0.1; done
}
stop_phone() { kill "$SPPID" 2>/dev/null; wait "$SPPID" 2>/dev/null; }

best=0
for r in $RATES; do
  start_phone
  timeout 300 sipp -sn uac 127.0.0.1:25191 -i 127.0.0.1 -p 15191 -mp 17190 -r "$r" -m "$RATE_CALLS" \
    -l 2000 -nostdin -timeout 240s -trace_stat -stf "rate$r.csv" >/dev/null 2>&1
  rc=$?
  # Columns of SIPp's -trace_stat file: 8 CallRate(C) (what SIPp really
  # achieved over the run), 16 SuccessfulCall(C), 18 FailedCall(C).
  read -r got ok fail < <(tail -1 "rate$r.csv" | awk -F';' '{printf "%d %s %s\n", $8, $16, $18}')
  stop_phone
  echo "rate $r cps asked, $got cps achieved: rc=$rc successful=$ok failed=$fail of $RATE_CALLS"
  if [ "$rc" = 0 ] && [ "$ok" = "$RATE_CALLS" ]; then
    [ "$got" -gt "$best" ] && best=$got
  else
    break
  fi
done
echo "highest achieved rate with 0 failed calls: $best cps (SIPp may fall short of the rate asked: it shares the machine)"

start_phone
sleep 1
idle=$(awk '/VmRSS/ {print $2}' /proc/$SPPID/status)
timeout 120 sipp -sn uac 127.0.0.1:25191 -i 127.0.0.1 -p 15191 -mp 17190 -r 200 -m 1000 -l 1000 -d 30000 \
  -nostdin -timeout 100s -trace_stat -stf conc.csv >/dev/null 2>&1 &
SIPP=$!; PIDS+=($SIPP)
sleep 12   # 1,000 calls at 200 cps are all up after 5 s and last 30 s
peak=$(awk '/VmRSS/ {print $2}' /proc/$SPPID/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$SPPID/status)
wait "$SIPP"; rc=$?
read -r ok fail < <(tail -1 conc.csv | awk -F';' '{print $16, $18}')
echo "1000 concurrent calls: sipp rc=$rc successful=$ok failed=$fail; RSS idle ${idle} KiB, with 1000 calls ${peak} KiB (HWM ${hwm} KiB): $(( (peak - idle) )) KiB per 1000 calls"
