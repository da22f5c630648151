#include "errors/error_journal.hpp"

#include <algorithm>

namespace agenthost::errors {

ErrorJournal::ErrorJournal(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

const ErrorEvent& ErrorJournal::add(ErrorEvent event) {
  event.seq = next_seq_++;
  if (events_.size() == capacity_) events_.pop_front();
  events_.push_back(std::move(event));
  return events_.back();
}

ErrorQueryResult ErrorJournal::query(const ErrorQuery& query) const {
  ErrorQueryResult result;
  result.last_seq = last_seq();
  const std::uint64_t oldest = events_.empty() ? next_seq_ : events_.front().seq;
  if (query.after_seq + 1 < oldest) result.missed = oldest - query.after_seq - 1;
  // Newest first until the limit, then reversed: the answer is the newest matches, in order.
  for (auto it = events_.rbegin(); it != events_.rend() && result.events.size() < query.limit; ++it) {
    if (it->seq <= query.after_seq) break;
    if (it->severity < query.min_severity) continue;
    if (!query.agent.empty() && it->agent != query.agent) continue;
    result.events.push_back(*it);
  }
  std::reverse(result.events.begin(), result.events.end());
  return result;
}

}  // namespace agenthost::errors
