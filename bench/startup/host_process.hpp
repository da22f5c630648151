#pragma once
// HostProcess: one agenthost child process, started with posix_spawn, whose stderr is read
// line by line through a pipe. Every wait takes a deadline; the destructor SIGKILLs a child
// that is still running, so no bench path can leave a host behind.

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace agenthost::bench {

using Clock = std::chrono::steady_clock;

class HostProcess {
 public:
  // `env` entries ("KEY=value") are added to (and override) the bench's own environment.
  // Throws std::runtime_error when the process cannot be spawned.
  HostProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env);
  ~HostProcess();
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;

  // The next stderr line containing `needle`, with the time it was read; std::nullopt when
  // the deadline passed or the child closed stderr (exited) first.
  struct Line {
    std::string text;
    Clock::time_point at;
  };
  std::optional<Line> wait_for_line(const std::string& needle, Clock::time_point deadline);

  // Sends `signal` (SIGTERM, SIGKILL).
  void signal(int signal);

  // Waits for the child to exit, draining its stderr so that it never blocks on a full pipe.
  // Returns the exit status as from waitpid, or std::nullopt at the deadline.
  std::optional<int> wait_exit(Clock::time_point deadline);

  // The last stderr lines, for failure reports.
  std::string tail() const;

 private:
  // Reads what is available within `timeout`; false once stderr is closed.
  bool read_some(std::chrono::milliseconds timeout);
  std::optional<std::string> pop_line();

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  bool exited_ = false;
  std::string buffer_;            // bytes read, not yet split into lines
  std::deque<std::string> lines_; // complete lines not yet consumed
  std::deque<std::string> tail_;  // the last few lines, consumed or not
};

// Decodes a waitpid status: "exit code 0", "killed by signal 9".
std::string describe_status(int status);

}  // namespace agenthost::bench
