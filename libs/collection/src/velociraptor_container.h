#pragma once
// Velociraptor's protected container (Velocidex/velociraptor reporting/container.go and
// artifacts/definitions/Server/Utils/CreateCollector.yaml): an offline collector built with an
// encryption scheme writes an outer zip holding
//   metadata.json   unencrypted: [{"Scheme": "X509", "EncryptedPass": base64, "PublicKey": PEM}]
//                   (X509 and PGP schemes; absent or without EncryptedPass for Password)
//   data.zip        the collection zip, stored with WinZip AES encryption
// The zip password is random for X509 and PGP (EncryptedPass: RSA-OAEP with SHA-512 over the
// server certificate's key, then base64) and chosen by the responder for Password.

#include <optional>
#include <string>
#include <vector>

#include "kensa/archive/archive_reader.h"
#include "kensa/core/status.h"

namespace kensa::collection::foreign {

struct ProtectedContainer {
  std::string scheme;          // "X509", "PGP", "Password" (as metadata.json says), or empty
  std::string encrypted_pass;  // base64, X509 and PGP only
};

// The container's metadata when `listing` (the outer zip read without a password) is one: a
// data.zip member that is encrypted, and at most metadata.json beside it.
std::optional<ProtectedContainer> DetectProtectedContainer(const archive::ArchiveListing& listing);

// The zip password of an X509-scheme container: EncryptedPass decrypted with the first of
// `private_keys_pem` that opens it. Fails with failed_precondition naming the scheme when no key
// is given or none fits.
Result<std::string> DecryptContainerPassword(const ProtectedContainer& container,
                                             const std::vector<std::string>& private_keys_pem);

// Every PEM private key block ("-----BEGIN ... PRIVATE KEY-----") in `text`, its lines
// unindented: a key file, or a Velociraptor server.config.yaml whose Frontend and CA keys sit
// indented in YAML block scalars.
std::vector<std::string> PrivateKeyBlocks(const std::string& text);

}  // namespace kensa::collection::foreign
