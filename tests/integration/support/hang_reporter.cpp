// A test that runs far past its time gets the stacks of its threads and of its child
// processes printed before ctest kills it (TIMEOUT 120): a hang in CI otherwise leaves
// nothing but "[ RUN ]" and the test's name. After AGENTHOST_TEST_HANG_REPORT_S seconds
// (default 90) in one test, gdb prints every thread's backtrace of this process and of each
// descendant (the hosts, agentctl, python) to stderr, once per test. Without gdb it prints
// the descendants' command lines and states only.
//
// Registered at static initialisation (this file is part of the test executable itself, not of
// the support library, so the linker cannot drop it).

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/proc_tasks.hpp"

extern char** environ;

namespace agenthost::testing {
namespace {

std::chrono::seconds report_after() {
  const char* text = std::getenv("AGENTHOST_TEST_HANG_REPORT_S");
  const long seconds = text ? std::strtol(text, nullptr, 10) : 0;
  return std::chrono::seconds(seconds > 0 ? seconds : 90);
}

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string command_line(pid_t pid) {
  auto text = read_text("/proc/" + std::to_string(pid) + "/cmdline");
  for (auto& c : text)
    if (c == '\0') c = ' ';
  return text;
}

// gdb's backtraces of `pid`, written to a file: gdb stops every thread of the process it
// attaches to, this one's output reader too, so a pipe could fill and block both.
std::string backtraces(pid_t pid) {
  const auto file = std::filesystem::temp_directory_path() / ("agenthost-hang-" + std::to_string(pid) + ".txt");
  const std::string target = std::to_string(pid);
  std::vector<std::string> argv{"/usr/bin/timeout", "20", "/usr/bin/gdb", "-nx", "-batch", "-p", target,
                                "-ex", "set pagination off", "-ex", "thread apply all bt"};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t gdb = -1;
  const int rc = ::posix_spawn(&gdb, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return "(cannot run gdb)\n";
  int status = 0;
  while (::waitpid(gdb, &status, 0) < 0 && errno == EINTR) {
  }
  auto text = read_text(file);
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
  return text;
}

class HangReporter : public ::testing::EmptyTestEventListener {
 public:
  HangReporter() : limit_(report_after()), watcher_([this] { watch(); }) {}
  ~HangReporter() override {
    {
      std::lock_guard lock(mu_);
      ending_ = true;
    }
    cv_.notify_all();
    watcher_.join();
  }

  void OnTestStart(const ::testing::TestInfo& test) override {
    std::lock_guard lock(mu_);
    name_ = std::string(test.test_suite_name()) + "." + test.name();
    started_ = std::chrono::steady_clock::now();
    running_ = true;
    cv_.notify_all();
  }
  void OnTestEnd(const ::testing::TestInfo&) override {
    std::lock_guard lock(mu_);
    running_ = false;
    cv_.notify_all();
  }

 private:
  void watch() {
    std::unique_lock lock(mu_);
    while (!ending_) {
      if (!running_) {
        cv_.wait(lock);
        continue;
      }
      const auto started = started_;
      if (cv_.wait_until(lock, started + limit_, [&] { return ending_ || !running_ || started_ != started; }))
        continue;
      const std::string name = name_;
      lock.unlock();
      report(name);
      lock.lock();
      // Once per test: wait for the next one.
      cv_.wait(lock, [&] { return ending_ || !running_ || started_ != started; });
    }
  }

  void report(const std::string& name) {
    std::fprintf(stderr, "\n=== hang report: %s has run %lld s; the stacks of its threads and children ===\n",
                 name.c_str(), static_cast<long long>(limit_.count()));
    const bool have_gdb = std::filesystem::exists("/usr/bin/gdb");
    std::vector<pid_t> pids{::getpid()};
    for (pid_t child : descendants_of(::getpid())) pids.push_back(child);
    for (pid_t pid : pids) {
      std::fprintf(stderr, "--- pid %d: %s\n", pid, command_line(pid).c_str());
      if (have_gdb) std::fprintf(stderr, "%s", backtraces(pid).c_str());
      std::fflush(stderr);
    }
    std::fprintf(stderr, "=== end of hang report ===\n");
    std::fflush(stderr);
  }

  const std::chrono::seconds limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string name_;
  std::chrono::steady_clock::time_point started_{};
  bool running_ = false;
  bool ending_ = false;
  std::thread watcher_;  // last: starts once the members above exist
};

[[maybe_unused]] const bool registered = [] {
  ::testing::UnitTest::GetInstance()->listeners().Append(new HangReporter);
  return true;
}();

}  // namespace
}  // namespace agenthost::testing
