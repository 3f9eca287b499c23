#!/usr/bin/env bash
# Our MGCP call agent (the mgcp-agent example: a switchboard of two lines)
# and two softphones each running as one MGCP line (`softphone --mgcp`), all
# on loopback. Line 1001 goes off-hook and dials 1002 (digits collected by the
# agent's digit map); 1002 rings with caller-ID and answers; each line sends a
# tone (1001: 1000 Hz, 1002: 600 Hz, both -6 dBFS) and records what it hears;
# 1001 goes on-hook. tshark captures the MGCP and RTP. Passes when the audio
# judge (common.sh) passes each recording against the other line's tone, each
# direction's RTP packet count fits the call's length (5 %), the ring and
# ringback steps happened, and tshark's MGCP dissector finds no malformed frame.
#   mgcp_lines.sh
# Ports: agent 25327, lines 25427 and 25428, RTP 21000-21999 (the softphones').
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
need tshark tshark
AGENT="$(dirname "$SOFTPHONE")/mgcp-agent"
[ -x "$AGENT" ] || { echo "FAIL: $AGENT missing (cargo build --example mgcp-agent)"; exit 2; }
CA=25327; L1=25427; L2=25428
for p in $CA $L1 $L2; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-mgcp-lines.XXXX); cd "$W" || exit 2
fail() { # fail MESSAGE: print the logs, keep the work dir, exit 1
  echo "FAIL: $*"
  for f in agent.log l1.log l2.log; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -40 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

tshark -i lo -f "udp port $CA or udp port $L1 or udp port $L2 or udp portrange 21000-21999" \
  -w call.pcapng -q >tshark.out 2>&1 &
CAP=$!; PIDS+=($CAP)
wait_for tshark.out 'Capturing on' 10 || fail "tshark did not start capturing"

"$AGENT" --listen "127.0.0.1:$CA" --seconds 60 \
  --line "1001=aaln/1@[127.0.0.1],127.0.0.1:$L1,Alice" \
  --line "1002=aaln/2@[127.0.0.1],127.0.0.1:$L2,Bob" >agent.log 2>&1 &
PIDS+=($!)
wait_port $CA 10 || fail "the agent did not start"

line() { # line N ENDPOINT PORT TONE: a softphone as one MGCP line, stdin on fd 3+N
  mkfifo "cmd$1"
  "$SOFTPHONE" --mgcp --endpoint "$2" --listen "127.0.0.1:$3" --call-agent "127.0.0.1:$CA" \
    --rtp-ip 127.0.0.1 --rtp-ports 21000-21999 --codec pcmu --tone "$4" --record "$W/l$1.wav" \
    <"cmd$1" >"l$1.log" 2>&1 &
  PIDS+=($!)
}
line 1 aaln/1 $L1 1000; exec 4>cmd1
line 2 aaln/2 $L2 600; exec 5>cmd2
# Both lines restarted (RSIP) and the agent asked each for off-hook.
wait_for agent.log '1001.*(ready|idle|waiting)' 15 || fail "line 1001 did not come up at the agent"
wait_for agent.log '1002.*(ready|idle|waiting)' 15 || fail "line 1002 did not come up at the agent"

echo "call 1002" >&4
wait_for l2.log '^event: incoming' 15 || fail "1002 did not ring"
grep -qE 'Alice|1001' l2.log || fail "1002 rang without the caller-ID of 1001"
wait_for l1.log 'ringback' 10 || fail "1001 heard no ringback"
echo "answer" >&5
wait_for l1.log '^event: media' 15 || fail "no media on 1001"
wait_for l2.log '^event: media' 15 || fail "no media on 1002"
T0=$(date +%s.%N)
sleep 4
echo "onhook" >&4
wait_for l1.log '^event: ended' 10 || fail "1001's call did not end"
wait_for l2.log '^event: ended' 10 || fail "1002's call did not end"
T1=$(date +%s.%N)
sleep 1
echo "quit" >&4; echo "quit" >&5
sleep 1
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null

[ -s l1.wav ] || fail "1001 recorded nothing"
[ -s l2.wav ] || fail "1002 recorded nothing"
# RTP per direction, by the destination each line printed for its media
# (`event: media ... -> 127.0.0.1:PORT`).
port_of() { grep -m1 '^event: media' "$1" | grep -oE '127\.0\.0\.1:[0-9]+' | head -1 | cut -d: -f2; }
TO2=$(port_of l1.log); TO1=$(port_of l2.log)
[ -n "$TO1" ] && [ -n "$TO2" ] || fail "no media address in the softphones' logs"
read -r pt12 n12 <<<"$(rtp_audio_count call.pcapng "udp.dstport==$TO2")"
read -r pt21 n21 <<<"$(rtp_audio_count call.pcapng "udp.dstport==$TO1")"
# Each direction's span in the capture: the callee's connection is sendrecv
# from its CRCX, so its media starts while it rings; the count is judged
# against the span of its own packets (gaps are the audio judge's business).
span() { tshark -r call.pcapng -o rtp.heuristic_rtp:TRUE -Y "rtp && rtp.p_type==$2 && udp.dstport==$1" \
  -T fields -e frame.time_relative 2>/dev/null | awk 'NR==1{a=$1} {b=$1} END{printf "%.3f\n", b-a+0.02}'; }
S12=$(span "$TO2" "$pt12"); S21=$(span "$TO1" "$pt21")
echo "---- call steps"
grep -E '^event:' l1.log | sed 's/^/1001 /' | head -20
grep -E '^event:' l2.log | sed 's/^/1002 /' | head -20
grep -vE '^\s*$' agent.log | head -30
MALFORMED=$(tshark -r call.pcapng -d "udp.port==$CA,mgcp" -d "udp.port==$L1,mgcp" -d "udp.port==$L2,mgcp" \
  -Y "mgcp && (_ws.malformed || _ws.expert.severity >= error)" 2>/dev/null | wc -l)
FRAMES=$(tshark -r call.pcapng -d "udp.port==$CA,mgcp" -d "udp.port==$L1,mgcp" -d "udp.port==$L2,mgcp" \
  -Y mgcp 2>/dev/null | wc -l)
echo "tshark: $FRAMES MGCP frames, $MALFORMED malformed"
SECS=$(echo "$T1 - $T0" | bc)
OK=1
[ "$FRAMES" -ge 20 ] || { echo "too few MGCP frames"; OK=0; }
[ "$MALFORMED" = 0 ] || { echo "malformed MGCP frames"; OK=0; }
judge_packets "1001->1002 PT$pt12" "$n12" "$S12" || OK=0
judge_packets "1002->1001 PT$pt21" "$n21" "$S21" || OK=0
# Both directions flowed for the whole answered call.
awk -v a="$S12" -v b="$S21" -v c="$SECS" 'BEGIN { exit !(a >= c - 0.3 && b >= c - 0.3) }' \
  || { echo "RTP spans $S12 s / $S21 s shorter than the call ($SECS s)"; OK=0; }
judge_tone "1001 heard 1002" l1.wav 600 || OK=0
judge_tone "1002 heard 1001" l2.wav 1000 || OK=0
[ "$OK" = 1 ] || fail "a judgement failed"
cd / && rm -rf "$W"
echo PASS
