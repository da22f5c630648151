#pragma once
// A real child process for integration tests: the agenthost daemon or a one-shot agentctl.
// Its stderr (and optionally stdout) is read line by line on a thread of its own, so a test
// waits for a line with a deadline instead of sleeping. Each line keeps the time it was read,
// for benchmarks that time what a child reports.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace agenthost::testing {

using namespace std::chrono_literals;

class ChildProcess {
 public:
  // Starts argv[0] with the extra environment variables; stdout and stderr are both captured.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits until a line containing `needle` has been printed; returns that line.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout = 20s);
  // The same from line number `from` on (0-based), with the line's number and when it was read.
  struct TimedLine {
    std::string text;
    std::size_t index = 0;
    std::chrono::steady_clock::time_point read_at;
  };
  std::optional<TimedLine> wait_for_line_from(std::size_t from, const std::string& needle,
                                              std::chrono::milliseconds timeout = 20s);
  std::vector<std::string> lines() const;
  std::string output() const;  // every line so far, joined

  void signal(int signo);
  // The exit code (128+N for a signal), or nullopt if it did not exit in time.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = 20s);
  // SIGTERM, and SIGKILL if it has not exited after `grace`; the exit code.
  std::optional<int> terminate(std::chrono::milliseconds grace = 10s);

 private:
  void read_output(int fd);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;  // guarded by mu_
  std::vector<std::chrono::steady_clock::time_point> read_at_;  // guarded by mu_: one per line
  bool eof_ = false;                // guarded by mu_
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a command to completion (at most `timeout`, then SIGKILL and exit_code -1).
CommandResult run_command(std::vector<std::string> argv,
                          std::map<std::string, std::string> env = {},
                          std::chrono::milliseconds timeout = 20s);

}  // namespace agenthost::testing
