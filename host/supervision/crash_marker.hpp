#pragma once
// Crash quarantine, the recording half (README, "Crash quarantine"). Each thread notes which
// agent's code it is running (AgentCodeScope, around every call into a plugin). When a fatal
// signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) hits a thread inside agent code, the
// handler appends one line, "AGENT SIGNAL UNIX-SECONDS", to the quarantine file, and then
// lets the signal end the process as it would have: systemd restarts the host, which reads
// the file (crash_quarantine.hpp) and runs that agent isolated.
//
// The handler runs on an alternate signal stack that each thread gets with its first
// AgentCodeScope, so that a stack overflow in agent code is recorded too.
//
// The handler uses only async-signal-safe calls (open, write, close, clock_gettime, sigaction,
// raise) on buffers prepared beforehand; the agent name is a pointer to a string that outlives
// every call into the agent.

#include <string>

namespace agenthost::supervision {

// While it lives, this thread runs `agent`'s code (a nested scope, such as an agent calling
// another in the same thread, restores the outer one when it ends).
class AgentCodeScope {
 public:
  explicit AgentCodeScope(const char* agent) noexcept;
  ~AgentCodeScope();
  AgentCodeScope(const AgentCodeScope&) = delete;
  AgentCodeScope& operator=(const AgentCodeScope&) = delete;

 private:
  const char* previous_;
};

// The agent whose code this thread runs, or nullptr.
const char* agent_code_running() noexcept;

// Installs the fatal-signal handlers that append to `file` (made 0640 when new). Once per
// process; an error says why it could not (the file's folder cannot be written).
std::string record_crashes_in(const std::string& file);

}  // namespace agenthost::supervision
