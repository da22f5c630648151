#pragma once
// The receiving end of sd_notify(3), as systemd has it: an AF_UNIX datagram socket whose path
// goes into the host's NOTIFY_SOCKET. Each datagram is one message of newline-separated
// assignments ("READY=1\nSTATUS=..."), kept with the time it arrived.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace agenthost::testing {

struct NotifyMessage {
  std::string text;
  std::chrono::steady_clock::time_point received;
  // True when one of its lines is exactly `assignment` ("READY=1").
  bool has(const std::string& assignment) const;
  // The value of `name=` ("STATUS"), if it has one.
  std::optional<std::string> value(const std::string& name) const;
};

class NotifySocket {
 public:
  explicit NotifySocket(std::string path);  // binds; throws when it cannot
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }
  // The next message, or nullopt if none came within `timeout`.
  std::optional<NotifyMessage> receive(std::chrono::milliseconds timeout);
  // Receives until a message has `assignment`, for at most `timeout`; that message. Every
  // message received on the way is kept in received().
  std::optional<NotifyMessage> wait_for(const std::string& assignment, std::chrono::milliseconds timeout);
  const std::vector<NotifyMessage>& received() const { return received_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<NotifyMessage> received_;
};

}  // namespace agenthost::testing
