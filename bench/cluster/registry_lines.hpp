#pragma once
// What a host's registry says when one of its entries changes (a debug line of
// host/messaging/registry.cpp): "registry: agent NAME on machine MACHINE now ready" or
// "... now not ready". The bench times these lines to see when a host learned of a change.

#include <optional>
#include <string>
#include <string_view>

namespace agenthost::bench {

inline constexpr const char* kRegistryLine = "registry: agent ";

struct RegistryChange {
  std::string agent;
  std::string machine;
  bool ready = false;
};

// The change a log line reports; std::nullopt for any other line.
std::optional<RegistryChange> parse_registry_line(std::string_view line);

// The text that starts the line for `agent` of `machine` becoming ready (or not).
std::string registry_line(const std::string& agent, const std::string& machine, bool ready);

}  // namespace agenthost::bench
