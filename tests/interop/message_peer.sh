#!/usr/bin/env bash
# Instant messages (SIP MESSAGE, RFC 3428) both ways with linphonec, outside
# any call: the softphone (alice) sends `message sip:bob@… TEXT`, linphonec
# (bob) with `chat sip:alice@… TEXT`. Passes when:
#   - linphonec prints "Message received from …alice…: <our text>";
#   - the softphone prints `event: message from …bob…: <its text>`, UTF-8
#     intact;
#   - the capture shows each MESSAGE with a text/plain body answered 200
#     (the softphone's own, and linphonec's).
#   message_peer.sh
# Ports: softphone SIP 27521, linphone SIP 27524 (RTP 26960-26969, 26970: unused).
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
[ $# -eq 0 ] || { sed -n '2,10p' "$0"; exit 2; }
need tshark tshark; need linphonec linphone-cli
SP=27521; LP_SIP=27524; LP_RTP=26970
for p in $SP $LP_SIP; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-message.XXXX); cd "$W" || exit 2
echo "== softphone <-> linphonec: MESSAGE both ways, work dir $W"
FDS=()
finish() { for fd in "${FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done; cleanup; }
trap finish EXIT INT TERM
fail() {
  echo "FAIL: $*"
  for f in softphone.log lp/out; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

capture_lo sip.pcapng "udp port $SP or udp port $LP_SIP" || fail "tshark did not start capturing"

SP_ARGS=(--account "sip:alice@127.0.0.1:$SP" --no-register --listen "127.0.0.1:$SP" --no-tcp --no-control
         --rtp-ports 26960-26969)
start_softphone "${SP_ARGS[@]}" || fail "softphone did not start"

mkdir -p lp/home/.local/share/linphone
linphone_config lp/lp.rc "$LP_SIP" "$LP_RTP" default_proxy=0
# linphonec 5.1 drops the port of a chat's destination (its chat rooms are
# keyed by address without port) and would send to 5060: its outbound proxy,
# without registration, is the softphone itself, so the MESSAGE reaches it
# (Request-URI sip:alice@127.0.0.1, Route to us).
{ echo "[proxy_0]"; echo "reg_proxy=<sip:127.0.0.1:$SP;transport=udp>"; echo "reg_route=<sip:127.0.0.1:$SP;transport=udp;lr>"
  echo "reg_identity=sip:bob@127.0.0.1:$LP_SIP"; echo "reg_sendregister=0"; echo "reg_expires=60"; } >> lp/lp.rc
mkfifo lp/in
HOME="$W/lp/home" timeout -k 2 30 linphonec -c "$W/lp/lp.rc" -d 5 -l "$W/lp/lp.log" <lp/in >lp/out 2>&1 &
PIDS+=($!)
exec 4>lp/in; FDS+=(4)
wait_port "$LP_SIP" 10 || fail "linphonec did not start"
sleep 1

OURS="hello bob, from alice at openphone"
THEIRS="grüße alice, from bob, ça va"
echo "chat sip:alice@127.0.0.1:$SP $THEIRS" >&4
wait_for softphone.log "^event: message from .*bob.*: $THEIRS\$" 8 || fail "the softphone did not show linphonec's message"
grep -m1 '^event: message from' softphone.log
echo "message sip:bob@127.0.0.1:$LP_SIP $OURS" >&3
wait_for softphone.log '^message: sent to' 5 || fail "the softphone did not send the message"
wait_for lp/out "Message received from .*alice.*: $OURS" 8 || fail "linphonec did not show our message"
grep -m1 'Message received from' lp/out
sleep 1
echo "quit" >&4; echo "quit" >&3
sleep 1
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

DEC=(-d "udp.port==$SP,sip" -d "udp.port==$LP_SIP,sip")
msg() { # msg SRCPORT: MESSAGEs from SRCPORT with a text/plain body
  tshark -r sip.pcapng "${DEC[@]}" -Y "sip.Method==MESSAGE && udp.srcport==$1 && sip.Content-Type contains \"text/plain\"" 2>/dev/null | wc -l
}
ok200() { # ok200 SRCPORT: 200 responses to MESSAGE sent from SRCPORT
  tshark -r sip.pcapng "${DEC[@]}" -Y "sip.Status-Code==200 && sip.CSeq.method==MESSAGE && udp.srcport==$1" 2>/dev/null | wc -l
}
m_us=$(msg $SP); m_lp=$(msg $LP_SIP); ok_lp=$(ok200 $LP_SIP); ok_us=$(ok200 $SP)
echo "on the wire: MESSAGE text/plain ours $m_us (linphonec answered 200: $ok_lp), linphonec's $m_lp (we answered 200: $ok_us)"
[ "$m_us" -ge 1 ] && [ "$ok_lp" -ge 1 ] || fail "our MESSAGE was not answered 200"
[ "$m_lp" -ge 1 ] && [ "$ok_us" -ge 1 ] || fail "linphonec's MESSAGE was not answered 200"
[ "${KEEP:-0}" = 1 ] || { cd /; rm -rf "$W"; }
echo PASS
