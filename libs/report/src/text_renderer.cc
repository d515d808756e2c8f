// The terminal summary. Everything the sample controls passes through Neutralize (and
// indicators through Defang) before it is written; colour is added after padding so that
// column widths are computed on visible text only.

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "behavior_view.h"
#include "catalog.h"
#include "display.h"
#include "document_view.h"
#include "kensa/indicators/defang.h"
#include "kensa/report/render.h"
#include "recommendations.h"
#include "report_view.h"

namespace kensa::report {
namespace {

using internal::Msg;

// Lines stay within this many columns; longer values wrap.
constexpr std::size_t kLineWidth = 100;
// Section rules are drawn to this width: what an 80-column terminal shows without wrapping.
constexpr std::size_t kRuleWidth = 80;
// Evidence items listed under each signature (the rest are counted).
constexpr std::size_t kMaxEvidencePerSignature = 3;
// A score explanation longer than a screen is not read; the JSON has every contribution.
constexpr std::size_t kMaxContributions = 40;
// PE files may declare up to 96 sections (PE/COFF spec §3.3); a summary shows the first ones.
constexpr std::size_t kMaxSections = 40;
constexpr std::size_t kMaxSuspiciousImports = 12;
constexpr std::size_t kMaxResourceLanguages = 10;
constexpr std::size_t kMaxYaraMatches = 20;
constexpr std::size_t kMaxYaraStringsPerMatch = 3;
constexpr std::size_t kMaxAnomalies = 30;
// An archive may hold hundreds of files; the JSON report has them all.
constexpr std::size_t kMaxChildren = 50;
constexpr std::size_t kMaxChildSignatures = 5;
constexpr std::size_t kMaxErrors = 20;
constexpr std::size_t kMaxVotes = 5;
// In behaviour tables the first column (operation, sequence number, address) is padded so the
// rest lines up, unless it is wider than this (paths, rule names): then rows are written as is.
constexpr std::size_t kMaxPaddedColumn = 20;

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kBold = "\x1b[1m";

std::string_view LevelColor(report::v1::Level level) {
  switch (level) {
    case report::v1::LEVEL_CLEAN:
      return "\x1b[1;32m";
    case report::v1::LEVEL_LOW:
      return "\x1b[1;36m";
    case report::v1::LEVEL_SUSPICIOUS:
      return "\x1b[1;33m";
    case report::v1::LEVEL_MALICIOUS:
      return "\x1b[1;31m";
    case report::v1::LEVEL_CRITICAL:
      return "\x1b[1;97;41m";
    default:
      return "\x1b[1m";
  }
}

std::string_view SeverityColor(analysis::v1::Severity severity) {
  switch (severity) {
    case analysis::v1::SEVERITY_CRITICAL:
      return "\x1b[1;35m";
    case analysis::v1::SEVERITY_HIGH:
      return "\x1b[31m";
    case analysis::v1::SEVERITY_MEDIUM:
      return "\x1b[33m";
    case analysis::v1::SEVERITY_LOW:
      return "\x1b[36m";
    default:
      return "\x1b[2m";
  }
}

std::string SignedPoints(int points) {
  return (points >= 0 ? "+" : "") + std::to_string(points);
}

class TextRenderer {
 public:
  TextRenderer(const report::v1::Report& report, Language lang, const TextOptions& options)
      : report_(report), lang_(lang), options_(options) {
    internal::AddReportIndicators(report_, defanger_);
  }

  std::string Render() {
    Header();
    Verdict();
    Actions();
    ScoreExplanation();
    Signatures();
    FilesInside();
    Indicators();
    Behaviour();
    Documents();
    Pe();
    Yara();
    Anomalies();
    Errors();
    return std::move(out_);
  }

 private:
  std::string_view T(Msg id) const { return internal::Tr(id, lang_); }
  std::string More(std::size_t count) const {
    return internal::TrFormat(Msg::kMore, lang_, {std::to_string(count)});
  }
  std::string Color(std::string_view text, std::string_view color) const {
    if (!options_.color) return std::string(text);
    return std::string(color) + std::string(text) + std::string(kReset);
  }
  // Sample-controlled free text: known indicators defanged, controls made visible.
  std::string Clean(std::string_view text) const {
    return internal::Neutralize(defanger_.Defang(text));
  }

  void Line(std::string_view text = {}) {
    out_ += text;
    out_.push_back('\n');
  }

  void Heading(std::string_view title, std::size_t count, bool with_count) {
    std::string text = "-- " + std::string(title);
    if (with_count) text += " (" + std::to_string(count) + ")";
    text += " ";
    const std::size_t width = internal::DisplayWidth(text);
    if (width < kRuleWidth) text.append(kRuleWidth - width, '-');
    Line();
    Line(Color(text, kBold));
  }

  // `prefix` then `text` word-wrapped to the line width, continuation lines indented by the
  // prefix's width.
  void Wrapped(std::string_view prefix, std::string_view text, bool hard = false) {
    const std::size_t indent = internal::DisplayWidth(prefix);
    const std::size_t width = kLineWidth > indent + 20 ? kLineWidth - indent : 20;
    const auto lines = hard ? internal::HardWrap(text, width) : internal::WrapWords(text, width);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      Line((i == 0 ? std::string(prefix) : std::string(indent, ' ')) + lines[i]);
    }
  }

  // Label/value pairs with the labels padded to a common width: the widest of `all_labels`
  // (every label the block can have, so the layout does not move with what is present).
  void KeyValues(const std::vector<std::pair<std::string, std::string>>& rows,
                 std::string_view indent, std::initializer_list<Msg> all_labels) {
    std::size_t label_width = 0;
    for (const auto& [label, value] : rows) {
      label_width = std::max(label_width, internal::DisplayWidth(label));
    }
    for (const Msg label : all_labels) {
      label_width = std::max(label_width, internal::DisplayWidth(T(label)));
    }
    for (const auto& [label, value] : rows) {
      Wrapped(std::string(indent) + internal::PadRight(label, label_width + 2), value);
    }
  }

  void Header() {
    const auto& sample = internal::ReportSample(report_);
    Line(Color(T(Msg::kReportTitle), kBold));
    Line(std::string(kRuleWidth, '='));
    std::vector<std::pair<std::string, std::string>> rows;
    const auto add = [&](Msg label, const std::string& value) {
      if (!value.empty()) rows.emplace_back(std::string(T(label)), internal::Neutralize(value));
    };
    const auto add_hash = [&](std::string_view label, const std::string& value) {
      if (!value.empty()) rows.emplace_back(std::string(label), internal::Neutralize(value));
    };
    add(Msg::kFileName, sample.file_name());
    rows.emplace_back(std::string(T(Msg::kSize)),
                      internal::TrFormat(Msg::kBytes, lang_,
                                         {internal::GroupThousands(sample.size())}) +
                          " (" + internal::HumanSize(sample.size()) + ")");
    add(Msg::kFileType, internal::FileTypeText(sample.file_type()));
    add_hash("SHA-256", sample.hashes().sha256());
    add_hash("MD5", sample.hashes().md5());
    add_hash("SHA-1", sample.hashes().sha1());
    add_hash("Imphash", sample.hashes().imphash());
    add_hash("ssdeep", sample.hashes().ssdeep());
    add_hash("TLSH", sample.hashes().tlsh());
    add(Msg::kSubmissionId, report_.submission().id());
    std::string generated = report_.generated_at();
    if (!report_.generator().empty()) {
      generated += (generated.empty() ? "" : " / ") + report_.generator();
    }
    add(Msg::kGeneratedAt, generated);
    KeyValues(rows, "",
              {Msg::kFileName, Msg::kSize, Msg::kFileType, Msg::kSubmissionId,
               Msg::kGeneratedAt});
  }

  void Verdict() {
    const auto& verdict = report_.verdict();
    const std::string level(internal::LevelName(verdict.level(), lang_));
    const std::string none(T(Msg::kNone));
    std::string line = std::string(T(Msg::kRiskLevel)) + ": " + level + " | " +
                       std::string(T(Msg::kScore)) + ": " + std::to_string(verdict.score()) +
                       "/100 | " + std::string(T(Msg::kMalwareType)) + ": " +
                       (verdict.malware_type().empty()
                            ? none
                            : internal::Neutralize(
                                  internal::MalwareTypeName(verdict.malware_type(), lang_))) +
                       " | " + std::string(T(Msg::kFamily)) + ": " +
                       (verdict.family().empty() ? none : internal::Neutralize(verdict.family()));
    Line();
    const auto lines = internal::WrapWords(line, kLineWidth);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string text = lines[i];
      // Colour the level where it appears (on the first line, right after the label).
      if (i == 0 && options_.color) {
        const auto at = text.find(level);
        if (at != std::string::npos) {
          text = text.substr(0, at) + Color(level, LevelColor(verdict.level())) +
                 text.substr(at + level.size());
        }
      }
      Line(text);
    }
  }

  void Actions() {
    const auto actions = internal::RecommendedActions(report_);
    Heading(T(Msg::kRecommendedActions), 0, false);
    for (std::size_t i = 0; i < actions.size(); ++i) {
      Wrapped("  " + std::to_string(i + 1) + ". ", internal::ActionText(actions[i], lang_));
    }
  }

  void ScoreExplanation() {
    const auto& verdict = report_.verdict();
    Heading(T(Msg::kScoreExplanation), 0, false);
    if (verdict.contributions().empty()) {
      Line("  " + std::string(T(Msg::kNoContributions)));
    }
    std::size_t name_width = 0;
    for (const auto& c : verdict.contributions()) {
      name_width =
          std::max(name_width, internal::DisplayWidth(internal::Neutralize(c.signature())));
    }
    name_width = std::min<std::size_t>(name_width, 40);
    std::size_t shown = 0;
    for (const auto& c : verdict.contributions()) {
      if (shown == kMaxContributions) break;
      ++shown;
      std::string prefix = "  " + internal::PadLeft(SignedPoints(c.points()), 4) + "  " +
                           internal::PadRight(internal::Elide(internal::Neutralize(c.signature()),
                                                              name_width),
                                              name_width);
      if (c.reason().empty() && c.severity() == analysis::v1::SEVERITY_UNSPECIFIED) {
        Line(prefix);
      } else {
        Wrapped(prefix + "  ", Clean(internal::ContributionReason(c, lang_)));
      }
    }
    const auto total = static_cast<std::size_t>(verdict.contributions_size());
    if (total > shown) Line("        " + More(total - shown));
    if (!verdict.model_version().empty()) {
      Line("  " + internal::TrFormat(Msg::kScoringModel, lang_,
                                     {internal::Neutralize(verdict.model_version())}));
    }
    std::string votes;
    std::size_t vote_count = 0;
    for (const auto& vote : verdict.malware_type_votes()) {
      if (vote.type() == verdict.malware_type()) continue;
      if (vote_count == kMaxVotes) break;
      ++vote_count;
      if (!votes.empty()) votes += ", ";
      votes += internal::Neutralize(internal::MalwareTypeName(vote.type(), lang_)) + " (" +
               std::to_string(vote.weight()) + ")";
    }
    if (!votes.empty()) Wrapped("  " + std::string(T(Msg::kOtherCandidates)) + ": ", votes);
  }

  void Signatures() {
    const auto signatures = internal::SignaturesBySeverity(report_);
    Heading(T(Msg::kSignatures), signatures.size(), true);
    if (signatures.empty()) {
      Line("  " + std::string(T(Msg::kNoSignatures)));
      return;
    }
    // Tags padded to the widest severity name of the language, so names line up.
    std::size_t tag_width = 0;
    for (int s = analysis::v1::SEVERITY_INFO; s <= analysis::v1::SEVERITY_CRITICAL; ++s) {
      tag_width = std::max(tag_width, internal::DisplayWidth(internal::SeverityName(
                                          static_cast<analysis::v1::Severity>(s), lang_)));
    }
    const std::string body_indent(tag_width + 5, ' ');
    std::size_t shown = 0;
    for (const auto* signature : signatures) {
      if (shown == options_.max_signatures) break;
      ++shown;
      const std::string tag =
          "[" + internal::PadRight(internal::SeverityName(signature->severity(), lang_),
                                   tag_width) +
          "]";
      std::string head = internal::Neutralize(signature->name());
      if (!signature->family().empty()) {
        head += " (" + internal::Neutralize(signature->family()) + ")";
      }
      if (!signature->attack_techniques().empty()) {
        std::string ids;
        for (const auto& id : signature->attack_techniques()) {
          ids += (ids.empty() ? "" : ", ") + internal::Neutralize(id);
        }
        head += "  " + std::string(T(Msg::kAttack)) + " " + ids;
      }
      const auto head_lines = internal::WrapWords(head, kLineWidth - body_indent.size());
      for (std::size_t i = 0; i < head_lines.size(); ++i) {
        Line((i == 0 ? "  " + Color(tag, SeverityColor(signature->severity())) + " "
                     : body_indent) +
             head_lines[i]);
      }
      if (const std::string file = internal::SignatureFile(report_, signature); !file.empty()) {
        Line(body_indent + std::string(T(Msg::kFoundIn)) + ": " +
             internal::Elide(Clean(file), kLineWidth - body_indent.size() - 12));
      }
      const std::string& description = internal::SignatureDescription(*signature, lang_);
      if (!description.empty()) Wrapped(body_indent, Clean(description));
      std::size_t evidence_shown = 0;
      for (const auto& evidence : signature->evidence()) {
        if (evidence_shown == kMaxEvidencePerSignature) break;
        ++evidence_shown;
        std::string item = Clean(evidence.kind()) + ": " + Clean(evidence.value());
        if (evidence.has_offset()) item += " @" + internal::HexNumber(evidence.offset());
        Line(body_indent + "- " + internal::Elide(item, kLineWidth - body_indent.size() - 2));
      }
      const auto evidence_total = static_cast<std::size_t>(signature->evidence_size());
      if (evidence_total > evidence_shown) {
        Line(body_indent + "  " + More(evidence_total - evidence_shown));
      }
    }
    if (signatures.size() > shown) Line("  " + More(signatures.size() - shown));
  }

  // The files extracted from the sample (archive members...), each with its type, hash and most
  // severe signatures, indented by depth. Shown only when there are any.
  void FilesInside() {
    if (report_.children().empty()) return;
    const auto children = internal::ChildrenInTreeOrder(report_);
    Heading(T(Msg::kFilesInside), children.size(), true);
    std::size_t shown = 0;
    for (const auto& view : children) {
      if (shown == kMaxChildren) break;
      ++shown;
      const auto& submission = view.child->submission();
      const std::string indent(2 * view.depth, ' ');
      const auto& sample = view.child->static_result().has_sample() ? view.child->static_result().sample()
                                                                     : submission.sample();
      Line(indent + internal::Elide(Clean(submission.sample().file_name()), kLineWidth - indent.size()));
      const std::string detail = indent + "  ";
      std::string facts = internal::FileTypeText(sample.file_type());
      facts += (facts.empty() ? "" : ", ") + internal::HumanSize(submission.sample().size());
      Line(detail + facts);
      Line(detail + "SHA-256 " + submission.sample().hashes().sha256());
      if (submission.state() == sample::v1::SUBMISSION_STATE_FAILED) {
        Line(detail + std::string(T(Msg::kAnalysisFailed)) + ": " + Clean(submission.failure_reason()));
      }
      std::size_t listed = 0;
      for (const auto* signature : view.signatures) {
        if (signature->severity() <= analysis::v1::SEVERITY_INFO || listed == kMaxChildSignatures) continue;
        ++listed;
        Line(detail + "[" + std::string(internal::SeverityName(signature->severity(), lang_)) + "] " +
             internal::Neutralize(signature->name()));
      }
    }
    if (children.size() > shown) Line("  " + More(children.size() - shown));
  }

  void Indicators() {
    const auto groups = internal::GroupIndicators(report_, options_.max_indicators);
    std::size_t total = 0;
    std::size_t shown = 0;
    for (const auto& group : groups) {
      total += group.items.size();
      shown += group.shown;
    }
    Heading(T(Msg::kIndicators), total, true);
    if (total == 0) {
      Line("  " + std::string(T(Msg::kNoIndicators)));
      return;
    }
    Wrapped("  ", T(Msg::kDefangNote));
    if (shown < total) {
      Line("  " + internal::TrFormat(Msg::kShownOf, lang_,
                                     {std::to_string(shown), std::to_string(total)}));
    }
    for (const auto& group : groups) {
      Line("  " + Color(std::string(internal::IndicatorTypeName(group.type, lang_)) + " (" +
                            std::to_string(group.items.size()) + ")",
                        kBold));
      for (std::size_t i = 0; i < group.shown; ++i) {
        const auto* indicator = group.items[i];
        // Never elided: an indicator is copied into block lists, so it wraps whole.
        Wrapped("    ", internal::Neutralize(indicators::Defang(indicator->type(),
                                                                 indicator->value())),
                true);
      }
      if (group.items.size() > group.shown) Line("    " + More(group.items.size() - group.shown));
    }
  }

  // What the document, shortcut and script analyzers found, one block per file
  // (document_view.h chooses the rows). A label repeated on consecutive rows is written once.
  void Documents() {
    for (const auto& block : internal::DocumentFacts(report_, lang_)) {
      Heading(T(block.title), 0, false);
      std::vector<std::pair<std::string, std::string>> rows;
      if (!block.file.empty()) rows.emplace_back(std::string(T(Msg::kFileName)), Clean(block.file));
      const internal::FactRow* previous = nullptr;
      for (const auto& row : block.rows) {
        const bool repeated = previous != nullptr && previous->label == row.label;
        rows.emplace_back(repeated ? std::string() : std::string(T(row.label)), Clean(row.value));
        previous = &row;
      }
      KeyValues(rows, "  ", {Msg::kFileName});
    }
  }

  // What the sample did when it was run, one block per file that has a sandbox result
  // (behavior_view.h chooses, bounds and defangs the rows).
  void Behaviour() {
    for (const auto& block : internal::BehaviorBlocks(report_, lang_)) {
      Heading(T(Msg::kSectionBehaviour), 0, false);
      std::vector<std::pair<std::string, std::string>> rows;
      if (!block.file.empty()) {
        rows.emplace_back(std::string(T(Msg::kFileName)), internal::Neutralize(block.file));
      }
      for (const auto& row : block.summary) {
        rows.emplace_back(std::string(T(row.label)), internal::Neutralize(row.value));
      }
      KeyValues(rows, "  ", {Msg::kFileName});
      if (!block.ran) {
        Wrapped("  ", internal::Neutralize(block.not_run_line));
        continue;
      }
      if (block.nothing_observed) Wrapped("  ", T(Msg::kNoBehaviour));
      for (const auto& table : block.tables) BehaviourTable(table);
      if (!block.console_lines.empty()) {
        Line();
        Line("  " + Color(T(Msg::kConsoleOutput), kBold));
        for (const auto& line : block.console_lines) {
          if (line.empty()) {
            Line("    |");
          } else {
            Wrapped("    | ", internal::Neutralize(line), true);
          }
        }
        if (block.console_more_lines > 0) Line("    " + More(block.console_more_lines));
      }
    }
  }

  void BehaviourTable(const internal::BehaviorTable& table) {
    Line();
    Line("  " +
         Color(std::string(T(table.title)) + " (" + std::to_string(table.total) + ")", kBold));
    std::size_t first_width = 0;
    for (const auto& row : table.rows) {
      if (row.empty()) continue;
      first_width = std::max(first_width, internal::DisplayWidth(internal::Neutralize(row[0])));
    }
    const bool pad = first_width <= kMaxPaddedColumn;
    const bool right = !table.columns.empty() && table.columns[0].numeric;
    for (const auto& row : table.rows) {
      if (row.empty()) continue;
      std::string first = internal::Neutralize(row[0]);
      std::string rest;
      for (std::size_t i = 1; i < row.size(); ++i) {
        if (!row[i].empty()) rest += (rest.empty() ? "" : "  ") + internal::Neutralize(row[i]);
      }
      if (pad) {
        first =
            right ? internal::PadLeft(first, first_width) : internal::PadRight(first, first_width);
        if (rest.empty()) {
          Line("    " + first);
        } else {
          Wrapped("    " + first + "  ", rest);
        }
      } else {
        Wrapped("    ", rest.empty() ? first : first + "  " + rest);
      }
    }
    if (table.total > table.rows.size()) Line("    " + More(table.total - table.rows.size()));
  }

  void Pe() {
    if (!report_.static_result().has_pe()) return;
    const auto& pe = report_.static_result().pe();
    Heading(T(Msg::kPeSummary), 0, false);
    std::vector<std::pair<std::string, std::string>> rows;
    const auto add = [&](Msg label, std::string value) {
      if (!value.empty()) rows.emplace_back(std::string(T(label)), std::move(value));
    };
    std::string kind = internal::TrFormat(
        Msg::kPeKind, lang_,
        {T(pe.is_64bit() ? Msg::kBits64 : Msg::kBits32),
         T(pe.is_driver() ? Msg::kDriver : pe.is_dll() ? Msg::kDll : Msg::kExecutable)});
    if (pe.is_dotnet()) kind += std::string(T(Msg::kListSeparator)) + std::string(T(Msg::kDotNet));
    add(Msg::kMachine, internal::Neutralize(pe.machine()) + " (" + kind + ")");
    add(Msg::kSubsystem, internal::Neutralize(pe.subsystem()));
    std::string compiled = internal::Neutralize(pe.compile_time());
    if (pe.timestamp() != 0) {
      compiled += (compiled.empty() ? "" : " ") + std::string("(") +
                  internal::HexNumber(pe.timestamp()) + ")";
    }
    add(Msg::kCompileTime, compiled);
    std::string entry = internal::HexNumber(pe.entry_point());
    if (!pe.entry_section().empty()) {
      entry += " (" + internal::Neutralize(pe.entry_section()) + ")";
    }
    add(Msg::kEntryPoint, entry);
    std::size_t functions = 0;
    for (const auto& import : pe.imports()) {
      functions += static_cast<std::size_t>(import.functions_size());
    }
    add(Msg::kImports,
        internal::TrFormat(Msg::kImportsSummary, lang_,
                           {std::to_string(pe.imports_size()), std::to_string(functions)}));
    const auto suspicious = internal::SuspiciousImports(report_);
    if (!suspicious.empty()) {
      std::string list = internal::TrFormat(Msg::kSuspiciousImportsNote, lang_,
                                            {std::to_string(suspicious.size())}) +
                         ": ";
      for (std::size_t i = 0; i < suspicious.size() && i < kMaxSuspiciousImports; ++i) {
        list += (i == 0 ? "" : ", ") + internal::Neutralize(suspicious[i]);
      }
      if (suspicious.size() > kMaxSuspiciousImports) {
        list += " " + More(suspicious.size() - kMaxSuspiciousImports);
      }
      add(Msg::kSuspiciousImports, list);
    }
    const auto languages = internal::ResourceLanguages(pe);
    if (!languages.empty()) {
      std::string list;
      for (std::size_t i = 0; i < languages.size() && i < kMaxResourceLanguages; ++i) {
        list += (i == 0 ? "" : ", ") + internal::Neutralize(languages[i].language) + " x" +
                std::to_string(languages[i].count);
      }
      if (languages.size() > kMaxResourceLanguages) {
        list += " " + More(languages.size() - kMaxResourceLanguages);
      }
      add(Msg::kResourceLanguages, list);
    }
    const auto& strings = pe.version_info().strings();
    const auto version = [&](Msg label, const char* key) {
      const auto it = strings.find(key);
      if (it != strings.end()) add(label, Clean(it->second));
    };
    version(Msg::kCompanyName, "CompanyName");
    version(Msg::kProductName, "ProductName");
    version(Msg::kFileDescription, "FileDescription");
    version(Msg::kOriginalFilename, "OriginalFilename");
    std::string signature(T(pe.signature().present() ? Msg::kPresent : Msg::kAbsent));
    if (pe.signature().subjects_size() > 0) {
      signature += ": " + internal::Neutralize(pe.signature().subjects(0));
      if (pe.signature().subjects_size() > 1) {
        signature += " " + More(static_cast<std::size_t>(pe.signature().subjects_size() - 1));
      }
    }
    add(Msg::kAuthenticode, signature);
    if (pe.overlay_size() > 0) {
      add(Msg::kOverlay,
          internal::TrFormat(Msg::kOverlayValue, lang_,
                             {internal::TrFormat(Msg::kBytes, lang_,
                                                 {internal::GroupThousands(pe.overlay_size())}),
                              internal::HexNumber(pe.overlay_offset()),
                              internal::FixedPoint(pe.overlay_entropy(), 2)}));
    } else {
      add(Msg::kOverlay, std::string(T(Msg::kNone)));
    }
    if (pe.tls_callbacks_size() > 0) {
      add(Msg::kTlsCallbacks, std::to_string(pe.tls_callbacks_size()));
    }
    add(Msg::kPdbPath, Clean(pe.pdb_path()));
    KeyValues(rows, "  ",
              {Msg::kMachine, Msg::kSubsystem, Msg::kCompileTime, Msg::kEntryPoint, Msg::kImports,
               Msg::kSuspiciousImports, Msg::kResourceLanguages, Msg::kCompanyName,
               Msg::kProductName, Msg::kFileDescription, Msg::kOriginalFilename,
               Msg::kAuthenticode, Msg::kOverlay, Msg::kTlsCallbacks, Msg::kPdbPath});
    Sections(pe);
  }

  void Sections(const analysis::v1::PeInfo& pe) {
    if (pe.sections().empty()) return;
    Line();
    Line("  " + Color(std::string(T(Msg::kSections)) + " (" +
                          std::to_string(pe.sections_size()) + ")",
                      kBold));
    struct Column {
      Msg title;
      std::size_t width;
      bool right;
    };
    const Column columns[] = {{Msg::kName, 10, false},      {Msg::kVirtualAddress, 10, true},
                              {Msg::kVirtualSize, 10, true}, {Msg::kRawSize, 10, true},
                              {Msg::kEntropy, 7, true},      {Msg::kPermissions, 5, false}};
    const auto row = [&](const std::vector<std::string>& cells) {
      std::string line = "    ";
      for (std::size_t i = 0; i < cells.size(); ++i) {
        const std::size_t width =
            std::max(columns[i].width, internal::DisplayWidth(T(columns[i].title)));
        const std::string cell = internal::Elide(cells[i], width);
        line += columns[i].right ? internal::PadLeft(cell, width) : internal::PadRight(cell, width);
        line += "  ";
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      Line(line);
    };
    std::vector<std::string> titles;
    for (const Column& column : columns) titles.emplace_back(T(column.title));
    row(titles);
    std::size_t shown = 0;
    for (const auto& section : pe.sections()) {
      if (shown == kMaxSections) break;
      ++shown;
      row({internal::Neutralize(section.name()), internal::HexNumber(section.virtual_address()),
           internal::HexNumber(section.virtual_size()), internal::HexNumber(section.raw_size()),
           internal::FixedPoint(section.entropy(), 2),
           internal::Neutralize(section.permissions())});
    }
    if (static_cast<std::size_t>(pe.sections_size()) > shown) {
      Line("    " + More(static_cast<std::size_t>(pe.sections_size()) - shown));
    }
  }

  void Yara() {
    const auto& matches = report_.static_result().yara_matches();
    if (matches.empty()) return;
    Heading(T(Msg::kYaraMatches), static_cast<std::size_t>(matches.size()), true);
    std::size_t shown = 0;
    for (const auto& match : matches) {
      if (shown == kMaxYaraMatches) break;
      ++shown;
      std::string head = internal::Neutralize(match.rule());
      if (!match.namespace_().empty()) {
        head += " [" + internal::Neutralize(match.namespace_()) + "]";
      }
      if (!match.tags().empty()) {
        head += "  " + std::string(T(Msg::kTags)) + ":";
        for (const auto& tag : match.tags()) head += " " + internal::Neutralize(tag);
      }
      Wrapped("  ", head);
      std::size_t strings_shown = 0;
      for (const auto& string : match.strings()) {
        if (strings_shown == kMaxYaraStringsPerMatch) break;
        ++strings_shown;
        const std::string item = internal::Neutralize(string.identifier()) + " @" +
                                 internal::HexNumber(string.offset()) + ": " + Clean(string.data());
        Line("      " + internal::Elide(item, kLineWidth - 6));
      }
      const auto strings_total = static_cast<std::size_t>(match.strings_size());
      if (strings_total > strings_shown) Line("      " + More(strings_total - strings_shown));
    }
    if (static_cast<std::size_t>(matches.size()) > shown) {
      Line("  " + More(static_cast<std::size_t>(matches.size()) - shown));
    }
  }

  void Anomalies() {
    const auto& anomalies = report_.static_result().anomalies();
    if (anomalies.empty()) return;
    Heading(T(Msg::kAnomalies), static_cast<std::size_t>(anomalies.size()), true);
    std::size_t shown = 0;
    for (const auto& anomaly : anomalies) {
      if (shown == kMaxAnomalies) break;
      ++shown;
      std::string text = internal::Neutralize(anomaly.code());
      if (!anomaly.detail().empty()) text += ": " + Clean(anomaly.detail());
      Wrapped("  - ", text);
    }
    if (static_cast<std::size_t>(anomalies.size()) > shown) {
      Line("  " + More(static_cast<std::size_t>(anomalies.size()) - shown));
    }
  }

  void Errors() {
    const auto& errors = report_.static_result().errors();
    if (errors.empty()) return;
    Heading(T(Msg::kErrors), static_cast<std::size_t>(errors.size()), true);
    std::size_t shown = 0;
    for (const auto& error : errors) {
      if (shown == kMaxErrors) break;
      ++shown;
      Wrapped("  - ", Clean(error));
    }
    if (static_cast<std::size_t>(errors.size()) > shown) {
      Line("  " + More(static_cast<std::size_t>(errors.size()) - shown));
    }
  }

  const report::v1::Report& report_;
  Language lang_;
  TextOptions options_;
  internal::FreeTextDefanger defanger_;
  std::string out_;
};

}  // namespace

std::string RenderText(const report::v1::Report& report, Language lang,
                       const TextOptions& options) {
  return TextRenderer(report, lang, options).Render();
}

}  // namespace kensa::report
