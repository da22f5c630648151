// counter: the hot-reload test plugin, built in three variants from this one file:
//   counter_v1, counter_v2   COUNTER_VERSION 1 or 2: `version` answers it
//   counter_bad_start        start() throws (a reload to it must roll back)
// Methods: `count` adds one and answers the total, `version`, `sleep` (payload ms). The total
// is handed from the old instance to the new one with snapshot()/restore() (API 1.4), so a
// reload that loses state, or a request, shows in the numbers.

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <agenthost/agenthost.hpp>

namespace {

class Counter final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext& ctx) override {
    ctx.serve("count", [this](agenthost::Request&) { return std::to_string(++count_); });
    ctx.serve("version", [](agenthost::Request&) { return std::string(COUNTER_VERSION); });
    // The agent's `config: {label: ...}`: a configuration reload hands the new one over.
    label_ = ctx.config()["label"] ? ctx.config()["label"].as<std::string>() : "";
    ctx.serve("label", [this](agenthost::Request&) { return label_; });
    ctx.serve("sleep", [](agenthost::Request& r) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(r.payload)));
      return std::string("slept");
    });
  }
  void start() override {
#ifdef COUNTER_BAD_START
    throw std::runtime_error("counter: this build refuses to start");
#endif
  }
  void stop() override {}
  agenthost::Health health() override { return agenthost::Health::healthy(); }
  std::string snapshot() override { return std::to_string(count_.load()); }
  void restore(std::string_view state) override {
    if (!state.empty()) count_ = std::stol(std::string(state));
  }

 private:
  std::atomic<long> count_{0};
  std::string label_;
};

}  // namespace

AGENTHOST_AGENT(Counter)
