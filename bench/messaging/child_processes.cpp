#include "child_processes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/core.h>

extern char** environ;

namespace agenthost::bench {
namespace {

// A child that writes more than this without a newline is broken, not slow.
constexpr std::size_t kMaxLineBytes = 16 << 20;
constexpr auto kKillWait = std::chrono::seconds(5);
constexpr auto kReapPollInterval = std::chrono::milliseconds(1);

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return fmt::format("ended with status {}", status);
}

int poll_timeout_ms(Clock::time_point until) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
  // Wake at least every 100 ms so that the caller's deadline check is never late by much.
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 100));
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int UniqueFd::release() noexcept { return std::exchange(fd_, -1); }

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::size_t ChildProcesses::spawn(const std::vector<std::string>& argv_in) {
  if (argv_in.empty()) throw std::invalid_argument("spawn: empty argv");
  int fds[2];
  // O_CLOEXEC: a later child must not inherit this child's pipe, or our reads never see EOF.
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("pipe2: {}", std::strerror(errno)));
  }
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);

  auto argv_strings = argv_in;
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  Child child;
  // "python3 py_minimal_agent.py #6": the program and, for interpreters, the script.
  const auto base = [](const std::string& path) { return path.substr(path.rfind('/') + 1); };
  child.name = argv_in.size() > 1 && !argv_in[1].starts_with('-')
                   ? fmt::format("{} {} #{}", base(argv_in[0]), base(argv_in[1]), children_.size())
                   : fmt::format("{} #{}", base(argv_in[0]), children_.size());
  const int rc = posix_spawnp(&child.pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error(fmt::format("cannot run {}: {}", argv_in[0], std::strerror(rc)));
  }
  child.stdout_fd = std::move(read_end);
  children_.push_back(std::move(child));
  return children_.size() - 1;
}

void ChildProcesses::read_available(const std::vector<std::size_t>& which,
                                    Clock::time_point until) {
  std::vector<pollfd> fds;
  std::vector<std::size_t> owners;
  for (const auto index : which) {
    if (!children_[index].stdout_fd) continue;
    fds.push_back({children_[index].stdout_fd.get(), POLLIN, 0});
    owners.push_back(index);
  }
  if (fds.empty()) return;
  if (poll(fds.data(), fds.size(), poll_timeout_ms(until)) <= 0) return;  // or EINTR: retry

  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents == 0) continue;
    Child& child = children_[owners[i]];
    char chunk[65536];
    const ssize_t n = read(child.stdout_fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // EOF: the child exited or closed its stdout
      child.stdout_fd.reset();
      if (!child.partial.empty()) child.lines.push_back(std::exchange(child.partial, {}));
      continue;
    }
    child.partial.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = child.partial.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      child.lines.push_back(child.partial.substr(start, nl - start));
    }
    child.partial.erase(0, start);
    if (child.partial.size() > kMaxLineBytes) {
      throw std::runtime_error(
          fmt::format("{}: a line longer than {} bytes", child.name, kMaxLineBytes));
    }
  }
}

std::string ChildProcesses::describe_exit(Child& child) {
  // The pipe closes a moment before the process can be reaped: give it a little time.
  const auto until = Clock::now() + std::chrono::milliseconds(500);
  while (!child.reaped) {
    int status = 0;
    if (waitpid(child.pid, &status, WNOHANG) == child.pid) {
      child.reaped = true;
      return describe_status(status);
    }
    if (Clock::now() >= until) break;
    std::this_thread::sleep_for(kReapPollInterval);
  }
  return "closed its stdout";
}

std::vector<std::string> ChildProcesses::wait_ready(Clock::time_point deadline) {
  for (;;) {
    std::vector<std::size_t> waiting;
    for (std::size_t i = 0; i < children_.size(); ++i) {
      Child& child = children_[i];
      while (!child.ready_line && !child.lines.empty()) {
        if (child.lines.front().starts_with("READY")) child.ready_line = child.lines.front();
        child.lines.pop_front();
      }
      if (child.ready_line) continue;
      if (!child.stdout_fd) {
        throw std::runtime_error(
            fmt::format("{} {} before it was ready", child.name, describe_exit(child)));
      }
      waiting.push_back(i);
    }
    if (waiting.empty()) break;
    if (Clock::now() >= deadline) {
      throw std::runtime_error(fmt::format("{} of {} children not ready in time (first: {})",
                                           waiting.size(), children_.size(),
                                           children_[waiting.front()].name));
    }
    read_available(waiting, deadline);
  }
  std::vector<std::string> lines;
  for (const auto& child : children_) lines.push_back(*child.ready_line);
  return lines;
}

std::string ChildProcesses::wait_for_line(std::size_t index, std::string_view prefix,
                                          Clock::time_point deadline) {
  Child& child = children_.at(index);
  for (;;) {
    while (!child.lines.empty()) {
      auto line = std::move(child.lines.front());
      child.lines.pop_front();
      if (line.starts_with(prefix)) return line;
    }
    if (!child.stdout_fd) {
      throw std::runtime_error(
          fmt::format("{} {} before printing '{}'", child.name, describe_exit(child), prefix));
    }
    if (Clock::now() >= deadline) {
      throw std::runtime_error(fmt::format("{}: no '{}' line in time", child.name, prefix));
    }
    read_available({index}, deadline);
  }
}

std::vector<pid_t> ChildProcesses::pids() const {
  std::vector<pid_t> result;
  for (const auto& child : children_) {
    if (!child.reaped) result.push_back(child.pid);
  }
  return result;
}

bool ChildProcesses::reap_exited() noexcept {
  bool all = true;
  for (auto& child : children_) {
    if (child.reaped) continue;
    int status = 0;
    const pid_t r = waitpid(child.pid, &status, WNOHANG);
    if (r == child.pid || (r < 0 && errno == ECHILD)) {
      child.reaped = true;
    } else {
      all = false;
    }
  }
  return all;
}

void ChildProcesses::stop(std::chrono::milliseconds grace) noexcept {
  const auto send = [this](int signal) {
    for (const auto& child : children_) {
      if (!child.reaped) kill(child.pid, signal);
    }
  };
  const auto reap_until = [this](Clock::time_point until) {
    while (!reap_exited() && Clock::now() < until) std::this_thread::sleep_for(kReapPollInterval);
    return reap_exited();
  };

  send(SIGTERM);
  if (!reap_until(Clock::now() + grace)) {
    send(SIGKILL);
    if (!reap_until(Clock::now() + kKillWait)) {
      for (const auto& child : children_) {
        if (!child.reaped) {
          // fprintf, not fmt::print: this runs in a destructor and must not throw.
          std::fprintf(stderr, "bench: %s (pid %d) survived SIGKILL; left behind\n",
                       child.name.c_str(), static_cast<int>(child.pid));
        }
      }
    }
  }
  for (auto& child : children_) child.stdout_fd.reset();
}

std::string ready_endpoint(std::string_view ready_line) {
  constexpr std::string_view kReady = "READY ";
  if (!ready_line.starts_with(kReady) || ready_line.size() == kReady.size()) {
    throw std::runtime_error(fmt::format("expected 'READY <endpoint>', got '{}'", ready_line));
  }
  return std::string(ready_line.substr(kReady.size()));
}

}  // namespace agenthost::bench
