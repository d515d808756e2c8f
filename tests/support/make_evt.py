#!/usr/bin/env python3
"""Writes a legacy Windows event log (.evt, Windows NT to XP / Server 2003) from a JSON list of
events, for the tests: the format BackupEventLog writes (the header, EVENTLOGRECORDs in a
circular buffer, the end-of-file cursor record), as winnt.h and [MS-EVEN] describe it.

    make_evt.py OUT.evt EVENTS.json [--wrap] [--damage]

EVENTS.json: [{"source": "Security", "computer": "VICTIM", "event_id": 517, "type": 8,
               "category": 1, "time": 1764150000, "sid": "S-1-5-18", "strings": ["a", "b"],
               "data": "0a0b"}, ...]   (type: 1 error, 2 warning, 4 information, 8 audit
               success, 16 audit failure; sid and data optional)
--wrap: the buffer has wrapped: the newest records sit right after the header, the oldest at
        the end of the file, and the header's offsets say so.
--damage: the second record's trailing length is overwritten (its framing no longer agrees),
        as a torn write leaves it.
"""

import json
import struct
import sys

HEADER_SIZE = 0x30
SIGNATURE = b"LfLe"


def utf16z(text):
    return text.encode("utf-16-le") + b"\0\0"


def sid_bytes(text):
    parts = text.split("-")
    revision, authority, subs = int(parts[1]), int(parts[2]), [int(p) for p in parts[3:]]
    return struct.pack("<BB", revision, len(subs)) + authority.to_bytes(6, "big") + b"".join(struct.pack("<I", s) for s in subs)


def record(number, event):
    names = utf16z(event["source"]) + utf16z(event.get("computer", "VICTIM"))
    body = bytearray(names)
    while (56 + len(body)) % 4:
        body += b"\0"
    sid = sid_bytes(event["sid"]) if event.get("sid") else b""
    sid_offset = 56 + len(body) if sid else 0
    body += sid
    string_offset = 56 + len(body)
    for text in event.get("strings", []):
        body += utf16z(text)
    data = bytes.fromhex(event.get("data", ""))
    data_offset = 56 + len(body)
    body += data
    while (56 + len(body) + 4) % 4:
        body += b"\0"
    length = 56 + len(body) + 4
    header = struct.pack("<I4sIIIIHHHHIIIIII", length, SIGNATURE, number, event["time"], event.get("written", event["time"]),
                         event["event_id"], event.get("type", 4), len(event.get("strings", [])), event.get("category", 0),
                         0, 0, string_offset, len(sid), sid_offset, len(data), data_offset)
    return header + bytes(body) + struct.pack("<I", length)


def cursor(begin, end, current, oldest):
    return struct.pack("<IIIIIIIIII", 0x28, 0x11111111, 0x22222222, 0x33333333, 0x44444444, begin, end, current, oldest, 0x28)


def main():
    out, events_path = sys.argv[1], sys.argv[2]
    wrap, damage = "--wrap" in sys.argv, "--damage" in sys.argv
    events = json.load(open(events_path))
    records = [record(i + 1, e) for i, e in enumerate(events)]
    if damage and len(records) > 1:
        torn = bytearray(records[1])
        torn[-4:] = b"\xff\xff\xff\xff"
        records[1] = bytes(torn)
    if not wrap:
        body = b"".join(records)
        begin, end = HEADER_SIZE, HEADER_SIZE + len(body)
        buffer = body + cursor(begin, end, len(events) + 1, 1)
    else:
        # The newest half first (it overwrote the start of the buffer), then the oldest half.
        half = len(records) // 2
        newest, oldest = b"".join(records[half:]), b"".join(records[:half])
        end = HEADER_SIZE + len(newest)
        gap = b"\0" * 64  # what the wrap left between the newest and the oldest
        begin = end + 0x28 + len(gap)
        buffer = newest + cursor(begin, end, len(events) + 1, 1) + gap + oldest
    max_size = HEADER_SIZE + len(buffer)
    header = struct.pack("<I4sIIIIIIIIII", HEADER_SIZE, SIGNATURE, 1, 1, begin, end, len(events) + 1, 1, max_size,
                         0, 0, HEADER_SIZE)
    with open(out, "wb") as handle:
        handle.write(header + buffer)
    print(out)


if __name__ == "__main__":
    main()
