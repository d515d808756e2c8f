#include "office_encryption_analyzer.h"

#include <algorithm>
#include <utility>

#include "kensa/hashing/hashes.h"
#include "kensa/offcrypto/offcrypto.h"
#include "kensa/ole/compound_file.h"

namespace kensa::static_analysis {
namespace {

constexpr std::string_view kOrigin = "office decrypted";

void AddAnomaly(analysis::v1::StaticResult* result, std::string code, std::string detail) {
  auto* anomaly = result->add_anomalies();
  anomaly->set_code(std::move(code));
  anomaly->set_detail(std::move(detail));
}

// "mail/invoice.xlsm" -> "decrypted-invoice.xlsm": the plain document keeps its extension.
std::string ChildName(const std::string& file_name) {
  const auto slash = file_name.find_last_of("/\\");
  const std::string base = slash == std::string::npos ? file_name : file_name.substr(slash + 1);
  return "decrypted-" + (base.empty() ? std::string("document") : base);
}

}  // namespace

void AnalyzeOfficeEncryption(ByteSpan data, const std::string& file_name,
                             const std::vector<std::string>& submitted_passwords,
                             const std::vector<std::string>& password_list,
                             analysis::v1::StaticResult* result,
                             std::vector<ExtractedChild>* children) {
  auto file = ole::CompoundFile::Open(data);
  if (!file) return;
  // Candidates in order, each with where it came from.
  std::vector<std::string> passwords;
  std::vector<std::string_view> kinds;
  for (const auto& password : submitted_passwords) {
    passwords.push_back(password);
    kinds.push_back("submitted");
  }
  passwords.emplace_back(offcrypto::kExcelDefaultPassword);
  kinds.push_back("default");
  for (const auto& password : password_list) {
    passwords.push_back(password);
    kinds.push_back("list");
  }

  offcrypto::Decryption decryption = offcrypto::Decrypt(*file, passwords);
  const offcrypto::Encryption& encryption = decryption.encryption;
  if (encryption.method == offcrypto::Method::kNone) return;
  auto* office = result->mutable_office();
  // The office analyzer reports what it sees in the container; PowerPoint's flag is ours alone.
  const auto& anomalies = result->anomalies();
  if (std::none_of(anomalies.begin(), anomalies.end(),
                   [](const auto& anomaly) { return anomaly.code() == "office_encrypted"; })) {
    AddAnomaly(result, "office_encrypted", encryption.where);
  }
  office->set_encrypted(true);
  office->set_encryption_method(std::string(offcrypto::MethodName(encryption.method)));
  office->set_encryption_detail(encryption.detail);
  const std::string method = std::string(offcrypto::MethodName(encryption.method)) +
                             (encryption.detail.empty() ? "" : " (" + encryption.detail + ")");

  switch (decryption.outcome) {
    case offcrypto::Outcome::kDecrypted: {
      const std::string_view kind = kinds[decryption.password_index];
      office->set_decrypted(true);
      office->set_password_kind(std::string(kind));
      if (kind == "default") {
        AddAnomaly(result, "office_default_password",
                   method + " opened with Excel's built-in password VelvetSweatshop");
      }
      analysis::v1::ExtractedFile info;
      info.set_name(ChildName(file_name));
      info.set_sha256(hashing::Sha256Hex(decryption.document));
      info.set_size(decryption.document.size());
      info.set_origin(std::string(kOrigin));
      info.set_password_used(decryption.password);
      *result->add_extracted_files() = info;
      if (children != nullptr) {
        children->push_back({std::move(info), std::move(decryption.document)});
      }
      break;
    }
    case offcrypto::Outcome::kPasswordNotFound:
      AddAnomaly(result, "office_password_unknown", method + ": " + decryption.reason);
      break;
    case offcrypto::Outcome::kUnsupported:
    case offcrypto::Outcome::kOverLimit:
    case offcrypto::Outcome::kMalformed:
      AddAnomaly(result, "office_encryption_not_decrypted", method + ": " + decryption.reason);
      break;
    case offcrypto::Outcome::kNotEncrypted:
      break;
  }
}

}  // namespace kensa::static_analysis
