#!/usr/bin/env python3
"""Wine and Kensa's emulator must agree on what each x64 test program of tests/winbins does
(issue #4 item 7). Every program runs twice with the same arguments: under wine64 through
wine_harness.py (files created in drive_c, registry diffs, what the loopback HTTP and TCP servers
saw, relayed calls for processes, services, mutexes and cross-process memory) and under the
emulator through kensa-emulate (bench/kensa_emulate.cc: the BehaviorResult as JSON). Both are
reduced to the behaviour set of README.md, with profile paths turned into %TEMP%, %APPDATA%,
%LOCALAPPDATA%, %USERPROFILE% and the program's own path into %SELF%, and compared key by key:
files written (path, sha256, size), registry values set (key, name, type, data), DNS names, HTTP
requests (method, URL), TCP connections (destination, bytes sent), processes started (API,
command line), services created (name, binary, start type, deleted), mutexes created and
memory written into another process.

The emulator gets what the loopback servers answer under wine: the same HTTP body (so downloaded
files have the same sha256), the TCP server's answer, and localhost resolving to 127.0.0.1.

A difference that is a known gap of the emulator's models is listed in KNOWN_GAPS with the
reason; any other difference fails, and so does a listed gap that no longer shows (remove it, so
the list stays true). The t10 shellcode (.bin, entry at offset 0) is also emulated on its own and
must start the process wine saw the .exe start.

Environment: KENSA_BINARY_DIR (the build tree with tests/winbins/x64), KENSA_EMULATE (the
kensa-emulate binary; default KENSA_BINARY_DIR/bin/kensa-emulate).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wine_harness  # noqa: E402

BINARY_DIR = os.environ.get("KENSA_BINARY_DIR", "")
X64_DIR = os.path.join(BINARY_DIR, "tests", "winbins", "x64")
EMULATE = os.environ.get("KENSA_EMULATE") or os.path.join(BINARY_DIR, "bin", "kensa-emulate")
TESTS = sorted(os.path.splitext(n)[0] for n in os.listdir(wine_harness.EXPECTED_DIR)
               if n.endswith(".json"))

# The keys both sides observe. dynamic_code is seen by the emulator only (README.md).
COMPARED_KEYS = ("files_written", "reg_set", "dns", "http", "tcp", "proc", "services", "mutex",
                 "inject")

# Where the emulator puts the sample and who its user is (EnvironmentProfile defaults).
EMULATOR_USER = "jsmith"
EMULATOR_SAMPLE_PATH = r"C:\Users\jsmith\Desktop\sample.exe"
EMULATE_TIMEOUT_SECONDS = 120

# Differences between wine and the emulator that are gaps of the emulator's models, each with
# its reason: (test, "wine only" | "emulator only", key, entry as in the behaviour set) ->
# reason. Empty: on 2026-11-26 all fourteen programs agreed on every key (and every marker but
# MACHINE_MARKERS), and t15_seh too on 2026-11-27. A gap found later goes here, e.g.
#   ("t05_wininet", "wine only", "http", {"method": "HEAD", "url": "..."}): "why",
KNOWN_GAPS = {
}

# Marker lines whose values describe the machine rather than what the program did: the emulated
# Windows is not wine's. (test, step): reason. Every other marker must print the same value on
# both sides, which compares the API results each program saw (read-back data, HTTP status,
# bytes received, exit codes).
MACHINE_MARKERS = {
    ("t13_antiemu", "computer_name"): "the emulated machine has its own name (DESKTOP-4F7Q2KD)",
    ("t13_antiemu", "processes_seen"): "the emulator's process list is its own, not wine's",
}

REG_TYPES = {0: "REG_NONE", 1: "REG_SZ", 2: "REG_EXPAND_SZ", 3: "REG_BINARY", 4: "REG_DWORD",
             7: "REG_MULTI_SZ", 11: "REG_QWORD"}
CURRENT_PROCESS_HANDLES = {0xFFFFFFFFFFFFFFFF, 0xFFFFFFFF}
REG_ROOTS = (("HKEY_CURRENT_USER\\", "HKCU\\"), ("HKEY_LOCAL_MACHINE\\", "HKLM\\"))


# The emulator's profile folders (libs/emulator/src/virtual_env.cc, as on Windows 10), most
# specific first; wine keeps TEMP at C:\users\<user>\Temp (wine_harness.PATH_PREFIXES).
EMULATOR_PATH_PREFIXES = (
    (r"C:\Users\{user}\AppData\Local\Temp", "%TEMP%"),
    (r"C:\Users\{user}\AppData\Roaming", "%APPDATA%"),
    (r"C:\Users\{user}\AppData\Local", "%LOCALAPPDATA%"),
    (r"C:\Users\{user}", "%USERPROFILE%"),
)


def emulator_normaliser(user=EMULATOR_USER):
    """Profile paths of the emulator's environment -> the placeholders of README.md."""
    prefixes = [(p.replace("{user}", user), placeholder)
                for p, placeholder in EMULATOR_PATH_PREFIXES]

    def normalise(text):
        for prefix, placeholder in prefixes:
            text = re.sub(re.escape(prefix) + r"(?=\\|$|\")", lambda _m: placeholder, text,
                          flags=re.IGNORECASE)
        return text
    return normalise


def replace_self(value, self_paths):
    """Every occurrence of the program's own path (any case) in the strings of value -> %SELF%."""
    if isinstance(value, dict):
        return {k: replace_self(v, self_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_self(v, self_paths) for v in value]
    if isinstance(value, str):
        for path in self_paths:
            value = re.sub(re.escape(path), lambda _m: "%SELF%", value, flags=re.IGNORECASE)
    return value


def wine_windows_path(unix_path):
    """How wine names a Unix path: drive Z: is the Unix root."""
    return "Z:" + os.path.abspath(unix_path).replace("/", "\\")


def _number(text):
    """An argument as the emulator prints it ("0x44", "\"text\"") -> int, or None."""
    try:
        return int(text, 16) if text.startswith("0x") else int(text)
    except (ValueError, AttributeError):
        return None


def _reg_key(path):
    for long_name, short in REG_ROOTS:
        if path.upper().startswith(long_name):
            return short + path[len(long_name):]
    return path


def behavior_from_emulator(behavior, normalise):
    """The emulator's BehaviorResult (proto3 JSON) reduced to the behaviour set of README.md."""
    calls = {int(c["seq"]): c for c in behavior.get("api_calls", [])}

    def call_of(event):
        return calls.get(int(event.get("api_seq", 0)), {})

    def api_of(event):
        return call_of(event).get("name", "")

    result = {k: [] for k in COMPARED_KEYS}
    result["mutex"] = [e["target"] for e in behavior.get("mutex_events", [])
                       if e.get("operation") == "create"]

    # Registry: values set and still there at the end, as wine's registry diff sees them.
    values = {}
    for event in behavior.get("registry_events", []):
        operation, key = event.get("operation"), _reg_key(event.get("target", ""))
        details = event.get("details", "")
        if operation == "set_value":
            name, _, data = details.partition(" = ")
            name = "" if name == "(Default)" else name
            args = call_of(event).get("args", [])
            type_index = 3 if api_of(event).startswith("RegSetValueEx") else 2
            kind = REG_TYPES.get(_number(args[type_index]) if len(args) > type_index else None,
                                 "REG_UNKNOWN")
            values[(key.lower(), name.lower())] = {
                "key": key, "value": name, "type": kind,
                "data": int(data) if kind == "REG_DWORD" and data.isdigit() else normalise(data)}
        elif operation == "delete_value":
            values.pop((key.lower(), details.lower()), None)
        elif operation == "delete_key":
            values = {k: v for k, v in values.items()
                      if k[0] != key.lower() and not k[0].startswith(key.lower() + "\\")}
    result["reg_set"] = [v for v in values.values()
                         if "sbx" in (v["key"] + "\\" + v["value"]).lower()]

    result["files_written"] = [
        {"path": normalise(f["path"]), "sha256": f["sha256"], "size": int(f.get("size", 0))}
        for f in behavior.get("dropped_files", []) if "sbx" in f["path"].lower()]

    sent_by_socket = {}
    for event in behavior.get("network_events", []):
        operation, target = event.get("operation"), event.get("target", "")
        details = event.get("details", "")
        if operation == "dns" and api_of(event) in ("gethostbyname", "getaddrinfo",
                                                     "GetAddrInfoW"):
            result["dns"].append(target)
        elif operation == "http_request":
            result["http"].append({"method": details.split(" ")[0] or "GET", "url": target})
        elif operation == "download":
            result["http"].append({"method": "GET", "url": target})
        elif operation == "connect" and details == "tcp":
            sent_by_socket.setdefault(target, "")
        elif operation == "send" and target in sent_by_socket:
            sent_by_socket[target] += details.partition(" bytes: ")[2]
    result["tcp"] = [{"dest": dest, "sent": sent} for dest, sent in sent_by_socket.items()]

    for event in behavior.get("process_events", []):
        operation, api = event.get("operation"), api_of(event)
        if operation in ("create", "shell_execute"):
            result["proc"].append({"api": api, "cmdline": normalise(event.get("target", ""))})
        elif operation in ("allocate_memory", "write_memory", "remote_thread"):
            entry = {"api": api}
            if api == "WriteProcessMemory":
                args = call_of(event).get("args", [])
                entry["size"] = _number(args[3]) if len(args) > 3 else None
            result["inject"].append(entry)

    services = {}
    for event in behavior.get("service_events", []):
        operation, name = event.get("operation"), event.get("target", "")
        details = event.get("details", "")
        if operation == "create" and not details.startswith("failed"):
            # "binPath=<path, may hold spaces> start=<n> type=<hex>" (api_advapi32.cc)
            bin_path = details[len("binPath="):].rsplit(" start=", 1)[0]
            start = re.search(r" start=(\d+)", details)
            services[name.lower()] = {
                "name": name, "bin_path": normalise(bin_path),
                "start_type": wine_harness.SERVICE_START_TYPES.get(
                    int(start.group(1)) if start else -1, "unknown"),
                "deleted": False}
        elif operation == "delete" and name.lower() in services:
            services[name.lower()]["deleted"] = True
    result["services"] = list(services.values())
    return result


def markers_from_console(text, test):
    return [f"{s}|{v}" for s, v in wine_harness.parse_markers(text, test)]


def run_emulator(path, args, body_file, extra=()):
    command = [EMULATE, "--http-body-file", body_file,
               "--socket-response", wine_harness.TCP_ANSWER.decode("ascii"),
               "--dns", "localhost=127.0.0.1", *extra, path]
    if args:
        command += ["--", *args]
    completed = subprocess.run(command, capture_output=True, timeout=EMULATE_TIMEOUT_SECONDS,
                               check=False)
    if completed.returncode != 0:
        raise AssertionError(f"kensa-emulate failed ({completed.returncode}): "
                             f"{completed.stderr.decode(errors='replace')}")
    return json.loads(completed.stdout)


def differences(wine_behavior, emulator_behavior):
    """(side, key, canonical entry) for each entry only one side has, with its readable form."""
    found = {}
    for key in COMPARED_KEYS:
        wine = {wine_harness.canonical(x): x for x in wine_behavior.get(key, [])}
        emulator = {wine_harness.canonical(x): x for x in emulator_behavior.get(key, [])}
        for c in set(wine) - set(emulator):
            found[("wine only", key, c)] = wine[c]
        for c in set(emulator) - set(wine):
            found[("emulator only", key, c)] = emulator[c]
    return found


class EmulatorReductionTest(unittest.TestCase):
    """The reduction of a BehaviorResult on fixed JSON, without wine or the emulator."""

    def test_events_become_the_behaviour_set(self):
        behavior = {
            "api_calls": [
                {"seq": "1", "name": "RegSetValueExA",
                 "args": ["0x80000001", "\"SbxTest\"", "0x0", "0x1", "0x1000", "0x10"]},
                {"seq": "2", "name": "CreateProcessA", "args": []},
                {"seq": "3", "name": "gethostbyname", "args": ["\"localhost\""]},
                {"seq": "4", "name": "InternetConnectA", "args": []},
                {"seq": "5", "name": "WriteProcessMemory",
                 "args": ["0x88", "0xa00000", "0x1000", "0x3", "0x0"]},
                {"seq": "6", "name": "CreateServiceA", "args": []}],
            "registry_events": [
                {"operation": "set_value", "api_seq": "1",
                 "target": r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run",
                 "details": r"SbxTest = C:\Users\jsmith\AppData\Roaming\sbx\a.exe"}],
            "process_events": [
                {"operation": "create", "api_seq": "2", "target": "sbx-child"},
                {"operation": "write_memory", "api_seq": "5", "target": "sbx-child"}],
            "network_events": [
                {"operation": "dns", "api_seq": "3", "target": "localhost"},
                {"operation": "dns", "api_seq": "4", "target": "example.com"},
                {"operation": "connect", "api_seq": "3", "target": "127.0.0.1:99",
                 "details": "tcp"},
                {"operation": "send", "target": "127.0.0.1:99", "details": "3 bytes: SBX"}],
            "service_events": [
                {"operation": "create", "api_seq": "6", "target": "SbxSvc",
                 "details": r"binPath=C:\ProgramData\sbx\s.exe start=3 type=0x10"},
                {"operation": "delete", "target": "SbxSvc"}],
            "dropped_files": [
                {"path": r"C:\Users\jsmith\AppData\Local\Temp\sbx.bin", "sha256": "ab",
                 "size": "3"},
                {"path": r"C:\Users\jsmith\AppData\Local\Temp\other.bin", "sha256": "cd",
                 "size": "1"}],
            "mutex_events": [{"operation": "create", "target": "sbx-m"},
                             {"operation": "open", "target": "sbx-other"}],
        }
        normalise = emulator_normaliser()
        reduced = behavior_from_emulator(behavior, normalise)
        self.assertEqual(reduced["reg_set"], [{
            "key": r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run", "value": "SbxTest",
            "type": "REG_SZ", "data": r"%APPDATA%\sbx\a.exe"}])
        self.assertEqual(reduced["proc"], [{"api": "CreateProcessA", "cmdline": "sbx-child"}])
        self.assertEqual(reduced["inject"], [{"api": "WriteProcessMemory", "size": 3}])
        self.assertEqual(reduced["dns"], ["localhost"])
        self.assertEqual(reduced["tcp"], [{"dest": "127.0.0.1:99", "sent": "SBX"}])
        self.assertEqual(reduced["services"], [{"name": "SbxSvc",
                                                "bin_path": r"C:\ProgramData\sbx\s.exe",
                                                "start_type": "demand", "deleted": True}])
        self.assertEqual(reduced["files_written"], [{"path": r"%TEMP%\sbx.bin", "sha256": "ab",
                                                     "size": 3}])
        self.assertEqual(reduced["mutex"], ["sbx-m"])

    def test_a_deleted_value_is_not_set_at_the_end(self):
        behavior = {"api_calls": [{"seq": "1", "name": "RegSetValueExA",
                                   "args": ["0x0", "\"SbxA\"", "0x0", "0x4", "0x0", "0x4"]}],
                    "registry_events": [
                        {"operation": "set_value", "api_seq": "1",
                         "target": r"HKEY_CURRENT_USER\sbx", "details": "SbxA = 42"},
                        {"operation": "delete_key", "target": r"HKEY_CURRENT_USER\sbx"}]}
        reduced = behavior_from_emulator(behavior, lambda text: text)
        self.assertEqual(reduced["reg_set"], [])

    def test_only_listed_gaps_are_tolerated(self):
        found = differences({"mutex": ["a", "b"]}, {"mutex": ["A", "c"]})
        self.assertEqual(sorted((side, key, entry) for (side, key, _), entry in found.items()),
                         [("emulator only", "mutex", "c"), ("wine only", "mutex", "b")])


class WineVsEmulatorTest(unittest.TestCase):
    wine_results = {}

    @classmethod
    def setUpClass(cls):
        if wine_harness.find_wine() is None:
            raise unittest.SkipTest("wine64 is not installed (scripts/install-deps installs it)")
        if not os.access(EMULATE, os.X_OK):
            raise AssertionError(f"{EMULATE} is missing: build the kensa_emulate target")
        cls.harness = wine_harness.WineHarness()
        cls.harness.ensure_template()
        cls.work = tempfile.TemporaryDirectory(prefix="kensa-wine-vs-emulator-")
        cls.body_file = os.path.join(cls.work.name, "http_body.bin")
        with open(cls.body_file, "wb") as f:
            f.write(wine_harness.HTTP_BODY)

    @classmethod
    def tearDownClass(cls):
        cls.harness.close()
        cls.work.cleanup()

    def wine(self, test):
        if test not in self.wine_results:
            exe = os.path.join(X64_DIR, test + ".exe")
            self.assertTrue(os.path.isfile(exe), f"{exe} is missing: build kensa_winbins")
            result = self.harness.run(exe)
            self.assertFalse(result["timed_out"], test)
            self.assertTrue(result["done"], f"{test} under wine: {result['markers']}")
            result["behavior"] = replace_self(result["behavior"], [wine_windows_path(exe)])
            self.wine_results[test] = result
        return self.wine_results[test]

    def emulate(self, path, args, extra=()):
        started = time.monotonic()
        out = run_emulator(path, args, self.body_file, extra)
        behavior = out["behavior"]
        normalise = emulator_normaliser()
        reduced = behavior_from_emulator(replace_self(behavior, [EMULATOR_SAMPLE_PATH]),
                                         normalise)
        print(f"\n{os.path.basename(path)} emulated in {time.monotonic() - started:.2f} s: "
              f"{behavior.get('end_reason')} {behavior.get('end_detail', '')}", file=sys.stderr)
        return behavior, reduced

    def check_program(self, test):
        wine = self.wine(test)
        behavior, emulator = self.emulate(os.path.join(X64_DIR, test + ".exe"), wine["args"])
        self.assertEqual(behavior.get("end_reason"), "EMULATION_END_REASON_EXITED",
                         behavior.get("end_detail"))
        markers = markers_from_console(behavior.get("console_output", ""), test)
        self.assertIn("done|0", markers)
        self.assert_agree(test, wine["behavior"], emulator)
        self.assert_same_markers(test, wine["markers"], markers)

    def assert_same_markers(self, test, wine_markers, emulator_markers):
        wine = dict(m.split("|", 1) for m in wine_markers)
        emulator = dict(m.split("|", 1) for m in emulator_markers)
        differing = [f"{step}: wine {wine.get(step)!r}, emulator {emulator.get(step)!r}"
                     for step in sorted(set(wine) | set(emulator))
                     if wine.get(step) != emulator.get(step)
                     and (test, step) not in MACHINE_MARKERS]
        same = [step for (t, step) in MACHINE_MARKERS
                if t == test and wine.get(step) == emulator.get(step)]
        self.assertEqual(differing, [], "markers differ:\n" + "\n".join(differing))
        self.assertEqual(same, [], "machine markers now equal: remove them from MACHINE_MARKERS")

    def test_the_comparison_tells_two_programs_apart(self):
        # Not vacuous on real runs: wine's t01 against the emulator's t13 and t03.
        wine = self.wine("t01_mutex")["behavior"]
        _, t13 = self.emulate(os.path.join(X64_DIR, "t13_antiemu.exe"), [])
        found = {(side, key, json.dumps(entry)) for (side, key, _), entry in
                 differences(wine, t13).items()}
        self.assertEqual(found, {("wine only", "mutex", json.dumps("Global\\sbx-test-mutex")),
                                 ("emulator only", "mutex", json.dumps("sbx-antiemu-proceed"))})
        _, t03 = self.emulate(os.path.join(X64_DIR, "t03_filedrop.exe"), [])
        tampered = dict(t03, files_written=[dict(f, sha256="0" * 64) for f in t03["files_written"]])
        self.assertEqual(len(differences(t03, tampered)), 4)

    def assert_agree(self, test, wine_behavior, emulator_behavior):
        found = differences(wine_behavior, emulator_behavior)
        listed = {(side, key, wine_harness.canonical(entry)): reason
                  for (gap_test, side, key, entry), reason in KNOWN_GAPS.items()
                  if gap_test == test}
        unexplained = [f"{side}: {key}: {json.dumps(found[(side, key, c)])}"
                       for (side, key, c) in sorted(found, key=repr)
                       if (side, key, c) not in listed]
        closed = [f"{side}: {key}: {c} ({reason})" for (side, key, c), reason in listed.items()
                  if (side, key, c) not in found]
        self.assertEqual(unexplained, [],
                         "wine and the emulator differ:\n" + "\n".join(unexplained))
        self.assertEqual(closed, [], "known gaps no longer seen, remove them from KNOWN_GAPS:\n"
                         + "\n".join(closed))

    def test_t10_shellcode_alone_starts_what_the_exe_started_under_wine(self):
        wine = self.wine("t10_pebwalk")
        behavior, emulator = self.emulate(os.path.join(X64_DIR, "t10_pebwalk.bin"), [],
                                          extra=("--arch", "x64"))
        self.assertEqual(behavior.get("input_kind"), "shellcode")
        self.assertEqual([wine_harness.canonical(p) for p in emulator["proc"]],
                         [wine_harness.canonical(p) for p in wine["behavior"]["proc"]])


def _add_program_test(test):
    def method(self):
        self.check_program(test)
    method.__name__ = f"test_{test}_emulated_agrees_with_wine"
    setattr(WineVsEmulatorTest, method.__name__, method)


for _test in TESTS:
    _add_program_test(_test)


if __name__ == "__main__":
    unittest.main()
