#!/usr/bin/env python3
"""Kensa's emulator against Mandiant's speakeasy on the same files (issue #4 item 8).

Not a test: it prints numbers and never fails on time. Run it through bench/run-emulator-bench,
which installs speakeasy (PyPI speakeasy-emulator) into a throwaway virtual environment and builds
kensa-emulate and the test programs.

The files: the test programs of tests/winbins (x86 and x64 .exe, and the t10 shellcode .bin of
each architecture) from the build tree, and speakeasy's own test binaries
(../shared/corpora/speakeasy-tests, xz-compressed; decompressed into a temporary folder that is
deleted at the end). Programs that take arguments (a URL, a host and port) get the same ones on
both sides. Each file runs --runs times per emulator (default 3), one process each, in a
temporary working folder, and each side keeps its fastest run: single runs of 10 ms are mostly
the noise of a shared machine, for both tools alike.
  Kensa      bin/kensa-emulate FILE (bench/kensa_emulate.cc), default limits;
  speakeasy  bench/peers/speakeasy_peer.py FILE, what `speakeasy -t FILE` runs (every entry
             point), default configuration.
"seconds" is each tool's own measure of the emulation (loading, running, building the report),
without process start-up; "process" is the wall time of the whole process (speakeasy's includes
starting Python and importing speakeasy, about a second).

Events are counted by kind (file, registry, network, process, mutex, service). speakeasy reports
files, registry, network and processes as events; its mutexes and services are taken from its
API log (CreateMutex*/OpenMutex*, *Service* calls), as it records no event for them. For each
file, the distinct targets of each kind (paths, keys, DNS names and host:port, command lines,
names; profile paths reduced to %TEMP%, %APPDATA%, ...) that speakeasy saw and Kensa did not are
listed: those are model gaps.

Finally both run a compute-bound shellcode (x86 `dec ecx / jnz`, 50 M instructions) for
emulated instructions per second.
"""

import argparse
import json
import lzma
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

KINDS = ("file", "registry", "network", "process", "mutex", "service")
# One file may not hold the benchmark longer than this (speakeasy's own timeout is 60 s).
RUN_TIMEOUT_SECONDS = 300
# The compute-bound shellcode: mov ecx, N / L: dec ecx / jnz L / ret (x86), 2N + 2 instructions.
LOOP_ITERATIONS = 25_000_000
# What a program taking a URL or a host and port gets on both sides (neither emulator reaches
# the network: both answer every name and request themselves).
PLACEHOLDER_VALUES = {
    "http_base": "http://sbx-bench.example:8080",
    "tcp_host": "sbx-bench.example",
    "tcp_port": "4444",
}
# speakeasy's test binaries: the shellcode is x64 (an HTTPS stager); drivers are listed too,
# although Kensa's emulator does not run drivers (it ends with unsupported_file).
SPEAKEASY_SHELLCODE_ARCH = {"sc2.bin": "x64"}

# Profile folders of each emulator, most specific first, reduced to the same placeholders.
PROFILE_PREFIXES = {
    "kensa": ((r"c:\users\jsmith\appdata\local\temp", "%temp%"),
              (r"c:\users\jsmith\appdata\roaming", "%appdata%"),
              (r"c:\users\jsmith\appdata\local", "%localappdata%"),
              (r"c:\users\jsmith", "%userprofile%")),
    "speakeasy": ((r"c:\windows\temp", "%temp%"),
                  (r"c:\users\speakeasy_user\appdata\roaming", "%appdata%"),
                  (r"c:\users\speakeasy_user\appdata\local", "%localappdata%"),
                  (r"c:\users\speakeasy_user", "%userprofile%")),
}
REGISTRY_ROOTS = (("hkey_current_user", "hkcu"), ("hkey_local_machine", "hklm"),
                  ("hkey_classes_root", "hkcr"), ("hkey_users", "hku"))


def gather_files(winbins_dir, corpora, dest):
    """(name, path, arch for shellcode or None, args) of every file, winbins first."""
    files = []
    expected_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "winbins", "expected")
    for arch in ("x86", "x64"):
        folder = os.path.join(winbins_dir, arch)
        for name in sorted(os.listdir(folder)):
            test, ext = os.path.splitext(name)
            if ext not in (".exe", ".bin"):
                continue
            args = []
            expected = os.path.join(expected_dir, test + ".json")
            if os.path.exists(expected):
                with open(expected, encoding="utf-8") as f:
                    args = [re.sub(r"\{(\w+)\}",
                                   lambda m: PLACEHOLDER_VALUES.get(m.group(1), m.group(0)), a)
                            for a in json.load(f).get("args", [])]
            files.append((f"{arch}/{name}", os.path.join(folder, name),
                          arch if ext == ".bin" else None, args))
    bins = os.path.join(corpora, "speakeasy-tests", "tests", "bins")
    for name in sorted(os.listdir(bins)):
        if name.endswith(".c"):
            continue
        path = os.path.join(bins, name)
        if name.endswith(".xz"):
            name = name[:-3]
            target = os.path.join(dest, name)
            with lzma.open(path) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            path = target
        files.append((f"speakeasy/{name}", path, SPEAKEASY_SHELLCODE_ARCH.get(name), []))
    return files


def run_json(command, cwd):
    """Runs one process in cwd; (parsed JSON or None, wall seconds, error text)."""
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=RUN_TIMEOUT_SECONDS,
                              check=False)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started, f"timeout {RUN_TIMEOUT_SECONDS} s"
    wall = time.monotonic() - started
    if done.returncode != 0:
        return None, wall, (done.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
    try:
        return json.loads(done.stdout), wall, None
    except json.JSONDecodeError as e:
        return None, wall, f"bad JSON: {e}"


# Where each emulator says the sample itself lives (Kensa: EnvironmentProfile.sample_path;
# speakeasy: the system folder and the file's own name).
KENSA_SAMPLE_PATH = r"c:\users\jsmith\desktop\sample.exe"


def normalise_path(text, tool, sample_name=""):
    text = text.lower().replace("/", "\\")
    if text.startswith("\\??\\"):
        text = text[4:]
    own = KENSA_SAMPLE_PATH if tool == "kensa" else "c:\\windows\\system32\\" + sample_name.lower()
    text = text.replace(own, "%self%")
    for prefix, placeholder in PROFILE_PREFIXES[tool]:
        if text == prefix or text.startswith(prefix + "\\"):
            return placeholder + text[len(prefix):]
    return text


def normalise_command(text, tool, sample_name=""):
    """A process command line: paths as normalise_path, and numbers of three digits or more
    (process ids each emulator makes up: speakeasy's antidbg.exe runs itself with its pid) as
    %n%."""
    return re.sub(r"(?<![\\\w])\d{3,}(?![\\\w])", "%n%", normalise_path(text, tool, sample_name))


def normalise_key(text):
    text = text.lower()
    for long_name, short in REGISTRY_ROOTS:
        if text.startswith(long_name):
            return short + text[len(long_name):]
    return text


def host_port_of_url(url):
    m = re.match(r"^(https?)://([^/:]+)(?::(\d+))?", url, re.I)
    if not m:
        return None
    return f"{m.group(2).lower()}:{m.group(3) or (443 if m.group(1).lower() == 'https' else 80)}"


def empty_summary():
    return {"seconds": None, "process": None, "api_calls": 0, "instructions": None,
            "counts": {k: 0 for k in KINDS}, "targets": {k: set() for k in KINDS}, "end": "?"}


def summarise_kensa(out, wall, error):
    s = empty_summary()
    s["process"] = wall
    if out is None:
        s["end"] = f"error: {error}"
        return s
    b = out["behavior"]
    s["seconds"] = out["seconds"]
    s["api_calls"] = int(b.get("api_call_count", 0))
    s["instructions"] = int(b.get("instruction_count", 0))
    events = {"file": b.get("file_events", []), "registry": b.get("registry_events", []),
              "network": b.get("network_events", []), "process": b.get("process_events", []),
              "mutex": b.get("mutex_events", []), "service": b.get("service_events", [])}
    for kind, items in events.items():
        s["counts"][kind] = len(items)
        for e in items:
            op, target = e.get("operation", ""), e.get("target", "")
            if kind == "file":
                s["targets"][kind].add(normalise_path(target, "kensa"))
            elif kind == "registry":
                s["targets"][kind].add(normalise_key(target))
            elif kind == "network":
                if op == "dns":
                    s["targets"][kind].add("dns " + target.lower())
                elif op == "connect":
                    s["targets"][kind].add("connect " + target.lower())
                elif op in ("http_request", "download") and host_port_of_url(target):
                    s["targets"][kind].add("connect " + host_port_of_url(target))
            elif kind == "process":
                created = op in ("create", "shell_execute")
                s["targets"][kind].add(
                    "create " + normalise_command(target, "kensa") if created else op)
            elif kind == "mutex" or kind == "service":
                if op != "open_manager":
                    s["targets"][kind].add(target.lower())
    reason = b.get("end_reason", "").replace("EMULATION_END_REASON_", "").lower()
    s["end"] = "finished" if reason == "exited" else f"{reason}: {b.get('end_detail', '')}"
    return s


# speakeasy process event names -> Kensa's operations.
SPEAKEASY_PROCESS_EVENTS = {"mem_write": "write_memory", "mem_alloc": "allocate_memory",
                            "thread_inject": "remote_thread", "mem_read": "read_memory",
                            "mem_protect": "protect_memory"}


def summarise_speakeasy(out, wall, error, sample_name):
    s = empty_summary()
    s["process"] = wall
    if out is None:
        s["end"] = f"error: {error}"
        return s
    s["seconds"] = out["seconds"]
    errors = []
    if out.get("exception"):
        errors.append(out["exception"])
    for ep in out["report"].get("entry_points", []):
        apis = ep.get("apis", [])
        s["api_calls"] += len(apis)
        for item in ep.get("file_access", []):
            s["counts"]["file"] += 1
            s["targets"]["file"].add(
                normalise_path(item.get("path", ""), "speakeasy", sample_name))
        for item in ep.get("registry_access", []):
            s["counts"]["registry"] += 1
            s["targets"]["registry"].add(normalise_key(item.get("path", "")))
        network = ep.get("network_events", {})
        for item in network.get("dns", []):
            s["counts"]["network"] += 1
            s["targets"]["network"].add("dns " + str(item.get("query", "")).lower())
        for item in network.get("traffic", []):
            s["counts"]["network"] += 1
            s["targets"]["network"].add(f"connect {str(item.get('server', '')).lower()}:"
                                        f"{item.get('port')}")
        for item in ep.get("process_events", []):
            s["counts"]["process"] += 1
            event = item.get("event", "")
            if event == "create":
                target = item.get("cmdline") or item.get("path") or ""
                s["targets"]["process"].add(
                    "create " + normalise_command(target, "speakeasy", sample_name))
            else:
                s["targets"]["process"].add(SPEAKEASY_PROCESS_EVENTS.get(event, event))
        for api in apis:
            name = api.get("api_name", "").split(".")[-1]
            args = api.get("args", [])
            if re.match(r"^(Create|Open)Mutex(Ex)?[AW]$", name):
                s["counts"]["mutex"] += 1
                index = 1 if name.startswith("CreateMutexEx") else 2
                name_arg = args[index] if len(args) > index else None
                if isinstance(name_arg, str) and not name_arg.startswith("0x"):
                    s["targets"]["mutex"].add(name_arg.lower())
            elif re.match(r"^(Create|Open|Start|Delete|Control)Service[AW]?$", name):
                s["counts"]["service"] += 1
                if name.startswith(("CreateService", "OpenService")) and len(args) > 1:
                    s["targets"]["service"].add(str(args[1]).lower())
        error = ep.get("error") or {}
        if error:
            where = error.get("api_name") or error.get("pc", "")
            errors.append(f"{ep.get('ep_type')}: {error.get('type')} {where}".strip())
    s["end"] = "finished" if not errors else "error: " + "; ".join(errors)
    return s


def fastest(best, run):
    """The run with the smaller emulation time (a run without one never replaces a timed one)."""
    if best is None:
        return run
    if run["seconds"] is not None and (best["seconds"] is None or run["seconds"] < best["seconds"]):
        return run
    return best


def fmt_seconds(value):
    return "–" if value is None else f"{value:.3f}"


def ratio(peer, kensa):
    if not peer or not kensa:
        return None
    return peer / kensa


def loop_shellcode():
    return (b"\xB9" + LOOP_ITERATIONS.to_bytes(4, "little") + b"\x49\x75\xFD\xC3")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kensa-emulate", required=True, help="bin/kensa-emulate")
    parser.add_argument("--speakeasy-python", required=True,
                        help="python of the virtual environment with speakeasy-emulator")
    parser.add_argument("--winbins", required=True, help="BUILD/tests/winbins")
    parser.add_argument("--corpora", default="../shared/corpora")
    parser.add_argument("--runs", type=int, default=3,
                        help="runs per file and emulator; the fastest of each is kept")
    options = parser.parse_args()
    kensa = os.path.abspath(options.kensa_emulate)
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "speakeasy_peer.py")
    peer_python = os.path.abspath(options.speakeasy_python)

    work = tempfile.mkdtemp(prefix="kensa-emulator-bench-")
    try:
        files = gather_files(os.path.abspath(options.winbins), os.path.abspath(options.corpora),
                             work)
        rows = []
        for name, path, arch, args in files:
            k = s = None
            for _ in range(max(1, options.runs)):
                cwd = tempfile.mkdtemp(dir=work)
                command = [kensa, path] + (["--arch", arch] if arch else [])
                k = fastest(k, summarise_kensa(*run_json(command + (["--"] + args if args else []),
                                                         cwd)))
                command = [peer_python, peer, path] + (
                    ["--arch", "amd64" if arch == "x64" else "x86"] if arch else [])
                s = fastest(s, summarise_speakeasy(
                    *run_json(command + (["--"] + args if args else []), cwd),
                    os.path.basename(path)))
                shutil.rmtree(cwd, ignore_errors=True)
            rows.append((name, k, s))
            print(f"{name}: Kensa {fmt_seconds(k['seconds'])} s, speakeasy "
                  f"{fmt_seconds(s['seconds'])} s", file=sys.stderr)

        print("| file | Kensa s | speakeasy s | ratio | process s K / S | API calls K / S | "
              "file K / S | registry K / S | network K / S | process K / S | mutex K / S | "
              "service K / S | Kensa end | speakeasy end |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, k, s in rows:
            r = ratio(s["seconds"], k["seconds"])
            shown = "–" if r is None else f"{r:.1f}x"
            kinds = " | ".join(f"{k['counts'][kind]} / {s['counts'][kind]}" for kind in KINDS)
            print(f"| {name} | {fmt_seconds(k['seconds'])} | {fmt_seconds(s['seconds'])} | "
                  f"{shown} | {k['process']:.2f} / {s['process']:.2f} | "
                  f"{k['api_calls']} / {s['api_calls']} | {kinds} | {k['end'][:60]} | "
                  f"{s['end'][:60]} |")

        timed = [(k, s) for _, k, s in rows if k["seconds"] and s["seconds"]]
        ratios = [s["seconds"] / k["seconds"] for k, s in timed]
        process_ratios = [s["process"] / k["process"] for k, s in timed]
        print()
        print(f"files: {len(rows)}, timed on both sides: {len(timed)}")
        if timed:
            kensa_total = sum(k["seconds"] for k, _ in timed)
            peer_total = sum(s["seconds"] for _, s in timed)
            print(f"emulation seconds: median ratio {statistics.median(ratios):.1f}x, total ratio "
                  f"{peer_total / kensa_total:.1f}x (Kensa {kensa_total:.2f} s, speakeasy "
                  f"{peer_total:.2f} s)")
            kensa_total = sum(k["process"] for k, _ in timed)
            peer_total = sum(s["process"] for _, s in timed)
            print(f"whole process: median ratio {statistics.median(process_ratios):.1f}x, total "
                  f"ratio {peer_total / kensa_total:.1f}x (Kensa {kensa_total:.2f} s, speakeasy "
                  f"{peer_total:.2f} s)")
        instructions = sum(k["instructions"] or 0 for _, k, _ in rows)
        kensa_seconds = sum(k["seconds"] or 0 for _, k, _ in rows)
        print(f"Kensa over all files: {instructions:,} instructions in {kensa_seconds:.2f} s, "
              f"{sum(k['api_calls'] for _, k, _ in rows):,} API calls; speakeasy "
              f"{sum(s['api_calls'] for _, _, s in rows):,} API calls")
        at_least = [name for name, k, s in rows
                    if all(s["targets"][kind] <= k["targets"][kind] for kind in KINDS)
                    and k["api_calls"] >= s["api_calls"]]
        faster_and_same = [name for name, k, s in rows
                           if name in at_least and k["seconds"] and s["seconds"]
                           and s["seconds"] >= 10 * k["seconds"]]
        print(f"files where Kensa sees every event target and at least as many API calls as "
              f"speakeasy: {len(at_least)} of {len(rows)}; of those at least 10x faster: "
              f"{len(faster_and_same)}")

        print()
        print("Event targets speakeasy saw and Kensa did not (model gaps):")
        gaps = 0
        for name, k, s in rows:
            for kind in KINDS:
                missing = sorted(s["targets"][kind] - k["targets"][kind])
                if missing:
                    gaps += 1
                    print(f"- {name} {kind}: {', '.join(missing)}")
        if not gaps:
            print("- none")

        print()
        loop = os.path.join(work, "loop_x86.bin")
        with open(loop, "wb") as f:
            f.write(loop_shellcode())
        expected = 2 * LOOP_ITERATIONS + 2
        out, wall, error = run_json([kensa, loop, "--arch", "x86", "--max-instructions",
                                     str(4 * expected)], work)
        if out:
            count = int(out["behavior"].get("instruction_count", 0))
            print(f"compute-bound shellcode (dec ecx / jnz, {expected:,} instructions): Kensa "
                  f"{count:,} instructions in {out['seconds']:.3f} s = "
                  f"{count / out['seconds'] / 1e6:.1f} M instructions/s "
                  f"({out['behavior'].get('end_reason', '')})")
        else:
            print(f"compute-bound shellcode: Kensa failed: {error}")
        out, wall, error = run_json([peer_python, peer, loop, "--arch", "x86"], work)
        if out:
            print(f"compute-bound shellcode: speakeasy {out['seconds']:.3f} s = "
                  f"{expected / out['seconds'] / 1e6:.1f} M instructions/s (it counts no "
                  f"instructions; {expected:,} by construction)")
        else:
            print(f"compute-bound shellcode: speakeasy failed: {error}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
