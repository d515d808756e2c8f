#pragma once
// A host collection (docs/collection-format.md): the archive a Kensa collector wrote (tar.gz or
// zip) or the folder it unpacks to. Opens it within bounds, reads manifest.json, checks every
// item's sha256 against the manifest, and serves the items' bytes by their path in the archive.
//
// Collections of other tools are opened too, recognised by their content (docs/collection-
// format.md, "Foreign collections"): a Velociraptor offline collector zip, KAPE target output
// (zipped or its folder) and a UAC archive. Their files are served under the paths and artifact
// names of a Kensa collection ("uploads/auto/C%3A/Windows/..." → "files/C/Windows/..."), with a
// manifest synthesised from the layout's own metadata: host name, per-item sha256 computed on
// opening, checked against the tool's own hash where it recorded one, else flagged unverified.
//
//   auto collection = Collection::Open("/cases/0142/kensa-web01-20261126T100000Z.tar.gz");
//   for (const auto& item : collection->manifest().items()) ... collection->Read(item.path());
//
// Collections come from hosts that may be in an attacker's hands: sizes, counts and names are
// bounded, names are never used as file-system paths, and a damaged or tampered archive is
// reported (problems, hash_mismatches), not trusted.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"

namespace kensa::collection {

struct CollectionLimits {
  // Event logs and hives make a collection large; past this much it is hunted from a folder.
  std::uint64_t max_archive_bytes = 4ull << 30;
  std::uint64_t max_total_bytes = 4ull << 30;
  std::uint64_t max_item_bytes = 2ull << 30;
  // A Windows collection holds a few thousand files (tasks, prefetch, logs).
  std::size_t max_items = 100000;
  // manifest.json is a list of items; 64 MiB is far above 100,000 of them.
  std::uint64_t max_manifest_bytes = 64ull << 20;
};

// What opens an encrypted collection: a Velociraptor offline collector built with an encryption
// scheme writes a protected container (metadata.json beside an AES-encrypted data.zip).
struct CollectionSecrets {
  // Tried in order: the Password scheme's password, or one a responder got out of band (a
  // PGP-scheme container's EncryptedPass, decrypted with gpg).
  std::vector<std::string> passwords;
  // PEM private keys for the X509 scheme (LoadPrivateKeys): the Velociraptor server's Frontend
  // key, whose certificate the collector encrypts its random password for.
  std::vector<std::string> private_keys_pem;
};

// Every PEM private key in `path`: a key file, or a Velociraptor server.config.yaml (its
// Frontend and CA keys). Fails when the file cannot be read or holds no private key.
Result<std::vector<std::string>> LoadPrivateKeys(const std::string& path);

class Collection {
 public:
  // An archive file or a folder (the collection's top folder, or a folder holding exactly one).
  // An encrypted Velociraptor container is opened with `secrets`; without the right ones it
  // fails with failed_precondition saying what to give (its scheme).
  static Result<Collection> Open(const std::string& path, const CollectionLimits& limits = {},
                                 const CollectionSecrets& secrets = {});
  static Result<Collection> OpenArchive(ByteSpan data, const std::string& name, const CollectionLimits& limits = {},
                                        const CollectionSecrets& secrets = {});

  // True when `path` looks like a collection: a folder with manifest.json or a foreign layout
  // (at its top or one level down), or an archive that opens as one. Cheap for folders;
  // archives are opened.
  static bool LooksLikeCollection(const std::string& path);

  const forensics::v1::CollectionInfo& info() const { return info_; }
  const forensics::v1::CollectionManifest& manifest() const { return info_.manifest(); }

  // Every path in the collection (relative to its top folder, "/"-separated), sorted.
  std::vector<std::string> Paths() const;
  // The bytes of one path; NotFound when absent.
  Result<Bytes> Read(const std::string& path) const;

  // Adds an item Kensa derived from the collection itself (e.g. the autostart table read
  // again from the registry hives), listed in the manifest with kind "derived" and served by
  // Read like any other item. `source` says what it was derived from.
  void AddDerivedItem(const std::string& path, const std::string& artifact, const std::string& source, Bytes bytes);

 private:
  Collection() = default;
  Status Load(const CollectionLimits& limits);
  Status LoadManifest(const CollectionLimits& limits);
  // The stored paths (archive members or folder files), as the collection keeps them.
  std::vector<std::string> StoredPaths() const;
  Result<Bytes> ReadStored(const std::string& stored) const;
  Bytes ReadStoredHead(const std::string& stored) const;

  forensics::v1::CollectionInfo info_;
  // Archive: the members in memory. Folder: empty; files are read from folder_.
  std::map<std::string, Bytes> members_;
  std::string folder_;
  std::vector<std::string> folder_paths_;
  std::map<std::string, Bytes> derived_;
  // Foreign layouts: the path the hunt reads → the stored path. Empty for Kensa's own.
  std::map<std::string, std::string> aliases_;
  bool foreign_ = false;
  std::uint64_t max_item_bytes_ = 0;
};

}  // namespace kensa::collection
