#include <catch2/catch.hpp>

#include "api_keys.h"

using kensa::gateway::ApiKeyRing;
using kensa::gateway::Role;

// sha256("secret-a") and sha256("secret-b"), from coreutils' sha256sum.
constexpr const char* kKeys = R"(keys:
  - name: csirt-a-automation
    tenant: csirt-a
    role: submitter
    sha256: SHA_A
  - name: csirt-b-viewer
    tenant: csirt-b
    role: reader
    sha256: SHA_B
)";

namespace {
std::string KeysYaml() {
  std::string text = kKeys;
  text.replace(text.find("SHA_A"), 5, "8766b9cb08e6040b704f1e3ee1e186efccf2635b1d2634d6525333007e6aeae1");
  text.replace(text.find("SHA_B"), 5, "ff492ef788c89b555e6f738b33d2422f57dbb6656af2402155672c5f123a90af");
  return text;
}
}  // namespace

TEST_CASE("an API key authenticates as its tenant and role") {
  auto ring = ApiKeyRing::Parse(KeysYaml());
  REQUIRE(ring.has_value());
  CHECK(ring->size() == 2);
  auto a = ring->Authenticate("secret-a");
  REQUIRE(a.has_value());
  CHECK(a->name == "csirt-a-automation");
  CHECK(a->tenant == "csirt-a");
  CHECK(a->role == Role::kSubmitter);
  auto b = ring->Authenticate("secret-b");
  REQUIRE(b.has_value());
  CHECK(b->tenant == "csirt-b");
  CHECK(b->role == Role::kReader);
  CHECK_FALSE(ring->Authenticate("").has_value());
  CHECK_FALSE(ring->Authenticate("secret-c").has_value());
}

TEST_CASE("malformed key files are refused with the entry named") {
  auto no_tenant = ApiKeyRing::Parse("keys:\n  - name: x\n    role: reader\n    sha256: " + std::string(64, 'a') + "\n");
  REQUIRE_FALSE(no_tenant.has_value());
  CHECK(no_tenant.error().message() == "keys[0] (x): tenant is missing");
  auto bad_role = ApiKeyRing::Parse("keys:\n  - {name: x, tenant: t, role: admin, sha256: " + std::string(64, 'a') + "}\n");
  REQUIRE_FALSE(bad_role.has_value());
  CHECK(bad_role.error().message() == "keys[0] (x): role must be submitter or reader, not 'admin'");
  auto short_digest = ApiKeyRing::Parse("keys:\n  - {name: x, tenant: t, role: reader, sha256: abc}\n");
  REQUIRE_FALSE(short_digest.has_value());
  CHECK(short_digest.error().message() == "keys[0] (x): sha256 must be 64 lower-case hex digits");
  auto twice = ApiKeyRing::Parse("keys:\n  - {name: x, tenant: t, role: reader, sha256: " + std::string(64, 'a') +
                                 "}\n  - {name: y, tenant: u, role: reader, sha256: " + std::string(64, 'a') + "}\n");
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().message() == "keys[1] (y): the same key is listed twice");
  CHECK_FALSE(ApiKeyRing::Parse("just text").has_value());
}
