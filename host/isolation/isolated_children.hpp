#pragma once
// `isolation: process` on the host's side (README, "Isolation"): an isolated agent runs in a
// child agenthost (the same executable, `agenthost run` on a one-agent config this writes),
// which the host supervises as a process agent (process/process_agent.hpp): requests to the
// agent's endpoint are forwarded to the child's over ipc://, health is its agenthost.health,
// its stdout and stderr go to the agent's log, and an exit is seen at once and handled by the
// restart policy. The child sends its error events to this host's bus over ipc:// and calls
// this host's agents through the ipc:// addresses this host then binds for each of them.
//
// Everything lives in one folder of this process, removed when the host ends:
//   DIR/host/NAME.sock   this host's agents, for the children's calls
//   DIR/child/NAME.sock  each child's agent, for this host's calls
//   DIR/errors.sock      the children's error events
//   DIR/NAME.yaml        each child's config
// DIR is $RUNTIME_DIRECTORY (set by systemd), else $XDG_RUNTIME_DIR, else /tmp, plus
// agenthost-isolation-PID.
//
// An isolated agent's own metrics (ctx.metrics()) live in its child: collect_metrics() asks
// the children for them (agenthost.metrics) when /metrics is scraped.
//
// Threads: thread-safe (starts run in parallel). stop() from the control thread, before
// messaging stops.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "config/config_model.hpp"
#include "errors/error_bus.hpp"
#include "errors/error_collector.hpp"
#include "messaging/messaging_host.hpp"
#include "observability/log_settings.hpp"
#include "process/ah1_caller.hpp"

namespace agenthost::isolation {

class IsolatedChildren {
 public:
  IsolatedChildren(messaging::MessagingHost& messaging, errors::ErrorBus& errors, prometheus::Registry& metrics);
  ~IsolatedChildren();  // stop(), and the folder is removed
  IsolatedChildren(const IsolatedChildren&) = delete;
  IsolatedChildren& operator=(const IsolatedChildren&) = delete;

  // How to run `agent` in a child: a process agent's settings, its config file written.
  // The first call makes the folder, opens the error collector and binds this host's agents
  // over ipc://. An error says what could not be made.
  std::variant<config::ProcessSpec, std::string> child_spec(const config::HostSpec& host, const std::string& machine,
                                                            const config::AgentSpec& agent,
                                                            observability::LogLevel host_level);

  // The own metric families of these isolated agents, from their children, each asked with
  // a deadline of kMetricsTimeout; a child that does not answer in time is left out of this
  // scrape (and logged). Any thread; nothing after stop().
  static constexpr std::chrono::milliseconds kMetricsTimeout{250};
  std::vector<prometheus::MetricFamily> collect_metrics(const std::vector<std::string>& agents);

  void stop();

 private:
  std::optional<std::string> prepare_locked();

  messaging::MessagingHost& messaging_;
  errors::ErrorBus& errors_;
  prometheus::Registry& metrics_;
  std::mutex mu_;
  std::string dir_;        // guarded by mu_; "" until the first child
  std::string executable_;  // guarded by mu_
  std::unique_ptr<errors::ErrorCollector> collector_;  // guarded by mu_
  bool stopped_ = false;                                // guarded by mu_
  // Per isolated agent, a caller of its child's endpoint (for its metrics). Guarded by mu_;
  // a scrape holds its own references while it calls.
  std::unordered_map<std::string, std::shared_ptr<process::Ah1Caller>> metrics_callers_;
};

// The `agenthost run` options of a child: where its host's folder is (its agent binds in
// DIR/child, it calls the host's agents in DIR/host, its errors go to DIR/errors.sock).
struct ChildLinks {
  std::string child_dir;
  std::string host_dir;
  std::string errors_endpoint;
};
ChildLinks child_links(const std::string& dir);

}  // namespace agenthost::isolation
