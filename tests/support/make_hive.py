#!/usr/bin/env python3
"""Builds Windows registry hive files ("regf") for tests, with real tools.

No tool in Debian creates a hive from nothing, so this writes the smallest valid one (base
block, one hive bin, a root key and its security cell) and then lets hivex (hivexregedit
--merge, libguestfs' independent regf writer) add every key and value from a .reg file. The
parser under test therefore reads subkey lists, value lists and data cells laid out by
someone else's code.

Usage: make_hive.py OUT.hive FILE.reg [--prefix 'HKEY_LOCAL_MACHINE\\SOFTWARE']
"""
import argparse
import struct
import subprocess
import sys

HBIN_SIZE = 4096
FILETIME_2024 = 133485408000000000  # 2024-01-01T00:00:00Z


def security_descriptor() -> bytes:
    """Self-relative SECURITY_DESCRIPTOR: owner BUILTIN\\Administrators, group SYSTEM."""
    admins = struct.pack("<BB6sII", 1, 2, b"\0\0\0\0\0\x05", 32, 544)
    system = struct.pack("<BB6sI", 1, 1, b"\0\0\0\0\0\x05", 18)
    header_size = 20
    owner_offset = header_size
    group_offset = owner_offset + len(admins)
    header = struct.pack("<BBHIIII", 1, 0, 0x8000, owner_offset, group_offset, 0, 0)
    return header + admins + system


def cell(payload: bytes) -> bytes:
    size = (4 + len(payload) + 7) & ~7
    return struct.pack("<i", -size) + payload + b"\0" * (size - 4 - len(payload))


def minimal_hive(file_name: str) -> bytes:
    root_offset = 0x20
    name = b"ROOT"
    nk_size = (4 + 0x4C + len(name) + 7) & ~7
    sk_offset = root_offset + nk_size
    nk = struct.pack(
        "<2sHQIIIIIIIIIIIIIIIHH",
        b"nk", 0x2C, FILETIME_2024, 0, 0xFFFFFFFF,  # flags: hive entry, no delete, ASCII name
        0, 0, 0xFFFFFFFF, 0xFFFFFFFF,               # subkeys, volatile subkeys, their lists
        0, 0xFFFFFFFF, sk_offset, 0xFFFFFFFF,       # values, value list, security, class name
        0, 0, 0, 0, 0,                              # largest name/class/value sizes, workvar
        len(name), 0) + name
    descriptor = security_descriptor()
    sk = struct.pack("<2sHIIII", b"sk", 0, sk_offset, sk_offset, 1, len(descriptor)) + descriptor
    cells = cell(nk) + cell(sk)
    free = HBIN_SIZE - 0x20 - len(cells)
    hbin = struct.pack("<4sIIQQI", b"hbin", 0, HBIN_SIZE, 0, FILETIME_2024, 0)
    hbin += cells + struct.pack("<i", free) + b"\0" * (free - 4)
    base = bytearray(4096)
    struct.pack_into("<4sIIQIIIIIII", base, 0, b"regf", 1, 1, FILETIME_2024, 1, 5, 0, 1,
                     root_offset, HBIN_SIZE, 1)
    # Windows keeps the last 31 characters of the hive's path (and a terminating NUL).
    encoded = file_name[-31:].encode("utf-16-le")
    base[0x30:0x30 + len(encoded)] = encoded
    checksum = 0
    for (word,) in struct.iter_unpack("<I", bytes(base[:0x1FC])):
        checksum ^= word
    checksum = {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(checksum, checksum)
    struct.pack_into("<I", base, 0x1FC, checksum)
    return bytes(base) + hbin


def with_parent_keys(reg_text: str, prefix: str) -> str:
    """hivexregedit creates a key only under an existing parent, so every ancestor of every
    [key] gets an (empty) section of its own before the key."""
    out, seen = [], set()
    for line in reg_text.splitlines():
        if line.startswith("[") and line.rstrip().endswith("]") and not line.startswith("[-"):
            path = line.strip()[1:-1]
            if path.lower().startswith(prefix.lower() + "\\"):
                parts = path[len(prefix) + 1:].split("\\")
                for depth in range(1, len(parts)):
                    ancestor = prefix + "\\" + "\\".join(parts[:depth])
                    if ancestor.lower() not in seen:
                        seen.add(ancestor.lower())
                        out += ["[" + ancestor + "]", ""]
            seen.add(path.lower())
        out.append(line)
    return "\r\n".join(out) + "\r\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("reg")
    parser.add_argument("--prefix", default="HKEY_LOCAL_MACHINE\\SOFTWARE")
    args = parser.parse_args()
    with open(args.out, "wb") as f:
        f.write(minimal_hive("\\??\\C:\\Windows\\System32\\config\\SOFTWARE"))
    with open(args.reg, encoding="utf-8-sig") as f:
        reg_text = with_parent_keys(f.read(), args.prefix)
    subprocess.run(["hivexregedit", "--merge", "--prefix", args.prefix, args.out],
                   input=reg_text.encode("utf-8"), check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
