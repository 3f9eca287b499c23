#!/usr/bin/env bash
# Call waiting with two real phones. The softphone (alice, 1000 Hz) calls
# baresip (bob, 600 Hz, auto-answer); while they talk linphonec (carol,
# 800 Hz) calls alice. Passes when:
#   - the softphone reports `incoming call-2 … (waiting)` and sends 180
#     Ringing to linphonec (capture);
#   - `hold call-1` puts bob on hold (re-INVITE a=sendonly; `on hold`), then
#     `answer call-2` connects carol: the judge hears 800 Hz in the
#     softphone's second recording and 1000 Hz in linphonec's;
#   - alice hangs up carol, `resume call-1` makes call-1 active again and the
#     judge hears each side's tone over the last 2 s of call-1 (bob and
#     alice's first recording).
#   call_waiting.sh
# Ports: softphone SIP 27561, baresip SIP 27564, linphone SIP 27567;
#        softphone RTP 26540-26599, baresip RTP 26600-26690, linphone 26732.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 0 ] || { sed -n '2,15p' "$0"; exit 2; }
need sox sox; need tshark tshark; need baresip baresip; need linphonec linphone-cli
SP=27561; BS_SIP=27564; LP_SIP=27567; SP_RTP=26540; BS_RTP=26600; LP_RTP=26732
for p in $SP $BS_SIP $LP_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-waiting.XXXX); cd "$W" || exit 2
echo "== call waiting: softphone with baresip, linphonec calls in, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log bs/log lp/out; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

capture_lo sip.pcapng "udp port $SP or udp port $BS_SIP or udp port $LP_SIP" || fail "tshark did not start capturing"

SP_ARGS=(--account "sip:alice@127.0.0.1:$SP" --no-register --listen "127.0.0.1:$SP" --no-tcp --no-control
         --tone 1000 --record "$W/alice.wav" --codec pcmu --rtp-ports "$SP_RTP-$((SP_RTP + 59))")
start_softphone "${SP_ARGS[@]}" || fail "softphone did not start"

sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 60 sine 600 vol 0.5
sox -n -r 8000 -c 1 -b 16 carol_tone.wav synth 60 sine 800 vol 0.5
mkdir -p bs/rec
baresip_config bs "127.0.0.1:$BS_SIP" 127.0.0.1 "$BS_RTP" "$W/bob_tone.wav" "$W/bs/rec"
sed -i "s/^rtp_ports.*/rtp_ports\t\t$BS_RTP-$((BS_RTP + 90))/" bs/config
echo "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU" > bs/accounts
timeout -k 2 50 baresip -f "$W/bs" </dev/null >bs/log 2>&1 &
PIDS+=($!)
wait_port "$BS_SIP" 10 || fail "baresip did not start"

mkdir -p lp/home/.local/share/linphone lp/rec
linphone_config lp/lp.rc "$LP_SIP" "$LP_RTP"
mkfifo lp/in
HOME="$W/lp/home" timeout -k 2 50 linphonec -c "$W/lp/lp.rc" -d 5 -l "$W/lp/lp.log" <lp/in >lp/out 2>&1 &
PIDS+=($!)
exec 4>lp/in; FDS+=(4)
{ echo "soundcard use files"; echo "play $W/carol_tone.wav"; echo "record $W/lp/rec/rx.wav"; } >&4
wait_port "$LP_SIP" 10 && wait_for lp/out 'Using wav files' 10 || fail "linphonec did not start"

echo "call sip:bob@127.0.0.1:$BS_SIP" >&3
wait_for softphone.log '^event: media call-1' 15 || fail "no media with baresip"
sleep 2
echo "call sip:alice@127.0.0.1:$SP" >&4
wait_for softphone.log '^event: incoming call-2 .*\(waiting\)' 10 || fail "no waiting-call event"
grep '^event: incoming call-2' softphone.log
wait_for lp/out 'Call 1 to .* ringing' 5 || fail "linphonec did not hear ringing"
sleep 0.5
echo "hold call-1" >&3
wait_for softphone.log '^event: state call-1 .*on hold' 5 || fail "call-1 was not held"
echo "answer call-2" >&3
wait_for softphone.log '^event: media call-2' 10 || fail "no media with linphonec"
sleep 4
echo "hangup call-2" >&3
wait_for softphone.log '^event: ended call-2' 10 || fail "call-2 did not end"
echo "resume call-1" >&3
wait_for softphone.log '^event: state call-1 active' 5 || fail "call-1 was not resumed"
n_active=$(grep -c '^event: state call-1 active' softphone.log)
[ "$n_active" -ge 2 ] || fail "call-1 'active' reported $n_active times, expected the answer and the resume"
sleep 3
echo "hangup call-1" >&3
wait_for softphone.log '^event: ended call-1' 10 || fail "call-1 did not end"
sleep 1
echo "quit" >&4; echo "quit" >&3
sleep 1.5
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

ringing=$(tshark -r sip.pcapng -d "udp.port==$SP,sip" -Y "udp.srcport==$SP && udp.dstport==$LP_SIP && sip.Status-Code==180" 2>/dev/null | wc -l)
echo "180 Ringing from the softphone to linphonec: $ringing"
[ "$ringing" -ge 1 ] || fail "no 180 for the waiting call"
grep -q 'a=sendonly' <(tshark -r sip.pcapng -d "udp.port==$SP,sip" -Y "udp.srcport==$SP && udp.dstport==$BS_SIP && sip.Method==INVITE" \
  -T fields -e sdp.media_attr 2>/dev/null | sed -n 2p | tr ',' '\n' | sed 's/^/a=/') \
  || fail "the hold re-INVITE to baresip does not offer a=sendonly"

bob_rec=$(ls bs/rec/*-dec.wav 2>/dev/null | head -1)
[ -s alice.wav ] && [ -s alice-2.wav ] && [ -s lp/rec/rx.wav ] && [ -n "$bob_rec" ] || fail "a recording is missing"
last2() { # last2 IN OUT: the last 2 s of IN, ending 0.3 s before its end
  local d; d=$(soxi -D "$1") || return 1
  sox "$1" "$2" trim "$(awk -v d="$d" 'BEGIN { s = d - 2.3; if (s < 0) s = 0; printf "%.3f", s }')" 2
}
last2 alice-2.wav alice2.end.wav && last2 lp/rec/rx.wav carol.end.wav \
  && last2 alice.wav alice.end.wav && last2 "$bob_rec" bob.end.wav || fail "cannot cut the recordings"
OK=1
judge_tone "softphone heard linphonec (waiting call)" alice2.end.wav 800 || OK=0
judge_tone "linphonec heard softphone (waiting call)" carol.end.wav 1000 || OK=0
judge_tone "softphone heard baresip after resume" alice.end.wav 600 || OK=0
judge_tone "baresip heard softphone after resume" bob.end.wav 1000 || OK=0
[ "$OK" = 1 ] || fail "audio judge"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
