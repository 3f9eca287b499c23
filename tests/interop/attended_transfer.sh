#!/usr/bin/env bash
# Attended transfer (REFER with Replaces, RFC 3891 + RFC 3515) with real
# phones on loopback.
#   transferor  the softphone (alice, 1000 Hz) calls twinkle-console (carol,
#               800 Hz, auto-answer: the transferee), holds it, calls
#               linphonec (bob, 600 Hz, auto-answer: the target), then
#               `atransfer call-1 call-2`. Passes when the softphone's REFER
#               to carol carries Refer-To …?Replaces=<call-2's dialog>,
#               carol's INVITE to bob carries a Replaces header, bob ends
#               call-2, carol's NOTIFY reports 200 and the softphone ends
#               call-1; and bob and carol talk: the judge hears 800 Hz in
#               linphonec's recording and 600 Hz in twinkle's (last 2 s).
#   target      linphonec (bob, the transferor) calls twinkle (carol,
#               auto-answer: the transferee), then the softphone (alice,
#               auto-answer: the target), and runs `transfer 1 --to-call 2`:
#               twinkle's INVITE with Replaces reaches the softphone, which
#               reports `replace: call-2 replaces call-1`, answers it and
#               ends call-1; the judge hears 800 Hz in the softphone's
#               second recording and 1000 Hz in twinkle's.
# Twinkle as the target of a replacing INVITE matches it ("End call due to
# Replaces header" in its log) but then neither answers nor ends the old
# call, even when told `answer`: it is only used as the transferee.
# Twinkle's speex preprocessor is off (see twinkle_peer.sh).
#   attended_transfer.sh transferor|target
# Ports: softphone SIP 27601, linphone 27604, twinkle 27607; softphone RTP
#        26972-26999, linphone 26944, twinkle 26950-26958; target: SIP +10
#        (run one at a time: the RTP ports are shared).
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 1 ] || { sed -n '2,24p' "$0"; exit 2; }
ROLE=$1
need sox sox; need tshark tshark; need linphonec linphone-cli; need twinkle-console twinkle-console; need python3 python3
case $ROLE in
  transferor) SP=27601; LP_SIP=27604; TW_SIP=27607;;
  target) SP=27611; LP_SIP=27614; TW_SIP=27617;;
  *) echo "FAIL: role must be transferor or target"; exit 2;;
esac
SP_RTP=26972; LP_RTP=26944; TW_RTP=26950
for p in $SP $LP_SIP $TW_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-atx.XXXX); cd "$W" || exit 2
echo "== attended transfer, softphone as $ROLE, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log lp/out tw/out; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

capture_lo sip.pcapng "udp port $SP or udp port $LP_SIP or udp port $TW_SIP" || fail "tshark did not start capturing"

SP_ARGS=(--account "sip:alice@127.0.0.1:$SP" --no-register --listen "127.0.0.1:$SP" --no-tcp --no-control
         --tone 1000 --record "$W/alice.wav" --codec pcmu --rtp-ports "$SP_RTP-$((SP_RTP + 27))")
[ "$ROLE" = target ] && SP_ARGS+=(--auto-answer)
start_softphone "${SP_ARGS[@]}" || fail "softphone did not start"

# linphonec (bob, 600 Hz)
sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 60 sine 600 vol 0.5
mkdir -p lp/home/.local/share/linphone lp/rec
linphone_config lp/lp.rc "$LP_SIP" "$LP_RTP"
mkfifo lp/in
LP_ARGS=(-c "$W/lp/lp.rc" -d 5 -l "$W/lp/lp.log")
[ "$ROLE" = transferor ] && LP_ARGS+=(-a)
HOME="$W/lp/home" timeout -k 2 50 linphonec "${LP_ARGS[@]}" <lp/in >lp/out 2>&1 &
PIDS+=($!)
exec 4>lp/in; FDS+=(4)
{ echo "soundcard use files"; echo "play $W/bob_tone.wav"; echo "record $W/lp/rec/rx.wav"; } >&4
wait_port "$LP_SIP" 10 && wait_for lp/out 'Using wav files' 10 || fail "linphonec did not start"

# twinkle (carol, 800 Hz), auto-answer, transfers allowed without asking
mkdir -p tw/home/.twinkle
mkfifo tw/mic.fifo tw/in
sox -n -r 8000 -c 1 -b 16 carol_tone.wav synth 60 sine 800 vol 0.5
cat > tw/home/.asoundrc <<EOF
pcm.op_mic { type file slave.pcm "null" file "/dev/null" infile "$W/tw/mic.fifo" format "raw" }
pcm.op_spk { type file slave.pcm "null" file "$W/tw/rx.wav" format "wav" }
EOF
cat > tw/home/.twinkle/twinkle.sys <<EOF
dev_ringtone=alsa:null
dev_speaker=alsa:op_spk
dev_mic=alsa:op_mic
validate_audio_dev=no
log_show_sip=yes
play_ringtone=no
play_ringback=no
sip_port=$TW_SIP
rtp_port=$TW_RTP
EOF
{
  echo "user_name=carol"; echo "user_domain=127.0.0.1"; echo "user_display=carol"
  echo "register_at_startup=no"; echo "codecs=g711u"; echo "ptime=20"; echo "sip_transport=udp"
  echo "pres_publish_startup=no"; echo "ext_replaces=yes"; echo "referee_hold=no"; echo "allow_refer=yes"; echo "ask_user_to_refer=no"
  echo "speex_dsp_vad=no"; echo "speex_dsp_agc=no"; echo "speex_dsp_nrd=no"; echo "speex_dsp_aec=no"
  # linphonec's Refer-To names the target without its port (sip:alice@127.0.0.1,
  # as in its chat rooms): twinkle's outbound proxy for new requests is the
  # softphone itself, so the replacing INVITE reaches it.
  [ "$ROLE" = target ] && { echo "outbound_proxy=127.0.0.1:$SP"; echo "all_requests_to_proxy=no"; }
} > tw/home/.twinkle/op.cfg
python3 "$HERE/pace_fifo.py" tw/mic.fifo carol_tone.wav 60 >tw/pacer.log 2>&1 &
PIDS+=($!)
HOME="$W/tw/home" timeout -k 2 50 twinkle-console op.cfg <tw/in >tw/out 2>&1 &
PIDS+=($!)
exec 5>tw/in; FDS+=(5)
wait_port "$TW_SIP" 15 || fail "twinkle-console did not start"
sleep 1
echo "auto_answer -a on" >&5

last2() { # last2 IN OUT: the last 2 s of IN, ending 0.3 s before its end
  local d; d=$(soxi -D "$1") || return 1
  sox "$1" "$2" trim "$(awk -v d="$d" 'BEGIN { s = d - 2.3; if (s < 0) s = 0; printf "%.3f", s }')" 2
}
DEC=(-d "udp.port==$SP,sip" -d "udp.port==$LP_SIP,sip" -d "udp.port==$TW_SIP,sip")
OK=1
if [ "$ROLE" = transferor ]; then
  echo "call sip:carol@127.0.0.1:$TW_SIP" >&3
  wait_for softphone.log '^event: media call-1' 15 || fail "no media with twinkle"
  sleep 1
  echo "hold call-1" >&3
  wait_for softphone.log '^event: state call-1 .*on hold' 5 || fail "call-1 was not held"
  echo "call sip:bob@127.0.0.1:$LP_SIP" >&3
  wait_for softphone.log '^event: media call-2' 15 || fail "no media with linphonec"
  sleep 1
  echo "atransfer call-1 call-2" >&3
  wait_for softphone.log '^event: transfer of call-1 succeeded' 10 || fail "the transfer did not succeed"
  wait_for softphone.log '^event: ended call-1' 10 || fail "call-1 did not end"
  wait_for softphone.log '^event: ended call-2' 10 || fail "call-2 did not end"
  grep -E '^event: (transfer|ended)' softphone.log
  sleep 4
  echo "terminate" >&4
  sleep 1
  echo "quit" >&4; echo "quit" >&5; echo "quit" >&3
  sleep 2
  kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null
  refer=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.srcport==$SP && sip.Method==REFER" -T fields -e sip.Refer-To 2>/dev/null | head -1)
  rep=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.srcport==$TW_SIP && udp.dstport==$LP_SIP && sip.Method==INVITE" -T fields -e sip.Replaces 2>/dev/null | head -1)
  frags=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.srcport==$TW_SIP && udp.dstport==$SP && sip.Method==NOTIFY" \
    -T fields -e sipfrag.line 2>/dev/null | grep -o 'SIP/2.0 [0-9]*' | tr '\n' ' ')
  echo "REFER Refer-To: $refer"; echo "twinkle's INVITE to linphonec, Replaces: $rep"; echo "NOTIFY sipfrags: $frags"
  case $refer in *"?Replaces="*) ;; *) fail "the REFER has no Replaces";; esac
  [ -n "$rep" ] || fail "twinkle's INVITE to linphonec has no Replaces header"
  case $frags in *"SIP/2.0 200"*) ;; *) fail "no NOTIFY with a 200 sipfrag";; esac
  [ -s lp/rec/rx.wav ] && [ -s tw/rx.wav ] || fail "a recording is missing"
  last2 lp/rec/rx.wav bob.end.wav && last2 tw/rx.wav carol.end.wav || fail "cannot cut the recordings"
  judge_tone "linphonec (target) heard twinkle (transferee)" bob.end.wav 800 || OK=0
  judge_tone "twinkle (transferee) heard linphonec (target)" carol.end.wav 600 || OK=0
else
  echo "call sip:carol@127.0.0.1:$TW_SIP" >&4
  wait_for lp/out 'Media streams established with sip:carol' 15 || fail "linphonec and twinkle did not connect"
  sleep 1
  echo "pause 1" >&4
  wait_for lp/out 'Call 1 .* (is now )?paused' 5 || fail "linphonec did not hold twinkle"
  echo "call sip:alice@127.0.0.1:$SP" >&4
  wait_for softphone.log '^event: media call-1' 15 || fail "no media with linphonec"
  sleep 1
  echo "transfer 1 --to-call 2" >&4
  wait_for softphone.log '^replace: call-2 replaces call-1' 10 || fail "no replacing call"
  wait_for softphone.log '^event: media call-2' 10 || fail "no media with twinkle"
  wait_for softphone.log '^event: ended call-1' 10 || fail "call-1 did not end"
  grep -E '^(replace|event: incoming|event: ended)' softphone.log
  sleep 4
  echo "hangup call-2" >&3
  wait_for softphone.log '^event: ended call-2' 10 || fail "call-2 did not end"
  sleep 1
  echo "quit" >&4; echo "quit" >&5; echo "quit" >&3
  sleep 2
  kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null
  rep=$(tshark -r sip.pcapng "${DEC[@]}" -Y "udp.srcport==$TW_SIP && udp.dstport==$SP && sip.Method==INVITE" -T fields -e sip.Replaces 2>/dev/null | head -1)
  echo "twinkle's INVITE to the softphone, Replaces: $rep"
  [ -n "$rep" ] || fail "twinkle's INVITE has no Replaces header"
  [ -s alice-2.wav ] && [ -s tw/rx.wav ] || fail "a recording is missing"
  last2 alice-2.wav alice.end.wav && last2 tw/rx.wav carol.end.wav || fail "cannot cut the recordings"
  judge_tone "softphone (target) heard twinkle (transferee)" alice.end.wav 800 || OK=0
  judge_tone "twinkle (transferee) heard softphone (target)" carol.end.wav 1000 || OK=0
fi
[ "$OK" = 1 ] || fail "audio judge"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
