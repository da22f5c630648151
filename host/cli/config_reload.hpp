#pragma once
// Configuration reload for `agenthost run`: the configuration file and its agents_dir drop-ins
// read again and handed to AgentHost::reconcile(), on request from SIGHUP, `agentctl reload`
// and the drop-in folder's watcher.

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/agent_host.hpp"

namespace agenthost::cli {

// Any thread. Reads `config_path` again; a file that does not parse, or a configuration that
// is not valid, changes nothing and every error comes back. Logs the outcome.
runtime::ReconcileResult reload_configuration(runtime::AgentHost& host, const std::string& config_path, bool force);

// The control socket's answer to `agentctl reload` (without an agent).
nlohmann::json reload_answer(const runtime::ReconcileResult& result);

// A thread that runs reload_configuration() when asked: SIGHUP's handler and the drop-in
// watcher must not wait for agents to stop and start. Requests that come while one runs
// are one more reload, not one each.
class ReloadRequests {
 public:
  ReloadRequests(runtime::AgentHost& host, std::string config_path);
  ~ReloadRequests();  // finishes the reload in progress, drops a pending one
  ReloadRequests(const ReloadRequests&) = delete;
  ReloadRequests& operator=(const ReloadRequests&) = delete;

  void request(std::string why);  // any thread; returns at once
  // Requests wait until this is called (after start-up: a reload is refused while it runs),
  // which starts the thread. From the thread that constructed this.
  void resume();

 private:
  void run();

  runtime::AgentHost& host_;
  const std::string config_path_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;  // why, for the log; empty when none
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace agenthost::cli
