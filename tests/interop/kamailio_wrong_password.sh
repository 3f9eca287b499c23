#!/usr/bin/env bash
# A wrong password against Kamailio's digest challenge must end in a clear
# registration failure (no retry loop, no false "Registered").
# Ports: kamailio 25171, softphone 25184.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
need kamailio kamailio
W=$(mktemp -d /tmp/op-kam-pw.XXXX); cd "$W" || exit 2
mkdir -p kam
kamailio -f "$HERE/kamailio-auth.cfg" -DD -E -Y "$W/kam" -P "$W/kam/pid" \
  -A SIP_PORT=25171 -A "CTL_SOCK=\"unix:$W/kam/ctl\"" >kam.log 2>&1 &
PIDS+=($!)
sleep 1
"$SOFTPHONE" --account sip:alice@127.0.0.1:25171 --password wrong --listen 127.0.0.1:25184 --no-tcp \
  </dev/null >softphone.log 2>&1 &
PIDS+=($!)
wait_for softphone.log 'registration .*Failed' 15 || { cat softphone.log; exit 1; }
sleep 2
cat softphone.log
if grep -q 'registration .*Registered' softphone.log; then echo "registered with a wrong password?"; exit 1; fi
n=$(grep -c 'REGISTER' kam.log || true)
echo "PASS (kamailio log lines mentioning REGISTER: $n)"
