// The agenthost executable's getpid(): the one every library calls, the true pid, and a
// forked child's own (its cached copy wiped by the kernel).

#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "main/getpid_cache.hpp"

namespace agenthost {
namespace {

pid_t kernel_pid() { return static_cast<pid_t>(::syscall(SYS_getpid)); }

TEST(GetpidCache, IsTheGetpidEveryLibraryCallsAndGivesThisProcesssPid) {
  ASSERT_TRUE(getpid_is_cached()) << "MADV_WIPEONFORK refused: getpid() is the system call";
  void* libc = ::dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  ASSERT_NE(libc, nullptr);
  void* libcs_getpid = ::dlsym(libc, "getpid");
  void* bound_getpid = ::dlsym(RTLD_DEFAULT, "getpid");  // what a library's call binds to
  ::dlclose(libc);
  EXPECT_NE(bound_getpid, libcs_getpid) << "libraries would call libc's getpid()";
  EXPECT_EQ(bound_getpid, reinterpret_cast<void*>(&::getpid));
  EXPECT_EQ(::getpid(), kernel_pid());
  EXPECT_EQ(::getpid(), kernel_pid());  // the cached answer too
  pid_t from_thread = 0;
  std::thread([&] { from_thread = ::getpid(); }).join();
  EXPECT_EQ(from_thread, kernel_pid());
}

// In the child of a fork, and in the grandchild, getpid() is that process's own pid; the
// parent's answer is unchanged. Exit code 0 is a child that found so.
TEST(GetpidCache, AForkedChildAndItsChildAnswerTheirOwnPids) {
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    bool ok = ::getpid() == kernel_pid() && ::getpid() != parent;
    const pid_t grandchild = ::fork();
    if (grandchild == 0) ::_exit(::getpid() == kernel_pid() && ::getpid() != parent ? 0 : 1);
    int status = 0;
    ok = ok && grandchild > 0 && ::waitpid(grandchild, &status, 0) == grandchild &&
         WIFEXITED(status) && WEXITSTATUS(status) == 0;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "a forked process got another process's pid";
  EXPECT_EQ(::getpid(), parent);
  EXPECT_EQ(parent, kernel_pid());
}

}  // namespace
}  // namespace agenthost
