#!/usr/bin/env python3
"""Checks every built test program of tests/winbins as a PE file, without running it.

For each program and architecture: a PE of the right machine (i386 / AMD64) and optional header
(PE32 / PE32+), a console program, importing at least the functions expected/<test>.json lists
under "imports" and none of "not_imported". Plus the facts the emulator relies on: the t10
shellcode .bin is raw code with the ROR-13 hashes and the command line in it, t11 carries its
stub only XOR-encoded, t14 carries its payload file verbatim.

A small PE reader of our own (bounded, standard library only; pefile is not a dependency).
Environment: KENSA_BINARY_DIR (the build tree).
"""
import hashlib
import json
import os
import struct
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY_DIR = os.environ.get("KENSA_BINARY_DIR", "")
WINBINS_DIR = os.path.join(BINARY_DIR, "tests", "winbins")
TESTS = sorted(os.path.splitext(n)[0] for n in os.listdir(os.path.join(HERE, "expected"))
               if n.endswith(".json"))
MACHINES = {"x86": 0x14C, "x64": 0x8664}
OPTIONAL_MAGIC = {"x86": 0x10B, "x64": 0x20B}
IMAGE_SUBSYSTEM_WINDOWS_CUI = 3

# Bounds for this reader; the programs are small and have a handful of imports.
MAX_SECTIONS = 96
MAX_IMPORT_DLLS = 64
MAX_IMPORTS_PER_DLL = 4096
MAX_NAME = 256


class PeFile:
    """The headers and named imports of one PE file."""

    def __init__(self, data):
        self.data = data
        if data[:2] != b"MZ":
            raise ValueError("no MZ header")
        (lfanew,) = struct.unpack_from("<I", data, 0x3C)
        if data[lfanew:lfanew + 4] != b"PE\0\0":
            raise ValueError("no PE signature")
        (self.machine, section_count, _, _, _, optional_size, self.characteristics) = \
            struct.unpack_from("<HHIIIHH", data, lfanew + 4)
        optional = lfanew + 24
        (self.magic,) = struct.unpack_from("<H", data, optional)
        (self.subsystem,) = struct.unpack_from("<H", data, optional + 68)
        directories = optional + (96 if self.magic == 0x10B else 112)
        self.import_rva, self.import_size = struct.unpack_from("<II", data, directories + 8)
        if section_count > MAX_SECTIONS:
            raise ValueError(f"{section_count} sections")
        self.sections = []
        table = optional + optional_size
        for i in range(section_count):
            name, virtual_size, rva, raw_size, raw_offset = struct.unpack_from(
                "<8sIIII", data, table + 40 * i)
            self.sections.append((name.rstrip(b"\0").decode("ascii", "replace"), rva,
                                  max(virtual_size, raw_size), raw_offset, raw_size))

    def offset(self, rva):
        for _, start, size, raw_offset, raw_size in self.sections:
            if start <= rva < start + size and rva - start < raw_size:
                return raw_offset + rva - start
        raise ValueError(f"RVA {rva:#x} is in no section")

    def c_string(self, rva):
        start = self.offset(rva)
        end = self.data.index(b"\0", start, start + MAX_NAME)
        return self.data[start:end].decode("ascii")

    def imports(self):
        """{lower-case DLL name: [function names]} (imports by ordinal are left out)."""
        result = {}
        pointer = 8 if self.magic == 0x20B else 4
        ordinal_flag = 1 << (pointer * 8 - 1)
        descriptor = self.offset(self.import_rva)
        for i in range(MAX_IMPORT_DLLS):
            original_thunk, _, _, name_rva, first_thunk = struct.unpack_from(
                "<IIIII", self.data, descriptor + 20 * i)
            if name_rva == 0:
                break
            names = result.setdefault(self.c_string(name_rva).lower(), [])
            thunk = self.offset(original_thunk or first_thunk)
            for j in range(MAX_IMPORTS_PER_DLL):
                (entry,) = struct.unpack_from("<Q" if pointer == 8 else "<I", self.data,
                                              thunk + pointer * j)
                if entry == 0:
                    break
                if not entry & ordinal_flag:
                    names.append(self.c_string((entry & 0x7FFFFFFF) + 2))
        return result


def expected(test):
    with open(os.path.join(HERE, "expected", test + ".json"), encoding="utf-8") as f:
        return json.load(f)


def tests_for(arch):
    """The programs built for `arch`: an expected file's "archs" (default both)."""
    return [test for test in TESTS if arch in expected(test).get("archs", ["x86", "x64"])]


def read(path):
    with open(path, "rb") as f:
        return f.read()


class WinbinsPeTest(unittest.TestCase):
    def program(self, arch, test):
        path = os.path.join(WINBINS_DIR, arch, test + ".exe")
        self.assertTrue(os.path.isfile(path), f"{path} is missing: build the kensa_winbins target")
        return read(path)

    def test_every_program_is_a_console_pe_of_its_architecture(self):
        for arch in ("x86", "x64"):
            for test in tests_for(arch):
                with self.subTest(arch=arch, test=test):
                    pe = PeFile(self.program(arch, test))
                    self.assertEqual(pe.machine, MACHINES[arch])
                    self.assertEqual(pe.magic, OPTIONAL_MAGIC[arch])
                    self.assertEqual(pe.subsystem, IMAGE_SUBSYSTEM_WINDOWS_CUI)
                    self.assertTrue(pe.characteristics & 0x0002, "IMAGE_FILE_EXECUTABLE_IMAGE")

    def test_every_program_imports_the_apis_its_expected_file_names(self):
        for arch in ("x86", "x64"):
            for test in tests_for(arch):
                with self.subTest(arch=arch, test=test):
                    imports = PeFile(self.program(arch, test)).imports()
                    spec = expected(test)
                    for dll, functions in spec["imports"].items():
                        self.assertIn(dll, imports)
                        for function in functions:
                            self.assertIn(function, imports[dll], f"{dll}!{function}")
                    every = {f for names in imports.values() for f in names}
                    for function in spec.get("not_imported", []):
                        self.assertNotIn(function, every)

    def test_the_shellcode_bin_is_raw_code_with_its_hashes_and_command(self):
        for arch in ("x86", "x64"):
            with self.subTest(arch=arch):
                code = read(os.path.join(WINBINS_DIR, arch, "t10_pebwalk.bin"))
                self.assertNotEqual(code[:2], b"MZ")
                self.assertLess(len(code), 1024)
                self.assertIn(struct.pack("<I", 0xEC0E4E8E), code)  # ror13("LoadLibraryA")
                self.assertIn(struct.pack("<I", 0x0E8AFE98), code)  # ror13("WinExec")
                self.assertIn(b"cmd.exe /c echo sbx-pebwalk\0", code)
                self.assertIn(b"kernel32.dll\0", code)
                # The loader carries the very same bytes in its code.
                self.assertIn(code.rstrip(b"\0\x90"), self.program(arch, "t10_pebwalk"))
        # x64 reaches the PEB through gs:[0x60], x86 through fs:[0x30].
        self.assertIn(bytes.fromhex("65488b042560000000"),
                      read(os.path.join(WINBINS_DIR, "x64", "t10_pebwalk.bin")))
        self.assertIn(bytes.fromhex("64a130000000"),
                      read(os.path.join(WINBINS_DIR, "x86", "t10_pebwalk.bin")))

    def test_the_unpack_program_carries_its_stub_only_encoded(self):
        stub = bytes.fromhex("b81111111105204731 42c3".replace(" ", ""))
        self.assertEqual(hashlib.sha256(stub).hexdigest(),
                         expected("t11_unpack")["behavior"]["dynamic_code"][0]["sha256"])
        packed = bytes(b ^ 0x5A for b in stub)
        for arch in ("x86", "x64"):
            with self.subTest(arch=arch):
                data = self.program(arch, "t11_unpack")
                self.assertIn(packed, data)
                self.assertNotIn(stub, data)

    def test_the_resource_program_carries_its_payload_verbatim(self):
        payload = read(os.path.join(HERE, "src", "t14_payload.txt"))
        dropped = expected("t14_resource")["behavior"]["files_written"][0]
        self.assertEqual(hashlib.sha256(payload).hexdigest(), dropped["sha256"])
        self.assertEqual(len(payload), dropped["size"])
        for arch in ("x86", "x64"):
            with self.subTest(arch=arch):
                data = self.program(arch, "t14_resource")
                self.assertEqual(data.count(payload), 1)
                self.assertIn(".rsrc", [s[0] for s in PeFile(data).sections])

    def test_the_expected_files_name_only_sbx_objects(self):
        for test in TESTS:
            with self.subTest(test=test):
                behavior = expected(test)["behavior"]
                for name in behavior.get("mutex", []):
                    self.assertIn("sbx", name.lower())
                for entry in behavior.get("files_written", []) + behavior.get("reg_set", []):
                    self.assertIn("sbx", json.dumps(entry).lower())
                for entry in behavior.get("services", []) + behavior.get("proc", []):
                    self.assertIn("sbx", json.dumps(entry).lower())


if __name__ == "__main__":
    unittest.main()
