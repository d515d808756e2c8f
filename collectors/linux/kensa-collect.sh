#!/bin/sh
# kensa-collect.sh — Kensa's no-install Linux collector. Gathers the minimum evidence a CSIRT
# needs to decide whether a host is compromised, into one tar.gz with a manifest
# (docs/collection-format.md), for `kensa hunt` and forensic-ingest.
#
# Runs under any POSIX sh (dash, busybox ash, bash) on old systems: no bash-isms, only tools of
# coreutils/procps/findutils of 2008 or busybox; every newer tool (ss, journalctl, systemctl)
# is optional and has a fallback. Run it as root: most evidence is root-only.
#
#   sh kensa-collect.sh [--out DIR] [--case ID] [--root DIR] [--upload URL --token TOKEN]
#                       [--max-file-bytes N] [--max-total-bytes N] [--days N] [--skip LIST]
#
#   --out DIR             where the archive is written (default: the current folder)
#   --case ID             case id recorded in the manifest
#   --root DIR            collect files from a mounted image or chroot instead of /; live
#                         commands (processes, sockets...) are then skipped
#   --upload URL          POST the archive to Kensa's gateway (multipart, part "file") with
#   --token TOKEN         "Authorization: Bearer TOKEN"; the archive stays on disk if it fails
#   --max-file-bytes N    largest single file copied (default 104857600)
#   --max-total-bytes N   stop copying files after this much (default 2147483648)
#   --days N              "recent" means changed in the last N days (default 30)
#   --skip LIST           comma-separated artifact names not to collect (e.g. suid_files)
#
# Exit codes: 0 archive written (and uploaded when asked); 1 archive written, upload failed;
# 2 usage; 3 the archive could not be written.
set -u
umask 077
LC_ALL=C
export LC_ALL
PATH="$PATH:/sbin:/usr/sbin:/bin:/usr/bin"

VERSION="0.1.0"
out_dir="."
case_id=""
root=""
upload_url=""
token=""
max_file_bytes=104857600
max_total_bytes=2147483648
days=30
skip=","
# Bounds that keep a run short on a large server; each with why.
max_recent_files=500        # executables in /tmp and friends: more than this is itself a finding
max_suid_files=5000         # find -perm -4000 over a whole file system
max_unit_files=3000         # systemd unit files
max_log_rotations=8         # auth.log, auth.log.1, ... .gz: enough for weeks of logins
max_journal_bytes=52428800  # journalctl output

usage() {
  sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || usage; out_dir="$2"; shift 2 ;;
    --case) [ $# -ge 2 ] || usage; case_id="$2"; shift 2 ;;
    --root) [ $# -ge 2 ] || usage; root="${2%/}"; shift 2 ;;
    --upload) [ $# -ge 2 ] || usage; upload_url="$2"; shift 2 ;;
    --token) [ $# -ge 2 ] || usage; token="$2"; shift 2 ;;
    --max-file-bytes) [ $# -ge 2 ] || usage; max_file_bytes="$2"; shift 2 ;;
    --max-total-bytes) [ $# -ge 2 ] || usage; max_total_bytes="$2"; shift 2 ;;
    --days) [ $# -ge 2 ] || usage; days="$2"; shift 2 ;;
    --skip) [ $# -ge 2 ] || usage; skip=",$2,"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "kensa-collect: unknown option $1" >&2; usage ;;
  esac
done
for number in "$max_file_bytes" "$max_total_bytes" "$days"; do
  case "$number" in ''|*[!0-9]*) echo "kensa-collect: not a number: $number" >&2; exit 2 ;; esac
done
if [ -n "$upload_url" ] && [ -z "$token" ]; then
  echo "kensa-collect: --upload needs --token" >&2
  exit 2
fi
if [ -n "$root" ] && [ ! -d "$root" ]; then
  echo "kensa-collect: --root $root is not a folder" >&2
  exit 2
fi

now_utc() { date -u +%Y-%m-%dT%H:%M:%SZ; }
started_at="$(now_utc)"
if [ -n "$root" ] && [ -s "$root/etc/hostname" ]; then
  host="$(head -n 1 "$root/etc/hostname")"
else
  host="$(hostname 2>/dev/null || uname -n)"
fi
# The host name names the archive: keep it to safe characters.
safe_host="$(printf '%s' "$host" | tr -c 'A-Za-z0-9._-' '_')"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
name="kensa-$safe_host-$stamp"
mkdir -p "$out_dir" || exit 3
work="$out_dir/.$name.work"
stage="$work/$name"
mkdir -p "$stage/commands" "$stage/files" || exit 3
items="$work/items.jsonl"
errors="$work/errors.jsonl"
total_file="$work/total_bytes"  # a file, not a variable: collect_file also runs in pipelines
: >"$items"
: >"$errors"
echo 0 >"$total_file"

log() {
  echo "$(now_utc) $*" >>"$stage/collector.log"
}

# JSON string escaping for the manifest: backslash, quote and control characters.
# Line breaks become spaces: manifest values are one line.
json_string() {
  printf '%s' "$1" | tr '\n\r' '  ' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' |
    tr -d '\000-\010\013-\037'
}

# Hashes read from stdin: with a file argument, GNU sha256sum escapes the output line of a name
# holding a backslash (systemd's "\x2d" unit names) with a leading "\".
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum <"$1" 2>/dev/null | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 <"$1" 2>/dev/null | sed 's/.*= //'
  fi
}

size_of() { wc -c <"$1" 2>/dev/null | tr -d ' '; }

rfc3339_of_epoch() {
  date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null
}

mtime_of() {
  epoch="$(stat -c %Y "$1" 2>/dev/null)" || return 0
  [ -n "$epoch" ] && rfc3339_of_epoch "$epoch"
}

skipped() {
  case "$skip" in *",$1,"*) return 0 ;; esac
  return 1
}

record_error() {  # artifact source error
  printf '{"artifact": "%s", "source": "%s", "error": "%s"}\n' "$1" "$(json_string "$2")" "$(json_string "$3")" >>"$errors"
  log "error $1 $2: $3"
}

record_item() {  # kind artifact source path-in-archive [mtime]
  path="$stage/$4"
  size="$(size_of "$path")"
  digest="$(sha256_of "$path")"
  extra=""
  [ -n "${5:-}" ] && extra=", \"mtime\": \"$5\""
  printf '{"path": "%s", "kind": "%s", "source": "%s", "artifact": "%s", "size": %s, "sha256": "%s"%s}\n' \
    "$(json_string "$4")" "$1" "$(json_string "$3")" "$2" "${size:-0}" "$digest" "$extra" >>"$items"
}

# Copies one regular file (path as on the live system, read below --root) into files/.
collect_file() {  # artifact path
  artifact="$1"
  source="$2"
  real="$root$source"
  if [ ! -e "$real" ] && [ ! -L "$real" ]; then
    return 1
  fi
  if [ ! -f "$real" ]; then
    record_error "$artifact" "$source" "not a regular file"
    return 1
  fi
  if [ ! -r "$real" ]; then
    record_error "$artifact" "$source" "permission denied"
    return 1
  fi
  size="$(size_of "$real")"
  size="${size:-0}"
  if [ "$size" -gt "$max_file_bytes" ]; then
    record_error "$artifact" "$source" "over the size limit ($size bytes)"
    return 1
  fi
  total_bytes="$(cat "$total_file")"
  if [ $((total_bytes + size)) -gt "$max_total_bytes" ]; then
    record_error "$artifact" "$source" "over the total size limit"
    return 1
  fi
  case "$source" in *"
"*) record_error "$artifact" "(a name with a newline)" "skipped"; return 1 ;; esac
  relative="files$source"
  mkdir -p "$(dirname "$stage/$relative")" 2>/dev/null
  if ! cat "$real" >"$stage/$relative" 2>/dev/null; then
    record_error "$artifact" "$source" "read failed"
    rm -f "$stage/$relative"
    return 1
  fi
  echo $((total_bytes + size)) >"$total_file"
  record_item file "$artifact" "$source" "$relative" "$(mtime_of "$real")"
  return 0
}

# Collects a list of paths given one per line on stdin; a missing path is not an error.
collect_files() {  # artifact
  while IFS= read -r one; do
    [ -n "$one" ] && collect_file "$1" "$one"
  done
  return 0
}

# Paths below --root matching a find expression, printed as live paths.
find_paths() {  # start-dir find-args...
  start="$1"
  shift
  [ -d "$root$start" ] || return 0
  find "$root$start" "$@" 2>/dev/null | sed "s#^$root##"
}

# Runs a live command into commands/NAME.txt (skipped with --root).
collect_command() {  # artifact name command...
  artifact="$1"
  command_name="$2"
  shift 2
  if [ -n "$root" ]; then
    return 0
  fi
  if ! command -v "$1" >/dev/null 2>&1; then
    return 1
  fi
  relative="commands/$command_name.txt"
  "$@" >"$stage/$relative" 2>>"$stage/collector.log"
  status=$?
  if [ ! -s "$stage/$relative" ] && [ $status -ne 0 ]; then
    rm -f "$stage/$relative"
    return 1
  fi
  record_item command "$artifact" "$*" "$relative"
  return 0
}

step() {  # artifact function
  if skipped "$1"; then
    log "skip $1"
    return
  fi
  log "start $1"
  "$2"
  log "done $1"
}

# --- artifacts --------------------------------------------------------------------------------

host_info() {
  if [ -z "$root" ]; then
    {
      echo "hostname: $host"
      echo "uname: $(uname -a)"
      echo "date_utc: $(now_utc)"
      echo "uptime: $(cat /proc/uptime 2>/dev/null)"
      echo "id: $(id)"
      [ -r /etc/os-release ] && cat /etc/os-release
    } >"$stage/commands/host.txt"
    record_item command host_info "uname, os-release, uptime, id" commands/host.txt
  fi
  for f in /etc/os-release /etc/lsb-release /etc/redhat-release /etc/debian_version /etc/hostname \
           /etc/hosts /etc/resolv.conf /etc/timezone /etc/localtime; do
    collect_file host_info "$f"
  done
}

processes() {
  collect_command processes processes ps -eo pid,ppid,user,lstart,etime,args ||
    collect_command processes processes ps -ef ||
    collect_command processes processes ps ||
    record_error processes ps "no usable ps"
  [ -n "$root" ] && return
  # The executable of every process, from /proc: its path, whether it was deleted after start
  # (a classic trick of implants), and its sha256. A deleted executable is still readable
  # through /proc/PID/exe, so its bytes are kept.
  relative="commands/proc_exe.txt"
  printf 'pid\tppid\tuid\texe\tsha256\tcmdline\n' >"$stage/$relative"
  for proc in /proc/[0-9]*; do
    pid="${proc#/proc/}"
    exe="$(readlink "$proc/exe" 2>/dev/null)" || continue
    cmdline="$(tr '\000' ' ' <"$proc/cmdline" 2>/dev/null | tr -d '\t\n' | cut -c1-4096)"
    ppid="$(sed -n 's/^PPid:[[:space:]]*//p' "$proc/status" 2>/dev/null)"
    uid="$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "$proc/status" 2>/dev/null)"
    digest="$(sha256_of "$proc/exe")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pid" "$ppid" "$uid" "$exe" "$digest" "$cmdline" >>"$stage/$relative"
    case "$exe" in
      *" (deleted)")
        mkdir -p "$stage/files/proc/$pid"
        size="$(size_of "$proc/exe")"
        if [ "${size:-0}" -le "$max_file_bytes" ] && cat "$proc/exe" >"$stage/files/proc/$pid/exe" 2>/dev/null; then
          echo $(($(cat "$total_file") + ${size:-0})) >"$total_file"
          record_item file deleted_executable "/proc/$pid/exe ($exe)" "files/proc/$pid/exe"
        else
          rm -f "$stage/files/proc/$pid/exe"
          record_error deleted_executable "/proc/$pid/exe" "could not copy ($exe)"
        fi
        ;;
    esac
  done
  record_item command processes "/proc/*/exe, cmdline, status" "$relative"
}

network() {
  collect_command network sockets ss -tunap ||
    collect_command network sockets netstat -tunap ||
    collect_command network sockets netstat -an ||
    record_error network "ss/netstat" "neither ss nor netstat is available"
  collect_command network interfaces ip addr || collect_command network interfaces ifconfig -a
  collect_command network routes ip route || collect_command network routes route -n
  if [ -z "$root" ]; then
    for f in tcp tcp6 udp udp6 unix; do
      [ -r "/proc/net/$f" ] || continue
      mkdir -p "$stage/files/proc/net"
      cat "/proc/net/$f" >"$stage/files/proc/net/$f" 2>/dev/null && record_item file network "/proc/net/$f" "files/proc/net/$f"
    done
  fi
}

users() {
  collect_file users /etc/passwd
  collect_file users /etc/group
  collect_file users /etc/sudoers
  find_paths /etc/sudoers.d -type f | collect_files users
  # The password hashes in /etc/shadow are not copied: they are secrets, not evidence.
  for f in /var/log/wtmp /var/log/btmp /var/run/utmp /run/utmp; do
    collect_file users "$f"
  done
  # lastlog is a sparse file the size of the highest uid; its `lastlog` rendering is enough.
  collect_command users lastlog lastlog
  collect_command users last last -x -F || collect_command users last last
  collect_command users lastb lastb -F || collect_command users lastb lastb
  collect_command users who who -a
}

auth_log() {
  found=0
  for base in /var/log/auth.log /var/log/secure; do
    collect_file auth_log "$base" && found=1
    n=1
    while [ "$n" -le "$max_log_rotations" ]; do
      collect_file auth_log "$base.$n" && found=1
      collect_file auth_log "$base.$n.gz" && found=1
      n=$((n + 1))
    done
    # Red Hat rotates to secure-YYYYMMDD.
    find_paths /var/log -maxdepth 1 -type f -name "$(basename "$base")-*" | head -n "$max_log_rotations" |
      collect_files auth_log
  done
  [ "$found" -eq 1 ] || record_error auth_log "/var/log/auth.log, /var/log/secure" "not present"
}

syslog() {
  for base in /var/log/syslog /var/log/messages /var/log/kern.log /var/log/audit/audit.log; do
    collect_file syslog "$base"
    collect_file syslog "$base.1"
  done
  if [ -z "$root" ] && command -v journalctl >/dev/null 2>&1; then
    journalctl --no-pager -o short-iso --since "-${days} days" 2>/dev/null | head -c "$max_journal_bytes" \
      >"$stage/commands/journal.txt"
    [ -s "$stage/commands/journal.txt" ] && record_item command syslog "journalctl --since -${days} days" commands/journal.txt
  fi
}

shell_history() {
  {
    echo /root
    find_paths /home -mindepth 1 -maxdepth 1 -type d
    # Service accounts with a shell history in their home (www-data, postgres...).
    if [ -r "$root/etc/passwd" ]; then
      cut -d: -f6 "$root/etc/passwd" | sort -u
    fi
  } | sort -u | while IFS= read -r home; do
    [ -n "$home" ] && [ "$home" != "/" ] || continue
    for f in .bash_history .zsh_history .sh_history .ash_history .history .python_history .mysql_history \
             .psql_history .lesshst .viminfo; do
      collect_file shell_history "$home/$f"
    done
  done
}

cron() {
  collect_file cron /etc/crontab
  collect_file cron /etc/anacrontab
  for d in /etc/cron.d /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly \
           /var/spool/cron /var/spool/cron/crontabs /var/spool/anacron /var/spool/at; do
    find_paths "$d" -type f | head -n 1000 | collect_files cron
  done
}

services() {
  for d in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system /run/systemd/system \
           /etc/systemd/user /usr/lib/systemd/user; do
    find_paths "$d" -type f | head -n "$max_unit_files" | collect_files services
  done
  find_paths /etc/init.d -type f | collect_files services
  find_paths /etc/xinetd.d -type f | collect_files services
  collect_file services /etc/rc.local
  collect_file services /etc/inittab
  collect_command services systemctl_units systemctl list-units --all --no-pager --no-legend
  collect_command services systemctl_unit_files systemctl list-unit-files --no-pager --no-legend
  collect_command services chkconfig chkconfig --list
}

autoruns() {
  for f in /etc/ld.so.preload /etc/ld.so.conf /etc/profile /etc/bash.bashrc /etc/bashrc \
           /etc/environment /etc/rc.d/rc.local; do
    collect_file autoruns "$f"
  done
  find_paths /etc/ld.so.conf.d -type f | collect_files autoruns
  find_paths /etc/profile.d -type f | collect_files autoruns
  find_paths /etc/update-motd.d -type f | collect_files autoruns
  { echo /root; find_paths /home -mindepth 1 -maxdepth 1 -type d; } | while IFS= read -r home; do
    for f in .bashrc .profile .bash_profile .bash_login .bash_logout .zshrc .config/autostart; do
      collect_file autoruns "$home/$f"
    done
  done
  collect_command autoruns environment_of_init cat /proc/1/environ
}

ssh() {
  collect_file ssh /etc/ssh/sshd_config
  find_paths /etc/ssh/sshd_config.d -type f | collect_files ssh
  { echo /root; find_paths /home -mindepth 1 -maxdepth 1 -type d
    if [ -r "$root/etc/passwd" ]; then cut -d: -f6 "$root/etc/passwd" | sort -u; fi
  } | sort -u | while IFS= read -r home; do
    [ -n "$home" ] && [ "$home" != "/" ] || continue
    for f in .ssh/authorized_keys .ssh/authorized_keys2 .ssh/known_hosts .ssh/config; do
      collect_file ssh "$home/$f"
    done
  done
}

kernel_modules() {
  collect_command kernel_modules modules cat /proc/modules || collect_command kernel_modules modules lsmod
  collect_command kernel_modules tainted cat /proc/sys/kernel/tainted
}

suid_files() {
  relative="commands/suid.txt"
  printf 'path\tmode\tuid\tsize\tmtime\tsha256\n' >"$stage/$relative"
  # -xdev: the root file system only; network and virtual mounts would take forever.
  find "${root:-/}" -xdev \( -perm -4000 -o -perm -2000 \) -type f 2>/dev/null | head -n "$max_suid_files" |
    while IFS= read -r f; do
      info="$(stat -c '%a	%u	%s	%Y' "$f" 2>/dev/null)"
      printf '%s\t%s\t%s\n' "${f#$root}" "$info" "$(sha256_of "$f")" >>"$stage/$relative"
    done
  record_item command suid_files "find / -xdev -perm -4000 -o -perm -2000" "$relative"
}

is_elf() {
  [ "$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')" = "7f454c46" ]
}

recent_executables() {
  relative="commands/recent_executables.txt"
  printf 'path\tmode\tuid\tsize\tmtime\tsha256\telf\n' >"$stage/$relative"
  count=0
  for d in /tmp /var/tmp /dev/shm /run/shm /var/run; do
    find_paths "$d" -xdev -type f -mtime "-$days" 2>/dev/null
  done | sort -u | while IFS= read -r f; do
    real="$root$f"
    elf=no
    is_elf "$real" && elf=yes
    # Executable bit or ELF magic: both are how droppers leave their payloads.
    if [ "$elf" = no ] && [ ! -x "$real" ]; then continue; fi
    count=$((count + 1))
    if [ "$count" -gt "$max_recent_files" ]; then
      record_error recent_executables "$f" "over the limit of $max_recent_files files"
      break
    fi
    info="$(stat -c '%a	%u	%s	%Y' "$real" 2>/dev/null)"
    printf '%s\t%s\t%s\t%s\n' "$f" "$info" "$(sha256_of "$real")" "$elf" >>"$stage/$relative"
    collect_file recent_executables "$f"
  done
  record_item command recent_executables "find /tmp /var/tmp /dev/shm -mtime -$days (executable or ELF)" "$relative"
}

# --- run --------------------------------------------------------------------------------------

log "kensa-collect $VERSION on $host, root=${root:-/}, case=$case_id"
[ "$(id -u 2>/dev/null)" = 0 ] || record_error host_info "id -u" "not running as root: root-only evidence is missing"
step host_info host_info
step processes processes
step network network
step users users
step auth_log auth_log
step syslog syslog
step shell_history shell_history
step cron cron
step services services
step autoruns autoruns
step ssh ssh
step kernel_modules kernel_modules
step suid_files suid_files
step recent_executables recent_executables
finished_at="$(now_utc)"

os_name="$(sed -n 's/^PRETTY_NAME=//p' "$root/etc/os-release" 2>/dev/null | tr -d '"')"
[ -n "$os_name" ] || os_name="$(cat "$root/etc/issue.net" 2>/dev/null | head -n 1)"
boot_time=""
if [ -z "$root" ]; then
  btime="$(sed -n 's/^btime //p' /proc/stat 2>/dev/null)"
  [ -n "$btime" ] && boot_time="$(rfc3339_of_epoch "$btime")"
fi

join_lines() {  # file -> comma-separated JSON objects, one per line
  sed -e '$!s/$/,/' -e 's/^/    /' "$1"
}

{
  echo "{"
  echo "  \"format\": \"kensa-collection\","
  echo "  \"format_version\": 1,"
  echo "  \"collector\": {\"name\": \"kensa-collect-linux\", \"version\": \"$VERSION\"},"
  echo "  \"case_id\": \"$(json_string "$case_id")\","
  echo "  \"host\": {"
  echo "    \"hostname\": \"$(json_string "$host")\","
  echo "    \"os\": \"$(json_string "$os_name")\","
  echo "    \"kernel\": \"$(json_string "$(uname -r)")\","
  echo "    \"arch\": \"$(json_string "$(uname -m)")\","
  echo "    \"timezone\": \"$(json_string "$(date +%Z%z)")\","
  echo "    \"boot_time\": \"$boot_time\","
  echo "    \"collected_by\": \"$(json_string "$(id -un 2>/dev/null || id -u)")\","
  echo "    \"root\": \"$(json_string "${root:-/}")\""
  echo "  },"
  echo "  \"started_at\": \"$started_at\","
  echo "  \"finished_at\": \"$finished_at\","
  echo "  \"items\": ["
  join_lines "$items"
  echo "  ],"
  echo "  \"errors\": ["
  join_lines "$errors"
  echo "  ],"
  echo "  \"limits\": {\"max_file_bytes\": $max_file_bytes, \"max_total_bytes\": $max_total_bytes, \"days\": $days}"
  echo "}"
} >"$stage/manifest.json"

archive="$out_dir/$name.tar.gz"
if ! (cd "$work" && tar -cf - "$name" | gzip -c >"$archive.partial") || ! mv "$archive.partial" "$archive"; then
  echo "kensa-collect: could not write $archive" >&2
  rm -f "$archive.partial"
  exit 3
fi
rm -rf "$work"
echo "$archive"

if [ -n "$upload_url" ]; then
  if command -v curl >/dev/null 2>&1; then
    if curl -sSf -H "Authorization: Bearer $token" -F "file=@$archive" -F "case=$case_id" "$upload_url" >/dev/null; then
      echo "kensa-collect: uploaded to $upload_url" >&2
      exit 0
    fi
  elif command -v wget >/dev/null 2>&1; then
    # wget has no multipart: send the archive as the body; the server takes it as the file.
    if wget -q -O /dev/null --header="Authorization: Bearer $token" \
         --header="Content-Type: application/gzip" --post-file="$archive" "$upload_url"; then
      echo "kensa-collect: uploaded to $upload_url" >&2
      exit 0
    fi
  fi
  echo "kensa-collect: upload failed; the archive is kept at $archive" >&2
  exit 1
fi
exit 0
