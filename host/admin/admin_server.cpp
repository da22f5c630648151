#include "admin/admin_server.hpp"

#include <civetweb.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <cstring>
#include <mutex>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "admin/admin_pages.hpp"

namespace agenthost::admin {
namespace {

// Four threads: Prometheus, a probe and a person or two; civetweb's default is 50.
constexpr const char* kThreads = "4";

std::string civetweb_address(const config::ListenAddress& listen) {
  const std::string host = listen.host == "localhost" ? "127.0.0.1" : listen.host;
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, listen.port);
  return fmt::format("{}:{}", host, listen.port);
}

// A HEAD answer has GET's headers, Content-Length included (RFC 9110 8.6), and no body.
void send(mg_connection* conn, const Page& page, bool with_body) {
  const char* reason = page.status == 200 ? "OK"
                       : page.status == 404 ? "Not Found"
                       : page.status == 405 ? "Method Not Allowed"
                                            : "Service Unavailable";
  // One write for head and body: two would meet Nagle's algorithm and the client's delayed
  // ACK, and every answer would take 40 ms.
  std::string answer = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n{}\r\n",
      page.status, reason, page.content_type, page.body.size(),
      page.status == 405 ? "Allow: GET, HEAD\r\n" : "");
  if (with_body) answer += page.body;
  mg_write(conn, answer.data(), answer.size());
}

void init_civetweb_once() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
}

}  // namespace

AdminServer::AdminServer(config::ListenAddress listen, AdminSources sources)
    : listen_(std::move(listen)), sources_(std::move(sources)) {}

AdminServer::~AdminServer() { stop(); }

std::optional<std::string> AdminServer::start() {
  if (context_ != nullptr) return std::nullopt;
  init_civetweb_once();
  const std::string address = civetweb_address(listen_);
  const char* options[] = {"listening_ports", address.c_str(),
                           "num_threads",     kThreads,
                           "request_timeout_ms", "10000",
                           "enable_keep_alive", "yes",
                           "tcp_nodelay", "1",  // answers are whole: send them at once
                           nullptr};
  mg_callbacks callbacks{};
  mg_init_data init{&callbacks, this, options};
  char error_text[256] = {};
  unsigned error_code = 0;
  mg_error_data error{&error_code, error_text, sizeof error_text};
  context_ = mg_start2(&init, &error);
  if (context_ == nullptr) {
    return fmt::format("admin listener host.admin.listen {}: {} (is the port taken? choose "
                       "another, or 0 for any free port)",
                       address, error_text[0] ? error_text : "cannot listen");
  }
  mg_set_request_handler(context_, "/", &AdminServer::handle, this);
  mg_server_port ports[4] = {};
  const int n = mg_get_server_ports(context_, 4, ports);
  const int port = n > 0 ? ports[0].port : listen_.port;
  port_ = port;
  const std::string host = listen_.host == "localhost" ? "127.0.0.1" : listen_.host;
  url_ = host.find(':') != std::string::npos ? fmt::format("http://[{}]:{}", host, port)
                                             : fmt::format("http://{}:{}", host, port);
  spdlog::info("admin listener on {} (/status, /health, /readyz, /healthz, /metrics)", url_);
  return std::nullopt;
}

void AdminServer::stop() {
  if (context_ == nullptr) return;
  // mg_stop() waits for civetweb's accept thread, which looks at its stop flag only between
  // polls of 2 s each: a connection of our own wakes it, so that the host stops in ms.
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    mg_stop(context_);  // also waits for the handlers that run
    stopped = true;
  });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!stopped && std::chrono::steady_clock::now() < give_up) {
    wake_accept_loop();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stopper.join();
  context_ = nullptr;
}

void AdminServer::wake_accept_loop() const {
  // The wildcard addresses are reached through loopback.
  std::string host = listen_.host == "localhost" || listen_.host == "0.0.0.0" ? "127.0.0.1"
                     : listen_.host == "::"                                  ? "::1"
                                                                             : listen_.host;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port_).c_str(), &hints, &found) != 0) return;
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd >= 0) {
    ::connect(fd, found->ai_addr, found->ai_addrlen);  // non-blocking: the SYN is enough
    ::close(fd);
  }
  ::freeaddrinfo(found);
}

int AdminServer::handle(mg_connection* conn, void* self) {
  try {
    return static_cast<AdminServer*>(self)->route(conn);
  } catch (const std::exception& e) {
    send(conn, {503, "text/plain; charset=utf-8", fmt::format("error: {}\n", e.what())}, true);
    return 503;
  }
}

int AdminServer::route(mg_connection* conn) {
  const mg_request_info* request = mg_get_request_info(conn);
  const std::string_view method = request->request_method ? request->request_method : "";
  const std::string_view uri = request->local_uri ? request->local_uri : "/";
  if (method != "GET" && method != "HEAD") {
    send(conn, {405, "text/plain; charset=utf-8", "only GET\n"}, true);
    return 405;
  }
  Page page;
  if (uri == "/healthz") {
    page = sources_.host_loop_alive()
               ? Page{200, "text/plain; charset=utf-8", "ok\n"}
               : Page{503, "text/plain; charset=utf-8", "the host's I/O loop is not running\n"};
  } else if (uri == "/readyz") {
    page = readyz(sources_.snapshot());
  } else if (uri == "/health") {
    page = health_json(sources_.snapshot());
  } else if (uri == "/metrics") {
    page = {200, "text/plain; version=0.0.4; charset=utf-8", sources_.metrics()};
  } else if (uri == "/status" || uri == "/") {
    const auto snapshot = sources_.snapshot();
    page = status_html(snapshot, sources_.startup_svg ? sources_.startup_svg(snapshot) : "");
  } else {
    page = {404, "text/plain; charset=utf-8",
            "not found: try /status, /health, /readyz, /healthz or /metrics\n"};
  }
  send(conn, page, method != "HEAD");
  return page.status;
}

}  // namespace agenthost::admin
