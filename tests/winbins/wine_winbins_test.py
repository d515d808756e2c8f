#!/usr/bin/env python3
"""The x64 test programs of tests/winbins run under wine64 must produce exactly the behaviour
their expected/<test>.json describes: this proves that the programs and the golden files the
emulator is tested against agree (research 3.9). Every program runs in its own copy of one
template prefix (wine_harness.py); its markers must include the expected ones, and wine's
observations (relay calls, registry and file diffs, loopback servers) must equal the expected
set for every key wine can observe. Only dynamic_code is left to the emulator. The 32-bit
builds are not run: Debian's wine64 has no 32-bit support here (winbins_pe_test.py checks them).

The first class checks the harness's own parsing on fixed text, without wine.
Environment: KENSA_BINARY_DIR (the build tree). Times are printed.
"""
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wine_harness  # noqa: E402

BINARY_DIR = os.environ.get("KENSA_BINARY_DIR", "")
X64_DIR = os.path.join(BINARY_DIR, "tests", "winbins", "x64")
TESTS = sorted(os.path.splitext(n)[0] for n in os.listdir(wine_harness.EXPECTED_DIR)
               if n.endswith(".json"))

# Real relay lines of wine 8 (x64 t08_service and t12_inject), shortened. The CreateFileA is
# made by advapi32 (its return address is outside the program) and must not count.
RELAY_SAMPLE = r"""0124:0128:trace:loaddll:build_module Loaded L"Z:\\tmp\\x64\\t08_service.exe" at 0000000140000000: native
0124:0128:trace:loaddll:build_module Loaded L"C:\\windows\\system32\\kernelbase.dll" at 000000007B000000: builtin
0124:0128:Call KERNEL32.CreateFileA(010a1eb0 "\\\\.\\pipe\\svcctl",c0000000,00000000,00000000,200000003,240000000,00000000) ret=368459245
0124:0128:Ret  KERNEL32.CreateFileA() retval=00000030 ret=368459245
0124:0128:Call advapi32.CreateServiceA(010a1eb0,1400090b8 "SbxTestSvc",1400090a0 "Sbx Test Service",000f01ff,00000010,100000003,00000000,140009080 "C:\\ProgramData\\sbx\\sbx-svc.exe",00000000,00000000,00000000,00000000,00000000) ret=140001645
0124:0128:Ret  advapi32.CreateServiceA() retval=010a1f10 ret=140001645
0124:0128:Call advapi32.DeleteService(010a1f10) ret=14000168e
0124:0128:Ret  advapi32.DeleteService() retval=00000001 ret=14000168e
0124:0128:Call KERNEL32.CreateProcessA(0021fc20 "Z:\\tmp\\x64\\t12_inject.exe",0021fc00 "sbx-inject-child",00000000,00000000,100000000,100000004,00000000,00000000,0021fb90,0021fb70) ret=1400016da
0124:0128:Ret  KERNEL32.CreateProcessA() retval=00000001 ret=1400016da
0124:0128:Call KERNEL32.WriteProcessMemory(00000038,00340000,14000a0df,00000003,0021fb68) ret=140001775
0124:0128:Call KERNEL32.VirtualProtect(ffffffffffffffff,00340000,0000000b,00000040,0021fb68) ret=140001775
0130:0134:Call KERNEL32.CreateMutexA(00000000,00000000,14000a000 "Global\\not-this-process") ret=140001000
"""

REG_SAMPLE = """WINE REGISTRY Version 2
;; All keys relative to \\\\User\\\\S-1-5-21-0-0-0-1000

#arch=win64

[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run] 1764164100
#time=1dc5eec3a5f4b7c
"SbxTest"="C:\\\\ProgramData\\\\sbx\\\\agent.exe"
"SbxCount"=dword:0000002a
"SbxPath"=str(2):"%TEMP%\\\\sbx"
"SbxBlob"=hex:53,42,\\
  58
@="default"
"""


class WineHarnessParsingTest(unittest.TestCase):
    def test_relay_calls_are_those_of_the_program_image_in_its_process(self):
        with tempfile.NamedTemporaryFile(suffix="t08_service.exe") as exe:
            # A PE header whose SizeOfImage is 0x20000: the image spans 0x140000000..0x140020000.
            header = bytearray(512)
            header[0:2] = b"MZ"
            header[0x3C:0x40] = (0x80).to_bytes(4, "little")
            header[0x80:0x84] = b"PE\0\0"
            header[0x84:0x86] = (0x8664).to_bytes(2, "little")
            header[0x80 + 24 + 56:0x80 + 24 + 60] = (0x20000).to_bytes(4, "little")
            exe.write(bytes(header))
            exe.flush()
            relay = RELAY_SAMPLE.replace("t08_service.exe", os.path.basename(exe.name))
            calls = wine_harness.program_calls(relay, exe.name)
        self.assertEqual([c["api"] for c in calls],
                         ["CreateServiceA", "DeleteService", "CreateProcessA",
                          "WriteProcessMemory", "VirtualProtect"])
        self.assertEqual(calls[0]["args"][1], "SbxTestSvc")
        self.assertEqual(calls[0]["args"][7], r"C:\ProgramData\sbx\sbx-svc.exe")
        self.assertEqual(calls[0]["retval"], 0x010A1F10)
        behavior = wine_harness.behavior_from_calls(calls, lambda text: text)
        self.assertEqual(behavior["services"], [{"name": "SbxTestSvc",
                                                 "bin_path": r"C:\ProgramData\sbx\sbx-svc.exe",
                                                 "start_type": "demand", "deleted": True}])
        self.assertEqual(behavior["proc"], [{"api": "CreateProcessA",
                                             "cmdline": "sbx-inject-child"}])
        self.assertEqual(behavior["inject"], [{"api": "WriteProcessMemory", "size": 3}])
        self.assertEqual(behavior["mutex"], [])

    def test_wine_registry_text_is_parsed_with_types_and_continuations(self):
        with tempfile.NamedTemporaryFile("w", suffix=".reg", delete=False) as f:
            f.write(REG_SAMPLE)
        try:
            keys = wine_harness.parse_reg_file(f.name)
        finally:
            os.unlink(f.name)
        run = keys[r"Software\Microsoft\Windows\CurrentVersion\Run"]
        self.assertEqual(run["SbxTest"], ("REG_SZ", r"C:\ProgramData\sbx\agent.exe"))
        self.assertEqual(run["SbxCount"], ("REG_DWORD", 42))
        self.assertEqual(run["SbxPath"], ("REG_EXPAND_SZ", r"%TEMP%\sbx"))
        self.assertEqual(run["SbxBlob"], ("REG_BINARY", "534258"))
        self.assertEqual(run[""], ("REG_SZ", "default"))

    def test_profile_paths_become_placeholders_and_other_paths_stay(self):
        normalise = wine_harness.make_text_normaliser("root")
        self.assertEqual(normalise(r"C:\users\root\Temp\sbx-drop.bin"), r"%TEMP%\sbx-drop.bin")
        self.assertEqual(normalise(r"c:\Users\ROOT\AppData\Roaming\sbx\sbx-copy.exe"),
                         r"%APPDATA%\sbx\sbx-copy.exe")
        self.assertEqual(normalise(r"C:\users\rootless\x"), r"C:\users\rootless\x")
        self.assertEqual(normalise(r"C:\ProgramData\sbx\agent.exe"),
                         r"C:\ProgramData\sbx\agent.exe")

    def test_placeholders_keep_the_type_of_a_whole_value(self):
        values = {"self_size": 1234, "http_base": "http://127.0.0.1:8080"}
        self.assertEqual(wine_harness.expand({"size": "{self_size}", "url": "{http_base}/a",
                                              "other": "{unknown}"}, values),
                         {"size": 1234, "url": "http://127.0.0.1:8080/a", "other": "{unknown}"})

    def test_comparison_names_missing_and_unexpected_entries_and_ignores_path_case(self):
        expected = {"files_written": [{"path": r"%TEMP%\sbx-drop.bin", "sha256": "aa"}],
                    "mutex": ["Global\\sbx-test-mutex"]}
        observed = {"files_written": [{"path": r"%temp%\SBX-DROP.bin", "sha256": "aa"}],
                    "mutex": ["Global\\sbx-other"]}
        self.assertEqual(wine_harness.compare_behavior(expected, observed, ["files_written"]), [])
        self.assertEqual(wine_harness.compare_behavior(expected, observed, ["mutex", "proc"]), [
            'mutex: expected but not observed: "Global\\\\sbx-test-mutex"',
            'mutex: observed but not expected: "Global\\\\sbx-other"'])

    def test_api_order_is_checked_as_a_subsequence(self):
        seen = ["WSAStartup", "gethostbyname", "socket", "setsockopt", "connect", "send", "recv"]
        self.assertEqual(wine_harness.missing_in_order(["socket", "connect", "recv"], seen), [])
        self.assertEqual(wine_harness.missing_in_order(["connect", "socket", "recv"], seen),
                         ["socket", "recv"])


class WineWinbinsTest(unittest.TestCase):
    results = {}

    @classmethod
    def setUpClass(cls):
        if wine_harness.find_wine() is None:
            raise unittest.SkipTest("wine64 is not installed (scripts/install-deps installs it)")
        cls.harness = wine_harness.WineHarness()
        started = time.monotonic()
        cls.harness.ensure_template()
        print(f"\ntemplate prefix: {time.monotonic() - started:.1f} s", file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.harness.close()

    def result(self, test):
        if test not in self.results:
            exe = os.path.join(X64_DIR, test + ".exe")
            self.assertTrue(os.path.isfile(exe), f"{exe} is missing: build kensa_winbins")
            self.results[test] = self.harness.run(exe)
            print(f"\n{test}: {self.results[test]['seconds']:.1f} s", file=sys.stderr)
        return self.results[test]

    def check_program(self, test):
        result = self.result(test)
        self.assertFalse(result["timed_out"])
        self.assertTrue(result["done"], result["markers"])
        self.assertEqual(result["arch"], "x64")
        problems = wine_harness.check(result)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_another_programs_expectation_does_not_match(self):
        # The comparison is not vacuous on real runs: t01's observations are not t13's.
        result = dict(self.result("t01_mutex"), test="t13_antiemu")
        problems = wine_harness.check(result)
        self.assertIn('mutex: expected but not observed: "sbx-antiemu-proceed"', problems)
        self.assertIn('mutex: observed but not expected: "Global\\\\sbx-test-mutex"', problems)
        self.assertIn("marker missing: decision|proceed", problems)

    def test_the_shellcode_calls_what_it_resolved_through_the_peb(self):
        calls = self.result("t10_pebwalk")["api_sequence"]
        self.assertEqual([(c["api"], c["args"][0]) for c in calls
                          if c["api"] in ("LoadLibraryA", "WinExec")],
                         [("LoadLibraryA", "kernel32.dll"),
                          ("WinExec", "cmd.exe /c echo sbx-pebwalk")])
        winexec = next(c for c in calls if c["api"] == "WinExec")
        self.assertGreater(winexec["retval"], 31)

    def test_the_injection_calls_come_in_their_order(self):
        names = [c["api"] for c in self.result("t12_inject")["api_sequence"]]
        self.assertEqual(wine_harness.missing_in_order(
            ["CreateProcessA", "VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread",
             "WaitForSingleObject", "TerminateProcess"], names), [])


def _add_program_test(test):
    def method(self):
        self.check_program(test)
    method.__name__ = f"test_{test}_under_wine_matches_its_expected_file"
    setattr(WineWinbinsTest, method.__name__, method)


for _test in TESTS:
    _add_program_test(_test)


if __name__ == "__main__":
    unittest.main()
