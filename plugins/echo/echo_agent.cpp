// echo: the smallest useful agent, and the reference for serving and calling. Always healthy.
//
// Methods:
//   echo         replies with the request's payload
//   fail         throws: the caller gets remote_error with the payload as the message
//   sleep        sleeps for the payload's milliseconds, then replies "slept N ms"
//   spin         uses the payload's microseconds of CPU time (at most 1 s) on its thread, then
//                replies "spun N us": a handler that works, for benchmarks
//   inflight     like sleep, and counts how many of its handlers run at once
//   max_inflight the most `inflight` handlers seen running at once
//   report       reports to the error bus (API 1.3): payload {"severity", "message", "fields"};
//                replies "reported"
//   call         calls another agent: payload {"agent", "method", "payload", "timeout_ms",
//                "idempotent"}; replies {"status", "payload", "error", "code"}

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include <agenthost/agenthost.hpp>

namespace {

int milliseconds_in(const std::string& payload) {
  try {
    return std::clamp(std::stoi(payload), 0, 60'000);
  } catch (const std::exception&) {
    throw std::invalid_argument("the payload must be a number of milliseconds, not '" + payload + "'");
  }
}

// This thread's CPU time so far.
long long thread_cpu_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
}

// The payload's microseconds of CPU time: a handler that needs the CPU, unlike `sleep`.
std::string spin(const std::string& payload) {
  long us = 0;
  try {
    us = std::clamp(std::stol(payload), 0L, 1'000'000L);
  } catch (const std::exception&) {
    throw std::invalid_argument("the payload must be a number of microseconds, not '" + payload + "'");
  }
  // CPU time, not wall time: a handler that needs this much work takes longer when it has to
  // share its CPU, as real work does.
  const long long until = thread_cpu_ns() + us * 1000LL;
  while (thread_cpu_ns() < until) {
  }
  return "spun " + std::to_string(us) + " us";
}

class EchoAgent final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext& ctx) override {
    ctx_ = &ctx;
    // An agent's own metric (API 1.2): served at /metrics with agent="NAME" added by the host.
    auto& echoed = ctx.metrics().counter("echo_payload_bytes_total", "Bytes of payload echoed back");
    ctx.serve("echo", [&echoed](agenthost::Request& r) {
      echoed.Increment(static_cast<double>(r.payload.size()));
      return std::move(r.payload);
    });
    ctx.serve("fail", [](agenthost::Request& r) -> std::string {
      throw std::runtime_error(r.payload.empty() ? "failed on request" : r.payload);
    });
    ctx.serve("sleep", [](agenthost::Request& r) {
      int ms = milliseconds_in(r.payload);
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return "slept " + std::to_string(ms) + " ms";
    });
    ctx.serve("spin", [](agenthost::Request& r) { return spin(r.payload); });
    ctx.serve("inflight", [this](agenthost::Request& r) {
      int now = ++inflight_;
      int seen = max_inflight_.load();
      while (now > seen && !max_inflight_.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds_in(r.payload)));
      --inflight_;
      return std::to_string(now);
    });
    ctx.serve("max_inflight", [this](agenthost::Request&) { return std::to_string(max_inflight_.load()); });
    ctx.serve("report", [this](agenthost::Request& r) { return report(r.payload); });
    ctx.serve("call", [this](agenthost::Request& r) { return call_other(r.payload); });
    ctx.serve("machine", [this](agenthost::Request&) { return ctx_->machine(); });
  }

  void start() override { ctx_->logger().info("echo agent ready on {}", ctx_->machine()); }

  void stop() override { ctx_->logger().info("echo agent stopping"); }

  agenthost::Health health() override { return agenthost::Health::healthy(); }

 private:
  std::string report(const std::string& text) {
    const auto request = nlohmann::json::parse(text);
    const auto severity = request.value("severity", std::string("error"));
    agenthost::Severity level = agenthost::Severity::error;
    for (auto s : {agenthost::Severity::info, agenthost::Severity::warning, agenthost::Severity::error,
                   agenthost::Severity::critical}) {
      if (agenthost::to_string(s) == severity) level = s;
    }
    ctx_->errors().report(level, request.value("message", std::string("reported")),
                          request.value("fields", agenthost::ErrorFields{}));
    return "reported";
  }

  std::string call_other(const std::string& text) {
    auto request = nlohmann::json::parse(text);
    agenthost::CallOptions options;
    options.idempotent = request.value("idempotent", false);
    auto result = ctx_->client(request.at("agent").get<std::string>())
                      .call(request.at("method").get<std::string>(),
                            request.value("payload", std::string()),
                            std::chrono::milliseconds(request.value("timeout_ms", 1000)), options);
    return nlohmann::json{{"status", agenthost::to_string(result.status)},
                          {"payload", result.payload},
                          {"error", result.error},
                          {"code", result.code}}
        .dump();
  }

  // Owned by the host and guaranteed to outlive this object (see agent_context.hpp).
  agenthost::AgentContext* ctx_ = nullptr;
  std::atomic<int> inflight_{0};
  std::atomic<int> max_inflight_{0};
};

}  // namespace

AGENTHOST_AGENT(EchoAgent)
