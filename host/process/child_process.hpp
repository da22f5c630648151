#pragma once
// One running program: spawned, watched and reaped by its own thread, its output pumped
// into a sink, stopped with SIGTERM then SIGKILL.
//
// Threads: the watcher thread spawns the child (so that PR_SET_PDEATHSIG, which is tied to
// the spawning thread, lasts exactly as long as the child) and blocks in waitid() until it
// ends: an exit is seen at once, not at the next health poll. Every public method may be
// called from any thread. The pid is signalled only under mu_ and only while the child is
// not reaped, so a signal can never reach a recycled pid.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "process/launch_spec.hpp"
#include "process/output_pump.hpp"

namespace agenthost::process {

class ChildProcess {
 public:
  using ExitSink = std::function<void(const ExitStatus&)>;

  // Starts the program. `on_line` gets each line of its output (on the pump thread);
  // `on_exit` is called once when it has ended, on the watcher thread, whoever ended it.
  // Throws std::runtime_error when it cannot be started.
  ChildProcess(const LaunchSpec& spec, OutputPump::LineSink on_line, ExitSink on_exit);
  // Kills the child (SIGKILL) if it still runs and joins both threads.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::optional<ExitStatus> exit_status() const;

  // Waits up to `timeout` for the child to end. True when it has.
  bool wait_for(std::chrono::milliseconds timeout) const;

  // SIGTERM to its process group, then SIGKILL when it has not ended within `grace`.
  // Returns true when SIGKILL was needed. Waits until it has ended.
  bool stop(std::chrono::milliseconds grace);

 private:
  void watch(const LaunchSpec& spec, int out_write, int err_write, std::promise<std::string>& started);
  void signal_group(int signal);

  ExitSink on_exit_;
  std::unique_ptr<OutputPump> pump_;
  pid_t pid_ = -1;
  mutable std::mutex mu_;
  mutable std::condition_variable ended_cv_;
  std::optional<ExitStatus> exit_;  // guarded by mu_; set when reaped
  std::thread watcher_;
};

}  // namespace agenthost::process
