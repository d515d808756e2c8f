#!/usr/bin/env python3
"""The peer a CSIRT would script instead of Kensa: pefile + yara-python (+ hashlib).

For every file under a folder: MD5/SHA-1/SHA-256, a full pefile parse (headers, sections with
entropy, imports, exports, resources, version info, TLS, debug), imphash and rich-header hash
for PE files, and a YARA scan with the same rule folders Kensa loads. Prints the same figures
as kensa_bench. Run by bench/run-triage-bench inside a throwaway virtual environment; never a
Kensa dependency.
"""
import argparse
import hashlib
import os
import sys
import time

import pefile
import yara


def compile_rules(folders):
    sources = {}
    for folder in folders:
        for base, _, names in os.walk(folder):
            for name in sorted(names):
                if name.endswith((".yar", ".yara")):
                    path = os.path.join(base, name)
                    sources[os.path.relpath(path, folder)] = path
    externals = {"filename": "", "filepath": "", "extension": "", "filetype": "", "owner": ""}
    compiled, skipped = {}, 0
    # Compile file by file so that one broken third-party file does not drop the rest (as Kensa does).
    for namespace, path in sources.items():
        try:
            yara.compile(filepath=path, externals=externals)
            compiled[namespace] = path
        except yara.Error:
            skipped += 1
    return yara.compile(filepaths=compiled, externals=externals), len(compiled), skipped


def analyze(data, rules):
    hashlib.md5(data).hexdigest()
    hashlib.sha1(data).hexdigest()
    hashlib.sha256(data).hexdigest()
    if data[:2] == b"MZ":
        try:
            pe = pefile.PE(data=data, fast_load=False)
            pe.get_imphash()
            pe.get_rich_header_hash()
            for section in pe.sections:
                section.get_entropy()
            pe.close()
        except pefile.PEFormatError:
            pass
    return rules.match(data=data, timeout=20)


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100.0 * (len(values) - 1) + 0.5))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--yara-rules", action="append", default=[])
    parser.add_argument("--min-size", type=int, default=1)
    args = parser.parse_args()

    load_start = time.perf_counter()
    rules, compiled, skipped = compile_rules(args.yara_rules)
    load_ms = (time.perf_counter() - load_start) * 1000

    files = []
    for base, _, names in os.walk(args.folder):
        for name in names:
            path = os.path.join(base, name)
            if os.path.isfile(path) and os.path.getsize(path) >= args.min_size:
                files.append(path)
    files.sort()

    latencies, total = [], 0
    start = time.perf_counter()
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        t0 = time.perf_counter()
        analyze(data, rules)
        latencies.append((time.perf_counter() - t0) * 1000)
        total += len(data)
    seconds = time.perf_counter() - start
    print(f"pefile + yara-python: {len(files)} files under {args.folder}")
    print(f"  rules: {compiled} yara files ({skipped} skipped) (load {load_ms:.0f} ms)")
    print(f"  files/s: {len(files) / seconds:.1f}   MB/s: {total / 1e6 / seconds:.1f}")
    print(f"  per file ms: p50 {percentile(latencies, 50):.2f}  p90 {percentile(latencies, 90):.2f}  "
          f"p99 {percentile(latencies, 99):.2f}  max {percentile(latencies, 100):.2f}")


if __name__ == "__main__":
    sys.exit(main())
