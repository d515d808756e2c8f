#!/usr/bin/env python3
"""Writes the DestList stream of an automatic jump list, for the tests (layout in
libs/lnk/include/kensa/lnk/dest_list.h: Windows 7's version 1, Windows 10/11's versions 3-4).

    make_destlist.py OUT SPEC.json

SPEC.json: {"version": 4, "entries": [{"number": 1, "last_used": "2026-11-20T09:15:00Z",
            "pinned": false, "count": 3, "host": "taro-pc", "path": "E:\\\\invoice.pdf.exe"}]}
"""

import datetime
import json
import os
import struct
import sys

EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)


def filetime(text):
    when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((when - EPOCH).total_seconds()) * 10_000_000


def entry(version, spec):
    host = spec.get("host", "").encode("ascii")[:15].ljust(16, b"\0")
    droids = os.urandom(64)
    fixed = struct.pack("<Q", 0) + droids + host + struct.pack("<IIIQi", spec["number"], 0, 0, filetime(spec["last_used"]),
                                                                  0 if spec.get("pinned") else -1)
    if version >= 3:
        fixed += struct.pack("<IIQ", 0, spec.get("count", 0), 0)
    path = spec["path"].encode("utf-16-le")
    body = fixed + struct.pack("<H", len(spec["path"])) + path
    return body + (b"\0\0\0\0" if version >= 3 else b"")


def main():
    out, spec_path = sys.argv[1], sys.argv[2]
    spec = json.load(open(spec_path))
    version, entries = spec["version"], spec["entries"]
    pinned = sum(1 for e in entries if e.get("pinned"))
    last = max((e["number"] for e in entries), default=0)
    header = struct.pack("<IIIfIIQ", version, len(entries), pinned, 1.0, last, 0, len(entries))
    with open(out, "wb") as handle:
        handle.write(header + b"".join(entry(version, e) for e in entries))
    print(out)


if __name__ == "__main__":
    main()
