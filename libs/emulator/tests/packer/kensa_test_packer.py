#!/usr/bin/env python3
"""A small packer with UPX's layout, for the emulator's unpacking tests (built at test time).

UPX itself (upx-ucl) is not packaged for Debian 12, so the tests pack with this instead. The
packed file has the shape UPX, MPRESS and most crypters give a program:

  KPK0  the original sections' address range, empty in the file (raw size 0, like UPX0),
        readable, writable and executable;
  KPK1  the stub (stub_x86.S / stub_x64.S, assembled at build time), a two-function import
        table (kernel32!LoadLibraryA, GetProcAddress) and the original sections, encoded.

At run time the stub decodes the payload into KPK0, binds the original imports through
LoadLibraryA / GetProcAddress and jumps to the original entry point: code written into the
image and then executed, with none of the original strings or imports visible in the file.
Relocations, TLS and resources are dropped (the image is loaded at its preferred base).

usage: kensa_test_packer.py STUB.bin INPUT.exe OUTPUT.exe
"""

import struct
import sys

KEY = 0x4B504B31  # "KPK1"; any seed hides the payload's strings
PARAMS_SIZE = 40  # ten u32 in front of the stub's code (stub_*.S)
# The parameter block, offsets the stubs read:
#   0 oep_rva, 4 source_rva, 8 destination_rva, 12 size, 16 key, 20 original import_rva,
#   24 LoadLibraryA IAT slot rva, 28 GetProcAddress IAT slot rva, 32 params_rva, 36 unused
FILE_ALIGNMENT = 0x200
SECTION_ALIGNMENT = 0x1000
HEADERS_FILE_SIZE = 0x400


def align(value, alignment):
    return (value + alignment - 1) // alignment * alignment


def encode(data, key):
    out = bytearray(len(data))
    for i, byte in enumerate(data):
        key = (key * 0x01000193 + 0x3B9ACA07) & 0xFFFFFFFF
        out[i] = byte ^ (key >> 24)
    return bytes(out)


def pack(stub, original):
    if original[:2] != b"MZ":
        raise ValueError("not an MZ file")
    pe = struct.unpack_from("<I", original, 0x3C)[0]
    if original[pe:pe + 4] != b"PE\0\0":
        raise ValueError("no PE signature")
    machine, section_count = struct.unpack_from("<HH", original, pe + 4)
    optional_size = struct.unpack_from("<H", original, pe + 20)[0]
    optional = pe + 24
    magic = struct.unpack_from("<H", original, optional)[0]
    x64 = magic == 0x20B
    entry = struct.unpack_from("<I", original, optional + 16)[0]
    size_of_image = struct.unpack_from("<I", original, optional + 56)[0]
    directories = optional + (112 if x64 else 96)
    import_rva = struct.unpack_from("<I", original, directories + 8)[0]

    # The original image as the loader would map it.
    image = bytearray(align(size_of_image, SECTION_ALIGNMENT))
    table = optional + optional_size
    first_va = None
    for i in range(section_count):
        header = table + 40 * i
        virtual_size, va, raw_size, raw_offset = struct.unpack_from("<IIII", original, header + 8)
        length = min(raw_size, virtual_size or raw_size, len(image) - va)
        image[va:va + length] = original[raw_offset:raw_offset + length]
        first_va = va if first_va is None else min(first_va, va)
    payload = encode(bytes(image[first_va:]), KEY)

    kpk1_va = len(image)
    pointer = 8 if x64 else 4
    # KPK1: stub | import table | payload.
    imports_at = align(len(stub), 16)
    descriptors = imports_at
    lookup = descriptors + 40  # two descriptors (kernel32 and the terminator)
    iat = lookup + 3 * pointer
    names = iat + 3 * pointer
    hint_load = names
    hint_proc = hint_load + 2 + len(b"LoadLibraryA\0") + 1
    dll_name = hint_proc + 2 + len(b"GetProcAddress\0") + 1
    payload_at = align(dll_name + len(b"KERNEL32.dll\0"), 16)
    body = bytearray(payload_at + len(payload))
    body[:len(stub)] = stub
    struct.pack_into("<IIIII", body, descriptors, kpk1_va + lookup, 0, 0, kpk1_va + dll_name,
                     kpk1_va + iat)
    slot = "<Q" if x64 else "<I"
    for table_at in (lookup, iat):
        struct.pack_into(slot, body, table_at, kpk1_va + hint_load)
        struct.pack_into(slot, body, table_at + pointer, kpk1_va + hint_proc)
    body[hint_load + 2:hint_load + 2 + 12] = b"LoadLibraryA"
    body[hint_proc + 2:hint_proc + 2 + 14] = b"GetProcAddress"
    body[dll_name:dll_name + 12] = b"KERNEL32.dll"
    body[payload_at:] = payload
    struct.pack_into("<10I", body, 0, entry, kpk1_va + payload_at, first_va, len(payload), KEY,
                     import_rva, kpk1_va + iat, kpk1_va + iat + pointer, kpk1_va, 0)

    kpk1_raw_size = align(len(body), FILE_ALIGNMENT)
    kpk1_virtual = align(len(body), SECTION_ALIGNMENT)
    out = bytearray(HEADERS_FILE_SIZE + kpk1_raw_size)
    out[:0x40] = original[:0x40]
    new_pe = 0x40
    struct.pack_into("<I", out, 0x3C, new_pe)
    out[new_pe:new_pe + 4] = b"PE\0\0"
    characteristics = struct.unpack_from("<H", original, pe + 22)[0] | 0x0001  # RELOCS_STRIPPED
    struct.pack_into("<HHIIIHH", out, new_pe + 4, machine, 2, 0, 0, 0, optional_size,
                     characteristics)
    new_optional = new_pe + 24
    out[new_optional:new_optional + optional_size] = original[optional:optional + optional_size]
    struct.pack_into("<I", out, new_optional + 16, kpk1_va + PARAMS_SIZE)  # AddressOfEntryPoint
    struct.pack_into("<II", out, new_optional + 32, SECTION_ALIGNMENT, FILE_ALIGNMENT)
    struct.pack_into("<III", out, new_optional + 56, kpk1_va + kpk1_virtual, HEADERS_FILE_SIZE, 0)
    dll_characteristics = struct.unpack_from("<H", out, new_optional + 70)[0] & ~0x0040
    struct.pack_into("<H", out, new_optional + 70, dll_characteristics)  # no DYNAMIC_BASE
    new_directories = new_optional + (112 if x64 else 96)
    count = struct.unpack_from("<I", out, new_directories - 4)[0]
    out[new_directories:new_directories + 8 * count] = bytes(8 * count)
    struct.pack_into("<II", out, new_directories + 8, kpk1_va + descriptors, 40)
    if count > 12:
        struct.pack_into("<II", out, new_directories + 8 * 12, kpk1_va + iat, 3 * pointer)
    sections = new_optional + optional_size
    struct.pack_into("<8sIIIIIIHHI", out, sections, b"KPK0", kpk1_va - first_va, first_va, 0, 0,
                     0, 0, 0, 0, 0xE0000080)
    struct.pack_into("<8sIIIIIIHHI", out, sections + 40, b"KPK1", kpk1_virtual, kpk1_va,
                     kpk1_raw_size, HEADERS_FILE_SIZE, 0, 0, 0, 0, 0xE0000040)
    if sections + 80 > HEADERS_FILE_SIZE:
        raise ValueError("headers do not fit")
    out[HEADERS_FILE_SIZE:HEADERS_FILE_SIZE + len(body)] = body
    return bytes(out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        stub = f.read()
    with open(sys.argv[2], "rb") as f:
        original = f.read()
    packed = pack(stub, original)
    with open(sys.argv[3], "wb") as f:
        f.write(packed)


if __name__ == "__main__":
    main()
