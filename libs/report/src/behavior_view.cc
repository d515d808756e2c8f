#include "behavior_view.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string_view>
#include <utility>

#include "display.h"
#include "kensa/indicators/defang.h"
#include "report_view.h"

namespace kensa::report::internal {
namespace {

namespace av1 = analysis::v1;

// Blocks in one report: the sample's and those of the first files inside it that ran. The
// JSON report has every one.
constexpr std::size_t kMaxBlocks = 8;
// Rows per event table. A sample looping over the registry can record thousands of events;
// the first distinct ones tell the story and the JSON has the rest.
constexpr std::size_t kMaxRowsPerTable = 25;
// The head of the call trace: enough to see start-up end and the sample's own work begin.
constexpr std::size_t kMaxApiCalls = 40;
constexpr std::size_t kMaxUnmodelledApis = 15;
// A cell is cut at this many columns: command lines and HTTP bodies can be kilobytes.
constexpr std::size_t kMaxCellColumns = 240;
// Arguments of one API call; the call's name is never cut.
constexpr std::size_t kMaxArgumentColumns = 160;
// Console output: the first lines, each cut, read from at most this many bytes (the emulator
// keeps 64 KiB; a report is not the place for all of it).
constexpr std::size_t kMaxConsoleLines = 40;
constexpr std::size_t kMaxConsoleLineColumns = 200;
constexpr std::size_t kMaxConsoleBytes = 16 * 1024;

constexpr std::string_view kFileWriteOperations[] = {
    "create",           "write",         "delete", "copy", "move", "create_directory",
    "delete_directory", "set_attributes"};
constexpr std::string_view kRegistryWriteOperations[] = {"create_key", "set_value", "delete_value",
                                                         "delete_key"};

template <std::size_t N>
bool OneOf(std::string_view value, const std::string_view (&set)[N]) {
  return std::find(std::begin(set), std::end(set), value) != std::end(set);
}

bool AllOf(std::string_view text, std::string_view allowed) {
  if (text.empty()) return false;
  return text.find_first_not_of(allowed) == std::string_view::npos;
}

// A network event's target is a URL, "host:port", a host name or an address; each is
// defanged the way the indicator table shows it.
std::string DefangNetworkTarget(std::string_view target) {
  if (target.find("://") != std::string_view::npos) {
    return indicators::Defang(av1::INDICATOR_TYPE_URL, target);
  }
  std::string_view host = target;
  std::string_view port;
  const auto colon = target.rfind(':');
  if (colon != std::string_view::npos && target.find(':') == colon &&
      AllOf(target.substr(colon + 1), "0123456789")) {
    host = target.substr(0, colon);
    port = target.substr(colon);
  }
  av1::IndicatorType type = av1::INDICATOR_TYPE_DOMAIN;
  if (AllOf(host, "0123456789.")) {
    type = av1::INDICATOR_TYPE_IPV4;
  } else if (host.find(':') != std::string_view::npos) {
    type = av1::INDICATOR_TYPE_IPV6;
  }
  return indicators::Defang(type, host) + std::string(port);
}

// One row of an event table before bounding: repeats of the same event are merged and
// counted, so a loop cannot push everything else out of the table.
struct EventRow {
  std::string operation;
  std::string target;
  std::string details;
  std::size_t count = 0;
};

class Builder {
 public:
  Builder(const report::v1::Report& report, Language lang) : lang_(lang) {
    AddReportIndicators(report, defanger_);
  }

  BehaviorBlock Block(const av1::SandboxResult& result, const std::string& file) const {
    BehaviorBlock block;
    block.file = file;
    block.ran = result.ran();
    if (!result.ran()) {
      std::string reason = result.skip_reason().empty() ? "?" : Text(result.skip_reason());
      if (!result.backend().empty()) reason += " (" + Text(result.backend()) + ")";
      block.not_run_line = F(Msg::kNotRun, {reason});
      return block;
    }
    const auto& behavior = result.behavior();
    Summary(result, &block.summary);

    AddEvents(
        &block, Msg::kNetworkActivity, behavior.network_events(),
        [](const av1::NetworkEvent&) { return true; }, /*network=*/true);
    AddEvents(&block, Msg::kProcessActivity, behavior.process_events(),
              [](const av1::ProcessEvent&) { return true; });
    AddEvents(&block, Msg::kFileActivity, behavior.file_events(), [](const av1::FileEvent& event) {
      return OneOf(event.operation(), kFileWriteOperations);
    });
    DroppedFiles(behavior, &block);
    AddEvents(&block, Msg::kRegistryWrites, behavior.registry_events(),
              [](const av1::RegistryEvent& event) {
                return OneOf(event.operation(), kRegistryWriteOperations);
              });
    // Opening the service manager is what every service call starts with; it says nothing.
    AddEvents(&block, Msg::kServiceActivity, behavior.service_events(),
              [](const av1::ServiceEvent& event) { return event.operation() != "open_manager"; });
    AddEvents(&block, Msg::kMutexes, behavior.mutex_events(),
              [](const av1::MutexEvent&) { return true; });
    block.nothing_observed = block.tables.empty();
    ExecutedMemory(behavior, &block);
    ArtifactYara(result, &block);
    ApiCalls(behavior, &block);
    UnmodelledApis(behavior, &block);
    Console(behavior.console_output(), &block);
    return block;
  }

 private:
  std::string F(Msg id, std::initializer_list<std::string_view> args) const {
    return TrFormat(id, lang_, args);
  }
  // Free text from the sample: one line, bounded, known indicators and URLs defanged.
  std::string Text(std::string_view text, std::size_t max_columns = kMaxCellColumns) const {
    return Elide(defanger_.Defang(OneLine(text)), max_columns);
  }
  std::string ByteCount(std::uint64_t size) const { return F(Msg::kBytes, {GroupThousands(size)}); }

  void Summary(const av1::SandboxResult& result, std::vector<FactRow>* rows) const {
    const auto& behavior = result.behavior();
    const auto add = [&](Msg label, std::string value) {
      if (!value.empty()) rows->push_back({label, std::move(value)});
    };
    add(Msg::kBackend, Text(result.backend()));
    std::string machine = Text(behavior.architecture());
    if (!behavior.input_kind().empty()) {
      machine += (machine.empty() ? "" : ", ") + Text(behavior.input_kind());
    }
    add(Msg::kMachine, machine);
    std::string end(EndReasonName(behavior.end_reason(), lang_));
    if (!behavior.end_detail().empty()) end += ": " + Text(behavior.end_detail());
    add(Msg::kEndReason, end);
    add(Msg::kInstructions, GroupThousands(behavior.instruction_count()));
    add(Msg::kApiCallCount, GroupThousands(behavior.api_call_count()));
    add(Msg::kDuration, F(Msg::kSeconds, {FixedPoint(behavior.duration_seconds(), 2)}));
  }

  static std::vector<BehaviorColumn> EventColumns() {
    return {
        {Msg::kOperation, true, false}, {Msg::kTarget, true, false}, {Msg::kDetail, false, false}};
  }

  template <typename Events, typename Keep>
  void AddEvents(BehaviorBlock* block, Msg title, const Events& events, Keep keep,
                 bool network = false) const {
    std::vector<EventRow> rows;
    std::map<std::string, std::size_t> index;  // operation \0 target \0 details -> row
    for (const auto& event : events) {
      if (!keep(event)) continue;
      std::string key = event.operation();
      key += '\0';
      key += event.target();
      key += '\0';
      key += event.details();
      const auto [it, inserted] = index.try_emplace(std::move(key), rows.size());
      if (inserted) rows.push_back({event.operation(), event.target(), event.details(), 0});
      ++rows[it->second].count;
    }
    if (rows.empty()) return;
    BehaviorTable table{title, EventColumns(), {}, rows.size()};
    for (std::size_t i = 0; i < rows.size() && i < kMaxRowsPerTable; ++i) {
      const EventRow& row = rows[i];
      std::string details = Text(row.details);
      // "×3": the same event happened three times.
      if (row.count > 1) {
        details += (details.empty() ? "" : " ") + std::string("\xC3\x97") + std::to_string(row.count);
      }
      table.rows.push_back({Text(row.operation),
                            network
                                ? Elide(OneLine(DefangNetworkTarget(row.target)), kMaxCellColumns)
                                : Text(row.target),
                            std::move(details)});
    }
    block->tables.push_back(std::move(table));
  }

  void DroppedFiles(const av1::BehaviorResult& behavior, BehaviorBlock* block) const {
    if (behavior.dropped_files().empty()) return;
    BehaviorTable table{
        Msg::kDroppedFiles,
        {{Msg::kFileName, true, false}, {Msg::kSize, false, true}, {Msg::kSha256, true, false}},
        {},
        static_cast<std::size_t>(behavior.dropped_files_size())};
    for (const auto& file : behavior.dropped_files()) {
      if (table.rows.size() == kMaxRowsPerTable) break;
      table.rows.push_back({Text(file.path()), ByteCount(file.size()), Text(file.sha256())});
    }
    block->tables.push_back(std::move(table));
  }

  void ExecutedMemory(const av1::BehaviorResult& behavior, BehaviorBlock* block) const {
    if (behavior.executed_memory_regions().empty()) return;
    BehaviorTable table{Msg::kExecutedMemory,
                        {{Msg::kAddress, true, true},
                         {Msg::kSize, false, true},
                         {Msg::kFoundBy, true, false},
                         {Msg::kSha256, true, false}},
                        {},
                        static_cast<std::size_t>(behavior.executed_memory_regions_size())};
    for (const auto& region : behavior.executed_memory_regions()) {
      if (table.rows.size() == kMaxRowsPerTable) break;
      table.rows.push_back({HexNumber(region.address()), ByteCount(region.size()),
                            Text(region.found_by()), Text(region.sha256())});
    }
    block->tables.push_back(std::move(table));
  }

  void ArtifactYara(const av1::SandboxResult& result, BehaviorBlock* block) const {
    if (result.yara_matches().empty()) return;
    BehaviorTable table{
        Msg::kArtifactYara,
        {{Msg::kRule, true, false}, {Msg::kArtifact, true, false}, {Msg::kSha256, true, false}},
        {},
        static_cast<std::size_t>(result.yara_matches_size())};
    for (const auto& match : result.yara_matches()) {
      if (table.rows.size() == kMaxRowsPerTable) break;
      std::string rule = Text(match.match().rule());
      if (!match.match().namespace_().empty()) rule = Text(match.match().namespace_()) + ":" + rule;
      table.rows.push_back(
          {std::move(rule), Text(match.artifact()), Text(match.artifact_sha256())});
    }
    block->tables.push_back(std::move(table));
  }

  void ApiCalls(const av1::BehaviorResult& behavior, BehaviorBlock* block) const {
    if (behavior.api_calls().empty()) return;
    // The calls made, not only those recorded: the emulator stops recording at its bound.
    const std::size_t total =
        std::max<std::size_t>(static_cast<std::size_t>(behavior.api_calls_size()),
                              static_cast<std::size_t>(behavior.api_call_count()));
    BehaviorTable table{Msg::kFirstApiCalls,
                        {{Msg::kSequence, true, true},
                         {Msg::kApiCall, true, false},
                         {Msg::kReturnValue, true, false}},
                        {},
                        total};
    for (const auto& call : behavior.api_calls()) {
      if (table.rows.size() == kMaxApiCalls) break;
      std::string arguments;
      for (const auto& argument : call.args()) {
        arguments += (arguments.empty() ? "" : ", ") + argument;
        if (arguments.size() > 4 * kMaxArgumentColumns) break;  // Elide below cuts it anyway
      }
      std::string name = call.module().empty() ? call.name() : call.module() + "!" + call.name();
      std::string returns = HexNumber(call.return_value());
      if (call.unmodelled()) returns += " (" + std::string(Tr(Msg::kUnmodelled, lang_)) + ")";
      table.rows.push_back({std::to_string(call.seq()),
                            Text(name) + "(" + Text(arguments, kMaxArgumentColumns) + ")",
                            std::move(returns)});
    }
    block->tables.push_back(std::move(table));
  }

  void UnmodelledApis(const av1::BehaviorResult& behavior, BehaviorBlock* block) const {
    if (behavior.unmodelled_apis().empty()) return;
    std::vector<const av1::UnmodelledApi*> apis;
    for (const auto& api : behavior.unmodelled_apis()) apis.push_back(&api);
    std::stable_sort(apis.begin(), apis.end(),
                     [](const auto* a, const auto* b) { return a->count() > b->count(); });
    BehaviorTable table{Msg::kUnmodelledApis,
                        {{Msg::kName, true, false}, {Msg::kOccurrences, false, true}},
                        {},
                        apis.size()};
    for (const auto* api : apis) {
      if (table.rows.size() == kMaxUnmodelledApis) break;
      table.rows.push_back({Text(api->name()), GroupThousands(api->count())});
    }
    block->tables.push_back(std::move(table));
  }

  void Console(std::string_view output, BehaviorBlock* block) const {
    std::size_t lines = 0;
    std::size_t start = 0;
    while (start < output.size()) {
      auto end = output.find('\n', start);
      if (end == std::string_view::npos) end = output.size();
      ++lines;
      if (block->console_lines.size() < kMaxConsoleLines && start < kMaxConsoleBytes) {
        std::string_view line = output.substr(start, std::min(end, kMaxConsoleBytes) - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        block->console_lines.push_back(Text(line, kMaxConsoleLineColumns));
      }
      start = end + 1;
    }
    block->console_more_lines = lines - block->console_lines.size();
  }

  Language lang_;
  FreeTextDefanger defanger_;
};

}  // namespace

std::vector<BehaviorBlock> BehaviorBlocks(const report::v1::Report& report, Language lang) {
  std::vector<BehaviorBlock> blocks;
  const bool any_child = std::any_of(report.children().begin(), report.children().end(),
                                     [](const auto& child) { return child.has_sandbox_result(); });
  if (!report.has_sandbox_result() && !any_child) return blocks;
  const Builder builder(report, lang);
  if (report.has_sandbox_result()) blocks.push_back(builder.Block(report.sandbox_result(), {}));
  if (!any_child) return blocks;
  for (const auto& view : ChildrenInTreeOrder(report)) {
    if (blocks.size() >= kMaxBlocks) break;
    if (!view.child->has_sandbox_result()) continue;
    blocks.push_back(
        builder.Block(view.child->sandbox_result(), view.child->submission().sample().file_name()));
  }
  return blocks;
}

}  // namespace kensa::report::internal
