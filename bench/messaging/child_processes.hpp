#pragma once
// ChildProcesses: a set of helper processes (servers, clients, the 84 processes of a memory
// baseline) that the bench starts, talks to through their stdout, and always ends. Every wait
// takes a deadline, and the destructor stops and reaps whatever is still running, so no bench
// path — an exception included — leaves a process behind.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agenthost::bench {

using Clock = std::chrono::steady_clock;

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void reset() noexcept;

 private:
  int fd_ = -1;
};

class ChildProcesses {
 public:
  // How long stop() (and so the destructor) waits after SIGTERM before it sends SIGKILL.
  static constexpr std::chrono::milliseconds kDefaultGrace{3000};

  ChildProcesses() = default;
  ~ChildProcesses() { stop(kDefaultGrace); }
  ChildProcesses(const ChildProcesses&) = delete;
  ChildProcesses& operator=(const ChildProcesses&) = delete;

  // Starts a child: argv[0] is looked up in PATH unless it contains a '/'. Its stdin is
  // /dev/null, its stdout a pipe to us, its stderr ours (so its errors reach the terminal).
  // Returns its index. Throws std::runtime_error when it cannot be started.
  std::size_t spawn(const std::vector<std::string>& argv);

  // Waits until every child has printed a line starting with "READY" and returns those lines
  // in spawn order (e.g. "READY tcp://127.0.0.1:41234"). Earlier lines are skipped. Throws
  // std::runtime_error when a child closes its stdout (exits) first, or at the deadline.
  std::vector<std::string> wait_ready(Clock::time_point deadline);

  // The next line of child `index` starting with `prefix`; earlier lines are skipped. Throws
  // std::runtime_error when the child closes its stdout first, or at the deadline.
  std::string wait_for_line(std::size_t index, std::string_view prefix, Clock::time_point deadline);

  // The children not yet reaped.
  std::vector<pid_t> pids() const;
  std::size_t size() const noexcept { return children_.size(); }

  // SIGTERM to every child still running, SIGKILL to those still there after `grace`, and
  // reaps them; a child that survives even SIGKILL for 5 s is reported on stderr and left.
  void stop(std::chrono::milliseconds grace) noexcept;

 private:
  struct Child {
    std::string name;  // for messages
    pid_t pid = -1;
    bool reaped = false;
    UniqueFd stdout_fd;             // closed once the child closed its end
    std::string partial;            // bytes read, not yet a complete line
    std::deque<std::string> lines;  // complete lines not yet consumed
    std::optional<std::string> ready_line;
  };

  // Reads whatever the children `which` have written, waiting until `until` at most.
  void read_available(const std::vector<std::size_t>& which, Clock::time_point until);
  // Why child `index` closed its stdout, as far as can be told within a short wait.
  std::string describe_exit(Child& child);
  // Reaps every child that has exited; true when none is left running.
  bool reap_exited() noexcept;

  std::vector<Child> children_;
};

// The bench's helper programs announce where they listen with "READY <endpoint>": returns
// the endpoint, or throws std::runtime_error when the line has none.
std::string ready_endpoint(std::string_view ready_line);

}  // namespace agenthost::bench
