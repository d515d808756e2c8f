#!/usr/bin/env python3
"""End-to-end tests of the service pipeline: real nats-server, redis-server and every Kensa
service on loopback, started by scripts/cluster, driven through the gateway's REST API exactly
as a client would. Python's standard library only.

Run through ctest (tests/CMakeLists.txt registers it) or directly:
    KENSA_BINARY_DIR=build/ci python3 tests/e2e/pipeline_e2e_test.py -v
"""

import hashlib
import io
import os
import sys
import threading
import time
import unittest
import urllib.request
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kensa_cluster import BINARY_DIR, Cluster, submit_all, unique_samples  # noqa: E402

CRASH_MARKER = "KENSA-E2E-CRASH-MARKER-7f3a"


class ScaleAndFaults(unittest.TestCase):
    """300 concurrent submissions over 3 static-analysis replicas, one SIGKILLed mid-run; then
    nats-server and redis-server restarted mid-run. Nothing may be lost or duplicated."""

    @classmethod
    def setUpClass(cls):
        # A short ack wait, so that the killed replica's task comes back within seconds.
        cls.cluster = Cluster(static_replicas=3, env={"KENSA_ACK_WAIT_SECONDS": "5"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def check_reports(self, ids, samples):
        for submission_id, (_, data) in zip(ids, samples):
            status, report = self.cluster.get_json("/api/v1/submissions/%s/report" % submission_id, self.cluster.key_a)
            self.assertEqual(status, 200, report)
            self.assertEqual(report["submission"]["id"], submission_id)
            self.assertEqual(report["submission"]["sample"]["hashes"]["sha256"], hashlib.sha256(data).hexdigest())
            self.assertEqual(report["staticResult"]["sample"]["fileType"]["format"], "pe")

    def test_1_three_hundred_submissions_survive_a_killed_replica(self):
        c = self.cluster
        samples = unique_samples(300, seed=1)
        ids = []
        submitter = threading.Thread(target=lambda: ids.extend(submit_all(c, c.key_a, samples)))
        submitter.start()
        # Kill a replica while it works: wait until some reports exist, then SIGKILL.
        deadline = time.time() + 120
        while time.time() < deadline and c.metric("report-generator-1", 'kensa_tasks_total{outcome="done"') < 40:
            time.sleep(0.2)
        killed_pid = c.pid("static-analysis-2")
        c.run("kill", "static-analysis-2")
        with self.assertRaises(ProcessLookupError):
            os.kill(killed_pid, 0)
        submitter.join()
        self.assertEqual(len(ids), 300)
        self.assertEqual(len(set(ids)), 300)
        states = c.wait_finished(c.key_a, ids)
        self.assertEqual([i for i in ids if states[i] != "SUBMISSION_STATE_DONE"], [])
        # Exactly one report per submission: the report stage ran 300 times, not more.
        self.assertEqual(c.metric("report-generator-1", 'kensa_tasks_total{outcome="done",stage="report"}'), 300)
        self.assertEqual(len(c.states(c.key_a)), 300)
        self.check_reports(ids, samples)

    def submit_while_restarting(self, server, seed):
        """100 submissions from 8 clients while `server` is restarted; every one must end DONE."""
        c = self.cluster
        samples = unique_samples(100, seed=seed)
        ids = []
        submitter = threading.Thread(target=lambda: ids.extend(submit_all(c, c.key_a, samples, workers=8)))
        submitter.start()
        time.sleep(1.0)
        c.run("restart", server)
        submitter.join()
        self.assertEqual(len(set(ids)), 100)
        states = c.wait_finished(c.key_a, ids)
        self.assertEqual([i for i in ids if states[i] != "SUBMISSION_STATE_DONE"], [])
        self.check_reports(ids, samples)

    def test_2_nats_restart_mid_run_loses_nothing(self):
        self.submit_while_restarting("nats", seed=2)

    def test_3_redis_restart_mid_run_loses_nothing(self):
        self.submit_while_restarting("redis", seed=3)


class Api(unittest.TestCase):
    """The REST API's contract: tenancy, roles, dedup, errors, children, crashes, metrics."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(static_replicas=1, env={
            "KENSA_FAULT_CRASH_MARKER": CRASH_MARKER,
            "KENSA_MAX_UPLOAD_BYTES": str(1 << 20),
        }).start()
        cls.sample_name, cls.sample = unique_samples(1, seed=10)[0]
        cls.answer = cls.cluster.submit_ok(cls.cluster.key_a, cls.sample_name, cls.sample)
        cls.id = cls.answer["submission"]["id"]
        cls.cluster.wait_finished(cls.cluster.key_a, [cls.id])

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_a_report_in_every_format_and_language(self):
        c = self.cluster
        status, report = c.get_json("/api/v1/submissions/%s/report" % self.id, c.key_a)
        self.assertEqual(status, 200)
        self.assertEqual(report["schemaVersion"], "1")
        status, html, headers = c.request("GET", "/api/v1/submissions/%s/report?format=html&lang=ja" % self.id, c.key_a)
        self.assertEqual(status, 200)
        self.assertIn("text/html", headers["Content-Type"])
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        self.assertIn("リスク".encode(), html)
        status, body, _ = c.request("GET", "/api/v1/submissions/%s/report?format=pdf" % self.id, c.key_a)
        self.assertEqual(status, 400)
        self.assertIn(b"unknown format 'pdf'", body)

    def test_no_read_crosses_tenants(self):
        c = self.cluster
        name, data = unique_samples(1, seed=13)[0]
        mine = c.submit_ok(c.key_a, "only-tenant-a.exe", data)["submission"]["id"]
        c.wait_finished(c.key_a, [mine])
        sha256 = hashlib.sha256(data).hexdigest()
        for path in ("/api/v1/submissions/%s" % mine, "/api/v1/submissions/%s/report" % mine,
                     "/api/v1/samples/%s" % sha256):
            status, body = c.get_json(path, c.key_b)
            self.assertEqual(status, 404, (path, body))
            status, body = c.get_json(path, c.key_a)
            self.assertEqual(status, 200, (path, body))
        self.assertNotIn(mine, c.states(c.key_b))
        self.assertIn(mine, c.states(c.key_a))
        status, lookup = c.get_json("/api/v1/samples/%s" % sha256, c.key_a)
        self.assertEqual(lookup["submissionIds"], [mine])
        self.assertEqual(lookup["sample"]["hashes"]["sha256"], sha256)
        self.assertEqual(lookup["sample"]["fileName"], "only-tenant-a.exe")
        # Once tenant B submits the same content, B sees its own submission and its own name.
        theirs = c.submit_ok(c.key_b, "tenant-b-name.exe", data)["submission"]["id"]
        status, lookup = c.get_json("/api/v1/samples/%s" % sha256, c.key_b)
        self.assertEqual(lookup["submissionIds"], [theirs])
        self.assertEqual(lookup["sample"]["fileName"], "tenant-b-name.exe")

    def test_keys_and_roles(self):
        c = self.cluster
        status, body, headers = c.request("GET", "/api/v1/submissions")
        self.assertEqual(status, 401)
        self.assertEqual(headers["WWW-Authenticate"], "Bearer")
        self.assertEqual(c.request("GET", "/api/v1/submissions", "not-a-key")[0], 401)
        status, body, _ = c.submit(c.reader_a, "x.bin", b"reader may not submit")
        self.assertEqual(status, 403)
        self.assertIn(b"may read but not submit", body)
        self.assertEqual(c.get_json("/api/v1/submissions/%s" % self.id, c.reader_a)[0], 200)

    def test_dedup_reuses_results_per_tenant(self):
        c = self.cluster
        again = c.submit_ok(c.key_a, "again.exe", self.sample)
        self.assertTrue(again.get("deduplicated"))
        self.assertEqual(again["submission"]["state"], "SUBMISSION_STATE_DONE")
        self.assertNotEqual(again["submission"]["id"], self.id)
        other = c.submit_ok(c.key_b, "theirs.exe", self.sample)
        self.assertTrue(other.get("deduplicated"))
        self.assertEqual(other["submission"]["tenant"], "tenant-b")
        status, report = c.get_json("/api/v1/submissions/%s/report" % other["submission"]["id"], c.key_b)
        self.assertEqual(status, 200)
        self.assertEqual(report["submission"]["sample"]["fileName"], "theirs.exe")
        forced = c.submit_ok(c.key_a, "forced.exe", self.sample, fields=[("reanalyze", "true")])
        self.assertFalse(forced.get("deduplicated", False))
        self.assertEqual(forced["submission"]["state"], "SUBMISSION_STATE_QUEUED")
        c.wait_finished(c.key_a, [forced["submission"]["id"]])

    def test_bad_uploads_get_a_clear_4xx(self):
        c = self.cluster
        status, body, _ = c.request("POST", "/api/v1/submissions", c.key_a, b"raw bytes",
                                    {"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 400)
        self.assertIn(b"multipart/form-data", body)
        status, body, _ = c.submit(c.key_a, "empty.bin", b"")
        self.assertEqual(status, 400)
        self.assertIn(b"the file is empty", body)
        status, body, _ = c.submit(c.key_a, "x.bin", b"x", fields=[("priority", "urgent")])
        self.assertEqual(status, 400)
        self.assertIn(b"priority must be p1, p2, p3 or p4", body)
        status, body, _ = c.submit(c.key_a, "big.bin", os.urandom((1 << 20) + 1))
        self.assertEqual(status, 413)
        self.assertIn(b"over the limit", body)
        # Far over the limit too: the gateway's body limit is the larger collection limit, so
        # the sample route refuses it with the same message.
        status, body, _ = c.submit(c.key_a, "huge.bin", os.urandom(3 << 20))
        self.assertEqual(status, 413)
        self.assertIn(b"over the limit of 1048576", body)
        status, body = c.get_json("/api/v1/submissions/not-hex", c.key_a)
        self.assertEqual(status, 404)
        status, body = c.get_json("/api/v1/samples/abc", c.key_a)
        self.assertEqual(status, 400)

    def test_a_crashing_parser_fails_the_submission_and_the_worker_keeps_serving(self):
        c = self.cluster
        worker = c.pid("static-analysis-1")
        crashing = c.submit_ok(c.key_a, "crash.bin", b"MZ" + CRASH_MARKER.encode() + os.urandom(32))
        submission_id = crashing["submission"]["id"]
        c.wait_finished(c.key_a, [submission_id])
        status, body = c.get_json("/api/v1/submissions/%s" % submission_id, c.key_a)
        self.assertEqual(body["submission"]["state"], "SUBMISSION_STATE_FAILED")
        self.assertEqual(body["submission"]["failureReason"], "analysis crashed: signal 11 (SIGSEGV)")
        status, body = c.get_json("/api/v1/submissions/%s/report" % submission_id, c.key_a)
        self.assertEqual(status, 409)
        self.assertIn("submission failed: analysis crashed", body["error"]["message"])
        self.assertEqual(c.pid("static-analysis-1"), worker)
        os.kill(worker, 0)
        name, data = unique_samples(1, seed=11)[0]
        after = c.submit_ok(c.key_a, name, data)
        states = c.wait_finished(c.key_a, [after["submission"]["id"]])
        self.assertEqual(states[after["submission"]["id"]], "SUBMISSION_STATE_DONE")
        self.assertGreaterEqual(c.metric("static-analysis-1", 'kensa_tasks_total{outcome="failed",stage="static"}'), 1)

    def test_files_inside_an_archive_are_children_in_one_report(self):
        c = self.cluster
        _, pe = unique_samples(1, seed=12)[0]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("invoice.pdf.exe", pe)
            archive.writestr("readme.txt", "see the attached invoice\n")
        answer = c.submit_ok(c.key_a, "mail.zip", buffer.getvalue())
        root = answer["submission"]["id"]
        c.wait_finished(c.key_a, [root])
        status, body = c.get_json("/api/v1/submissions/%s" % root, c.key_a)
        self.assertEqual((body["treeNodes"], body["treeNodesDone"]), (3, 3))
        status, report = c.get_json("/api/v1/submissions/%s/report" % root, c.key_a)
        self.assertEqual(status, 200)
        children = {child["submission"]["sample"]["fileName"]: child for child in report["children"]}
        self.assertEqual(sorted(children), ["invoice.pdf.exe", "readme.txt"])
        exe = children["invoice.pdf.exe"]
        self.assertEqual(exe["submission"]["parentId"], root)
        self.assertEqual(exe["submission"]["sample"]["hashes"]["sha256"], hashlib.sha256(pe).hexdigest())
        self.assertEqual(exe["staticResult"]["sample"]["fileType"]["format"], "pe")
        # A child is not listed on its own: the tenant's list shows roots only.
        self.assertNotIn(exe["submission"]["id"], c.states(c.key_a))

    def test_a_windows_programs_behaviour_is_in_its_report(self):
        c = self.cluster
        path = os.path.join(BINARY_DIR, "tests", "winbins", "x64", "t02_runkey.exe")
        if not os.path.exists(path):
            self.skipTest("no %s (build target kensa_winbins)" % path)
        with open(path, "rb") as handle:
            program = handle.read()
        answer = c.submit_ok(c.key_a, "t02_runkey.exe", program)
        root = answer["submission"]["id"]
        states = c.wait_finished(c.key_a, [root])
        self.assertEqual(states[root], "SUBMISSION_STATE_DONE")
        status, report = c.get_json("/api/v1/submissions/%s/report" % root, c.key_a)
        self.assertEqual(status, 200)
        sandbox = report["sandboxResult"]
        self.assertTrue(sandbox["ran"])
        self.assertEqual(sandbox["backend"], "emulator")
        writes = [e for e in sandbox["behavior"]["registryEvents"] if e["operation"] == "set_value"]
        self.assertTrue(any("\\CurrentVersion\\Run" in e["target"] and "SbxTest" in e.get("details", "") for e in writes),
                        writes)
        behaviour = [s for s in sandbox["signatures"] if s["source"] == "behavior"]
        self.assertTrue(any("T1547.001" in s.get("attackTechniques", []) for s in behaviour), behaviour)
        # Behaviour signatures score like static ones.
        contributions = {x["signature"] for x in report["verdict"].get("contributions", [])}
        self.assertTrue(contributions & {s["name"] for s in behaviour}, contributions)
        self.assertGreaterEqual(c.metric("sandbox-runner-1", 'kensa_tasks_total{outcome="done",stage="sandbox"}'), 1)

    def test_metrics_and_health(self):
        c = self.cluster
        for name in ("gateway", "intake", "static-analysis-1", "sandbox-runner-1", "report-generator-1"):
            with urllib.request.urlopen(c.admin_url(name) + "/healthz", timeout=10) as response:
                self.assertEqual(response.status, 200)
            with urllib.request.urlopen(c.admin_url(name) + "/readyz", timeout=10) as response:
                self.assertEqual(response.status, 200)
        self.assertGreaterEqual(c.metric("static-analysis-1", 'kensa_tasks_total{outcome="done",stage="static"}'), 1)
        self.assertGreaterEqual(c.metric("gateway", 'kensa_http_requests_total{code="202",route="/api/v1/submissions"}'), 1)
        self.assertGreaterEqual(c.metric("intake", 'kensa_submissions_total{result="queued"}'), 1)
        self.assertGreaterEqual(c.metric("intake", 'kensa_submissions_total{result="deduplicated"}'), 2)
        text = urllib.request.urlopen(c.admin_url("static-analysis-1") + "/metrics", timeout=10).read().decode()
        self.assertRegex(text, r'kensa_consumer_pending\{priority="p1",stage="static"\} 0')
        self.assertIn("kensa_stage_duration_seconds_bucket", text)


if __name__ == "__main__":
    unittest.main()
