#include "kensa/offcrypto/offcrypto.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "binary_rc4.h"
#include "ecma376.h"
#include "kensa/ole/powerpoint.h"
#include "xor_obfuscation.h"

namespace kensa::offcrypto {
namespace {

using internal::CryptoApiHeader;

// [MS-XLS] 2.4.117: FilePass follows the globals BOF; a few records cover every writer.
constexpr std::size_t kMaxBiffRecordsForFilePass = 8;
constexpr std::uint16_t kFilePass = 0x002F;
// [MS-PPT] 2.3.2 CurrentUserAtom.headerToken of an encrypted presentation.
constexpr std::uint32_t kPptEncryptedToken = 0xF3D1C4DF;
constexpr std::uint32_t kPptPlainToken = 0xE391C05F;
constexpr std::uint64_t kPptHeaderTokenOffset = 12;
constexpr std::uint64_t kPptRecordHeaderSize = 8;
// [MS-DOC] 2.5.2 FibBase: wIdent, and the flag bits at offset 0x0A.
constexpr std::uint16_t kWordIdent = 0xA5EC;
constexpr std::uint16_t kFibEncrypted = 0x0100;
constexpr std::uint16_t kFibWhichTable = 0x0200;
constexpr std::uint16_t kFibObfuscated = 0x8000;
// [MS-OFFCRYPTO] 2.3.6.3 / 2.3.5.4: Word's RC4 re-keys every 512 bytes of a stream.
constexpr std::uint64_t kWordBlock = 512;

// What XOR obfuscation stores of the password: [MS-XLS] 2.5.343 XORObfuscation (key,
// verificationBytes) or [MS-DOC] FibBase.lKey.
struct XorHeader {
  std::uint16_t key = 0;
  std::uint16_t verifier = 0;
  // Word's lKey: [MS-OFFCRYPTO] 2.3.7.4 puts the key in the high half and the verifier in the
  // low half; with no obfuscated .doc at hand to confirm the order, both are accepted (a wrong
  // password still fails both 32-bit comparisons but for 1 in 2^31).
  bool word = false;
};

// The parsed headers behind an Encryption, kept for Decrypt.
struct Detected {
  Encryption encryption;
  std::string malformed;  // why the headers cannot be read; empty when they can
  std::optional<internal::AgileInfo> agile;
  std::optional<CryptoApiHeader> cryptoapi;
  std::optional<internal::Rc4Header> rc4;
  std::optional<XorHeader> xor_header;
  std::string stream;  // the encrypted stream: "EncryptedPackage", "Workbook", "WordDocument"
  std::uint64_t word_table_header = 0;  // RC4 in Word: the encryption header opening the table
};

// [MS-OFFCRYPTO] 2.3.4.5 / 2.3.4.10 / 2.3.4.6: the EncryptionInfo stream of an OOXML package.
void DetectEncryptionInfo(const ole::CompoundFile& file, const OffcryptoLimits& limits,
                          Detected* out) {
  out->stream = "EncryptedPackage";
  out->encryption.where = "EncryptionInfo";
  auto info = file.ReadStream("EncryptionInfo");
  if (!info) {
    out->encryption.method = Method::kUnknown;
    out->malformed = "EncryptedPackage without an EncryptionInfo stream";
    return;
  }
  if (info->size() > limits.max_encryption_info_size) info->resize(limits.max_encryption_info_size);
  const std::uint16_t major = ReadLe<std::uint16_t>(*info, 0).value_or(0);
  const std::uint16_t minor = ReadLe<std::uint16_t>(*info, 2).value_or(0);
  const std::string version = std::to_string(major) + "." + std::to_string(minor);
  if (major == 4 && minor == 4) {
    out->encryption.method = Method::kAgile;
    auto agile = internal::ParseAgileInfo(SubSpan(*info, 8, info->size()));
    if (!agile) {
      out->malformed = agile.error().message();
      return;
    }
    out->encryption.spin_count = agile->spin_count;
    out->encryption.detail = agile->cipher + "-" + std::to_string(agile->key_bits) + "-CBC " +
                             agile->hash_name + " spinCount " + std::to_string(agile->spin_count);
    out->agile = std::move(*agile);
  } else if ((major == 2 || major == 3 || major == 4) && minor == 2) {
    out->encryption.method = Method::kStandard;
    auto header = internal::ParseCryptoApiHeader(SubSpan(*info, 8, info->size()));
    if (!header) {
      out->malformed = header.error().message();
      return;
    }
    out->encryption.spin_count = internal::kStandardSpinCount;
    out->encryption.detail = internal::CipherName(*header) + "-ECB SHA-1 (EncryptionInfo " +
                             version + ")";
    out->cryptoapi = std::move(*header);
  } else if ((major == 3 || major == 4) && minor == 3) {
    out->encryption.method = Method::kExtensible;
    out->encryption.detail = "EncryptionInfo " + version;
  } else {
    out->encryption.method = Method::kUnknown;
    out->malformed = "EncryptionInfo version " + version + " is not in [MS-OFFCRYPTO]";
  }
}

// RC4 or RC4 CryptoAPI by the 4-byte EncryptionVersionInfo at the start of `data`
// ([MS-OFFCRYPTO] 2.3.6.1 version 1.1, 2.3.5.1 versions 2/3/4 . 2).
void DetectRc4Family(ByteSpan data, Detected* out) {
  const std::uint16_t major = ReadLe<std::uint16_t>(data, 0).value_or(0);
  const std::uint16_t minor = ReadLe<std::uint16_t>(data, 2).value_or(0);
  if (major == 1 && minor == 1) {
    out->encryption.method = Method::kRc4;
    out->encryption.detail = "RC4-128 MD5";
    auto header = internal::ParseRc4Header(SubSpan(data, 4, data.size()));
    if (!header) {
      out->malformed = header.error().message();
      return;
    }
    out->rc4 = std::move(*header);
  } else if ((major == 2 || major == 3 || major == 4) && minor == 2) {
    out->encryption.method = Method::kRc4CryptoApi;
    // EncryptionVersionInfo, then the EncryptionHeader.Flags copy, then the header proper.
    auto header = internal::ParseCryptoApiHeader(SubSpan(data, 8, data.size()));
    if (!header) {
      out->malformed = header.error().message();
      return;
    }
    out->encryption.detail = internal::CipherName(*header) + " SHA-1";
    if (!header->csp_name.empty()) out->encryption.detail += " (" + header->csp_name + ")";
    out->cryptoapi = std::move(*header);
  } else {
    out->encryption.method = Method::kUnknown;
    out->malformed = "encryption version " + std::to_string(major) + "." + std::to_string(minor) +
                     " is not in [MS-OFFCRYPTO]";
  }
}

// [MS-XLS] 2.4.117 FilePass.
bool DetectWorkbook(const ole::CompoundFile& file, Detected* out) {
  auto book = file.ReadStream("Workbook");
  if (!book) return false;
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < kMaxBiffRecordsForFilePass; ++i) {
    const auto type = ReadLe<std::uint16_t>(*book, offset);
    const auto size = ReadLe<std::uint16_t>(*book, offset + 2);
    if (!type || !size) return false;
    if (*type == kFilePass) {
      out->stream = "Workbook";
      out->encryption.where = "Workbook FilePass";
      const ByteSpan record = SubSpan(*book, offset + 4, *size);
      const std::uint16_t encryption_type = ReadLe<std::uint16_t>(record, 0).value_or(0xFFFF);
      if (encryption_type == 0) {
        out->encryption.method = Method::kXor;
        out->encryption.detail = "XOR obfuscation (Method 1)";
        const auto key = ReadLe<std::uint16_t>(record, 2);
        const auto verifier = ReadLe<std::uint16_t>(record, 4);
        if (!key || !verifier) {
          out->malformed = "FilePass XOR obfuscation record is truncated";
        } else {
          out->xor_header = XorHeader{*key, *verifier, false};
        }
      } else if (encryption_type == 1) {
        DetectRc4Family(SubSpan(record, 2, record.size()), out);
      } else {
        out->encryption.method = Method::kUnknown;
        out->malformed = "FilePass encryption type " + std::to_string(encryption_type);
      }
      return true;
    }
    offset += 4u + *size;
  }
  return false;
}

// [MS-DOC] 2.5.2 FibBase fEncrypted / fObfuscated; the encryption header opens the table stream.
bool DetectWord(const ole::CompoundFile& file, Detected* out) {
  if (file.Find("WordDocument") == nullptr) return false;
  auto word = file.ReadStream("WordDocument");
  if (!word || ReadLe<std::uint16_t>(*word, 0) != kWordIdent) return false;
  const std::uint16_t flags = ReadLe<std::uint16_t>(*word, 0x0A).value_or(0);
  if ((flags & kFibEncrypted) == 0) return false;
  out->stream = "WordDocument";
  out->encryption.where = "WordDocument FIB fEncrypted";
  const std::uint32_t lkey = ReadLe<std::uint32_t>(*word, 0x0E).value_or(0);
  if ((flags & kFibObfuscated) != 0) {
    out->encryption.method = Method::kXor;
    out->encryption.detail = "XOR obfuscation (Method 2)";
    out->xor_header = XorHeader{static_cast<std::uint16_t>(lkey >> 16),
                                static_cast<std::uint16_t>(lkey & 0xFFFF), true};
    return true;
  }
  const std::uint32_t header_size = lkey;  // RC4: the size of the table stream's header
  out->word_table_header = header_size;
  auto table = file.ReadStream((flags & kFibWhichTable) != 0 ? "1Table" : "0Table");
  if (!table) {
    out->encryption.method = Method::kUnknown;
    out->malformed = "encrypted Word document without its table stream";
    return true;
  }
  DetectRc4Family(SubSpan(*table, 0, header_size == 0 ? table->size() : header_size), out);
  return true;
}

// [MS-PPT] 2.3.7: an encrypted presentation says so in its CurrentUserAtom; its
// CryptSession10Container, the persist object the current UserEditAtom names in
// encryptSessionPersistIdRef, holds the encryption header as Word's table stream does.
bool DetectPowerPoint(const ole::CompoundFile& file, Detected* out) {
  if (file.Find("PowerPoint Document") == nullptr) return false;
  auto user_stream = file.ReadStream("Current User");
  if (!user_stream) return false;
  auto user = ole::ReadPptCurrentUser(*user_stream);
  if (!user || user->header_token != kPptEncryptedToken) return false;
  out->stream = "PowerPoint Document";
  out->encryption.where = "PowerPoint Current User";
  out->encryption.method = Method::kRc4CryptoApi;
  out->encryption.detail = "RC4 CryptoAPI (CryptSession10Container)";
  auto document = file.ReadStream("PowerPoint Document");
  if (!document) {
    out->malformed = "PowerPoint Document: " + document.error().message();
    return true;
  }
  auto directory = ole::ReadPptPersistDirectory(*document, user->offset_to_current_edit);
  if (!directory) {
    out->malformed = directory.error().message();
    return true;
  }
  const std::uint32_t session = directory->edits.front().encrypt_session_persist_id_ref;
  const auto at = directory->offsets.find(session);
  const auto header = at == directory->offsets.end()
                          ? std::nullopt
                          : ole::ReadPptRecordHeader(*document, at->second);
  if (session == 0 || !header || header->type != ole::kPptCryptSession10Container) {
    out->malformed =
        "no CryptSession10Container (encryptSessionPersistIdRef " + std::to_string(session) + ")";
    return true;
  }
  DetectRc4Family(SubSpan(*document, at->second + kPptRecordHeaderSize, header->length), out);
  return true;
}

Detected Detect(const ole::CompoundFile& file, const OffcryptoLimits& limits) {
  Detected out;
  if (file.Find("EncryptedPackage") != nullptr) {
    DetectEncryptionInfo(file, limits, &out);
  } else if (!DetectWorkbook(file, &out) && !DetectWord(file, &out)) {
    DetectPowerPoint(file, &out);
  }
  return out;
}

// Tries candidates until one verifies. `cost` is the hash rounds one try takes.
template <typename Verify>
bool TryPasswords(const std::vector<std::string>& passwords, const OffcryptoLimits& limits,
                  std::uint64_t cost, Decryption* out, Verify verify) {
  std::uint64_t spent = 0;
  const std::size_t count = std::min(passwords.size(), limits.max_passwords);
  for (std::size_t i = 0; i < count; ++i) {
    if (spent + cost > limits.max_total_hash_rounds && i > 0) {
      out->reason = "hash budget spent after " + std::to_string(i) + " passwords";
      return false;
    }
    spent += cost;
    ++out->passwords_tried;
    if (verify(passwords[i])) {
      out->password = passwords[i];
      out->password_index = i;
      return true;
    }
  }
  return false;
}

// The outcome of a verified password: the plain document, or why it could not be written.
void SetDocument(Result<Bytes> document, Decryption* out) {
  if (!document) {
    out->outcome = Outcome::kMalformed;
    out->reason = document.error().message();
    return;
  }
  out->outcome = Outcome::kDecrypted;
  out->document = std::move(*document);
}

void NotFound(Decryption* out) {
  out->outcome = Outcome::kPasswordNotFound;
  if (out->reason.empty()) {
    out->reason = std::to_string(out->passwords_tried) + " passwords tried, none verified";
  }
}

void DecryptPackage(const ole::CompoundFile& file, const std::vector<std::string>& passwords,
                    const OffcryptoLimits& limits, const Detected& detected, Decryption* out) {
  // The stream holds the 8-byte size and the package padded up to its last 4096-byte segment.
  constexpr std::uint64_t kPackageOverhead = 8 + 4096;
  const auto* entry = file.Find("EncryptedPackage");
  if (entry == nullptr || entry->size > limits.max_package_size + kPackageOverhead) {
    out->outcome = Outcome::kOverLimit;
    out->reason = "EncryptedPackage is larger than " + std::to_string(limits.max_package_size) +
                  " bytes";
    return;
  }
  Bytes key;
  const bool agile = detected.agile.has_value();
  const std::uint64_t cost = agile ? std::uint64_t{detected.agile->spin_count} + 1
                                   : std::uint64_t{internal::kStandardSpinCount} + 1;
  const bool found = TryPasswords(passwords, limits, cost, out, [&](const std::string& password) {
    auto candidate = agile ? internal::AgilePackageKey(*detected.agile, password)
                           : internal::StandardPackageKey(*detected.cryptoapi, password);
    if (candidate) key = std::move(*candidate);
    return candidate.has_value();
  });
  if (!found) {
    NotFound(out);
    return;
  }
  auto package = file.ReadStream("EncryptedPackage");
  if (!package) {
    out->outcome = Outcome::kMalformed;
    out->reason = "EncryptedPackage: " + package.error().message();
    return;
  }
  auto plain = agile ? internal::AgileDecryptPackage(*detected.agile, key, *package,
                                                     limits.max_package_size)
                     : internal::StandardDecryptPackage(key, *package, limits.max_package_size);
  if (!plain) {
    out->outcome = plain.error().code() == StatusCode::kOutOfRange ? Outcome::kOverLimit
                                                                   : Outcome::kMalformed;
    out->reason = plain.error().message();
    return;
  }
  out->outcome = Outcome::kDecrypted;
  out->document = std::move(*plain);
}

// The compound file with its Workbook stream replaced by `decrypt(stream)`.
Result<Bytes> DecryptWorkbook(const ole::CompoundFile& file,
                              const std::function<Bytes(ByteSpan)>& decrypt) {
  auto book = file.ReadStream("Workbook");
  if (!book) return Status(book.error().code(), "Workbook: " + book.error().message());
  return file.WithStreamContents("Workbook", decrypt(*book));
}

// One Word stream made plain: (stream, bytes at its start left as they are) -> plain stream.
using WordStreamDecryptor = std::function<Bytes(ByteSpan, std::uint64_t)>;

// [MS-DOC] 2.2.6.1 / 2.2.6.2: WordDocument after its first 68 bytes, the table stream after
// `table_clear` bytes (RC4's encryption header) and the Data stream are encrypted. The FIB then
// says "not encrypted" (fEncrypted, fObfuscated and lKey cleared) so readers take it as plain.
Result<Bytes> DecryptWord(const ole::CompoundFile& file, std::uint64_t table_clear,
                          const WordStreamDecryptor& decrypt) {
  constexpr std::uint64_t kClearFib = 0x44;
  auto word = file.ReadStream("WordDocument");
  if (!word || word->size() < kClearFib) return InvalidArgumentError("WordDocument is truncated");
  const std::uint16_t flags = ReadLe<std::uint16_t>(*word, 0x0A).value_or(0);
  const std::string table_name = (flags & kFibWhichTable) != 0 ? "1Table" : "0Table";
  Bytes plain_word = decrypt(*word, kClearFib);
  const std::uint16_t plain_flags = flags & static_cast<std::uint16_t>(~(kFibEncrypted | kFibObfuscated));
  plain_word[0x0A] = static_cast<std::uint8_t>(plain_flags);
  plain_word[0x0B] = static_cast<std::uint8_t>(plain_flags >> 8);
  std::fill_n(plain_word.begin() + 0x0E, 4, 0);
  Bytes document;
  KENSA_ASSIGN_OR_RETURN(document, file.WithStreamContents("WordDocument", plain_word));
  // Each replacement is made on the previous result, reopened (same layout, so it opens).
  for (const std::string& name : {table_name, std::string("Data")}) {
    auto current = ole::CompoundFile::Open(document);
    if (!current) return current.error();
    auto stream = current->ReadStream(name);
    if (!stream) {
      if (name == "Data") break;  // optional: only documents with pictures or objects have it
      return Status(stream.error().code(), name + ": " + stream.error().message());
    }
    const std::uint64_t clear = name == table_name ? table_clear : 0;
    Bytes next;
    KENSA_ASSIGN_OR_RETURN(next, current->WithStreamContents(name, decrypt(*stream, clear)));
    document = std::move(next);
  }
  return document;
}

// XOR obfuscation: the password's verifier and key against the stored ones, then Method 1 over
// the Workbook records or Method 2 over Word's streams.
void DecryptXor(const ole::CompoundFile& file, const std::vector<std::string>& passwords,
                const OffcryptoLimits& limits, const XorHeader& header, Decryption* out) {
  internal::XorArray array{};
  const bool found = TryPasswords(passwords, limits, 1, out, [&](const std::string& password) {
    const std::string bytes = internal::XorPasswordBytes(password);
    if (bytes.empty()) return false;
    const std::uint16_t key = internal::XorKey(bytes);
    const std::uint16_t verifier = internal::XorPasswordVerifier(bytes);
    const bool verified = (key == header.key && verifier == header.verifier) ||
                          (header.word && key == header.verifier && verifier == header.key);
    if (verified) array = internal::CreateXorArray(bytes);
    return verified;
  });
  if (!found) {
    NotFound(out);
    return;
  }
  Result<Bytes> document =
      header.word ? DecryptWord(file, 0,
                                [&](ByteSpan stream, std::uint64_t clear) {
                                  return internal::DeobfuscateWordStream(stream, array, clear);
                                })
                  : DecryptWorkbook(file, [&](ByteSpan book) {
                      return internal::DeobfuscateBiff8Workbook(book, array);
                    });
  SetDocument(std::move(document), out);
}

void PutLe32(Bytes& data, std::uint64_t offset, std::uint32_t value) {
  for (std::uint64_t i = 0; i < 4 && offset + i < data.size(); ++i) {
    data[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
}

// [MS-PPT] 2.3.7: each persist object of the "PowerPoint Document" stream but the
// CryptSession10Container is encrypted on its own, record header included: one keystream keyed
// with the persist id as the block number, from the object's first byte to its record's end.
// UserEditAtom and PersistDirectoryAtom records are never encrypted. The plain presentation is
// what msoffcrypto-tool writes, byte for byte: CurrentUserAtom.headerToken says "not
// encrypted", the UserEditAtom loses encryptSessionPersistIdRef (recLen 0x1C, the 4 bytes
// zeroed), the CryptSession10Container is zeroed and dropped from its persist directory entry
// when it is the entry's last id, so every stream keeps its size. The Pictures and
// EncryptedSummary streams stay encrypted (as msoffcrypto-tool leaves them).
Result<Bytes> DecryptPowerPoint(const ole::CompoundFile& file, const internal::Rc4BlockKeys& keys,
                                const OffcryptoLimits& limits) {
  auto document = file.ReadStream("PowerPoint Document");
  if (!document)
    return Status(document.error().code(), "PowerPoint Document: " + document.error().message());
  auto user_stream = file.ReadStream("Current User");
  if (!user_stream)
    return Status(user_stream.error().code(), "Current User: " + user_stream.error().message());
  KENSA_ASSIGN_OR_RETURN(const ole::PptCurrentUser user, ole::ReadPptCurrentUser(*user_stream));
  KENSA_ASSIGN_OR_RETURN(const ole::PptPersistDirectory directory,
                         ole::ReadPptPersistDirectory(*document, user.offset_to_current_edit));
  const ole::PptUserEdit& edit = directory.edits.front();
  const std::uint32_t session = edit.encrypt_session_persist_id_ref;
  const std::uint64_t size = document->size();
  Bytes plain = *document;
  // Persist objects may overlap in a hostile file: the bytes decrypted are bounded, not the
  // object count alone.
  std::uint64_t decrypted = 0;
  for (const auto& [id, offset] : directory.offsets) {
    const auto header = ole::ReadPptRecordHeader(*document, offset);
    if (!header) continue;  // past the end of the stream
    if (id == session) {
      const std::uint64_t end =
          std::min<std::uint64_t>(offset + kPptRecordHeaderSize + header->length, size);
      std::fill(plain.begin() + offset, plain.begin() + static_cast<std::ptrdiff_t>(end), 0);
      continue;
    }
    if (header->type == ole::kPptUserEditAtom || header->type == ole::kPptPersistDirectoryAtom) {
      continue;
    }
    internal::Rc4 rc4(keys.Key(id));
    std::copy_n(document->begin() + offset, kPptRecordHeaderSize, plain.begin() + offset);
    rc4.Apply(plain.data() + offset, kPptRecordHeaderSize);
    const std::uint32_t length = ReadLe<std::uint32_t>(plain, offset + 4).value_or(0);
    const std::uint64_t body = offset + kPptRecordHeaderSize;
    const std::uint64_t end = std::min<std::uint64_t>(body + length, size);
    decrypted += end - offset;
    if (decrypted > limits.max_package_size) {
      return ResourceExhaustedError("persist objects over " +
                                    std::to_string(limits.max_package_size) + " bytes");
    }
    std::copy(document->begin() + static_cast<std::ptrdiff_t>(body),
              document->begin() + static_cast<std::ptrdiff_t>(end),
              plain.begin() + static_cast<std::ptrdiff_t>(body));
    rc4.Apply(plain.data() + body, static_cast<std::size_t>(end - body));
  }
  if (edit.record_length >= 4) {
    PutLe32(plain, edit.offset + 4, edit.record_length - 4);
    PutLe32(plain, edit.offset + kPptRecordHeaderSize + edit.record_length - 4, 0);
  }
  for (const ole::PptPersistEntry& entry : directory.entries) {
    if (entry.count > 0 && entry.first_id + entry.count - 1 == session) {
      PutLe32(plain, entry.header_offset, entry.first_id | ((entry.count - 1) << 20));
      break;
    }
  }
  Bytes plain_user = *user_stream;
  PutLe32(plain_user, kPptHeaderTokenOffset, kPptPlainToken);
  Bytes result;
  KENSA_ASSIGN_OR_RETURN(result, file.WithStreamContents("PowerPoint Document", plain));
  auto reopened = ole::CompoundFile::Open(result);
  if (!reopened) return reopened.error();
  return reopened->WithStreamContents("Current User", plain_user);
}

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kNone: return "";
    case Method::kAgile: return "agile";
    case Method::kStandard: return "standard";
    case Method::kExtensible: return "extensible";
    case Method::kRc4: return "rc4";
    case Method::kRc4CryptoApi: return "rc4_cryptoapi";
    case Method::kXor: return "xor";
    case Method::kUnknown: return "unknown";
  }
  return "unknown";
}

Encryption DetectEncryption(const ole::CompoundFile& file, const OffcryptoLimits& limits) {
  return Detect(file, limits).encryption;
}

Decryption Decrypt(const ole::CompoundFile& file, const std::vector<std::string>& passwords,
                   const OffcryptoLimits& limits) {
  const Detected detected = Detect(file, limits);
  Decryption out;
  out.encryption = detected.encryption;
  if (detected.encryption.method == Method::kNone) return out;
  if (!detected.malformed.empty()) {
    out.outcome = Outcome::kMalformed;
    out.reason = detected.malformed;
    return out;
  }
  if (detected.encryption.spin_count > limits.max_spin_count) {
    out.outcome = Outcome::kOverLimit;
    out.reason = "spinCount " + std::to_string(detected.encryption.spin_count) +
                 " is over the limit of " + std::to_string(limits.max_spin_count);
    return out;
  }
  if (detected.agile || (detected.cryptoapi && detected.stream == "EncryptedPackage")) {
    DecryptPackage(file, passwords, limits, detected, &out);
    return out;
  }
  if (detected.xor_header) {
    DecryptXor(file, passwords, limits, *detected.xor_header, &out);
    return out;
  }
  if (detected.rc4 || detected.cryptoapi) {
    std::optional<internal::Rc4BlockKeys> keys;
    const bool found = TryPasswords(passwords, limits, 1, &out, [&](const std::string& password) {
      keys = detected.rc4 ? internal::Rc4BlockKeys::ForRc4(*detected.rc4, password)
                          : internal::Rc4BlockKeys::ForCryptoApi(*detected.cryptoapi, password);
      return keys.has_value();
    });
    if (!found) {
      NotFound(&out);
      return out;
    }
    auto document = detected.stream == "Workbook"
                        ? DecryptWorkbook(file, [&](ByteSpan book) {
                            return internal::DecryptBiff8Workbook(book, *keys);
                          })
                    : detected.stream == "PowerPoint Document"
                        ? DecryptPowerPoint(file, *keys, limits)
                        : DecryptWord(file, detected.word_table_header,
                                      [&](ByteSpan stream, std::uint64_t clear) {
                                        return internal::DecryptBlocks(stream, *keys, kWordBlock, clear);
                                      });
    SetDocument(std::move(document), &out);
    return out;
  }
  out.outcome = Outcome::kUnsupported;
  out.reason = std::string(MethodName(detected.encryption.method)) + " (" +
               detected.encryption.where + ") is recognised, not decrypted";
  return out;
}

}  // namespace kensa::offcrypto
