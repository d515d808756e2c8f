// kensa-emulate: runs kensa::emulator::Emulate on one file and prints the BehaviorResult as JSON.
// A developer tool for the emulator's comparison test against wine
// (tests/winbins/wine_vs_emulator_test.py) and the benchmark against speakeasy
// (bench/emulator_bench.py); not a product binary. Never give it a file you would not emulate:
// nothing the sample does reaches the host, but this tool is not isolated like a stage.
//
//   kensa-emulate [--arch x86|x64] [--max-instructions N] [--max-api-calls N]
//                 [--timeout-ms N] [--http-body-file FILE] [--socket-response TEXT]
//                 [--dns NAME=IP]... [--dll-export NAME]... [--no-api-calls]
//                 FILE [-- ARG...]
//
// Prints one JSON object: {"file", "seconds", "behavior"}. "seconds" is the wall time of the
// Emulate call (loading, emulation and result building; not process start-up), "behavior" the
// BehaviorResult in proto3 JSON with the .proto field names (64-bit numbers are strings there).
// --arch names the architecture of raw shellcode (a PE names its own). ARGs become argv[1...].
// --http-body-file makes the simulated HTTP server answer with that file's bytes, so a download
// can be compared by content with a run against a real server.

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "kensa/core/file.h"
#include "kensa/emulator/emulator.h"

namespace {

// Larger inputs are not what this tool is for; the emulator maps at most 256 MiB anyway.
constexpr std::uint64_t kMaxInputBytes = 256ull << 20;
// The HTTP body served to the sample is held in memory and copied into its buffers.
constexpr std::uint64_t kMaxHttpBodyBytes = 16ull << 20;

int Usage(const char* message) {
  std::fprintf(stderr,
               "kensa-emulate: %s\n"
               "usage: kensa-emulate [--arch x86|x64] [--max-instructions N] [--max-api-calls N]\n"
               "                     [--timeout-ms N] [--http-body-file FILE]\n"
               "                     [--socket-response TEXT] [--dns NAME=IP]...\n"
               "                     [--dll-export NAME]... [--no-api-calls] FILE [-- ARG...]\n",
               message);
  return 2;
}

template <typename Number>
bool ParseNumber(std::string_view text, Number& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// A JSON string literal of text (a path given on the command line).
std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  kensa::emulator::EmulationOptions options;
  std::string file;
  bool keep_api_calls = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--") {
      for (++i; i < argc; ++i) options.environment.arguments.emplace_back(argv[i]);
      break;
    }
    if (arg == "--no-api-calls") {
      keep_api_calls = false;
    } else if (arg == "--arch" && has_value) {
      options.shellcode_arch = argv[++i];
      if (options.shellcode_arch != "x86" && options.shellcode_arch != "x64") {
        return Usage("--arch is x86 or x64");
      }
    } else if (arg == "--max-instructions" && has_value) {
      if (!ParseNumber(argv[++i], options.limits.max_instructions)) return Usage("bad number");
    } else if (arg == "--max-api-calls" && has_value) {
      if (!ParseNumber(argv[++i], options.limits.max_api_calls)) return Usage("bad number");
    } else if (arg == "--timeout-ms" && has_value) {
      if (!ParseNumber(argv[++i], options.limits.timeout_ms)) return Usage("bad number");
    } else if (arg == "--http-body-file" && has_value) {
      auto body = kensa::ReadFileBounded(argv[++i], kMaxHttpBodyBytes);
      if (!body) {
        std::fprintf(stderr, "kensa-emulate: %s\n", body.error().message().c_str());
        return 1;
      }
      options.environment.http_response_body.assign(body->begin(), body->end());
    } else if (arg == "--socket-response" && has_value) {
      options.environment.socket_response = argv[++i];
    } else if (arg == "--dns" && has_value) {
      const std::string_view pair = argv[++i];
      const std::size_t equals = pair.find('=');
      if (equals == std::string_view::npos) return Usage("--dns takes NAME=IP");
      options.environment.dns_answers[std::string(pair.substr(0, equals))] =
          std::string(pair.substr(equals + 1));
    } else if (arg == "--dll-export" && has_value) {
      options.dll_exports.emplace_back(argv[++i]);
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage("unknown option or missing value");
    } else if (file.empty()) {
      file = arg;
    } else {
      return Usage("one FILE only; program arguments go after --");
    }
  }
  if (file.empty()) return Usage("no FILE");

  auto bytes = kensa::ReadFileBounded(file, kMaxInputBytes);
  if (!bytes) {
    std::fprintf(stderr, "kensa-emulate: %s\n", bytes.error().message().c_str());
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  auto output = kensa::emulator::Emulate(*bytes, options);
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
  if (!output) {
    std::fprintf(stderr, "kensa-emulate: %s\n", output.error().message().c_str());
    return 1;
  }
  if (!keep_api_calls) output->behavior.clear_api_calls();

  google::protobuf::util::JsonPrintOptions json_options;
  json_options.preserve_proto_field_names = true;
  std::string behavior;
  const auto written =
      google::protobuf::util::MessageToJsonString(output->behavior, &behavior, json_options);
  if (!written.ok()) {
    std::fprintf(stderr, "kensa-emulate: the result could not be written as JSON\n");
    return 1;
  }
  std::printf("{\"file\": %s, \"seconds\": %.6f, \"behavior\": %s}\n", JsonQuote(file).c_str(),
              seconds.count(), behavior.c_str());
  return 0;
}
