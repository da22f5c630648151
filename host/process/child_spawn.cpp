#include "process/child_spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace agenthost::process {
namespace {

std::vector<std::string> merged_environment(const LaunchSpec& spec) {
  std::set<std::string> overridden;
  for (const auto& [key, value] : spec.env) overridden.insert(key);
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    if (!overridden.contains(entry.substr(0, entry.find('=')))) out.push_back(std::move(entry));
  }
  for (const auto& [key, value] : spec.env) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the child between fork and exec: async-signal-safe calls only (the host has threads).
[[noreturn]] void exec_child(const char* workdir, char** argv, char** envp, pid_t parent, int stdin_fd,
                             int stdout_fd, int stderr_fd, int report_fd) {
  setpgid(0, 0);  // its own group: stop() signals the program and whatever it started
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the host died before prctl
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the host blocks SIGTERM/SIGINT for its watcher
  signal(SIGPIPE, SIG_DFL);
  dup2(stdin_fd, 0);
  dup2(stdout_fd, 1);
  dup2(stderr_fd, 2);
  int stage = 0;
  if (workdir[0] == '\0' || chdir(workdir) == 0) {
    stage = 1;
    execvpe(argv[0], argv, envp);
  }
  const int report[2] = {stage, errno};
  [[maybe_unused]] auto n = write(report_fd, report, sizeof report);
  _exit(127);
}

}  // namespace

pid_t spawn_child(const LaunchSpec& spec, int stdout_fd, int stderr_fd) {
  std::vector<std::string> args{spec.command};
  args.insert(args.end(), spec.args.begin(), spec.args.end());
  auto env = merged_environment(spec);
  auto argv = pointers(args);
  auto envp = pointers(env);

  const int stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];
  if (stdin_fd < 0 || pipe2(report, O_CLOEXEC) != 0) {
    const int error = errno;
    if (stdin_fd >= 0) close(stdin_fd);
    throw std::runtime_error(fmt::format("cannot start '{}': {}", spec.command, std::strerror(error)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) exec_child(spec.workdir.c_str(), argv.data(), envp.data(), parent, stdin_fd, stdout_fd, stderr_fd,
                           report[1]);
  const int fork_error = errno;
  close(stdin_fd);
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    throw std::runtime_error(fmt::format("cannot start '{}': fork: {}", spec.command, std::strerror(fork_error)));
  }
  // The report pipe closes on exec (O_CLOEXEC): no bytes means the program runs.
  int failure[2] = {0, 0};
  ssize_t got;
  do got = read(report[0], failure, sizeof failure);
  while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got <= 0) return pid;
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (failure[0] == 0)
    throw std::runtime_error(fmt::format("cannot change to workdir '{}': {}", spec.workdir, std::strerror(failure[1])));
  throw std::runtime_error(fmt::format("cannot run '{}': {}", spec.command, std::strerror(failure[1])));
}

}  // namespace agenthost::process
