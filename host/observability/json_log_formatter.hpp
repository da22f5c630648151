#pragma once
// The json log format: every log line is one JSON object on one line, for log shippers
// (Vector, Fluent Bit, Promtail) that read a process's stderr:
//
//   {"ts":"2026-11-27T05:32:29.594Z","level":"info","logger":"uplink","msg":"...","pid":4242}
//
// ts is UTC with milliseconds; level uses the config's names (log_settings.hpp); logger is
// the agent's name or "agenthost". Strings are escaped by nlohmann::json: quotes,
// backslashes and control characters are escaped, and bytes that are not UTF-8 become
// U+FFFD, so that one bad byte from an agent cannot make a line unreadable.

#include <memory>

#include <spdlog/formatter.h>

namespace agenthost::observability {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  // Called by a sink, under the sink's lock.
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace agenthost::observability
