#!/usr/bin/env bash
# SIPp's built-in UAC (`-sn uac`) places CALLS calls to `softphone --auto-answer`;
# passes when every call succeeds. Ports: softphone 25181, SIPp 15161.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
need sipp sip-tester
CALLS=${CALLS:-500}; RATE=${RATE:-50}
W=$(mktemp -d /tmp/op-sipp-uac.XXXX); cd "$W" || exit 2
"$SOFTPHONE" --listen 127.0.0.1:25181 --auto-answer --no-tcp </dev/null >softphone.log 2>&1 &
PIDS+=($!)
wait_for softphone.log '^listening' 10 || { cat softphone.log; exit 1; }
timeout 150 sipp -sn uac 127.0.0.1:25181 -i 127.0.0.1 -p 15161 -mp 17160 -r "$RATE" -l 200 -m "$CALLS" \
  -nostdin -timeout 120s -trace_stat -stf stat.csv -trace_err -error_file err.log >sipp.out 2>&1
rc=$?
read -r ok fail < <(tail -1 stat.csv | awk -F';' '{print $16, $18}')
echo "sipp uac -> softphone: rc=$rc successful=$ok failed=$fail of $CALLS"
if [ "$rc" != 0 ] || [ "$ok" != "$CALLS" ] || [ "$fail" != 0 ]; then
  head -c 3000 err.log 2>/dev/null; tail -20 softphone.log; exit 1
fi
echo PASS
