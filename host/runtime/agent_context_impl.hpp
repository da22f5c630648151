#pragma once
// The host's implementation of the plugin API's AgentContext.

#include <memory>
#include <string>

#include "agenthost/agent_context.hpp"

namespace agenthost::runtime {

class AgentContextImpl final : public AgentContext {
 public:
  AgentContextImpl(std::string name, std::string machine, YAML::Node config,
                   std::shared_ptr<spdlog::logger> logger)
      : name_(std::move(name)),
        machine_(std::move(machine)),
        config_(std::move(config)),
        logger_(std::move(logger)) {}

  const std::string& name() const override { return name_; }
  const std::string& machine() const override { return machine_; }
  const YAML::Node& config() const override { return config_; }
  spdlog::logger& logger() const override { return *logger_; }

 private:
  std::string name_;
  std::string machine_;
  YAML::Node config_;  // a deep copy: yaml-cpp nodes that share memory are not thread-safe
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace agenthost::runtime
