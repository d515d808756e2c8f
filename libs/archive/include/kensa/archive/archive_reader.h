#pragma once
// Archives opened and their members extracted, within bounds, with findings about what a
// mail-attachment archive hides: encryption (and the password that opened it), decompression
// bombs, path traversal, double extensions, shortcuts and executables inside.
//
//   ArchiveLimits limits;
//   auto listing = ReadArchive(bytes, {"submitter-password", "infected"}, limits);
//   if (!listing) { ... not an archive libarchive can read ... }
//   for (const auto& member : listing->members) if (member.extracted) Submit(member.data);
//
// Formats (libarchive): zip (stored, deflate, ZipCrypto and WinZip AES), 7z, rar 4 and 5 (not
// encrypted), tar, ISO 9660 (with Joliet/Rock Ridge names), cab, and gzip / bzip2 / xz / lzma /
// zstd either around one of these (tar.gz) or as a single compressed stream, whose content is
// the one member. libarchive cannot decrypt 7z or rar: such members are listed, not extracted,
// and reported as "archive_encrypted".
//
// Passwords: none first; then `passwords` in order (the submitter's, then a default list such
// as rules/archive/passwords.txt) until one opens the first encrypted member.
//
// Bounds: every byte comes from streaming reads against the limits below, never from an
// allocation of a size the archive declares. A bomb ends with a finding after at most
// max_total_size bytes of decompression. Nested archives are not opened here: a member that is
// itself an archive is a child sample, analyzed on its own (the pipeline bounds the depth).
//
// Names are UTF-8: names the archive marks as Unicode (zip flag bit 11, 7z, Joliet) are kept;
// other names that are valid UTF-8 are kept; the rest are decoded as CP932 (Shift_JIS), the
// code page Japanese Windows writes zip names in. Undecodable bytes become U+FFFD.
//
// Findings (stable codes; `detail` names the member or the numbers):
//   archive_encrypted            members are encrypted (detail: how many, or "cannot decrypt")
//   archive_password_found       detail: the password that opened them
//   archive_password_unknown     no password tried opened an encrypted member
//   archive_bomb_ratio           expanded / compressed above max_ratio (or declared sizes are)
//   archive_member_limit         more entries than max_members; the rest are not read
//   archive_total_size_limit     more than max_total_size decompressed; reading stopped
//   archive_time_limit           reading took longer than max_duration; reading stopped
//   archive_member_too_large     one member above max_member_size; listed without data
//   archive_member_damaged       a member's data failed its check (CRC) or could not be read
//   archive_damaged              the archive structure broke off; members after it are lost
//   archive_name_too_long        a name longer than max_name_length bytes (cut)
//   archive_path_traversal       a name with a ".." component, or absolute (/x, \x, C:)
//   archive_double_extension     a lure extension before an executable one (invoice.pdf.exe)
//   archive_rtlo_name            a name with U+202E RIGHT-TO-LEFT OVERRIDE (exe.pdf shown as
//   fdp.exe) archive_executable_member    a program or script by name (.exe, .js, .hta...) or
//   content (MZ) archive_lnk_member           a Windows shortcut by name or content
//   archive_nested_archive       a member that is itself an archive or disk image
// Per code at most kMaxFindingsPerCode findings are kept (a thousand members with the same
// problem say nothing more than twenty).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::archive {

// Mail attachments hold a handful of files, software bundles hundreds; more is a flood.
inline constexpr std::size_t kDefaultMaxMembers = 1000;
// The static stage analyzes samples of this size comfortably; larger members are listed only.
inline constexpr std::uint64_t kDefaultMaxMemberSize = 64ull << 20;
// Decompression work for one archive, bytes kept and bytes discarded alike.
inline constexpr std::uint64_t kDefaultMaxTotalSize = 256ull << 20;
// Deflate tops out near 1032:1; programs and documents compress 2-10x, text ~10x. Above 200 the
// content is runs of one byte: a bomb, or a payload padded past scanners' size limits.
inline constexpr double kDefaultMaxRatio = 200.0;
// Ratios are judged only past this much output: a few MiB of zeros harm no one.
inline constexpr std::uint64_t kDefaultMinBombSize = 16ull << 20;
// Windows' classic MAX_PATH is 260 characters; 1 KiB of UTF-8 leaves room for deep folders.
inline constexpr std::size_t kDefaultMaxNameLength = 1024;
// The submitter's few passwords plus the default list; each try re-reads one member.
inline constexpr std::size_t kDefaultMaxPasswordAttempts = 64;
// Wall-clock budget, like YARA's per-sample timeout in the static stage.
inline constexpr std::chrono::milliseconds kDefaultMaxDuration{20000};
// Findings kept per code.
inline constexpr std::size_t kMaxFindingsPerCode = 20;

struct ArchiveLimits {
  std::size_t max_members = kDefaultMaxMembers;
  std::uint64_t max_member_size = kDefaultMaxMemberSize;
  std::uint64_t max_total_size = kDefaultMaxTotalSize;
  double max_ratio = kDefaultMaxRatio;
  std::uint64_t min_bomb_size = kDefaultMinBombSize;
  std::size_t max_name_length = kDefaultMaxNameLength;
  std::size_t max_password_attempts = kDefaultMaxPasswordAttempts;
  std::chrono::milliseconds max_duration = kDefaultMaxDuration;
};

struct ArchiveMember {
  // Path inside the archive, UTF-8, as stored ("../x" and "/x" are kept and reported).
  std::string name;
  // The whole content when `extracted`; empty otherwise.
  Bytes data;
  // data.size() when extracted, otherwise the size the archive declares (0 when unknown).
  std::uint64_t size = 0;
  bool extracted = false;
  bool encrypted = false;
  // The password that decrypted it (empty when it was not encrypted or not decrypted).
  std::string password_used;
  // Seconds since 1970-01-01 UTC, when the archive records a modification time.
  std::optional<std::int64_t> modified_unix_seconds;
};

struct ArchiveFinding {
  std::string code;    // stable snake_case, listed in the header comment
  std::string detail;  // UTF-8, for people
};

struct ArchiveListing {
  // "zip", "7z", "rar", "tar", "iso9660", "cab"; for a single compressed stream its
  // compression: "gzip", "bzip2", "xz", "lzma", "zstd", "compress".
  std::string format;
  // The compression around the archive ("gzip" for tar.gz), empty when none or when `format`
  // already is the compression.
  std::string compression;
  // Regular files in archive order (folders and links are not members).
  std::vector<ArchiveMember> members;
  std::vector<ArchiveFinding> findings;
  // Reading stopped at a limit or a damaged structure: there may be more members.
  bool truncated = false;
  // Bytes decompressed, kept or discarded, including password trials.
  std::uint64_t expanded_bytes = 0;
};

// Reads `data` as an archive. Errors: kInvalidArgument when libarchive recognises no supported
// format in it; kInternal when libarchive cannot be set up without an external program. A
// damaged or hostile archive is a listing with findings, not an error.
Result<ArchiveListing> ReadArchive(ByteSpan data, const std::vector<std::string>& passwords,
                                   const ArchiveLimits& limits = {});

// Reads a password list: one password per line, UTF-8, exactly as typed (spaces count);
// blank lines and lines starting with '#' are skipped; CR before LF is dropped.
Result<std::vector<std::string>> LoadPasswordList(const std::string& path);

}  // namespace kensa::archive
