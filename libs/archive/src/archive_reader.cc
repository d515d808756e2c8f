// The libarchive adapter: the only file that includes libarchive's headers.
#include "kensa/archive/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include "kensa/core/file.h"
#include "kensa/identify/file_identifier.h"
#include "member_checks.h"
#include "sevenzip_header.h"
#include "zisofs_check.h"

namespace kensa::archive {
namespace {

// Output is read in chunks of this size: one budget, ratio and deadline check per chunk.
constexpr std::size_t kReadChunk = 64 * 1024;
// A password list is a few hundred bytes; anything near this is not a password list.
constexpr std::uint64_t kMaxPasswordFileBytes = 1024 * 1024;
// Findings that describe the whole archive: one is enough.
constexpr std::array<std::string_view, 7> kOncePerArchive = {
    "archive_encrypted",    "archive_password_found",   "archive_bomb_ratio",
    "archive_member_limit", "archive_total_size_limit", "archive_time_limit",
    "archive_damaged"};

// libarchive converts entry names between the archive's charset and the thread's locale; in the
// "C" locale of a service every non-ASCII name fails to convert and comes back NULL. C.UTF-8,
// set for this thread only (uselocale) while one archive is read, leaves the process alone.
// Debian's libc-bin ships C.UTF-8.
class Utf8LocaleScope {
 public:
  Utf8LocaleScope() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    if (utf8 != locale_t{}) previous_ = uselocale(utf8);
  }
  ~Utf8LocaleScope() {
    if (previous_ != locale_t{}) uselocale(previous_);
  }
  Utf8LocaleScope(const Utf8LocaleScope&) = delete;
  Utf8LocaleScope& operator=(const Utf8LocaleScope&) = delete;

 private:
  locale_t previous_{};
};

struct ArchiveFree {
  void operator()(struct archive* reader) const { archive_read_free(reader); }
};
using Reader = std::unique_ptr<struct archive, ArchiveFree>;

// kArchive: container formats (a compression filter around them is undone first).
// kSingleStream: one compressed stream whose content is the only member.
enum class Layout { kArchive, kSingleStream };

struct Opened {
  Reader reader;
  bool ok = false;
  std::string error;
  bool compressed = false;  // a compression filter was recognised, even if the open failed
};

std::string ErrorText(struct archive* reader) {
  const char* text = archive_error_string(reader);
  return DecodeMemberName(text != nullptr ? text : "damaged (libarchive gives no reason)");
}

Result<Opened> Open(ByteSpan data, Layout layout, const std::string* passphrase) {
  Opened opened;
  opened.reader.reset(archive_read_new());
  struct archive* reader = opened.reader.get();
  if (reader == nullptr) return InternalError("libarchive: archive_read_new failed");
  // Compression in-process only: archive_read_support_filter_all would also start external
  // programs (lrzip, lzop, grzip) on sample bytes. ARCHIVE_WARN means "through a program".
  using Support = int (*)(struct archive*);
  constexpr std::array<Support, 6> kFilters = {
      archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
      archive_read_support_filter_xz,   archive_read_support_filter_lzma,
      archive_read_support_filter_zstd, archive_read_support_filter_compress};
  for (Support support : kFilters) {
    if (support(reader) != ARCHIVE_OK) {
      return InternalError("libarchive: a compression filter is not built in: " +
                           ErrorText(reader));
    }
  }
  if (layout == Layout::kArchive) {
    constexpr std::array<Support, 7> kFormats = {
        archive_read_support_format_zip, archive_read_support_format_7zip,
        archive_read_support_format_rar, archive_read_support_format_rar5,
        archive_read_support_format_tar, archive_read_support_format_iso9660,
        archive_read_support_format_cab};
    for (Support support : kFormats) {
      if (support(reader) != ARCHIVE_OK) return InternalError("libarchive: " + ErrorText(reader));
    }
  } else if (archive_read_support_format_raw(reader) != ARCHIVE_OK) {
    return InternalError("libarchive: " + ErrorText(reader));
  }
  if (passphrase != nullptr &&
      archive_read_add_passphrase(reader, passphrase->c_str()) != ARCHIVE_OK) {
    return InternalError("libarchive: " + ErrorText(reader));
  }
  const int status = archive_read_open_memory(reader, data.data(), data.size());
  opened.compressed = archive_filter_count(reader) > 1;
  opened.ok = status == ARCHIVE_OK || status == ARCHIVE_WARN;
  if (!opened.ok) opened.error = ErrorText(reader);
  return opened;
}

std::string CompressionName(struct archive* reader) {
  if (archive_filter_count(reader) < 2) return "";
  switch (archive_filter_code(reader, 0)) {
    case ARCHIVE_FILTER_GZIP:
      return "gzip";
    case ARCHIVE_FILTER_BZIP2:
      return "bzip2";
    case ARCHIVE_FILTER_XZ:
      return "xz";
    case ARCHIVE_FILTER_LZMA:
      return "lzma";
    case ARCHIVE_FILTER_ZSTD:
      return "zstd";
    case ARCHIVE_FILTER_COMPRESS:
      return "compress";
    default: {
      const char* name = archive_filter_name(reader, 0);
      return name != nullptr ? AsciiLower(name) : "unknown";
    }
  }
}

std::string FormatName(struct archive* reader) {
  switch (archive_format(reader) & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_ZIP:
      return "zip";
    case ARCHIVE_FORMAT_7ZIP:
      return "7z";
    case ARCHIVE_FORMAT_RAR:
    case ARCHIVE_FORMAT_RAR_V5:
      return "rar";
    case ARCHIVE_FORMAT_TAR:
      return "tar";
    case ARCHIVE_FORMAT_ISO9660:
      return "iso9660";
    case ARCHIVE_FORMAT_CAB:
      return "cab";
    case ARCHIVE_FORMAT_RAW:
      return CompressionName(reader);
    default: {
      const char* name = archive_format_name(reader);
      return name != nullptr ? AsciiLower(name) : "unknown";
    }
  }
}

std::uint64_t BytesConsumed(struct archive* reader) {
  // -1: the filter nearest the input, i.e. compressed bytes read from `data` so far.
  const la_int64_t consumed = archive_filter_bytes(reader, -1);
  return consumed > 0 ? static_cast<std::uint64_t>(consumed) : 0;
}

// How reading one member's data ended.
enum class DataEnd {
  kComplete,  // all of it, checks passed
  kDamaged,   // all of it, but a check (CRC, authentication code) failed
  kFailed,    // unreadable: wrong or missing password, unsupported method, corrupt stream
  kFatal,     // the archive itself broke off
  kStopped,   // a limit of this session stopped reading
};

struct DataRead {
  DataEnd end = DataEnd::kComplete;
  std::uint64_t produced = 0;  // bytes decompressed, kept or not
  bool overflowed = false;     // more than the keep limit: `out` was cleared
  std::string error;
};

// One ReadArchive call: its limits, budgets and listing, across all passes over the archive.
class Session {
 public:
  Session(ByteSpan data, const ArchiveLimits& limits)
      : data_(data),
        limits_(limits),
        deadline_(std::chrono::steady_clock::now() + limits.max_duration) {}

  ArchiveListing& listing() { return listing_; }
  bool stopped() const { return stopped_; }

  void AddFinding(const std::string& code, const std::string& detail) {
    std::size_t& count = finding_counts_[code];
    const bool once =
        std::find(kOncePerArchive.begin(), kOncePerArchive.end(), code) != kOncePerArchive.end();
    const std::size_t cap = once ? 1 : kMaxFindingsPerCode;
    if (count >= cap) return;
    ++count;
    listing_.findings.push_back({code, IsValidUtf8(detail) ? detail : DecodeMemberName(detail)});
  }

  // Lists the members and extracts all that need no password.
  void FirstPass(struct archive* reader) {
    std::size_t entry_index = 0;
    for (;;) {
      struct archive_entry* entry = nullptr;
      if (!NextHeader(reader, &entry)) break;
      if (entry_index >= limits_.max_members) {
        AddFinding("archive_member_limit",
                   "more than " + std::to_string(limits_.max_members) + " entries");
        Stop();
        break;
      }
      ++entry_index;
      if (archive_entry_filetype(entry) != AE_IFREG) {
        entry_members_.push_back(kNoMember);  // folders and links carry no data
        continue;
      }
      ArchiveMember member = DescribeMember(entry);
      entry_members_.push_back(listing_.members.size());
      if (member.encrypted) {
        if (!first_encrypted_entry_) first_encrypted_entry_ = entry_index - 1;
        ++encrypted_members_;
      } else if (archive_entry_size_is_set(entry) != 0 && member.size > limits_.max_member_size) {
        AddFinding("archive_member_too_large",
                   member.name + ": declares " + std::to_string(member.size) + " bytes");
        SkipData(reader, entry);
      } else {
        ReadMember(reader, &member);
      }
      if (member.extracted) AddContentFindings(member);
      listing_.members.push_back(std::move(member));
      if (stopped_) break;
    }
    CheckDeclaredRatio();
  }

  // Finds the password of the first encrypted member among `candidates` (at most
  // max_password_attempts tries). nullopt when none opens it.
  Result<std::optional<std::string>> FindPassword(const std::vector<std::string>& candidates) {
    if (!first_encrypted_entry_) return std::optional<std::string>();
    std::size_t attempts = 0;
    for (const auto& password : candidates) {
      if (stopped_ || attempts >= limits_.max_password_attempts) break;
      ++attempts;
      KENSA_ASSIGN_OR_RETURN(Opened opened, Open(data_, Layout::kArchive, &password));
      if (!opened.ok) continue;
      if (OpensEntry(opened.reader.get(), *first_encrypted_entry_))
        return std::optional<std::string>(password);
    }
    return std::optional<std::string>();
  }

  // Extracts the encrypted members with `password`.
  void DecryptPass(struct archive* reader, const std::string& password) {
    for (std::size_t entry_index = 0; entry_index < entry_members_.size(); ++entry_index) {
      struct archive_entry* entry = nullptr;
      if (!NextHeader(reader, &entry)) break;
      const std::size_t index = entry_members_[entry_index];
      if (index == kNoMember || !listing_.members[index].encrypted) {
        SkipData(reader, entry);
      } else {
        ArchiveMember& member = listing_.members[index];
        ReadMember(reader, &member);
        if (member.extracted) {
          member.password_used = password;
          AddContentFindings(member);
        } else if (!stopped_) {
          AddFinding("archive_password_unknown",
                     member.name + ": the password of the other members does not open it");
        }
      }
      if (stopped_) break;
    }
  }

  std::size_t encrypted_members() const { return encrypted_members_; }

  bool Expired() {
    if (std::chrono::steady_clock::now() < deadline_) return false;
    AddFinding("archive_time_limit",
               "reading stopped after " + std::to_string(limits_.max_duration.count()) + " ms");
    Stop();
    return true;
  }

 private:
  static constexpr std::size_t kNoMember = std::numeric_limits<std::size_t>::max();

  void Stop() {
    stopped_ = true;
    listing_.truncated = true;
  }

  // Reads the next header; false at the end, at a limit or when the archive breaks off.
  bool NextHeader(struct archive* reader, struct archive_entry** entry) {
    if (stopped_ || Expired()) return false;
    const int status = archive_read_next_header(reader, entry);
    if (listing_.format.empty()) {  // after the first header, or the end of an empty archive
      listing_.format = FormatName(reader);
      const std::string compression = CompressionName(reader);
      if (compression != listing_.format) listing_.compression = compression;
    }
    if (status == ARCHIVE_EOF) return false;
    if (status == ARCHIVE_OK || status == ARCHIVE_WARN) return true;
    const std::string error = ErrorText(reader);
    // 7z with encrypted headers (7z -mhe): not even the names can be read.
    if (error.find("encrypted") != std::string::npos) {
      AddFinding("archive_encrypted", error);
      ++encrypted_members_;
    } else {
      AddFinding("archive_damaged", error);
    }
    Stop();
    return false;
  }

  ArchiveMember DescribeMember(struct archive_entry* entry) {
    ArchiveMember member;
    const char* utf8 = archive_entry_pathname_utf8(entry);
    const char* raw = archive_entry_pathname(entry);
    std::string name =
        utf8 != nullptr ? DecodeMemberName(utf8) : DecodeMemberName(raw != nullptr ? raw : "");
    if (name.size() > limits_.max_name_length) {
      AddFinding("archive_name_too_long",
                 std::to_string(name.size()) + " bytes: " + TruncateUtf8(name, 64) + "...");
      name = TruncateUtf8(name, limits_.max_name_length);
    }
    member.name = std::move(name);
    if (archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) > 0) {
      member.size = static_cast<std::uint64_t>(archive_entry_size(entry));
      declared_total_ += member.size;
    }
    if (archive_entry_mtime_is_set(entry) != 0)
      member.modified_unix_seconds = archive_entry_mtime(entry);
    member.encrypted = archive_entry_is_data_encrypted(entry) > 0;
    AddNameFindings(member.name);
    return member;
  }

  void AddNameFindings(const std::string& name) {
    if (IsPathTraversal(name)) AddFinding("archive_path_traversal", name);
    if (const auto extensions = DoubleExtension(name))
      AddFinding("archive_double_extension", name + " (" + *extensions + ")");
    if (HasRightToLeftOverride(name)) AddFinding("archive_rtlo_name", name);
    const std::string extension = LowerExtension(name);
    if (IsExecutableExtension(extension)) AddFinding("archive_executable_member", name);
    if (extension == "lnk") AddFinding("archive_lnk_member", name);
    if (IsArchiveExtension(extension)) AddFinding("archive_nested_archive", name);
  }

  // Findings from the content that the name did not already give.
  void AddContentFindings(const ArchiveMember& member) {
    constexpr std::size_t kIdentifyPrefix = 64 * 1024;  // magic and headers, ISO 9660's at 32 KiB
    const std::string format =
        identify::Identify(SubSpan(member.data, 0, kIdentifyPrefix)).format();
    const std::string extension = LowerExtension(member.name);
    const bool executable =
        format == "pe" || format == "dos" || format == "elf" || format == "macho";
    if (executable && !IsExecutableExtension(extension)) {
      AddFinding("archive_executable_member", member.name + " (content: " + format + ")");
    }
    if (format == "lnk" && extension != "lnk")
      AddFinding("archive_lnk_member", member.name + " (content: lnk)");
    constexpr std::array<std::string_view, 9> kArchiveFormats = {
        "zip", "7z", "rar", "gzip", "bzip2", "xz", "cab", "tar", "iso"};
    const bool archive =
        std::find(kArchiveFormats.begin(), kArchiveFormats.end(), format) != kArchiveFormats.end();
    if (archive && !IsArchiveExtension(extension)) {
      AddFinding("archive_nested_archive", member.name + " (content: " + format + ")");
    }
  }

  void ReadMember(struct archive* reader, ArchiveMember* member) {
    const DataRead read = ReadData(reader, limits_.max_member_size,
                                   std::numeric_limits<std::uint64_t>::max(), &member->data);
    if (read.overflowed) {
      AddFinding(
          "archive_member_too_large",
          member->name + ": more than " + std::to_string(limits_.max_member_size) + " bytes");
      member->size = std::max(member->size, read.produced);
      return;
    }
    switch (read.end) {
      case DataEnd::kComplete:
      case DataEnd::kDamaged:
        member->extracted = true;
        member->size = member->data.size();
        if (read.end == DataEnd::kDamaged)
          AddFinding("archive_member_damaged", member->name + ": " + read.error);
        return;
      case DataEnd::kFailed:
        member->data.clear();
        // Without a password this is expected; the password search reports on it.
        if (!member->encrypted)
          AddFinding("archive_member_damaged", member->name + ": " + read.error);
        return;
      case DataEnd::kFatal:
        member->data.clear();
        AddFinding("archive_damaged", member->name + ": " + read.error);
        Stop();
        return;
      case DataEnd::kStopped:
        member->data.clear();
        return;
    }
  }

  // Moves past an entry's data. libarchive would skip by itself, but for compressed streams and
  // solid blocks its skip decompresses without any bound; only zip, tar and ISO 9660 without a
  // compression filter, with a known size, skip by seeking or consuming stored bytes.
  void SkipData(struct archive* reader, struct archive_entry* entry) {
    const int base = archive_format(reader) & ARCHIVE_FORMAT_BASE_MASK;
    const bool cheap = archive_filter_count(reader) <= 1 && archive_entry_size_is_set(entry) != 0 &&
                       (base == ARCHIVE_FORMAT_ZIP || base == ARCHIVE_FORMAT_TAR ||
                        base == ARCHIVE_FORMAT_ISO9660);
    if (cheap) return;
    const DataRead read = ReadData(reader, 0, std::numeric_limits<std::uint64_t>::max(), nullptr);
    if (read.end == DataEnd::kFatal) {
      AddFinding("archive_damaged", read.error);
      Stop();
    }
  }

  // Tries to read one entry's data with the reader's password; true when it decrypts.
  bool OpensEntry(struct archive* reader, std::size_t target) {
    for (std::size_t entry_index = 0; entry_index <= target; ++entry_index) {
      struct archive_entry* entry = nullptr;
      if (stopped_ || Expired()) return false;
      const int status = archive_read_next_header(reader, &entry);
      if (status != ARCHIVE_OK && status != ARCHIVE_WARN) return false;
      if (entry_index < target) {
        SkipData(reader, entry);
        continue;
      }
      // A member larger than the keep limit that decrypts that far has the right password: a
      // wrong one fails the check bytes at once or turns the stream into garbage soon after.
      const DataRead read = ReadData(reader, 0, limits_.max_member_size, nullptr);
      return read.end == DataEnd::kComplete;
    }
    return false;
  }

  // Streams one entry's data: keeps up to `keep_limit` bytes in `out` (nullptr: keeps none),
  // stops early after `stop_after` bytes (reported as kComplete). Every byte counts against the
  // session's budget and bomb checks.
  DataRead ReadData(struct archive* reader, std::uint64_t keep_limit, std::uint64_t stop_after,
                    Bytes* out) {
    DataRead read;
    const std::uint64_t consumed_at_start = BytesConsumed(reader);
    std::array<std::uint8_t, kReadChunk> chunk{};
    for (;;) {
      const la_ssize_t count = archive_read_data(reader, chunk.data(), chunk.size());
      if (count == 0) break;
      if (count < 0) {
        read.error = ErrorText(reader);
        if (count == ARCHIVE_WARN) {
          read.end = DataEnd::kDamaged;
        } else if (count == ARCHIVE_FATAL) {
          read.end = DataEnd::kFatal;
        } else {
          read.end = DataEnd::kFailed;
        }
        return read;
      }
      const auto size = static_cast<std::uint64_t>(count);
      read.produced += size;
      listing_.expanded_bytes += size;
      if (out != nullptr && !read.overflowed) {
        if (out->size() + size <= keep_limit) {
          out->insert(out->end(), chunk.begin(), chunk.begin() + count);
        } else {
          read.overflowed = true;
          Bytes().swap(*out);
        }
      }
      if (CheckBudget(reader, read.produced, consumed_at_start)) {
        read.end = DataEnd::kStopped;
        return read;
      }
      if (read.produced >= stop_after) return read;
    }
    return read;
  }

  // True (and the listing truncated) when a limit stops reading.
  bool CheckBudget(struct archive* reader, std::uint64_t member_produced,
                   std::uint64_t consumed_at_start) {
    // A seeking reader may sit before where the member started; count at least one byte.
    const std::uint64_t consumed_now = BytesConsumed(reader);
    const std::uint64_t member_consumed =
        consumed_now > consumed_at_start ? consumed_now - consumed_at_start : 1;
    const double member_ratio =
        static_cast<double>(member_produced) / static_cast<double>(member_consumed);
    const double archive_ratio = static_cast<double>(listing_.expanded_bytes) /
                                 static_cast<double>(std::max<std::size_t>(data_.size(), 1));
    if ((member_produced >= limits_.min_bomb_size && member_ratio > limits_.max_ratio) ||
        (listing_.expanded_bytes >= limits_.min_bomb_size && archive_ratio > limits_.max_ratio)) {
      const bool member_worse = member_ratio > archive_ratio;
      AddFinding(
          "archive_bomb_ratio",
          std::to_string(member_worse ? member_produced : listing_.expanded_bytes) +
              " bytes from " + std::to_string(member_worse ? member_consumed : data_.size()) +
              " (" +
              std::to_string(static_cast<std::uint64_t>(std::max(member_ratio, archive_ratio))) +
              "x) and still expanding");
      Stop();
      return true;
    }
    if (listing_.expanded_bytes > limits_.max_total_size) {
      AddFinding("archive_total_size_limit",
                 "more than " + std::to_string(limits_.max_total_size) + " bytes decompressed");
      Stop();
      return true;
    }
    return Expired();
  }

  // Declared sizes alone can show a bomb without decompressing a byte.
  void CheckDeclaredRatio() {
    const double ratio = static_cast<double>(declared_total_) /
                         static_cast<double>(std::max<std::size_t>(data_.size(), 1));
    if (declared_total_ >= limits_.min_bomb_size && ratio > limits_.max_ratio) {
      AddFinding("archive_bomb_ratio", "members declare " + std::to_string(declared_total_) +
                                           " bytes in " + std::to_string(data_.size()) + " (" +
                                           std::to_string(static_cast<std::uint64_t>(ratio)) +
                                           "x)");
    }
  }

  ByteSpan data_;
  const ArchiveLimits& limits_;
  std::chrono::steady_clock::time_point deadline_;
  ArchiveListing listing_;
  std::map<std::string, std::size_t, std::less<>> finding_counts_;
  std::vector<std::size_t> entry_members_;  // entry index -> member index or kNoMember
  std::optional<std::size_t> first_encrypted_entry_;
  std::size_t encrypted_members_ = 0;
  std::uint64_t declared_total_ = 0;
  bool stopped_ = false;
};

// The password list in order of trial: the caller's order, each once, none empty.
std::vector<std::string> Candidates(const std::vector<std::string>& passwords) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& password : passwords) {
    if (!password.empty() && seen.insert(password).second) out.push_back(password);
  }
  return out;
}

}  // namespace

Result<ArchiveListing> ReadArchive(ByteSpan data, const std::vector<std::string>& passwords,
                                   const ArchiveLimits& limits) {
  if (data.empty()) return InvalidArgumentError("not an archive: no data");
  // Declared sizes libarchive 3.6 would allocate from without a bound: a 7z's file count, an
  // ISO's zisofs block size. Such an archive is listed as damaged and not read.
  for (const auto& [format, problem] :
       {std::pair{"7z", SevenZipHeaderProblem(data)}, std::pair{"iso9660", ZisofsProblem(data)}}) {
    if (!problem) continue;
    ArchiveListing refused;
    refused.format = format;
    refused.truncated = true;
    refused.findings.push_back({"archive_damaged", std::string(format) + " not read: " + *problem});
    return refused;
  }
  Utf8LocaleScope locale_scope;
  KENSA_ASSIGN_OR_RETURN(Opened opened, Open(data, Layout::kArchive, nullptr));
  Layout layout = Layout::kArchive;
  if (!opened.ok) {
    if (!opened.compressed)
      return InvalidArgumentError("not an archive libarchive reads: " + opened.error);
    layout = Layout::kSingleStream;
    KENSA_ASSIGN_OR_RETURN(opened, Open(data, layout, nullptr));
    if (!opened.ok) return InvalidArgumentError("not an archive libarchive reads: " + opened.error);
  }

  auto session = std::make_unique<Session>(data, limits);
  session->FirstPass(opened.reader.get());
  // Zeros (a padded payload, a bomb) or a text that happens to look like an empty tar: the
  // compressed stream holds no archive after all, so its content is the member.
  const ArchiveListing& first = session->listing();
  if (layout == Layout::kArchive && opened.compressed && first.members.empty() &&
      first.findings.empty() && !first.truncated) {
    const std::uint64_t expanded = first.expanded_bytes;
    KENSA_ASSIGN_OR_RETURN(opened, Open(data, Layout::kSingleStream, nullptr));
    if (opened.ok) {
      session = std::make_unique<Session>(data, limits);
      session->listing().expanded_bytes = expanded;
      session->FirstPass(opened.reader.get());
    }
  }

  ArchiveListing& listing = session->listing();
  const std::size_t encrypted = session->encrypted_members();
  if (encrypted == 0) return std::move(listing);
  const std::size_t total = listing.members.size();
  if (listing.format != "zip") {
    // libarchive 3.6 decrypts zip only (ZipCrypto, WinZip AES); 7z AES and rar are listed.
    session->AddFinding("archive_encrypted", std::to_string(encrypted) + " of " +
                                                 std::to_string(std::max(total, encrypted)) +
                                                 " members encrypted; " + listing.format +
                                                 " encryption cannot be decrypted here");
    return std::move(listing);
  }
  session->AddFinding("archive_encrypted", std::to_string(encrypted) + " of " +
                                               std::to_string(total) + " members encrypted");
  const std::vector<std::string> candidates = Candidates(passwords);
  KENSA_ASSIGN_OR_RETURN(std::optional<std::string> password, session->FindPassword(candidates));
  if (!password) {
    if (!session->stopped()) {
      session->AddFinding(
          "archive_password_unknown",
          "none of " + std::to_string(std::min(candidates.size(), limits.max_password_attempts)) +
              " passwords opened the encrypted members");
    }
    return std::move(listing);
  }
  session->AddFinding("archive_password_found", *password);
  KENSA_ASSIGN_OR_RETURN(opened, Open(data, Layout::kArchive, &*password));
  if (opened.ok) session->DecryptPass(opened.reader.get(), *password);
  return std::move(listing);
}

Result<std::vector<std::string>> LoadPasswordList(const std::string& path) {
  KENSA_ASSIGN_OR_RETURN(Bytes text, ReadFileBounded(path, kMaxPasswordFileBytes));
  std::vector<std::string> passwords;
  std::string_view rest(reinterpret_cast<const char*>(text.data()), text.size());
  std::size_t line_number = 0;
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find('\n'), rest.size());
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (!IsValidUtf8(line)) {
      return InvalidArgumentError(path + ":" + std::to_string(line_number) +
                                  ": a password must be UTF-8");
    }
    passwords.emplace_back(line);
  }
  return passwords;
}

}  // namespace kensa::archive
