#pragma once
// Reads a child's stdout and stderr on one thread and hands over every line, so that the
// program's output lands in the host's log under the agent's name.

#include <atomic>
#include <functional>
#include <string_view>
#include <thread>

namespace agenthost::process {

enum class Stream { out, err };

class OutputPump {
 public:
  using LineSink = std::function<void(Stream stream, std::string_view line)>;

  // Takes ownership of both (read ends of pipes); the thread starts at once.
  OutputPump(int stdout_fd, int stderr_fd, LineSink sink);
  ~OutputPump();  // finish() and join
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  // The program is gone: read what is left in the pipes and end, even when a process it left
  // behind still holds them open.
  void finish();

 private:
  void run();

  int fds_[2];
  LineSink sink_;
  std::atomic<bool> finishing_{false};
  std::thread thread_;
};

}  // namespace agenthost::process
