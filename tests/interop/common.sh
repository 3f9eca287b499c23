# Shared helpers for the interop scripts (sourced). Every script is bounded in
# time, uses loopback only, and kills only the processes it started.
set -u
PIDS=()
cleanup() {
  # A peer runs under `timeout`, which passes TERM on but dies of KILL
  # alone: its child (the peer) is signalled by PID too, or a peer slow to
  # stop (baresip) would outlive the script without its time limit.
  local all=() p
  for p in "${PIDS[@]}"; do all+=("$p" $(pgrep -P "$p" 2>/dev/null)); done
  for p in "${all[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${all[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT INT TERM

need() { # need CMD PACKAGE
  command -v "$1" >/dev/null || { echo "FAIL: $1 is missing (apt-get install $2; scripts/install-deps.sh does it)"; exit 2; }
}
: "${SOFTPHONE:?SOFTPHONE must point at the built softphone example}"
[ -x "$SOFTPHONE" ] || { echo "FAIL: softphone binary $SOFTPHONE missing (cargo build --example softphone)"; exit 2; }

wait_for() { # wait_for FILE REGEX SECONDS
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timeout waiting for /$2/ in $1"; return 1
}

capture_lo() { # capture_lo PCAP FILTER: tshark on lo until the script ends (CAP is its PID)
  tshark -i lo -f "$2" -w "$1" -q >tshark.out 2>&1 &
  CAP=$!; PIDS+=($CAP)
  wait_for tshark.out 'Capturing on' 10
}

start_softphone() { # start_softphone ARGS...: the softphone, stdin on fd 3 (FIFO sp.in), log softphone.log
  mkfifo sp.in
  echo "+ $SOFTPHONE $*"
  "$SOFTPHONE" "$@" <sp.in >softphone.log 2>&1 &
  PIDS+=($!)
  exec 3>sp.in; FDS+=(3)
  wait_for softphone.log '^listening:' 10
}

wait_port() { # wait_port UDPPORT SECONDS: until something listens there
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    ss -Hlnu "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  echo "timeout waiting for a listener on UDP $1"; return 1
}

# ---------- judging (one set of rules for every script) ----------
# The audio judge (examples/audio-judge.rs over openphone_hal::judge), built
# beside the softphone: frequency, tone-to-noise ratio >= 20 dB, level within
# 6 dB of what was sent, no dropout over 60 ms after the first 300 ms.
JUDGE="$(dirname "$SOFTPHONE")/audio-judge"
[ -x "$JUDGE" ] || { echo "FAIL: $JUDGE missing (cargo build --example audio-judge; cargo test builds it)"; exit 2; }
# Every tone the scripts send has amplitude 0.5: sox `vol 0.5` and the
# softphone's --tone. In AES17 dBFS (full-scale sine = 0 dBFS):
SENT_DBFS=-6.02

judge_tone() { # judge_tone LABEL WAV HZ [audio-judge options, e.g. --min-tnr DB]
  # The level expected is SENT_DBFS unless the options name another (a
  # documented peer quirk).
  local label=$1 wav=$2 hz=$3; shift 3
  local level=(--level-dbfs "$SENT_DBFS")
  case " $* " in *" --level-dbfs "*) level=();; esac
  "$JUDGE" tone --label "$label" --freq "$hz" "${level[@]}" "$@" "$wav"
}

judge_packets() { # judge_packets LABEL COUNT SECONDS [PTIME_MS]: within 5 % of SECONDS/PTIME
  "$JUDGE" packets --label "$1" --count "$2" --seconds "$3" --ptime-ms "${4:-20}"
}

# call_seconds PCAP SIPPORT: seconds from the first 200 OK to an INVITE to the
# first BYE, as seen on SIPPORT (the softphone's) in a capture: the span in
# which both sides send media.
call_seconds() {
  tshark -r "$1" -d "udp.port==$2,sip" -Y "udp.port==$2 && sip" \
    -T fields -e frame.time_relative -e sip.Method -e sip.Status-Code -e sip.CSeq.method 2>/dev/null \
    | awk -F'\t' '$3 == 200 && $4 == "INVITE" && ok == "" { ok = $1 }
                  $2 == "BYE" && bye == "" { bye = $1 }
                  END { if (ok == "" || bye == "") exit 1; printf "%.3f\n", bye - ok }'
}

# rtp_audio_count PCAP FILTER: packets of the most frequent RTP payload type
# matching FILTER (the audio codec; RFC 4733 events are rarer), as "PT COUNT".
rtp_audio_count() {
  tshark -r "$1" -o rtp.heuristic_rtp:TRUE -Y "rtp && $2" -T fields -e rtp.p_type 2>/dev/null \
    | grep . | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2, $1 } END { if (NR == 0) print "none 0" }'
}

# baresip_config DIR LISTEN NET RTP_LO SOURCE_WAV [REC_DIR [MODULE...]]: a
# headless baresip configuration in DIR/config: SIP on LISTEN (ip:port), its
# network NET (the address baresip binds), RTP on RTP_LO..RTP_LO+98, audio
# from SOURCE_WAV, G.711 and, with REC_DIR, what it hears recorded there
# (sndfile); extra MODULEs (e.g. srtp.so) are loaded too.
baresip_config() {
  local dir=$1 listen=$2 net=$3 rtp=$4 src=$5 rec=${6:-} m
  shift 5; [ $# -gt 0 ] && shift
  mkdir -p "$dir"
  {
    printf 'poll_method\t\tpoll\nsip_listen\t\t%s\nnet_interface\t\t%s\n' "$listen" "$net"
    printf 'audio_player\t\talsa,null\naudio_source\t\taufile,%s\naudio_alert\t\talsa,null\n' "$src"
    printf 'rtp_ports\t\t%s-%s\nrtp_timeout\t\t0\nmodule_path\t\t/usr/lib/baresip/modules\n' "$rtp" "$((rtp + 98))"
    printf 'module\t\t\tg711.so\nmodule\t\t\taufile.so\nmodule\t\t\talsa.so\n'
    [ -n "$rec" ] && printf 'module\t\t\tsndfile.so\nsnd_path\t\t%s\n' "$rec"
    for m in "$@"; do printf 'module\t\t\t%s\n' "$m"; done
    printf 'module_tmp\t\tuuid.so\nmodule_tmp\t\taccount.so\nmodule_app\t\tmenu.so\n'
  } > "$dir/config"
}

# linphone_config FILE SIP_PORT RTP_PORT [KEY=VALUE...]: a headless linphonec
# configuration (UDP only on 127.0.0.1, no registration, PCMU only); extra
# KEY=VALUE lines go into its [sip] section (e.g. use_info=1 use_rfc2833=0).
linphone_config() {
  local file=$1 sip=$2 rtp=$3 c i=0 r
  shift 3
  {
    echo "[sip]"; echo "sip_port=$sip"; echo "sip_tcp_port=-1"; echo "sip_tls_port=-1"; echo "bind_address=127.0.0.1"
    echo "guess_hostname=0"; echo "use_ipv6=0"; echo "ipv6_migration_done=1"
    echo "register_only_when_network_is_up=0"; echo "register_only_when_upnp_is_ok=0"; echo "media_encryption=none"
    for c in "$@"; do echo "$c"; done
    echo "[rtp]"; echo "audio_rtp_port=$rtp"; echo "bind_address=127.0.0.1"
    for c in opus/48000/2 speex/16000/1 speex/8000/1 PCMU/8000/1 PCMA/8000/1 GSM/8000/1 G722/8000/1; do
      echo "[audio_codec_$i]"; echo "mime=${c%%/*}"; r=${c#*/}; echo "rate=${r%%/*}"; echo "channels=${c##*/}"
      echo "enabled=$([ "$c" = PCMU/8000/1 ] && echo 1 || echo 0)"; i=$((i + 1))
    done
  } > "$file"
}

# judge_window LABEL WAV HZ START SECONDS [judge options]: the audio judge on
# SECONDS of WAV from START (a span in which only the tone flowed).
judge_window() {
  local label=$1 wav=$2 hz=$3 start=$4 len=$5 cut
  shift 5
  cut="${wav%.wav}.$start+$len.wav"
  sox "$wav" "$cut" trim "$start" "$len" || { echo "cannot cut $wav"; return 1; }
  judge_tone "$label" "$cut" "$hz" "$@"
}
