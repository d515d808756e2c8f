// The one translation unit that includes cpp-httplib.
#include "kensa/admin_http/admin_server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <thread>
#include <utility>

namespace kensa::admin_http {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4";
constexpr char kTextContentType[] = "text/plain; charset=utf-8";
// Prometheus and the kubelet are the only clients, a few requests a minute.
constexpr std::size_t kServerThreads = 2;
constexpr std::chrono::seconds kReadTimeout{2};

void ServeMetrics(const std::shared_ptr<prometheus::Registry>& registry, httplib::Response& res) {
  std::string body;
  if (registry != nullptr) body = prometheus::TextSerializer().Serialize(registry->Collect());
  res.status = 200;
  res.set_content(body, kMetricsContentType);
}

void ServeReadiness(const std::function<Status()>& readiness, httplib::Response& res) {
  Status status;
  if (readiness) {
    try {
      status = readiness();
    } catch (const std::exception& e) {
      status = InternalError(std::string("readiness check threw: ") + e.what());
    } catch (...) {
      status = InternalError("readiness check threw an exception");
    }
  }
  if (status.ok()) {
    res.status = 200;
    res.set_content("ready", kTextContentType);
  } else {
    res.status = 503;
    res.set_content(status.message(), kTextContentType);
  }
}

}  // namespace

struct AdminServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
  int port = 0;
};

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() { Stop(); }

int AdminServer::port() const { return impl_->port; }

void AdminServer::Stop() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<AdminServer>> AdminServer::Start(const AdminServerConfig& config) {
  const std::string address = config.host + ":" + std::to_string(config.port);
  if (config.port < 0 || config.port > 65535) {
    return InvalidArgumentError("admin server port out of range: " + address);
  }
  auto impl = std::make_unique<Impl>();
  httplib::Server& server = impl->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  // httplib's default sets SO_REUSEPORT, which lets a second process bind the same port and
  // silently take half of the scrapes. SO_REUSEADDR alone still allows a quick restart.
  // One request per connection, and little patience for a client that sends nothing: an open
  // keep-alive connection would hold Stop() for httplib's 5 s keep-alive timeout, and a
  // scraper comes back far later than that anyway.
  server.set_keep_alive_max_count(1);
  server.set_read_timeout(kReadTimeout);
  server.set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.Get("/metrics", [registry = config.registry](const httplib::Request&,
                                                      httplib::Response& res) {
    ServeMetrics(registry, res);
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content("ok", kTextContentType);
  });
  server.Get("/readyz", [readiness = config.readiness](const httplib::Request&,
                                                       httplib::Response& res) {
    ServeReadiness(readiness, res);
  });

  errno = 0;
  if (config.port == 0) {
    impl->port = server.bind_to_any_port(config.host);
  } else {
    impl->port = server.bind_to_port(config.host, config.port) ? config.port : -1;
  }
  if (impl->port < 0) {
    // httplib reports only failure; errno still holds what bind() or getaddrinfo() left.
    const int bind_errno = errno;
    std::string message = "admin server cannot listen on " + address;
    if (bind_errno != 0) message += std::string(": ") + std::strerror(bind_errno);
    return UnavailableError(std::move(message));
  }

  std::atomic<bool>& listen_returned = impl->listen_returned;
  impl->thread = std::thread([&server, &listen_returned] {
    server.listen_after_bind();
    listen_returned = true;
  });
  // httplib's stop() does nothing before the accept loop runs, so a Stop() right after Start()
  // would otherwise leave the thread serving forever. The loop starts within microseconds.
  while (!server.is_running() && !listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server.is_running()) {
    impl->thread.join();
    return InternalError("admin server on " + address + " stopped as soon as it started");
  }
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

}  // namespace kensa::admin_http
