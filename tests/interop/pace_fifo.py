#!/usr/bin/env python3
"""Feeds a WAV file's samples into a FIFO at real-time pace, for an ALSA
`file` PCM's `infile` (which would otherwise read them as fast as it can).

usage: pace_fifo.py FIFO WAV SECONDS
Loops the WAV; when the reader closes the FIFO (a phone reopens its
microphone per call) it waits for the next reader; exits after SECONDS."""
import errno
import os
import sys
import time
import wave

FRAME_MS = 20


def main():
    fifo, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with wave.open(path, "rb") as w:
        pcm = w.readframes(w.getnframes())
        chunk = w.getframerate() * w.getsampwidth() * w.getnchannels() * FRAME_MS // 1000
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:  # without a reader a non-blocking open fails with ENXIO
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            time.sleep(0.01)
            continue
        os.set_blocking(fd, True)
        pos, due = 0, time.monotonic()
        try:
            while time.monotonic() < deadline:
                if pos + chunk > len(pcm):
                    pos = 0
                os.write(fd, pcm[pos:pos + chunk])
                pos += chunk
                due += FRAME_MS / 1000
                time.sleep(max(0.0, due - time.monotonic()))
        except BrokenPipeError:
            pass
        finally:
            os.close(fd)


if __name__ == "__main__":
    main()
