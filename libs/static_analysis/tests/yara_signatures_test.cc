#include "kensa/static_analysis/yara_signatures.h"

#include <catch2/catch.hpp>

namespace kensa::static_analysis {
namespace {

analysis::v1::YaraMatch Match(std::map<std::string, std::string> meta) {
  analysis::v1::YaraMatch match;
  match.set_rule("Kensa_Test_Rule");
  for (auto& [key, value] : meta) (*match.mutable_meta())[key] = value;
  auto* string_match = match.add_strings();
  string_match->set_identifier("$note");
  string_match->set_offset(4096);
  string_match->set_data("All your files");
  return match;
}

TEST_CASE("A Kensa rule's meta becomes the signature's severity, techniques and types") {
  const auto signature = SignatureFromYaraMatch(Match({{"description", "Ransom note"},
                                                       {"description_ja", "脅迫文"},
                                                       {"severity", "high"},
                                                       {"attack", "T1486, T1490"},
                                                       {"malware_type", "Ransomware"},
                                                       {"family", "LockBit"}}));
  CHECK(signature.name() == "yara:Kensa_Test_Rule");
  CHECK(signature.severity() == analysis::v1::SEVERITY_HIGH);
  REQUIRE(signature.attack_techniques_size() == 2);
  CHECK(signature.attack_techniques(1) == "T1490");
  CHECK(signature.malware_types(0) == "ransomware");
  CHECK(signature.family() == "lockbit");
  CHECK(signature.description_ja() == "脅迫文");
  CHECK(signature.evidence(0).value() == "$note = All your files");
  CHECK(signature.evidence(0).offset() == 4096);
}

TEST_CASE("Third-party rules without severity map their score, or default to medium") {
  CHECK(SignatureFromYaraMatch(Match({{"score", "80"}})).severity() == analysis::v1::SEVERITY_HIGH);
  CHECK(SignatureFromYaraMatch(Match({{"score", "50"}})).severity() == analysis::v1::SEVERITY_MEDIUM);
  CHECK(SignatureFromYaraMatch(Match({{"score", "10"}})).severity() == analysis::v1::SEVERITY_LOW);
  CHECK(SignatureFromYaraMatch(Match({})).severity() == analysis::v1::SEVERITY_MEDIUM);
  CHECK(SignatureFromYaraMatch(Match({})).description() == "YARA rule Kensa_Test_Rule matched");
}

}  // namespace
}  // namespace kensa::static_analysis
