// Rich header, TLS, debug, CLR, security directory, checksum and overlay.

#include "kensa/hashing/hashes.h"
#include "pe_directories.h"

#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace kensa::pe::internal {
namespace {

constexpr std::uint32_t kDansMagic = 0x536E6144;  // "DanS"
constexpr std::uint64_t kRichStart = 0x80;        // where pefile starts looking, after the stub
constexpr std::size_t kDebugEntrySize = 28;
constexpr std::uint32_t kDebugTypeCodeView = 2;
// Longest PDB path kept (MAX_PATH-sized buffers in the linker, with room for long paths).
constexpr std::size_t kMaxPdbPath = 1024;
// ECMA-335 II.24.2.1: the metadata version string is at most 255 bytes.
constexpr std::uint32_t kMaxMetadataVersion = 255;
// WIN_CERTIFICATE header: dwLength, wRevision, wCertificateType.
constexpr std::uint32_t kWinCertificateHeader = 8;
constexpr std::uint16_t kWinCertTypePkcsSignedData = 2;

std::uint32_t Rol32(std::uint32_t v, std::uint32_t n) {
  n &= 31;
  return n == 0 ? v : (v << n) | (v >> (32 - n));
}

// The text of an X.509 name for display: its CN when it has one, else the RFC 2253 form.
std::string NameText(X509_NAME* name) {
  if (name == nullptr) return {};
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length >= 0 && utf8 != nullptr) {
      std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
      OPENSSL_free(utf8);
      return Utf8OrPrintable(out);
    }
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* text = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &text);
  if (length <= 0 || text == nullptr) return {};
  return Utf8OrPrintable(std::string_view(text, static_cast<std::size_t>(length)));
}

// Certificate subjects of one PKCS#7 SignedData blob, signers first.
void CollectSubjects(ByteSpan blob, const PeLimits& limits, AnomalySink& sink,
                     analysis::v1::PeSignatureInfo& out) {
  const unsigned char* p = blob.data();
  std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(
      d2i_PKCS7(nullptr, &p, static_cast<long>(blob.size())), &PKCS7_free);
  if (!p7 || !PKCS7_type_is_signed(p7.get()) || p7->d.sign == nullptr) {
    sink.Add("pe_signature_invalid", "the attribute certificate is not a PKCS#7 SignedData");
    return;
  }
  STACK_OF(X509)* certs = p7->d.sign->cert;
  if (certs == nullptr) return;
  std::vector<X509*> ordered;
  // PKCS7_get0_signers finds the signer certificates by issuer and serial number.
  STACK_OF(X509)* signers = PKCS7_get0_signers(p7.get(), nullptr, 0);
  if (signers != nullptr) {
    for (int i = 0; i < sk_X509_num(signers); ++i) ordered.push_back(sk_X509_value(signers, i));
  }
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    X509* cert = sk_X509_value(certs, i);
    if (std::find(ordered.begin(), ordered.end(), cert) == ordered.end()) ordered.push_back(cert);
  }
  for (X509* cert : ordered) {
    if (static_cast<std::uint32_t>(out.subjects_size()) >= limits.max_certificates) break;
    out.add_subjects(NameText(X509_get_subject_name(cert)));
  }
  if (signers != nullptr) sk_X509_free(signers);
}

}  // namespace

void ParseRichHeader(const PeImage& image, AnomalySink& sink, analysis::v1::PeInfo& info) {
  // Follows pefile's parse_rich_header so that rich_hash matches it: the first "Rich" between
  // 0x80 and the optional header, the dwords from 0x80 up to its XOR key, decoded with the key;
  // the hash is the MD5 of everything from 0x80 to "Rich" XOR-ed with the key.
  const ByteSpan data = image.data();
  const std::uint64_t end = std::min<std::uint64_t>(image.optional_header_offset(), data.size());
  if (end < kRichStart + 4) return;
  const ByteSpan area = data.subspan(kRichStart, end - kRichStart);
  static constexpr std::array<std::uint8_t, 4> kRich = {'R', 'i', 'c', 'h'};
  const auto found = std::search(area.begin(), area.end(), kRich.begin(), kRich.end());
  if (found == area.end()) return;
  const auto rich = static_cast<std::uint64_t>(found - area.begin());
  // pefile unpacks dwords from 0x80, so "Rich" counts only on a dword boundary.
  if (rich % 4 != 0) return;
  const auto key = ReadLe<std::uint32_t>(data, kRichStart + rich + 4);
  if (!key) return;
  const ByteSpan raw = data.subspan(kRichStart, rich);
  std::vector<std::uint8_t> clear(raw.begin(), raw.end());
  for (std::size_t i = 0; i < clear.size(); ++i) {
    clear[i] = static_cast<std::uint8_t>(clear[i] ^ ((*key >> (8 * (i % 4))) & 0xFF));
  }
  info.set_rich_hash(hashing::Md5Hex(clear));
  const std::size_t dwords = clear.size() / 4;
  bool well_formed = dwords >= 4;
  if (well_formed) {
    well_formed = *ReadLe<std::uint32_t>(clear, 0) == kDansMagic &&
                  *ReadLe<std::uint32_t>(clear, 4) == 0 && *ReadLe<std::uint32_t>(clear, 8) == 0 &&
                  *ReadLe<std::uint32_t>(clear, 12) == 0;
  }
  if (!well_formed) {
    sink.Add("pe_rich_header_malformed", "the rich header does not start with DanS and padding");
  }
  // Entries: @comp.id (product << 16 | build) and use count, from the fifth dword on.
  std::uint32_t checksum = static_cast<std::uint32_t>(kRichStart);
  for (std::size_t i = 4; i + 1 < dwords; i += 2) {
    const std::uint32_t comp_id = *ReadLe<std::uint32_t>(clear, 4 * i);
    const std::uint32_t count = *ReadLe<std::uint32_t>(clear, 4 * i + 4);
    auto* entry = info.add_rich_entries();
    entry->set_product_id(comp_id >> 16);
    entry->set_build(comp_id & 0xFFFF);
    entry->set_count(count);
    checksum += Rol32(comp_id, count);
  }
  if (well_formed) {
    // The linker's checksum: the offset of DanS, plus each DOS header/stub byte rotated by its
    // offset (e_lfanew excluded), plus each comp.id rotated by its count. A mismatch means the
    // rich header or the DOS stub was edited after linking (a known false-flag technique).
    for (std::uint32_t i = 0; i < kRichStart; ++i) {
      if (i >= 0x3C && i < 0x40) continue;
      checksum += Rol32(data[i], i);
    }
    if (checksum != *key) {
      sink.Add("pe_rich_header_checksum_mismatch",
               "rich header key " + HexNumber(*key) + " but its contents give " + HexNumber(checksum));
    }
  }
}

void ParseTls(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
              analysis::v1::PeInfo& info) {
  const DataDirectory& dir = image.directory(kDirTls);
  if (dir.rva == 0) return;
  // IMAGE_TLS_DIRECTORY: AddressOfCallBacks is the fourth field (VA), 4 or 8 bytes wide.
  const std::uint64_t width = image.is_64() ? 8 : 4;
  auto read_pointer = [&](std::uint64_t rva) -> std::optional<std::uint64_t> {
    if (image.is_64()) return image.ReadRvaU64(rva);
    if (auto v = image.ReadRvaU32(rva)) return *v;
    return std::nullopt;
  };
  const auto callbacks_va = read_pointer(std::uint64_t{dir.rva} + 3 * width);
  if (!callbacks_va) {
    sink.Add("pe_tls_parse_error", "the TLS directory at RVA " + HexNumber(dir.rva) +
                                       " lies outside the image");
    return;
  }
  if (*callbacks_va == 0) return;
  if (*callbacks_va < image.image_base()) {
    sink.Add("pe_tls_parse_error", "AddressOfCallBacks " + HexNumber(*callbacks_va) +
                                       " is below the image base");
    return;
  }
  const std::uint64_t array_rva = *callbacks_va - image.image_base();
  for (std::uint32_t i = 0;; ++i) {
    if (i >= limits.max_tls_callbacks) {
      sink.Add("pe_tls_callback_count_exceeds_limit",
               "more than " + std::to_string(limits.max_tls_callbacks) + " TLS callbacks");
      break;
    }
    const auto callback = read_pointer(array_rva + width * i);
    if (!callback) {
      // Corkami tls_onthefly-style arrays may live in memory written at run time.
      if (i == 0) {
        sink.Add("pe_tls_parse_error", "the TLS callback array at " + HexNumber(*callbacks_va) +
                                           " lies outside the image");
      }
      break;
    }
    if (*callback == 0) break;
    info.add_tls_callbacks(*callback);
  }
  if (info.tls_callbacks_size() > 0) {
    std::string list;
    for (int i = 0; i < info.tls_callbacks_size() && i < 8; ++i) {
      if (i > 0) list += ", ";
      list += HexNumber(info.tls_callbacks(i));
    }
    sink.Add("pe_tls_callbacks", std::to_string(info.tls_callbacks_size()) +
                                     " TLS callback(s) run before the entry point: " + list);
  }
}

void ParseDebug(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                analysis::v1::PeInfo& info) {
  const DataDirectory& dir = image.directory(kDirDebug);
  if (dir.rva == 0 || dir.size == 0) return;
  std::uint32_t count = dir.size / kDebugEntrySize;
  if (count > limits.max_debug_entries) {
    sink.Add("pe_debug_count_exceeds_limit", std::to_string(count) + " debug entries");
    count = limits.max_debug_entries;
  }
  const ByteSpan data = image.data();
  for (std::uint32_t i = 0; i < count; ++i) {
    std::array<std::uint8_t, kDebugEntrySize> raw{};
    if (!image.ReadRva(std::uint64_t{dir.rva} + kDebugEntrySize * i, raw.size(), raw.data())) {
      sink.Add("pe_debug_parse_error", "the debug directory lies outside the image");
      return;
    }
    // IMAGE_DEBUG_DIRECTORY: Type at 12, SizeOfData 16, AddressOfRawData 20, PointerToRawData 24.
    const std::uint32_t type = *ReadLe<std::uint32_t>(ByteSpan(raw), 12);
    const std::uint32_t size = *ReadLe<std::uint32_t>(ByteSpan(raw), 16);
    const std::uint32_t address = *ReadLe<std::uint32_t>(ByteSpan(raw), 20);
    const std::uint32_t pointer = *ReadLe<std::uint32_t>(ByteSpan(raw), 24);
    if (type != kDebugTypeCodeView || !info.pdb_path().empty()) continue;
    ByteSpan record = pointer != 0 ? SubSpan(data, pointer, size)
                                   : image.FileSpanAtRva(address, size);
    // CodeView 7.0 "RSDS": GUID (16), age (4), path; CodeView 2.0 "NB10": offset, signature,
    // age (4 each), path.
    std::uint64_t path_at = 0;
    if (HasBytesAt(record, 0, "RSDS")) {
      path_at = 24;
    } else if (HasBytesAt(record, 0, "NB10")) {
      path_at = 16;
    } else {
      continue;
    }
    const std::string path = ReadCString(record, path_at, kMaxPdbPath);
    if (!path.empty()) info.set_pdb_path(Utf8OrPrintable(path));
  }
}

void ParseDotNet(const PeImage& image, AnomalySink& sink, analysis::v1::PeInfo& info) {
  DataDirectory dir = image.directory(kDirClr);
  // Past NumberOfRvaAndSizes the entry counts only when it leads to real metadata.
  const bool beyond_count = dir.rva == 0 || dir.size == 0;
  if (beyond_count) dir = image.clr_beyond_count();
  if (dir.rva == 0 || dir.size == 0) return;
  // IMAGE_COR20_HEADER: cb, runtime version, MetaData {RVA, size} at 8, Flags at 16.
  std::array<std::uint8_t, 20> raw{};
  const bool header_ok = image.ReadRva(dir.rva, raw.size(), raw.data());
  const std::uint32_t metadata_rva = *ReadLe<std::uint32_t>(ByteSpan(raw), 8);
  // Metadata root: "BSJB", major, minor, reserved, Length, Version (ECMA-335 II.24.2.1).
  const auto signature = image.ReadRvaU32(metadata_rva);
  const auto length = image.ReadRvaU32(std::uint64_t{metadata_rva} + 12);
  const bool metadata_ok = header_ok && signature && *signature == 0x424A5342 && length;
  if (beyond_count) {
    if (!metadata_ok) return;
    sink.Add("pe_dotnet_directory_beyond_count",
             "the CLR directory lies past NumberOfRvaAndSizes (" +
                 std::to_string(image.number_of_rva_and_sizes()) + "); the runtime still uses it");
  }
  info.set_is_dotnet(true);
  if (!header_ok) {
    sink.Add("pe_dotnet_header_invalid", "the CLR header lies outside the image");
    return;
  }
  info.mutable_dotnet()->set_flags(*ReadLe<std::uint32_t>(ByteSpan(raw), 16));
  if (!metadata_ok) {
    sink.Add("pe_dotnet_metadata_invalid",
             "no BSJB metadata root at RVA " + HexNumber(metadata_rva));
    return;
  }
  const auto version = image.ReadRvaCString(std::uint64_t{metadata_rva} + 16,
                                            std::min(*length, kMaxMetadataVersion));
  if (version) info.mutable_dotnet()->set_runtime_version(Printable(*version));
}

void ParseSecurity(const PeImage& image, const PeLimits& limits, AnomalySink& sink,
                   analysis::v1::PeInfo& info) {
  const DataDirectory& dir = image.directory(kDirSecurity);
  if (dir.rva == 0 || dir.size == 0) return;
  // The one directory whose address is a file offset, not an RVA.
  auto* sig = info.mutable_signature();
  sig->set_present(true);
  sig->set_offset(dir.rva);
  sig->set_size(dir.size);
  const ByteSpan data = image.data();
  if (std::uint64_t{dir.rva} + dir.size > data.size()) {
    sink.Add("pe_signature_truncated", "the security directory (" + HexNumber(dir.rva) + ", " +
                                           std::to_string(dir.size) +
                                           " bytes) runs past the end of the file");
  }
  const ByteSpan table = SubSpan(data, dir.rva, dir.size);
  std::uint64_t at = 0;
  for (std::uint32_t i = 0;
       i < limits.max_certificates && at + kWinCertificateHeader <= table.size(); ++i) {
    const std::uint32_t length = *ReadLe<std::uint32_t>(table, at);
    const std::uint16_t type = *ReadLe<std::uint16_t>(table, at + 6);
    if (length <= kWinCertificateHeader) {
      sink.Add("pe_signature_invalid", "WIN_CERTIFICATE with length " + std::to_string(length));
      break;
    }
    if (type == kWinCertTypePkcsSignedData) {
      CollectSubjects(SubSpan(table, at + kWinCertificateHeader, length - kWinCertificateHeader),
                      limits, sink, *sig);
    }
    at += (std::uint64_t{length} + 7) & ~std::uint64_t{7};  // entries are 8-byte aligned
  }
}

static_assert(std::endian::native == std::endian::little, "the checksum reads dwords natively");

std::uint32_t ComputePeChecksum(ByteSpan data, std::uint64_t checksum_offset) {
  // Sum of the file as little-endian 16-bit words with end-around carry (the checksum field
  // counted as zero), folded to 16 bits, plus the file length: what CheckSumMappedFile and
  // pefile's generate_checksum compute. Like pefile, the dword that holds the field is skipped
  // even when e_lfanew leaves the field unaligned.
  //
  // Ones' complement addition is associative, so the dwords are summed into 64 bits (no
  // overflow below 16 GiB) and the carries folded once at the end; folding a non-zero sum never
  // gives 0, so the result equals the step-by-step end-around carry of pefile bit for bit.
  const std::size_t size = data.size();
  const std::size_t whole = size / 4 * 4;
  const std::size_t skip = static_cast<std::size_t>(
      std::min<std::uint64_t>(checksum_offset / 4 * 4, std::numeric_limits<std::size_t>::max()));
  auto sum_range = [&](std::size_t begin, std::size_t end) {
    std::uint64_t sum = 0;
    for (std::size_t i = begin; i < end; i += 4) {
      std::uint32_t dword;
      std::memcpy(&dword, data.data() + i, 4);  // x86/ARM hosts are little-endian, as PE is
      sum += dword;
    }
    return sum;
  };
  std::uint64_t sum = 0;
  if (skip < whole) {
    sum = sum_range(0, skip) + sum_range(skip + 4, whole);
  } else {
    sum = sum_range(0, whole);
  }
  if (whole < size && whole != skip) {
    std::uint32_t dword = 0;
    for (std::size_t i = whole; i < size; ++i) {
      dword |= static_cast<std::uint32_t>(data[i]) << (8 * (i - whole));
    }
    sum += dword;
  }
  while ((sum >> 32) != 0) sum = (sum & 0xFFFFFFFFu) + (sum >> 32);
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = sum + (sum >> 16);
  sum &= 0xFFFF;
  return static_cast<std::uint32_t>(sum + size);
}

std::uint64_t OverlayStart(const PeImage& image) {
  const std::uint64_t file_size = image.data().size();
  std::uint64_t largest = 0;
  auto consider = [&](std::uint64_t offset, std::uint64_t size) {
    const std::uint64_t end = offset + size;
    if (end > largest && end <= file_size) largest = end;
  };
  consider(image.optional_header_offset(), image.size_of_optional_header());
  for (const SectionHeader& s : image.sections()) consider(s.raw_offset, s.raw_size);
  for (std::uint32_t i = 0; i < kDirCount; ++i) {
    // The security directory is appended data itself, and counts as overlay as in pefile.
    if (i == kDirSecurity) continue;
    const DataDirectory& d = image.directories()[i];
    if (auto offset = image.RvaToOffset(d.rva)) consider(*offset, d.size);
  }
  return largest < file_size ? largest : file_size;
}

}  // namespace kensa::pe::internal
