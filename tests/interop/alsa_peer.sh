#!/usr/bin/env bash
# Our softphone's ALSA devices in a real call with baresip, without a sound
# card: alsa-lib's `file` PCM plugin (over the `null` PCM) stands in for the
# card, as in ../shared/lab/alsa-null.sh. The softphone's microphone is
# `--capture alsa:op_mic`, whose samples come from a FIFO fed a 1000 Hz tone
# in real time (a pacer below); its speaker is `--playback alsa:op_spk`,
# which writes a WAV file. baresip sends a 600 Hz tone and records what it
# hears. Passes when the audio judge (common.sh) finds our 1000 Hz tone in
# baresip's recording and baresip's 600 Hz tone in the ALSA playback file,
# and each direction's RTP count fits the call's length.
#   alsa_peer.sh to-peer            softphone calls baresip
#   alsa_peer.sh from-peer-stall    baresip calls; the softphone rings on
#                                   --ringer alsa:op_ring, is answered after
#                                   1 s, and the microphone's FIFO stalls for
#                                   0.5 s mid-call (an xrun's worth of missing
#                                   audio): the call must go on, and the audio
#                                   after the stall is judged.
# env: TALK (seconds, default 6), KEEP (1: keep the work dir on success),
#      DEVICE_RATE (8000, 16000 or 48000: the ALSA devices' rate, default 8000;
#      the engine resamples to and from the codec's 8 kHz).
# Ports: softphone SIP 25211, baresip SIP 25214, baresip RTP 20800-20898.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 1 ] || { sed -n '2,22p' "$0"; exit 2; }
MODE=$1
case $MODE in to-peer|from-peer-stall) ;; *) echo "FAIL: mode is to-peer or from-peer-stall"; exit 2;; esac
TALK=${TALK:-6}
RATE=${DEVICE_RATE:-8000}
need sox sox; need baresip baresip; need tshark tshark; need python3 python3
[ -f /usr/share/alsa/alsa.conf ] || { echo "FAIL: /usr/share/alsa/alsa.conf missing (apt-get install libasound2-dev)"; exit 2; }
SP=25211; BS_SIP=25214; BS_RTP=20800
for p in $SP $BS_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-alsa-peer.XXXX); cd "$W" || exit 2
echo "== softphone (ALSA file/null PCMs) $MODE baresip, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log bs/log pacer.log; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -40 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

# ---------- the "sound card": alsa-lib file PCMs over null ----------
cat > asoundrc <<CFG
pcm.op_mic { type file; slave.pcm "null"; file "/dev/null"; infile "$W/mic.fifo"; format "raw" }
pcm.op_spk { type file; slave.pcm "null"; file "$W/spk.wav"; format "wav" }
pcm.op_ring { type file; slave.pcm "null"; file "$W/ring.wav"; format "wav" }
CFG
export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$W/asoundrc"
mkfifo mic.fifo
sox -n -r "$RATE" -c 1 -b 16 -e signed -t raw mic.s16 synth 60 sine 1000 vol 0.5
# The microphone's clock: 20 ms of the tone into the FIFO every 20 ms. A
# stall (SIGSTOP) loses that time, as a stopped card would, instead of
# catching up. The file plugin reads each 10 ms period from the FIFO.
cat > pacer.py <<'PY'
import os, sys, time
fifo, raw = sys.argv[1], open(sys.argv[2], "rb").read()
chunk = int(sys.argv[3]) * 2 // 50         # 20 ms of 16-bit mono
fd = os.open(fifo, os.O_WRONLY)          # waits for the softphone's capture
pos, t = 0, time.monotonic()
while True:
    if pos + chunk > len(raw): pos = 0
    try: os.write(fd, raw[pos:pos + chunk])
    except BrokenPipeError: break
    pos += chunk; t += 0.02
    d = t - time.monotonic()
    if d > 0: time.sleep(d)
    elif d < -0.1: t = time.monotonic()   # stalled: do not catch up
PY
python3 pacer.py mic.fifo mic.s16 "$RATE" >pacer.log 2>&1 &
PACER=$!; PIDS+=($PACER)

tshark -i lo -f "udp port $SP or udp port $BS_SIP or udp portrange $BS_RTP-$((BS_RTP + 98))" \
  -w call.pcapng -q >tshark.out 2>&1 &
CAP=$!; PIDS+=($CAP)
wait_for tshark.out 'Capturing on' 10 || fail "tshark did not start capturing"

# ---------- our softphone ----------
mkfifo sp.in
SP_ARGS=(--listen "127.0.0.1:$SP" --no-tcp --no-control --codec pcmu
         --capture alsa:op_mic --playback alsa:op_spk --ringer alsa:op_ring --device-rate "$RATE")
echo "+ ALSA_CONFIG_PATH=$ALSA_CONFIG_PATH RUST_LOG=openphone_hal=debug $SOFTPHONE ${SP_ARGS[*]}"
RUST_LOG=openphone_hal=debug "$SOFTPHONE" "${SP_ARGS[@]}" <sp.in >softphone.log 2>&1 &
PIDS+=($!)
exec 3>sp.in; FDS+=(3)
wait_for softphone.log '^listening:' 10 || fail "softphone did not start"

# ---------- baresip ----------
mkdir -p bs/rec
sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth $((TALK + 30)) sine 600 vol 0.5
cat > bs/config <<CFG
poll_method		poll
sip_listen		127.0.0.1:$BS_SIP
net_interface		127.0.0.1
audio_player		aufile,$W/bs/unused.wav
audio_source		aufile,$W/bob_tone.wav
audio_alert		aufile,$W/bs/unused-alert.wav
rtp_ports		$BS_RTP-$((BS_RTP + 98))
rtp_timeout		0
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			sndfile.so
module_tmp		uuid.so
module_tmp		account.so
module_app		menu.so
snd_path		$W/bs/rec
CFG
am=auto; [ "$MODE" = from-peer-stall ] && am=manual
echo "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=$am;audio_codecs=PCMU" > bs/accounts
BS_ARGS=(-f "$W/bs")
[ "$MODE" = from-peer-stall ] && BS_ARGS+=(-t $((TALK + 4)) -e "/dial sip:alice@127.0.0.1:$SP")
echo "+ baresip ${BS_ARGS[*]}"
timeout -k 2 $((TALK + 30)) baresip "${BS_ARGS[@]}" </dev/null >bs/log 2>&1 &
PIDS+=($!)
wait_port "$BS_SIP" 10 || fail "baresip did not start"

# ---------- the call ----------
if [ "$MODE" = to-peer ]; then
  echo "call sip:bob@127.0.0.1:$BS_SIP" >&3
  wait_for softphone.log '^event: media' 15 || fail "no media on the softphone"
  sleep "$TALK"
  echo "hangup" >&3
else
  wait_for softphone.log '^event: incoming' 15 || fail "baresip's call did not arrive"
  sleep 1.5   # ringing on op_ring
  echo "answer" >&3
  wait_for softphone.log '^event: media' 15 || fail "no media on the softphone"
  sleep 2
  echo "== stalling the microphone's FIFO for 0.5 s"
  kill -STOP "$PACER"; sleep 0.5; kill -CONT "$PACER"
fi   # from-peer: baresip hangs up when its -t time is up
wait_for softphone.log '^event: ended' $((TALK + 15)) || fail "the call did not end normally"
sleep 1
echo "quit" >&3
sleep 1.5
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

# ---------- results ----------
sed 's/\x1b\[[0-9;]*m//g' softphone.log | grep -E 'ALSA (capture|playback) has no clock|ALSA device (opened|closed)|SCHED_FIFO|real-time' | cut -d' ' -f3- | head -12
bob_rec=$(ls bs/rec/*-dec.wav 2>/dev/null | head -1)
[ -n "$bob_rec" ] && [ -s "$bob_rec" ] || fail "baresip recorded nothing"
[ -s spk.wav ] || fail "the ALSA playback file spk.wav is empty"
[ "$(soxi -r spk.wav)" = "$RATE" ] || fail "spk.wav is at $(soxi -r spk.wav) Hz, not $RATE"
echo "spk.wav: $(soxi -D spk.wav) s at $RATE Hz; baresip's recording: $(soxi -D "$bob_rec") s"
SECS=$(call_seconds call.pcapng "$SP") || fail "no 200 OK and BYE on port $SP in the capture"
TO_PEER="udp.dstport>=$BS_RTP && udp.dstport<=$((BS_RTP + 98))"; FROM_PEER="udp.srcport>=$BS_RTP && udp.srcport<=$((BS_RTP + 98))"
read -r pt_to n_to <<<"$(rtp_audio_count call.pcapng "$TO_PEER")"
read -r pt_from n_from <<<"$(rtp_audio_count call.pcapng "$FROM_PEER")"
OK=1
judge_packets "softphone->baresip PT$pt_to" "$n_to" "$SECS" || OK=0
judge_packets "baresip->softphone PT$pt_from" "$n_from" "$SECS" || OK=0
if [ "$MODE" = to-peer ]; then
  judge_tone "baresip heard the ALSA capture" "$bob_rec" 1000 || OK=0
  judge_tone "ALSA playback file (spk.wav) has baresip's tone" spk.wav 600 || OK=0
else
  # The stall starts ~2 s into the media; judge from 1 s after it ends.
  sox "$bob_rec" bob_after.wav trim 3.5 || fail "cannot trim $bob_rec"
  judge_tone "baresip heard the ALSA capture after the stall" bob_after.wav 1000 || OK=0
  judge_tone "ALSA playback file (spk.wav) has baresip's tone" spk.wav 600 || OK=0
  # What baresip heard before the stall is the tone too.
  sox "$bob_rec" bob_before.wav trim 0 1.8 || fail "cannot trim $bob_rec"
  judge_tone "baresip heard the ALSA capture before the stall" bob_before.wav 1000 || OK=0
  # The stall itself is in what baresip heard: one gap of about its length
  # (so the passes above are the recovery, not a stall that never happened).
  gap=$(judge_tone "stall" "$bob_rec" 1000 2>&1 | sed -nE 's/.*longest dropout ([0-9]+) ms \(1 gaps\).*/\1/p')
  echo "the stall: ${gap:-no single} gap of ${gap:-?} ms in baresip's recording"
  [ -n "$gap" ] && [ "$gap" -ge 300 ] && [ "$gap" -le 800 ] || { echo "FAIL: expected one 300-800 ms gap from the stall"; OK=0; }
  sed 's/\x1b\[[0-9;]*m//g' softphone.log > softphone.txt   # tracing's colours off
  grep -E 'ALSA device closed.*op_mic' softphone.txt | tail -1
  grep -qE 'ALSA device closed.*op_mic.*starved=[1-9]' softphone.txt \
    || { echo "FAIL: the capture's counters do not show the stall (starved frames)"; OK=0; }
  # The ringer: 440 + 480 Hz while the call rang (~1.5 s), then nothing.
  [ -s ring.wav ] || fail "the ringer wrote nothing to op_ring"
  rd=$(soxi -D ring.wav); rms=$(sox ring.wav -n stat 2>&1 | awk '/RMS +amplitude/{print $3}')
  echo "ring.wav: $rd s, RMS $rms"
  awk -v d="$rd" -v r="$rms" 'BEGIN { exit !(d >= 1.0 && d <= 4.0 && r > 0.2) }' \
    || { echo "FAIL: ring.wav should hold 1-4 s of ringing (the call rang ~1.5 s)"; OK=0; }
fi
[ "$OK" = 1 ] || fail "a judgement failed"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
