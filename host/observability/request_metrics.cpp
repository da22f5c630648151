#include "observability/request_metrics.hpp"

#include <array>
#include <mutex>
#include <unordered_map>

namespace agenthost::observability {
namespace {

// The wire statuses (messaging/wire_protocol.hpp) a request can end with, as label values.
constexpr std::array<int, 6> kStatuses = {200, 400, 404, 500, 503, 504};

std::size_t status_slot(int status) {
  for (std::size_t i = 0; i < kStatuses.size(); ++i)
    if (kStatuses[i] == status) return i;
  return kStatuses.size();  // anything else shares the last slot, labelled "other"
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace

const prometheus::Histogram::BucketBoundaries& request_duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01,    0.025,    0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return buckets;
}

class RequestMetrics::AgentObserver final : public messaging::RequestObserver {
 public:
  AgentObserver(RequestMetrics& metrics, std::string agent)
      : metrics_(metrics), agent_(std::move(agent)) {}

  void observe(std::string_view method, int status, double handler_seconds) noexcept override {
    try {
      prometheus::Counter* counter;
      prometheus::Histogram* duration = nullptr;
      prometheus::Counter* errors = nullptr;
      {
        std::lock_guard lock(mu_);
        Series& series = series_for_locked(method.empty() ? kUnknownMethod : method);
        auto& by_status = series.by_status[status_slot(status)];
        if (by_status == nullptr) by_status = &metrics_.requests_.Add(labels(series.method, status));
        counter = by_status;
        if (handler_seconds >= 0) {
          if (series.duration == nullptr) {
            series.duration = &metrics_.durations_.Add(
                {{"agent", agent_}, {"method", series.method}}, request_duration_buckets());
          }
          duration = series.duration;
        }
        if (status == 500) {
          if (errors_ == nullptr) errors_ = &metrics_.errors(agent_, "error");
          errors = errors_;
        }
      }
      // Atomic, or with their own lock: outside ours.
      counter->Increment();
      if (duration != nullptr) duration->Observe(handler_seconds);
      if (errors != nullptr) errors->Increment();
    } catch (...) {
      // Only allocation can fail here; a metric is not worth failing a request for.
    }
  }

 private:
  struct Series {
    std::string method;
    std::array<prometheus::Counter*, kStatuses.size() + 1> by_status{};
    prometheus::Histogram* duration = nullptr;
  };

  Series& series_for_locked(std::string_view method) {
    auto it = series_.find(method);
    if (it == series_.end()) {
      it = series_.emplace(std::string(method), std::make_unique<Series>()).first;
      it->second->method = it->first;
    }
    return *it->second;
  }

  prometheus::Labels labels(const std::string& method, int status) const {
    const std::size_t slot = status_slot(status);
    return {{"agent", agent_},
            {"method", method},
            {"status", slot < kStatuses.size() ? std::to_string(kStatuses[slot]) : "other"}};
  }

  RequestMetrics& metrics_;
  const std::string agent_;
  std::mutex mu_;
  // Guarded by mu_. The prometheus series they point to live as long as the registry.
  std::unordered_map<std::string, std::unique_ptr<Series>, StringHash, std::equal_to<>> series_;
  prometheus::Counter* errors_ = nullptr;
};

RequestMetrics::RequestMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("agent_requests_total")
                    .Help("Requests to an agent, by method and wire status (200 ok, 404 no such "
                          "method, 500 handler threw, 503 not serving, 504 deadline passed)")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("agent_request_duration_seconds")
                     .Help("Time inside the agent's handler")
                     .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("agent_errors_total")
                  .Help("Errors of an agent: handler exceptions, failed lifecycle calls, reports")
                  .Register(registry)) {}

std::shared_ptr<messaging::RequestObserver> RequestMetrics::observer_for(const std::string& agent) {
  return std::make_shared<AgentObserver>(*this, agent);
}

prometheus::Counter& RequestMetrics::errors(const std::string& agent, const std::string& severity) {
  return errors_.Add({{"agent", agent}, {"severity", severity}});
}

}  // namespace agenthost::observability
