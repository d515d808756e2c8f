#!/usr/bin/env python3
"""Documents per second per format: Kensa against the Python tools analysts use on the same files.

Not a test: it prints numbers and never fails on time. Run it through bench/run-documents-bench,
which installs the peers (oletools, pdfid, peepdf-3, LnkParse3) into a throwaway virtual
environment and runs this script with that environment's python.

The files are the third-party corpora of ../shared/corpora: oletools' test documents (their
password-protected zips opened with `infected-test`), corkami's PDFs, plaso's shortcuts and
documents, and InQuest's malicious documents (zips opened with `infected`). Every zip is
extracted into one temporary folder that is deleted at the end; nothing is copied into the
repository and nothing is ever run.

Kensa goes first (kensa_bench --per-file): it reads every file once, names its format and
times two things per file, the whole triage (the file and every file found inside it, scored)
and the static stage on the file alone. The files are then grouped by Kensa's format code and
each peer library is imported once and timed per file on the same bytes (interpreter start-up
does not count). A second table times the command-line tools, one process per file, as an
analyst runs them.
"""

import argparse
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

# Formats in the table, in this order, with the peer that reads each.
FORMATS = ["ole2", "ooxml", "rtf", "pdf", "lnk", "script"]
# One file may not hold a peer longer than this (peepdf on some corkami tricks loops for long).
PEER_TIMEOUT_SECONDS = 30
# Extraction of one corpus zip stops at this many bytes: the corpora hold documents, not bombs.
MAX_MEMBER_BYTES = 64 * 1024 * 1024


class PeerTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise PeerTimeout()


def extract_zip(path, password, dest):
    """Members of one corpus zip into dest/<zip name>/; returns how many were written."""
    written = 0
    target = os.path.join(dest, os.path.basename(path) + ".d")
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or info.file_size > MAX_MEMBER_BYTES:
                    continue
                # Member names come from the corpus, not from us: keep only the base name.
                name = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(info.filename)) or "member"
                out = os.path.join(target, f"{written:04d}_{name}")
                os.makedirs(target, exist_ok=True)
                try:
                    data = archive.read(info, pwd=password.encode())
                except (RuntimeError, zipfile.BadZipFile, NotImplementedError):
                    continue
                with open(out, "wb") as handle:
                    handle.write(data)
                written += 1
    except zipfile.BadZipFile:
        pass
    return written


def gather_corpus(corpora, dest):
    """The benchmark's files, as symlinks to the corpus and extracted zip members, under dest."""
    sources = [
        ("oletools-tests/tests/test-data", "infected-test"),
        ("corkami/pdf", None),
        ("plaso-test-data/test_data", None),
        ("inquest-docs", "infected"),
    ]
    wanted = re.compile(r"\.(lnk|docx?|docm|dotm?|xlsx?|xlsm|xlsb|xlt|xltm|xla|xlam|pptx?|pptm|pps|ppsm|pot|potm|rtf|pdf|xml|ps1|vbs|vbe|js|jse|bat|cmd|hta)$", re.I)
    count = 0
    for folder, password in sources:
        root = os.path.join(corpora, folder)
        for dirpath, _, names in os.walk(root):
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                if name.endswith(".zip") and password:
                    count += extract_zip(path, password, dest)
                elif folder != "plaso-test-data/test_data" or wanted.search(name):
                    # plaso's folder is mostly logs and images: only its documents and shortcuts.
                    link = os.path.join(dest, "files", folder.replace("/", "_"),
                                        os.path.relpath(path, root).replace("/", "_"))
                    os.makedirs(os.path.dirname(link), exist_ok=True)
                    os.symlink(os.path.abspath(path), link)
                    count += 1
    return count


def run_kensa(bench, folder, tsv):
    subprocess.run([bench, folder, "--per-file", tsv], check=True, stdout=subprocess.DEVNULL)
    rows = []
    with open(tsv, encoding="utf-8", errors="replace") as handle:
        next(handle)
        for line in handle:
            path, fmt, triage_ms, static_ms, children, facts = line.rstrip("\n").split("\t")
            rows.append({"path": path, "format": fmt, "triage_ms": float(triage_ms),
                         "static_ms": float(static_ms), "children": int(children),
                         "facts": dict(kv.split("=") for kv in facts.split() if "=" in kv)})
    return rows


# Each peer takes the file's path and bytes and returns a dict of what it found.

def peer_olevba(path, data):
    from oletools.olevba import VBA_Parser
    parser = VBA_Parser(path, data=data)
    try:
        found = {"vba_modules": 0, "auto_exec": 0}
        if parser.detect_vba_macros():
            found["vba_modules"] = sum(1 for _ in parser.extract_all_macros())
            # What `olevba FILE` prints: keywords, auto-exec triggers, IOCs.
            for kind, _, _ in parser.analyze_macros():
                found["auto_exec"] += kind == "AutoExec"
        return found
    finally:
        parser.close()


def peer_msodde(path, data):
    from oletools import msodde
    # What `msodde FILE` does: every field of the document parts, blacklisted ones dropped.
    links = msodde.process_file(path, msodde.FIELD_FILTER_DEFAULT) or ""
    return {"dde": len([line for line in links.splitlines() if line.strip()])}


def peer_rtfobj(path, data):
    from oletools import rtfobj
    parser = rtfobj.RtfObjParser(data)
    parser.parse()
    equation = sum(1 for o in parser.objects
                   if o.is_ole and ((o.class_name or b"").lower().startswith(b"equation")
                                    or "CVE" in (o.clsid_desc or "")))
    return {"objects": len(parser.objects), "equation_objects": equation}


def peer_pdfid(path, data):
    from pdfid import pdfid
    xml = pdfid.PDFiD(path, filebuffer=data)
    counts = {}
    for keyword in xml.getElementsByTagName("Keyword"):
        counts[keyword.getAttribute("Name")] = int(keyword.getAttribute("Count"))
    return {"js_keywords": counts.get("/JS", 0) + counts.get("/JavaScript", 0),
            "openaction": counts.get("/OpenAction", 0) + counts.get("/AA", 0),
            "launch": counts.get("/Launch", 0), "embedded": counts.get("/EmbeddedFile", 0)}


def peer_peepdf(path, data):
    from peepdf.PDFCore import PDFParser
    ret, pdf = PDFParser().parse(path, forceMode=True, looseMode=True)
    # What `peepdf FILE` prints: the statistics with the suspicious elements of each version.
    pdf.getStats()
    scripts = pdf.getJavascriptCode() or []
    return {"scripts": len([s for s in scripts if s])}


def peer_lnkparse(path, data):
    import LnkParse3
    lnk = LnkParse3.lnk_file(indata=data)
    info = lnk.get_json()
    arguments = info.get("data", {}).get("command_line_arguments", "")
    machine = info.get("extra", {}).get("DISTRIBUTED_LINK_TRACKER_BLOCK", {}).get("machine_identifier", "")
    return {"arguments": 1 if arguments else 0, "tracker": 1 if machine else 0}


PEERS = {
    "ole2": [("olevba", peer_olevba)],
    # olevba only looks for vbaProject.bin; msodde reads the document parts as Kensa does.
    "ooxml": [("olevba", peer_olevba), ("msodde", peer_msodde)],
    "rtf": [("rtfobj", peer_rtfobj)],
    "pdf": [("pdfid", peer_pdfid), ("peepdf", peer_peepdf)],
    "lnk": [("LnkParse3", peer_lnkparse)],
    "script": [],
}

# The command line of each peer tool for one file: a console script of the virtual
# environment, or "-m module" run by its python (pdfid installs no script).
PEER_CLIS = {
    "olevba": ["olevba"],
    "rtfobj": ["rtfobj"],
    "msodde": ["msodde"],
    "pdfid": ["-m", "pdfid"],
    "peepdf": ["peepdf", "-f"],
    "LnkParse3": ["lnkparse"],
}


def peer_command(venv_bin, name, path):
    spec = PEER_CLIS[name]
    if spec[0] == "-m":
        return [sys.executable] + spec + [path]
    return [os.path.join(venv_bin, spec[0])] + spec[1:] + [path]

# Kensa's facts that answer each peer's, for the "found" columns.
KENSA_FACTS = {
    "ole2": ["vba_modules", "auto_exec"],
    "ooxml": ["vba_modules", "auto_exec", "dde", "external_rels", "embedded"],
    "rtf": ["objects", "equation_exploits"],
    "pdf": ["scripts", "actions", "embedded"],
    "lnk": ["arguments", "command_line", "tracker"],
    "script": ["layers", "script_findings"],
}


def time_peer(function, path, data):
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(PEER_TIMEOUT_SECONDS)
    start = time.perf_counter()
    try:
        found = function(path, data)
        status = "ok"
    except PeerTimeout:
        found, status = {}, "timeout"
    except Exception:  # a peer failing on a file is a result, not a reason to stop
        found, status = {}, "error"
    finally:
        signal.alarm(0)
    return time.perf_counter() - start, found, status


def summed(results, key):
    return sum(int(found.get(key, 0)) for found in results)


def files_per_second(count, seconds):
    return count / seconds if seconds > 0 else float("inf")


def cli_wall(commands, timeout):
    start = time.perf_counter()
    for command in commands:
        try:
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            pass
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", default="build/ci/bin/kensa_bench")
    parser.add_argument("--kensa", default="build/ci/bin/kensa")
    parser.add_argument("--corpora", default="../shared/corpora")
    parser.add_argument("--no-cli", action="store_true", help="skip the one-process-per-file table")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help="comma-separated format codes to measure (default: all)")
    parser.add_argument("--cli-files", type=int, default=40,
                        help="files per format in the one-process-per-file table (it is slow)")
    args = parser.parse_args()
    venv_bin = os.path.dirname(sys.executable)

    # SIGTERM unwinds like Ctrl-C so that the temporary folder (live malicious documents) goes.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    work = tempfile.mkdtemp(prefix="kensa-documents-bench-")
    # peepdf writes "<file>-<time>-peepdf-jserrors.txt" into the current folder: run from the
    # temporary one, with every path given made absolute first.
    args.bench, args.kensa, args.corpora = (os.path.abspath(p) for p in (args.bench, args.kensa, args.corpora))
    os.chdir(work)
    try:
        files = gather_corpus(args.corpora, work)
        rows = run_kensa(args.bench, work, os.path.join(work, "kensa.tsv"))
        print(f"{files} corpus files gathered; Kensa identified {len(rows)}; formats in the table: "
              + ", ".join(FORMATS))
        print()
        header = ("format", "files", "Kensa static f/s", "Kensa triage f/s", "peer", "peer f/s",
                  "static/peer", "p50 ms Kensa / peer", "peer errors", "Kensa found", "peer found")
        table = []
        cli_rows = []
        for fmt in [f for f in FORMATS if f in args.formats.split(",")]:
            group = [row for row in rows if row["format"] == fmt]
            if not group:
                continue
            static_s = sum(row["static_ms"] for row in group) / 1000.0
            triage_s = sum(row["triage_ms"] for row in group) / 1000.0
            kensa_found = ", ".join(
                f"{key} {sum(int(row['facts'].get(key, 0)) for row in group)}" for key in KENSA_FACTS[fmt])
            kensa_found += f", children {sum(row['children'] for row in group)}"
            kensa_p50 = statistics.median(row["static_ms"] for row in group)
            peers = PEERS[fmt] or [("-", None)]
            for name, function in peers:
                if function is None:
                    table.append((fmt, len(group), files_per_second(len(group), static_s),
                                  files_per_second(len(group), triage_s), "(none)", None, None, "",
                                  kensa_found, "", kensa_p50, None))
                    continue
                seconds = 0.0
                peer_ms = []
                results = []
                failures = 0
                for row in group:
                    with open(row["path"], "rb") as handle:
                        data = handle.read()
                    elapsed, found, status = time_peer(function, row["path"], data)
                    seconds += elapsed
                    peer_ms.append(elapsed * 1000.0)
                    results.append(found)
                    failures += status != "ok"
                keys = sorted({key for found in results for key in found})
                peer_found = ", ".join(f"{key} {summed(results, key)}" for key in keys)
                peer_fps = files_per_second(len(group), seconds)
                table.append((fmt, len(group), files_per_second(len(group), static_s),
                              files_per_second(len(group), triage_s), name, peer_fps,
                              files_per_second(len(group), static_s) / peer_fps, str(failures),
                              kensa_found, peer_found, kensa_p50, statistics.median(peer_ms)))
                print("measured:", table[-1], file=sys.stderr, flush=True)
                if not args.no_cli:
                    paths = [row["path"] for row in group][:args.cli_files]
                    peer_cli = cli_wall([peer_command(venv_bin, name, p) for p in paths], PEER_TIMEOUT_SECONDS)
                    kensa_cli = cli_wall([[args.kensa, "triage", "--format", "json", p] for p in paths], 120)
                    cli_rows.append((fmt, len(paths), name, kensa_cli, peer_cli))
                    print("measured:", cli_rows[-1], file=sys.stderr, flush=True)

        print("In-process, per file (files/s; the peer library imported once, each call timed):")
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for (fmt, count, static_fps, triage_fps, name, peer_fps, ratio, failures, k_found, p_found,
             k_p50, p_p50) in table:
            peer_text = f"{peer_fps:.1f}" if peer_fps is not None else "-"
            ratio_text = f"{ratio:.1f}x" if ratio is not None else "-"
            p50_text = f"{k_p50:.1f} / " + (f"{p_p50:.1f}" if p_p50 is not None else "-")
            print(f"| {fmt} | {count} | {static_fps:.1f} | {triage_fps:.1f} | {name} | {peer_text} | "
                  f"{ratio_text} | {p50_text} | {failures} | {k_found} | {p_found} |")
        if cli_rows:
            print()
            print("Command line, one process per file (total wall seconds; Kensa loads its rules each time):")
            print("| format | files | kensa triage s | peer | peer s | peer/kensa |")
            print("|---|---|---|---|---|---|")
            for fmt, count, name, kensa_s, peer_s in cli_rows:
                print(f"| {fmt} | {count} | {kensa_s:.1f} | {name} | {peer_s:.1f} | {peer_s / kensa_s:.2f}x |")
        other = {}
        for row in rows:
            if row["format"] not in FORMATS:
                other[row["format"]] = other.get(row["format"], 0) + 1
        print()
        print("Other files Kensa triaged (not in the table): "
              + ", ".join(f"{fmt or '?'} {n}" for fmt, n in sorted(other.items())))
        ms = [row["static_ms"] for row in rows if row["format"] in FORMATS]
        if ms:
            print(f"Kensa static stage per document: median {statistics.median(ms):.2f} ms, max {max(ms):.1f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
