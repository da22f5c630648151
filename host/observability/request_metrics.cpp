#include "observability/request_metrics.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace agenthost::observability {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// The wire statuses (messaging/wire_protocol.hpp) a request can end with, as label values;
// anything else is counted as "other".
constexpr std::array<int, 6> kStatuses = {200, 400, 404, 500, 503, 504};
constexpr std::size_t kSlots = kStatuses.size() + 1;

std::size_t status_slot(int status) {
  for (std::size_t i = 0; i < kStatuses.size(); ++i)
    if (kStatuses[i] == status) return i;
  return kStatuses.size();
}

std::string status_label(std::size_t slot) {
  return slot < kStatuses.size() ? std::to_string(kStatuses[slot]) : "other";
}

}  // namespace

const std::vector<double>& request_duration_buckets() {
  static const std::vector<double> buckets = {
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01,    0.025,    0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return buckets;
}

// One agent's counts. Workers only ever add to atomics; a scrape reads them.
class RequestMetrics::AgentObserver final : public messaging::RequestObserver {
 public:
  explicit AgentObserver(std::string agent)
      : agent_(std::move(agent)), buckets_(request_duration_buckets()) {
    if (buckets_.size() > kMaxBuckets) throw std::logic_error("too many duration buckets");
    bounds_ns_.fill(std::numeric_limits<std::int64_t>::max());  // +Inf, and the scan's end
    for (std::size_t b = 0; b < buckets_.size(); ++b)
      bounds_ns_[b] = std::llround(buckets_[b] * 1e9);
  }

  void observe(std::string_view method, int status,
               std::chrono::nanoseconds handler_time) noexcept override {
    MethodStats* found = find(method.empty() ? kUnknownMethod : method);
    if (found == nullptr) return;  // out of memory: a metric is not worth failing a call for
    Shard* stats = &found->shards[shard_of_this_thread()];
    if (handler_time.count() < 0) {
      stats->by_status[status_slot(status)].fetch_add(1, std::memory_order_relaxed);
    } else {
      const auto ns = handler_time.count();
      // The first bound >= the value: its `le` bucket. Scanned from the smallest, so the
      // fastest handlers (where a few ns count) pay one comparison; the sentinel ends it.
      std::size_t bucket = 0;
      while (ns > bounds_ns_[bucket]) ++bucket;
      if (status == 200) {
        stats->ok_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
      } else {
        stats->other_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
        stats->by_status[status_slot(status)].fetch_add(1, std::memory_order_relaxed);
      }
      stats->nanoseconds.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
    }
  }

  void collect(MetricFamily& requests, MetricFamily& durations) const;

 private:
  static constexpr std::size_t kMaxBuckets = 32;
  static constexpr std::size_t kCacheSize = 16;
  static constexpr std::size_t kMaxMethods = 256;  // then the rest are counted together

  // Every count is monotonic, and so is every sum of them that a scrape reports. A request
  // that ran a handler and answered 200 is counted once, in its bucket: the 200 count is the
  // sum of those buckets, so it costs two atomic adds (bucket, time), not three.
  //
  // Each thread counts in one of kShards copies, cache-line aligned, which a scrape adds up:
  // when workers on two cores count into one copy, its lines travel between the cores at
  // every request (bench/messaging, two threads counting at once, the end's clock reading
  // included: ~120 ns a request with one copy, ~40 ns with four).
  static constexpr std::size_t kShards = 4;
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> nanoseconds{0};  // handler time: an integer add, no CAS loop
    // Requests without handler time, and those with it that did not answer 200, by status.
    std::array<std::atomic<std::uint64_t>, kSlots> by_status{};
    // Handler time by bucket (+1: +Inf): of requests that answered 200, and of the others.
    std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> ok_buckets{};
    std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> other_buckets{};
  };
  struct MethodStats {
    std::array<Shard, kShards> shards;
    std::string method;
  };

  static std::size_t shard_of_this_thread() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
    return shard;
  }

  // The endpoint passes a view into its handler map: the same characters at the same
  // address for every call of a method. The cache matches that address (checking the text,
  // since a replaced map may reuse an address) without a lock; misses take the lock.
  MethodStats* find(std::string_view method) noexcept {
    for (std::size_t i = 0; i < kCacheSize; ++i) {
      const char* key = cache_keys_[i].load(std::memory_order_acquire);
      if (key == nullptr) break;
      if (key != method.data()) continue;
      MethodStats* stats = cache_values_[i].load(std::memory_order_relaxed);
      if (stats->method == method) return stats;
    }
    try {
      return find_slow(method);
    } catch (...) {
      return nullptr;
    }
  }

  MethodStats* find_slow(std::string_view method) {
    std::lock_guard lock(mu_);
    auto it = by_name_.find(method);
    // A forwarding agent's methods are named by its program's callers: bounded here.
    if (it == by_name_.end() && by_name_.size() >= kMaxMethods) {
      method = kOtherMethods;
      it = by_name_.find(method);
    }
    if (it == by_name_.end()) {
      auto fresh = std::make_unique<MethodStats>();
      fresh->method = std::string(method);  // written before any other thread can see it
      it = by_name_.emplace(std::string(method), std::move(fresh)).first;
    }
    MethodStats* stats = it->second.get();
    if (cached_ < kCacheSize) {
      cache_values_[cached_].store(stats, std::memory_order_relaxed);
      cache_keys_[cached_].store(method.data(), std::memory_order_release);
      ++cached_;
    }
    return stats;
  }

  const std::string agent_;
  const std::vector<double> buckets_;
  std::array<std::int64_t, kMaxBuckets + 1> bounds_ns_{};  // buckets_ in ns, then +Inf
  std::array<std::atomic<const char*>, kCacheSize> cache_keys_{};
  std::array<std::atomic<MethodStats*>, kCacheSize> cache_values_{};
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<MethodStats>, std::less<>> by_name_;  // guarded by mu_
  std::size_t cached_ = 0;                                                     // guarded by mu_
};

void RequestMetrics::AgentObserver::collect(MetricFamily& requests, MetricFamily& durations) const {
  std::lock_guard lock(mu_);
  const auto sum = [](const MethodStats& stats, auto member) {
    std::uint64_t total = 0;
    for (const auto& shard : stats.shards) total += member(shard).load(std::memory_order_relaxed);
    return total;
  };
  for (const auto& [method, stats] : by_name_) {
    std::uint64_t ok = 0;
    ClientMetric h;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= buckets_.size(); ++b) {
      const auto answered_ok = sum(*stats, [b](const Shard& s) -> auto& { return s.ok_buckets[b]; });
      ok += answered_ok;
      cumulative += answered_ok + sum(*stats, [b](const Shard& s) -> auto& { return s.other_buckets[b]; });
      h.histogram.bucket.push_back(
          {cumulative, b < buckets_.size() ? buckets_[b] : std::numeric_limits<double>::infinity()});
    }
    for (std::size_t slot = 0; slot < kSlots; ++slot) {
      auto n = sum(*stats, [slot](const Shard& s) -> auto& { return s.by_status[slot]; });
      if (slot == status_slot(200)) n += ok;
      if (n == 0) continue;
      ClientMetric m;
      m.label = {{"agent", agent_}, {"method", method}, {"status", status_label(slot)}};
      m.counter.value = static_cast<double>(n);
      requests.metric.push_back(std::move(m));
    }
    if (cumulative == 0) continue;  // no handler ran: 404s, 503s
    h.label = {{"agent", agent_}, {"method", method}};
    h.histogram.sample_count = cumulative;
    h.histogram.sample_sum =
        static_cast<double>(sum(*stats, [](const Shard& s) -> auto& { return s.nanoseconds; })) * 1e-9;
    durations.metric.push_back(std::move(h));
  }
}

RequestMetrics::RequestMetrics(prometheus::Registry& registry)
    : errors_(prometheus::BuildCounter()
                  .Name("agent_errors_total")
                  .Help("Errors of an agent: handler exceptions, failed lifecycle calls, reports")
                  .Register(registry)) {}

RequestMetrics::~RequestMetrics() = default;

std::shared_ptr<messaging::RequestObserver> RequestMetrics::observer_for(const std::string& agent) {
  std::lock_guard lock(mu_);
  auto& observer = observers_[agent];
  if (!observer) observer = std::make_shared<AgentObserver>(agent);
  return observer;
}

prometheus::Counter& RequestMetrics::errors(const std::string& agent, const std::string& severity) {
  return errors_.Add({{"agent", agent}, {"severity", severity}});
}

std::vector<MetricFamily> RequestMetrics::Collect() const {
  MetricFamily requests{"agent_requests_total",
                        "Requests to an agent, by method and wire status (200 ok, 404 no such "
                        "method, 500 handler threw, 503 not serving, 504 deadline passed)",
                        MetricType::Counter,
                        {}};
  MetricFamily durations{"agent_request_duration_seconds", "Time inside the agent's handler",
                         MetricType::Histogram, {}};
  std::lock_guard lock(mu_);
  for (const auto& [agent, observer] : observers_) observer->collect(requests, durations);
  return {std::move(requests), std::move(durations)};
}

}  // namespace agenthost::observability
