#!/usr/bin/env python3
"""Wraps captured RTP Speex payloads (RFC 5574) into an Ogg Speex file, so
that the reference decoder `speexdec` (speex-tools) can decode a call's stream
independently of the phone that received it.

    tshark ... -T fields -e rtp.seq -e rtp.payload | rtp_speex_to_ogg.py RATE OUT.spx [--drop-first]

Input: one packet per line, "SEQ<TAB>HEX" (hex with or without colons), in
capture order; packets are put in sequence order and duplicates dropped.
RATE is 8000 (narrowband) or 16000 (wideband). --drop-first leaves out the
stream's first packet (to compare with a receiver that drops it).

The Speex header (80 bytes) and Ogg page layout follow the Speex manual's
"Ogg file format" section and RFC 3533; one RTP payload becomes one Ogg packet
of one 20 ms frame (frames_per_packet = 1; our payloads carry one frame).
"""
import struct
import sys


def ogg_crc(data):
    """CRC-32 of RFC 3533: polynomial 0x04c11db7, initial 0, not reflected."""
    crc = 0
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def page(packet, granule, seq, flags, serial=0x5EED):
    lacing = [255] * (len(packet) // 255) + [len(packet) % 255]
    if len(lacing) > 255:
        raise ValueError("packet too large for one page")
    head = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, seq, 0, len(lacing))
    body = head + bytes(lacing) + packet
    crc = ogg_crc(body)
    return body[:22] + struct.pack("<I", crc) + body[26:]


def speex_header(rate):
    mode, frame = (0, 160) if rate == 8000 else (1, 320)
    return (b"Speex   " + b"openphone-interop".ljust(20, b"\0")
            + struct.pack("<13i", 1, 80, rate, mode, 4, 1, -1, frame, 0, 1, 0, 0, 0)), frame


def main():
    args = sys.argv[1:]
    drop_first = "--drop-first" in args
    args = [a for a in args if a != "--drop-first"]
    if len(args) != 2 or args[0] not in ("8000", "16000"):
        sys.exit("usage: rtp_speex_to_ogg.py 8000|16000 OUT.spx [--drop-first] < seq<TAB>hex lines")
    rate, out = int(args[0]), args[1]
    packets = {}
    first_seq = None
    unwrap = 0
    last = None
    for line in sys.stdin:
        parts = line.strip().split("\t")
        if len(parts) != 2 or not parts[1]:
            continue
        seq = int(parts[0])
        # 16-bit sequence numbers: unwrap so order survives a wrap.
        if last is not None and seq < last and last - seq > 30000:
            unwrap += 65536
        last = seq
        key = seq + unwrap
        if first_seq is None:
            first_seq = key
        packets.setdefault(key, bytes.fromhex(parts[1].replace(":", "")))
    if not packets:
        sys.exit("rtp_speex_to_ogg.py: no packets")
    keys = sorted(packets)
    if drop_first:
        keys = keys[1:]
    header, frame = speex_header(rate)
    vendor = b"openphone"
    comment = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [page(header, 0, 0, 0x02), page(comment, 0, 1, 0)]
    for i, k in enumerate(keys):
        flags = 0x04 if i == len(keys) - 1 else 0
        pages.append(page(packets[k], (i + 1) * frame, i + 2, flags))
    with open(out, "wb") as f:
        f.write(b"".join(pages))


if __name__ == "__main__":
    main()
