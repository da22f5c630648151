#pragma once
// An eventfd that a poll loop waits on beside its ZeroMQ sockets: how other threads get the
// loop's attention (replies to send, commands to run) without a socket per thread.

#include <cstdint>

namespace agenthost::messaging {

class Wakeup {
 public:
  Wakeup();
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  int fd() const noexcept { return fd_; }
  void signal() noexcept;  // any thread
  void clear() noexcept;   // the loop's thread, after poll() said readable

 private:
  int fd_ = -1;
};

}  // namespace agenthost::messaging
