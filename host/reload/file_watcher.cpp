#include "reload/file_watcher.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace agenthost::reload {

FileWatcher::FileWatcher(std::vector<std::filesystem::path> dirs, std::vector<std::string> suffixes,
                         OnChange on_change, std::chrono::milliseconds debounce)
    : dirs_(std::move(dirs)), suffixes_(std::move(suffixes)), on_change_(std::move(on_change)), debounce_(debounce) {}

FileWatcher::~FileWatcher() { stop(); }

std::optional<std::string> FileWatcher::watch() {
  if (inotify_fd_ >= 0) return std::nullopt;
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return fmt::format("cannot watch files: inotify_init1: {}", std::strerror(errno));
  for (const auto& dir : dirs_) {
    const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(),
                                       IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR);
    if (wd < 0) {
      const std::string error = fmt::format("cannot watch {}: {}", dir.string(), std::strerror(errno));
      ::close(inotify_fd_);
      inotify_fd_ = -1;
      watches_.clear();
      return error;
    }
    watches_[wd] = dir;
  }
  return std::nullopt;
}

std::optional<std::string> FileWatcher::start() {
  if (thread_.joinable()) return std::nullopt;
  if (auto error = watch()) return error;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void FileWatcher::stop() {
  if (thread_.joinable()) {
    stop_ = true;
    wakeup_.signal();
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  inotify_fd_ = -1;
  watches_.clear();
}

bool FileWatcher::wanted(const std::string& name) const {
  if (name.starts_with('.')) return false;  // editors' and cp's temporary names
  for (const auto& suffix : suffixes_)
    if (name.ends_with(suffix)) return true;
  return false;
}

void FileWatcher::read_events() {
  alignas(inotify_event) std::array<char, 16 * 1024> buffer{};
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buffer.data(), buffer.size());
    if (n <= 0) return;  // EAGAIN: all read
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) {
        spdlog::warn("file watch: too many events at once; some changes may be missed (touch the file again)");
        continue;
      }
      if (event->len == 0) continue;
      const std::string name(event->name);
      auto dir = watches_.find(event->wd);
      if (dir == watches_.end() || !wanted(name)) continue;
      const bool removed = (event->mask & (IN_DELETE | IN_MOVED_FROM)) != 0;
      pending_[dir->second / name] = {std::chrono::steady_clock::now(), removed};
    }
  }
}

void FileWatcher::run() noexcept {
  while (!stop_) {
    const auto now = std::chrono::steady_clock::now();
    int timeout_ms = -1;
    for (auto it = pending_.begin(); it != pending_.end();) {
      const auto due = it->second.first + debounce_;
      if (due <= now) {
        const FileChange change{it->first, it->second.second};
        it = pending_.erase(it);
        try {
          on_change_(change);
        } catch (const std::exception& e) {
          spdlog::error("file watch: handling {} failed: {}", change.path.string(), e.what());
        }
        continue;
      }
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count() + 1;
      timeout_ms = timeout_ms < 0 ? static_cast<int>(wait) : std::min(timeout_ms, static_cast<int>(wait));
      ++it;
    }
    std::array<pollfd, 2> fds{{{inotify_fd_, POLLIN, 0}, {wakeup_.fd(), POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) return;
    if (fds[1].revents & POLLIN) wakeup_.clear();
    if (fds[0].revents & POLLIN) read_events();
  }
}

}  // namespace agenthost::reload
