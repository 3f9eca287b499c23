#!/usr/bin/env bash
# SIP over TLS to a Kamailio whose tls module requires a client certificate
# signed by the test CA (kamailio-tls.cfg, server section with
# require_certificate). The test makes its CA and certificates with the
# openssl CLI. A softphone without a client certificate must fail to
# register with a security error; one given --tls-client-cert/--tls-client-key,
# and one given the same through the config file (tls_client_cert,
# tls_client_key), must register. Kamailio's log must show the verified
# client certificate, and a certificate from another CA must be refused too.
# Ports: kamailio 27070 (UDP/TCP), 27071 (TLS), 27072 (unused second TLS
# socket the cfg defines); softphones 27083-27086.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
need kamailio kamailio; need openssl openssl
[ -n "$(find /usr/lib -name tls.so -path '*kamailio*' 2>/dev/null | head -1)" ] \
  || { echo "FAIL: Kamailio's tls module is missing (apt-get install kamailio-tls-modules; scripts/install-deps.sh does it)"; exit 2; }
KAM=27070; KTLS=27071; KSPARE=27072; NOCERT=27083; CLICERT=27084; FILECERT=27085; OTHERCA=27086
for p in $KAM $NOCERT $CLICERT $FILECERT $OTHERCA; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
for p in $KAM $KTLS $KSPARE; do
  ss -Hlnt "sport = :$p" | grep -q . && { echo "FAIL: TCP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-kam-tls-cc.XXXX); cd "$W" || exit 2
mkdir -p kam
fail() { # fail MESSAGE: print the logs, keep the work dir, exit 1
  echo "FAIL: $*"
  for f in nocert.log clicert.log filecert.log otherca.log kam.log; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

# ---- two CAs (the trusted one, and another), Kamailio's and the phones' certificates
ca() { # ca NAME
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=OpenPhone interop $1" -keyout "$1.key" -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>>openssl.log
}
leaf() { # leaf NAME SAN CA
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.csr" 2>>openssl.log &&
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' "$2" >"$1.ext" &&
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.crt" 2>>openssl.log
}
ca ca && ca otherca || fail "openssl could not make the CAs"
leaf kamailio "DNS:localhost,IP:127.0.0.1" ca || fail "openssl: kamailio certificate"
leaf phone "DNS:phone.example" ca || fail "openssl: the phone's client certificate"
leaf stranger "DNS:stranger.example" otherca || fail "openssl: the other CA's client certificate"

cat >tls.cfg <<CFG
[server:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = $W/ca.pem
certificate = $W/kamailio.crt
private_key = $W/kamailio.key

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = $W/ca.pem
CFG

kamailio -f "$HERE/kamailio-tls.cfg" -DD -E -Y "$W/kam" -P "$W/kam/pid" \
  -A SIP_PORT=$KAM -A TLS_PORT=$KTLS -A TLS_WRONG_PORT=$KSPARE \
  -A "TLS_CFG=\"$W/tls.cfg\"" -A "CTL_SOCK=\"unix:$W/kam/ctl\"" >kam.log 2>&1 &
PIDS+=($!)
wait_port $KAM 10 || fail "kamailio did not start"
for ((i = 0; i < 50; i++)); do ss -Hlnt "sport = :$KTLS" | grep -q . && break; sleep 0.1; done
ss -Hlnt "sport = :$KTLS" | grep -q . || fail "kamailio is not listening for TLS on $KTLS"

phone() { # phone NAME PORT [options]: a sips: account registering through Kamailio's TLS socket
  local name=$1 port=$2; shift 2
  "$SOFTPHONE" --no-control --account "sips:$name@localhost:$KTLS" --password secret \
    --listen "127.0.0.1:$port" --no-tcp --tls-ca ca.pem --rtp-ports 23500-23599 "$@" \
    </dev/null >"$name.log" 2>&1 &
  PIDS+=($!)
}

# ---- the options are checked before the phone starts
"$SOFTPHONE" --account "sips:x@localhost:$KTLS" --tls-client-cert phone.crt </dev/null >halfpair.log 2>&1 \
  && fail "--tls-client-cert without --tls-client-key was accepted"
grep -q -- '--tls-client-key' halfpair.log || fail "the missing --tls-client-key is not named"
"$SOFTPHONE" --no-control --account "sips:x@localhost:$KTLS" --listen "127.0.0.1:$OTHERCA" \
  --tls-client-cert phone.key --tls-client-key phone.key </dev/null >badpem.log 2>&1 \
  && fail "a key given as the certificate was accepted"
grep -q 'no PEM' badpem.log || fail "the wrong certificate file is not explained"

# ---- without a client certificate: refused, and the failure says security
phone nocert $NOCERT
wait_for nocert.log 'registration .*Failed' 15 || fail "nocert: no registration failure without a client certificate"
grep -qi 'security' nocert.log || fail "nocert: the failure is not a security error"
grep -q 'registration .*Registered' nocert.log && fail "nocert registered without a client certificate"

# ---- with it, on the command line and in the config file: registered
phone clicert $CLICERT --tls-client-cert phone.crt --tls-client-key phone.key
printf 'tls_client_cert = "%s"\ntls_client_key = "%s"\n' "$W/phone.crt" "$W/phone.key" >filecert.toml
phone filecert $FILECERT --config filecert.toml
wait_for clicert.log 'registration .*Registered' 15 || fail "clicert did not register with its client certificate"
wait_for filecert.log 'registration .*Registered' 15 || fail "filecert did not register with the config file's client certificate"

# ---- a certificate the server's CA did not sign: refused as well
phone otherca $OTHERCA --tls-client-cert stranger.crt --tls-client-key stranger.key
wait_for otherca.log 'registration .*Failed' 15 || fail "otherca: a certificate from another CA was accepted"
grep -qi 'security' otherca.log || fail "otherca: the failure is not a security error"
sleep 1
grep -h '^event: registration' nocert.log clicert.log filecert.log otherca.log
grep -h 'security' nocert.log otherca.log | head -4
grep -q 'registration .*Registered' otherca.log && fail "otherca registered"
cd / && rm -rf "$W"
echo PASS
