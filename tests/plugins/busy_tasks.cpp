// busy_tasks: keeps the API 1.6 tasks and the socket pool busy, for the hot-reload test that
// checks that no code of an unloaded plugin runs afterwards. Every 2 ms a timer leases
// a socket to the agent's own inproc endpoint, sends on it, returns it, and posts an executor
// task; both count into the agent. Methods: `ticks` (timer runs), `posted` (executor runs).
// The counts are its state across reloads (snapshot/restore).

#include <atomic>
#include <string>

#include <agenthost/agenthost.hpp>

namespace {

class BusyTasks final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext& ctx) override {
    ctx_ = &ctx;
    ctx.serve("ticks", [this](agenthost::Request&) { return std::to_string(ticks_.load()); });
    ctx.serve("posted", [this](agenthost::Request&) { return std::to_string(posted_.load()); });
  }
  void start() override {
    const std::string self = "inproc://agent/" + ctx_->name();
    ctx_->tasks().every(std::chrono::milliseconds(2), [this, self] {
      auto lease = ctx_->sockets().lease(self, zmq::socket_type::dealer);
      // A request whose answer nobody reads: the lease goes back with it in flight.
      lease->send(zmq::str_buffer(""), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      lease->send(zmq::str_buffer("AH1"), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      lease->send(zmq::str_buffer("ticks"), zmq::send_flags::dontwait);
      lease.mark_broken();  // an unread reply: not for the next lease
      ++ticks_;
      ctx_->tasks().post([this] { ++posted_; });
    });
  }
  void stop() override {}
  agenthost::Health health() override { return agenthost::Health::healthy(); }
  std::string snapshot() override { return std::to_string(ticks_.load()) + " " + std::to_string(posted_.load()); }
  void restore(std::string_view state) override {
    const std::string s(state);
    const auto space = s.find(' ');
    if (space == std::string::npos) return;
    ticks_ = std::stol(s.substr(0, space));
    posted_ = std::stol(s.substr(space + 1));
  }

 private:
  agenthost::AgentContext* ctx_ = nullptr;
  std::atomic<long> ticks_{0}, posted_{0};
};

}  // namespace

AGENTHOST_AGENT(BusyTasks)
