#!/usr/bin/env python3
"""The Linux collector (collectors/linux/kensa-collect.sh) run for real on this machine: under
dash on a planted host tree (--root), under busybox sh with nothing but busybox's applets on the
PATH (live mode), and uploading to a local HTTP server. Checks the archive and the manifest
against docs/collection-format.md. Python's standard library only."""

import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from planted_host import COLLECTOR, plant_host  # noqa: E402


def run_collector(shell, args, env=None):
    return subprocess.run([*shell, COLLECTOR, *args], capture_output=True, text=True, env=env, timeout=600)


def open_archive(path, into):
    with tarfile.open(path) as archive:
        names = archive.getnames()
        archive.extractall(into, filter="data")
    top = names[0].split("/")[0]
    folder = os.path.join(into, top)
    with open(os.path.join(folder, "manifest.json")) as handle:
        return folder, json.load(handle)


def check_items(test, folder, manifest):
    for item in manifest["items"]:
        with open(os.path.join(folder, item["path"]), "rb") as handle:
            data = handle.read()
        test.assertEqual(hashlib.sha256(data).hexdigest(), item["sha256"], item["path"])
        test.assertEqual(len(data), item["size"], item["path"])


class PlantedHostUnderDash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.mkdtemp(prefix="kensa-collect-")
        root = os.path.join(cls.temp, "root")
        plant_host(root)
        out = os.path.join(cls.temp, "out")
        cls.result = run_collector(["dash"], ["--root", root, "--out", out, "--case", "CASE-2026-0142",
                                              "--max-file-bytes", "100000"])
        cls.archive = cls.result.stdout.strip()
        cls.folder, cls.manifest = open_archive(cls.archive, os.path.join(cls.temp, "unpacked"))
        cls.sources = {item["source"]: item for item in cls.manifest["items"]}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.temp)

    def test_the_archive_is_named_after_the_host_and_has_a_manifest(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertRegex(os.path.basename(self.archive), r"^kensa-victim01-\d{8}T\d{6}Z\.tar\.gz$")
        self.assertEqual(self.manifest["format"], "kensa-collection")
        self.assertEqual(self.manifest["format_version"], 1)
        self.assertEqual(self.manifest["collector"]["name"], "kensa-collect-linux")
        self.assertEqual(self.manifest["case_id"], "CASE-2026-0142")
        self.assertEqual(self.manifest["host"]["hostname"], "victim01")
        self.assertEqual(self.manifest["host"]["os"], "Debian GNU/Linux 12 (bookworm)")
        self.assertTrue(os.path.exists(os.path.join(self.folder, "collector.log")))
        check_items(self, self.folder, self.manifest)

    def test_the_evidence_of_the_compromise_is_collected(self):
        expected = {
            "/etc/ld.so.preload": "autoruns",
            "/etc/crontab": "cron",
            "/var/spool/cron/crontabs/alice": "cron",
            "/etc/systemd/system/dbus-helper.service": "services",
            "/home/alice/.ssh/authorized_keys": "ssh",
            "/home/alice/.bash_history": "shell_history",
            "/var/log/auth.log": "auth_log",
            "/tmp/.x/payload": "recent_executables",
            "/etc/passwd": "users",
        }
        for source, artifact in expected.items():
            self.assertIn(source, self.sources)
            self.assertEqual(self.sources[source]["artifact"], artifact)
            self.assertEqual(self.sources[source]["path"], "files" + source)
        with open(os.path.join(self.folder, "files/home/alice/.ssh/authorized_keys")) as handle:
            self.assertIn("attacker@evil", handle.read())
        with open("/bin/true", "rb") as handle:
            self.assertEqual(self.sources["/tmp/.x/payload"]["sha256"], hashlib.sha256(handle.read()).hexdigest())
        with open(os.path.join(self.folder, "commands/recent_executables.txt")) as handle:
            listing = handle.read()
        self.assertRegex(listing, r"/tmp/\.x/payload\t755\t\d+\t\d+\t\d+\t[0-9a-f]{64}\tyes")
        self.assertNotIn("/tmp/notes.txt", listing)
        with open(os.path.join(self.folder, "commands/suid.txt")) as handle:
            self.assertRegex(handle.read(), r"\n/usr/local/bin/dbus-helper\t4755\t\d+\t\d+\t\d+\t[0-9a-f]{64}\n")

    def test_secrets_and_live_state_are_not_taken_from_an_image(self):
        self.assertNotIn("/etc/shadow", self.sources)
        kinds = {item["kind"] for item in self.manifest["items"] if item["artifact"] == "processes"}
        self.assertEqual(kinds, set())  # --root: no live process list of the examiner's machine

    def test_what_could_not_be_collected_says_why(self):
        errors = {(error["source"], error["error"]) for error in self.manifest["errors"]}
        self.assertIn(("/var/log/syslog", "over the size limit (200001 bytes)"), errors)


class LiveUnderBusybox(unittest.TestCase):
    """Only busybox: its sh and its applets, nothing else on the PATH."""

    def test_a_live_collection_with_busybox_tools_only(self):
        busybox = shutil.which("busybox")
        if busybox is None:
            self.skipTest("busybox is not installed (scripts/install-deps installs it)")
        temp = tempfile.mkdtemp(prefix="kensa-collect-bb-")
        try:
            tools = os.path.join(temp, "bin")
            os.makedirs(tools)
            applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()
            for applet in applets:
                os.symlink(busybox, os.path.join(tools, applet))
            env = {"PATH": tools, "HOME": temp}
            out = os.path.join(temp, "out")
            result = run_collector([busybox, "sh"], ["--out", out, "--skip", "suid_files,recent_executables,services"], env)
            self.assertEqual(result.returncode, 0, result.stderr)
            folder, manifest = open_archive(result.stdout.strip(), os.path.join(temp, "unpacked"))
            check_items(self, folder, manifest)
            sources = {item["source"] for item in manifest["items"]}
            self.assertIn("/etc/passwd", sources)
            self.assertEqual(manifest["host"]["hostname"], socket.gethostname())
            paths = {item["path"] for item in manifest["items"]}
            self.assertIn("commands/processes.txt", paths)
            with open(os.path.join(folder, "commands/proc_exe.txt")) as handle:
                self.assertIn(busybox, handle.read())  # the collector's own shell is a process
            self.assertRegex(manifest["host"]["boot_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        finally:
            shutil.rmtree(temp)


class Upload(unittest.TestCase):
    def test_the_archive_is_posted_with_the_case_token_and_kept_when_the_upload_fails(self):
        received = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.update(path=self.path, auth=self.headers["Authorization"],
                                type=self.headers["Content-Type"], body=body)
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        temp = tempfile.mkdtemp(prefix="kensa-collect-up-")
        try:
            root = os.path.join(temp, "root")
            plant_host(root)
            url = "http://127.0.0.1:%d/api/v1/collections" % server.server_port
            args = ["--root", root, "--out", os.path.join(temp, "out"), "--skip", "suid_files,services"]
            result = run_collector(["dash"], [*args, "--upload", url, "--token", "case-token-1"])
            self.assertEqual(result.returncode, 0, result.stderr)
            archive = result.stdout.strip()
            with open(archive, "rb") as handle:
                data = handle.read()
            self.assertEqual(received["path"], "/api/v1/collections")
            self.assertEqual(received["auth"], "Bearer case-token-1")
            self.assertTrue(received["type"].startswith("multipart/form-data"))
            self.assertIn(data, received["body"])
            server.shutdown()
            server.server_close()
            failed = run_collector(["dash"], [*args, "--upload", url, "--token", "case-token-1"])
            self.assertEqual(failed.returncode, 1)
            self.assertIn("upload failed; the archive is kept", failed.stderr)
            self.assertTrue(os.path.exists(failed.stdout.strip()))
        finally:
            server.shutdown() if thread.is_alive() else None
            shutil.rmtree(temp)

    def test_bad_options_exit_2(self):
        self.assertEqual(run_collector(["dash"], ["--upload", "http://x"]).returncode, 2)
        self.assertEqual(run_collector(["dash"], ["--days", "many"]).returncode, 2)
        self.assertEqual(run_collector(["dash"], ["--root", "/nonexistent/root"]).returncode, 2)


if __name__ == "__main__":
    unittest.main()
