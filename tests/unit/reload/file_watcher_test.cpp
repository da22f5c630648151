#include "reload/file_watcher.hpp"

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "../config/test_support.hpp"

namespace agenthost::reload {
namespace {

using namespace std::chrono_literals;

class Changes {
 public:
  void add(const FileChange& c) {
    std::lock_guard lock(mu_);
    seen_.push_back(c);
    cv_.notify_all();
  }
  // Waits (bounded) for at least `n` reports; all of them.
  std::vector<FileChange> wait_for(std::size_t n, std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; });
    return seen_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<FileChange> seen_;
};

TEST(FileWatcher, ABurstOfWritesIsOneReportAfterTheLastAndRenamesAndRemovalsAreSeen) {
  testing::TempDir dir;
  Changes changes;
  // Writes 20 ms apart fold into one report within the debounce; 400 ms leaves room for this
  // thread to be descheduled between two of them while ctest runs heavy tests beside it.
  FileWatcher watcher({dir.path()}, {".so"}, [&](const FileChange& c) { changes.add(c); }, 400ms);
  ASSERT_EQ(watcher.start(), std::nullopt);

  for (int i = 0; i < 5; ++i) {  // five writes in quick succession: one report
    dir.write("a.so", std::string(100 + i, 'x'));
    std::this_thread::sleep_for(20ms);
  }
  dir.write("notes.txt", "not watched");
  dir.write(".b.so.tmp", "a temporary name");
  auto seen = changes.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, dir.path() / "a.so");
  EXPECT_FALSE(seen[0].removed);

  std::filesystem::rename(dir.path() / ".b.so.tmp", dir.path() / "b.so");  // install's way
  seen = changes.wait_for(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].path, dir.path() / "b.so");

  std::filesystem::remove(dir.path() / "a.so");
  seen = changes.wait_for(3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].path, dir.path() / "a.so");
  EXPECT_TRUE(seen[2].removed);

  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(changes.wait_for(4, 0ms).size(), 3u) << "nothing else was reported";
  watcher.stop();
}

TEST(FileWatcher, AFileThatLandsBetweenWatchAndStartIsReportedOnceStarted) {
  testing::TempDir dir;
  Changes changes;
  FileWatcher watcher({dir.path()}, {".so"}, [&](const FileChange& c) { changes.add(c); }, 20ms);
  ASSERT_EQ(watcher.watch(), std::nullopt);
  EXPECT_TRUE(watcher.watching());
  dir.write("early.so", "written before the watcher's thread exists");
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(changes.wait_for(1, 0ms).empty()) << "nothing is reported before start()";
  ASSERT_EQ(watcher.start(), std::nullopt);
  auto seen = changes.wait_for(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, dir.path() / "early.so");
  watcher.stop();
  EXPECT_FALSE(watcher.watching());
}

TEST(FileWatcher, AMissingFolderIsAnErrorNamingIt) {
  FileWatcher watcher({"/nonexistent/plugins"}, {".so"}, [](const FileChange&) {});
  auto error = watcher.start();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("/nonexistent/plugins"), std::string::npos) << *error;
  EXPECT_FALSE(watcher.watching());
  EXPECT_EQ(watcher.watch(), error) << "watch() says the same";
}

}  // namespace
}  // namespace agenthost::reload
