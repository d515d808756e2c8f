#include "kensa/prefetch/prefetch.h"

#include <algorithm>

namespace kensa::prefetch {
namespace {

constexpr std::size_t kHeaderSize = 84;
constexpr std::size_t kFileInfo = kHeaderSize;  // the file information follows the header
constexpr std::size_t kExecutableNameBytes = 60;
constexpr std::size_t kMaxRunTimes = 8;

// Volume information entry size per format version.
std::size_t VolumeEntrySize(std::uint32_t version) {
  if (version == 17) return 40;
  if (version == 23 || version == 26) return 104;
  return 96;
}

std::string Utf16UntilNul(ByteSpan data) {
  std::size_t units = data.size() / 2;
  for (std::size_t i = 0; i < units; ++i) {
    if (data[2 * i] == 0 && data[2 * i + 1] == 0) {
      units = i;
      break;
    }
  }
  return ReadUtf16Le(data, 0, units);
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c); });
  return text;
}

void ReadFileNames(ByteSpan data, std::uint32_t offset, std::uint32_t size, const PrefetchLimits& limits,
                   Prefetch* out) {
  const ByteSpan strings = SubSpan(data, offset, size);
  if (strings.size() < size) out->problems.push_back("the file name strings run past the end of the file");
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < strings.size(); i += 2) {
    if (strings[i] != 0 || strings[i + 1] != 0) continue;
    if (i > start) {
      if (out->files.size() >= limits.max_files) {
        out->problems.push_back("more loaded files than the limit of " + std::to_string(limits.max_files));
        return;
      }
      out->files.push_back(ReadUtf16Le(strings, start, (i - start) / 2));
    }
    start = i + 2;
  }
}

void ReadVolumes(ByteSpan data, std::uint32_t offset, std::uint32_t count, std::uint32_t size,
                 const PrefetchLimits& limits, Prefetch* out) {
  const ByteSpan info = SubSpan(data, offset, size);
  const std::size_t entry_size = VolumeEntrySize(out->version);
  if (count > limits.max_volumes) {
    out->problems.push_back("more volumes than the limit of " + std::to_string(limits.max_volumes));
    count = static_cast<std::uint32_t>(limits.max_volumes);
  }
  for (std::size_t v = 0; v < count; ++v) {
    const std::size_t entry = v * entry_size;
    if (entry + entry_size > info.size()) {
      out->problems.push_back("volume " + std::to_string(v) + " lies past the end of the volume information");
      return;
    }
    Volume volume;
    const std::uint32_t path_offset = ReadLe<std::uint32_t>(info, entry).value_or(0);
    const std::uint32_t path_chars = ReadLe<std::uint32_t>(info, entry + 4).value_or(0);
    volume.device_path = Utf16UntilNul(SubSpan(info, path_offset, std::uint64_t{path_chars} * 2));
    volume.creation_time = ReadLe<std::uint64_t>(info, entry + 8).value_or(0);
    volume.serial_number = ReadLe<std::uint32_t>(info, entry + 16).value_or(0);
    // Directory strings: each a 16-bit character count, the characters and a NUL.
    std::uint64_t at = ReadLe<std::uint32_t>(info, entry + 28).value_or(0);
    const std::uint32_t directories = ReadLe<std::uint32_t>(info, entry + 32).value_or(0);
    for (std::uint32_t d = 0; d < directories; ++d) {
      const auto chars = ReadLe<std::uint16_t>(info, at);
      if (!chars || at + 2 + std::uint64_t{*chars} * 2 > info.size()) {
        out->problems.push_back("the directory strings of volume " + std::to_string(v) + " are cut short");
        break;
      }
      if (volume.directories.size() >= limits.max_directories) break;
      volume.directories.push_back(ReadUtf16Le(info, at + 2, *chars));
      at += 2 + (std::uint64_t{*chars} + 1) * 2;
    }
    out->volumes.push_back(std::move(volume));
  }
}

Result<Prefetch> ParseUncompressed(ByteSpan data, const PrefetchLimits& limits, bool compressed) {
  if (data.size() < kHeaderSize || !HasBytesAt(data, 4, "SCCA")) {
    return InvalidArgumentError("not a prefetch file (no \"SCCA\" signature)");
  }
  Prefetch out;
  out.compressed = compressed;
  out.version = ReadLe<std::uint32_t>(data, 0).value_or(0);
  if (out.version != 17 && out.version != 23 && out.version != 26 && out.version != 30 && out.version != 31) {
    return InvalidArgumentError("unknown prefetch format version " + std::to_string(out.version));
  }
  out.executable = Utf16UntilNul(SubSpan(data, 16, kExecutableNameBytes));
  out.hash = ReadLe<std::uint32_t>(data, 76).value_or(0);

  const std::uint32_t metrics_offset = ReadLe<std::uint32_t>(data, kFileInfo).value_or(0);
  const std::uint32_t names_offset = ReadLe<std::uint32_t>(data, kFileInfo + 16).value_or(0);
  const std::uint32_t names_size = ReadLe<std::uint32_t>(data, kFileInfo + 20).value_or(0);
  const std::uint32_t volumes_offset = ReadLe<std::uint32_t>(data, kFileInfo + 24).value_or(0);
  const std::uint32_t volume_count = ReadLe<std::uint32_t>(data, kFileInfo + 28).value_or(0);
  const std::uint32_t volumes_size = ReadLe<std::uint32_t>(data, kFileInfo + 32).value_or(0);

  // Run times and count: where they sit depends on the version, and for 30/31 on the size
  // of the file information (220 or 212 bytes), which the metrics array that follows it tells.
  std::size_t times_offset = kFileInfo + 44;
  std::size_t times = kMaxRunTimes;
  std::size_t count_offset = kFileInfo + 124;
  if (out.version == 17) {
    times_offset = kFileInfo + 36;
    times = 1;
    count_offset = kFileInfo + 60;
  } else if (out.version == 23) {
    times = 1;
    count_offset = kFileInfo + 68;
  } else if (out.version >= 30 && metrics_offset == kFileInfo + 212) {
    count_offset = kFileInfo + 116;
  }
  if (metrics_offset != 0 && metrics_offset < count_offset + 4) {
    out.problems.push_back("the file information is shorter than version " + std::to_string(out.version) + " needs");
  }
  for (std::size_t i = 0; i < times; ++i) {
    const std::uint64_t time = ReadLe<std::uint64_t>(data, times_offset + 8 * i).value_or(0);
    if (time != 0) out.run_times.push_back(time);
  }
  out.run_count = ReadLe<std::uint32_t>(data, count_offset).value_or(0);
  ReadFileNames(data, names_offset, names_size, limits, &out);
  ReadVolumes(data, volumes_offset, volume_count, volumes_size, limits, &out);
  return out;
}

}  // namespace

std::string Prefetch::ExecutablePath() const {
  // The name in the header is cut at 29 characters, so the file's name need only start with it.
  const std::string name = Upper(executable);
  if (name.empty()) return "";
  for (const std::string& file : files) {
    const auto slash = file.rfind('\\');
    const std::string base = Upper(slash == std::string::npos ? file : file.substr(slash + 1));
    if (base.compare(0, name.size(), name) != 0) continue;
    for (const Volume& volume : volumes) {
      if (!volume.device_path.empty() && Upper(file).compare(0, volume.device_path.size(), Upper(volume.device_path)) == 0) {
        return file.substr(volume.device_path.size());
      }
    }
    return file;
  }
  return "";
}

Result<Prefetch> ParsePrefetch(ByteSpan data, const PrefetchLimits& limits) {
  if (HasBytesAt(data, 0, "MAM")) {
    // Windows 10+: "MAM", a format byte (0x04: LZXPRESS Huffman; 0x84 adds a CRC32), the size.
    const std::uint8_t format = data.size() > 3 ? data[3] : 0;
    if ((format & 0x0F) != 0x04) return InvalidArgumentError("unsupported compressed prefetch format " + HexNumber(format));
    const std::uint32_t size = ReadLe<std::uint32_t>(data, 4).value_or(0);
    if (size > limits.max_decompressed_bytes) {
      return ResourceExhaustedError("the prefetch file decompresses to " + std::to_string(size) +
                                    " bytes, above the limit of " + std::to_string(limits.max_decompressed_bytes));
    }
    const std::size_t start = (format & 0x80) != 0 ? 12 : 8;
    if (data.size() < start) return InvalidArgumentError("the compressed prefetch header is cut short");
    auto plain = DecompressLzxpressHuffman(data.subspan(start), size);
    if (!plain) return InvalidArgumentError("the compressed prefetch data (LZXPRESS Huffman) is damaged: " + plain.error().message());
    return ParseUncompressed(*plain, limits, true);
  }
  return ParseUncompressed(data, limits, false);
}

}  // namespace kensa::prefetch
