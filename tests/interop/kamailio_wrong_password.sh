#!/usr/bin/env bash
# A wrong password against Kamailio's digest challenge must end in a clear
# registration failure: no false "Registered", and no retry loop. Asserted on
# a capture: exactly two REGISTERs (the first, challenged; one answer to the
# challenge, rejected) and two 401s, then nothing more for HOLD seconds.
# Ports: kamailio 25171, softphone 25184.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
need kamailio kamailio; need tshark tshark
HOLD=${HOLD:-6}
KAM=25171; SP=25184
for p in $KAM $SP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-kam-pw.XXXX); cd "$W" || exit 2
mkdir -p kam
fail() { echo "FAIL: $*"; tail -20 softphone.log; tail -20 kam.log; echo "(work dir kept: $W)"; exit 1; }

tshark -i lo -f "udp port $KAM" -w reg.pcapng -q >tshark.out 2>&1 &
CAP=$!; PIDS+=($CAP)
wait_for tshark.out 'Capturing on' 10 || fail "tshark did not start capturing"
kamailio -f "$HERE/kamailio-auth.cfg" -DD -E -Y "$W/kam" -P "$W/kam/pid" \
  -A SIP_PORT=$KAM -A "CTL_SOCK=\"unix:$W/kam/ctl\"" >kam.log 2>&1 &
PIDS+=($!)
wait_port $KAM 10 || fail "kamailio did not start"
"$SOFTPHONE" --account sip:alice@127.0.0.1:$KAM --password wrong --listen 127.0.0.1:$SP --no-tcp \
  </dev/null >softphone.log 2>&1 &
PIDS+=($!)
wait_for softphone.log 'registration .*Failed' 15 || fail "no registration failure reported"
# A retry loop would show up here: watch the wire for HOLD more seconds.
sleep "$HOLD"
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null
cat softphone.log
grep -q 'registration .*Registered' softphone.log && fail "registered with a wrong password"
sip() { tshark -r reg.pcapng -d "udp.port==$KAM,sip" -Y "$1" 2>/dev/null | wc -l; }
regs=$(sip "sip.Method == \"REGISTER\" && udp.dstport == $KAM")
auth=$(sip "sip.Method == \"REGISTER\" && udp.dstport == $KAM && sip.Authorization")
n401=$(sip "sip.Status-Code == 401")
echo "on the wire: $regs REGISTER ($auth with credentials), $n401 401 responses, over the failure and $HOLD s after"
[ "$regs" = 2 ] && [ "$auth" = 1 ] && [ "$n401" = 2 ] || fail "want exactly 2 REGISTER (1 with credentials) and 2 401"
cd / && rm -rf "$W"
echo PASS
