#pragma once
// The last N events of the error bus, for `agentctl errors` and /status. Not thread-safe:
// the ErrorBus guards it.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "errors/error_event.hpp"

namespace agenthost::errors {

struct ErrorQuery {
  std::uint64_t after_seq = 0;          // only events recorded after this one (0: all kept)
  std::string agent;                    // "" = every agent
  Severity min_severity = Severity::info;
  std::size_t limit = 1000;             // the newest `limit` that match
};

struct ErrorQueryResult {
  std::vector<ErrorEvent> events;  // oldest first
  std::uint64_t last_seq = 0;      // the newest event recorded (ask for after_seq = this next)
  // Events after after_seq that were overwritten before this query (the journal holds N):
  // a follower that fell behind learns how many it missed.
  std::uint64_t missed = 0;
};

class ErrorJournal {
 public:
  explicit ErrorJournal(std::size_t capacity);

  // Gives the event the next seq (from 1) and keeps it; the oldest goes when full.
  const ErrorEvent& add(ErrorEvent event);
  ErrorQueryResult query(const ErrorQuery& query) const;

  std::size_t capacity() const noexcept { return capacity_; }
  std::uint64_t last_seq() const noexcept { return next_seq_ - 1; }

 private:
  const std::size_t capacity_;
  std::uint64_t next_seq_ = 1;
  std::deque<ErrorEvent> events_;
};

}  // namespace agenthost::errors
