#pragma once
// The admin HTTP listener (host.admin.listen, civetweb): /metrics for Prometheus, /healthz,
// /readyz and /health for probes and tools, /status for people. Every page is made from the
// host's current view (a snapshot): no request calls into agent code, so a hung health()
// cannot slow an answer down.
//
// Threads: civetweb's own (a few); the pages' functions are called on them concurrently.

#include <functional>
#include <optional>
#include <string>

#include "config/config_model.hpp"
#include "runtime/host_snapshot.hpp"

struct mg_context;
struct mg_connection;

namespace agenthost::admin {

struct AdminSources {
  std::function<runtime::HostSnapshot()> snapshot;
  std::function<std::string()> metrics;    // the Prometheus text exposition
  std::function<bool()> host_loop_alive;   // the I/O loop and the runtime answer
  std::function<std::string(const runtime::HostSnapshot&)> startup_svg;  // for /status
};

class AdminServer {
 public:
  AdminServer(config::ListenAddress listen, AdminSources sources);
  ~AdminServer();  // stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Listens; an error names the address and what to do.
  std::optional<std::string> start();
  void stop();

  // "http://127.0.0.1:9464" (with the port the kernel chose for port 0). After start().
  const std::string& url() const { return url_; }

 private:
  static int handle(mg_connection* conn, void* self);
  int route(mg_connection* conn);
  void wake_accept_loop() const;

  const config::ListenAddress listen_;
  const AdminSources sources_;
  mg_context* context_ = nullptr;
  std::string url_;
  int port_ = 0;  // the bound port
};

}  // namespace agenthost::admin
