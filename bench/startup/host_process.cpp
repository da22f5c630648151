#include "host_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <utility>

#include <fmt/core.h>

extern char** environ;

namespace agenthost::bench {
namespace {

constexpr std::size_t kTailLines = 20;

// The bench's environment with `overrides` applied, as posix_spawn wants it.
std::vector<std::string> merged_environment(const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> entries;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    entries[entry.substr(0, entry.find('='))] = entry;
  }
  for (const auto& entry : overrides) entries[entry.substr(0, entry.find('='))] = entry;
  std::vector<std::string> result;
  for (auto& [key, entry] : entries) result.push_back(std::move(entry));
  return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

}  // namespace

HostProcess::HostProcess(const std::vector<std::string>& argv_in,
                         const std::vector<std::string>& env) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);

  auto argv_strings = argv_in;
  auto env_strings = merged_environment(env);
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);
  const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error(fmt::format("cannot run {}: {}", argv_in[0], std::strerror(rc)));
  }
  stderr_fd_ = fds[0];
}

HostProcess::~HostProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

bool HostProcess::read_some(std::chrono::milliseconds timeout) {
  if (stderr_fd_ < 0) return false;
  pollfd pfd{stderr_fd_, POLLIN, 0};
  const int ready = poll(&pfd, 1, static_cast<int>(std::max<long long>(0, timeout.count())));
  if (ready <= 0) return true;  // timeout, or EINTR: the caller checks its deadline
  char chunk[16384];
  const ssize_t n = read(stderr_fd_, chunk, sizeof chunk);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) {
    close(stderr_fd_);
    stderr_fd_ = -1;
    if (!buffer_.empty()) lines_.push_back(std::exchange(buffer_, {}));
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  std::size_t start = 0;
  for (std::size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines_.push_back(buffer_.substr(start, nl - start));
  }
  buffer_.erase(0, start);
  return true;
}

std::optional<std::string> HostProcess::pop_line() {
  if (lines_.empty()) return std::nullopt;
  auto line = std::move(lines_.front());
  lines_.pop_front();
  tail_.push_back(line);
  if (tail_.size() > kTailLines) tail_.pop_front();
  return line;
}

std::optional<HostProcess::Line> HostProcess::wait_for_line(const std::string& needle,
                                                            Clock::time_point deadline) {
  for (;;) {
    while (auto line = pop_line()) {
      if (line->find(needle) != std::string::npos) return Line{*line, Clock::now()};
    }
    const auto now = Clock::now();
    if (now >= deadline) return std::nullopt;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    if (!read_some(std::min(left, std::chrono::milliseconds(100))) && lines_.empty()) {
      return std::nullopt;
    }
  }
}

void HostProcess::signal(int signal) {
  if (pid_ > 0 && !exited_) kill(pid_, signal);
}

std::optional<int> HostProcess::wait_exit(Clock::time_point deadline) {
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      // Bounded: a grandchild could hold the pipe open after the host exited.
      for (int i = 0; i < 1000 && stderr_fd_ >= 0; ++i) read_some(std::chrono::milliseconds(0));
      while (pop_line()) {
      }
      return status;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    // Drain stderr while waiting; poll's timeout doubles as the waitpid polling interval
    // (1 ms: the figure being measured is the exit time).
    if (!read_some(std::chrono::milliseconds(1))) {
      usleep(1000);
    }
    while (pop_line()) {
    }
  }
}

std::string HostProcess::tail() const {
  std::string out;
  for (const auto& line : tail_) out += "  | " + line + "\n";
  for (const auto& line : lines_) out += "  | " + line + "\n";
  return out;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("status {}", status);
}

}  // namespace agenthost::bench
