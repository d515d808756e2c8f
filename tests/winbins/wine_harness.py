#!/usr/bin/env python3
"""Runs a test program of tests/winbins under Debian's wine64 and reduces what wine observed to
the normalised behaviour set of expected/<test>.json (research 3.8 and 3.9, README.md here).

One run:
  1. a template prefix is made once (wineboot -i) with wine's relay trace limited to the APIs in
     RELAY_APIS, and copied for every run, so each run starts from the same state;
  2. a loopback HTTP server and a loopback TCP server are started; they record every request
     and every byte a program sends;
  3. the program runs under wine64 with a timeout (WINEDEBUG=+pid,+relay,+loaddll), then the
     wineserver is waited for, which writes the registry to user.reg / system.reg;
  4. the observations are reduced: stdout markers (SBX|test|step|value); relay calls made by the
     program's own image (mutexes, processes, DNS names, services, cross-process memory); the
     registry values that differ from the template; the files under drive_c that differ, with
     SHA-256; the HTTP requests and TCP connections the servers saw.

Only names containing "sbx" are kept from the registry and file diffs: every test program
touches only such names (README.md), and wine itself writes caches and settings on every run.

Standard library only. As a command:
  wine_harness.py run EXE [ARG ...]   prints the run as JSON. Without ARGs, the "args" of
                                      expected/<test>.json are used. Placeholders in ARGs such
                                      as {http_base} are filled in (PLACEHOLDERS below).
  wine_harness.py check EXE           runs EXE and compares with expected/<test>.json; exit 1
                                      on a difference.
"""
import argparse
import contextlib
import hashlib
import http.server
import json
import os
import re
import shutil
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED_DIR = os.path.join(HERE, "expected")

# The body the loopback HTTP server answers every request with. Expected files name it only
# through {http_body_sha256} and {http_body_size}, so the emulator can serve its own.
HTTP_BODY = b"SBX canned HTTP payload served by tests/winbins/wine_harness.py\r\n" * 16
# What the loopback TCP server answers once a program has sent its first bytes.
TCP_ANSWER = b"SBXOK"

# The behaviour keys of an expected file (README.md describes each) and the ones wine can
# observe. dynamic_code (code run from memory written at run time) is visible only to the
# emulator.
BEHAVIOR_KEYS = ("mutex", "reg_set", "files_written", "proc", "dns", "http", "tcp", "services",
                 "inject", "dynamic_code")
WINE_OBSERVABLE_KEYS = tuple(k for k in BEHAVIOR_KEYS if k != "dynamic_code")

# Values compared without regard to case: Windows paths, registry keys and host names.
CASE_INSENSITIVE_FIELDS = {"path", "key", "cmdline", "bin_path"}

# The relay trace is limited to these functions (HKCU\Software\Wine\Debug\RelayInclude), which
# keeps it small; it covers the behaviour keys and the API sequence the emulator is compared on.
RELAY_APIS = (
    "CreateMutexA", "CreateMutexW", "CreateMutexExA", "CreateMutexExW", "OpenMutexA",
    "CreateProcessA", "CreateProcessW", "WinExec", "ShellExecuteA", "ShellExecuteW",
    "ShellExecuteExA", "CreateFileA", "WriteFile", "CopyFileA", "CreateDirectoryA",
    "GetTempPathA", "GetModuleFileNameA", "ExpandEnvironmentStringsA", "VirtualAlloc",
    "VirtualProtect", "VirtualFree", "VirtualAllocEx", "WriteProcessMemory",
    "CreateRemoteThread", "TerminateProcess", "WaitForSingleObject", "LoadLibraryA",
    "GetProcAddress", "Sleep", "GetTickCount", "IsDebuggerPresent", "GetComputerNameA",
    "CreateToolhelp32Snapshot", "Process32First", "Process32Next", "FindResourceA",
    "LoadResource", "SizeofResource", "LockResource", "RegCreateKeyExA", "RegSetValueExA",
    "RegQueryValueExA", "RegOpenKeyExA", "RegCloseKey", "OpenSCManagerA", "CreateServiceA",
    "CreateServiceW", "DeleteService", "StartServiceA", "CloseServiceHandle", "InternetOpenA",
    "InternetOpenUrlA", "InternetConnectA", "HttpOpenRequestA", "HttpSendRequestA",
    "HttpQueryInfoA", "InternetReadFile", "InternetCloseHandle", "URLDownloadToFileA",
    "WSAStartup", "WSACleanup", "gethostbyname", "getaddrinfo", "GetAddrInfoW", "socket",
    "connect", "send", "recv", "closesocket", "setsockopt")

SERVICE_START_TYPES = {0: "boot", 1: "system", 2: "auto", 3: "demand", 4: "disabled"}
CURRENT_PROCESS = 0xFFFFFFFFFFFFFFFF  # GetCurrentProcess(), as relay prints it on x64

# Wine's per-user folders, most specific first, and the placeholders that paths in files,
# command lines and registry data are reduced to, because the user name (and on Windows the
# TEMP location) differs between wine, the emulator and a real machine. Fixed paths such as
# C:\ProgramData stay as they are and compare without regard to case.
PATH_PREFIXES = (
    (r"C:\users\{user}\Temp", "%TEMP%"),
    (r"C:\users\{user}\AppData\Roaming", "%APPDATA%"),
    (r"C:\users\{user}\AppData\Local", "%LOCALAPPDATA%"),
    (r"C:\users\{user}", "%USERPROFILE%"),
)

# Wine's WinINet cache is the browser's store, not something a program wrote.
IGNORED_FILE_PARTS = ("\\inetcache\\", "\\temporary internet files\\", "\\cookies\\")

# Wine's DLL folders: about 680 MB that no test program writes (they write only sbx names in
# the profile). Runs hard-link them from the template instead of copying, which saves most of
# a run's time on a loaded machine.
SHARED_LIBRARY_FOLDERS = ("system32", "syswow64", "winsxs")

RUN_TIMEOUT_SECONDS = 90
WINESERVER_WAIT_SECONDS = 60


# ---------------------------------------------------------------------------------------------
# Expected files and comparison


def test_name(exe_path):
    return os.path.splitext(os.path.basename(exe_path))[0]


def arch_of(exe_path):
    """x86 or x64, from the PE machine field."""
    with open(exe_path, "rb") as f:
        head = f.read(4096)
    (lfanew,) = struct.unpack_from("<I", head, 0x3C)
    (machine,) = struct.unpack_from("<H", head, lfanew + 4)
    return {0x14C: "x86", 0x8664: "x64"}.get(machine, hex(machine))


def load_expected(test):
    with open(os.path.join(EXPECTED_DIR, test + ".json"), encoding="utf-8") as f:
        return json.load(f)


def expand(value, values):
    """Fills {name} placeholders. A string that is exactly one placeholder takes the value's type
    (so "{self_size}" becomes a number); unknown names are left as they are."""
    if isinstance(value, dict):
        return {k: expand(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, values) for v in value]
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return re.sub(r"\{(\w+)\}",
                      lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0),
                      value)
    return value


def expected_for(test, arch, values):
    """expected/<test>.json with placeholders filled from values and its arch_values."""
    expected = load_expected(test)
    merged = dict(values)
    merged.update(expected.get("arch_values", {}).get(arch, {}))
    return expand(expected, merged)


def canonical(item):
    """A hashable, case-folded form of one behaviour entry for set comparison."""
    if isinstance(item, dict):
        return tuple(sorted((k, v.lower() if k in CASE_INSENSITIVE_FIELDS and isinstance(v, str)
                             else v) for k, v in item.items()))
    return item.lower() if isinstance(item, str) else item


def compare_behavior(expected, observed, keys):
    """Differences between two behaviour sets over keys, as readable lines (empty if equal).
    A key missing from a set means nothing of that kind."""
    differences = []
    for key in keys:
        want = {canonical(x): x for x in expected.get(key, [])}
        got = {canonical(x): x for x in observed.get(key, [])}
        for c in sorted(set(want) - set(got), key=repr):
            differences.append(f"{key}: expected but not observed: {json.dumps(want[c])}")
        for c in sorted(set(got) - set(want), key=repr):
            differences.append(f"{key}: observed but not expected: {json.dumps(got[c])}")
    return differences


def missing_in_order(wanted, seen):
    """The API names of wanted that seen does not contain as an ordered subsequence (research
    3.9: the emulator's API log against wine's relay sequence, restricted to the modelled APIs;
    names only, since wine forwards kernel32 calls to kernelbase). Empty when all are there."""
    position = 0
    for index, name in enumerate(wanted):
        while position < len(seen) and seen[position] != name:
            position += 1
        if position == len(seen):
            return list(wanted[index:])
        position += 1
    return []


def missing_markers(expected_markers, markers):
    """The expected "step|value" markers the run did not print."""
    printed = {f"{step}|{value}" for step, value in markers}
    return [m for m in expected_markers if m not in printed]


# ---------------------------------------------------------------------------------------------
# Loopback servers


class _HttpHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, with_body):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20)) if length else b""
        self.server.requests.append({
            "method": self.command, "host": self.headers.get("Host", ""), "path": self.path,
            "user_agent": self.headers.get("User-Agent", ""), "body_bytes": len(body)})
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(HTTP_BODY)))
        self.end_headers()
        if with_body:
            self.wfile.write(HTTP_BODY)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._answer(True)

    def do_POST(self):  # noqa: N802
        self._answer(True)

    def do_HEAD(self):  # noqa: N802
        self._answer(False)

    def log_message(self, *args):
        pass


class _TcpHandler(socketserver.BaseRequestHandler):
    # A silent or slow client must not hold the harness.
    IDLE_SECONDS = 5
    MAX_BYTES = 1 << 16

    def handle(self):
        self.request.settimeout(self.IDLE_SECONDS)
        received = b""
        answered = False
        with contextlib.suppress(OSError):
            while len(received) < self.MAX_BYTES:
                chunk = self.request.recv(4096)
                if not chunk:
                    break
                received += chunk
                if not answered:
                    self.request.sendall(TCP_ANSWER)
                    answered = True
        self.server.connections.append({"port": self.server.server_address[1],
                                        "received": received})


class _ThreadingTcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = True
    allow_reuse_address = True


class LoopbackServers:
    """An HTTP and a raw TCP server on 127.0.0.1, on free ports, recording what they get."""

    def __enter__(self):
        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HttpHandler)
        self.http.requests = []
        self.tcp = _ThreadingTcpServer(("127.0.0.1", 0), _TcpHandler)
        self.tcp.connections = []
        self._stopped = False
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True)
                         for s in (self.http, self.tcp)]
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        """Stops both servers and waits for their handlers; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        for server in (self.http, self.tcp):
            server.shutdown()
            server.server_close()

    def values(self):
        http_port = self.http.server_address[1]
        return {
            "http_base": f"http://127.0.0.1:{http_port}",
            "http_body_sha256": hashlib.sha256(HTTP_BODY).hexdigest(),
            "http_body_size": len(HTTP_BODY),
            # gethostbyname("localhost") is a real name lookup that wine answers from /etc/hosts.
            "tcp_host": "localhost",
            "tcp_ip": "127.0.0.1",
            "tcp_port": self.tcp.server_address[1],
            "tcp_answer": TCP_ANSWER.decode("ascii"),
        }


# ---------------------------------------------------------------------------------------------
# Parsing wine's output


MARKER = re.compile(r"^SBX\|([^|]+)\|([^|]*)\|(.*?)\r?$")


def parse_markers(stdout, test):
    return [(m.group(2), m.group(3)) for m in map(MARKER.match, stdout.splitlines())
            if m and m.group(1) == test]


# Relay lines with +pid: "PID:TID:Call DLL.Function(arguments) ret=CALLER" and
# "PID:TID:Ret  DLL.Function() retval=VALUE ret=CALLER"; +loaddll names each image's base.
_RELAY_CALL = re.compile(
    r"^([0-9a-f]{4}):([0-9a-f]{4}):Call ([\w.]+)\.(\w+)\((.*)\) ret=([0-9a-f]+)$")
_RELAY_RET = re.compile(
    r"^([0-9a-f]{4}):([0-9a-f]{4}):Ret  ([\w.]+)\.(\w+)\(\) retval=([0-9a-f]+) ret=([0-9a-f]+)$")
_RELAY_ARG = re.compile(r'\s*([0-9a-f]+)(?: (L?)"((?:[^"\\]|\\.)*)")?\s*(?:,|$)')
_LOADED = re.compile(
    r'^([0-9a-f]{4}):[0-9a-f]{4}:trace:loaddll:\w+ Loaded L"(.*)" at ([0-9A-Fa-f]+): native$')


def unescape_debugstr(text):
    """Undoes wine's debugstr_a / debugstr_w escaping."""
    simple = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "0": "\0"}

    def one(m):
        s = m.group(1)
        if s[0] in simple and len(s) == 1:
            return simple[s]
        return chr(int(s[1:], 16))
    return re.sub(r"\\(x[0-9a-fA-F]{2,4}|u[0-9a-fA-F]{4}|.)", one, text)


def parse_relay_args(text):
    """Relay arguments: each a number, or a number with the string it points to."""
    args = []
    pos = 0
    while pos < len(text):
        m = _RELAY_ARG.match(text, pos)
        if not m or m.end() == pos:
            break
        number = int(m.group(1), 16)
        args.append(unescape_debugstr(m.group(3)) if m.group(3) is not None else number)
        pos = m.end()
    return args


def size_of_image(exe_path):
    with open(exe_path, "rb") as f:
        head = f.read(4096)
    (lfanew,) = struct.unpack_from("<I", head, 0x3C)
    (size,) = struct.unpack_from("<I", head, lfanew + 24 + 56)  # OptionalHeader.SizeOfImage
    return size


def program_calls(relay_text, exe_path):
    """The relayed calls made by the program's own image, in order: the first process that
    loaded it, and only return addresses inside it (wine's DLLs call each other too)."""
    exe_name = os.path.basename(exe_path).lower()
    pid = base = None
    for line in relay_text.splitlines():
        m = _LOADED.match(line)
        if m and m.group(2).replace("\\\\", "\\").lower().endswith("\\" + exe_name):
            pid, base = m.group(1), int(m.group(3), 16)
            break
    if pid is None:
        return []
    end = base + size_of_image(exe_path)
    calls = []
    pending = {}
    for line in relay_text.splitlines():
        if not line.startswith(pid + ":"):
            continue
        m = _RELAY_CALL.match(line)
        if m:
            ret = int(m.group(6), 16)
            if base <= ret < end:
                call = {"api": m.group(4), "args": parse_relay_args(m.group(5))}
                calls.append(call)
                pending.setdefault((m.group(2), m.group(4), ret), []).append(call)
            continue
        m = _RELAY_RET.match(line)
        if m:
            waiting = pending.get((m.group(2), m.group(4), int(m.group(6), 16)))
            if waiting:
                waiting.pop()["retval"] = int(m.group(5), 16)
    return calls


def _arg(call, index):
    args = call["args"]
    return args[index] if index < len(args) else None


def behavior_from_calls(calls, normalise_text):
    """mutex, proc, dns, services and inject entries from the program's relayed calls."""
    result = {"mutex": [], "proc": [], "dns": [], "services": [], "inject": []}
    services_by_handle = {}
    for call in calls:
        api = call["api"]
        if api in ("CreateMutexA", "CreateMutexW") and isinstance(_arg(call, 2), str):
            result["mutex"].append(_arg(call, 2))
        elif api in ("CreateMutexExA", "CreateMutexExW") and isinstance(_arg(call, 1), str):
            result["mutex"].append(_arg(call, 1))
        elif api in ("CreateProcessA", "CreateProcessW"):
            application, command = _arg(call, 0), _arg(call, 1)
            cmdline = command if isinstance(command, str) else application
            result["proc"].append({"api": api, "cmdline": normalise_text(cmdline or "")})
        elif api == "WinExec":
            result["proc"].append({"api": api, "cmdline": normalise_text(_arg(call, 0) or "")})
        elif api in ("ShellExecuteA", "ShellExecuteW"):
            file, params = _arg(call, 2), _arg(call, 3)
            cmdline = file if isinstance(file, str) else ""
            if isinstance(params, str) and params:
                cmdline += " " + params
            result["proc"].append({"api": api, "cmdline": normalise_text(cmdline)})
        elif api == "gethostbyname" and isinstance(_arg(call, 0), str):
            result["dns"].append(_arg(call, 0))
        elif api in ("getaddrinfo", "GetAddrInfoW") and isinstance(_arg(call, 0), str):
            result["dns"].append(_arg(call, 0))
        elif api in ("CreateServiceA", "CreateServiceW"):
            service = {"name": _arg(call, 1), "bin_path": normalise_text(_arg(call, 7) or ""),
                       "start_type": SERVICE_START_TYPES.get((_arg(call, 5) or 0) & 0xFFFFFFFF,
                                                             "unknown"),
                       "deleted": False}
            result["services"].append(service)
            if call.get("retval"):
                services_by_handle[call["retval"]] = service
        elif api == "DeleteService" and _arg(call, 0) in services_by_handle:
            services_by_handle[_arg(call, 0)]["deleted"] = True
        elif api in ("VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread"):
            if _arg(call, 0) not in (CURRENT_PROCESS, 0xFFFFFFFF):
                entry = {"api": api}
                if api == "WriteProcessMemory":
                    entry["size"] = _arg(call, 3)
                result["inject"].append(entry)
    return result


# Registry files: wine's own text format ("WINE REGISTRY Version 2").
_REG_KEY = re.compile(r"^\[(.*)\](?: \d+)?$")
_REG_VALUE = re.compile(r'^(@|"(?:[^"\\]|\\.)*")=(.*)$')


def parse_reg_file(path):
    """{key path: {value name: (type, data)}} of a wine .reg file."""
    keys = {}
    current = None
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        # A value's hex data continues on the next line after a trailing backslash.
        while line.endswith("\\") and i + 1 < len(lines) and not line.endswith("\\\\"):
            i += 1
            line = line[:-1] + lines[i].strip()
        i += 1
        m = _REG_KEY.match(line)
        if m:
            current = keys.setdefault(unescape_debugstr(m.group(1)), {})
            continue
        m = _REG_VALUE.match(line)
        if m and current is not None:
            name = "" if m.group(1) == "@" else unescape_debugstr(m.group(1)[1:-1])
            current[name] = _reg_data(m.group(2))
    return keys


def _reg_data(text):
    if text.startswith('"'):
        return ("REG_SZ", unescape_debugstr(text[1:-1]))
    if text.startswith('str(2):"'):
        return ("REG_EXPAND_SZ", unescape_debugstr(text[8:-1]))
    if text.startswith('str(7):"'):
        return ("REG_MULTI_SZ", unescape_debugstr(text[8:-1]).rstrip("\0").split("\0"))
    if text.startswith("dword:"):
        return ("REG_DWORD", int(text[6:], 16))
    m = re.match(r"^hex(?:\(([0-9a-f]+)\))?:(.*)$", text)
    if m:
        data = bytes(int(b, 16) for b in m.group(2).split(",") if b.strip())
        kind = int(m.group(1) or "3", 16)
        if kind == 7:
            return ("REG_MULTI_SZ", data.decode("utf-16-le").rstrip("\0").split("\0"))
        if kind in (1, 2):
            return ("REG_SZ" if kind == 1 else "REG_EXPAND_SZ",
                    data.decode("utf-16-le").rstrip("\0"))
        if kind == 0xB and len(data) == 8:
            return ("REG_QWORD", struct.unpack("<Q", data)[0])
        return ("REG_BINARY" if kind == 3 else f"REG_TYPE_{kind}", data.hex())
    return ("REG_UNKNOWN", text)


def registry_diff(template_prefix, run_prefix, normalise_text):
    """Values set or changed by the run whose key or name contains "sbx"."""
    changes = []
    for file_name, root in (("user.reg", "HKCU"), ("system.reg", "HKLM")):
        before = parse_reg_file(os.path.join(template_prefix, file_name))
        after = parse_reg_file(os.path.join(run_prefix, file_name))
        for key, values in after.items():
            old = before.get(key, {})
            for name, (kind, data) in values.items():
                if old.get(name) == (kind, data):
                    continue
                if "sbx" not in (key + "\\" + name).lower():
                    continue
                if isinstance(data, str):
                    data = normalise_text(data)
                changes.append({"key": f"{root}\\{key}", "value": name, "type": kind,
                                "data": data})
    return changes


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_diff(template_prefix, run_prefix, normalise_text):
    """Files under drive_c whose path contains "sbx" and that are new or changed."""
    written = []
    drive_c = os.path.join(run_prefix, "drive_c")
    for folder, _dirs, names in os.walk(drive_c):
        for name in names:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, drive_c)
            windows = "C:\\" + relative.replace("/", "\\")
            if "sbx" not in relative.lower() or os.path.islink(path):
                continue
            if any(part in windows.lower() for part in IGNORED_FILE_PARTS):
                continue
            before = os.path.join(template_prefix, "drive_c", relative)
            digest = sha256_file(path)
            if os.path.isfile(before) and sha256_file(before) == digest:
                continue
            written.append({"path": normalise_text(windows), "sha256": digest,
                            "size": os.path.getsize(path)})
    return written


def make_text_normaliser(user):
    prefixes = [(p.replace("{user}", user), placeholder) for p, placeholder in PATH_PREFIXES]

    def normalise(text):
        for prefix, placeholder in prefixes:
            text = re.sub(re.escape(prefix) + r"(?=\\|$|\")", lambda _m: placeholder, text,
                          flags=re.IGNORECASE)
        return text
    return normalise


# ---------------------------------------------------------------------------------------------
# Running


def find_wine():
    for candidate in ("wine64", "/usr/lib/wine/wine64"):
        path = shutil.which(candidate)
        if path:
            return path
    return None


class WineHarness:
    """Owns a work folder with the template prefix; run() may be called many times."""

    def __init__(self, work_dir=None, wine=None):
        self.wine = wine or find_wine()
        if self.wine is None:
            raise RuntimeError("wine64 is not installed (scripts/install-deps installs it)")
        beside = os.path.join(os.path.dirname(os.path.realpath(self.wine)), "wineserver")
        self.wineserver = beside if os.path.exists(beside) else shutil.which("wineserver")
        self._own_work_dir = work_dir is None
        self.work_dir = work_dir or tempfile.mkdtemp(prefix="kensa-winbins-")
        self.template = os.path.join(self.work_dir, "template")
        self.template_seconds = None
        self.user = None

    def close(self):
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _env(self, prefix, debug="-all"):
        env = dict(os.environ)
        env.update({"WINEPREFIX": prefix, "WINEDEBUG": debug,
                    # No Mono / Gecko installer dialogs: console programs need neither.
                    "WINEDLLOVERRIDES": "mscoree,mshtml="})
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def _wait_server(self, prefix):
        subprocess.run([self.wineserver, "-w"], env=self._env(prefix), check=False,
                       timeout=WINESERVER_WAIT_SECONDS, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _wine(self, prefix, args, timeout, debug="-all", stdout=None, stderr=None):
        # Output goes to files, not pipes: wine's background services inherit the handles,
        # and a pipe would then never reach end-of-file.
        return subprocess.run([self.wine] + args, env=self._env(prefix, debug),
                              stdin=subprocess.DEVNULL, stdout=stdout or subprocess.DEVNULL,
                              stderr=stderr or subprocess.DEVNULL, timeout=timeout, check=False)

    def ensure_template(self):
        if not os.path.isdir(self.template):
            self._make_template()
        users = os.path.join(self.template, "drive_c", "users")
        self.user = next(n for n in sorted(os.listdir(users)) if n.lower() != "public")

    def _make_template(self):
        started = time.monotonic()
        self._wine(self.template, ["wineboot", "-i"], timeout=300)
        self._wait_server(self.template)
        self._wine(self.template, ["reg", "add", r"HKCU\Software\Wine\Debug", "/v",
                                   "RelayInclude", "/d", ";".join(RELAY_APIS), "/f"], timeout=120)
        self._wait_server(self.template)
        users = os.path.join(self.template, "drive_c", "users")
        # wineboot links Desktop, Documents... to the Unix home folder; make them real folders
        # so nothing a program does can reach the developer's own files.
        for user in os.listdir(users):
            profile = os.path.join(users, user)
            for name in os.listdir(profile):
                link = os.path.join(profile, name)
                if os.path.islink(link):
                    os.unlink(link)
                    os.mkdir(link)
        self.template_seconds = time.monotonic() - started

    def _copy_file(self, source, target):
        relative = os.path.relpath(source, self.template).split(os.sep)
        if (len(relative) > 3 and relative[:2] == ["drive_c", "windows"]
                and relative[2].lower() in SHARED_LIBRARY_FOLDERS
                and "sbx" not in source.lower()):
            os.link(source, target)
        else:
            shutil.copy2(source, target)

    def run(self, exe, args=None, timeout=RUN_TIMEOUT_SECONDS):
        """Runs exe (args may hold placeholders) and returns the observations as a dict."""
        self.ensure_template()
        exe = os.path.abspath(exe)
        test = test_name(exe)
        if args is None:
            expected_path = os.path.join(EXPECTED_DIR, test + ".json")
            args = load_expected(test).get("args", []) if os.path.exists(expected_path) else []
        prefix = tempfile.mkdtemp(prefix=test + "-", dir=self.work_dir)
        os.rmdir(prefix)
        shutil.copytree(self.template, prefix, symlinks=True, copy_function=self._copy_file)
        try:
            with LoopbackServers() as servers:
                values = servers.values()
                values.update({"self_sha256": sha256_file(exe), "self_size": os.path.getsize(exe)})
                actual_args = [str(expand(a, values)) for a in args]
                stdout_path = os.path.join(prefix, "stdout.txt")
                relay_path = os.path.join(prefix, "relay.txt")
                started = time.monotonic()
                timed_out = False
                with open(stdout_path, "wb") as out, open(relay_path, "wb") as err:
                    try:
                        process = self._wine(prefix, [exe] + actual_args, timeout,
                                             debug="-all,+pid,+relay,+loaddll", stdout=out,
                                             stderr=err)
                        exit_code = process.returncode
                    except subprocess.TimeoutExpired:
                        timed_out, exit_code = True, None
                # The wineserver writes the registry files when it ends, after the last process.
                if timed_out:
                    subprocess.run([self.wineserver, "-k"], env=self._env(prefix), check=False,
                                   timeout=WINESERVER_WAIT_SECONDS)
                self._wait_server(prefix)
                seconds = time.monotonic() - started
                servers.stop()
                http_requests = list(servers.http.requests)
                connections = list(servers.tcp.connections)
            with open(stdout_path, encoding="utf-8", errors="replace") as f:
                stdout = f.read()
            with open(relay_path, encoding="utf-8", errors="replace") as f:
                relay = f.read()
            normalise = make_text_normaliser(self.user)
            calls = program_calls(relay, exe)
            behavior = behavior_from_calls(calls, normalise)
            behavior["reg_set"] = registry_diff(self.template, prefix, normalise)
            behavior["files_written"] = files_diff(self.template, prefix, normalise)
            behavior["http"] = [{"method": r["method"], "url": f"http://{r['host']}{r['path']}"}
                                for r in http_requests]
            behavior["tcp"] = [{"dest": f"127.0.0.1:{c['port']}",
                                "sent": c["received"].decode("latin-1")} for c in connections]
            behavior = {k: behavior.get(k, []) for k in WINE_OBSERVABLE_KEYS}
            markers = parse_markers(stdout, test)
            return {
                "test": test,
                "exe": exe,
                "arch": arch_of(exe),
                "args": actual_args,
                "values": values,
                "exit_code": exit_code,
                "timed_out": timed_out,
                "seconds": round(seconds, 2),
                "done": ("done", "0") in markers,
                "markers": [f"{s}|{v}" for s, v in markers],
                "behavior": behavior,
                "api_sequence": calls,
                "http_requests": http_requests,
            }
        finally:
            shutil.rmtree(prefix, ignore_errors=True)


def check(result):
    """Differences between a run and its expected file (markers and wine-observable keys)."""
    expected = expected_for(result["test"], result["arch"], result["values"])
    problems = []
    if not result["done"]:
        problems.append("the program did not print its done marker")
    problems += [f"marker missing: {m}" for m in
                 missing_markers(expected.get("markers", []),
                                 [tuple(m.split("|", 1)) for m in result["markers"]])]
    problems += compare_behavior(expected.get("behavior", {}), result["behavior"],
                                 WINE_OBSERVABLE_KEYS)
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run EXE under wine64 and print the JSON")
    run_parser.add_argument("exe")
    run_parser.add_argument("args", nargs="*", help="program arguments (default: expected file)")
    run_parser.add_argument("--timeout", type=float, default=RUN_TIMEOUT_SECONDS)
    run_parser.add_argument("--with-calls", action="store_true",
                            help="include the relayed API sequence")
    check_parser = sub.add_parser("check", help="run EXE and compare with its expected file")
    check_parser.add_argument("exe")
    options = parser.parse_args(argv)

    with WineHarness() as harness:
        if options.command == "run":
            result = harness.run(options.exe, options.args or None, timeout=options.timeout)
            if not options.with_calls:
                result.pop("api_sequence")
            json.dump(result, sys.stdout, indent=2, sort_keys=True)
            print()
            return 0
        result = harness.run(options.exe)
        problems = check(result)
        for problem in problems:
            print(problem)
        print(f"{result['test']}: {'OK' if not problems else 'DIFFERENT'} ({result['seconds']} s)")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
