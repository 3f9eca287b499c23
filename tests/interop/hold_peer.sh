#!/usr/bin/env bash
# Hold and resume (RFC 3264 §8.4) with a real peer: the softphone (alice,
# 1000 Hz) calls baresip or linphonec (bob, 600 Hz, auto-answer), talks,
# puts the call on hold (re-INVITE a=sendonly), waits, resumes (sendrecv),
# talks again and hangs up. Passes when:
#   - the softphone reports `on hold`, then `active` again;
#   - the peer answered the hold re-INVITE by stopping its RTP: fewer than
#     5 of its packets in the hold window (from 0.3 s after our hold
#     re-INVITE to our resume re-INVITE) against ~50 a second otherwise;
#   - after the resume both recordings pass the audio judge on their last
#     2 s (bob hears 1000 Hz, alice hears 600 Hz): audio came back both ways.
#   hold_peer.sh PEER     (baresip | linphone)
# Ports: softphone SIP 25241, baresip SIP 25244, linphone SIP 25247;
#        baresip RTP 21200-21298, linphone RTP 21300, softphone RTP 21400-21499.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 1 ] || { sed -n '2,15p' "$0"; exit 2; }
PEER=$1
need sox sox; need tshark tshark
SP=25241; BS_SIP=25244; LP_SIP=25247; BS_RTP=21200; LP_RTP=21300; SP_RTP=21400
case $PEER in
  baresip) need baresip baresip; PEER_SIP=$BS_SIP;;
  linphone) need linphonec linphone-cli; PEER_SIP=$LP_SIP;;
  *) echo "FAIL: peer must be baresip or linphone"; exit 2;;
esac
for p in $SP $PEER_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-hold.XXXX); cd "$W" || exit 2
echo "== softphone -> $PEER: hold and resume, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log bs/log lp/out; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

tshark -i lo -f "udp port $SP or udp port $PEER_SIP or udp portrange $BS_RTP-$((SP_RTP + 99))" \
  -w call.pcapng -q >tshark.out 2>&1 &
CAP=$!; PIDS+=($CAP)
wait_for tshark.out 'Capturing on' 10 || fail "tshark did not start capturing"

mkfifo sp.in
SP_ARGS=(--listen "127.0.0.1:$SP" --no-tcp --no-control --tone 1000 --record "$W/alice.wav"
         --codec pcmu --rtp-ports "$SP_RTP-$((SP_RTP + 99))")
echo "+ $SOFTPHONE ${SP_ARGS[*]}"
"$SOFTPHONE" "${SP_ARGS[@]}" <sp.in >softphone.log 2>&1 &
PIDS+=($!)
exec 3>sp.in; FDS+=(3)
wait_for softphone.log '^listening:' 10 || fail "softphone did not start"

sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 60 sine 600 vol 0.5
if [ "$PEER" = baresip ]; then
  mkdir -p bs/rec
  baresip_config bs "127.0.0.1:$BS_SIP" 127.0.0.1 "$BS_RTP" "$W/bob_tone.wav" "$W/bs/rec"
  echo "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=auto;audio_codecs=PCMU" > bs/accounts
  timeout -k 2 40 baresip -f "$W/bs" </dev/null >bs/log 2>&1 &
  PIDS+=($!)
  wait_port "$BS_SIP" 10 || fail "baresip did not start"
else
  mkdir -p lp/home/.local/share/linphone lp/rec
  {
    echo "[sip]"; echo "sip_port=$LP_SIP"; echo "sip_tcp_port=-1"; echo "sip_tls_port=-1"; echo "bind_address=127.0.0.1"
    echo "guess_hostname=0"; echo "use_ipv6=0"; echo "ipv6_migration_done=1"
    echo "register_only_when_network_is_up=0"; echo "register_only_when_upnp_is_ok=0"; echo "media_encryption=none"
    echo "[rtp]"; echo "audio_rtp_port=$LP_RTP"; echo "bind_address=127.0.0.1"
    i=0
    for c in opus/48000/2 speex/16000/1 speex/8000/1 PCMU/8000/1 PCMA/8000/1 GSM/8000/1 G722/8000/1; do
      echo "[audio_codec_$i]"; echo "mime=${c%%/*}"; r=${c#*/}; echo "rate=${r%%/*}"; echo "channels=${c##*/}"
      echo "enabled=$([ "$c" = PCMU/8000/1 ] && echo 1 || echo 0)"; i=$((i + 1))
    done
  } > lp/lp.rc
  mkfifo lp/in
  HOME="$W/lp/home" timeout -k 2 40 linphonec -c "$W/lp/lp.rc" -d 5 -l "$W/lp/lp.log" -a <lp/in >lp/out 2>&1 &
  PIDS+=($!)
  exec 4>lp/in; FDS+=(4)
  { echo "soundcard use files"; echo "play $W/bob_tone.wav"; echo "record $W/lp/rec/rx.wav"; } >&4
  wait_port "$LP_SIP" 10 && wait_for lp/out 'Using wav files' 10 || fail "linphonec did not start"
fi

echo "call sip:bob@127.0.0.1:$PEER_SIP" >&3
wait_for softphone.log '^event: media' 15 || fail "no media on the softphone"
sleep 2
echo "hold" >&3
wait_for softphone.log 'on hold' 5 || fail "the softphone did not report the hold"
sleep 2.5
echo "resume" >&3
wait_for softphone.log '^event: state call-1 active' 5 || fail "the softphone did not report the resume"
n_active=$(grep -c '^event: state call-1 active' softphone.log)
[ "$n_active" -ge 2 ] || fail "'active' was reported $n_active times, expected the answer and the resume"
sleep 3
echo "hangup" >&3
wait_for softphone.log '^event: ended' 10 || fail "the call did not end"
sleep 1
[ "$PEER" = linphone ] && echo "quit" >&4
echo "quit" >&3
sleep 1.5
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

# The hold window: our second INVITE (hold) to our third (resume), as seen
# leaving the softphone's SIP port.
read -r t_hold t_resume <<<"$(tshark -r call.pcapng -d "udp.port==$SP,sip" \
  -Y "udp.srcport==$SP && sip.Method==INVITE" -T fields -e frame.time_relative 2>/dev/null \
  | awk 'NR == 2 { h = $1 } NR == 3 { r = $1 } END { print h, r }')"
[ -n "$t_hold" ] && [ -n "$t_resume" ] || fail "no hold and resume re-INVITEs from the softphone in the capture"
grep -q 'a=sendonly' <(tshark -r call.pcapng -d "udp.port==$SP,sip" -Y "udp.srcport==$SP && sip.Method==INVITE" \
  -T fields -e sdp.media_attr 2>/dev/null | sed -n 2p | tr ',' '\n' | sed 's/^/a=/') \
  || fail "the hold re-INVITE does not offer a=sendonly"
lo=$([ "$PEER" = baresip ] && echo $BS_RTP || echo $LP_RTP); hi=$([ "$PEER" = baresip ] && echo $((BS_RTP + 98)) || echo $LP_RTP)
held=$(tshark -r call.pcapng -o rtp.heuristic_rtp:TRUE \
  -Y "rtp && udp.srcport>=$lo && udp.srcport<=$hi && frame.time_relative > $t_hold + 0.3 && frame.time_relative < $t_resume" \
  2>/dev/null | wc -l)
span=$(awk -v a="$t_hold" -v b="$t_resume" 'BEGIN { printf "%.2f", b - a - 0.3 }')
echo "hold window ${span} s (re-INVITEs at ${t_hold} s and ${t_resume} s): $held RTP packets from $PEER"
[ "$held" -lt 5 ] || fail "$PEER kept sending while held ($held packets in $span s)"

bob_rec=$([ "$PEER" = baresip ] && ls bs/rec/*-dec.wav 2>/dev/null | head -1 || echo lp/rec/rx.wav)
[ -s alice.wav ] && [ -n "$bob_rec" ] && [ -s "$bob_rec" ] || fail "a recording is missing"
last2() { # last2 IN OUT: the last 2 s of IN, ending 0.3 s before its end
  local d; d=$(soxi -D "$1") || return 1
  sox "$1" "$2" trim "$(awk -v d="$d" 'BEGIN { s = d - 2.3; if (s < 0) s = 0; printf "%.3f", s }')" 2
}
last2 alice.wav alice.after.wav || fail "cannot cut alice.wav"
last2 "$bob_rec" bob.after.wav || fail "cannot cut $bob_rec"
OK=1
judge_tone "softphone heard $PEER after resume" alice.after.wav 600 || OK=0
judge_tone "$PEER heard softphone after resume" bob.after.wav 1000 || OK=0
[ "$OK" = 1 ] || fail "audio did not come back after the resume"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
