// AgentHost::set_log_level: `agentctl log-level AGENT LEVEL` while the host runs.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/suggest.hpp"
#include "runtime/agent_host.hpp"
#include "runtime/agent_host_record.hpp"

namespace agenthost::runtime {

observability::LogLevelChange AgentHost::set_log_level(std::string_view logger,
                                                       observability::LogLevel level) {
  // A logger's level is atomic, and a record's spec, selected and logger never change after
  // the constructor: no lock is needed, so a busy start-up cannot delay the change.
  if (logger == observability::kHostLoggerName) {
    auto host_logger = spdlog::default_logger();
    const auto previous = host_logger->level();
    host_logger->set_level(level);
    return {.previous = previous, .error = {}};
  }
  std::vector<std::string> names;
  for (const auto& r : records_) {
    if (r.spec->name != logger) {
      if (r.selected) names.push_back(r.spec->name);
      continue;
    }
    if (!r.selected)
      return {.previous = std::nullopt,
              .error = fmt::format("agent '{}' runs on machine '{}', not in this host (ask that machine's host)",
                                   logger, r.spec->machine)};
    const auto previous = r.logger->level();
    r.logger->set_level(level);
    return {.previous = previous, .error = {}};
  }
  const std::string hint = config::did_you_mean(logger, names);
  return {.previous = std::nullopt,
          .error = fmt::format("unknown agent '{}' ({})", logger,
                               hint.empty() ? fmt::format("`agentctl list` shows this host's agents; '{}' is the "
                                                          "host's own logger",
                                                          observability::kHostLoggerName)
                                            : hint)};
}

}  // namespace agenthost::runtime
