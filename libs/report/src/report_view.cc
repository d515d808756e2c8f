#include "report_view.h"

#include <algorithm>
#include <map>
#include <set>

#include "catalog.h"
#include "kensa/core/bytes.h"

namespace kensa::report::internal {
namespace {

using analysis::v1::IndicatorType;

// Display order of indicator types: what a responder blocks or hunts first.
constexpr IndicatorType kIndicatorOrder[] = {
    analysis::v1::INDICATOR_TYPE_URL,          analysis::v1::INDICATOR_TYPE_DOMAIN,
    analysis::v1::INDICATOR_TYPE_IPV4,         analysis::v1::INDICATOR_TYPE_IPV6,
    analysis::v1::INDICATOR_TYPE_EMAIL,        analysis::v1::INDICATOR_TYPE_USER_AGENT,
    analysis::v1::INDICATOR_TYPE_MUTEX,        analysis::v1::INDICATOR_TYPE_REGISTRY_KEY,
    analysis::v1::INDICATOR_TYPE_FILE_PATH,    analysis::v1::INDICATOR_TYPE_COMMAND_LINE,
    analysis::v1::INDICATOR_TYPE_SHA256,
};

std::size_t OrderOf(IndicatorType type) {
  for (std::size_t i = 0; i < std::size(kIndicatorOrder); ++i) {
    if (kIndicatorOrder[i] == type) return i;
  }
  return std::size(kIndicatorOrder);  // unspecified and future types last
}

// The function part of an evidence value naming an import: "kernel32.dll!VirtualAllocEx",
// "kernel32.VirtualAllocEx" and "VirtualAllocEx" all give "virtualallocex".
std::string ImportFunctionKey(std::string_view value) {
  const auto cut = value.find_last_of("!:.");
  if (cut != std::string_view::npos) value = value.substr(cut + 1);
  return AsciiLower(value);
}

}  // namespace

const sample::v1::Sample& ReportSample(const report::v1::Report& report) {
  const auto& submitted = report.submission().sample();
  if (!submitted.hashes().sha256().empty() || !report.static_result().has_sample()) {
    return submitted;
  }
  return report.static_result().sample();
}

std::vector<const analysis::v1::Indicator*> ReportIndicators(const report::v1::Report& report) {
  const auto& source = report.indicators().empty() ? report.static_result().indicators()
                                                   : report.indicators();
  std::vector<const analysis::v1::Indicator*> out;
  out.reserve(static_cast<std::size_t>(source.size()));
  for (const auto& indicator : source) out.push_back(&indicator);
  return out;
}

bool IsNetworkIndicator(IndicatorType type) {
  return type == analysis::v1::INDICATOR_TYPE_URL || type == analysis::v1::INDICATOR_TYPE_DOMAIN ||
         type == analysis::v1::INDICATOR_TYPE_IPV4 || type == analysis::v1::INDICATOR_TYPE_IPV6;
}

std::vector<const analysis::v1::Signature*> SignaturesBySeverity(
    const report::v1::Report& report) {
  std::vector<const analysis::v1::Signature*> all;
  // Behaviour and memory-YARA signatures of a dynamic run count like static ones (the score
  // already does); without them the score explanation would name signatures listed nowhere.
  for (const auto& signature : report.static_result().signatures()) all.push_back(&signature);
  for (const auto& signature : report.sandbox_result().signatures()) all.push_back(&signature);
  for (const auto& child : report.children()) {
    for (const auto& signature : child.static_result().signatures()) all.push_back(&signature);
    for (const auto& signature : child.sandbox_result().signatures()) all.push_back(&signature);
  }
  std::stable_sort(all.begin(), all.end(), [](const auto* a, const auto* b) {
    return a->severity() > b->severity();
  });
  std::vector<const analysis::v1::Signature*> out;
  std::set<std::string> names;
  for (const auto* signature : all) {
    if (names.insert(signature->name()).second) out.push_back(signature);
  }
  return out;
}

std::string SignatureFile(const report::v1::Report& report, const analysis::v1::Signature* signature) {
  for (const auto& child : report.children()) {
    for (const auto& candidate : child.static_result().signatures()) {
      if (&candidate == signature) return child.submission().sample().file_name();
    }
    for (const auto& candidate : child.sandbox_result().signatures()) {
      if (&candidate == signature) return child.submission().sample().file_name();
    }
  }
  return {};
}

std::vector<ChildView> ChildrenInTreeOrder(const report::v1::Report& report) {
  // Children arrive sorted by id; ids are "<parent>-<index>", so sorting by the numeric path
  // below the root gives each file followed by its own children.
  std::vector<std::pair<std::vector<std::uint64_t>, const report::v1::ChildResult*>> keyed;
  const std::string& root = report.submission().id();
  for (const auto& child : report.children()) {
    std::vector<std::uint64_t> path;
    const std::string& id = child.submission().id();
    std::size_t position = id.rfind(root, 0) == 0 ? root.size() : 0;
    while (position < id.size() && id[position] == '-') {
      std::size_t end = position + 1;
      std::uint64_t value = 0;
      while (end < id.size() && id[end] >= '0' && id[end] <= '9' && end - position < 12) {
        value = value * 10 + static_cast<std::uint64_t>(id[end] - '0');
        ++end;
      }
      path.push_back(value);
      position = end;
    }
    keyed.emplace_back(std::move(path), &child);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ChildView> out;
  for (const auto& [path, child] : keyed) {
    ChildView view;
    view.child = child;
    view.depth = std::max<std::uint32_t>(1, child->submission().depth());
    for (const auto& signature : child->static_result().signatures()) view.signatures.push_back(&signature);
    for (const auto& signature : child->sandbox_result().signatures()) {
      view.signatures.push_back(&signature);
    }
    std::stable_sort(view.signatures.begin(), view.signatures.end(),
                     [](const auto* a, const auto* b) { return a->severity() > b->severity(); });
    out.push_back(std::move(view));
  }
  return out;
}

std::string ContributionReason(const report::v1::ScoreContribution& contribution, Language lang) {
  if (contribution.severity() == analysis::v1::SEVERITY_UNSPECIFIED) return contribution.reason();
  return std::string(Tr(Msg::kSeverity, lang)) + ": " +
         std::string(SeverityName(contribution.severity(), lang));
}

const std::string& SignatureDescription(const analysis::v1::Signature& signature,
                                        Language lang) {
  if (lang == Language::kJapanese && !signature.description_ja().empty()) {
    return signature.description_ja();
  }
  return signature.description();
}

std::vector<IndicatorGroup> GroupIndicators(const report::v1::Report& report,
                                            std::size_t max_shown) {
  std::map<std::size_t, IndicatorGroup> by_order;
  for (const auto* indicator : ReportIndicators(report)) {
    const std::size_t order = OrderOf(indicator->type());
    auto [it, inserted] = by_order.try_emplace(order);
    if (inserted) it->second.type = indicator->type();
    it->second.items.push_back(indicator);
  }
  std::vector<IndicatorGroup> groups;
  for (auto& [order, group] : by_order) groups.push_back(std::move(group));

  // Round-robin: one more to each group that still has some, until the budget is spent.
  std::size_t budget = max_shown;
  bool progress = true;
  while (budget > 0 && progress) {
    progress = false;
    for (IndicatorGroup& group : groups) {
      if (budget == 0) break;
      if (group.shown < group.items.size()) {
        ++group.shown;
        --budget;
        progress = true;
      }
    }
  }
  return groups;
}

std::vector<std::string> SuspiciousImports(const report::v1::Report& report) {
  std::set<std::string> named;
  for (const auto& signature : report.static_result().signatures()) {
    for (const auto& evidence : signature.evidence()) {
      if (evidence.kind() == "import") named.insert(ImportFunctionKey(evidence.value()));
    }
  }
  std::vector<std::string> out;
  if (named.empty()) return out;
  for (const auto& import : report.static_result().pe().imports()) {
    for (const auto& function : import.functions()) {
      if (function.name().empty() || !named.count(AsciiLower(function.name()))) continue;
      std::string entry = import.dll() + "!" + function.name();
      if (std::find(out.begin(), out.end(), entry) == out.end()) out.push_back(std::move(entry));
    }
  }
  return out;
}

std::vector<LanguageCount> ResourceLanguages(const analysis::v1::PeInfo& pe) {
  std::map<std::string, std::size_t> counts;
  for (const auto& resource : pe.resources()) {
    std::string name = resource.language();
    if (name.empty()) {
      char buffer[16];
      std::snprintf(buffer, sizeof(buffer), "0x%04x", resource.language_id());
      name = buffer;
    }
    ++counts[name];
  }
  std::vector<LanguageCount> out;
  for (const auto& [language, count] : counts) out.push_back({language, count});
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });
  return out;
}

std::string FileTypeText(const sample::v1::FileType& type) {
  std::string codes = type.format();
  for (int i = 0; i < type.tags_size(); ++i) {
    codes += (i == 0 ? ": " : ", ");
    codes += type.tags(i);
  }
  if (type.description().empty()) return codes;
  if (codes.empty()) return type.description();
  return type.description() + " [" + codes + "]";
}

void AddReportIndicators(const report::v1::Report& report, FreeTextDefanger& defanger) {
  for (const auto* indicator : ReportIndicators(report)) {
    defanger.Add(indicator->type(), indicator->value());
  }
  for (const auto& indicator : report.static_result().indicators()) {
    defanger.Add(indicator.type(), indicator.value());
  }
  // What a dynamic run contacted appears in its events and behaviour signatures' evidence.
  for (const auto& indicator : report.sandbox_result().indicators()) {
    defanger.Add(indicator.type(), indicator.value());
  }
  for (const auto& child : report.children()) {
    for (const auto& indicator : child.sandbox_result().indicators()) {
      defanger.Add(indicator.type(), indicator.value());
    }
  }
}

}  // namespace kensa::report::internal
