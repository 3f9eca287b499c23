#!/usr/bin/env bash
# A call with baresip over another transport than UDP/IPv4: SIP over TCP on
# 127.0.0.1, or SIP and RTP over IPv6 on ::1. The softphone (alice, 1000 Hz)
# calls baresip (bob, 600 Hz, auto-answer), talks and hangs up. Passes when
# the capture shows the call's SIP on the asked transport (and none over
# UDP/IPv4 for tcp; only IPv6 for ipv6) and both recordings pass the audio
# judge.
#   transport_peer.sh tcp|ipv6
# Ports: softphone SIP 25251, baresip SIP 25254; baresip RTP 21500-21598,
#        softphone RTP 21600-21699.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 1 ] || { sed -n '2,10p' "$0"; exit 2; }
MODE=$1
need baresip baresip; need sox sox; need tshark tshark
SP=25251; BS_SIP=25254; BS_RTP=21500; SP_RTP=21600
case $MODE in
  tcp) HOST=127.0.0.1; SP_LISTEN="127.0.0.1:$SP"; TARGET="sip:bob@127.0.0.1:$BS_SIP;transport=tcp";;
  ipv6) HOST=::1; SP_LISTEN="[::1]:$SP"; TARGET="sip:bob@[::1]:$BS_SIP";;
  *) echo "FAIL: mode must be tcp or ipv6"; exit 2;;
esac
if [ "$MODE" = ipv6 ]; then
  ip -6 addr show dev lo | grep -q '::1' || { echo "FAIL: no ::1 on lo"; exit 2; }
fi
W=$(mktemp -d /tmp/op-transport.XXXX); cd "$W" || exit 2
echo "== softphone -> baresip over $MODE, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log bs/log; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

tshark -i lo -f "port $SP or port $BS_SIP or portrange $BS_RTP-$((SP_RTP + 99))" -w call.pcapng -q >tshark.out 2>&1 &
CAP=$!; PIDS+=($CAP)
wait_for tshark.out 'Capturing on' 10 || fail "tshark did not start capturing"

mkfifo sp.in
SP_ARGS=(--listen "$SP_LISTEN" --no-control --tone 1000 --record "$W/alice.wav" --codec pcmu
         --rtp-ports "$SP_RTP-$((SP_RTP + 99))")
[ "$MODE" = ipv6 ] && SP_ARGS+=(--rtp-ip ::1)
echo "+ $SOFTPHONE ${SP_ARGS[*]}"
"$SOFTPHONE" "${SP_ARGS[@]}" <sp.in >softphone.log 2>&1 &
PIDS+=($!)
exec 3>sp.in; FDS+=(3)
wait_for softphone.log '^listening:' 10 || fail "softphone did not start"

mkdir -p bs/rec
sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 30 sine 600 vol 0.5
BS_LISTEN=$([ "$MODE" = ipv6 ] && echo "[::1]:$BS_SIP" || echo "127.0.0.1:$BS_SIP")
baresip_config bs "$BS_LISTEN" "$HOST" "$BS_RTP" "$W/bob_tone.wav" "$W/bs/rec"
[ "$MODE" = ipv6 ] && printf 'net_prefer_ipv6\t\tyes\n' >> bs/config
BS_AOR=$([ "$MODE" = ipv6 ] && echo "sip:bob@[::1]:$BS_SIP" || echo "sip:bob@127.0.0.1:$BS_SIP")
echo "<$BS_AOR>;regint=0;answermode=auto;audio_codecs=PCMU" > bs/accounts
timeout -k 2 30 baresip -f "$W/bs" </dev/null >bs/log 2>&1 &
PIDS+=($!)
sleep 1.5
grep -q "baresip is ready" bs/log || fail "baresip did not start"

echo "call $TARGET" >&3
wait_for softphone.log '^event: media' 15 || fail "no media on the softphone"
sleep 4
echo "hangup" >&3
wait_for softphone.log '^event: ended' 10 || fail "the call did not end"
sleep 1
echo "quit" >&3
sleep 1.5
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

grep -m1 '^event: media' softphone.log
if [ "$MODE" = tcp ]; then
  on=$(tshark -r call.pcapng -d "tcp.port==$BS_SIP,sip" -Y "tcp && sip" 2>/dev/null | wc -l)
  off=$(tshark -r call.pcapng -d "udp.port==$BS_SIP,sip" -d "udp.port==$SP,sip" -Y "udp && sip" 2>/dev/null | wc -l)
  echo "SIP messages over TCP: $on, over UDP: $off"
  [ "$on" -ge 5 ] && [ "$off" -eq 0 ] || fail "the call's SIP did not all go over TCP"
else
  on=$(tshark -r call.pcapng -d "udp.port==$BS_SIP,sip" -d "udp.port==$SP,sip" -Y "ipv6 && sip" 2>/dev/null | wc -l)
  rtp6=$(tshark -r call.pcapng -o rtp.heuristic_rtp:TRUE -Y "ipv6 && rtp" 2>/dev/null | wc -l)
  v4=$(tshark -r call.pcapng -Y "ip" 2>/dev/null | wc -l)
  echo "over IPv6: $on SIP messages, $rtp6 RTP packets; IPv4 packets: $v4"
  [ "$on" -ge 5 ] && [ "$rtp6" -ge 200 ] && [ "$v4" -eq 0 ] || fail "the call did not run over IPv6 only"
fi
bob_rec=$(ls bs/rec/*-dec.wav 2>/dev/null | head -1)
[ -s alice.wav ] && [ -n "$bob_rec" ] && [ -s "$bob_rec" ] || fail "a recording is missing"
OK=1
judge_tone "softphone heard baresip over $MODE" alice.wav 600 || OK=0
judge_tone "baresip heard softphone over $MODE" "$bob_rec" 1000 || OK=0
[ "$OK" = 1 ] || fail "the audio judge failed a direction"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
