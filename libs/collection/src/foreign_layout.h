#pragma once
// Collections written by other tools than Kensa's collectors (docs/collection-format.md,
// "Foreign collections"): a Velociraptor offline collector zip, KAPE target output (zip or
// folder) and a UAC archive. Each has a small adapter (velociraptor_layout.cc, kape_layout.cc,
// uac_layout.cc) that recognises its layout by content and maps its files onto the paths and
// artifact names of a Kensa collection, so the hunt reads them as it reads its own.
//
// An adapter never reads the file system: it gets the stored paths (relative, "/"-separated,
// already checked by Collection to hold no "..", no absolute path) and a function that reads
// one. Names inside are hostile: every unescaped name is checked again.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"

namespace kensa::collection::foreign {

enum class Layout { kNone, kVelociraptor, kKape, kUac };

// One stored file placed in the Kensa layout.
struct MappedItem {
  std::string stored;    // where the foreign collection keeps it
  std::string path;      // where the hunt reads it ("files/C/Windows/...", or `stored`)
  std::string artifact;  // docs/collection-format.md artifact name, "other" when none fits
  std::string kind = "file";
  std::string source;    // the original path on the host, when known
  std::string mtime;     // RFC 3339, when the layout records it
  // The collector's own hash of the item (lower-case hex), when it recorded one.
  std::string expected_sha256;
  std::string expected_sha1;
};

// A table the adapter builds from the layout's own outputs in the columns Kensa's collector
// writes (UAC's process listings → commands/proc_exe.txt).
struct Table {
  std::string path;
  std::string artifact;
  std::string source;
  std::string text;
};

struct ForeignLayout {
  // format, collector, host and times; items are added by Collection from `items`.
  forensics::v1::CollectionManifest manifest;
  std::vector<MappedItem> items;
  std::vector<Table> tables;
  std::vector<std::string> problems;
};

// Reads stored files: the whole file, or its first bytes only (to tell an executable from its
// magic without copying a multi-gigabyte log).
struct ReadStored {
  std::function<Result<Bytes>(const std::string& stored)> read;
  std::function<Bytes(const std::string& stored)> head;
  Result<Bytes> operator()(const std::string& stored) const { return read(stored); }
};

// Which layout `paths` have (files, and folders with a trailing "/" when listed from disk).
Layout Detect(const std::vector<std::string>& paths);
const char* LayoutName(Layout layout);

ForeignLayout MapVelociraptor(const std::vector<std::string>& paths, const ReadStored& read);
ForeignLayout MapKape(const std::vector<std::string>& paths, const ReadStored& read);
ForeignLayout MapUac(const std::vector<std::string>& paths, const ReadStored& read);

// Lower-case hex SHA-1 (KAPE's copy log records SHA-1 only; kape_layout.cc).
std::string Sha1Hex(ByteSpan data);

// Shared by the adapters (artifact_paths.cc).

// "files/C/Windows/..." and the artifact for a file found on drive `drive` at `rest`
// ("Windows/System32/config/SOFTWARE"); `head` is the file's first bytes (MZ / ELF tell
// executables dropped in user folders).
void PlaceWindowsFile(char drive, const std::string& rest, ByteSpan head, MappedItem* item);
// The same for a Unix file at absolute path `path` ("/var/log/auth.log").
void PlaceUnixFile(const std::string& path, ByteSpan head, MappedItem* item);
// Velociraptor's escaping undone: %XX → the byte. A "%" not followed by two hex digits stays as
// it is (Windows leaves a trailing "%" on names that ended in "."); check with SafeComponent.
std::string UnescapeComponent(const std::string& component);
// True when `component` is safe as one path component after unescaping: not empty, not "."
// or "..", no "/", "\", NUL or other control character, and valid UTF-8.
bool SafeComponent(const std::string& component);
std::string Lower(std::string text);
// Splits on `separator`, keeping empty fields.
std::vector<std::string> Split(const std::string& text, char separator);

}  // namespace kensa::collection::foreign
