#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine (as root):
# C libraries for the codec FFI (speex, opus) and the ALSA driver (libasound),
# and the reference tools and real peers the tests compare against or call
# (SIPp, Kamailio, baresip, toast,
# spandsp, ffmpeg, sox, espeak-ng, PESQ, osmo-mgw), and libsrtp2 (the SRTP bench anchor). Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PKGS=(
  pkg-config
  sip-tester kamailio kamailio-tls-modules kamailio-presence-modules openssl baresip linphone-cli twinkle-console tshark osmo-mgw minimodem
  ffmpeg sox libsox-fmt-all espeak-ng speex opus-tools xxd
  libgsm-tools libgsm1-dev libspandsp-dev libspeex-dev libspeexdsp-dev libopus-dev
  libasound2-dev alsa-utils
  libsrtp2-dev
  # RFC 3263 tests: a real DNS server (NAPTR/SRV/A); STUN tests: a real STUN server.
  dnsmasq-base coturn
)

# tshark asks whether non-root users may capture; answer "no" up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
fi

if ! python3 -c 'import pesq, numpy' 2>/dev/null; then
  echo "install-deps: pip install numpy, then pesq (its build needs numpy)"
  pipi() { python3 -m pip install -q "$@" || python3 -m pip install -q --break-system-packages "$@"; }
  pipi numpy
  pipi pesq
fi
python3 -c 'import pesq, numpy' || { echo "install-deps: python pesq/numpy unavailable"; exit 1; }
# The H.323 reference peers (H323Plus callgen323, GnuGk) for the H.323 interop
# tests: built from the source tarballs in ../shared/lab/h323ref into
# /opt/h323ref (H323REF_PREFIX), outside the checkout; a stamp makes a re-run
# a 0 s skip (~7 min on 2 cores the first time).
H323REF_BUILD="$(cd "$(dirname "$0")/.." && pwd)/../shared/lab/h323ref/build.sh"
if [ "${OPENPHONE_H323REF_LATER:-0}" = 1 ]; then
  echo "install-deps: the H.323 reference build is left to the caller (scripts/test.sh runs it beside the Rust build)"
elif [ -f "$H323REF_BUILD" ]; then
  bash "$H323REF_BUILD"
else
  echo "install-deps: $H323REF_BUILD missing: the H.323 interop tests will fail"
fi
echo "install-deps: ok"
