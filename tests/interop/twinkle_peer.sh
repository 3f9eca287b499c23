#!/usr/bin/env bash
# A basic call with twinkle-console (Twinkle 1.10), either direction, PCMU.
# The softphone (alice) sends a 1000 Hz tone; twinkle (bob) sends 600 Hz from
# an ALSA `file` PCM fed in real time (tests/interop/pace_fifo.py) and plays
# what it hears into another (WAV). Twinkle runs its speex preprocessor on
# the microphone by default: with it a steady tone arrives ~20 dB low and
# stops after ~1.5 s (the lab README's "VAD quirk"); the profile turns off
# its VAD, AGC, noise reduction and echo canceller, and the tone then passes
# untouched. Passes when:
#   - the call is answered and ended cleanly (the softphone's events);
#   - the audio judge passes both recordings over the last 3 s of the call,
#     and each side's RTP packet count is within 5 % of the call's length
#     (ACK to BYE).
#   twinkle_peer.sh to-peer|from-peer
#     to-peer    the softphone calls twinkle (auto_answer) and hangs up
#     from-peer  twinkle calls the softphone (--auto-answer) and hangs up
# Ports: to-peer: softphone SIP 27541, twinkle SIP 27544, softphone RTP
#        26800-26849, twinkle RTP 26700-26709; from-peer: SIP +10, RTP +50
#        and +20 (both can run at once).
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 1 ] || { sed -n '2,18p' "$0"; exit 2; }
DIR=$1
need sox sox; need tshark tshark; need twinkle-console twinkle-console; need python3 python3
case $DIR in
  to-peer) SP=27541; TW_SIP=27544; SP_RTP=26800; TW_RTP=26700;;
  from-peer) SP=27551; TW_SIP=27554; SP_RTP=26850; TW_RTP=26720;;
  *) echo "FAIL: direction must be to-peer or from-peer"; exit 2;;
esac
TALK=${TALK:-5}
for p in $SP $TW_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-twinkle.XXXX); cd "$W" || exit 2
echo "== softphone $([ "$DIR" = to-peer ] && echo "->" || echo "<-") twinkle-console, PCMU, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log tw/out; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

capture_lo call.pcapng "udp port $SP or udp port $TW_SIP or udp portrange $SP_RTP-$((SP_RTP + 49)) or udp portrange $TW_RTP-$((TW_RTP + 9))" || fail "tshark did not start capturing"

SP_ARGS=(--account "sip:alice@127.0.0.1:$SP" --no-register --listen "127.0.0.1:$SP" --no-tcp --no-control
         --tone 1000 --record "$W/alice.wav" --codec pcmu --rtp-ports "$SP_RTP-$((SP_RTP + 49))")
[ "$DIR" = from-peer ] && SP_ARGS+=(--auto-answer)
start_softphone "${SP_ARGS[@]}" || fail "softphone did not start"

# ---------- twinkle (bob): ALSA file PCMs as microphone and speaker ----------
mkdir -p tw/home/.twinkle
mkfifo tw/mic.fifo tw/in
sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 60 sine 600 vol 0.5
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
  echo "user_name=bob"; echo "user_domain=127.0.0.1"; echo "user_display=bob"
  echo "register_at_startup=no"; echo "codecs=g711u"; echo "ptime=20"; echo "sip_transport=udp"
  echo "pres_publish_startup=no"
  # Twinkle's speex preprocessor (on by default) is for a microphone: its
  # noise reduction and AGC take ~20 dB off a steady tone and its VAD mutes
  # it; a phone fed a test signal runs without them.
  echo "speex_dsp_vad=no"; echo "speex_dsp_agc=no"; echo "speex_dsp_nrd=no"; echo "speex_dsp_aec=no"
} > tw/home/.twinkle/op.cfg
python3 "$HERE/pace_fifo.py" tw/mic.fifo bob_tone.wav $((TALK + 30)) >tw/pacer.log 2>&1 &
PIDS+=($!)
HOME="$W/tw/home" timeout -k 2 $((TALK + 30)) twinkle-console op.cfg <tw/in >tw/out 2>&1 &
PIDS+=($!)
exec 4>tw/in; FDS+=(4)
wait_port "$TW_SIP" 15 || fail "twinkle-console did not start"
sleep 1

if [ "$DIR" = to-peer ]; then
  echo "auto_answer -a on" >&4
  sleep 0.5
  echo "call sip:bob@127.0.0.1:$TW_SIP" >&3
else
  echo "call sip:alice@127.0.0.1:$SP" >&4
fi
wait_for softphone.log '^event: media' 15 || fail "no media on the softphone"
sleep "$TALK"
if [ "$DIR" = to-peer ]; then echo "hangup" >&3; else echo "bye" >&4; fi
wait_for softphone.log '^event: ended' 10 || fail "the call did not end"
grep '^event: ended' softphone.log
sleep 1
echo "quit" >&4; echo "quit" >&3
sleep 2
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

# The talk span runs from the ACK, not the 200 OK: as the caller twinkle
# acknowledges ~0.25 s after the 200 OK and both sides start sending then.
secs=$(tshark -r call.pcapng -d "udp.port==$SP,sip" -Y "udp.port==$SP && sip" \
  -T fields -e frame.time_relative -e sip.Method 2>/dev/null \
  | awk -F'\t' '$2 == "ACK" && ack == "" { ack = $1 } $2 == "BYE" && bye == "" { bye = $1 }
                END { if (ack == "" || bye == "") exit 1; printf "%.3f\n", bye - ack }') \
  || fail "no ACK and BYE in the capture"
read -r _ n_us <<<"$(rtp_audio_count call.pcapng "udp.srcport>=$SP_RTP && udp.srcport<=$((SP_RTP + 49))")"
read -r _ n_tw <<<"$(rtp_audio_count call.pcapng "udp.srcport>=$TW_RTP && udp.srcport<=$((TW_RTP + 9))")"
OK=1
judge_packets "softphone sent" "$n_us" "$secs" || OK=0
judge_packets "twinkle sent" "$n_tw" "$secs" || OK=0
[ -s tw/rx.wav ] && [ -s alice.wav ] || fail "a recording is missing"
last3() { # last3 IN OUT: the 3 s of IN ending 0.5 s before its end
  local d; d=$(soxi -D "$1" 2>/dev/null) || return 1
  sox "$1" "$2" trim "$(awk -v d="$d" 'BEGIN { s = d - 3.5; if (s < 0) s = 0; printf "%.3f", s }')" 3
}
last3 alice.wav alice.end.wav || fail "cannot cut alice.wav"
last3 tw/rx.wav bob.end.wav || fail "cannot cut twinkle's recording"
judge_tone "softphone heard twinkle" alice.end.wav 600 || OK=0
judge_tone "twinkle heard softphone" bob.end.wav 1000 || OK=0
[ "$OK" = 1 ] || fail "judge"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
