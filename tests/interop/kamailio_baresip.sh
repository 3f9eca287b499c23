#!/usr/bin/env bash
# Kamailio (registrar + record-routing proxy with digest auth, kamailio-auth.cfg)
# between our softphone (alice) and baresip (bob, auto-answer). Both register
# with a password; one calls the other through the proxy; each sends a tone
# (alice 1000 Hz, bob 600 Hz) and records what it hears. Passes when each
# recording's dominant frequency is the other side's tone.
#   kamailio_baresip.sh to-baresip|from-baresip [CODEC]
# Ports: kamailio 25170, softphone 25183, baresip 25186, RTP 20400-20498 (baresip).
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
DIR=${1:-to-baresip}; CODEC=${2:-pcmu}
need kamailio kamailio; need baresip baresip; need sox sox; need python3 python3
python3 -c 'import numpy' 2>/dev/null || { echo "FAIL: python3 numpy missing"; exit 2; }
case $CODEC in pcmu) BS=PCMU;; pcma) BS=PCMA;; gsm) BS=GSM;; g726-32) BS=G726-32;; *) echo "no baresip name for $CODEC"; exit 2;; esac
KAM=25170; SP=25183; BSP=25186
W=$(mktemp -d /tmp/op-kam-bs.XXXX); cd "$W" || exit 2
mkdir -p kam bs/rec

kamailio -f "$HERE/kamailio-auth.cfg" -DD -E -Y "$W/kam" -P "$W/kam/pid" \
  -A SIP_PORT=$KAM -A "CTL_SOCK=\"unix:$W/kam/ctl\"" >kam.log 2>&1 &
PIDS+=($!)
sleep 1

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
module			g726.so
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
wait_for softphone.log 'registration .*Registered' 10 || { cat softphone.log; tail -20 kam.log; exit 1; }

if [ "$DIR" = to-baresip ]; then
  timeout -k 2 40 baresip "${BS_ARGS[@]}" </dev/null >bs.log 2>&1 &
  PIDS+=($!)
  wait_for bs.log 'registered successfully|200 OK' 10 || { cat bs.log; exit 1; }
  echo "call sip:bob@127.0.0.1:$KAM" >&3
  wait_for softphone.log '^event: media' 15 || { cat softphone.log; cat bs.log; exit 1; }
  sleep 5
  echo "hangup" >&3
  wait_for softphone.log '^event: ended' 10 || { cat softphone.log; exit 1; }
else
  timeout -k 2 40 baresip "${BS_ARGS[@]}" </dev/null >bs.log 2>&1 &
  PIDS+=($!)
  wait_for softphone.log '^event: media' 20 || { cat softphone.log; cat bs.log; exit 1; }
  sleep 5
  echo "hangup" >&3
  wait_for softphone.log '^event: ended' 10 || { cat softphone.log; exit 1; }
fi
sleep 1
echo "quit" >&3
sleep 1

bob_rec=$(ls bs/rec/*-dec.wav 2>/dev/null | head -1)
[ -f alice.wav ] || { echo "alice recorded nothing"; cat softphone.log; exit 1; }
[ -n "$bob_rec" ] || { echo "baresip recorded nothing"; ls -R bs; cat bs.log; exit 1; }
a=$(dominant_hz alice.wav); b=$(dominant_hz "$bob_rec")
echo "$DIR $CODEC: alice (softphone) heard ${a} Hz (bob sent 600); bob (baresip) heard ${b} Hz (alice sent 1000)"
near "$a" 600 30 && near "$b" 1000 30 || { cat softphone.log; tail -30 bs.log; exit 1; }
echo PASS
