#!/usr/bin/env python3
"""Writes an AppCompatCache ("Shimcache") registry value in one of Windows' layouts, or a
Windows 7 RecentFileCache.bcf.

  make_appcompat_cache.py LAYOUT OUT [--entry 'PATH|FILETIME|EXECUTED']... [--hex]

LAYOUT: xp, nt52_nt60_x86, nt52_nt60_x64, nt61_x86, nt61_x64, windows8, windows10, or
recentfilecache (the paths only: a 20-byte header, then length-prefixed UTF-16 paths).
EXECUTED is 1 or 0 (the insert flag, in the layouts that have one). --hex writes the value as
the comma-separated hex of a .reg file instead of binary. Layouts after Mandiant's 2012 paper on
the Application Compatibility Cache and the tools that read it (ShimCacheParser, regipy).
"""
import argparse
import struct

DEFAULT_ENTRIES = [
    ("C:\\Users\\Public\\mimikatz.exe", 133000000000000000, 1),
    ("\\??\\C:\\Windows\\System32\\cmd.exe", 132000000000000000, 0),
    ("C:\\Users\\田中\\AppData\\Local\\Temp\\請求書.exe", 133100000000000000, 1),
]


def utf16(path):
    return path.encode("utf-16-le")


def xp(entries):
    header = struct.pack("<III", 0xDEADBEEF, 96, len(entries)).ljust(0x190, b"\0")
    body = b""
    for path, filetime, _ in entries:
        body += utf16(path).ljust(528, b"\0") + struct.pack("<QQQ", filetime, 4096, filetime)
    return header + body


def nt5_nt6(entries, magic, header_size, x64, nt61):
    size = (48 if x64 else 32) if nt61 else (32 if x64 else 24)
    paths_at = header_size + size * len(entries)
    table, paths = b"", b""
    for path, filetime, executed in entries:
        name = utf16(path)
        offset = paths_at + len(paths)
        paths += name + b"\0\0"
        lengths = struct.pack("<HH", len(name), len(name) + 2)
        where = struct.pack("<IQ", 0, offset) if x64 else struct.pack("<I", offset)
        if nt61:
            tail = struct.pack("<QII", filetime, 2 if executed else 0, 0)
            tail += struct.pack("<QQ", 0, 0) if x64 else struct.pack("<II", 0, 0)
        else:
            tail = struct.pack("<QQ", filetime, 4096)
        table += lengths + where + tail
    header = struct.pack("<II", magic, len(entries)).ljust(header_size, b"\0")
    return header + table + paths


def signed(entries, windows8):
    body = b""
    for path, filetime, executed in entries:
        name = utf16(path)
        data = b"\x01\x02\x03\x04"
        entry = struct.pack("<H", len(name)) + name
        if windows8:
            entry += struct.pack("<H", 0) + struct.pack("<II", 2 if executed else 0, 0)
        entry += struct.pack("<QI", filetime, len(data)) + data
        body += struct.pack("<4sII", b"10ts", 0x1234, len(entry)) + entry
    header = struct.pack("<I", 0x80).ljust(0x80, b"\0") if windows8 else struct.pack("<I", 0x34).ljust(0x34, b"\0")
    return header + body


def recent_file_cache(entries):
    body = b""
    for path, _, _ in entries:
        name = utf16(path)
        body += struct.pack("<I", len(name) // 2) + name + b"\0\0"
    return b"\xFE\xFF\xEE\xFF" + struct.pack("<IIII", 0x2211, 3, 1, 0) + body


def build(layout, entries):
    if layout == "recentfilecache":
        return recent_file_cache(entries)
    if layout == "xp":
        return xp(entries)
    if layout.startswith("nt52_nt60"):
        return nt5_nt6(entries, 0xBADC0FFE, 8, layout.endswith("x64"), False)
    if layout.startswith("nt61"):
        return nt5_nt6(entries, 0xBADC0FEE, 0x80, layout.endswith("x64"), True)
    if layout in ("windows8", "windows10"):
        return signed(entries, layout == "windows8")
    raise SystemExit("unknown layout " + layout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("layout")
    parser.add_argument("out")
    parser.add_argument("--entry", action="append", default=[])
    parser.add_argument("--hex", action="store_true")
    args = parser.parse_args()
    entries = []
    for text in args.entry:
        path, filetime, executed = text.split("|")
        entries.append((path, int(filetime), int(executed)))
    value = build(args.layout, entries or DEFAULT_ENTRIES)
    if args.hex:
        with open(args.out, "w", encoding="ascii") as handle:
            handle.write(",".join("%02x" % byte for byte in value))
    else:
        with open(args.out, "wb") as handle:
            handle.write(value)


if __name__ == "__main__":
    main()
