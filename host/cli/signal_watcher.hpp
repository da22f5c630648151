#pragma once
// Turns SIGINT/SIGTERM/SIGHUP into events on one thread of its own (signalfd), so that no
// other thread is ever interrupted by a signal.
//
// Construct it before any other thread exists: it blocks the signals in the calling thread,
// and threads created afterwards inherit that mask.

#include <atomic>
#include <functional>
#include <thread>

namespace agenthost::cli {

class SignalWatcher {
 public:
  struct Handlers {
    std::function<void()> on_stop;         // the first SIGINT or SIGTERM
    std::function<void()> on_second_stop;  // another one while stopping: force the exit
    std::function<void()> on_reload;       // SIGHUP
  };

  SignalWatcher();
  ~SignalWatcher();  // stop()
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  void start(Handlers handlers);
  // Ends the thread and waits for a handler that is running: no handler runs after it
  // returns. Idempotent; not from inside a handler.
  void stop();

 private:
  void run();

  int signal_fd_ = -1;
  int wake_fd_ = -1;
  Handlers handlers_;
  int stops_seen_ = 0;  // only the watcher thread touches it
  std::thread thread_;
};

}  // namespace agenthost::cli
