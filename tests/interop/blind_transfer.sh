#!/usr/bin/env bash
# Blind transfer (REFER, RFC 3515, progress in NOTIFY message/sipfrag) with
# three real parties on loopback.
#   transferor  the softphone (alice, 1000 Hz) calls baresip (bob, 600 Hz,
#               auto-answer) and sends `transfer sip:carol@…` (linphonec,
#               800 Hz, auto-answer). Passes when the softphone sent REFER
#               with that Refer-To and got 202, baresip's NOTIFYs carry a
#               sipfrag ending in 200, the softphone reports `transfer of
#               call-1 succeeded` and call-1 ends; and bob and carol talk:
#               the judge hears 800 Hz in baresip's second recording and
#               600 Hz in linphonec's.
#   transferee  linphonec (carol, 800 Hz) calls the softphone (alice,
#               auto-answer) and sends `transfer sip:bob@…` (baresip): the
#               softphone answers the REFER 202, reports `transfer requested
#               on call-1 to <sip:bob@…>` and NOTIFYs a sipfrag; the
#               application (this script, as the softphone's user would)
#               calls that target and hangs up call-1. Passes when the judge
#               hears 600 Hz in the softphone's second recording and 1000 Hz
#               in baresip's.
#   blind_transfer.sh transferor|transferee
# Ports: softphone SIP 27581, baresip SIP 27584, linphone SIP 27587;
#        softphone RTP 26900-26939, baresip RTP 26740-26790, linphone 26940;
#        transferee: SIP +10, softphone RTP 26310-26349, baresip 26350-26399,
#        linphone 26942 (both can run at once).
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 1 ] || { sed -n '2,24p' "$0"; exit 2; }
ROLE=$1
need sox sox; need tshark tshark; need baresip baresip; need linphonec linphone-cli
case $ROLE in
  transferor) SP=27581; BS_SIP=27584; LP_SIP=27587; SP_RTP=26900; BS_RTP=26740; LP_RTP=26940;;
  transferee) SP=27591; BS_SIP=27594; LP_SIP=27597; SP_RTP=26310; BS_RTP=26350; LP_RTP=26942;;
  *) echo "FAIL: role must be transferor or transferee"; exit 2;;
esac
for p in $SP $BS_SIP $LP_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-xfer.XXXX); cd "$W" || exit 2
echo "== blind transfer, softphone as $ROLE, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  [ -s softphone.log ] && { echo "---- softphone.log"; tail -30 softphone.log; }
  [ -s bs/log ] && { echo "---- bs/log (tail)"; tr '\r' '\n' <bs/log | grep -v '^\[0:' | tail -30; }
  [ -s lp/out ] && { echo "---- lp/out (tail)"; tail -30 lp/out; }
  echo "(work dir kept: $W)"; exit 1
}

capture_lo sip.pcapng "udp port $SP or udp port $BS_SIP or udp port $LP_SIP" || fail "tshark did not start capturing"

SP_ARGS=(--account "sip:alice@127.0.0.1:$SP" --no-register --listen "127.0.0.1:$SP" --no-tcp --no-control
         --tone 1000 --record "$W/alice.wav" --codec pcmu --rtp-ports "$SP_RTP-$((SP_RTP + 39))")
[ "$ROLE" = transferee ] && SP_ARGS+=(--auto-answer)
start_softphone "${SP_ARGS[@]}" || fail "softphone did not start"

sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 60 sine 600 vol 0.5
sox -n -r 8000 -c 1 -b 16 carol_tone.wav synth 60 sine 800 vol 0.5
mkdir -p bs/rec
baresip_config bs "127.0.0.1:$BS_SIP" 127.0.0.1 "$BS_RTP" "$W/bob_tone.wav" "$W/bs/rec"
sed -i "s/^rtp_ports.*/rtp_ports\t\t$BS_RTP-$((BS_RTP + 49))/" bs/config
echo "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU" > bs/accounts
timeout -k 2 50 baresip -f "$W/bs" </dev/null >bs/log 2>&1 &
PIDS+=($!)
wait_port "$BS_SIP" 10 || fail "baresip did not start"

mkdir -p lp/home/.local/share/linphone lp/rec
linphone_config lp/lp.rc "$LP_SIP" "$LP_RTP"
mkfifo lp/in
LP_ARGS=(-c "$W/lp/lp.rc" -d 5 -l "$W/lp/lp.log")
[ "$ROLE" = transferor ] && LP_ARGS+=(-a)
HOME="$W/lp/home" timeout -k 2 50 linphonec "${LP_ARGS[@]}" <lp/in >lp/out 2>&1 &
PIDS+=($!)
exec 4>lp/in; FDS+=(4)
{ echo "soundcard use files"; echo "play $W/carol_tone.wav"; echo "record $W/lp/rec/rx.wav"; } >&4
wait_port "$LP_SIP" 10 && wait_for lp/out 'Using wav files' 10 || fail "linphonec did not start"

last2() { # last2 IN OUT: the last 2 s of IN, ending 0.3 s before its end
  local d; d=$(soxi -D "$1") || return 1
  sox "$1" "$2" trim "$(awk -v d="$d" 'BEGIN { s = d - 2.3; if (s < 0) s = 0; printf "%.3f", s }')" 2
}
DEC=(-d "udp.port==$SP,sip" -d "udp.port==$BS_SIP,sip" -d "udp.port==$LP_SIP,sip")
OK=1
if [ "$ROLE" = transferor ]; then
  TARGET="sip:carol@127.0.0.1:$LP_SIP"
  echo "call sip:bob@127.0.0.1:$BS_SIP" >&3
  wait_for softphone.log '^event: media call-1' 15 || fail "no media with baresip"
  sleep 2
  echo "transfer $TARGET" >&3
  wait_for softphone.log '^event: transfer of call-1 succeeded' 10 || fail "the transfer did not succeed"
  wait_for softphone.log '^event: ended call-1' 10 || fail "call-1 did not end after the transfer"
  grep -E '^event: (transfer|ended)' softphone.log
  wait_for lp/out 'Media streams established' 10 || fail "baresip and linphonec did not connect"
  sleep 4
  echo "terminate" >&4
  wait_for lp/out 'ended' 5 || fail "linphonec did not end the call"
  sleep 1
  echo "quit" >&4; echo "quit" >&3
  sleep 1.5
  kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null
  refer=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.srcport==$SP && sip.Method==REFER" -T fields -e sip.Refer-To 2>/dev/null | head -1)
  acc=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.dstport==$SP && sip.Status-Code==202 && sip.CSeq.method==REFER" 2>/dev/null | wc -l)
  frags=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.srcport==$BS_SIP && udp.dstport==$SP && sip.Method==NOTIFY" \
    -T fields -e sipfrag.line 2>/dev/null | grep -o 'SIP/2.0 [0-9]*' | tr '\n' ' ')
  echo "REFER Refer-To: $refer; 202: $acc; NOTIFY sipfrags from baresip: $frags"
  case $refer in *carol@127.0.0.1:$LP_SIP*) ;; *) fail "no REFER to $TARGET from the softphone";; esac
  [ "$acc" -ge 1 ] || fail "baresip did not accept the REFER (202)"
  case $frags in *"SIP/2.0 200"*) ;; *) fail "no NOTIFY with a 200 sipfrag";; esac
  recs=(bs/rec/*-dec.wav)
  [ "${#recs[@]}" -ge 2 ] || fail "baresip recorded ${#recs[@]} calls, expected 2"
  last2 "${recs[-1]}" bob.end.wav && last2 lp/rec/rx.wav carol.end.wav || fail "cannot cut the recordings"
  judge_tone "baresip (transferee) heard linphonec (target)" bob.end.wav 800 || OK=0
  judge_tone "linphonec (target) heard baresip (transferee)" carol.end.wav 600 || OK=0
else
  TARGET="sip:bob@127.0.0.1:$BS_SIP"
  echo "call sip:alice@127.0.0.1:$SP" >&4
  wait_for softphone.log '^event: media call-1' 15 || fail "no media with linphonec"
  sleep 2
  echo "transfer $TARGET" >&4
  wait_for softphone.log '^event: transfer requested on call-1 to ' 10 || fail "the softphone did not report the REFER"
  req=$(sed -nE 's/^event: transfer requested on call-1 to <?([^>]*)>?$/\1/p' softphone.log | head -1)
  echo "transfer requested to $req"
  [ "$req" = "$TARGET" ] || fail "REFER target $req, expected $TARGET"
  echo "call $req" >&3
  wait_for softphone.log '^event: media call-2' 15 || fail "no media with the transfer target"
  echo "hangup call-1" >&3
  wait_for softphone.log '^event: ended call-1' 10 || fail "call-1 did not end"
  sleep 4
  echo "hangup call-2" >&3
  wait_for softphone.log '^event: ended call-2' 10 || fail "call-2 did not end"
  sleep 1
  echo "quit" >&4; echo "quit" >&3
  sleep 1.5
  kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null
  acc=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.srcport==$SP && sip.Status-Code==202 && sip.CSeq.method==REFER" 2>/dev/null | wc -l)
  frags=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.srcport==$SP && sip.Method==NOTIFY" \
    -T fields -e sipfrag.line 2>/dev/null | grep -o 'SIP/2.0 [0-9]*' | tr '\n' ' ')
  echo "202 to linphonec's REFER: $acc; our NOTIFY sipfrags: $frags"
  [ "$acc" -ge 1 ] || fail "the softphone did not answer the REFER 202"
  [ -n "$frags" ] || fail "the softphone sent no NOTIFY sipfrag"
  bob_rec=$(ls bs/rec/*-dec.wav 2>/dev/null | head -1)
  [ -s alice-2.wav ] && [ -n "$bob_rec" ] || fail "a recording is missing"
  last2 alice-2.wav alice.end.wav && last2 "$bob_rec" bob.end.wav || fail "cannot cut the recordings"
  judge_tone "softphone (transferee) heard baresip (target)" alice.end.wav 600 || OK=0
  judge_tone "baresip (target) heard softphone (transferee)" bob.end.wav 1000 || OK=0
fi
[ "$OK" = 1 ] || fail "audio judge"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
