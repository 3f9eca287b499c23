#!/usr/bin/env bash
# softphone calls SIPp's built-in UAS (`-sn uas`), talks 2 s and hangs up;
# passes when SIPp counts one successful call. Ports: softphone 25182, SIPp 15162.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
need sipp sip-tester
W=$(mktemp -d /tmp/op-sipp-uas.XXXX); cd "$W" || exit 2
timeout 40 sipp -sn uas -i 127.0.0.1 -p 15162 -mp 17162 -m 1 -nostdin -timeout 30s \
  -trace_stat -stf stat.csv >sipp.out 2>&1 &
SIPP=$!; PIDS+=($SIPP)
wait_port 15162 10 || { cat sipp.out; exit 1; }
mkfifo cmd
"$SOFTPHONE" --listen 127.0.0.1:25182 --no-tcp --tone 1000 <cmd >softphone.log 2>&1 &
PIDS+=($!)
exec 3>cmd
wait_for softphone.log '^listening' 10 || { cat softphone.log; exit 1; }
echo "call sip:service@127.0.0.1:15162" >&3
wait_for softphone.log '^event: media' 10 || { cat softphone.log; exit 1; }
sleep 2
echo "hangup" >&3
wait_for softphone.log '^event: ended' 10 || { cat softphone.log; exit 1; }
echo "quit" >&3
wait "$SIPP"; rc=$?
ok=$(tail -1 stat.csv | awk -F';' '{print $16}')
echo "softphone -> sipp uas: sipp rc=$rc successful=$ok"
cat softphone.log
[ "$rc" = 0 ] && [ "$ok" = 1 ] || exit 1
echo PASS
