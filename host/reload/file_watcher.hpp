#pragma once
// Watches folders with inotify and reports a file once it is complete: written in place and
// closed (IN_CLOSE_WRITE: `cp`, a compiler's output) or renamed into place (IN_MOVED_TO:
// `install`, `cp` to a temp name + `mv`, dpkg). Events for one file within `debounce` of
// each other are one report, made `debounce` after the last of them: a burst of writes is
// one reload, and a file still being written is not picked up half-way.
//
// Threads: one of its own reads the events and calls `on_change`, one call at a time;
// watch(), start() and stop() from the host's control thread. Events that come between watch()
// and start() wait in the kernel's queue: a host watches before start-up and starts the
// thread beside its first agents. Deleted files are reported too
// (IN_DELETE, IN_MOVED_FROM) with `removed` set.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "messaging/wakeup.hpp"

namespace agenthost::reload {

struct FileChange {
  std::filesystem::path path;
  bool removed = false;
};

class FileWatcher {
 public:
  using OnChange = std::function<void(const FileChange&)>;
  // Only files whose name ends with one of `suffixes` (".so"; ".yaml", ".yml") are reported.
  FileWatcher(std::vector<std::filesystem::path> dirs, std::vector<std::string> suffixes, OnChange on_change,
              std::chrono::milliseconds debounce = std::chrono::milliseconds(200));
  ~FileWatcher();  // stop()
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // An error naming the folder that cannot be watched (it must exist). start() watches first
  // if watch() was not called.
  std::optional<std::string> watch();
  std::optional<std::string> start();
  void stop();
  bool watching() const { return inotify_fd_ >= 0; }

 private:
  void run() noexcept;
  void read_events();
  bool wanted(const std::string& name) const;

  const std::vector<std::filesystem::path> dirs_;
  const std::vector<std::string> suffixes_;
  const OnChange on_change_;
  const std::chrono::milliseconds debounce_;
  int inotify_fd_ = -1;
  std::map<int, std::filesystem::path> watches_;  // watch descriptor -> folder
  messaging::Wakeup wakeup_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  // The thread's own: files with events not yet reported, and when their last event came.
  std::map<std::filesystem::path, std::pair<std::chrono::steady_clock::time_point, bool>> pending_;
};

}  // namespace agenthost::reload
