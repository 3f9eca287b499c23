#!/usr/bin/env bash
# Regenerates fuzz/seeds/<target>/: a few valid inputs per fuzz target in the
# target's own input format, so a replay (and a campaign's start) reaches
# past the first length and signature checks. Deterministic; needs python3,
# sox, ffmpeg, toast (libgsm-tools) and the `codec` example (opus, speex):
#   bash fuzz/seeds/make-seeds.sh [path/to/codec-example]
# The iLBC seeds are frames of the RFC 3951 test vectors in ../shared/corpora.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"; ROOT="$(cd "$HERE/../.." && pwd)"
CODEC=${1:-}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$HERE"

# ---- SIP text (CRLF line ends) ----
crlf() { sed 's/$/\r/'; }
mkdir -p sip_message sip_view sip_core sip_stream sip_uri sdp_parse
SDP=$'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 97 101\r\na=rtpmap:97 iLBC/8000\r\na=fmtp:97 mode=20\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n'
{ crlf <<MSG
INVITE sip:bob@192.0.2.2 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
To: Bob <sip:bob@192.0.2.2>
From: Alice <sip:alice@192.0.2.1>;tag=1928301774
Call-ID: a84b4c76e66710@192.0.2.1
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.1:5060>
Content-Type: application/sdp
Content-Length: ${#SDP}

MSG
  printf '%s' "$SDP"; } > "$T/invite.sip"
crlf > "$T/ok.sip" <<'MSG'
SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5060
To: Bob <sip:bob@192.0.2.2>;tag=a6c85cf
From: Alice <sip:alice@192.0.2.1>;tag=1928301774
Call-ID: a84b4c76e66710@192.0.2.1
CSeq: 314159 INVITE
Contact: <sip:bob@192.0.2.2>
Content-Length: 0

MSG
crlf > "$T/register.sip" <<'MSG'
REGISTER sip:registrar.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds7
Max-Forwards: 70
To: <sip:alice@example.com>
From: <sip:alice@example.com>;tag=456248
Call-ID: 843817637684230@998sdasdh09
CSeq: 1826 REGISTER
Contact: <sip:alice@192.0.2.1>;expires=3600
Authorization: Digest username="alice", realm="example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:registrar.example.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"
Content-Length: 0

MSG
crlf > "$T/bye.sip" <<'MSG'
BYE sip:alice@192.0.2.1:5060 SIP/2.0
Via: SIP/2.0/TCP 192.0.2.2:5060;branch=z9hG4bKnashds8
Max-Forwards: 70
To: Alice <sip:alice@192.0.2.1>;tag=1928301774
From: Bob <sip:bob@192.0.2.2>;tag=a6c85cf
Call-ID: a84b4c76e66710@192.0.2.1
CSeq: 231 BYE
Content-Length: 0

MSG
for f in invite ok register bye; do
  cp "$T/$f.sip" "sip_message/$f.sip"; cp "$T/$f.sip" "sip_view/$f.sip"
done
# sip_core: datagrams and stream chunks alternate, separated by 0xff.
{ cat "$T/invite.sip"; printf '\xff'; cat "$T/bye.sip"; printf '\xff'; cat "$T/register.sip"; } > sip_core/invite-bye-register
cp "$T/invite.sip" sip_core/invite.sip
# sip_stream: first byte = chunk size, then a TCP byte stream (a keep-alive
# ping and two messages back to back).
{ printf '\x07\r\n\r\n'; cat "$T/invite.sip" "$T/bye.sip"; } > sip_stream/ping-invite-bye
{ printf '\x01'; cat "$T/ok.sip"; } > sip_stream/ok-bytewise

printf '%s' 'sip:alice@example.com;transport=tcp?subject=project%20x&priority=urgent' > sip_uri/uri-params-headers
printf '%s' '"Alice Smith" <sips:alice@[2001:db8::1]:5061;lr>;tag=a48s' > sip_uri/name-addr-ipv6
printf '%s' 'tel:+1-201-555-0123;phone-context=example.com' > sip_uri/tel

printf '%s' "$SDP" > sdp_parse/offer-ilbc-dtmf.sdp
printf 'v=0\r\no=- 2 2 IN IP6 2001:db8::1\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 9 8\r\nc=IN IP6 2001:db8::1\r\na=rtcp:5005\r\na=sendonly\r\nm=video 0 RTP/AVP 31\r\n' > sdp_parse/two-media-ipv6.sdp
printf 'v=0\r\no=- 3 3 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 9 RTP/AVP 111 0\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\na=inactive\r\n' > sdp_parse/opus-hold.sdp

# ---- RTP / RTCP (python for exact bytes) ----
mkdir -p rtp_packet rtcp_packet
python3 - <<'PY'
import struct
def rtp(seq, ts, pt=0, marker=0, csrc=(), ext=None, payload=b'\xff'*160):
    b0 = 0x80 | (0x10 if ext else 0) | len(csrc)
    h = struct.pack('!BBHII', b0, (marker << 7) | pt, seq, ts, 0x11223344)
    h += b''.join(struct.pack('!I', c) for c in csrc)
    if ext:
        h += struct.pack('!HH', 0xBEDE, len(ext) // 4) + ext
    return h + payload
# rtp_packet input: datagrams each prefixed by a length byte.
pk = [rtp(1, 160, marker=1), rtp(2, 320), rtp(4, 640), rtp(3, 480, csrc=(7, 8)),
      rtp(5, 800, ext=b'\x10\x01\x00\x00'), rtp(6, 960, pt=101, payload=bytes([1, 0x8a, 0, 160]))]
open('rtp_packet/six-packets-reordered', 'wb').write(b''.join(bytes([len(p)]) + p for p in pk))
open('rtp_packet/one-packet', 'wb').write(bytes([172]) + rtp(100, 0))
# RTCP: SR + SDES(CNAME) compound; RR + BYE with reason.
sr = struct.pack('!BBHIIIIII', 0x81, 200, 12, 0x11223344, 0xE1234567, 0x89ABCDEF, 160000, 50, 8000)
sr += struct.pack('!IIIII', 0x55667788, (5 << 24) | 3, 1000, 20, 0) + struct.pack('!I', 0)
sr = sr[:4 + 48]
cname = b'alice@192.0.2.1'
item = bytes([1, len(cname)]) + cname + b'\x00'
item += b'\x00' * ((-len(item)) % 4)
sdes = struct.pack('!BBHI', 0x81, 202, (4 + len(item)) // 4, 0x11223344) + item
open('rtcp_packet/sr-sdes', 'wb').write(sr + sdes)
rr = struct.pack('!BBHI', 0x81, 201, 7, 0x55667788) + struct.pack('!IIIIII', 0x11223344, 0, 1000, 5, 0, 0)
reason = b'bye'
bye = struct.pack('!BBHI', 0x81, 203, 2, 0x55667788) + bytes([len(reason)]) + reason
open('rtcp_packet/rr-bye', 'wb').write(rr + bye)
PY

# ---- ZRTP (RFC 6189): the messages the bzrtp trace (shared corpus) lacks ----
mkdir -p zrtp_packet
python3 - <<'PY'
import struct
def crc32c(b):
    c = 0xffffffff
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
    return c ^ 0xffffffff
def msg(kind, body=b''):
    return struct.pack('>HH', 0x505a, 3 + len(body) // 4) + kind + body
def pkt(m, seq=1, ssrc=0x01020304, frag=None):
    h = struct.pack('>HHII', 0x1001 if frag else 0x1000, seq, 0x5a525450, ssrc)
    if frag: h += struct.pack('>HHHH', *frag)
    b = h + m
    return b + struct.pack('<I', crc32c(b))
seeds = {
    'ping': pkt(msg(b'Ping    ', b'1.10' + bytes(range(8)))),
    'pingack': pkt(msg(b'PingACK ', b'1.10' + bytes(range(16)) + b'\x01\x02\x03\x04')),
    'error-0x100': pkt(msg(b'Error   ', struct.pack('>I', 0x100))),
    'errorack': pkt(msg(b'ErrorACK')),
    'goclear': pkt(msg(b'GoClear ', bytes(8))),
    'clearack': pkt(msg(b'ClearACK')),
    'sasrelay': pkt(msg(b'SASrelay', bytes(8 + 16 + 4 + 4 + 32))),
    'relayack': pkt(msg(b'RelayACK')),
    'commit-mult': pkt(msg(b'Commit  ', bytes(32) + bytes(12) + b'S256AES1HS32MultB32 ' + bytes(16) + bytes(8))),
    'commit-prsh': pkt(msg(b'Commit  ', bytes(32) + bytes(12) + b'S256AES1HS32PrshB32 ' + bytes(16) + bytes(8) + bytes(8))),
    'fragment': pkt(msg(b'Ping    ', b'1.10' + bytes(8))[:12], frag=(1, 6, 0, 3)),
}
for name, data in seeds.items():
    open('zrtp_packet/' + name, 'wb').write(data)
PY

# ---- codecs: real payloads from reference encoders ----
mkdir -p g711_decode g722_decode g726_decode gsm_decode ilbc_decode opus_decode speex_decode
sox -n -r 8000 -c 1 -b 16 -e signed "$T/tone8k.raw" synth 0.1 sine 440 vol 0.5
sox -n -r 16000 -c 1 -b 16 -e signed "$T/tone16k.raw" synth 0.1 sine 440 vol 0.5
ffmpeg -loglevel error -y -f s16le -ar 8000 -ac 1 -i "$T/tone8k.raw" -f mulaw "$T/t.ulaw"
head -c 160 "$T/t.ulaw" > "$T/ulaw160"
{ printf '\x14'; cat "$T/ulaw160"; } > g711_decode/room160-ulaw-tone   # room byte 20 -> 160 samples
{ printf '\x02'; cat "$T/ulaw160"; } > g711_decode/room16-too-small
ffmpeg -loglevel error -y -f s16le -ar 16000 -ac 1 -i "$T/tone16k.raw" -f g722 "$T/t.g722"
{ printf '\x50'; head -c 160 "$T/t.g722"; } > g722_decode/room320-tone
for bits in 2 3 4 5; do
  ffmpeg -loglevel error -y -f s16le -ar 8000 -ac 1 -i "$T/tone8k.raw" -code_size $bits -f g726le "$T/t$bits.g726"
done
# selector: bits 0-1 rate (G726Rate::ALL order), bit 2 AAL2 packing, bits 3-7 output room / 64.
{ printf '\x52'; head -c 80 "$T/t4.g726"; } > g726_decode/rate2-rfc3551
{ printf '\x56'; head -c 80 "$T/t4.g726"; } > g726_decode/rate2-aal2
{ printf '\x50'; head -c 40 "$T/t2.g726"; } > g726_decode/rate0-rfc3551
{ printf '\xd3'; head -c 100 "$T/t5.g726"; } > g726_decode/rate3-alaw-out
toast -l < "$T/tone8k.raw" > "$T/t.gsm" 2>/dev/null || toast -l -c "$T/tone8k.raw" > "$T/t.gsm"
head -c 99 "$T/t.gsm" > gsm_decode/three-frames
head -c 40 "$T/t.gsm" > gsm_decode/one-frame-and-a-bit
ILBC="$ROOT/../shared/corpora/ilbc"
{ printf '\x00'; head -c 114 "$ILBC/F00.BIT20"; } > ilbc_decode/ms20-three-frames
{ printf '\x03'; head -c 100 "$ILBC/F00.BIT30"; } > ilbc_decode/ms30-two-frames-conceal
if [ -n "$CODEC" ]; then
  # The codec example writes variable-size frames with a 2-byte length prefix.
  sox -n -r 16000 -c 1 -b 16 "$T/tone16k.wav" synth 0.1 sine 440 vol 0.5
  sox -n -r 8000 -c 1 -b 16 "$T/tone8k.wav" synth 0.1 sine 440 vol 0.5
  "$CODEC" encode --codec opus "$T/tone16k.wav" "$T/t.opus" >/dev/null
  "$CODEC" encode --codec speex-nb "$T/tone8k.wav" "$T/t.spx" >/dev/null
  "$CODEC" encode --codec speex-wb "$T/tone16k.wav" "$T/t.spxw" >/dev/null
  python3 - "$T" <<'PY'
import sys
T = sys.argv[1]
def frames(p):
    b = open(p, 'rb').read(); out = []
    while len(b) >= 2:
        n = int.from_bytes(b[:2], 'big'); out.append(b[2:2 + n]); b = b[2 + n:]
    return out
o = frames(T + '/t.opus')
open('opus_decode/frame0', 'wb').write(o[0]); open('opus_decode/frame3', 'wb').write(o[3])
s = frames(T + '/t.spx'); w = frames(T + '/t.spxw')
open('speex_decode/nb-two-frames', 'wb').write(b'\x00' + s[0] + s[1])
open('speex_decode/wb-one-frame', 'wb').write(b'\x01' + w[0])
PY
fi
echo "seeds: $(find . -type f ! -name '*.sh' ! -name '*.md' | wc -l) files"
