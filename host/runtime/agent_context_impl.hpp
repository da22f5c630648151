#pragma once
// The host's implementation of the plugin API's AgentContext.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agenthost/agent_context.hpp"
#include "errors/error_bus.hpp"
#include "messaging/agent_client.hpp"
#include "messaging/agent_endpoint.hpp"
#include "messaging/messaging_host.hpp"
#include "observability/agent_metrics.hpp"
#include "runtime/agent_tasks.hpp"

namespace agenthost::runtime {

class AgentContextImpl final : public AgentContext {
 public:
  AgentContextImpl(std::string name, std::string machine, YAML::Node config,
                   std::shared_ptr<spdlog::logger> logger, messaging::MessagingHost& messaging,
                   std::shared_ptr<messaging::AgentEndpoint> endpoint,
                   observability::AgentFamilies& metric_families, errors::ErrorBus& errors)
      : metrics_(metric_families, name),
        errors_(errors, name),
        tasks_(messaging.task_timer(), messaging.workers(),
               [&errors, name](const std::string& message) {
                 errors.report(name, "task", Severity::error, message);
               },
               name),
        name_(std::move(name)),
        machine_(std::move(machine)),
        config_(std::move(config)),
        logger_(std::move(logger)),
        messaging_(messaging),
        endpoint_(std::move(endpoint)) {}

  const std::string& name() const override { return name_; }
  const std::string& machine() const override { return machine_; }
  const YAML::Node& config() const override { return config_; }
  spdlog::logger& logger() const override { return *logger_; }

  void serve(std::string method, Handler handler) override {
    if (staging_.load(std::memory_order_acquire)) endpoint_->stage(std::move(method), std::move(handler));
    else endpoint_->serve(std::move(method), std::move(handler));
  }
  // A reload's new instance: its serve() calls are staged until the host switches to it.
  void stage_handlers() { staging_.store(true, std::memory_order_release); }
  void go_live() {
    endpoint_->install_staged();
    staging_.store(false, std::memory_order_release);
  }
  messaging::AgentEndpoint& endpoint() { return *endpoint_; }
  Client& client(std::string_view agent) override;
  zmq::context_t& zmq_context() override { return messaging_.context(); }
  SocketPool& sockets() override { return messaging_.sockets(); }
  Metrics& metrics() override { return metrics_; }
  ErrorReporter& errors() override { return errors_; }
  Tasks& tasks() override { return tasks_; }
  // After the agent's stop(), before it is destroyed (AgentInstance): no task runs afterwards.
  void close_tasks() { tasks_.close(); }
  void on_dependency_event(DependencyListener listener) override {
    std::lock_guard lock(listener_mu_);
    listener_ = std::make_shared<DependencyListener>(std::move(listener));
  }
  // The host tells the agent about a dependency (on a start thread, no host lock held). An
  // exception is the caller's to catch (guarded_call).
  void tell_dependency_event(const DependencyEvent& event) {
    std::shared_ptr<DependencyListener> listener;
    {
      std::lock_guard lock(listener_mu_);
      listener = listener_;
    }
    if (listener && *listener) (*listener)(event);
  }

 private:
  observability::AgentMetrics metrics_;
  errors::AgentErrorReporter errors_;
  AgentTasks tasks_;
  std::string name_;
  std::string machine_;
  YAML::Node config_;  // a deep copy: yaml-cpp nodes that share memory are not thread-safe
  std::shared_ptr<spdlog::logger> logger_;
  messaging::MessagingHost& messaging_;
  std::shared_ptr<messaging::AgentEndpoint> endpoint_;
  std::atomic<bool> staging_{false};
  std::mutex listener_mu_;
  std::shared_ptr<DependencyListener> listener_;  // guarded by listener_mu_; copied to call it
  std::mutex clients_mu_;
  std::map<std::string, std::unique_ptr<messaging::AgentClient>, std::less<>> clients_;  // guarded
};

inline Client& AgentContextImpl::client(std::string_view agent) {
  std::lock_guard lock(clients_mu_);
  auto it = clients_.find(agent);
  if (it == clients_.end()) {
    it = clients_
             .emplace(std::string(agent),
                      std::make_unique<messaging::AgentClient>(messaging_, name_, std::string(agent)))
             .first;
  }
  return *it->second;
}

}  // namespace agenthost::runtime
