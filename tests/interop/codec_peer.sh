#!/usr/bin/env bash
# A direct call (no proxy) between our softphone and baresip or linphonec with
# ONE codec on both sides. Our side (alice) sends a 1000 Hz tone, the peer (bob)
# sends a 600 Hz tone from a WAV file (at the rate its audio module needs);
# both record what they hear. Passes when the softphone negotiated the codec
# and each recording's dominant frequency is the other side's tone.
#   codec_peer.sh PEER CODEC DIRECTION
#     PEER       baresip | linphone
#     CODEC      pcmu pcma gsm g722 g726-32 opus (baresip);
#                pcmu pcma gsm g722 g726-32 aal2-g726-32 opus speex speex-wb (linphone)
#     DIRECTION  to-peer (softphone calls the peer) | from-peer (the peer calls
#                the softphone and hangs up)
# env: TALK (seconds of audio, default 5), CAPTURE (1: tshark on lo, default 1),
#      KEEP (1: keep the work dir on success).
# Neither peer has iLBC (Debian 12: baresip 1.0 ships no ilbc module, linphone
# 5.1 has no msilbc plugin), so `ilbc` fails here with that reason.
# G.726: baresip 1.0 and linphone 5.1 both send `G726-32` in AAL2 (left-justified)
# codeword order, not the RFC 3551 order, see INTEROP.md.
# Tones: 1000 Hz (ours) and 600 Hz (peer), except for Speex: libspeex in VBR
# mode (linphone asks for vbr=on) turns exactly these two pure tones into
# noise-like output (speexenc --vbr | speexdec: 600 -> 489 Hz, 1000 -> 1179 Hz,
# RMS -15 dB) while 400/800 Hz pass, so Speex uses 800 Hz (ours) / 400 Hz (peer).
# Ports: softphone SIP 25201, baresip SIP 25204, linphone SIP 25207;
#        baresip RTP 20600-20698, linphone RTP 20700 (+1 RTCP).
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 3 ] || { sed -n '2,20p' "$0"; exit 2; }
PEER=$1; CODEC=$2; DIR=$3
TALK=${TALK:-5}; CAPTURE=${CAPTURE:-1}
need sox sox; need python3 python3
python3 -c 'import numpy' 2>/dev/null || { echo "FAIL: python3 numpy missing (apt-get install python3-numpy)"; exit 2; }
case $DIR in to-peer|from-peer) ;; *) echo "FAIL: direction must be to-peer or from-peer"; exit 2;; esac
case $CODEC in speex*) TONE_US=800; TONE_PEER=400;; *) TONE_US=1000; TONE_PEER=600;; esac
SP=25201; BS_SIP=25204; LP_SIP=25207; BS_RTP=20600; LP_RTP=20700

# ---------- codec names: peer's, and what the softphone must report ----------
# EXPECT is "ENCODING/CLOCK" as printed in the softphone's `event: media` line.
case $CODEC in
  pcmu) EXPECT=PCMU/8000;; pcma) EXPECT=PCMA/8000;; gsm) EXPECT=GSM/8000;; g722) EXPECT=G722/8000;;
  g726-32) EXPECT=G726-32/8000;; aal2-g726-32) EXPECT=AAL2-G726-32/8000;;
  opus) EXPECT=opus/48000;; speex) EXPECT=speex/8000;; speex-wb) EXPECT=speex/16000;;
  ilbc) EXPECT=iLBC/8000;;
  *) echo "FAIL: unknown codec $CODEC"; exit 2;;
esac
bs_codec() { case $1 in pcmu) echo PCMU;; pcma) echo PCMA;; gsm) echo GSM;; g722) echo G722;; g726-32) echo G726-32;;
                        opus) echo opus/48000/2;; *) return 1;; esac; }
# baresip 1.0's aufile neither resamples nor remixes: the WAV must be at the
# codec's audio rate and channel count (G.722: 16 kHz, opus: 48 kHz stereo).
bs_wav() { case $1 in g722) echo "16000 1";; opus) echo "48000 2";; *) echo "8000 1";; esac; }
lp_codec() { case $1 in pcmu) echo PCMU/8000/1;; pcma) echo PCMA/8000/1;; gsm) echo GSM/8000/1;; g722) echo G722/8000/1;;
                        g726-32) echo G726-32/8000/1;; aal2-g726-32) echo AAL2-G726-32/8000/1;;
                        opus) echo opus/48000/2;; speex) echo speex/8000/1;; speex-wb) echo speex/16000/1;;
                        *) return 1;; esac; }
case $PEER in
  baresip) need baresip baresip; PEER_SIP=$BS_SIP
           bs_codec "$CODEC" >/dev/null || { echo "FAIL: baresip (Debian 1.0) has no $CODEC"; exit 2; } ;;
  linphone) need linphonec linphone-cli; PEER_SIP=$LP_SIP
           lp_codec "$CODEC" >/dev/null || { echo "FAIL: linphonec (Debian 5.1) has no $CODEC"; exit 2; } ;;
  *) echo "FAIL: peer must be baresip or linphone"; exit 2;;
esac
[ "$CAPTURE" = 1 ] && need tshark tshark
for p in $SP $PEER_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done

W=$(mktemp -d /tmp/op-codec-peer.XXXX); cd "$W" || exit 2
echo "== softphone $([ "$DIR" = to-peer ] && echo "->" || echo "<-") $PEER, codec $CODEC, work dir $W"
FDS=()
finish() { # close command pipes first so both UAs see EOF, then stop them
  for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done
  cleanup
}
trap finish EXIT INT TERM

tnr() { # tnr WAV HZ: tone-to-noise ratio in dB, power within 25 Hz of HZ vs the rest
  # (above 20 Hz) over the middle 60 % of the file. The dominant frequency alone
  # cannot reveal a G.726 codeword-order mismatch: the garbled output of a
  # periodic input stays periodic at the same pitch, only with a ~10 dB TNR
  # instead of 35-45 dB.
  python3 - "$1" "$2" <<'PY'
import sys, wave, numpy as np
w = wave.open(sys.argv[1]); ch = w.getnchannels(); rate = w.getframerate()
x = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2').astype(float)
if ch > 1: x = x.reshape(-1, ch).mean(axis=1)
x = x[len(x)//5: len(x)*4//5]
if len(x) < rate // 10: print("-99.0"); sys.exit()
p = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(len(x)))) ** 2
f = np.fft.rfftfreq(len(x), 1 / rate)
tone = np.abs(f - float(sys.argv[2])) <= 25
rest = p[(f > 20) & ~tone].sum()
print("%.1f" % (10 * np.log10(max(p[tone].sum(), 1e-9) / max(rest, 1e-9))))
PY
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a+0 >= b+0)}'; }
wait_port() { # wait_port UDPPORT SECONDS: until something listens there
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    ss -Hlnu "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  echo "timeout waiting for a listener on UDP $1"; return 1
}
fail() { # fail MESSAGE: print every log, then exit 1
  echo "FAIL: $*"
  for f in softphone.log bs/log lp/out lp/lp.log; do
    [ -s "$f" ] && { echo "---- $f (tail)"; tail -40 "$f"; }
  done
  [ -s rtp.txt ] && { echo "---- RTP"; cat rtp.txt; }
  echo "(work dir kept: $W)"
  exit 1
}

if [ "$CAPTURE" = 1 ]; then
  tshark -i lo -f "udp port $SP or udp port $PEER_SIP or udp portrange 20600-20701" \
    -w call.pcapng -q >tshark.out 2>&1 &
  CAP=$!; PIDS+=($CAP); sleep 2
fi

# ---------- our softphone (alice) ----------
mkfifo sp.in
SP_ARGS=(--listen "127.0.0.1:$SP" --no-tcp --tone $TONE_US --record "$W/alice.wav" --codec "$CODEC")
[ "$DIR" = from-peer ] && SP_ARGS+=(--auto-answer)
# G726_PACKING=aal2: the softphone's peer-quirk option (send and expect AAL2
# codeword order under the RFC 3551 names, as baresip and linphone do).
[ -n "${G726_PACKING:-}" ] && SP_ARGS+=(--g726-packing "$G726_PACKING")
echo "+ $SOFTPHONE ${SP_ARGS[*]}"
"$SOFTPHONE" "${SP_ARGS[@]}" <sp.in >softphone.log 2>&1 &
PIDS+=($!)
exec 3>sp.in; FDS+=(3)
wait_for softphone.log '^listening:' 10 || fail "softphone did not start"

# ---------- the peer (bob) ----------
PEER_LIMIT=$((TALK + 25))
start_baresip() {
  local rate ch am=auto
  read -r rate ch <<<"$(bs_wav "$CODEC")"
  mkdir -p bs/rec
  sox -n -r "$rate" -c "$ch" -b 16 bob_tone.wav synth $((TALK + 30)) sine $TONE_PEER vol 0.5
  cat > bs/config <<CFG
poll_method		poll
sip_listen		127.0.0.1:$BS_SIP
net_interface		127.0.0.1
audio_player		alsa,null
audio_source		aufile,$W/bob_tone.wav
audio_alert		alsa,null
rtp_ports		$BS_RTP-$((BS_RTP + 98))
rtp_timeout		0
module_path		/usr/lib/baresip/modules
module			g711.so
module			g722.so
module			gsm.so
module			g726.so
module			opus.so
module			aufile.so
module			alsa.so
module			sndfile.so
module_tmp		uuid.so
module_tmp		account.so
module_app		menu.so
snd_path		$W/bs/rec
CFG
  [ "$DIR" = from-peer ] && am=manual
  echo "<sip:bob@127.0.0.1:$BS_SIP>;regint=0;answermode=$am;audio_codecs=$(bs_codec "$CODEC")" > bs/accounts
  local args=(-f "$W/bs")
  # From the peer: baresip dials at start and hangs up when -t expires.
  [ "$DIR" = from-peer ] && args+=(-t $((TALK + 3)) -e "/dial sip:alice@127.0.0.1:$SP")
  echo "+ baresip ${args[*]}   # accounts: $(cat bs/accounts)"
  timeout -k 2 "$PEER_LIMIT" baresip "${args[@]}" </dev/null >bs/log 2>&1 &
  PIDS+=($!)
  wait_port "$BS_SIP" 10 || fail "baresip did not start"
}
start_linphone() {
  local want c i=0 r
  want=$(lp_codec "$CODEC")
  mkdir -p lp/home/.local/share/linphone lp/rec
  # linphonec's file player resamples, so one 8 kHz mono WAV serves every codec.
  sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth $((TALK + 30)) sine $TONE_PEER vol 0.5
  {
    echo "[sip]"; echo "sip_port=$LP_SIP"; echo "sip_tcp_port=-1"; echo "sip_tls_port=-1"; echo "bind_address=127.0.0.1"
    echo "guess_hostname=0"; echo "use_ipv6=0"; echo "ipv6_migration_done=1"
    echo "register_only_when_network_is_up=0"; echo "register_only_when_upnp_is_ok=0"; echo "media_encryption=none"
    echo "[rtp]"; echo "audio_rtp_port=$LP_RTP"; echo "bind_address=127.0.0.1"
    # Every codec liblinphone 5.1 knows (`codec list`), only the wanted one enabled.
    for c in opus/48000/2 speex/16000/1 speex/8000/1 speex/32000/1 PCMU/8000/1 PCMA/8000/1 GSM/8000/1 \
             G722/8000/1 G729/8000/1 G726-16/8000/1 G726-24/8000/1 G726-32/8000/1 G726-40/8000/1 \
             AAL2-G726-16/8000/1 AAL2-G726-24/8000/1 AAL2-G726-32/8000/1 AAL2-G726-40/8000/1 L16/44100/1 L16/44100/2; do
      echo "[audio_codec_$i]"; echo "mime=${c%%/*}"; r=${c#*/}; echo "rate=${r%%/*}"; echo "channels=${c##*/}"
      echo "enabled=$([ "$c" = "$want" ] && echo 1 || echo 0)"; i=$((i + 1))
    done
  } > lp/lp.rc
  mkfifo lp/in
  local args=(-c "$W/lp/lp.rc" -d 5 -l "$W/lp/lp.log")
  [ "$DIR" = to-peer ] && args+=(-a)
  echo "+ HOME=$W/lp/home linphonec ${args[*]}   # codec $want"
  HOME="$W/lp/home" timeout -k 2 "$PEER_LIMIT" linphonec "${args[@]}" <lp/in >lp/out 2>&1 &
  PIDS+=($!)
  exec 4>lp/in; FDS+=(4)
  { echo "soundcard use files"; echo "play $W/bob_tone.wav"; echo "record $W/lp/rec/rx.wav"; } >&4
  wait_port "$LP_SIP" 10 && wait_for lp/out 'Using wav files' 10 || fail "linphonec did not start"
}
start_$PEER

# ---------- the call ----------
if [ "$DIR" = to-peer ]; then
  echo "call sip:bob@127.0.0.1:$PEER_SIP" >&3
  wait_for softphone.log '^event: media' 15 || fail "no media on the softphone"
  sleep "$TALK"
  echo "hangup" >&3
  wait_for softphone.log '^event: ended' 10 || fail "the softphone's call did not end"
else
  [ "$PEER" = linphone ] && echo "call sip:alice@127.0.0.1:$SP" >&4
  wait_for softphone.log '^event: media' 15 || fail "no media on the softphone"
  if [ "$PEER" = linphone ]; then
    sleep "$TALK"; echo "terminate" >&4
  fi   # baresip hangs up itself when its -t time is up
  wait_for softphone.log '^event: ended' $((TALK + 15)) || fail "the peer's BYE did not end the softphone's call"
fi
sleep 1
[ "$PEER" = linphone ] && echo "quit" >&4
echo "quit" >&3
sleep 1.5
[ "$CAPTURE" = 1 ] && { kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null; }

# ---------- results ----------
grep -m1 '^event: media' softphone.log | sed 's/^/softphone: /'
lo=$([ "$PEER" = baresip ] && echo $BS_RTP || echo $LP_RTP); hi=$([ "$PEER" = baresip ] && echo $((BS_RTP + 98)) || echo $LP_RTP)
TO_PEER="udp.dstport>=$lo && udp.dstport<=$hi"; FROM_PEER="udp.srcport>=$lo && udp.srcport<=$hi"
rtp_pts() { # rtp_pts FILTER: "PTn xCOUNT ..." most frequent first
  tshark -r call.pcapng -o rtp.heuristic_rtp:TRUE -Y "rtp && $1" -T fields -e rtp.p_type 2>/dev/null \
    | grep . | sort | uniq -c | sort -rn | awk '{printf "PT%s x%s ", $2, $1}'
}
if [ "$CAPTURE" = 1 ]; then
  { echo "RTP softphone->$PEER: $(rtp_pts "$TO_PEER")"; echo "RTP $PEER->softphone: $(rtp_pts "$FROM_PEER")"; } | tee rtp.txt
fi
grep -qiE "^event: media [^ ]+ $EXPECT pt " softphone.log || fail "softphone did not negotiate $EXPECT"
case $PEER in
  baresip) bob_rec=$(ls bs/rec/*-dec.wav 2>/dev/null | head -1);;
  linphone) bob_rec=lp/rec/rx.wav;;
esac
[ -s alice.wav ] || fail "the softphone recorded nothing"
[ -n "$bob_rec" ] && [ -s "$bob_rec" ] || fail "$PEER recorded nothing"
a=$(dominant_hz alice.wav); b=$(dominant_hz "$bob_rec")
at=$(tnr alice.wav "$TONE_PEER"); bt=$(tnr "$bob_rec" "$TONE_US")
echo "RESULT $PEER $CODEC $DIR: softphone heard ${a} Hz, TNR ${at} dB (peer sent $TONE_PEER); $PEER heard ${b} Hz, TNR ${bt} dB (softphone sent $TONE_US)"
near "$a" "$TONE_PEER" 30 && near "$b" "$TONE_US" 30 || fail "tone mismatch"

# A tone through a working codec path stands 24-50 dB above the rest of the
# spectrum here (G.711 34-39, GSM 27-51, G.722 24-50, Speex NB 28-49); a broken
# path (wrong G.726 order ~10 dB, a corrupted decoder) falls well below 15 dB.
MIN_TNR=15
case $CODEC in *g726*)
  MIN_TNR=20
  # The codeword order on the wire, judged by ffmpeg's reference decoders:
  # g726le = RFC 3551 order (first codeword in the octet's low bits),
  # g726 = AAL2 / I.366.2 order (first codeword in the high bits).
  need ffmpeg ffmpeg
  [ "$CAPTURE" = 1 ] || { echo "FAIL: the G.726 check needs CAPTURE=1"; exit 2; }
  wire_order() { # wire_order FILTER HZ NAME: rfc3551 | aal2 | unknown
    local pt; pt=$(rtp_pts "$1" | sed -E 's/^PT([0-9]+).*/\1/')
    tshark -r call.pcapng -o rtp.heuristic_rtp:TRUE -Y "rtp && rtp.p_type==${pt:-255} && $1" -T fields -e rtp.payload \
      2>/dev/null | tr -d ':\n' | xxd -r -p > "$3.g726"
    ffmpeg -loglevel error -y -f g726le -code_size 4 -ar 8000 -ac 1 -i "$3.g726" "$3.rfc3551.wav" 2>/dev/null
    ffmpeg -loglevel error -y -f g726 -code_size 4 -ar 8000 -ac 1 -i "$3.g726" "$3.aal2.wav" 2>/dev/null
    local r1 r2; r1=$(tnr "$3.rfc3551.wav" "$2" 2>/dev/null || echo -99); r2=$(tnr "$3.aal2.wav" "$2" 2>/dev/null || echo -99)
    echo "   $3 stream ($(stat -c %s "$3.g726") octets, PT ${pt:-?}): TNR ${r1} dB as RFC 3551 order, ${r2} dB as AAL2 order" >&2
    if ge "$r1" 20 && ! ge "$r2" 20; then echo rfc3551; elif ge "$r2" 20 && ! ge "$r1" 20; then echo aal2; else echo unknown; fi
  }
  case $CODEC in aal2-*) name_order=aal2;; *) name_order=rfc3551;; esac
  want_ours=$name_order
  [ "${G726_PACKING:-}" = aal2 ] && want_ours=aal2
  ours=$(wire_order "$TO_PEER" "$TONE_US" softphone); theirs=$(wire_order "$FROM_PEER" "$TONE_PEER" "$PEER")
  echo "G.726 codeword order: $EXPECT means $name_order; softphone sends $ours (configured $want_ours); $PEER sends $theirs"
  [ "$ours" = "$want_ours" ] || fail "the softphone sends $EXPECT in $ours order, configured $want_ours"
  [ "$theirs" = unknown ] && fail "cannot tell $PEER's G.726 codeword order"
  if [ "$theirs" != "$want_ours" ]; then
    # A known deviation of the peer (INTEROP.md): each side decodes the other's
    # stream in the wrong order. Our side follows the RFC; say so, don't fail,
    # unless G726_STRICT=1 (for when the softphone gets a peer-quirk option).
    echo "PEER QUIRK: $PEER sends $EXPECT in $theirs order; audio is garbled both ways (TNR ${at} / ${bt} dB)"
    [ "${G726_STRICT:-0}" = 1 ] && fail "G726_STRICT=1 and $PEER deviates"
    MIN_TNR=-99
  fi;;
esac
ge "$at" "$MIN_TNR" && ge "$bt" "$MIN_TNR" || fail "tone too noisy (TNR below $MIN_TNR dB)"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
