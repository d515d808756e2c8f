#include "gateway_server.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "kensa/api/v1/intake.grpc.pb.h"
#include "kensa/report/render.h"

namespace kensa::gateway {

namespace {

constexpr std::size_t kUploadChunkBytes = 1 << 20;
// Multipart framing around the file: the body limit is the file limit plus this much.
constexpr std::uint64_t kMultipartOverheadBytes = 1 << 20;

std::string JsonEscape(const std::string& text) {
  std::string out;
  for (char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += raw;
        }
    }
  }
  return out;
}

void SendError(httplib::Response& res, int code, const std::string& message) {
  res.status = code;
  res.set_content("{\"error\": {\"code\": " + std::to_string(code) + ", \"message\": \"" + JsonEscape(message) + "\"}}\n",
                  "application/json");
}

int HttpCodeOf(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 413;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    default: return 500;
  }
}

void SendGrpcError(httplib::Response& res, const grpc::Status& status) {
  // Internal transport details stay in the log; the caller gets the service's own message.
  const int code = HttpCodeOf(status);
  if (code == 503 && status.error_message().find("connect") != std::string::npos) {
    SendError(res, 503, "the analysis service is unavailable; try again shortly");
    res.set_header("Retry-After", "5");
    return;
  }
  if (code == 503) res.set_header("Retry-After", "5");
  SendError(res, code, status.error_message());
}

void SendMessage(httplib::Response& res, int code, const google::protobuf::Message& message) {
  auto json = report::RenderJson(message);
  if (!json) {
    SendError(res, 500, json.error().message());
    return;
  }
  res.status = code;
  res.set_content(*json, "application/json");
}

std::optional<sample::v1::Priority> ParsePriority(const std::string& text) {
  if (text.empty() || text == "p3") return sample::v1::PRIORITY_P3;
  if (text == "p1") return sample::v1::PRIORITY_P1;
  if (text == "p2") return sample::v1::PRIORITY_P2;
  if (text == "p4") return sample::v1::PRIORITY_P4;
  return std::nullopt;
}

std::string PresentedKey(const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  if (authorization.rfind("Bearer ", 0) == 0) return authorization.substr(7);
  return req.get_header_value("X-API-Key");
}

}  // namespace

struct GatewayServer::Impl {
  GatewayOptions options;
  ApiKeyRing keys;
  std::unique_ptr<api::v1::Intake::Stub> intake;
  std::unique_ptr<api::v1::Reports::Stub> reports;
  admin_http::HttpMetrics* metrics = nullptr;
  httplib::Server server;
  std::thread thread;
  int port = 0;

  void SetDeadline(grpc::ClientContext& context, int seconds) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  }

  // Wraps a handler with authentication, the role check and metrics under a route template.
  template <typename Handler>
  httplib::Server::Handler Route(const std::string& route, bool needs_submit, Handler handler) {
    return [this, route, needs_submit, handler](const httplib::Request& req, httplib::Response& res) {
      const auto started = std::chrono::steady_clock::now();
      const auto principal = keys.Authenticate(PresentedKey(req));
      if (!principal) {
        res.set_header("WWW-Authenticate", "Bearer");
        SendError(res, 401, "missing or unknown API key (send Authorization: Bearer <key>)");
      } else if (needs_submit && principal->role != Role::kSubmitter) {
        SendError(res, 403, "API key '" + principal->name + "' may read but not submit");
      } else {
        try {
          handler(*principal, req, res);
        } catch (const std::exception& error) {
          spdlog::error("route={} failed: {}", route, error.what());
          SendError(res, 500, "internal error");
        }
      }
      if (metrics) {
        metrics->RequestDone(route, res.status,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
    };
  }

  void Submit(const Principal& principal, const httplib::Request& req, httplib::Response& res) {
    if (!req.is_multipart_form_data()) {
      SendError(res, 400, "send the file as multipart/form-data with a part named 'file'");
      return;
    }
    if (!req.has_file("file")) {
      SendError(res, 400, "the multipart body has no part named 'file'");
      return;
    }
    const auto file = req.get_file_value("file");
    if (file.content.empty()) {
      SendError(res, 400, "the file is empty");
      return;
    }
    if (file.content.size() > options.max_upload_bytes) {
      SendError(res, 413, "the file is " + std::to_string(file.content.size()) + " bytes, over the limit of " +
                              std::to_string(options.max_upload_bytes));
      return;
    }
    const auto priority = ParsePriority(req.has_file("priority") ? req.get_file_value("priority").content
                                                                 : req.get_param_value("priority"));
    if (!priority) {
      SendError(res, 400, "priority must be p1, p2, p3 or p4");
      return;
    }
    api::v1::SubmitRequest metadata;
    auto* meta = metadata.mutable_metadata();
    meta->set_tenant(principal.tenant);
    meta->set_submitted_by(principal.name);
    meta->set_file_name(req.has_file("filename") ? req.get_file_value("filename").content : file.filename);
    meta->set_priority(*priority);
    const std::string reanalyze = req.has_file("reanalyze") ? req.get_file_value("reanalyze").content
                                                            : req.get_param_value("reanalyze");
    meta->set_reanalyze(reanalyze == "true" || reanalyze == "1");
    for (const auto& [name, part] : req.files) {
      if (name == "password" && !part.content.empty()) meta->add_passwords(part.content);
    }

    grpc::ClientContext context;
    SetDeadline(context, options.submit_deadline_seconds);
    api::v1::SubmitResponse response;
    const grpc::Status status = StreamUpload(intake->Submit(&context, &response), metadata, file.content);
    if (!status.ok()) {
      SendGrpcError(res, status);
      return;
    }
    res.set_header("Location", "/api/v1/submissions/" + response.submission().id());
    SendMessage(res, 202, response);
  }

  // Streams an upload to intake: the metadata message first, then the bytes in chunks.
  template <typename Request>
  static grpc::Status StreamUpload(std::unique_ptr<grpc::ClientWriter<Request>> writer, const Request& metadata,
                                   const std::string& content) {
    bool written = writer->Write(metadata);
    for (std::size_t offset = 0; written && offset < content.size(); offset += kUploadChunkBytes) {
      Request chunk;
      chunk.set_chunk(content.substr(offset, kUploadChunkBytes));
      written = writer->Write(chunk);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // POST /api/v1/collections: a collector's archive, multipart like samples (the collectors'
  // --upload sends part `file`, and `case_id`, which the manifest repeats and so is not kept).
  void SubmitCollection(const Principal& principal, const httplib::Request& req, httplib::Response& res) {
    if (!req.is_multipart_form_data()) {
      SendError(res, 400, "send the collection as multipart/form-data with a part named 'file'");
      return;
    }
    if (!req.has_file("file")) {
      SendError(res, 400, "the multipart body has no part named 'file'");
      return;
    }
    const auto file = req.get_file_value("file");
    if (file.content.empty()) {
      SendError(res, 400, "the collection is empty");
      return;
    }
    if (file.content.size() > options.max_collection_bytes) {
      SendError(res, 413, "the collection is " + std::to_string(file.content.size()) +
                              " bytes, over the limit of " + std::to_string(options.max_collection_bytes));
      return;
    }
    const auto priority = ParsePriority(req.has_file("priority") ? req.get_file_value("priority").content
                                                                 : req.get_param_value("priority"));
    if (!priority) {
      SendError(res, 400, "priority must be p1, p2, p3 or p4");
      return;
    }
    api::v1::SubmitCollectionRequest metadata;
    auto* meta = metadata.mutable_metadata();
    meta->set_tenant(principal.tenant);
    meta->set_submitted_by(principal.name);
    meta->set_file_name(file.filename);
    meta->set_priority(*priority);
    for (const auto& [name, part] : req.files) {
      if (name == "password" && !part.content.empty()) meta->add_passwords(part.content);
    }

    grpc::ClientContext context;
    SetDeadline(context, options.submit_deadline_seconds);
    api::v1::SubmitCollectionResponse response;
    const grpc::Status status =
        StreamUpload(intake->SubmitCollection(&context, &response), metadata, file.content);
    if (!status.ok()) {
      SendGrpcError(res, status);
      return;
    }
    res.set_header("Location", "/api/v1/collections/" + response.collection().id());
    SendMessage(res, 202, response);
  }

  void CollectionStatus(const Principal& principal, const httplib::Request& req, httplib::Response& res) {
    api::v1::CollectionStatusRequest request;
    request.set_tenant(principal.tenant);
    request.set_collection_id(req.matches[1]);
    api::v1::CollectionStatusResponse response;
    grpc::ClientContext context;
    SetDeadline(context, options.call_deadline_seconds);
    const grpc::Status status = intake->CollectionStatus(&context, request, &response);
    if (!status.ok()) return SendGrpcError(res, status);
    SendMessage(res, 200, response);
  }

  void CollectionReport(const Principal& principal, const httplib::Request& req, httplib::Response& res) {
    const api::v1::GetReportRequest request = ReportRequest(principal, req);
    api::v1::GetCollectionReportResponse response;
    grpc::ClientContext context;
    SetDeadline(context, options.call_deadline_seconds);
    const grpc::Status status = reports->GetCollectionReport(&context, request, &response);
    if (!status.ok()) return SendGrpcError(res, status);
    SendRendered(res, request.format(), response.rendered(), response.content_type());
  }

  void Status(const Principal& principal, const httplib::Request& req, httplib::Response& res) {
    api::v1::StatusRequest request;
    request.set_tenant(principal.tenant);
    request.set_submission_id(req.matches[1]);
    api::v1::StatusResponse response;
    grpc::ClientContext context;
    SetDeadline(context, options.call_deadline_seconds);
    const grpc::Status status = intake->Status(&context, request, &response);
    if (!status.ok()) return SendGrpcError(res, status);
    SendMessage(res, 200, response);
  }

  void List(const Principal& principal, const httplib::Request& req, httplib::Response& res) {
    api::v1::ListRequest request;
    request.set_tenant(principal.tenant);
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      char* end = nullptr;
      const unsigned long limit = std::strtoul(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || limit == 0 || limit > 500) {
        SendError(res, 400, "limit must be a number from 1 to 500");
        return;
      }
      request.set_limit(static_cast<std::uint32_t>(limit));
    }
    request.set_cursor(req.get_param_value("cursor"));
    api::v1::ListResponse response;
    grpc::ClientContext context;
    SetDeadline(context, options.call_deadline_seconds);
    const grpc::Status status = intake->List(&context, request, &response);
    if (!status.ok()) return SendGrpcError(res, status);
    SendMessage(res, 200, response);
  }

  void Report(const Principal& principal, const httplib::Request& req, httplib::Response& res) {
    const api::v1::GetReportRequest request = ReportRequest(principal, req);
    api::v1::GetReportResponse response;
    grpc::ClientContext context;
    SetDeadline(context, options.call_deadline_seconds);
    const grpc::Status status = reports->Get(&context, request, &response);
    if (!status.ok()) return SendGrpcError(res, status);
    SendRendered(res, request.format(), response.rendered(), response.content_type());
  }

  // A sample's or a collection's report request: the id from the route, ?format= and ?lang=.
  static api::v1::GetReportRequest ReportRequest(const Principal& principal, const httplib::Request& req) {
    api::v1::GetReportRequest request;
    request.set_tenant(principal.tenant);
    request.set_submission_id(req.matches[1]);
    request.set_format(req.has_param("format") ? req.get_param_value("format") : "json");
    request.set_language(req.has_param("lang") ? req.get_param_value("lang") : "en");
    return request;
  }

  static void SendRendered(httplib::Response& res, const std::string& format, const std::string& rendered,
                           const std::string& content_type) {
    res.status = 200;
    if (format == "html") {
      // The report is self-contained; nothing in it may load or run anything.
      res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    }
    res.set_content(rendered, content_type.c_str());
  }

  void Sample(const Principal& principal, const httplib::Request& req, httplib::Response& res) {
    api::v1::LookupSampleRequest request;
    request.set_tenant(principal.tenant);
    request.set_sha256(req.matches[1]);
    api::v1::LookupSampleResponse response;
    grpc::ClientContext context;
    SetDeadline(context, options.call_deadline_seconds);
    const grpc::Status status = intake->LookupSample(&context, request, &response);
    if (!status.ok()) return SendGrpcError(res, status);
    SendMessage(res, 200, response);
  }
};

GatewayServer::GatewayServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GatewayServer::~GatewayServer() { Stop(); }
int GatewayServer::port() const { return impl_->port; }

void GatewayServer::Stop() {
  if (impl_ && impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

Result<std::unique_ptr<GatewayServer>> GatewayServer::Start(const GatewayOptions& options, ApiKeyRing keys,
                                                            std::shared_ptr<grpc::Channel> intake,
                                                            std::shared_ptr<grpc::Channel> reports,
                                                            admin_http::HttpMetrics* metrics) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->keys = std::move(keys);
  impl->intake = api::v1::Intake::NewStub(intake);
  impl->reports = api::v1::Reports::NewStub(reports);
  impl->metrics = metrics;
  Impl* self = impl.get();
  auto& server = impl->server;
  // httplib has one body limit for the server, so it is the larger of the two; each route checks
  // its own limit on the file it received (a sample body may thus be read up to the collection
  // limit before it is refused).
  server.set_payload_max_length(std::max(options.max_upload_bytes, options.max_collection_bytes) +
                                kMultipartOverheadBytes);
  // httplib answers some errors itself (413 for an oversized body, 404 for unknown paths) with
  // an empty body; give those a JSON message like every other error.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      SendError(res, 413, "the upload is over the size limit");
    } else if (res.status == 404) {
      SendError(res, 404, "no such endpoint (see docs/api/openapi.yaml)");
    } else {
      SendError(res, res.status, "request rejected");
    }
  });
  server.Post("/api/v1/submissions", self->Route("/api/v1/submissions", true, [self](auto& p, auto& q, auto& r) {
    self->Submit(p, q, r);
  }));
  server.Get("/api/v1/submissions", self->Route("/api/v1/submissions", false, [self](auto& p, auto& q, auto& r) {
    self->List(p, q, r);
  }));
  server.Get(R"(/api/v1/submissions/([0-9a-f-]{1,100}))",
             self->Route("/api/v1/submissions/{id}", false, [self](auto& p, auto& q, auto& r) { self->Status(p, q, r); }));
  server.Get(R"(/api/v1/submissions/([0-9a-f-]{1,100})/report)",
             self->Route("/api/v1/submissions/{id}/report", false,
                         [self](auto& p, auto& q, auto& r) { self->Report(p, q, r); }));
  server.Post("/api/v1/collections", self->Route("/api/v1/collections", true, [self](auto& p, auto& q, auto& r) {
    self->SubmitCollection(p, q, r);
  }));
  server.Get(R"(/api/v1/collections/([0-9a-f-]{1,100}))",
             self->Route("/api/v1/collections/{id}", false,
                         [self](auto& p, auto& q, auto& r) { self->CollectionStatus(p, q, r); }));
  server.Get(R"(/api/v1/collections/([0-9a-f-]{1,100})/report)",
             self->Route("/api/v1/collections/{id}/report", false,
                         [self](auto& p, auto& q, auto& r) { self->CollectionReport(p, q, r); }));
  server.Get(R"(/api/v1/samples/([0-9a-fA-F]{1,128}))",
             self->Route("/api/v1/samples/{sha256}", false, [self](auto& p, auto& q, auto& r) { self->Sample(p, q, r); }));

  if (options.port == 0) {
    impl->port = server.bind_to_any_port(options.host.c_str());
  } else if (server.bind_to_port(options.host.c_str(), options.port)) {
    impl->port = options.port;
  }
  if (impl->port <= 0) {
    return UnavailableError("gateway cannot listen on " + options.host + ":" + std::to_string(options.port));
  }
  impl->thread = std::thread([self] { self->server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<GatewayServer>(new GatewayServer(std::move(impl)));
}

}  // namespace kensa::gateway
