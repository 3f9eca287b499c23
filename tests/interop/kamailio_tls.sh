#!/usr/bin/env bash
# SIP over TLS through Kamailio's tls module (kamailio-tls.cfg: registrar +
# record-routing proxy with digest auth). The test makes its own CA and
# certificates with the openssl CLI. Two softphones (built with the `tls`
# feature) register `sips:` accounts over TLS; bob also listens for TLS;
# alice calls sips:bob through the proxy, both send a tone and record; the
# audio judge checks each recording. tshark checks the wire: TLS on the TLS
# port, and not one SIP message in the clear on Kamailio's UDP/TCP port.
# Then the refusals, each a clear registration failure with nothing sent:
# a Kamailio socket whose certificate names another host, and a softphone
# that does not trust the test CA.
# Ports: kamailio 25270 (UDP/TCP), 25271 (TLS), 25272 (TLS, wrong name);
# softphones 25283 (alice), 25284 (bob; TLS 25287), 25288, 25289.
HERE="$(cd "$(dirname "$0")" && pwd)"; . "$HERE/common.sh"
need kamailio kamailio; need openssl openssl; need tshark tshark
[ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] || [ -n "$(find /usr/lib -name tls.so -path '*kamailio*' 2>/dev/null | head -1)" ] \
  || { echo "FAIL: Kamailio's tls module is missing (apt-get install kamailio-tls-modules; scripts/install-deps.sh does it)"; exit 2; }
KAM=25270; KTLS=25271; KWRONG=25272; ALICE=25283; BOB=25284; BOBTLS=25287; CAROL=25288; DAVE=25289
for p in $KAM $ALICE $BOB $CAROL $DAVE; do
  ss -Hlnu "sport = :$p" | grep -q . && { echo "FAIL: UDP port $p busy"; exit 2; }
done
for p in $KAM $KTLS $KWRONG $BOBTLS; do
  ss -Hlnt "sport = :$p" | grep -q . && { echo "FAIL: TCP port $p busy"; exit 2; }
done
W=$(mktemp -d /tmp/op-kam-tls.XXXX); cd "$W" || exit 2
mkdir -p kam
fail() { # fail MESSAGE: print the logs, keep the work dir, exit 1
  echo "FAIL: $*"
  for f in alice.log bob.log carol.log dave.log kam.log; do [ -s "$f" ] && { echo "---- $f (tail)"; tail -30 "$f"; }; done
  echo "(work dir kept: $W)"; exit 1
}

# ---- a test CA, and certificates for localhost / 127.0.0.1 and for another name
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=OpenPhone interop test CA" -keyout ca.key -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>openssl.log || fail "openssl could not make the CA"
leaf() { # leaf NAME SAN
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.csr" 2>>openssl.log &&
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' "$2" >"$1.ext" &&
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.crt" 2>>openssl.log
}
leaf kamailio "DNS:localhost,IP:127.0.0.1" || fail "openssl: kamailio certificate"
leaf wrong "DNS:wrong.example" || fail "openssl: wrong-name certificate"
leaf bob "DNS:localhost,IP:127.0.0.1" || fail "openssl: bob's certificate"

cat >tls.cfg <<CFG
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $W/kamailio.crt
private_key = $W/kamailio.key

[server:127.0.0.1:$KWRONG]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $W/wrong.crt
private_key = $W/wrong.key

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = $W/ca.pem
CFG

# Every SIP leg: the phones' UDP ports, Kamailio's UDP/TCP and TLS ports, bob's TLS listener.
tshark -i lo -f "port $KAM or port $KTLS or port $BOBTLS or port $ALICE or port $BOB" \
  -w wire.pcapng -q >tshark.out 2>&1 &
CAP=$!; PIDS+=($CAP)
wait_for tshark.out 'Capturing on' 10 || fail "tshark did not start capturing"

kamailio -f "$HERE/kamailio-tls.cfg" -DD -E -Y "$W/kam" -P "$W/kam/pid" \
  -A SIP_PORT=$KAM -A TLS_PORT=$KTLS -A TLS_WRONG_PORT=$KWRONG \
  -A "TLS_CFG=\"$W/tls.cfg\"" -A "CTL_SOCK=\"unix:$W/kam/ctl\"" >kam.log 2>&1 &
PIDS+=($!)
wait_port $KAM 10 || fail "kamailio did not start"
for ((i = 0; i < 50; i++)); do ss -Hlnt "sport = :$KTLS" | grep -q . && break; sleep 0.1; done
ss -Hlnt "sport = :$KTLS" | grep -q . || fail "kamailio is not listening for TLS on $KTLS"

# ---- bob: a sips: account, a TLS listener, auto-answer
mkfifo bob.cmd alice.cmd
"$SOFTPHONE" --no-control --account "sips:bob@localhost:$KTLS" --password secret \
  --listen "127.0.0.1:$BOB" --no-tcp --tls-ca ca.pem \
  --listen-tls "127.0.0.1:$BOBTLS" --tls-cert bob.crt --tls-key bob.key \
  --auto-answer --tone 600 --record "$W/bob.wav" --codec pcmu <bob.cmd >bob.log 2>&1 &
PIDS+=($!)
exec 4>bob.cmd
wait_for bob.log 'registration .*Registered' 10 || fail "bob did not register over TLS"

# ---- alice: a sips: account (no listener: responses come back on her connection)
"$SOFTPHONE" --no-control --account "sips:alice@localhost:$KTLS" --password secret \
  --listen "127.0.0.1:$ALICE" --no-tcp --tls-ca ca.pem \
  --tone 1000 --record "$W/alice.wav" --codec pcmu <alice.cmd >alice.log 2>&1 &
PIDS+=($!)
exec 3>alice.cmd
wait_for alice.log 'registration .*Registered' 10 || fail "alice did not register over TLS"

echo "call sips:bob@localhost:$KTLS" >&3
wait_for alice.log '^event: media' 20 || fail "no media at alice"
wait_for bob.log '^event: media' 5 || fail "no media at bob"
sleep 4
echo "hangup" >&3
wait_for alice.log '^event: ended' 10 || fail "the call did not end at alice"
wait_for bob.log '^event: ended' 10 || fail "the BYE did not reach bob"

# ---- refusals: the wrong name, and a CA the phone does not trust
"$SOFTPHONE" --no-control --account "sips:carol@localhost:$KWRONG" --password secret \
  --listen "127.0.0.1:$CAROL" --no-tcp --tls-ca ca.pem </dev/null >carol.log 2>&1 &
PIDS+=($!)
wait_for carol.log 'registration .*Failed' 15 || fail "carol: no registration failure for a certificate naming another host"
grep -qi 'security' carol.log && grep -q 'not valid for name' carol.log \
  || fail "carol: the failure does not say the certificate is for another name"
"$SOFTPHONE" --no-control --account "sips:dave@localhost:$KTLS" --password secret \
  --listen "127.0.0.1:$DAVE" --no-tcp </dev/null >dave.log 2>&1 &
PIDS+=($!)
wait_for dave.log 'registration .*Failed' 15 || fail "dave: no registration failure for an untrusted CA"
grep -qi 'security' dave.log && grep -qi 'UnknownIssuer' dave.log \
  || fail "dave: the failure does not say the issuer is unknown"
sleep 1
echo quit >&3; echo quit >&4
sleep 1
kill -INT "$CAP" 2>/dev/null; wait "$CAP" 2>/dev/null
grep -h '^event: \(registration\|ended\)' alice.log bob.log carol.log dave.log

# ---- the wire: TLS records on the TLS port, no SIP in the clear anywhere
n_tls=$(tshark -r wire.pcapng -Y "tcp.port == $KTLS && tls.record" 2>/dev/null | wc -l)
# Kamailio -> bob (INVITE, ACK, BYE) over TLS to bob's listener.
n_tls_bob=$(tshark -r wire.pcapng -Y "tcp.port == $BOBTLS && tls.record" 2>/dev/null | wc -l)
# Any frame carrying the bytes "SIP/2.0" is clear text, on either port.
n_clear=$(tshark -r wire.pcapng -Y 'frame contains "SIP/2.0"' 2>/dev/null | wc -l)
n_clear_kam=$(tshark -r wire.pcapng -Y "sip && (udp.port == $KAM || tcp.port == $KAM)" 2>/dev/null | wc -l)
echo "on the wire: $n_tls TLS records on $KTLS, $n_tls_bob on bob's $BOBTLS; frames with SIP in the clear: $n_clear, SIP on UDP/TCP $KAM: $n_clear_kam"
[ "$n_tls" -gt 10 ] || fail "too few TLS records on port $KTLS"
[ "$n_tls_bob" -gt 4 ] || fail "too few TLS records on bob's listener ($BOBTLS): $n_tls_bob"
[ "$n_clear" = 0 ] && [ "$n_clear_kam" = 0 ] || fail "SIP went over the wire in the clear"
grep -q 'not valid for name' carol.log && ! grep -q 'registration .*Registered' carol.log dave.log \
  || fail "a refused phone registered"

OK=1
judge_tone "alice heard bob over sips" alice.wav 600 || OK=0
judge_tone "bob heard alice over sips" bob.wav 1000 || OK=0
[ "$OK" = 1 ] || fail "a judgement failed"
cd / && rm -rf "$W"
echo PASS
