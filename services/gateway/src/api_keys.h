#pragma once
// API keys: who is calling, for which tenant, with which role. Keys are stored as sha256
// digests only, in a YAML file mounted from a Kubernetes Secret (docs/api.md):
//
//   keys:
//     - name: csirt-a-automation      # shown in logs and the audit trail, never the key
//       tenant: csirt-a
//       role: submitter               # submitter: submit and read; reader: read only
//       sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8

#include <optional>
#include <string>
#include <vector>

#include "kensa/core/status.h"

namespace kensa::gateway {

enum class Role { kReader, kSubmitter };

struct Principal {
  std::string name;
  std::string tenant;
  Role role = Role::kReader;
};

class ApiKeyRing {
 public:
  // Fails with a message naming the entry when the file is missing or malformed (a key entry
  // without tenant, an unknown role, a digest that is not 64 hex digits, a duplicate).
  static Result<ApiKeyRing> Load(const std::string& path);
  static Result<ApiKeyRing> Parse(const std::string& yaml_text);

  // The principal whose key this is; compares digests in constant time.
  std::optional<Principal> Authenticate(const std::string& presented_key) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Principal principal;
    std::string sha256;
  };
  std::vector<Entry> entries_;
};

}  // namespace kensa::gateway
