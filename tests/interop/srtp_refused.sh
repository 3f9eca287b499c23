#!/usr/bin/env bash
# The softphone requires SDES-SRTP (--media-encryption sdes
# --require-encryption) and baresip has no crypto at all. Passes when the
# call ends with the security cause on the softphone and the capture holds
# not one RTP packet from the softphone (no clear audio, not even the first
# packet).
#   srtp_refused.sh DIRECTION
#     to-peer    the softphone offers RTP/SAVP; baresip answers 488
#     from-peer  baresip offers plain RTP/AVP; the softphone refuses it (488)
# Ports: softphone SIP 25231, RTP 21100-21199; baresip SIP 25234, RTP 21000-21098.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 1 ] || { sed -n '2,10p' "$0"; exit 2; }
DIR=$1
case $DIR in to-peer|from-peer) ;; *) echo "FAIL: direction must be to-peer or from-peer"; exit 2;; esac
need baresip baresip; need tshark tshark; need sox sox
SP=25231; BS_SIP=25234; BS_RTP=21000; SP_RTP=21100
for p in $SP $BS_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-srtp-refused.XXXX); cd "$W" || exit 2
echo "== softphone (SRTP required) $([ "$DIR" = to-peer ] && echo "->" || echo "<-") baresip (no crypto), work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log bs/log; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

tshark -i lo -f "udp port $SP or udp port $BS_SIP or udp portrange $BS_RTP-$((SP_RTP + 99))" -w call.pcapng -q >tshark.out 2>&1 &
CAP=$!; PIDS+=($CAP)
wait_for tshark.out 'Capturing on' 10 || fail "tshark did not start capturing"

mkfifo sp.in
SP_ARGS=(--listen "127.0.0.1:$SP" --no-tcp --no-control --tone 1000 --codec pcmu
         --rtp-ports "$SP_RTP-$((SP_RTP + 99))" --media-encryption sdes --require-encryption)
[ "$DIR" = from-peer ] && SP_ARGS+=(--auto-answer)
echo "+ $SOFTPHONE ${SP_ARGS[*]}"
"$SOFTPHONE" "${SP_ARGS[@]}" <sp.in >softphone.log 2>&1 &
PIDS+=($!)
exec 3>sp.in; FDS+=(3)
wait_for softphone.log '^listening:' 10 || fail "softphone did not start"

mkdir -p bs/rec
sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 30 sine 600 vol 0.5
baresip_config bs "127.0.0.1:$BS_SIP" 127.0.0.1 "$BS_RTP" "$W/bob_tone.wav"
echo "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU" > bs/accounts
BS_ARGS=(-f "$W/bs" -t 12)
[ "$DIR" = from-peer ] && BS_ARGS+=(-e "/dial sip:alice@127.0.0.1:$SP")
echo "+ baresip ${BS_ARGS[*]}"
timeout -k 2 20 baresip "${BS_ARGS[@]}" </dev/null >bs/log 2>&1 &
PIDS+=($!)
wait_port "$BS_SIP" 10 || fail "baresip did not start"

[ "$DIR" = to-peer ] && echo "call sip:bob@127.0.0.1:$BS_SIP" >&3
wait_for softphone.log '^event: ended' 15 || fail "the call did not end"
sleep 2   # anything the softphone would still send arrives in the capture
echo "quit" >&3
sleep 1
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

ended=$(grep -m1 '^event: ended' softphone.log)
echo "softphone: $ended"
grep -q 'security failure' <<<"$ended" || fail "the call did not end with the security cause"
# Every packet from the softphone's RTP/RTCP ports: there must be none.
ours=$(tshark -r call.pcapng -Y "udp.srcport>=$SP_RTP && udp.srcport<=$((SP_RTP + 99))" 2>/dev/null | wc -l)
sip=$(tshark -r call.pcapng -Y "sip && udp.srcport==$SP" 2>/dev/null | wc -l)
echo "capture: $sip SIP packets from the softphone, $ours packets from its RTP ports"
[ "$sip" -ge 1 ] || fail "no SIP from the softphone in the capture (nothing was tested)"
[ "$ours" -eq 0 ] && echo PASS || fail "the softphone sent $ours media packets"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
