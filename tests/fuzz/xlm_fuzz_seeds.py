#!/usr/bin/env python3
"""Seeds for xlm_fuzz (tests/fuzz/xlm_fuzz.cc), written into the build tree, never the repo.

From oletools' Excel 4.0 and DDE test workbooks: the Workbook / Book stream of each .xls/.xlt
(read with a minimal [MS-CFB] reader: regular sectors, FAT from the header's DIFAT), the parts of
each .xlsm/.xltm/.xlsb/.xlsx in the target's "====<part name>" list form, and the .slk as is.

Usage: xlm_fuzz_seeds.py OUT_DIR TEST_DATA_DIR
"""
import os
import struct
import sys
import zipfile


def workbook_stream(data):
    if data[:8] != bytes.fromhex("d0cf11e0a1b11ae1"):
        return None
    sector_size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_cutoff = struct.unpack_from("<I", data, 0x38)[0]
    difat = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    fat = []
    for sector in difat:
        offset = (sector + 1) * sector_size
        fat.extend(struct.unpack_from("<%dI" % (sector_size // 4), data, offset))

    def chain(start, limit=1 << 16):
        out, sector = [], start
        while sector < len(fat) and len(out) < limit:
            out.append(sector)
            sector = fat[sector]
        return out

    def read(start):
        return b"".join(data[(s + 1) * sector_size:(s + 2) * sector_size] for s in chain(start))

    directory = read(struct.unpack_from("<I", data, 0x30)[0])
    for at in range(0, len(directory) - 127, 128):
        name_size = struct.unpack_from("<H", directory, at + 0x40)[0]
        name = directory[at:at + max(name_size - 2, 0)].decode("utf-16-le", "replace")
        start, size = struct.unpack_from("<II", directory, at + 0x74)
        if name in ("Workbook", "Book") and size >= mini_cutoff:
            return read(start)[:size]
    return None


def main():
    out_dir, test_data = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    written = 0
    for folder in ("excel4-macros", "msodde"):
        base = os.path.join(test_data, folder)
        for name in sorted(os.listdir(base)):
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                data = handle.read()
            seed = None
            if name.endswith((".xls", ".xlt")):
                seed = workbook_stream(data)
            elif name.endswith((".xlsm", ".xltm", ".xlsb", ".xlsx")):
                with zipfile.ZipFile(path) as package:
                    seed = b"".join(b"====" + info.filename.encode() + b"\n" + package.read(info)
                                    for info in package.infolist()
                                    if not info.filename.startswith(("docProps", "xl/theme", "xl/styles")))
            elif name.endswith(".slk"):
                seed = data
            if seed:
                with open(os.path.join(out_dir, name + ".seed"), "wb") as handle:
                    handle.write(seed)
                written += 1
    print(written, "seeds")


if __name__ == "__main__":
    main()
