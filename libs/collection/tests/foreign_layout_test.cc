// Collections of other tools opened as Kensa collections: a Velociraptor offline collector zip,
// KAPE target output (folder and zip) and a UAC tar.gz, each built here in the tool's layout
// (make_foreign_collections.py) around real artifacts: an attack EVTX from
// ../shared/corpora/evtx-attack-samples and registry hives written by tests/support/make_hive.py.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "kensa/collection/collection.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::collection::Collection;
using kensa::test_support::RunCommand;

namespace {

constexpr char kEvtx[] =
    "../shared/corpora/evtx-attack-samples/Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx";
constexpr char kMake[] = "python3 libs/collection/tests/make_foreign_collections.py ";

struct TempDir {
  fs::path dir;
  explicit TempDir(const std::string& name) {
    dir = fs::temp_directory_path() / ("kensa-foreign-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

void MakeHive(const std::string& hive, const std::string& prefix, const std::string& reg_text) {
  const std::string reg = hive + ".reg";
  std::ofstream(reg, std::ios::binary) << "Windows Registry Editor Version 5.00\r\n\r\n" << reg_text;
  RunCommand("python3 tests/support/make_hive.py '" + hive + "' '" + reg + "' --prefix '" + prefix + "'");
  fs::remove(reg);
}

std::string MakeSoftwareHive(const TempDir& temp) {
  const std::string hive = temp / "SOFTWARE";
  MakeHive(hive, "HKEY_LOCAL_MACHINE\\SOFTWARE",
           "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
           "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe -k\"\r\n\r\n");
  return hive;
}

const kensa::forensics::v1::CollectionManifest::Item* FindItem(const Collection& collection, const std::string& path) {
  for (const auto& item : collection.manifest().items()) {
    if (item.path() == path) return &item;
  }
  return nullptr;
}

bool HasProblem(const Collection& collection, const std::string& text) {
  for (const auto& problem : collection.info().problems()) {
    if (problem.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a Velociraptor offline collection opens with its uploads under their Windows paths") {
  TempDir temp("velociraptor");
  const std::string zip = temp / "Collection-WKSTN-07-2026-11-26T10_00_00Z.zip";
  RunCommand(std::string(kMake) + "velociraptor '" + zip + "' '" + kEvtx + "' '" + MakeSoftwareHive(temp) + "'");
  REQUIRE(Collection::LooksLikeCollection(zip));
  auto collection = Collection::Open(zip);
  REQUIRE(collection.has_value());
  INFO(collection->info().DebugString());
  const auto& manifest = collection->manifest();
  CHECK(manifest.format() == "velociraptor-offline-collection");
  CHECK(manifest.collector().name() == "velociraptor");
  CHECK(manifest.host().hostname() == "WKSTN-07");
  CHECK(manifest.host().os() == "Microsoft Windows 10 Pro 10.0.19045");
  CHECK(manifest.host().arch() == "amd64");
  CHECK(manifest.case_id() == "F.CT5QK0");
  CHECK(manifest.started_at() == "2026-11-26T08:00:00Z");

  // The evtx: "%4" in its name escaped as "%254", its sha256 in the Uploads result row.
  const auto* evtx = FindItem(*collection, "files/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx");
  REQUIRE(evtx != nullptr);
  CHECK(evtx->artifact() == "event_logs");
  CHECK(evtx->source() == "C:\\Windows\\System32\\winevt\\Logs\\Microsoft-Windows-Sysmon%4Operational.evtx");
  CHECK(evtx->stored_as() == "uploads/auto/C%3A/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%254Operational.evtx");
  CHECK(evtx->mtime() == "2026-11-25T22:14:05Z");
  CHECK_FALSE(evtx->unverified());
  CHECK(evtx->size() == fs::file_size(kEvtx));

  // The hive came through the ntfs accessor ("\\.\C:" escaped) and no row names its hash.
  const auto* hive = FindItem(*collection, "files/C/Windows/System32/config/SOFTWARE");
  REQUIRE(hive != nullptr);
  CHECK(hive->artifact() == "registry_hives");
  CHECK(hive->stored_as() == "uploads/ntfs/%5C%5C.%5CC%3A/Windows/System32/config/SOFTWARE");
  CHECK(hive->unverified());
  CHECK(hive->sha256().size() == 64);
  auto hive_bytes = collection->Read("files/C/Windows/System32/config/SOFTWARE");
  REQUIRE(hive_bytes.has_value());
  CHECK(std::string(hive_bytes->begin(), hive_bytes->begin() + 4) == "regf");
  CHECK(collection->info().hash_mismatches().empty());
}

TEST_CASE("hostile names in a Velociraptor collection are kept under their stored names, never unescaped") {
  TempDir temp("velociraptor-hostile");
  const std::string zip = temp / "collection.zip";
  RunCommand(std::string(kMake) + "velociraptor '" + zip + "' '" + kEvtx + "' '" + MakeSoftwareHive(temp) + "'");
  auto collection = Collection::Open(zip);
  REQUIRE(collection.has_value());
  INFO(collection->info().DebugString());
  // "%2E%2E" is "..", "%2F" a "/", "%00" a NUL, "%E9" a byte that is not UTF-8 (found by
  // collection_fuzz: the report would not serialize): each stays where it was stored, named in problems.
  for (const char* stored : {"uploads/auto/C%3A/Windows/%2E%2E/%2E%2E/evil.txt", "uploads/auto/C%3A/Users/a%2Fb.txt",
                             "uploads/auto/C%3A/Users/nul%00.txt", "uploads/auto/C%3A/Users/latin1-caf%E9.txt"}) {
    CHECK(HasProblem(*collection, std::string(stored) + ": the name is unsafe once unescaped"));
    const auto* item = FindItem(*collection, stored);
    REQUIRE(item != nullptr);
    CHECK(item->artifact() == "other");
  }
  CHECK(collection->Read("files/C/evil.txt").error().code() == kensa::StatusCode::kNotFound);
  CHECK(collection->Read("files/C/Windows/../../evil.txt").error().code() == kensa::StatusCode::kInvalidArgument);
  // A "%" that escapes nothing is a character of the name.
  CHECK(FindItem(*collection, "files/C/Users/odd%ZZ%.txt") != nullptr);
  // The member that climbs out of the archive is skipped and named.
  CHECK(HasProblem(*collection, "unsafe member name skipped: ../../escape.txt"));
  std::string wire;
  kensa::forensics::v1::CollectionInfo back;
  CHECK(collection->info().SerializeToString(&wire));
  CHECK(back.ParseFromString(wire));
}

TEST_CASE("a zip bomb inside a Velociraptor collection is named and what came before it is kept") {
  TempDir temp("velociraptor-bomb");
  const std::string zip = temp / "collection.zip";
  RunCommand(std::string(kMake) + "velociraptor-bomb '" + zip + "' '" + kEvtx + "'");
  CHECK(fs::file_size(zip) < (1u << 20));
  auto collection = Collection::Open(zip);
  REQUIRE(collection.has_value());
  INFO(collection->info().DebugString());
  CHECK(HasProblem(*collection, "archive_bomb_ratio"));
  CHECK(HasProblem(*collection, "the archive was read only in part"));
  CHECK(FindItem(*collection, "files/C/Windows/Temp/bomb.bin") == nullptr);
  const auto* evtx = FindItem(*collection, "files/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx");
  REQUIRE(evtx != nullptr);
  CHECK_FALSE(evtx->unverified());
}

TEST_CASE("a KAPE target folder opens with its copies checked against the copy log's SHA-1") {
  TempDir temp("kape");
  const std::string tout = temp / "tout";
  const std::string ntuser = temp / "NTUSER.DAT";
  MakeHive(ntuser, "HKEY_CURRENT_USER",
           "[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
           "\"Sync\"=\"C:\\\\Users\\\\alice\\\\AppData\\\\Roaming\\\\sync.exe\"\r\n\r\n");
  RunCommand(std::string(kMake) + "kape '" + tout + "' '" + MakeSoftwareHive(temp) + "' '" + ntuser + "'");
  REQUIRE(Collection::LooksLikeCollection(tout));
  CHECK(Collection::LooksLikeCollection(temp.dir.string()));  // the folder holding it
  auto collection = Collection::Open(tout);
  REQUIRE(collection.has_value());
  INFO(collection->info().DebugString());
  CHECK(collection->manifest().collector().name() == "kape");
  CHECK(collection->manifest().host().hostname() == "FS03");
  CHECK(collection->manifest().host().os() == "Windows10 10.0.19045");
  const auto* software = FindItem(*collection, "files/C/Windows/System32/config/SOFTWARE");
  REQUIRE(software != nullptr);
  CHECK(software->artifact() == "registry_hives");
  CHECK(software->source() == "C:\\Windows\\System32\\config\\SOFTWARE");
  CHECK(software->mtime() == "2026-11-25T22:14:05Z");
  CHECK_FALSE(software->unverified());
  const auto* user = FindItem(*collection, "files/C/Users/alice/NTUSER.DAT");
  REQUIRE(user != nullptr);
  CHECK(user->artifact() == "registry_hives");
  // The copy log's SHA-1 of NTUSER.DAT is not that of the copy.
  REQUIRE(collection->info().hash_mismatches_size() == 1);
  CHECK(collection->info().hash_mismatches(0) == "files/C/Users/alice/NTUSER.DAT");
  CHECK(FindItem(*collection, "2026-11-26T10_00_00_1234567_CopyLog.csv")->artifact() == "collector_log");
}

TEST_CASE("a zipped KAPE collection of one drive folder is not mistaken for a single top folder") {
  TempDir temp("kape-zip");
  const std::string zip = temp / "2026-11-26T100000_tout.zip";
  RunCommand(std::string(kMake) + "kape-zip '" + zip + "' '" + MakeSoftwareHive(temp) + "'");
  auto collection = Collection::Open(zip);
  REQUIRE(collection.has_value());
  INFO(collection->info().DebugString());
  const auto* software = FindItem(*collection, "files/C/Windows/System32/config/SOFTWARE");
  REQUIRE(software != nullptr);
  CHECK(software->unverified());
  CHECK(HasProblem(*collection, "no KAPE copy log"));
  CHECK(HasProblem(*collection, "1 of 1 items are unverified: kape recorded no hash"));
}

TEST_CASE("a UAC archive opens with its [root] files and live response tables in Kensa's columns") {
  TempDir temp("uac");
  const std::string archive = temp / "uac-web01-linux-20261126100000.tar.gz";
  RunCommand(std::string(kMake) + "uac '" + archive + "'");
  auto collection = Collection::Open(archive);
  REQUIRE(collection.has_value());
  INFO(collection->info().DebugString());
  const auto& manifest = collection->manifest();
  CHECK(manifest.collector().name() == "uac");
  CHECK(manifest.collector().version() == "3.3.0");
  CHECK(manifest.host().hostname() == "web01");
  CHECK(manifest.host().os() == "linux");
  CHECK(manifest.host().timezone() == "Asia/Tokyo");
  CHECK(manifest.started_at() == "2026-11-26T10:00:00Z");  // 19:00 +0900
  CHECK(manifest.finished_at() == "2026-11-26T10:01:40Z");
  const auto* passwd = FindItem(*collection, "files/etc/passwd");
  REQUIRE(passwd != nullptr);
  CHECK(passwd->artifact() == "users");
  CHECK(passwd->source() == "/etc/passwd");
  CHECK(passwd->stored_as() == "[root]/etc/passwd");
  CHECK(passwd->unverified());
  CHECK(FindItem(*collection, "files/root/.ssh/authorized_keys")->artifact() == "ssh");
  CHECK(FindItem(*collection, "files/home/alice/.bash_history")->artifact() == "shell_history");
  CHECK(FindItem(*collection, "files/etc/cron.d/update")->artifact() == "cron");
  CHECK(FindItem(*collection, "files/tmp/.x/kworker")->artifact() == "recent_executables");
  CHECK(FindItem(*collection, "live_response/network/ss_-tanp.txt")->artifact() == "network");

  auto proc_exe = collection->Read("commands/proc_exe.txt");
  REQUIRE(proc_exe.has_value());
  CHECK(std::string(proc_exe->begin(), proc_exe->end()) ==
        "pid\tppid\tuid\texe\tsha256\tcmdline\n"
        "1\t0\t0\t/usr/lib/systemd/systemd\t\t/sbin/init\n"
        "4242\t1\t33\t/tmp/.x/kworker (deleted)\t\t/tmp/.x/kworker -c\n");
  auto suid = collection->Read("commands/suid.txt");
  REQUIRE(suid.has_value());
  CHECK(std::string(suid->begin(), suid->end()) ==
        "path\tmode\tuid\tsize\tmtime\tsha256\n"
        "/usr/bin/passwd\t-rwsr-xr-x\t0\t68208\t2023-11-14T22:13:20Z\t\n"
        "/tmp/.x/rootsh\t-rwsr-xr-x\t0\t125560\t2026-11-26T07:43:20Z\t\n");
  CHECK(collection->Read("commands/modules.txt").has_value());
}

TEST_CASE("a folder of plain files is neither a Kensa nor a foreign collection") {
  TempDir temp("plain");
  fs::create_directories(temp.dir / "logs");
  std::ofstream(temp / "logs/app.log") << "hello\n";
  std::ofstream(temp / "uac.log") << "a log named like UAC's, nothing else\n";
  CHECK_FALSE(Collection::LooksLikeCollection(temp.dir.string()));
  auto opened = Collection::Open(temp.dir.string());
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().message().find("nor a Velociraptor, KAPE or UAC one") != std::string::npos);
}

TEST_CASE("an X509-encrypted Velociraptor container opens with the private key of its certificate") {
  TempDir temp("velociraptor-x509");
  const std::string key = temp / "frontend.key.pem";
  const std::string other = temp / "other.key.pem";
  RunCommand("openssl genrsa -out '" + key + "' 2048 2>/dev/null && openssl genrsa -out '" + other + "' 2048 2>/dev/null");
  const std::string zip = temp / "Collection-WKSTN-07-encrypted.zip";
  RunCommand(std::string(kMake) + "velociraptor-x509 '" + zip + "' '" + kEvtx + "' '" + MakeSoftwareHive(temp) + "' '" + key + "'");
  // Still a collection: the hunt must say what it needs, not that this is no collection.
  CHECK(Collection::LooksLikeCollection(zip));

  auto locked = Collection::Open(zip);
  REQUIRE_FALSE(locked.has_value());
  CHECK(locked.error().code() == kensa::StatusCode::kFailedPrecondition);
  CHECK(locked.error().message().find("is an encrypted Velociraptor collection (X509 scheme): an X509-scheme "
                                      "Velociraptor container: give the private key") != std::string::npos);

  auto wrong_keys = kensa::collection::LoadPrivateKeys(other);
  REQUIRE(wrong_keys.has_value());
  auto wrong = Collection::Open(zip, {}, {.passwords = {}, .private_keys_pem = *wrong_keys});
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().message().find("none of the 1 private key(s) given opens") != std::string::npos);

  // The Velociraptor server's config holds the Frontend key indented in YAML, beside the CA's.
  const std::string config = temp / "server.config.yaml";
  RunCommand("{ echo 'CA:'; echo '  private_key: |'; sed 's/^/    /' '" + other + "'; echo 'Frontend:'; "
             "echo '  hostname: velo.corp.example'; echo '  private_key: |'; sed 's/^/    /' '" + key + "'; } > '" + config + "'");
  auto keys = kensa::collection::LoadPrivateKeys(config);
  REQUIRE(keys.has_value());
  CHECK(keys->size() == 2);
  auto collection = Collection::Open(zip, {}, {.passwords = {}, .private_keys_pem = *keys});
  INFO((collection ? std::string() : collection.error().message()));
  REQUIRE(collection.has_value());
  CHECK(collection->info().encryption() == "Velociraptor container, X509 scheme: password decrypted with the private key");
  CHECK(collection->manifest().host().hostname() == "WKSTN-07");
  CHECK(FindItem(*collection, "files/C/Windows/System32/config/SOFTWARE") != nullptr);
  const auto* evtx = FindItem(*collection, "files/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx");
  REQUIRE(evtx != nullptr);
  CHECK_FALSE(evtx->unverified());
  CHECK(collection->info().hash_mismatches().empty());

  CHECK_FALSE(kensa::collection::LoadPrivateKeys(zip).has_value());  // no key in it
}

TEST_CASE("a Password-scheme Velociraptor container opens with its password, and says when none fits") {
  TempDir temp("velociraptor-password");
  const std::string zip = temp / "Collection-WKSTN-07-password.zip";
  RunCommand(std::string(kMake) + "velociraptor-password '" + zip + "' '" + kEvtx + "' '" + MakeSoftwareHive(temp) + "' 'S3cret-IR'");
  auto locked = Collection::Open(zip);
  REQUIRE_FALSE(locked.has_value());
  CHECK(locked.error().message() == zip + " is an encrypted Velociraptor collection (Password scheme): give its password");
  auto wrong = Collection::Open(zip, {}, {.passwords = {"infected"}, .private_keys_pem = {}});
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().message() ==
        zip + " is an encrypted Velociraptor collection (Password scheme): none of the 1 password(s) opens its data.zip");
  auto collection = Collection::Open(zip, {}, {.passwords = {"infected", "S3cret-IR"}, .private_keys_pem = {}});
  INFO((collection ? std::string() : collection.error().message()));
  REQUIRE(collection.has_value());
  CHECK(collection->info().encryption() == "Velociraptor container, Password scheme: opened with a given password");
  CHECK(collection->manifest().format() == "velociraptor-offline-collection");
  CHECK(FindItem(*collection, "files/C/Windows/System32/config/SOFTWARE") != nullptr);
}
