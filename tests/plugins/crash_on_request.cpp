// crash_on_request: a plugin that crashes the process it runs in when asked, for isolation
// (`isolation: process`) and crash quarantine. Methods:
//   pid        the process it runs in (the host's, or an isolated child's)
//   segfault   writes through a null pointer: SIGSEGV
//   abort      std::abort(): SIGABRT
//   overflow   recurses until the thread's stack is used up: SIGSEGV with no stack left
//   call       payload "AGENT METHOD PAYLOAD": ctx.client(AGENT).call(METHOD, PAYLOAD), answered
//              as "STATUS PAYLOAD-OR-ERROR"
//   report     payload: a message reported on the error bus as a warning

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include <agenthost/agenthost.hpp>

namespace {

// Never returns: each frame keeps 1 KiB the compiler cannot drop, and the depth test that
// could end it never holds (it keeps the compiler from calling this infinite recursion).
int recurse(volatile char* outer, long depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(outer != nullptr ? outer[0] + 1 : 0);
  if (depth < 0) return frame[0];
  return recurse(frame, depth + 1) + frame[1];
}

class CrashOnRequest final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext& ctx) override {
    ctx_ = &ctx;
    ctx.serve("pid", [](agenthost::Request&) { return std::to_string(::getpid()); });
    ctx.serve("segfault", [](agenthost::Request&) -> std::string {
      // Page zero is never mapped. Not nullptr: UBSan would stop at the null store and exit
      // with its own status before the segfault this plugin is for.
      volatile std::uintptr_t nowhere = 8;
      *reinterpret_cast<volatile int*>(nowhere) = 1;
      return "still here";
    });
    ctx.serve("abort", [](agenthost::Request&) -> std::string { std::abort(); });
    ctx.serve("overflow", [](agenthost::Request&) { return std::to_string(recurse(nullptr, 0)); });
    ctx.serve("call", [this](agenthost::Request& r) { return call_other(r.payload); });
    ctx.serve("report", [this](agenthost::Request& r) {
      ctx_->errors().report(agenthost::Severity::warning, r.payload, {{"from", "crash_on_request"}});
      return std::string("reported");
    });
  }
  void start() override { ctx_->logger().info("crash_on_request ready in pid {}", ::getpid()); }
  void stop() override { ctx_->logger().info("crash_on_request stopping in pid {}", ::getpid()); }
  agenthost::Health health() override { return agenthost::Health::healthy(); }

 private:
  std::string call_other(const std::string& text) {
    std::istringstream in(text);
    std::string agent, method, payload;
    in >> agent >> method;
    std::getline(in >> std::ws, payload);
    auto result = ctx_->client(agent).call(method, payload, std::chrono::milliseconds(2000));
    return std::string(agenthost::to_string(result.status)) + " " +
           (result.status == agenthost::CallStatus::ok ? result.payload : result.error);
  }

  agenthost::AgentContext* ctx_ = nullptr;  // owned by the host, outlives this object
};

}  // namespace

AGENTHOST_AGENT(CrashOnRequest)
