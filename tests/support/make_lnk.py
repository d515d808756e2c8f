#!/usr/bin/env python3
"""Writes a Windows shortcut ([MS-SHLLINK]) for tests: a header, a LinkInfo with a local path
and its volume (drive type, serial number), the arguments as StringData, the terminal block,
and optionally bytes appended after it (as malicious shortcuts carry their payload).

The LNK parser itself is tested on shortcuts made by Windows (plaso's and InQuest's); this
writer gives the hunt's tests shortcuts with the targets and volumes a case needs.

Usage: make_lnk.py OUT.lnk TARGET [--args ARGS] [--drive-type N] [--serial HEX] [--append TEXT]
  drive types: 2 removable, 3 fixed (default), 4 network (remote), 5 CD-ROM
"""
import argparse
import struct
import sys

LINK_CLSID = bytes.fromhex("0114020000000000c000000000000046")
HAS_LINK_INFO, HAS_ARGUMENTS, IS_UNICODE = 0x02, 0x20, 0x80
FILETIME_2026 = 134401248000000000  # 2026-11-26T00:00:00Z


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("target")
    parser.add_argument("--args", default="")
    parser.add_argument("--drive-type", type=int, default=3)
    parser.add_argument("--serial", default="1c2d3e4f")
    parser.add_argument("--append", default="")
    args = parser.parse_args()

    flags = HAS_LINK_INFO | IS_UNICODE | (HAS_ARGUMENTS if args.args else 0)
    header = struct.pack("<I16sIIQQQIiIHHII", 0x4C, LINK_CLSID, flags, 0x20, FILETIME_2026, FILETIME_2026,
                         FILETIME_2026, 4096, 0, 1, 0, 0, 0, 0)
    volume = struct.pack("<IIII", 0x11, args.drive_type, int(args.serial, 16), 0x10) + b"\0"
    base_path = args.target.encode("cp1252") + b"\0"
    header_size = 0x1C
    volume_offset = header_size
    base_offset = volume_offset + len(volume)
    suffix_offset = base_offset + len(base_path)
    size = suffix_offset + 1
    link_info = struct.pack("<IIIIIII", size, header_size, 1, volume_offset, base_offset, 0, suffix_offset)
    link_info += volume + base_path + b"\0"
    strings = b""
    if args.args:
        strings = struct.pack("<H", len(args.args)) + args.args.encode("utf-16-le")
    data = header + link_info + strings + b"\0\0\0\0" + args.append.encode("utf-8")
    with open(args.out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
