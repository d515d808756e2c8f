#include "kensa/static_analysis/office_analyzer.h"

#include <array>
#include <set>
#include <utility>

#include "kensa/core/time.h"
#include "kensa/ole/compound_file.h"
#include "kensa/ole/powerpoint.h"
#include "kensa/ole/summary_information.h"
#include "kensa/ole/vba.h"
#include "kensa/ole/word_document.h"
#include "word_fields.h"

namespace kensa::static_analysis {
namespace {

using analysis::v1::VbaFinding;

// Evidence lines are for people; a line of generated code can be megabytes long.
constexpr std::size_t kMaxEvidenceLine = 240;
// Chr/ChrW/StrReverse calls per module that mark string building as obfuscation: a clean
// macro builds a few control characters; payload builders call them hundreds of times.
constexpr std::size_t kObfuscationMinCalls = 20;
// Empty modules still carry p-code (module header, attributes): 637 to 1,209 bytes in Office
// 2010-2016 documents (oletools' test data, Emotet droppers). A module that holds more p-code
// than this and no source lost its source after compilation.
constexpr std::uint64_t kEmptyModuleMaxPcode = 2048;
// BIFF records looked at for FilePass; [MS-XLS] 2.4.117 puts it right after the globals BOF.
constexpr std::size_t kMaxBiffRecordsForFilePass = 8;

struct Keyword {
  std::string_view text;  // lower case
  std::string_view kind;
  std::string_view name;  // as reported
};

// Order matters: per line the first keyword of a kind wins, so the specific ones come first.
constexpr std::array kKeywords = {
    Keyword{"wscript.shell", "shell", "WScript.Shell"},
    Keyword{"shell.application", "shell", "Shell.Application"},
    Keyword{"shellexecute", "shell", "ShellExecute"},
    Keyword{"shell", "shell", "Shell"},
    Keyword{"powershell", "powershell", "PowerShell"},
    Keyword{"win32_process", "process", "Win32_Process"},
    Keyword{"createprocess", "process", "CreateProcess"},
    Keyword{"urldownloadtofile", "download", "URLDownloadToFile"},
    Keyword{"serverxmlhttp", "download", "ServerXMLHTTP"},
    Keyword{"xmlhttp", "download", "XMLHTTP"},
    Keyword{"winhttprequest", "download", "WinHttpRequest"},
    Keyword{"createobject", "create_object", "CreateObject"},
    Keyword{"getobject", "create_object", "GetObject"},
    Keyword{"callbyname", "dynamic_call", "CallByName"},
    Keyword{"environ", "environ", "Environ"},
    Keyword{".run", "run", "Run"},
    Keyword{"executeexcel4macro", "excel4", "ExecuteExcel4Macro"},
    Keyword{"macrooptions", "macro_options", "MacroOptions"},
    Keyword{"createthread", "win32_api", "CreateThread"},
    Keyword{"createremotethread", "win32_api", "CreateRemoteThread"},
    Keyword{"virtualalloc", "win32_api", "VirtualAlloc"},
    Keyword{"virtualallocex", "win32_api", "VirtualAllocEx"},
    Keyword{"virtualprotect", "win32_api", "VirtualProtect"},
    Keyword{"rtlmovememory", "win32_api", "RtlMoveMemory"},
    Keyword{"writeprocessmemory", "win32_api", "WriteProcessMemory"},
};

// Entry points Office runs by itself ([MS-VBAL] procedures named by Word and Excel); compared
// without case as Sub/Function names.
constexpr std::array<std::string_view, 16> kAutoExecNames = {
    "autoopen",       "auto_open",       "document_open",  "workbook_open",
    "autoexec",       "autoclose",       "auto_close",     "document_close",
    "workbook_close", "workbook_beforeclose", "autonew",   "document_new",
    "autoexit",       "workbook_activate", "document_contentcontrolonenter", "auto_activate",
};

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Cuts at `max` bytes without splitting a UTF-8 sequence.
std::string_view Utf8Prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0u) == 0x80u) --end;
  return text.substr(0, end);
}

// The code of a line without its comment: a ' outside a string literal starts one, as does a
// leading Rem ([MS-VBAL] 3.3.1).
std::string_view CodePart(std::string_view line) {
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') in_string = !in_string;
    if (line[i] == '\'' && !in_string) return line.substr(0, i);
  }
  const std::string_view trimmed = Trim(line);
  if (trimmed.size() >= 3 && AsciiLower(trimmed.substr(0, 3)) == "rem" &&
      (trimmed.size() == 3 || !IsIdentifierChar(trimmed[3]))) {
    return {};
  }
  return line;
}

// Occurrences of `needle` in `lower` whose identifier edges are not inside a longer name.
std::size_t CountWord(std::string_view lower, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = lower.find(needle); at != std::string_view::npos;
       at = lower.find(needle, at + 1)) {
    const bool starts_word = !IsIdentifierChar(needle.front()) || at == 0 ||
                             !IsIdentifierChar(lower[at - 1]);
    const std::size_t end = at + needle.size();
    const bool ends_word =
        !IsIdentifierChar(needle.back()) || end == lower.size() || !IsIdentifierChar(lower[end]);
    if (starts_word && ends_word) ++count;
  }
  return count;
}

// The procedure name when the line declares a Sub or Function ("Private Sub Document_Open()").
std::string_view ProcedureName(std::string_view lower) {
  std::string_view rest = Trim(lower);
  for (std::string_view prefix : {"public ", "private ", "friend ", "static "}) {
    if (rest.starts_with(prefix)) rest = Trim(rest.substr(prefix.size()));
  }
  for (std::string_view keyword : {"sub ", "function "}) {
    if (!rest.starts_with(keyword)) continue;
    rest = Trim(rest.substr(keyword.size()));
    std::size_t end = 0;
    while (end < rest.size() && IsIdentifierChar(rest[end])) ++end;
    return rest.substr(0, end);
  }
  return {};
}

void AddFinding(std::vector<VbaFinding>* findings, std::size_t max, std::string_view kind,
                std::string_view keyword, std::size_t line_number, std::string_view line) {
  if (findings->size() >= max) return;
  VbaFinding finding;
  finding.set_kind(std::string(kind));
  finding.set_keyword(std::string(keyword));
  finding.set_line(static_cast<std::uint32_t>(line_number));
  finding.set_text(std::string(Utf8Prefix(Trim(line), kMaxEvidenceLine)));
  findings->push_back(std::move(finding));
}

// "Declare PtrSafe Function X Lib "kernel32" ..." -> "kernel32"; "" when not a declare.
std::string DeclaredLibrary(std::string_view lower) {
  if (CountWord(lower, "declare") == 0) return {};
  const std::size_t lib = lower.find(" lib \"");
  if (lib == std::string_view::npos) return {};
  const std::size_t start = lib + 6;
  const std::size_t end = lower.find('"', start);
  if (end == std::string_view::npos) return {};
  return std::string(lower.substr(start, end - start));
}

std::string Rfc3339(std::uint64_t filetime) {
  const std::int64_t seconds = ole::FiletimeToUnixSeconds(filetime);
  return seconds <= 0 ? std::string() : FormatRfc3339(seconds);
}

void AddAnomaly(OfficeAnalysis* out, std::string code, std::string detail) {
  analysis::v1::Anomaly anomaly;
  anomaly.set_code(std::move(code));
  anomaly.set_detail(std::move(detail));
  out->anomalies.push_back(std::move(anomaly));
}

// Why the document is encrypted, or "" when it is not (as far as the container says).
std::string EncryptionReason(const ole::CompoundFile& file) {
  // [MS-OFFCRYPTO] 2.3.4.4: encrypted OOXML is a compound file with an EncryptedPackage stream.
  if (file.Find("EncryptedPackage") != nullptr) return "EncryptedPackage stream";
  if (file.Find("WordDocument") != nullptr) {
    auto word = file.ReadStream("WordDocument");
    // [MS-DOC] 2.5.2 FibBase: wIdent 0xA5EC, fEncrypted is bit 8 of the flags at 0x0A.
    if (word && ReadLe<std::uint16_t>(*word, 0) == 0xA5EC &&
        (ReadLe<std::uint16_t>(*word, 0x0A).value_or(0) & 0x0100u) != 0) {
      return "WordDocument FIB fEncrypted";
    }
  }
  if (file.Find("Workbook") != nullptr) {
    auto book = file.ReadStream("Workbook");
    if (book) {
      // [MS-XLS] 2.4.117 FilePass (record type 0x002F) follows the globals substream's BOF.
      std::uint64_t offset = 0;
      for (std::size_t i = 0; i < kMaxBiffRecordsForFilePass; ++i) {
        const auto type = ReadLe<std::uint16_t>(*book, offset);
        const auto size = ReadLe<std::uint16_t>(*book, offset + 2);
        if (!type || !size) break;
        if (*type == 0x002F) return "Workbook FilePass record";
        offset += 4u + *size;
      }
    }
  }
  return {};
}

}  // namespace

bool VbaSourceIsOnlyAttributes(std::string_view source) {
  std::size_t start = 0;
  while (start < source.size()) {
    std::size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    const std::string_view line = Trim(source.substr(start, end - start));
    if (!line.empty() && !AsciiLower(line.substr(0, 13)).starts_with("attribute vb_")) return false;
    start = end + 1;
  }
  return true;
}

std::vector<VbaFinding> ScanVbaSource(std::string_view source, std::size_t max_findings) {
  std::vector<VbaFinding> findings;
  std::size_t obfuscation_calls = 0;
  std::size_t densest_calls = 0;
  std::size_t densest_line = 0;
  std::string_view densest_text;
  std::size_t line_number = 0;
  std::size_t start = 0;
  // The loop is bounded by the source, itself bounded by VbaLimits::max_source_size.
  while (start < source.size()) {
    std::size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    const std::string_view line = source.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const std::string lower = AsciiLower(CodePart(line));
    if (Trim(lower).empty() || Trim(lower).starts_with("attribute ")) continue;

    const std::string_view procedure = ProcedureName(lower);
    for (std::string_view name : kAutoExecNames) {
      if (!procedure.empty() && procedure == name) {
        const std::string_view original = Trim(line);
        // Report the name as written in the source.
        const std::size_t at = AsciiLower(original).find(name);
        AddFinding(&findings, max_findings, "auto_exec",
                   at == std::string::npos ? name : original.substr(at, name.size()),
                   line_number, line);
      }
    }
    std::set<std::string_view> kinds_on_line;
    // CreateObject(x).Run / WshShell.Run cmd, vbHide start a command; Application.Run "Macro"
    // only calls another macro, so a bare .Run stays a "run" finding.
    if (CountWord(lower, ".run") > 0 && (CountWord(lower, "createobject") > 0 ||
                                         CountWord(lower, "vbhide") > 0 ||
                                         CountWord(lower, "wscript") > 0)) {
      kinds_on_line.insert("shell");
      kinds_on_line.insert("run");
      AddFinding(&findings, max_findings, "shell", "Run", line_number, line);
    }
    for (const Keyword& keyword : kKeywords) {
      if (kinds_on_line.contains(keyword.kind)) continue;
      if (CountWord(lower, keyword.text) == 0) continue;
      kinds_on_line.insert(keyword.kind);
      AddFinding(&findings, max_findings, keyword.kind, keyword.name, line_number, line);
    }
    if (const std::string library = DeclaredLibrary(lower); !library.empty()) {
      AddFinding(&findings, max_findings, "win32_declare", library, line_number, line);
    }
    std::size_t calls = 0;
    for (std::string_view call : {"chr(", "chrw(", "chrb(", "chr$(", "chrw$(", "strreverse("}) {
      calls += CountWord(lower, call);
    }
    obfuscation_calls += calls;
    if (calls > densest_calls) {
      densest_calls = calls;
      densest_line = line_number;
      densest_text = line;
    }
  }
  if (obfuscation_calls >= kObfuscationMinCalls) {
    AddFinding(&findings, max_findings, "obfuscation",
               "Chr/ChrW/StrReverse x" + std::to_string(obfuscation_calls), densest_line,
               densest_text);
  }
  return findings;
}

// A Word 97-2003 document's fields ([MS-DOC] text through the piece table): DDE / DDEAUTO start
// a program without macros; INCLUDEPICTURE / INCLUDETEXT / IMPORT with a remote target make
// Word fetch it (and send NTLM credentials to a UNC host). Encrypted documents are read once
// decrypted, as their child.
void AnalyzeWordFields(const ole::CompoundFile& file, const OfficeLimits& limits, OfficeAnalysis* out) {
  if (file.Find("WordDocument") == nullptr) return;
  auto text = ole::ReadWordText(file);
  if (!text) {
    if (text.error().code() != StatusCode::kFailedPrecondition) {
      AddAnomaly(out, "word_text_unreadable", text.error().message());
    }
    return;
  }
  constexpr std::string_view kPart = "WordDocument";
  std::set<std::string> seen;
  for (const std::string& code : ole::WordFieldCodes(*text)) {
    const WordField field = ParseWordField(code);
    const std::string command(Utf8Prefix(field.command, limits.max_field_bytes));
    const std::string clean_code(Utf8Prefix(TrimSpaces(code), limits.max_field_bytes));
    if (IsDdeField(field.name)) {
      if (!seen.insert(clean_code).second) continue;
      if (static_cast<std::size_t>(out->info.dde_links_size()) < limits.max_fields) {
        auto* link = out->info.add_dde_links();
        link->set_part(std::string(kPart));
        link->set_field_code(clean_code);
        link->set_command(command);
        link->set_automatic(field.name == "ddeauto");
      }
      AddAnomaly(out, "office_dde_field", std::string(kPart) + ": " + clean_code);
      out->decoded_texts.emplace_back("office.dde", command);
    } else if (IsIncludeField(field.name)) {
      const std::string target(FieldTarget(command));
      const std::string kind = TargetKind(target);
      if (!IsRemoteKind(kind) || !seen.insert(clean_code).second) continue;
      const std::string detail = target + " (" + field.name + " field in " + std::string(kPart) + ")";
      AddAnomaly(out, "office_remote_field", detail);
      if (kind == "unc") AddAnomaly(out, "office_unc_field", detail);
      out->decoded_texts.emplace_back("office.field", target);
    }
  }
}

Result<OfficeAnalysis> AnalyzeOffice(ByteSpan data, const OfficeLimits& limits) {
  KENSA_ASSIGN_OR_RETURN(ole::CompoundFile file, ole::CompoundFile::Open(data));
  OfficeAnalysis out;
  out.anomalies = file.anomalies();
  auto& info = out.info;

  std::uint32_t streams = 0;
  for (const auto& entry : file.entries()) {
    if (entry.type == ole::EntryType::kStream) ++streams;
  }
  info.set_stream_count(streams);

  const ole::DocumentMetadata meta = ole::ReadDocumentMetadata(file, &out.anomalies);
  auto* metadata = info.mutable_metadata();
  metadata->set_code_page(meta.code_page);
  metadata->set_title(meta.title);
  metadata->set_author(meta.author);
  metadata->set_last_saved_by(meta.last_saved_by);
  metadata->set_template_(meta.template_name);
  metadata->set_created(Rfc3339(meta.created));
  metadata->set_last_saved(Rfc3339(meta.last_saved));
  metadata->set_application(meta.application_name);
  metadata->set_company(meta.company);

  if (const std::string reason = EncryptionReason(file); !reason.empty()) {
    info.set_encrypted(true);
    AddAnomaly(&out, "office_encrypted", reason);
  }

  auto projects = ole::ExtractVba(file);
  if (!projects) return projects.error();
  // PowerPoint 97-2003 keeps its VBA project as a compound file zlib-compressed in an
  // ExOleObjStg record of the "PowerPoint Document" stream ([MS-PPT] 2.10.34), not as storages.
  ole::PptStorages ppt = ole::ReadPptStorages(file);
  for (auto& anomaly : ppt.anomalies) out.anomalies.push_back(std::move(anomaly));
  for (const ole::PptStorage& storage : ppt.storages) {
    if (!storage.vba_project) continue;
    const std::string path = "PowerPoint Document/VbaProjectStg";
    auto inner = ole::CompoundFile::Open(storage.data);
    if (!inner) {
      AddAnomaly(&out, "ppt_vba_storage_invalid", path + ": " + inner.error().message());
      continue;
    }
    for (auto& anomaly : inner->anomalies()) out.anomalies.push_back(anomaly);
    auto inner_projects = ole::ExtractVba(*inner);
    if (!inner_projects) return inner_projects.error();
    for (auto& project : *inner_projects) {
      project.storage_path =
          project.storage_path.empty() ? path : path + "/" + project.storage_path;
      projects->push_back(std::move(project));
    }
  }
  for (auto& project : *projects) {
    for (auto& anomaly : project.anomalies) out.anomalies.push_back(std::move(anomaly));
    for (auto& module : project.modules) {
      if (static_cast<std::size_t>(info.vba_modules_size()) >= limits.max_modules) break;
      auto* kept = info.add_vba_modules();
      kept->set_name(module.name);
      kept->set_stream_name(module.stream_name);
      kept->set_project_path(project.storage_path);
      kept->set_source_size(module.source.size());
      kept->set_pcode_size(module.pcode_size);
      const std::string_view bounded = Utf8Prefix(module.source, limits.max_source_bytes);
      kept->set_source(std::string(bounded));
      kept->set_source_truncated(bounded.size() < module.source.size());
      for (auto& finding : ScanVbaSource(module.source, limits.max_findings_per_module)) {
        *kept->add_findings() = std::move(finding);
      }
      // VBA stomping ([MS-OVBA] 2.3.4.2.3.2.5 MODULEOFFSET): Office runs the p-code when its
      // version matches, so a tool can blank the source and keep the behaviour.
      if (module.stream_found && module.pcode_size > kEmptyModuleMaxPcode &&
          VbaSourceIsOnlyAttributes(module.source)) {
        AddAnomaly(&out, "vba_source_stripped_pcode_present",
                   "module " + module.name + ": " + std::to_string(module.pcode_size) +
                       " bytes of p-code, no source beyond attributes");
      }
      out.module_sources.push_back(std::move(module.source));
    }
  }
  AnalyzeWordFields(file, limits, &out);
  return out;
}

}  // namespace kensa::static_analysis
