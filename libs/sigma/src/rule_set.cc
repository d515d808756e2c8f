// Loading rule folders, indexing rules by channel, and matching events.

#include "kensa/sigma/rule_set.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "detection.h"
#include "kensa/core/bytes.h"
#include "kensa/core/file.h"
#include "rule_parser.h"

namespace kensa::sigma {
namespace {

// Rule folders hold a few thousand files; bounds a walk that strays into a huge tree.
constexpr std::size_t kMaxRuleFiles = 100000;


bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// Presents an event under the rule's field names (Sigma "Image" -> Security 4688
// "NewProcessName").
class RenamedView : public EventView {
 public:
  RenamedView(const EventView& inner, const std::map<std::string, std::string>& renames)
      : inner_(inner), renames_(renames) {}
  const std::string* Get(std::string_view field) const override {
    auto it = renames_.find(std::string(field));
    return inner_.Get(it == renames_.end() ? field : std::string_view(it->second));
  }
  void ForEachValue(const std::function<void(const std::string&)>& visit) const override {
    inner_.ForEachValue(visit);
  }

 private:
  const EventView& inner_;
  const std::map<std::string, std::string>& renames_;
};

bool SourceAdmits(const EventSource& source, const std::string* event_id) {
  if (source.event_ids.empty()) return true;
  return event_id != nullptr &&
         std::find(source.event_ids.begin(), source.event_ids.end(), *event_id) !=
             source.event_ids.end();
}

}  // namespace

Result<RuleSet> RuleSet::ParseRule(std::string_view yaml, const std::string& origin,
                                   const LogsourceMap& logsources) {
  Rule rule;
  Status status = internal::ParseRuleText(yaml, origin, logsources, &rule);
  if (!status.ok()) return status;
  RuleSet set;
  set.match_unmapped_ = logsources.size() == 0;
  set.rules_.push_back(std::move(rule));
  set.BuildIndex();
  return set;
}

Result<RuleSet> RuleSet::ParseRule(std::string_view yaml, const std::string& origin) {
  return ParseRule(yaml, origin, LogsourceMap());
}

Result<RuleSet> RuleSet::LoadDirectories(const std::vector<std::string>& dirs,
                                         std::vector<LoadMessage>* skipped,
                                         const LogsourceMap& logsources) {
  std::vector<std::string> files;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    std::filesystem::recursive_directory_iterator it(dir, ec);
    if (ec) return NotFoundError("cannot read rule folder " + dir + ": " + ec.message());
    for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return UnavailableError("error walking " + dir + ": " + ec.message());
      if (files.size() >= kMaxRuleFiles) {
        return ResourceExhaustedError("more than " + std::to_string(kMaxRuleFiles) +
                                      " rule files under " + dir);
      }
      const std::string extension = it->path().extension().string();
      if ((extension == ".yml" || extension == ".yaml") && it->is_regular_file(ec)) {
        files.push_back(it->path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());  // Same order, same results, on every host.
  RuleSet set;
  set.match_unmapped_ = logsources.size() == 0;
  for (const std::string& file : files) {
    auto data = ReadFileBounded(file, internal::kMaxRuleBytes);
    Rule rule;
    Status status = data ? internal::ParseRuleText(
                               std::string_view(reinterpret_cast<const char*>(data->data()),
                                                data->size()),
                               file, logsources, &rule)
                         : data.error();
    if (status.ok()) {
      set.rules_.push_back(std::move(rule));
    } else if (skipped != nullptr) {
      skipped->push_back({file, rule.id, status.message()});
    }
  }
  set.BuildIndex();
  return set;
}

Result<RuleSet> RuleSet::LoadDirectories(const std::vector<std::string>& dirs,
                                         std::vector<LoadMessage>* skipped) {
  return LoadDirectories(dirs, skipped, LogsourceMap());
}

const Rule* RuleSet::FindById(std::string_view id) const {
  for (const Rule& rule : rules_) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

void RuleSet::Append(RuleSet&& other) {
  match_unmapped_ = match_unmapped_ && other.match_unmapped_;
  for (Rule& rule : other.rules_) rules_.push_back(std::move(rule));
  BuildIndex();
}

// Index key of a channel and an EventID ("" = any EventID).
std::string IndexKey(std::string_view channel, std::string_view event_id) {
  std::string key = AsciiLower(channel);
  key.push_back('\0');
  key.append(event_id);
  return key;
}

void RuleSet::BuildIndex() {
  by_channel_.clear();
  unconstrained_.clear();
  unmapped_count_ = 0;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].sources.empty()) {
      if (match_unmapped_) {
        unconstrained_.push_back(i);
      } else {
        ++unmapped_count_;
      }
      continue;
    }
    std::vector<std::string> keys;
    for (const EventSource& source : rules_[i].sources) {
      if (source.event_ids.empty()) keys.push_back(IndexKey(source.channel, ""));
      for (const std::string& id : source.event_ids) keys.push_back(IndexKey(source.channel, id));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const std::string& key : keys) by_channel_[key].push_back(i);
  }
}

void Match(const RuleSet& rules, const EventView& event,
           const std::function<void(const Rule&)>& on_match) {
  internal::LowerCache cache;
  for (std::size_t index : rules.unconstrained_) {
    const Rule& rule = rules.rules_[index];
    if (internal::Evaluate(*rule.detection, event, &cache)) on_match(rule);
  }
  const std::string* channel = event.Get("Channel");
  if (channel == nullptr) return;
  const std::string* event_id = event.Get("EventID");
  // Rules pinned to this EventID of the channel, then rules taking any EventID of it.
  const bool has_id = event_id != nullptr && !event_id->empty();
  for (int pass = 0; pass < (has_id ? 2 : 1); ++pass) {
    const bool pinned_pass = has_id && pass == 0;
    auto it = rules.by_channel_.find(IndexKey(*channel, pinned_pass ? *event_id : ""));
    if (it == rules.by_channel_.end()) continue;
    for (std::size_t index : it->second) {
      const Rule& rule = rules.rules_[index];
      const bool seen_in_pinned_pass =
          !pinned_pass && has_id &&
          std::any_of(rule.sources.begin(), rule.sources.end(), [&](const EventSource& s) {
            return !s.event_ids.empty() && EqualsIgnoreCase(s.channel, *channel) &&
                   SourceAdmits(s, event_id);
          });
      if (seen_in_pinned_pass) continue;
      for (const EventSource& source : rule.sources) {
        if (!EqualsIgnoreCase(source.channel, *channel) || !SourceAdmits(source, event_id)) {
          continue;
        }
        const RenamedView view(event, source.field_renames);
        if (internal::Evaluate(*rule.detection, view, &cache)) {
          on_match(rule);
          break;
        }
      }
    }
  }
}

}  // namespace kensa::sigma
