#!/usr/bin/env python3
"""Runs the x64 Windows collector under Debian's wine64 and checks the archive it writes.

A fresh WINEPREFIX is created (wineboot -i), seeded with evidence the collector must find (a
Run key, a dropped executable, a PowerShell history, a scheduled task file), then
kensa-collect.exe runs with --out and the zip is checked against docs/collection-format.md:
the manifest parses, the host name is wine's, the collector sees itself in the process list
with its own image hash, the hives wine can save are there, the Run key is in autoruns.tsv,
every item's sha256 and size match the file in the zip, and what wine cannot provide (event
logs, SAM) is listed in errors. Standard library only.

Environment: KENSA_BINARY_DIR (the build tree). Times are printed (wineboot dominates).
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

BINARY_DIR = os.environ.get("KENSA_BINARY_DIR", "")
REPO = os.environ.get("KENSA_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
COLLECTOR = os.path.join(BINARY_DIR, "collectors", "windows", "x64", "kensa-collect.exe")
CASE_ID = "CASE-WINE-0001"
RUN_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "KensaWineTest"
RUN_COMMAND = r"C:\users\Public\kensa-wine-test.exe --persist"
HISTORY_TEXT = "Invoke-WebRequest https://example.invalid/a.ps1 -OutFile a.ps1\r\n"
TASK_XML = ('<?xml version="1.0"?><Task><Actions><Exec><Command>x.exe</Command></Exec>'
            '</Actions></Task>')
ARTIFACTS = {"host_info", "processes", "network", "services", "autoruns", "scheduled_tasks",
             "event_logs", "registry_hives", "amcache", "prefetch", "shell_history", "shortcuts",
             "recent_executables", "collector_log"}
STARTUP_TARGET = r"C:\Users\Public\kensa-startup.exe"


def find_wine():
    for candidate in ("wine64", "/usr/lib/wine/wine64", "wine"):
        path = shutil.which(candidate)
        if path:
            return path
    return None


def windows_path(unix_path):
    # wine maps the whole Unix file system to drive Z:.
    return "Z:" + unix_path.replace("/", "\\")


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_tsv(text):
    lines = text.rstrip("\n").split("\n")
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        fields = line.split("\t")
        assert len(fields) == len(header), \
            f"row has {len(fields)} fields, header {len(header)}: {line!r}"
        rows.append(dict(zip(header, (unescape_tsv(f) for f in fields))))
    return header, rows


def unescape_tsv(field):
    escapes = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], field)


class WineCollectTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.wine = find_wine()
        if cls.wine is None:
            raise unittest.SkipTest("wine64 is not installed (scripts/install-deps installs it)")
        if not os.path.isfile(COLLECTOR):
            raise AssertionError(f"{COLLECTOR} is missing: build the kensa_collectors target")
        cls.tmp = tempfile.mkdtemp(prefix="kensa-wine-collect-")
        cls.env = dict(os.environ)
        cls.env.update({
            "WINEPREFIX": os.path.join(cls.tmp, "prefix"),
            "WINEDEBUG": "-all",
            # No Mono / Gecko installer dialogs during wineboot: console programs need neither.
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        })
        cls.env.pop("DISPLAY", None)
        try:
            cls.prepare_and_collect()
        except BaseException:
            # unittest skips tearDownClass when setUpClass fails; clean up here instead.
            cls.tearDownClass()
            raise

    @classmethod
    def prepare_and_collect(cls):
        started = time.monotonic()
        cls.wine_run(["wineboot", "-i"], timeout=300)
        cls.wineboot_seconds = time.monotonic() - started
        # Keep one wineserver (and wine's services) running for the whole test: otherwise each
        # wine command starts them again, about 3 s apiece. wineboot's own server has to end
        # first (-w waits for that); tearDownClass stops the persistent one.
        subprocess.run([cls.wineserver(), "-w"], env=cls.env, check=True, timeout=60,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run([cls.wineserver(), "-p"], env=cls.env, check=True, timeout=60,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

        cls.wine_run(["reg", "add", RUN_KEY, "/v", RUN_VALUE, "/d", RUN_COMMAND, "/f"])
        cls.wine_hostname = cls.wine_run(["hostname"]).stdout.strip()
        drive_c = os.path.join(cls.env["WINEPREFIX"], "drive_c")
        users = os.path.join(drive_c, "users")
        profile = next(os.path.join(users, name) for name in sorted(os.listdir(users))
                       if name.lower() != "public")
        cls.profile_name = os.path.basename(profile)
        # wineboot links Desktop, Downloads, Documents... to the Unix home folder. Make them
        # real folders so the collector neither walks nor copies the developer's own files,
        # and the seeded files below stay inside the prefix.
        for name in os.listdir(profile):
            link = os.path.join(profile, name)
            if os.path.islink(link):
                os.unlink(link)
                os.mkdir(link)
        # A "downloaded" executable (a copy of the collector, so a real PE of known hash).
        downloads = os.path.join(profile, "Downloads")
        os.makedirs(downloads, exist_ok=True)
        cls.dropped = os.path.join(downloads, "invoice-2026.exe")
        shutil.copyfile(COLLECTOR, cls.dropped)
        history_dir = os.path.join(profile, "AppData", "Roaming", "Microsoft", "Windows",
                                   "PowerShell", "PSReadLine")
        os.makedirs(history_dir, exist_ok=True)
        with open(os.path.join(history_dir, "ConsoleHost_history.txt"), "w", newline="") as f:
            f.write(HISTORY_TEXT)
        # A Recent item (plaso's NeroInfoTool.lnk, written by Windows) and a Startup shortcut
        # to a program in C:\Users\Public (written by tests/support/make_lnk.py).
        roaming = os.path.join(profile, "AppData", "Roaming", "Microsoft", "Windows")
        os.makedirs(os.path.join(roaming, "Recent"), exist_ok=True)
        shutil.copyfile(os.path.join(REPO, "..", "shared", "corpora", "plaso-test-data", "test_data",
                                     "NeroInfoTool.lnk"), os.path.join(roaming, "Recent", "NeroInfoTool.lnk"))
        startup = os.path.join(roaming, "Start Menu", "Programs", "Startup")
        os.makedirs(startup, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(REPO, "tests", "support", "make_lnk.py"),
                        os.path.join(startup, "kensa-startup.lnk"), STARTUP_TARGET], check=True)
        tasks = os.path.join(drive_c, "windows", "system32", "Tasks")
        os.makedirs(tasks, exist_ok=True)
        with open(os.path.join(tasks, "KensaWineTask"), "w") as f:
            f.write(TASK_XML)

        cls.out = os.path.join(cls.tmp, "out")
        started = time.monotonic()
        cls.result = cls.wine_run([COLLECTOR, "--out", windows_path(cls.out), "--case", CASE_ID],
                                  check=False)
        cls.collect_seconds = time.monotonic() - started
        print(f"\nwineboot -i: {cls.wineboot_seconds:.1f} s, collector run: "
              f"{cls.collect_seconds:.1f} s", file=sys.stderr)
        archives = ([n for n in os.listdir(cls.out) if n.endswith(".zip")]
                    if os.path.isdir(cls.out) else [])
        cls.archive_names = archives
        cls.zip = (zipfile.ZipFile(os.path.join(cls.out, archives[0]))
                   if len(archives) == 1 else None)
        cls.manifest = json.loads(cls.zip.read("manifest.json")) if cls.zip else None

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "zip", None):
            cls.zip.close()
        if getattr(cls, "tmp", None):
            subprocess.run([cls.wineserver(), "-k"], env=cls.env, check=False, timeout=60,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def wineserver(cls):
        # Debian installs wineserver next to wine64 (/usr/lib/wine) and on PATH.
        beside = os.path.join(os.path.dirname(os.path.realpath(cls.wine)), "wineserver")
        return beside if os.path.exists(beside) else (shutil.which("wineserver") or "wineserver")

    @classmethod
    def wine_run(cls, args, timeout=120, check=True):
        # Output goes through files, not pipes: wine's background services inherit the
        # handles, and a pipe would then never reach end-of-file.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            process = subprocess.run([cls.wine] + args, env=cls.env, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err, timeout=timeout)
            out.seek(0)
            err.seek(0)
            result = subprocess.CompletedProcess(
                process.args, process.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"))
        if check and result.returncode != 0:
            raise AssertionError(f"wine {args[0]} exited {result.returncode}: {result.stderr}")
        return result

    def error_for(self, artifact, source_part):
        return [e for e in self.manifest["errors"]
                if e["artifact"] == artifact and source_part in e["source"]]

    def item(self, path):
        items = [i for i in self.manifest["items"] if i["path"] == path]
        self.assertEqual(len(items), 1, f"{path} in manifest items")
        return items[0]

    def test_collector_exits_0_and_writes_one_archive_named_after_the_host(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr[-3000:])
        self.assertEqual(len(self.archive_names), 1, self.archive_names)
        self.assertRegex(self.archive_names[0],
                         r"^kensa-" + re.escape(self.wine_hostname) + r"-\d{8}T\d{6}Z\.zip$")
        self.assertIsNone(self.zip.testzip())
        self.assertFalse([n for n in os.listdir(self.out) if n != self.archive_names[0]],
                         "no .partial file or scratch folder is left behind")

    def test_manifest_names_the_format_collector_case_and_wine_host(self):
        m = self.manifest
        self.assertEqual(m["format"], "kensa-collection")
        self.assertEqual(m["format_version"], 1)
        self.assertEqual(m["collector"]["name"], "kensa-collect-windows")
        self.assertEqual(m["case_id"], CASE_ID)
        self.assertEqual(m["host"]["hostname"], self.wine_hostname)
        self.assertEqual(m["host"]["arch"], "AMD64")
        self.assertRegex(m["host"]["kernel"], r"^\d+\.\d+\.\d+$")
        self.assertRegex(m["host"]["boot_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertLessEqual(m["started_at"], m["finished_at"])
        self.assertEqual(m["limits"], {"max_file_bytes": 1 << 30, "max_total_bytes": 3 << 30})
        systeminfo = self.zip.read("commands/systeminfo.txt").decode()
        self.assertIn("wine: ", systeminfo)
        self.assertIn("hostname: " + self.wine_hostname, systeminfo)

    def test_every_item_matches_its_bytes_in_the_zip_and_nothing_is_unlisted(self):
        names = set(self.zip.namelist())
        for item in self.manifest["items"]:
            with self.subTest(item=item["path"]):
                self.assertIn(item["path"], names)
                data = self.zip.read(item["path"])
                self.assertEqual(len(data), item["size"])
                self.assertEqual(hashlib.sha256(data).hexdigest(), item["sha256"])
                self.assertIn(item["kind"], ("file", "command"))
                self.assertIn(item["artifact"], ARTIFACTS)
                self.assertFalse(item["path"].startswith("/") or ".." in item["path"].split("/"))
        listed = {i["path"] for i in self.manifest["items"]}
        self.assertEqual(names - listed, {"manifest.json"})

    def test_the_collector_finds_itself_in_the_process_list_with_its_own_hash(self):
        header, rows = read_tsv(self.zip.read("commands/processes.tsv").decode())
        self.assertEqual(header[:6],
                         ["pid", "ppid", "user", "image_path", "command_line", "sha256"])
        own = [r for r in rows if r["image_path"].lower().endswith("\\kensa-collect.exe")]
        self.assertEqual(len(own), 1, rows)
        self.assertEqual(own[0]["sha256"], sha256_file(COLLECTOR))
        self.assertIn("--case " + CASE_ID, own[0]["command_line"])
        self.assertTrue(own[0]["user"])
        self.assertTrue(any(r["name"].lower() == "services.exe" for r in rows))

    def test_wine_hives_are_saved_and_the_non_regf_format_is_reported(self):
        for hive in ("SYSTEM", "SOFTWARE"):
            with self.subTest(hive=hive):
                item = self.item(f"files/C/windows/System32/config/{hive}")
                self.assertEqual(item["method"], "RegSaveKeyEx")
                self.assertEqual(item["artifact"], "registry_hives")
                head = self.zip.read(item["path"])[:32]
                if head.startswith(b"regf"):
                    continue
                # Wine's RegSaveKeyEx writes its own text format, never "regf"; the collector
                # keeps the file and says so in errors.
                self.assertTrue(head.startswith(b"WINE REGISTRY Version 2"), head)
                self.assertTrue(self.error_for("registry_hives", "HKLM\\" + hive))
        user_hive = self.item(f"files/C/users/{self.profile_name}/NTUSER.DAT")
        self.assertGreater(user_hive["size"], 0)
        self.assertTrue(self.error_for("registry_hives", "HKLM\\SAM"))

    def test_the_run_key_written_with_wine_reg_is_in_autoruns(self):
        header, rows = read_tsv(self.zip.read("commands/autoruns.tsv").decode())
        self.assertEqual(header, ["category", "location", "entry", "data", "key_modified"])
        hits = [r for r in rows if r["entry"] == RUN_VALUE]
        self.assertEqual(len(hits), 1, rows)
        self.assertEqual(hits[0]["category"], "run")
        self.assertEqual(hits[0]["data"], RUN_COMMAND)
        self.assertRegex(hits[0]["location"], r"^HKU\\S-1-5-21-[\d-]+"
                         r"\\Software\\Microsoft\\Windows\\CurrentVersion\\Run$")

    def test_user_files_are_collected(self):
        history = self.item(f"files/C/users/{self.profile_name}/AppData/Roaming/Microsoft/"
                            "Windows/PowerShell/PSReadLine/ConsoleHost_history.txt")
        self.assertEqual(self.zip.read(history["path"]).decode(), HISTORY_TEXT)
        self.assertEqual(history["artifact"], "shell_history")
        task = self.item("files/C/windows/System32/Tasks/KensaWineTask")
        self.assertEqual(self.zip.read(task["path"]).decode(), TASK_XML)
        roaming = f"files/C/users/{self.profile_name}/AppData/Roaming/Microsoft/Windows/"
        recent = self.item(roaming + "Recent/NeroInfoTool.lnk")
        self.assertEqual(recent["artifact"], "shortcuts")
        self.assertEqual(recent["sha256"], sha256_file(os.path.join(
            REPO, "..", "shared", "corpora", "plaso-test-data", "test_data", "NeroInfoTool.lnk")))
        # The autoruns step stores the Startup folders' files first; the shortcut table reads
        # every .lnk of the collection whatever step stored it.
        self.assertEqual(self.item(roaming + "Start Menu/Programs/Startup/kensa-startup.lnk")["artifact"],
                         "autoruns")
        dropped = self.item(f"files/C/users/{self.profile_name}/Downloads/invoice-2026.exe")
        self.assertEqual(dropped["artifact"], "recent_executables")
        self.assertEqual(dropped["sha256"], sha256_file(COLLECTOR))
        _, rows = read_tsv(self.zip.read("commands/recent_executables.tsv").decode())
        listed = [r for r in rows if r["path"].endswith("\\Downloads\\invoice-2026.exe")]
        self.assertEqual(len(listed), 1, rows)
        self.assertEqual(listed[0]["copied"], "yes")

    def test_what_wine_cannot_provide_is_listed_in_errors(self):
        for channel in ("Security", "System", "Application",
                        "Microsoft-Windows-Sysmon/Operational"):
            with self.subTest(channel=channel):
                self.assertTrue(self.error_for("event_logs", channel + " ("),
                                self.manifest["errors"])
        self.assertTrue(self.error_for("prefetch", "Prefetch"))
        self.assertTrue(self.error_for("amcache", "Amcache.hve"))
        for error in self.manifest["errors"]:
            self.assertIn(error["artifact"], ARTIFACTS)
            self.assertTrue(error["error"])

    def test_kensa_hunt_reads_the_archive_and_flags_the_planted_persistence(self):
        # The hunting side of the same format: `kensa hunt` verifies the zip against its
        # manifest and runs rules/hunt/windows.yaml over the collector's tables and files.
        kensa = os.path.join(BINARY_DIR, "bin", "kensa")
        result = subprocess.run([kensa, "hunt", os.path.join(self.out, self.archive_names[0]), "--format", "json"],
                                capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(report["collection"]["manifest"]["collector"]["name"], "kensa-collect-windows")
        self.assertNotIn("hashMismatches", report["collection"])
        by_rule = {}
        for finding in report.get("findings", []):
            by_rule.setdefault(finding["ruleId"], []).append(finding)
        self.assertIn("windows_autorun_user_writable", by_rule, (sorted(by_rule), self.zip.read("commands/autoruns.tsv").decode()[:1500]))
        autorun = by_rule["windows_autorun_user_writable"]
        self.assertTrue(any("kensa-wine-test.exe --persist" in f["evidence"] for f in autorun), autorun)
        startup = by_rule["windows_shortcut_startup_user_writable"]
        self.assertEqual(len(startup), 1, startup)
        self.assertIn("kensa-startup.exe", startup[0]["evidence"])
        history = by_rule["windows_powershell_history_download"]
        self.assertEqual(history[0]["evidence"], "Invoke-WebRequest https://example.invalid/a.ps1 -OutFile a.ps1")
        self.assertEqual(report["verdict"], "HUNT_VERDICT_COMPROMISED")

    def test_the_log_has_a_start_and_done_line_for_every_step(self):
        log = self.zip.read("collector.log").decode()
        for artifact in ARTIFACTS - {"collector_log"}:
            self.assertRegex(log, r"Z " + artifact + r" done items=\d+ errors=\d+ ms=\d+")

    def test_skip_and_a_failed_upload_keep_the_archive_and_exit_3(self):
        out = os.path.join(self.tmp, "out-skip", "nested")  # created with its parent
        result = self.wine_run([COLLECTOR, "--out", windows_path(out), "--skip",
                                "event_logs,registry_hives,recent_executables",
                                "--upload", "https://127.0.0.1:9/upload", "--token", "t0ken"],
                               check=False)
        self.assertEqual(result.returncode, 3, result.stderr[-2000:])
        archives = [n for n in os.listdir(out) if n.endswith(".zip")]
        self.assertEqual(len(archives), 1)
        with zipfile.ZipFile(os.path.join(out, archives[0])) as z:
            manifest = json.loads(z.read("manifest.json"))
        skipped = {e["artifact"] for e in manifest["errors"] if e["error"] == "skipped on request"}
        self.assertEqual(skipped, {"event_logs", "registry_hives", "recent_executables"})
        self.assertFalse([i for i in manifest["items"] if i["artifact"] == "registry_hives"])
        self.assertIsNone(manifest["case_id"])

    def test_bad_arguments_exit_1_without_writing(self):
        for args in (["--skip", "no_such_artifact"], ["--upload", "http://x/", "--token", "t"],
                     ["--max-file-bytes", "ten"], ["--out"]):
            with self.subTest(args=args):
                self.assertEqual(self.wine_run([COLLECTOR] + args, check=False).returncode, 1)


if __name__ == "__main__":
    unittest.main()
