#!/usr/bin/env bash
# Kamailio (registrar + record-routing proxy with digest auth, kamailio-auth.cfg)
# between our softphone (alice) and baresip (bob, auto-answer). Both register
# with a password; one calls the other through the proxy; each sends a tone
# (alice 1000 Hz, bob 600 Hz, both -6 dBFS) and records what it hears; tshark
# captures the call. Passes when the audio judge (common.sh) passes each
# recording against the other side's tone and each direction's RTP packet
# count is within 5 % of the call's length (200 OK to BYE at the softphone).
#   kamailio_baresip.sh to-baresip|from-baresip [CODEC]
# Ports: kamailio 25170, softphone 25183, baresip 25186, RTP 20400-20498 (baresip).
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
DIR=${1:-to-baresip}; CODEC=${2:-pcmu}
need kamailio kamailio; need baresip baresip; need sox sox; need tshark tshark
case $DIR in to-baresip|from-baresip) ;; *) echo "FAIL: direction must be to-baresip or from-baresip"; exit 2;; esac
case $CODEC in pcmu) BS=PCMU;; pcma) BS=PCMA;; gsm) BS=GSM;; *) echo "FAIL: no baresip name for $CODEC"; exit 2;; esac
KAM=25170; SP=25183; BSP=25186
for p in $KAM $SP $BSP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-kam-bs.XXXX); cd "$W" || exit 2
mkdir -p kam bs/rec
fail() { # fail MESSAGE: print the logs, keep the work dir, exit 1
  echo "FAIL: $*"
  for f in softphone.log bs.log kam.log; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

tshark -i lo -f "udp port $KAM or udp port $SP or udp port $BSP or udp portrange 20400-20498" \
  -w call.pcapng -q >tshark.out 2>&1 &
CAP=$!; PIDS+=($CAP)
wait_for tshark.out 'Capturing on' 10 || fail "tshark did not start capturing"

kamailio -f "$HERE/kamailio-auth.cfg" -DD -E -Y "$W/kam" -P "$W/kam/pid" \
  -A SIP_PORT=$KAM -A "CTL_SOCK=\"unix:$W/kam/ctl\"" >kam.log 2>&1 &
PIDS+=($!)
wait_port $KAM 10 || fail "kamailio did not start"

sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 30 sine 600 vol 0.5
cat > bs/config <<CFG
poll_method		poll
sip_listen		127.0.0.1:$BSP
net_interface		127.0.0.1
audio_player		alsa,null
audio_source		aufile,$W/bob_tone.wav
audio_alert		alsa,null
rtp_ports		20400-20498
rtp_timeout		0
module_path		/usr/lib/baresip/modules
module			g711.so
module			gsm.so
module			aufile.so
module			alsa.so
module			sndfile.so
module_tmp		uuid.so
module_tmp		account.so
module_app		menu.so
snd_path		$W/bs/rec
CFG
echo "<sip:bob@127.0.0.1:$KAM>;auth_pass=secret;regint=60;answermode=auto;audio_codecs=$BS" > bs/accounts

BS_ARGS=(-f "$W/bs" -t 25)
[ "$DIR" = from-baresip ] && BS_ARGS+=(-e "/dial sip:alice@127.0.0.1:$KAM")

mkfifo cmd
SP_ARGS=(--account "sip:alice@127.0.0.1:$KAM" --password secret --listen "127.0.0.1:$SP" --no-tcp
         --tone 1000 --record "$W/alice.wav" --codec "$CODEC")
[ "$DIR" = from-baresip ] && SP_ARGS+=(--auto-answer)
"$SOFTPHONE" "${SP_ARGS[@]}" <cmd >softphone.log 2>&1 &
PIDS+=($!)
exec 3>cmd
wait_for softphone.log 'registration .*Registered' 10 || fail "the softphone did not register"

# baresip's own -t bounds its life. Not under `timeout`: on SIGTERM baresip
# un-registers first and, with kamailio gone, outlives a killed `timeout` by
# up to 25 s holding its port; cleanup must reach baresip's own PID.
baresip "${BS_ARGS[@]}" </dev/null >bs.log 2>&1 &
PIDS+=($!)
if [ "$DIR" = to-baresip ]; then
  wait_for bs.log 'registered successfully|200 OK' 10 || fail "baresip did not register"
  echo "call sip:bob@127.0.0.1:$KAM" >&3
fi
wait_for softphone.log '^event: media' 20 || fail "no media on the softphone"
sleep 5
echo "hangup" >&3
wait_for softphone.log '^event: ended' 10 || fail "the call did not end"
sleep 1
echo "quit" >&3
sleep 1
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

bob_rec=$(ls bs/rec/*-dec.wav 2>/dev/null | head -1)
[ -s alice.wav ] || fail "alice recorded nothing"
[ -n "$bob_rec" ] && [ -s "$bob_rec" ] || fail "baresip recorded nothing"

SECS=$(call_seconds call.pcapng "$SP") || fail "no 200 OK and BYE on port $SP in the capture"
read -r pt_to n_to <<<"$(rtp_audio_count call.pcapng "udp.dstport>=20400 && udp.dstport<=20498")"
read -r pt_from n_from <<<"$(rtp_audio_count call.pcapng "udp.srcport>=20400 && udp.srcport<=20498")"
OK=1
judge_packets "softphone->baresip PT$pt_to" "$n_to" "$SECS" || OK=0
judge_packets "baresip->softphone PT$pt_from" "$n_from" "$SECS" || OK=0
judge_tone "alice (softphone) heard bob ($CODEC $DIR)" alice.wav 600 || OK=0
judge_tone "bob (baresip) heard alice ($CODEC $DIR)" "$bob_rec" 1000 || OK=0
[ "$OK" = 1 ] || fail "a judgement failed"
cd / && rm -rf "$W"
echo PASS
