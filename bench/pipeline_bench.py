#!/usr/bin/env python3
"""Throughput and end-to-end latency of the service pipeline with 1, 2 and 4 static-analysis
replicas on this machine: N unique real PE samples submitted through the gateway by 16
concurrent clients; latency is from the submit call to the moment the submission is seen DONE
(polled every 50 ms, so latencies are rounded up to that). Prints a table; never fails on time.

    python3 bench/pipeline_bench.py [--samples 300] [--replicas 1,2,4] [--binary-dir build/release]
                                    [--sample-dir DIR --min-size BYTES]

By default the samples are the Windows test programs the build compiles (about 40 KiB each,
so the pipeline's own overhead dominates); --sample-dir takes real files instead, e.g. wine's
PE DLLs (/usr/lib/x86_64-linux-gnu/wine/x86_64-windows, 0.5-3 MB), where analysis dominates.
Every sample is made unique by an overlay so that dedup never answers for it.
"""

import argparse
import concurrent.futures
import glob
import os
import random
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def samples_from_dir(directory, min_size, max_size, count, seed):
    paths = sorted(p for p in glob.glob(os.path.join(directory, "*"))
                   if os.path.isfile(p) and min_size <= os.path.getsize(p) <= max_size)
    if not paths:
        raise SystemExit("no file between %d and %d bytes in %s" % (min_size, max_size, directory))
    rng = random.Random(seed)
    samples = []
    for index in range(count):
        path = paths[index % len(paths)]
        with open(path, "rb") as handle:
            data = handle.read()
        samples.append((os.path.basename(path), data + ("bench %d %d " % (seed, index)).encode() + rng.randbytes(32)))
    return samples


def run(kensa_cluster, replicas, samples):
    cluster = kensa_cluster.Cluster(static_replicas=replicas).start()
    try:
        submitted_at, done_at, ids = {}, {}, []
        lock = threading.Lock()
        finished = threading.Event()

        def poll():
            while not finished.is_set():
                states = cluster.states(cluster.key_a) or {}
                now = time.monotonic()
                with lock:
                    for submission_id, state in states.items():
                        if state == "SUBMISSION_STATE_DONE" and submission_id not in done_at:
                            done_at[submission_id] = now
                    if len(ids) == len(samples) and all(i in done_at for i in ids):
                        finished.set()
                time.sleep(0.05)

        def submit(sample):
            started = time.monotonic()
            answer = cluster.submit_ok(cluster.key_a, sample[0], sample[1])
            submission_id = answer["submission"]["id"]
            with lock:
                submitted_at[submission_id] = started
                ids.append(submission_id)

        poller = threading.Thread(target=poll)
        poller.start()
        began = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(submit, samples))
        finished.wait(timeout=1800)
        elapsed = max(done_at.values()) - began
        poller.join()
        latencies = [done_at[i] - submitted_at[i] for i in ids]
        return {
            "replicas": replicas,
            "samples": len(samples),
            "seconds": elapsed,
            "per_second": len(samples) / elapsed,
            "p50": statistics.median(latencies),
            "p99": percentile(latencies, 0.99),
        }
    finally:
        cluster.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--replicas", default="1,2,4")
    parser.add_argument("--binary-dir", default=os.environ.get("KENSA_BINARY_DIR", "build/release"))
    parser.add_argument("--sample-dir", help="take samples from this folder instead of the test programs")
    parser.add_argument("--min-size", type=int, default=500_000)
    parser.add_argument("--max-size", type=int, default=3_000_000)
    args = parser.parse_args()
    os.environ["KENSA_BINARY_DIR"] = os.path.abspath(args.binary_dir)
    import kensa_cluster  # reads KENSA_BINARY_DIR at import

    rows = []
    for index, replicas in enumerate(int(r) for r in args.replicas.split(",")):
        if args.sample_dir:
            samples = samples_from_dir(args.sample_dir, args.min_size, args.max_size, args.samples, seed=1000 + index)
        else:
            samples = kensa_cluster.unique_samples(args.samples, seed=1000 + index)
        rows.append(run(kensa_cluster, replicas, samples))
        row = rows[-1]
        print("replicas=%d samples=%d %.1f s %.1f submissions/s p50 %.2f s p99 %.2f s"
              % (row["replicas"], row["samples"], row["seconds"], row["per_second"], row["p50"], row["p99"]),
              flush=True)
    print()
    print("| static-analysis replicas | submissions | seconds | submissions/s | vs 1 replica | p50 latency | p99 latency |")
    print("|---|---|---|---|---|---|---|")
    base = rows[0]["per_second"]
    for row in rows:
        print("| %d | %d | %.1f | %.1f | %.2f× | %.2f s | %.2f s |" % (
            row["replicas"], row["samples"], row["seconds"], row["per_second"], row["per_second"] / base,
            row["p50"], row["p99"]))
    sizes = [len(data) for _, data in samples]
    print("\nsamples: %s, mean %.0f KiB; machine: %d cores; every replica runs one analysis at a time"
          % (args.sample_dir or "the test programs", statistics.mean(sizes) / 1024, os.cpu_count()))


if __name__ == "__main__":
    main()
