#include "process/probe_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <fmt/format.h>

#include "process/child_spawn.hpp"

namespace agenthost::process {

ProbeResult run_probe_command(const std::vector<std::string>& argv, const LaunchSpec& like,
                              std::chrono::milliseconds timeout) {
  if (argv.empty()) return {false, "no probe command"};
  LaunchSpec spec = like;
  spec.command = argv.front();
  spec.args.assign(argv.begin() + 1, argv.end());
  const int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  pid_t pid = -1;
  try {
    pid = spawn_child(spec, null_fd, null_fd);
  } catch (const std::exception& e) {
    close(null_fd);
    return {false, e.what()};
  }
  close(null_fd);
  // Polled: a probe is short, and this keeps SIGCHLD out of the host.
  const auto until = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, std::chrono::milliseconds(20))) {
    const pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid) break;
    if (std::chrono::steady_clock::now() >= until) {
      kill(-pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return {false, fmt::format("the probe '{}' did not finish within {}ms", spec.command, timeout.count())};
    }
    std::this_thread::sleep_for(pause);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {true, ""};
  ExitStatus ended;
  if (WIFEXITED(status)) ended.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) ended.signal = WTERMSIG(status);
  return {false, fmt::format("the probe '{}' {}", spec.command, ended.describe())};
}

}  // namespace agenthost::process
