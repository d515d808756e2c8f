"""A local Kensa pipeline for tests and benchmarks: starts scripts/cluster in a temporary
folder on a port range of its own and talks to the gateway's REST API. Standard library only.
Used by tests/e2e/pipeline_e2e_test.py and bench/pipeline_bench.py."""

import concurrent.futures
import glob
import io
import json
import os
import random
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY_DIR = os.environ.get("KENSA_BINARY_DIR", os.path.join(REPO, "build", "ci"))
CLUSTER = os.path.join(REPO, "scripts", "cluster")


def fixtures():
    paths = sorted(glob.glob(os.path.join(BINARY_DIR, "tests", "fixtures", "windows", "x64", "*.exe")))
    if not paths:
        raise unittest.SkipTest("no fixtures under %s (build target kensa_fixtures)" % BINARY_DIR)
    contents = []
    for path in paths:
        with open(path, "rb") as handle:
            contents.append(handle.read())
    return contents


def unique_samples(count, seed):
    """Real PE fixtures, each made unique by an overlay (bytes after the last section)."""
    bases = fixtures()
    rng = random.Random(seed)
    samples = []
    for index in range(count):
        overlay = ("kensa-e2e %d %d " % (seed, index)).encode() + rng.randbytes(64)
        samples.append(("sample-%03d.exe" % index, bases[index % len(bases)] + overlay))
    return samples


class Cluster:
    """One local pipeline in a temporary folder, on a port range of its own."""

    def __init__(self, static_replicas=1, env=None, base_port=None, sandbox_replicas=1):
        self.dir = tempfile.mkdtemp(prefix="kensa-e2e-")
        # A test that runs beside other suites may take a fixed range of its own.
        self.base_port = base_port or 20000 + (os.getpid() * 7 + random.randrange(0, 500) * 80) % 40000
        self.static_replicas = static_replicas
        self.sandbox_replicas = sandbox_replicas
        self.env = dict(os.environ)
        self.env.update(env or {})
        bin_dir = os.path.join(BINARY_DIR, "bin")
        self.args = ["--dir", self.dir, "--base-port", str(self.base_port), "--bin", bin_dir]

    def run(self, *command):
        subprocess.run([CLUSTER, *command, *self.args], env=self.env, check=True, timeout=120)

    def start(self):
        try:
            self.run("start", "--static", str(self.static_replicas), "--sandbox", str(self.sandbox_replicas))
        except subprocess.CalledProcessError:
            self.stop()  # what did start (nats, redis, some services) must not outlive the test
            raise
        values = {}
        with open(os.path.join(self.dir, "cluster.env")) as handle:
            for line in handle:
                key, _, value = line.strip().partition("=")
                values[key] = value
        self.url = values["KENSA_GATEWAY_URL"]
        self.key_a = values["KENSA_DEV_KEY_A"]
        self.key_b = values["KENSA_DEV_KEY_B"]
        self.reader_a = values["KENSA_DEV_READER_KEY_A"]
        return self

    def stop(self):
        try:
            self.run("stop")
        except subprocess.CalledProcessError:
            pass

    def pid(self, name):
        with open(os.path.join(self.dir, "pids", name + ".pid")) as handle:
            return int(handle.read())

    def admin_url(self, name):
        offsets = {"gateway": 10, "intake": 11}
        if name.startswith("report-generator-"):
            port = self.base_port + 20 + int(name.rsplit("-", 1)[1])
        elif name.startswith("static-analysis-"):
            port = self.base_port + 40 + int(name.rsplit("-", 1)[1])
        elif name.startswith("forensic-ingest-"):
            port = self.base_port + 80 + int(name.rsplit("-", 1)[1])
        elif name.startswith("sandbox-runner-"):
            port = self.base_port + 100 + int(name.rsplit("-", 1)[1])
        else:
            port = self.base_port + offsets[name]
        return "http://127.0.0.1:%d" % port

    def metric(self, name, metric_line_prefix):
        """Sum of the values of the metric lines that start with the prefix."""
        text = urllib.request.urlopen(self.admin_url(name) + "/metrics", timeout=10).read().decode()
        total = 0.0
        for line in text.splitlines():
            if line.startswith(metric_line_prefix):
                total += float(line.rsplit(" ", 1)[1])
        return total

    # --- REST client -------------------------------------------------------------------------
    def request(self, method, path, key=None, body=None, headers=None):
        request = urllib.request.Request(self.url + path, data=body, method=method)
        if key:
            request.add_header("Authorization", "Bearer " + key)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=180) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def submit(self, key, name, data, fields=None, path="/api/v1/submissions"):
        boundary = uuid.uuid4().hex
        parts = io.BytesIO()
        for field, value in (fields or []):
            parts.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                         % (boundary, field, value)).encode())
        parts.write(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name)).encode())
        parts.write(data)
        parts.write(("\r\n--%s--\r\n" % boundary).encode())
        return self.request("POST", path, key, parts.getvalue(),
                            {"Content-Type": "multipart/form-data; boundary=" + boundary})

    def submit_collection(self, key, name, data, fields=None):
        """POST /api/v1/collections as a collector's --upload does (multipart part `file`)."""
        return self.submit(key, name, data, fields, path="/api/v1/collections")

    def submit_ok(self, key, name, data, fields=None):
        # A client retries 503 (a server restarting) as the API documents.
        for _ in range(60):
            status, body, _ = self.submit(key, name, data, fields)
            if status != 503:
                break
            time.sleep(1)
        assert status == 202, (status, body)
        return json.loads(body)

    def get_json(self, path, key):
        status, body, _ = self.request("GET", path, key)
        return status, (json.loads(body) if body.startswith(b"{") else body)

    def states(self, key):
        """State of every root submission of the key's tenant, by id."""
        states, cursor = {}, ""
        while True:
            status, page = self.get_json("/api/v1/submissions?limit=500" + ("&cursor=" + cursor if cursor else ""), key)
            if status != 200:
                return None
            for submission in page.get("submissions", []):
                states[submission["id"]] = submission.get("state", "")
            cursor = page.get("nextCursor", "")
            if not cursor:
                return states

    def wait_finished(self, key, ids, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline:
            states = self.states(key)
            if states is not None:
                finished = [i for i in ids if states.get(i) in ("SUBMISSION_STATE_DONE", "SUBMISSION_STATE_FAILED")]
                if len(finished) == len(ids):
                    return states
            time.sleep(0.5)
        raise AssertionError("submissions did not finish within %d s" % timeout)

    def count_finished(self, key, ids):
        states = self.states(key) or {}
        return sum(1 for i in ids if states.get(i) == "SUBMISSION_STATE_DONE")


def submit_all(cluster, key, samples, workers=16):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        answers = list(pool.map(lambda s: cluster.submit_ok(key, s[0], s[1]), samples))
    return [answer["submission"]["id"] for answer in answers]


