#!/usr/bin/env python3
"""Sigma over Windows event logs: `kensa hunt` side by side with Hayabusa and Chainsaw.

Same files (../shared/corpora/evtx-attack-samples by default), same rules (SigmaHQ's
rules/windows from ../shared/corpora/sigma). Each tool runs --runs times; the best wall time
counts. Hayabusa and Chainsaw are never dependencies of Kensa and nothing of theirs is in the
repository: build them yourself from their public source in a throwaway folder and pass the
binaries (bench/README.md says how). Without them only Kensa's numbers are printed.

Hayabusa does not read SigmaHQ's rules as they are: it runs its own conversion of them (the
hayabusa-rules repository: sigma/ for the rules, config/ for its channel and field mappings),
so it is given that checkout, and the table says how many rules each tool loaded.

Usage: bench/hunt_bench.py [--kensa BIN] [--hayabusa BIN --hayabusa-rules DIR]
                           [--chainsaw BIN --chainsaw-mapping FILE] [--evtx DIR] [--rules DIR]... [--runs N]
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def timed(command, runs):
    """Best wall time of `runs` runs, and the last run's standard output."""
    best, stdout = None, b""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if result.returncode not in (0, 1):  # kensa hunt exits 1 when it found something
            sys.exit("failed (%d): %s\n%s" % (result.returncode, " ".join(command), result.stderr.decode()[-2000:]))
        best = elapsed if best is None else min(best, elapsed)
        stdout = result.stdout
    return best, stdout


def run_kensa(binary, evtx, rules, runs, work):
    out = os.path.join(work, "kensa")
    command = [binary, "hunt", evtx, "--no-kensa-sigma", "--format", "json", "--out", out]
    for folder in rules:
        command += ["--sigma-rules", folder]
    seconds, _ = timed(command, runs)
    with open(os.path.join(out, "hunt.json")) as f:
        report = json.load(f)
    hits = report.get("ruleHits", [])
    return {
        "seconds": seconds,
        "events": int(report["stats"].get("events", 0)),
        "detections": sum(int(h["count"]) for h in hits),
        "titles": {h["title"] for h in hits},
        "rules_loaded": int(report["stats"].get("rulesLoaded", 0)),
    }


def run_hayabusa(binary, hayabusa_rules, evtx, runs, work):
    out = os.path.join(work, "hayabusa.csv")
    # Hayabusa 4: -w no wizard (all rules), -C overwrite, -q -N -Q quiet, every level.
    seconds, _ = timed([binary, "dfir-timeline", "-d", evtx, "-r", os.path.join(hayabusa_rules, "sigma"),
                     "-c", os.path.join(hayabusa_rules, "config"), "-o", out, "-w", "-C", "-q", "-N", "-Q",
                     "-m", "informational"], runs)
    titles, detections = set(), 0
    with open(out, newline="", encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            detections += 1
            titles.add(row.get("RuleTitle", ""))
    return {"seconds": seconds, "detections": detections, "titles": titles}


def run_chainsaw(binary, mapping, evtx, rules, runs, work):
    # One detection per line on standard output: chainsaw 2.16's -o FILE loses the end of its
    # buffered output (the file ends mid-record), so it is not used.
    command = [binary, "hunt", evtx, "--mapping", mapping, "--jsonl", "-q"]
    for folder in rules:
        command += ["-s", folder]
    seconds, stdout = timed(command, runs)
    titles, detections = set(), 0
    for line in stdout.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        hit = json.loads(line)
        detections += 1
        titles.add(hit.get("name", ""))
    return {"seconds": seconds, "detections": detections, "titles": titles}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kensa", default=os.path.join(repo, "build/ci/bin/kensa"))
    parser.add_argument("--hayabusa")
    parser.add_argument("--hayabusa-rules", help="a checkout of Yamato-Security/hayabusa-rules")
    parser.add_argument("--chainsaw")
    parser.add_argument("--chainsaw-mapping")
    parser.add_argument("--evtx", default=os.path.join(repo, "../shared/corpora/evtx-attack-samples"))
    parser.add_argument("--rules", action="append",
                        help="a Sigma rule folder for Kensa and Chainsaw; may repeat "
                             "(default: SigmaHQ's rules/windows)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.rules:
        args.rules = [os.path.join(repo, "../shared/corpora/sigma/rules/windows")]
    if args.hayabusa and not args.hayabusa_rules:
        sys.exit("--hayabusa needs --hayabusa-rules (a checkout of its rules repository)")
    if args.chainsaw and not args.chainsaw_mapping:
        sys.exit("--chainsaw needs --chainsaw-mapping (mappings/sigma-event-logs-all.yml of its source)")

    work = tempfile.mkdtemp(prefix="kensa-hunt-bench-")
    try:
        results = {"kensa": run_kensa(args.kensa, args.evtx, args.rules, args.runs, work)}
        if args.hayabusa:
            results["hayabusa"] = run_hayabusa(args.hayabusa, args.hayabusa_rules, args.evtx, args.runs, work)
        if args.chainsaw:
            results["chainsaw"] = run_chainsaw(args.chainsaw, args.chainsaw_mapping, args.evtx, args.rules,
                                               args.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    kensa = results["kensa"]
    events = kensa["events"]
    print("%d events in %s, %d Sigma rules loaded by Kensa, best of %d runs" %
          (events, args.evtx, kensa["rules_loaded"], args.runs))
    print("%-9s %9s %11s %11s %8s %14s %16s" %
          ("tool", "seconds", "events/s", "detections", "rules", "Kensa faster", "rules in common"))
    for name, r in results.items():
        common = len(r["titles"] & kensa["titles"])
        print("%-9s %9.2f %11.0f %11d %8d %13.2fx %16s" %
              (name, r["seconds"], events / r["seconds"], r["detections"], len(r["titles"]),
               r["seconds"] / kensa["seconds"], "-" if name == "kensa" else str(common)))
    for name, r in results.items():
        if name == "kensa":
            continue
        only_peer = sorted(r["titles"] - kensa["titles"])
        only_kensa = sorted(kensa["titles"] - r["titles"])
        print("\nrules that fired only in %s (%d): %s" % (name, len(only_peer), "; ".join(only_peer)))
        print("rules that fired only in Kensa (%d): %s" % (len(only_kensa), "; ".join(only_kensa)))


if __name__ == "__main__":
    main()
