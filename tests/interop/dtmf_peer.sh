#!/usr/bin/env bash
# DTMF both ways with linphonec, by one method on both sides:
#   rfc4733  RFC 4733 telephone-events in RTP (the softphone's account has
#            dtmf = "rfc4733"; linphonec use_rfc2833=1 use_info=0)
#   info     SIP INFO with application/dtmf-relay (dtmf = "out-of-band";
#            linphonec use_info=1 use_rfc2833=0)
# The softphone (alice, 1000 Hz) calls linphonec (bob, 600 Hz, auto-answer);
# after 3 s of audio the softphone sends 159#, then linphonec sends 2*70.
# Passes when:
#   - linphonec prints "Receiving tone D" for 1, 5, 9, # in that order;
#   - the softphone prints `event: dtmf call-1 D` for 2, *, 7, 0 in order;
#   - the capture shows the method asked for in both directions and not the
#     other one: telephone-events (rtpevent) from each side, no INFO; or an
#     INFO with application/dtmf-relay from each side, no rtpevent;
#   - the audio judge passes both recordings over 2 s before the digits.
#   dtmf_peer.sh rfc4733|info
# Ports: softphone SIP 27501, linphone SIP 27504; softphone RTP 26200-26299,
#        linphone RTP 26300 (+1). info: SIP +10, RTP +200, so both can run at once.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 1 ] || { sed -n '2,17p' "$0"; exit 2; }
METHOD=$1
need sox sox; need tshark tshark; need linphonec linphone-cli
case $METHOD in
  rfc4733) OFF=0; MODE=rfc4733; LP_SET=(use_rfc2833=1 use_info=0);;
  info) OFF=10; MODE=out-of-band; LP_SET=(use_rfc2833=0 use_info=1);;
  *) echo "FAIL: method must be rfc4733 or info"; exit 2;;
esac
SP=$((27501 + OFF)); LP_SIP=$((27504 + OFF)); SP_RTP=$((26200 + OFF * 20)); LP_RTP=$((26300 + OFF * 20))
for p in $SP $LP_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-dtmf.XXXX); cd "$W" || exit 2
echo "== softphone <-> linphonec: DTMF by $METHOD, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log lp/out; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

capture_lo call.pcapng "udp port $SP or udp port $LP_SIP or udp portrange $SP_RTP-$((SP_RTP + 99)) or udp portrange $LP_RTP-$((LP_RTP + 1))" || fail "tshark did not start capturing"

# The DTMF mode is an account setting: one account, not registered.
cat > alice.toml <<EOF
[[account]]
aor = "sip:alice@127.0.0.1:$SP"
register = false
dtmf = "$MODE"
EOF
SP_ARGS=(--config "$W/alice.toml" --listen "127.0.0.1:$SP" --no-tcp --no-control --tone 1000
         --record "$W/alice.wav" --codec pcmu --rtp-ports "$SP_RTP-$((SP_RTP + 99))")
start_softphone "${SP_ARGS[@]}" || fail "softphone did not start"

sox -n -r 8000 -c 1 -b 16 bob_tone.wav synth 60 sine 600 vol 0.5
mkdir -p lp/home/.local/share/linphone lp/rec
linphone_config lp/lp.rc "$LP_SIP" "$LP_RTP" "${LP_SET[@]}"
mkfifo lp/in
HOME="$W/lp/home" timeout -k 2 40 linphonec -c "$W/lp/lp.rc" -d 5 -l "$W/lp/lp.log" -a <lp/in >lp/out 2>&1 &
PIDS+=($!)
exec 4>lp/in; FDS+=(4)
{ echo "soundcard use files"; echo "play $W/bob_tone.wav"; echo "record $W/lp/rec/rx.wav"; } >&4
wait_port "$LP_SIP" 10 && wait_for lp/out 'Using wav files' 10 || fail "linphonec did not start"

echo "call sip:bob@127.0.0.1:$LP_SIP" >&3
wait_for softphone.log '^event: media' 15 || fail "no media on the softphone"
sleep 3
echo "dtmf 159#" >&3
wait_for lp/out 'Receiving tone #' 8 || fail "linphonec did not receive our digits"
got=$(grep -oE 'Receiving tone .' lp/out | cut -c16- | tr -d '\n')
[ "$got" = "159#" ] || fail "linphonec received '$got', not 159#"
echo "linphonec received: $got"
# linphonec sends a line of DTMF characters typed during a call as digits.
for d in 2 '*' 7 0; do echo "$d" >&4; sleep 0.4; done
wait_for softphone.log '^event: dtmf call-1 0 ' 8 || fail "the softphone did not report linphonec's digits"
ours=$(sed -nE 's/^event: dtmf call-1 (.) .*/\1/p' softphone.log | tr -d '\n')
[ "$ours" = "2*70" ] || fail "the softphone reported '$ours', not 2*70"
echo "softphone received: $ours"
sleep 1
echo "hangup" >&3
wait_for softphone.log '^event: ended' 10 || fail "the call did not end"
sleep 1
echo "quit" >&4; echo "quit" >&3
sleep 1.5
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

# The method on the wire, per direction.
DEC=(-d "udp.port==$SP,sip" -d "udp.port==$LP_SIP,sip" -o rtp.heuristic_rtp:TRUE)
count() { tshark -r call.pcapng "${DEC[@]}" -Y "$1" 2>/dev/null | wc -l; }
ev_us=$(count "rtpevent && udp.srcport>=$SP_RTP && udp.srcport<=$((SP_RTP + 99))")
ev_lp=$(count "rtpevent && udp.srcport==$LP_RTP")
info_us=$(count "sip.Method==INFO && udp.srcport==$SP && sip.Content-Type contains \"dtmf-relay\"")
info_lp=$(count "sip.Method==INFO && udp.srcport==$LP_SIP && sip.Content-Type contains \"dtmf-relay\"")
echo "on the wire: telephone-event packets ours $ev_us, linphonec's $ev_lp; dtmf-relay INFOs ours $info_us, linphonec's $info_lp"
if [ "$METHOD" = rfc4733 ]; then
  [ "$ev_us" -gt 0 ] && [ "$ev_lp" -gt 0 ] || fail "telephone-events missing in one direction"
  [ "$info_us" = 0 ] && [ "$info_lp" = 0 ] || fail "INFO sent although RFC 4733 was asked for"
else
  [ "$info_us" = 4 ] && [ "$info_lp" = 4 ] || fail "expected 4 dtmf-relay INFOs each way"
  [ "$ev_us" = 0 ] && [ "$ev_lp" = 0 ] || fail "telephone-events sent although INFO was asked for"
fi

OK=1
judge_window "softphone heard linphonec" alice.wav 600 0.5 2 || OK=0
judge_window "linphonec heard softphone" lp/rec/rx.wav 1000 0.5 2 || OK=0
[ "$OK" = 1 ] || fail "audio judge"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
