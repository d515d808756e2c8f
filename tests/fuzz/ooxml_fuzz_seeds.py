#!/usr/bin/env python3
"""Writes seeds for ooxml_fuzz in its part-list form ("====<part name>" lines, each followed by
the part's content) from the OOXML documents found under the given folders. The documents are
read, never copied: each seed holds only the parts the analyzer parses (XML and .rels parts,
and small binary workbook parts), so mutations reach the XML code instead of breaking a zip.

Usage: ooxml_fuzz_seeds.py OUT_DIR FOLDER...
"""
import os
import sys
import zipfile

MAX_PART = 64 * 1024  # larger parts (images, embedded objects) add nothing for the parsers
PARSED_SUFFIXES = (".xml", ".rels", ".vml")
BINARY_PARTS = ("workbook.bin", "externallink")


def seed_for(path):
    try:
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
            if "[Content_Types].xml" not in names:
                return None
            out = bytearray()
            for name in names:
                lower = name.lower()
                if not (lower.endswith(PARSED_SUFFIXES) or any(p in lower for p in BINARY_PARTS)):
                    continue
                info = package.getinfo(name)
                if info.file_size > MAX_PART:
                    continue
                out += b"====" + name.encode("utf-8") + b"\n" + package.read(name) + b"\n"
            return bytes(out)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    written = 0
    for folder in sys.argv[2:]:
        for root, _, files in os.walk(folder):
            for file_name in sorted(files):
                seed = seed_for(os.path.join(root, file_name))
                if seed:
                    with open(os.path.join(out_dir, file_name + ".parts"), "wb") as handle:
                        handle.write(seed)
                    written += 1
    print(f"ooxml_fuzz_seeds: {written} seeds in {out_dir}")


if __name__ == "__main__":
    main()
