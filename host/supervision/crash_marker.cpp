#include "supervision/crash_marker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace agenthost::supervision {
namespace {

thread_local const char* running_agent = nullptr;

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
char quarantine_file[4096];  // set once, before the handlers are installed

// Digits of `value` at `out`; returns the end.
char* put_number(char* out, long long value) {
  char digits[24];
  int n = 0;
  if (value < 0) {
    *out++ = '-';
    value = -value;
  }
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && n < 24);
  while (n > 0) *out++ = digits[--n];
  return out;
}

void on_fatal_signal(int signal) {
  const int saved_errno = errno;
  if (const char* agent = running_agent) {
    char line[512];
    char* end = line;
    for (const char* c = agent; *c && end < line + 400; ++c) *end++ = (*c == ' ' || *c == '\n') ? '_' : *c;
    *end++ = ' ';
    end = put_number(end, signal);
    *end++ = ' ';
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    end = put_number(end, now.tv_sec);
    *end++ = '\n';
    const int fd = ::open(quarantine_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
      [[maybe_unused]] auto written = ::write(fd, line, static_cast<std::size_t>(end - line));
      ::close(fd);
    }
  }
  // The default action now (the handler was installed with SA_RESETHAND): a core dump where
  // the system keeps them, and the exit status systemd and the tests see.
  errno = saved_errno;
  ::raise(signal);
}

}  // namespace

AgentCodeScope::AgentCodeScope(const char* agent) noexcept : previous_(running_agent) { running_agent = agent; }

AgentCodeScope::~AgentCodeScope() { running_agent = previous_; }

const char* agent_code_running() noexcept { return running_agent; }

std::string record_crashes_in(const std::string& file) {
  if (file.size() >= sizeof(quarantine_file)) return fmt::format("the path {} is too long", file);
  // Made now, so that a folder that cannot be written shows at start-up, not at the crash.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return fmt::format("cannot open {}: {}", file, std::strerror(errno));
  ::close(fd);
  std::memcpy(quarantine_file, file.c_str(), file.size() + 1);
  struct sigaction action{};
  action.sa_handler = on_fatal_signal;
  sigemptyset(&action.sa_mask);
  // SA_NODEFER: the raise() inside reaches the default action at once.
  action.sa_flags = static_cast<int>(SA_RESETHAND | SA_NODEFER);
  for (int signal : kFatalSignals) ::sigaction(signal, &action, nullptr);
  return "";
}

}  // namespace agenthost::supervision
