// host.sockets_cpu: a MessagingHost pins ZeroMQ's I/O thread and its socket threads to the
// CPU it is given, and nothing else; a CPU the process may not use pins nothing and starts
// all the same. Read from /proc/self/task/*/status, as an operator would with `taskset -p`.

#include "messaging/cpu_affinity.hpp"

#include <sched.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "messaging/messaging_host.hpp"
#include "messaging_test_support.hpp"

namespace agenthost::messaging {
namespace {

using msgtest::eventually;

struct ThreadInfo {
  std::string name;
  std::string cpus;  // Cpus_allowed_list: "0-1", "1"
};

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::map<int, ThreadInfo> threads() {
  std::map<int, ThreadInfo> found;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    ThreadInfo info{first_line(task.path() / "comm"), ""};
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("Cpus_allowed_list:", 0) == 0) info.cpus = line.substr(line.find_first_not_of(" \t", 18));
    found[std::stoi(task.path().filename().string())] = info;
  }
  return found;
}

// The threads that came after `before`, by name.
std::multimap<std::string, std::string> new_threads(const std::map<int, ThreadInfo>& before) {
  std::multimap<std::string, std::string> added;
  for (const auto& [tid, info] : threads())
    if (!before.contains(tid)) added.emplace(info.name, info.cpus);
  return added;
}

std::set<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::set<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) cpus.insert(cpu);
  return cpus;
}

MessagingOptions options_with_cpu(std::optional<int> cpu) {
  MessagingOptions options;
  options.machine = "m1";
  options.workers = 2;
  options.sockets_cpu = cpu;
  return options;
}

TEST(CpuAffinity, AnUnusableCpuSaysWhichTheProcessMayUse) {
  EXPECT_FALSE(cpu_unusable(*allowed_cpus().begin()));
  const auto why = cpu_unusable(CPU_SETSIZE - 1);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("is not one this process may run on (it may run on "), std::string::npos) << *why;
  EXPECT_TRUE(cpu_unusable(-1));
}

TEST(CpuAffinity, TheIoThreadAndTheSocketThreadsRunOnTheCpuAndTheWorkersDoNot) {
  const auto cpus = allowed_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs to tell a pinned thread from a free one";
  const int cpu = *cpus.rbegin();
  const auto before = threads();
  MessagingHost host(options_with_cpu(cpu));
  ASSERT_FALSE(host.start());
  // A worker is made when work comes: this task holds one until the threads have been read.
  std::promise<void> looked;
  std::shared_future<void> done = looked.get_future().share();
  ASSERT_TRUE(host.workers().post([done] { done.wait(); }));
  const std::string pinned = std::to_string(cpu);
  std::multimap<std::string, std::string> added;
  // The socket thread pins itself as it starts, threads are named after they are made: wait.
  ASSERT_TRUE(eventually([&] {
    added = new_threads(before);
    auto sockets = added.equal_range("agent-sockets");
    return sockets.first != sockets.second && sockets.first->second == pinned && added.contains("agent-workers") &&
           added.contains("ZMQbg/IO/0");  // libzmq names its thread once it runs
  }));
  for (const auto& name : {"agent-sockets", "ZMQbg/IO/0"}) {
    auto [first, last] = added.equal_range(name);
    ASSERT_NE(first, last) << "no new thread named " << name;
    for (auto it = first; it != last; ++it) EXPECT_EQ(it->second, pinned) << name;
  }
  auto [first, last] = added.equal_range("agent-workers");
  ASSERT_NE(first, last) << "no new worker thread";
  for (auto it = first; it != last; ++it) EXPECT_NE(it->second, pinned) << "a worker was pinned";
  looked.set_value();
  host.stop();
}

TEST(CpuAffinity, ACpuTheProcessMayNotUsePinsNothingAndTheHostStarts) {
  const auto before = threads();
  MessagingHost host(options_with_cpu(CPU_SETSIZE - 1));
  ASSERT_FALSE(host.start());
  std::multimap<std::string, std::string> added;
  ASSERT_TRUE(eventually([&] {
    added = new_threads(before);
    return added.contains("agent-sockets") && added.contains("ZMQbg/IO/0");
  }));
  const auto expected = threads().at(gettid()).cpus;  // this thread's: all the process may use
  for (const auto& [name, cpus] : added) EXPECT_EQ(cpus, expected) << name;
  host.stop();
}

}  // namespace
}  // namespace agenthost::messaging
