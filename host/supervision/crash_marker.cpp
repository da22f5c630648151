#include "supervision/crash_marker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace agenthost::supervision {
namespace {

thread_local const char* running_agent = nullptr;

// A stack overflow in agent code faults on the thread's guard page, with no stack left for the
// handler: every thread that runs agent code gets an alternate signal stack (SA_ONSTACK), made
// on its first AgentCodeScope. A thread that has one already (a sanitizer's) keeps it.
class AlternateStack {
 public:
  AlternateStack() {
    stack_t current{};
    if (::sigaltstack(nullptr, &current) != 0 || (current.ss_flags & SS_DISABLE) == 0) return;
    const long minimum = ::sysconf(_SC_SIGSTKSZ);
    size_ = std::max<std::size_t>(64 * 1024, minimum > 0 ? static_cast<std::size_t>(minimum) : 0);
    void* memory = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (memory == MAP_FAILED) return;
    stack_t ours{};
    ours.ss_sp = memory;
    ours.ss_size = size_;
    if (::sigaltstack(&ours, nullptr) != 0) {
      ::munmap(memory, size_);
      return;
    }
    memory_ = memory;
  }
  ~AlternateStack() {
    if (memory_ == nullptr) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    ::sigaltstack(&off, nullptr);
    ::munmap(memory_, size_);
  }
  AlternateStack(const AlternateStack&) = delete;
  AlternateStack& operator=(const AlternateStack&) = delete;

 private:
  void* memory_ = nullptr;
  std::size_t size_ = 0;
};

thread_local bool has_alternate_stack = false;  // trivial: the check on every scope costs nothing

void ensure_alternate_stack() {
  thread_local AlternateStack stack;  // made once per thread, freed when the thread ends
  has_alternate_stack = true;
}

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

AgentCodeScope::AgentCodeScope(const char* agent) noexcept : previous_(running_agent) {
  if (!has_alternate_stack) ensure_alternate_stack();
  running_agent = agent;
}

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
  // SA_NODEFER: the raise() inside reaches the default action at once. SA_ONSTACK: on the
  // thread's alternate stack when it has one (a stack overflow leaves no room on its own).
  action.sa_flags = static_cast<int>(SA_RESETHAND | SA_NODEFER | SA_ONSTACK);
  for (int signal : kFatalSignals) ::sigaction(signal, &action, nullptr);
  return "";
}

}  // namespace agenthost::supervision
