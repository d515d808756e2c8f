#!/usr/bin/env python3
"""Builds a dirty registry hive and its transaction logs for tests, as Windows leaves them.

A hive is made with make_hive.py (hivex writes the keys), then changed twice more with
hivexregedit --merge. The primary file keeps the first state with its base block marked dirty
(primary sequence number one above the secondary); the changes are written to logs the way
Windows writes them (Suhanov's "Windows registry file format specification"):

  new format (Windows 8.1+): HIVE.LOG1 holds the entry of the first change followed by an
      old, already applied entry; HIVE.LOG2 the entry of the second change. Entries are "HvLE" records of the
      changed 4096-byte pages, with Marvin32 hashes.
  old format (Vista/7): HIVE.LOG1 holds a "DIRT" bitmap of every changed 512-byte page and the
      pages, for both changes at once.

Usage: make_dirty_hive.py OUT_DIR BASE.reg CHANGE1.reg CHANGE2.reg --format new|old
                          [--damage none|hash|gap] [--prefix 'HKEY_LOCAL_MACHINE\\SOFTWARE']

Writes OUT_DIR/HIVE (dirty primary), HIVE.LOG1, HIVE.LOG2 (new format), and the states the
replay must reproduce: OUT_DIR/state1.hive (after the first change), OUT_DIR/state2.hive.
--damage hash flips a byte in the second change's pages (replay must stop after the first);
--damage gap numbers the second change's entry one too high (a missing entry).
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_hive  # noqa: E402

BASE_BLOCK = 4096
SECTOR = 512
PAGE = 4096
LOG_SEED = 0x82EF4D887A4E55C5  # the kernel's seed (HvInitializeHashLibrary); low half first


def rotl(value, bits):
    return ((value << bits) | (value >> (32 - bits))) & 0xFFFFFFFF


def marvin32(data: bytes, seed: int) -> int:
    """Marvin32 as Windows computes log entry hashes: the 64-bit result, p1:p0."""
    p0, p1 = seed & 0xFFFFFFFF, seed >> 32

    def block(p0, p1):
        p1 ^= p0
        p0 = rotl(p0, 20)
        p0 = (p0 + p1) & 0xFFFFFFFF
        p1 = rotl(p1, 9)
        p1 ^= p0
        p0 = rotl(p0, 27)
        p0 = (p0 + p1) & 0xFFFFFFFF
        p1 = rotl(p1, 19)
        return p0, p1

    whole = len(data) // 4 * 4
    for (word,) in struct.iter_unpack("<I", data[:whole]):
        p0 = (p0 + word) & 0xFFFFFFFF
        p0, p1 = block(p0, p1)
    last = 0x80
    for byte in reversed(data[whole:]):
        last = (last << 8) | byte
    p0 = (p0 + last) & 0xFFFFFFFF
    p0, p1 = block(p0, p1)
    p0, p1 = block(p0, p1)
    return (p1 << 32) | p0


def checksum(block: bytes) -> int:
    value = 0
    for (word,) in struct.iter_unpack("<I", block[:0x1FC]):
        value ^= word
    return {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(value, value)


def with_base_block(data: bytes, primary: int, secondary: int, file_type: int = 0) -> bytes:
    out = bytearray(data)
    struct.pack_into("<II", out, 4, primary, secondary)
    struct.pack_into("<I", out, 0x1C, file_type)
    struct.pack_into("<I", out, 0x1FC, checksum(bytes(out[:BASE_BLOCK])))
    return bytes(out)


def hive_bins_size(hive: bytes) -> int:
    return struct.unpack_from("<I", hive, 0x28)[0]


def merge(hive_path: str, reg_path: str, prefix: str):
    with open(reg_path, encoding="utf-8-sig") as f:
        reg_text = make_hive.with_parent_keys(f.read(), prefix)
    subprocess.run(["hivexregedit", "--merge", "--prefix", prefix, hive_path],
                   input=reg_text.encode("utf-8"), check=True)


def changed_runs(before: bytes, after: bytes, page: int):
    """(offset, size) runs of hive-bins pages that differ, offsets from the first hive bin."""
    bins_before, bins_after = before[BASE_BLOCK:], after[BASE_BLOCK:BASE_BLOCK + hive_bins_size(after)]
    runs = []
    for offset in range(0, len(bins_after), page):
        if bins_before[offset:offset + page] != bins_after[offset:offset + page]:
            if runs and runs[-1][0] + runs[-1][1] == offset:
                runs[-1] = (runs[-1][0], runs[-1][1] + page)
            else:
                runs.append((offset, page))
    return runs


def log_entry(sequence: int, after: bytes, runs, damage_hash=False) -> bytes:
    """An HvLE entry carrying the pages `runs` of `after`."""
    references = b"".join(struct.pack("<II", offset, size) for offset, size in runs)
    pages = b"".join(after[BASE_BLOCK + offset:BASE_BLOCK + offset + size] for offset, size in runs)
    size = (40 + len(references) + len(pages) + SECTOR - 1) // SECTOR * SECTOR
    body = references + pages + b"\0" * (size - 40 - len(references) - len(pages))
    header = struct.pack("<4sIIIII", b"HvLE", size, 0, sequence, hive_bins_size(after), len(runs))
    hash1 = marvin32(body, LOG_SEED)
    head32 = header + struct.pack("<Q", hash1)
    hash2 = marvin32(head32, LOG_SEED)
    entry = bytearray(head32 + struct.pack("<Q", hash2) + body)
    if damage_hash:
        entry[40 + len(references) + 100] ^= 0xFF  # a torn write inside the first page
    return bytes(entry)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("base_reg")
    parser.add_argument("change1_reg")
    parser.add_argument("change2_reg")
    parser.add_argument("--format", choices=["new", "old"], required=True)
    parser.add_argument("--damage", choices=["none", "hash", "gap"], default="none")
    parser.add_argument("--prefix", default="HKEY_LOCAL_MACHINE\\SOFTWARE")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    hive = os.path.join(args.out_dir, "HIVE")
    state1 = os.path.join(args.out_dir, "state1.hive")
    state2 = os.path.join(args.out_dir, "state2.hive")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_hive.py"),
                    hive, args.base_reg, "--prefix", args.prefix], check=True)
    shutil.copyfile(hive, state1)
    merge(state1, args.change1_reg, args.prefix)
    shutil.copyfile(state1, state2)
    merge(state2, args.change2_reg, args.prefix)
    base, one, two = (open(p, "rb").read() for p in (hive, state1, state2))

    # The hive file as Windows leaves it between a log write and the reconcile: the first
    # state's data, its base block saying a write began (primary 2, secondary 1).
    open(hive, "wb").write(with_base_block(base, 2, 1))
    if args.format == "new":
        stale = log_entry(0, base, [(0, PAGE)])
        first = log_entry(1, one, changed_runs(base, one, PAGE))
        second = log_entry(3 if args.damage == "gap" else 2, two, changed_runs(one, two, PAGE),
                           damage_hash=args.damage == "hash")
        # A log's base block carries the sequence number of its first entry; entries of an
        # earlier use of the log may remain after the new ones.
        log1_block = with_base_block(one, 1, 1, 6)[:SECTOR]
        log2_block = with_base_block(two, 2, 2, 6)[:SECTOR]
        open(hive + ".LOG1", "wb").write(log1_block + first + stale)
        open(hive + ".LOG2", "wb").write(log2_block + second)
    else:
        runs = changed_runs(base, two, SECTOR)
        bits = hive_bins_size(two) // SECTOR
        bitmap = bytearray((bits + 7) // 8)
        pages = b""
        for offset, size in runs:
            for page in range(offset // SECTOR, (offset + size) // SECTOR):
                bitmap[page // 8] |= 1 << (page % 8)
        for page in range(bits):
            if bitmap[page // 8] >> (page % 8) & 1:
                pages += two[BASE_BLOCK + page * SECTOR:BASE_BLOCK + (page + 1) * SECTOR]
        vector = b"DIRT" + bytes(bitmap)
        vector += b"\0" * (-len(vector) % SECTOR)
        log_block = with_base_block(two, 2, 2, 1)[:SECTOR]
        # The log belongs to the write the hive's timestamp names.
        log_block = log_block[:0x0C] + base[0x0C:0x14] + log_block[0x14:]
        log_block = log_block[:0x1FC] + struct.pack("<I", checksum(log_block)) + log_block[0x200:]
        open(hive + ".LOG1", "wb").write(log_block + vector + pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
