#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace agenthost::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The test runner may block signals in its threads; the child must start with none blocked.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);

  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : argv) args.push_back(s.data());
  args.push_back(nullptr);

  int rc = ::posix_spawn(&pid_, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error(std::string("posix_spawn ") + argv[0] + ": " + std::strerror(rc));
  }
  reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });
}

ChildProcess::~ChildProcess() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    wait_exit(10s);
  }
  if (reader_.joinable()) reader_.join();
}

void ChildProcess::read_output(int fd) {
  std::string partial;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buf, std::size_t(n));
    std::size_t pos;
    while ((pos = partial.find('\n')) != std::string::npos) {
      std::lock_guard lock(mu_);
      lines_.push_back(partial.substr(0, pos));
      read_at_.push_back(std::chrono::steady_clock::now());
      partial.erase(0, pos + 1);
      cv_.notify_all();
    }
  }
  ::close(fd);
  std::lock_guard lock(mu_);
  if (!partial.empty()) {
    lines_.push_back(partial);
    read_at_.push_back(std::chrono::steady_clock::now());
  }
  eof_ = true;
  cv_.notify_all();
}

std::optional<std::string> ChildProcess::wait_for_line(const std::string& needle,
                                                       std::chrono::milliseconds timeout) {
  auto found = wait_for_line_from(0, needle, timeout);
  if (!found) return std::nullopt;
  return std::move(found->text);
}

std::optional<ChildProcess::TimedLine> ChildProcess::wait_for_line_from(std::size_t from, const std::string& needle,
                                                                        std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  std::size_t checked = from;
  std::optional<TimedLine> found;
  cv_.wait_for(lock, timeout, [&] {
    for (; checked < lines_.size(); ++checked)
      if (lines_[checked].find(needle) != std::string::npos) {
        found = TimedLine{lines_[checked], checked, read_at_[checked]};
        return true;
      }
    return eof_;
  });
  return found;
}

std::vector<std::string> ChildProcess::lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

std::string ChildProcess::output() const {
  std::string out;
  for (auto& l : lines()) out += l + "\n";
  return out;
}

void ChildProcess::signal(int signo) {
  if (!exit_code_) ::kill(pid_, signo);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    // Polling a child's exit has no event to wait on without a SIGCHLD handler; 2 ms is
    // below every timing a test looks at.
    std::this_thread::sleep_for(2ms);
  }
}

std::optional<int> ChildProcess::terminate(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto code = wait_exit(grace)) return code;
  signal(SIGKILL);
  return wait_exit(5s);
}

CommandResult run_command(std::vector<std::string> argv, std::map<std::string, std::string> env,
                          std::chrono::milliseconds timeout) {
  ChildProcess child(std::move(argv), std::move(env));
  CommandResult result;
  auto code = child.wait_exit(timeout);
  if (!code) {
    child.signal(SIGKILL);
    child.wait_exit(5s);
  }
  child.wait_for_line("\x01never\x01", 5s);  // drain: returns at EOF
  result.exit_code = code.value_or(-1);
  result.output = child.output();
  return result;
}

}  // namespace agenthost::testing
