// The one file that includes libqpdf (qpdf 11, Debian 12's libqpdf-dev). qpdf parses, repairs
// and decrypts the document and decodes streams; this file walks the objects it resolves and
// turns what it finds into Kensa's types. qpdf throws (QPDFExc, std::logic_error...): every
// call into it sits inside a try block here.
#include "qpdf_reader.h"

// qpdf 11 asks every user to declare how it uses PointerHolder; 4: not at all.
#define POINTERHOLDER_TRANSITION 4
#include <qpdf/Constants.h>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFObjGen.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFXRefEntry.hh>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <stdexcept>
#include <string_view>

#include "kensa/pdf/xfa_scripts.h"
#include "text.h"

namespace kensa::pdf::internal {
namespace {

using Clock = std::chrono::steady_clock;

// The message of our own size bound; qpdf reports it as a decoding warning, which is not damage.
// What qpdf calls the input in its messages (removed again from the warnings kept).
constexpr std::string_view kDescription = "sample";
constexpr std::string_view kBoundMessage = "kensa: decoded size bound reached";
// Location paths stop growing here; a reader needs the first keys, not the hundredth.
constexpr std::size_t kMaxPathBytes = 160;
// Names, targets and document information are short in real files.
constexpr std::size_t kMaxFieldBytes = 4096;
constexpr std::size_t kMaxFileNameBytes = 255;
constexpr std::size_t kMaxWarningBytes = 300;
// qpdf collects warnings in memory without a bound: drain them this often during the walk.
constexpr std::size_t kDrainEveryNodes = 1024;
// Array items between two clock reads (an array of a million numbers is cheap per item).
constexpr std::size_t kClockEveryItems = 4096;
// XFA packets looked at in one /XFA array (real forms have about ten).
constexpr int kMaxXfaPackets = 256;

class StreamBoundReached : public std::runtime_error {
 public:
  StreamBoundReached() : std::runtime_error(std::string(kBoundMessage)) {}
};

// The end of a qpdf decoding pipeline: keeps at most `limit` bytes, then stops the decoder by
// throwing (qpdf turns that into a warning and a failed decode), so a Flate bomb costs no more
// than the bound.
class BoundedSink final : public Pipeline {
 public:
  explicit BoundedSink(std::uint64_t limit) : Pipeline("kensa bounded sink", nullptr), limit_(limit) {}

  void write(unsigned char const* data, size_t length) override {
    const std::uint64_t room = limit_ - bytes_.size();
    if (length > room) {
      bytes_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(room));
      truncated_ = true;
      throw StreamBoundReached();
    }
    bytes_.append(reinterpret_cast<const char*>(data), length);
  }
  void finish() override {}

  std::string& bytes() { return bytes_; }
  bool truncated() const { return truncated_; }

 private:
  std::uint64_t limit_;
  std::string bytes_;
  bool truncated_ = false;
};

struct DecodedStream {
  std::string bytes;
  // Cut at a bound, or the decoder failed part way: bytes is a prefix.
  bool truncated = false;
};

// What the path from the trailer to a node means for the actions below it.
enum class Context {
  kNone,
  kActionChain,        // an action (or a destination) under /OpenAction, /A, an /AA trigger, /Next
  kAdditionalActions,  // an /AA dictionary: each value is an action run by an event
  kNamesRoot,          // the catalog's /Names dictionary
  kJavaScriptNames,    // a node of the JavaScript name tree (PDF 32000-1 7.7.4)
  kEmbeddedFilesNames, // a node of the EmbeddedFiles name tree
  kEmbeddedFileValue,  // a file specification that is a value of the EmbeddedFiles name tree
};

struct Node {
  QPDFObjectHandle object;
  // The nearest object a reader would name: "catalog", "page 2", "annotation /Link (object 9)".
  std::string label;
  // Keys from that object down to this node: "/AA /O", "/OpenAction /Next[0]".
  std::string path;
  // The nearest indirect object (0 0 inside the trailer).
  QPDFObjGen owner;
  Context context = Context::kNone;
  bool automatic = false;
  // This array is a name-tree node's /Names: (key, value) pairs.
  bool names_array = false;
  // Nesting of direct objects below `owner`.
  std::size_t depth = 0;
  // /Next links followed from the first action of a chain.
  std::size_t chain = 0;
  // The name-tree key of this value.
  std::string name_key;
};

std::string NameOf(QPDFObjectHandle object) { return object.isName() ? object.getName() : std::string(); }

// A text string (PDF 32000-1 7.9.2.2: PDFDocEncoding or UTF-16BE) as UTF-8, bounded.
std::string TextOf(QPDFObjectHandle object) {
  if (!object.isString()) return {};
  return TruncateUtf8(ToValidUtf8(object.getUTF8Value()), kMaxFieldBytes);
}

// A byte string (URLs, program names) as UTF-8, bounded.
std::string BytesOf(QPDFObjectHandle object) {
  if (!object.isString()) return {};
  return TruncateUtf8(DecodeTextBytes(object.getStringValue()), kMaxFieldBytes);
}

// The file a file specification (PDF 32000-1 7.11) names: a string, or a dictionary's /UF,
// /F or platform-specific entry.
std::string FileSpecName(QPDFObjectHandle spec) {
  if (spec.isString()) return TextOf(spec);
  if (!spec.isDictionary()) return {};
  for (const char* key : {"/UF", "/F", "/Unix", "/DOS", "/Mac"}) {
    std::string name = TextOf(spec.getKey(key));
    if (!name.empty()) return name;
  }
  return {};
}

std::string ObjectSuffix(QPDFObjGen og) {
  return og.getObj() > 0 ? " (object " + std::to_string(og.getObj()) + ")" : std::string();
}

std::uint32_t ObjectNumber(QPDFObjGen og) {
  return og.getObj() > 0 ? static_cast<std::uint32_t>(og.getObj()) : 0;
}

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

class Walker {
 public:
  // `inserted_line_breaks`: positions of the line breaks added to the bytes qpdf read
  // (BreakLinesBeforeTrailers), so that offsets are reported in the sample's own bytes.
  Walker(QPDF& pdf, const PdfLimits& limits, QpdfFacts& facts, std::vector<std::uint64_t> inserted_line_breaks)
      : pdf_(pdf), limits_(limits), facts_(facts), info_(facts.info),
        deadline_(Clock::now() + limits.max_duration), inserted_line_breaks_(std::move(inserted_line_breaks)) {}

  void Run() {
    ReadEncryption();
    ReadXRef();
    ReadDocumentInfo();
    ReadPages();
    DrainWarnings();
    Node trailer;
    trailer.object = pdf_.getTrailer();
    trailer.label = "trailer";
    queue_.push_back(std::move(trailer));
    RunQueue();
    QueueUnreferencedObjects();
    RunQueue();
    DrainWarnings();
  }

  void DrainWarnings() {
    for (const auto& warning : pdf_.getWarnings()) {
      if (warning.getMessageDetail().find(kBoundMessage) != std::string::npos) continue;
      std::string where = warning.getObject();
      if (warning.getFilePosition() > 0) {
        where += (where.empty() ? "offset " : ", offset ") + std::to_string(warning.getFilePosition());
      }
      AddWarning((where.empty() ? "" : where + ": ") + warning.getMessageDetail(),
                 warning.getErrorCode() == qpdf_e_damaged_pdf);
    }
  }

  void AddWarning(std::string text, bool damage) {
    // qpdf prefixes messages with the description given to processMemoryFile.
    for (std::size_t at = text.find(kDescription); at != std::string::npos; at = text.find(kDescription, at)) {
      const std::size_t end = at + kDescription.size();
      const bool prefix = end < text.size() && (text[end] == ':' || text[end] == ',');
      text.erase(at, prefix ? kDescription.size() + 2 : kDescription.size());
    }
    info_.set_parser_warning_count(info_.parser_warning_count() + 1);
    if (damage) info_.set_recovered(true);
    if (text.find("reconstruct cross-reference table") != std::string::npos) info_.set_xref_reconstructed(true);
    if (static_cast<std::size_t>(info_.parser_warnings_size()) < limits_.max_warnings_in_result) {
      info_.add_parser_warnings(OneLine(text, kMaxWarningBytes));
    }
  }

 private:
  // Records a bound that stopped part of the analysis, once per kind.
  void LimitReached(const std::string& kind, const std::string& code, const std::string& detail) {
    for (const auto& reached : info_.limits_reached()) {
      if (reached == kind) return;
    }
    info_.add_limits_reached(kind);
    analysis::v1::Anomaly anomaly;
    anomaly.set_code(code);
    anomaly.set_detail(detail);
    facts_.anomalies.push_back(std::move(anomaly));
  }

  std::uint64_t OffsetOf(QPDFObjGen og) const {
    const auto it = xref_.find(og);
    if (it == xref_.end() || it->second.getType() != 1 || it->second.getOffset() < 0) return 0;
    const auto offset = static_cast<std::uint64_t>(it->second.getOffset());
    const auto before = std::lower_bound(inserted_line_breaks_.begin(), inserted_line_breaks_.end(), offset) -
                        inserted_line_breaks_.begin();
    return offset - static_cast<std::uint64_t>(before);
  }

  // Objects inside an object stream whose decoded size is over the bound are never resolved:
  // qpdf would decode the whole stream into memory to read any one of them.
  bool InOversizedObjectStream(QPDFObjGen og) const {
    if (oversized_object_streams_.empty()) return false;
    const auto it = xref_.find(og);
    return it != xref_.end() && it->second.getType() == 2 &&
           oversized_object_streams_.count(it->second.getObjStreamNumber()) > 0;
  }

  void ReadEncryption() {
    int revision = 0;
    int permissions = 0;
    int version = 0;
    QPDF::encryption_method_e stream_method = QPDF::e_none;
    QPDF::encryption_method_e string_method = QPDF::e_none;
    QPDF::encryption_method_e file_method = QPDF::e_none;
    if (!pdf_.isEncrypted(revision, permissions, version, stream_method, string_method, file_method)) return;
    auto* encryption = info_.mutable_encryption();
    encryption->set_encrypted(true);
    encryption->set_revision(revision);
    encryption->set_version(version);
    encryption->set_permissions(permissions);
    switch (stream_method) {
      case QPDF::e_none: encryption->set_method("none"); break;
      case QPDF::e_rc4: encryption->set_method("RC4"); break;
      case QPDF::e_aes: encryption->set_method("AES-128"); break;
      case QPDF::e_aesv3: encryption->set_method("AES-256"); break;
      default: encryption->set_method("unknown"); break;
    }
    encryption->set_opens_without_password(pdf_.userPasswordMatched());
  }

  void ReadXRef() {
    xref_ = pdf_.getXRefTable();
    info_.set_object_count(static_cast<std::uint32_t>(std::min<std::size_t>(xref_.size(), UINT32_MAX)));
    if (xref_.size() > limits_.max_objects) {
      LimitReached("objects", "pdf_object_limit",
                   std::to_string(xref_.size()) + " objects; the first " + std::to_string(limits_.max_objects) +
                       " were read");
    }

    // Probe every object stream before resolving anything inside one.
    std::set<int> object_streams;
    std::size_t seen = 0;
    for (const auto& [og, entry] : xref_) {
      if (++seen > limits_.max_objects) break;
      if (entry.getType() == 2) object_streams.insert(entry.getObjStreamNumber());
    }
    for (int number : object_streams) {
      if (OutOfTime()) return;
      try {
        auto stream = pdf_.getObject(number, 0);
        if (!stream.isStream()) continue;
        BoundedSink probe(limits_.max_stream_bytes);
        try {
          stream.pipeStreamData(&probe, nullptr, 0, qpdf_dl_specialized, true, false);
        } catch (const StreamBoundReached&) {
        }
        if (probe.truncated()) {
          oversized_object_streams_.insert(number);
          LimitReached("object_stream_size", "pdf_object_stream_limit",
                       "object stream " + std::to_string(number) + " decodes to more than " +
                           std::to_string(limits_.max_stream_bytes) + " bytes; its objects were not read");
        }
      } catch (const std::exception& error) {
        AddWarning("object stream " + std::to_string(number) + ": " + error.what(), true);
      }
    }

    seen = 0;
    for (const auto& [og, entry] : xref_) {
      if (++seen > limits_.max_objects || OutOfTime()) break;
      if (InOversizedObjectStream(og)) continue;
      try {
        auto object = pdf_.getObject(og);
        if (!object.isStream()) continue;
        info_.set_stream_count(info_.stream_count() + 1);
        auto dict = object.getDict();
        if (NameOf(dict.getKey("/Type")) == "/ObjStm") {
          info_.set_object_stream_count(info_.object_stream_count() + 1);
        }
        CountFilters(dict.getKey("/Filter"));
      } catch (const std::exception& error) {
        AddWarning("object " + std::to_string(og.getObj()) + ": " + error.what(), true);
      }
    }
    for (const auto& [filter, streams] : filter_counts_) {
      auto* count = info_.add_filters();
      count->set_filter(filter);
      count->set_streams(streams);
    }
  }

  void CountFilters(QPDFObjectHandle filter) {
    std::set<std::string> names;
    if (filter.isName()) names.insert(filter.getName());
    if (filter.isArray()) {
      // A real filter chain has two or three entries.
      constexpr int kMaxFilters = 16;
      const int count = std::min(filter.getArrayNItems(), kMaxFilters);
      for (int i = 0; i < count; ++i) {
        auto item = filter.getArrayItem(i);
        if (item.isName()) names.insert(item.getName());
      }
    }
    for (const auto& name : names) {
      std::string plain = ToValidUtf8(name.substr(1));
      // PDF 32000-1 Table 6 abbreviations of inline images also appear on streams.
      if (plain == "Fl") plain = "FlateDecode";
      ++filter_counts_[TruncateUtf8(plain, 64)];
    }
  }

  void ReadDocumentInfo() {
    auto info_dict = pdf_.getTrailer().getKey("/Info");
    if (!info_dict.isDictionary()) return;
    auto* document = info_.mutable_document_info();
    document->set_title(TextOf(info_dict.getKey("/Title")));
    document->set_author(TextOf(info_dict.getKey("/Author")));
    document->set_subject(TextOf(info_dict.getKey("/Subject")));
    document->set_keywords(TextOf(info_dict.getKey("/Keywords")));
    document->set_creator(TextOf(info_dict.getKey("/Creator")));
    document->set_producer(TextOf(info_dict.getKey("/Producer")));
    const std::string created = TextOf(info_dict.getKey("/CreationDate"));
    if (!created.empty()) document->set_created(PdfDateToRfc3339(created));
    const std::string modified = TextOf(info_dict.getKey("/ModDate"));
    if (!modified.empty()) document->set_modified(PdfDateToRfc3339(modified));
  }

  void ReadPages() {
    auto root = pdf_.getTrailer().getKey("/Root");
    if (root.isIndirect()) root_ = root.getObjGen();
    if (oversized_object_streams_.empty()) {
      try {
        const auto& pages = pdf_.getAllPages();
        for (std::size_t i = 0; i < pages.size(); ++i) {
          auto page = pages[i];
          page_numbers_.emplace(page.getObjGen(), i + 1);
        }
        info_.set_page_count(static_cast<std::uint32_t>(std::min<std::size_t>(pages.size(), UINT32_MAX)));
        return;
      } catch (const std::exception& error) {
        AddWarning(std::string("page tree: ") + error.what(), true);
      }
    }
    // What the page tree claims, when qpdf could not walk it.
    if (root.isDictionary()) {
      auto count = root.getKey("/Pages").isDictionary() ? root.getKey("/Pages").getKey("/Count")
                                                        : QPDFObjectHandle::newNull();
      if (count.isInteger() && count.getIntValue() > 0) {
        info_.set_page_count(static_cast<std::uint32_t>(std::min<long long>(count.getIntValue(), UINT32_MAX)));
      }
    }
  }

  bool OutOfTime() {
    if (stopped_) return true;
    if (Clock::now() <= deadline_) return false;
    LimitReached("time", "pdf_time_limit",
                 "the walk stopped after " + std::to_string(limits_.max_duration.count()) + " ms");
    stopped_ = true;
    return true;
  }

  void RunQueue() {
    while (!queue_.empty()) {
      if (OutOfTime()) {
        queue_.clear();
        return;
      }
      Node node = std::move(queue_.front());
      queue_.pop_front();
      if (++visited_nodes_ % kDrainEveryNodes == 0) DrainWarnings();
      try {
        Visit(node);
      } catch (const std::exception& error) {
        AddWarning("object " + std::to_string(node.owner.getObj()) + ": " + error.what(), true);
      }
    }
  }

  void QueueUnreferencedObjects() {
    std::size_t seen = 0;
    for (const auto& [og, entry] : xref_) {
      if (++seen > limits_.max_objects || stopped_) break;
      if ((entry.getType() != 1 && entry.getType() != 2) || visited_.count(og) > 0 || InOversizedObjectStream(og)) {
        continue;
      }
      visited_.insert(og);
      Node node;
      try {
        node.object = pdf_.getObject(og);
      } catch (const std::exception& error) {
        AddWarning("object " + std::to_string(og.getObj()) + ": " + error.what(), true);
        continue;
      }
      node.owner = og;
      node.label = "unreferenced object " + std::to_string(og.getObj());
      Push(std::move(node));
    }
  }

  bool Push(Node node) {
    if (queued_nodes_ >= limits_.max_nodes) {
      LimitReached("nodes", "pdf_node_limit",
                   "more than " + std::to_string(limits_.max_nodes) + " dictionaries and arrays; the rest were not read");
      stopped_ = true;
      return false;
    }
    ++queued_nodes_;
    queue_.push_back(std::move(node));
    return true;
  }

  static std::string JoinPath(const std::string& path, std::string_view segment) {
    if (segment.empty()) return path;
    if (path.size() + segment.size() + 1 > kMaxPathBytes) {
      return EndsWith(path, " ...") ? path : path + " ...";
    }
    if (path.empty() || segment.front() == '[') return path + std::string(segment);
    return path + " " + std::string(segment);
  }

  // Queues `child` (found under `parent` at `segment`) when it can hold anything of interest.
  void Enqueue(const Node& parent, QPDFObjectHandle child, Node next_template, std::string_view segment) {
    if (stopped_) return;
    Node next = std::move(next_template);
    if (child.isIndirect()) {
      const QPDFObjGen og = child.getObjGen();
      if (visited_.count(og) > 0 || InOversizedObjectStream(og)) return;
      visited_.insert(og);
      if (!child.isDictionary() && !child.isArray() && !child.isStream()) return;
      next.owner = og;
      next.depth = 0;
    } else {
      if (!child.isDictionary() && !child.isArray()) return;
      next.owner = parent.owner;
      next.depth = parent.depth + 1;
      if (next.depth > limits_.max_depth) {
        LimitReached("depth", "pdf_depth_limit",
                     "direct objects nested deeper than " + std::to_string(limits_.max_depth) + " in object " +
                         std::to_string(parent.owner.getObj()));
        return;
      }
    }
    next.object = child;
    next.label = parent.label;
    next.path = JoinPath(parent.path, segment);
    Push(std::move(next));
  }

  void CountName(const std::string& name) {
    const auto it = facts_.parsed_names.find(name);
    if (it != facts_.parsed_names.end()) ++it->second;
  }

  void Visit(Node& node) {
    QPDFObjectHandle object = node.object;
    if (object.isArray()) {
      VisitArray(node);
      return;
    }
    QPDFObjectHandle dict = object.isStream() ? object.getDict() : object;
    if (!dict.isDictionary()) return;
    ApplyLabel(node, dict);

    if (dict.hasKey("/JS") || dict.getKey("/S").isName()) HandleAction(node, dict);
    if (dict.getKey("/EF").isDictionary()) HandleFileSpec(node, dict);
    if (object.isStream() && NameOf(dict.getKey("/Type")) == "/EmbeddedFile") {
      ExtractEmbeddedFile(object, node.name_key, "EmbeddedFile stream");
    }
    if (dict.hasKey("/XFA")) HandleXfa(dict.getKey("/XFA"));

    for (auto [key, value] : dict.ditems()) {
      if (stopped_) return;
      CountName(key);
      if (value.isName()) {
        CountName(value.getName());
        continue;
      }
      Node next;
      // Keys are raw bytes (PDF 32000-1 7.3.5): made valid UTF-8 for the location text.
      std::string segment = TruncateUtf8(ToValidUtf8(key), 64);
      if (key == "/OpenAction") {
        next.context = Context::kActionChain;
        next.automatic = true;
      } else if (key == "/AA") {
        next.context = Context::kAdditionalActions;
        next.automatic = true;
      } else if (node.context == Context::kAdditionalActions) {
        next.context = Context::kActionChain;  // the value of a trigger (/O, /C, /K, /WC...)
        next.automatic = true;
      } else if (key == "/A") {
        next.context = Context::kActionChain;
      } else if (key == "/Next" && node.context == Context::kActionChain) {
        next.context = Context::kActionChain;
        next.automatic = node.automatic;
        next.chain = node.chain + 1;
        if (next.chain > limits_.max_action_chain) {
          LimitReached("action_chain", "pdf_action_chain_limit",
                       "an action chain longer than " + std::to_string(limits_.max_action_chain) + " at " +
                           Location(node));
          continue;
        }
      } else if (key == "/Names" && node.label == "catalog" && node.path.empty()) {
        next.context = Context::kNamesRoot;
      } else if (node.context == Context::kNamesRoot && key == "/JavaScript") {
        next.context = Context::kJavaScriptNames;
      } else if (node.context == Context::kNamesRoot && key == "/EmbeddedFiles") {
        next.context = Context::kEmbeddedFilesNames;
      } else if ((node.context == Context::kJavaScriptNames || node.context == Context::kEmbeddedFilesNames) &&
                 (key == "/Kids" || key == "/Names")) {
        next.context = node.context;
        next.names_array = key == "/Names";
        segment.clear();  // the tree's inner structure says nothing to a reader
      }
      Enqueue(node, value, std::move(next), segment);
    }
  }

  void VisitArray(const Node& node) {
    QPDFObjectHandle array = node.object;
    const int count = array.getArrayNItems();
    const bool in_name_tree = node.context == Context::kJavaScriptNames || node.context == Context::kEmbeddedFilesNames;
    for (int i = 0; i < count; ++i) {
      if (stopped_) return;
      if (i % static_cast<int>(kClockEveryItems) == 0 && i > 0 && OutOfTime()) return;
      auto item = array.getArrayItem(i);
      if (item.isName()) {
        CountName(item.getName());
        continue;
      }
      Node next;
      std::string segment = "[" + std::to_string(i) + "]";
      if (in_name_tree && node.names_array) {
        if (i % 2 == 0) continue;  // the key string
        next.name_key = TextOf(array.getArrayItem(i - 1));
        segment = "\"" + TruncateUtf8(next.name_key, 64) + "\"";
        if (node.context == Context::kJavaScriptNames) {
          next.context = Context::kActionChain;
          next.automatic = true;  // document-level scripts run when the document opens
        } else {
          next.context = Context::kEmbeddedFileValue;
        }
      } else if (in_name_tree) {
        next.context = node.context;  // /Kids
        segment.clear();
      } else if (node.context == Context::kActionChain) {
        next.context = Context::kActionChain;  // a /Next array, or a destination
        next.automatic = node.automatic;
        next.chain = node.chain;
      }
      Enqueue(node, item, std::move(next), segment);
    }
  }

  void ApplyLabel(Node& node, QPDFObjectHandle dict) {
    const bool catalog = dict.isIndirect() ? (root_.getObj() != 0 && dict.getObjGen() == root_)
                                           : (node.label == "trailer" && node.path == "/Root");
    if (catalog) {
      node.label = "catalog";
      node.path.clear();
      if (dict.hasKey("/AcroForm")) info_.set_has_acroform(true);
      return;
    }
    const QPDFObjGen og = dict.isIndirect() ? dict.getObjGen() : QPDFObjGen();
    const std::string type = NameOf(dict.getKey("/Type"));
    const std::string subtype = NameOf(dict.getKey("/Subtype"));
    if (type == "/Page") {
      const auto page = page_numbers_.find(og);
      node.label = page != page_numbers_.end() ? "page " + std::to_string(page->second) : "page" + ObjectSuffix(og);
    } else if (dict.getKey("/T").isString() &&
               (dict.hasKey("/FT") || dict.hasKey("/Kids") || subtype == "/Widget")) {
      node.label = "field \"" + TruncateUtf8(TextOf(dict.getKey("/T")), 64) + "\"" + ObjectSuffix(og);
    } else if (!subtype.empty() && (type == "/Annot" || dict.hasKey("/Rect"))) {
      node.label = "annotation " + TruncateUtf8(ToValidUtf8(subtype), 64) + ObjectSuffix(og);
    } else if (dict.getKey("/Title").isString() && dict.hasKey("/Parent") && !dict.hasKey("/S")) {
      node.label = "outline item \"" + TruncateUtf8(TextOf(dict.getKey("/Title")), 64) + "\"";
    } else {
      return;
    }
    node.path.clear();
  }

  static std::string Location(const Node& node) {
    return node.path.empty() ? node.label : node.label + " " + node.path;
  }

  DecodedStream Decode(QPDFObjectHandle stream, std::uint64_t limit) {
    DecodedStream out;
    const std::uint64_t remaining = limits_.max_total_decoded_bytes - decoded_bytes_;
    if (remaining == 0) {
      LimitReached("decoded_bytes", "pdf_decoded_bytes_limit",
                   std::to_string(limits_.max_total_decoded_bytes) + " stream bytes decoded; the rest were not");
      out.truncated = true;
      return out;
    }
    const std::uint64_t bound = std::min(limit, remaining);
    BoundedSink sink(bound);
    bool succeeded = false;
    try {
      bool filtering_attempted = false;
      // Specialized: Flate, LZW, ASCIIHex, ASCII85 and RunLength; never DCT (lossy) and JBIG2
      // (qpdf has no decoder) whose bytes pass through unchanged.
      succeeded = stream.pipeStreamData(&sink, &filtering_attempted, 0, qpdf_dl_specialized, false, false);
    } catch (const StreamBoundReached&) {
    }
    if (sink.truncated() && bound < limit) {
      LimitReached("decoded_bytes", "pdf_decoded_bytes_limit",
                   std::to_string(limits_.max_total_decoded_bytes) + " stream bytes decoded; the rest were not");
    }
    out.truncated = sink.truncated() || !succeeded;
    decoded_bytes_ += sink.bytes().size();
    info_.set_decoded_stream_bytes(decoded_bytes_);
    out.bytes = std::move(sink.bytes());
    return out;
  }

  void HandleAction(const Node& node, QPDFObjectHandle dict) {
    const std::string type = NameOf(dict.getKey("/S"));
    const bool automatic = node.automatic && node.context == Context::kActionChain;
    const std::string location = Location(node);
    // Acrobat runs /JS whatever /S says (corkami's javascript.pdf has "/S /" on one).
    if (dict.hasKey("/JS")) {
      auto script = dict.getKey("/JS");
      if (script.isString()) {
        AddScript(location, automatic, node.owner, ToValidUtf8(script.getUTF8Value()), false);
      } else if (script.isStream()) {
        const std::uint64_t budget = limits_.max_javascript_bytes - std::min(javascript_bytes_, limits_.max_javascript_bytes);
        auto decoded = Decode(script, std::min<std::uint64_t>(limits_.max_stream_bytes, budget + 1));
        AddScript(location, automatic, script.getObjGen(), DecodeTextBytes(decoded.bytes), decoded.truncated);
      }
    }
    if (type == "/Launch") {
      std::string target;
      std::string parameters;
      auto windows = dict.getKey("/Win");
      if (windows.isDictionary()) {
        target = BytesOf(windows.getKey("/F"));
        parameters = BytesOf(windows.getKey("/P"));
      }
      if (target.empty()) target = FileSpecName(dict.getKey("/F"));
      if (target.empty()) target = BytesOf(dict.getKey("/Unix"));
      if (target.empty()) target = BytesOf(dict.getKey("/Mac"));
      AddAction("Launch", location, automatic, target, parameters, node.owner);
    } else if (type == "/URI") {
      AddAction("URI", location, automatic, BytesOf(dict.getKey("/URI")), "", node.owner);
    } else if (type == "/SubmitForm" || type == "/GoToR" || type == "/GoToE" || type == "/ImportData") {
      AddAction(type.substr(1), location, automatic, FileSpecName(dict.getKey("/F")), "", node.owner);
    }
  }

  void AddScript(const std::string& location, bool automatic, QPDFObjGen owner, std::string text, bool truncated) {
    if (static_cast<std::size_t>(info_.scripts_size()) >= limits_.max_scripts) {
      LimitReached("javascript", "pdf_javascript_limit",
                   "more than " + std::to_string(limits_.max_scripts) + " scripts; the rest were not read");
      return;
    }
    const std::uint64_t size = text.size();
    const std::uint64_t budget = limits_.max_javascript_bytes - std::min(javascript_bytes_, limits_.max_javascript_bytes);
    if (text.size() > budget) {
      text = TruncateUtf8(text, static_cast<std::size_t>(budget));
      truncated = true;
      LimitReached("javascript", "pdf_javascript_limit",
                   std::to_string(limits_.max_javascript_bytes) + " bytes of script text read; the rest were not");
    }
    javascript_bytes_ += text.size();
    auto* script = info_.add_scripts();
    script->set_location(location);
    script->set_automatic(automatic);
    script->set_object_number(ObjectNumber(owner));
    script->set_offset(OffsetOf(owner));
    script->set_size(size);
    script->set_truncated(truncated || text.size() > limits_.max_script_text_in_result);
    script->set_text(TruncateUtf8(text, limits_.max_script_text_in_result));
    facts_.script_texts.push_back(std::move(text));
  }

  void AddAction(const std::string& type, const std::string& location, bool automatic, const std::string& target,
                 const std::string& parameters, QPDFObjGen owner) {
    if (static_cast<std::size_t>(info_.actions_size()) >= limits_.max_actions) {
      LimitReached("actions", "pdf_action_limit",
                   "more than " + std::to_string(limits_.max_actions) + " actions; the rest were not read");
      return;
    }
    auto* action = info_.add_actions();
    action->set_type(type);
    action->set_location(location);
    action->set_automatic(automatic);
    action->set_target(target);
    action->set_parameters(parameters);
    action->set_object_number(ObjectNumber(owner));
    action->set_offset(OffsetOf(owner));
  }

  void HandleFileSpec(const Node& node, QPDFObjectHandle spec) {
    std::string name = FileSpecName(spec);
    if (name.empty()) name = node.name_key;
    std::string origin = "file specification";
    if (node.context == Context::kEmbeddedFileValue) {
      origin = "EmbeddedFiles name tree";
    } else if (StartsWith(node.label, "annotation /FileAttachment") && node.path == "/FS") {
      origin = "FileAttachment annotation";
    }
    for (auto [key, stream] : spec.getKey("/EF").ditems()) {
      if (stream.isStream()) ExtractEmbeddedFile(stream, name, origin);
    }
  }

  void ExtractEmbeddedFile(QPDFObjectHandle stream, const std::string& name, const std::string& origin) {
    const QPDFObjGen og = stream.getObjGen();
    if (!extracted_streams_.insert(og).second) return;
    if (static_cast<std::size_t>(info_.embedded_files_size()) >= limits_.max_embedded_files) {
      LimitReached("embedded_files", "pdf_embedded_file_limit",
                   "more than " + std::to_string(limits_.max_embedded_files) + " embedded files; the rest were not read");
      return;
    }
    auto decoded = Decode(stream, limits_.max_embedded_file_bytes);
    auto* file = info_.add_embedded_files();
    file->set_name(name.empty() ? "object_" + std::to_string(og.getObj()) + ".bin"
                                : TruncateUtf8(name, kMaxFileNameBytes));
    file->set_origin(origin);
    file->set_size(decoded.bytes.size());
    file->set_object_number(ObjectNumber(og));
    file->set_truncated(decoded.truncated);
    const std::string mime = NameOf(stream.getDict().getKey("/Subtype"));
    if (!mime.empty()) file->set_mime_type(TruncateUtf8(ToValidUtf8(mime.substr(1)), 128));
    facts_.embedded_file_data.push_back(std::move(decoded.bytes));
  }

  void HandleXfa(QPDFObjectHandle xfa) {
    info_.set_has_xfa(true);
    std::vector<QPDFObjectHandle> packets;
    if (xfa.isStream()) packets.push_back(xfa);
    if (xfa.isArray()) {
      const int count = std::min(xfa.getArrayNItems(), kMaxXfaPackets);
      for (int i = 0; i < count; ++i) {
        auto item = xfa.getArrayItem(i);
        if (item.isStream()) packets.push_back(item);
      }
    }
    for (auto& packet : packets) {
      if (!xfa_packets_.insert(packet.getObjGen()).second) continue;
      auto decoded = Decode(packet, limits_.max_stream_bytes);
      const std::size_t room = limits_.max_scripts - std::min<std::size_t>(limits_.max_scripts, static_cast<std::size_t>(info_.scripts_size()));
      for (auto& script : ExtractXfaScripts(decoded.bytes, room + 1)) {
        std::string location = "XFA" + ObjectSuffix(packet.getObjGen()) + " <script>";
        if (!script.activity.empty()) location += " in event " + TruncateUtf8(ToValidUtf8(script.activity), 64);
        AddScript(location, script.automatic, packet.getObjGen(), ToValidUtf8(script.text), decoded.truncated);
      }
    }
  }

  QPDF& pdf_;
  const PdfLimits& limits_;
  QpdfFacts& facts_;
  analysis::v1::PdfInfo& info_;
  const Clock::time_point deadline_;
  const std::vector<std::uint64_t> inserted_line_breaks_;
  bool stopped_ = false;

  std::map<QPDFObjGen, QPDFXRefEntry> xref_;
  std::set<int> oversized_object_streams_;
  std::map<std::string, std::uint32_t> filter_counts_;
  std::map<QPDFObjGen, std::size_t> page_numbers_;
  QPDFObjGen root_;

  std::deque<Node> queue_;
  std::set<QPDFObjGen> visited_;
  std::set<QPDFObjGen> extracted_streams_;
  std::set<QPDFObjGen> xfa_packets_;
  std::size_t queued_nodes_ = 0;
  std::size_t visited_nodes_ = 0;
  std::uint64_t decoded_bytes_ = 0;
  std::uint64_t javascript_bytes_ = 0;
};


// qpdf's recovery finds the trailer only where the keyword starts a line (QPDF::reconstruct_xref
// reads line by line); hand-made PDFs that readers open put it after "endobj" on the same line.
// A copy with a line break before each such "trailer" gives qpdf its chance; the positions of
// the added bytes map offsets back to the sample's.
std::string BreakLinesBeforeTrailers(std::string_view bytes, std::vector<std::uint64_t>* inserted) {
  constexpr std::string_view kTrailer = "trailer";
  // A file with more trailers than this is not one of the hand-made ones.
  constexpr std::size_t kMaxInsertions = 64;
  std::string copy;
  copy.reserve(bytes.size() + kMaxInsertions);
  std::size_t done = 0;
  for (std::size_t at = bytes.find(kTrailer); at != std::string_view::npos && inserted->size() < kMaxInsertions;
       at = bytes.find(kTrailer, at + kTrailer.size())) {
    if (at == 0 || bytes[at - 1] == '\n' || bytes[at - 1] == '\r') continue;
    copy.append(bytes.substr(done, at - done));
    inserted->push_back(copy.size());
    copy.push_back('\n');
    done = at;
  }
  copy.append(bytes.substr(done));
  return copy;
}

// Opens `bytes` with the empty password; false (with facts->error set) when qpdf gives up.
bool Open(QPDF& pdf, std::string_view bytes, QpdfFacts* facts) {
  pdf.setSuppressWarnings(true);
  pdf.setAttemptRecovery(true);
  try {
    // The empty password: what every reader tries first, so what opens without asking.
    pdf.processMemoryFile(std::string(kDescription).c_str(), bytes.data(), bytes.size(), "");
    facts->error.clear();
    return true;
  } catch (const QPDFExc& error) {
    facts->password_required = error.getErrorCode() == qpdf_e_password;
    facts->error = ToValidUtf8(error.getMessageDetail());
  } catch (const std::exception& error) {
    facts->error = ToValidUtf8(error.what());
  }
  return false;
}

}  // namespace

void ReadWithQpdf(std::string_view data, const PdfLimits& limits, QpdfFacts* facts) {
  // QPDF reads the bytes in place (BufferInputSource without a copy): `relaxed` outlives it.
  std::string relaxed;
  std::vector<std::uint64_t> inserted;
  auto pdf = std::make_unique<QPDF>();
  bool opened = Open(*pdf, data, facts);
  if (!opened && !facts->password_required) {
    relaxed = BreakLinesBeforeTrailers(data, &inserted);
    if (!inserted.empty()) {
      pdf = std::make_unique<QPDF>();
      const std::string first_error = facts->error;
      opened = Open(*pdf, relaxed, facts);
      if (!opened) facts->error = first_error;
    }
  }
  if (!opened) {
    if (facts->password_required) facts->info.mutable_encryption()->set_encrypted(true);
    return;
  }
  facts->opened = true;
  facts->info.set_version(TruncateUtf8(ToValidUtf8(pdf->getPDFVersion()), 16));
  const std::size_t line_breaks = inserted.size();
  Walker walker(*pdf, limits, *facts, std::move(inserted));
  if (line_breaks > 0) {
    walker.AddWarning("qpdf read the file only after a line break was put before " + std::to_string(line_breaks) +
                          " \"trailer\" keyword(s); offsets are the sample's own",
                      true);
  }
  try {
    walker.Run();
  } catch (const std::exception& error) {
    // Whatever was read so far stays; the rest of the walk is lost.
    walker.AddWarning(std::string("qpdf: ") + error.what(), true);
  }
  try {
    walker.DrainWarnings();
  } catch (const std::exception&) {
  }
}

}  // namespace kensa::pdf::internal
