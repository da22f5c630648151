#include "process/output_pump.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace agenthost::process {
namespace {

// A program that writes without newlines still gets logged, in pieces of this size.
constexpr std::size_t kMaxLine = 16 * 1024;

void emit_lines(std::string& buffer, bool flush_rest, const std::function<void(std::string_view)>& emit) {
  std::size_t start = 0;
  for (;;) {
    auto nl = buffer.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(buffer.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    emit(line);
    start = nl + 1;
  }
  buffer.erase(0, start);
  while (buffer.size() >= kMaxLine || (flush_rest && !buffer.empty())) {
    const auto n = std::min(buffer.size(), kMaxLine);
    emit(std::string_view(buffer.data(), n));
    buffer.erase(0, n);
  }
}

}  // namespace

OutputPump::OutputPump(int stdout_fd, int stderr_fd, LineSink sink)
    : fds_{stdout_fd, stderr_fd}, sink_(std::move(sink)), thread_([this] { run(); }) {}

OutputPump::~OutputPump() {
  finish();
  if (thread_.joinable()) thread_.join();
}

void OutputPump::finish() { finishing_.store(true, std::memory_order_release); }

void OutputPump::run() {
  std::string buffers[2];
  bool open[2] = {true, true};
  char chunk[4096];
  auto emitter = [this](int i) {
    return [this, i](std::string_view line) { sink_(i == 0 ? Stream::out : Stream::err, line); };
  };
  while (open[0] || open[1]) {
    pollfd polled[2];
    for (int i = 0; i < 2; ++i) polled[i] = {open[i] ? fds_[i] : -1, POLLIN, 0};
    // Short waits: finish() is seen within 100 ms without a wake-up pipe.
    const bool finishing = finishing_.load(std::memory_order_acquire);
    const int ready = poll(polled, 2, finishing ? 0 : 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready == 0 && finishing) break;  // the pipes are drained
    for (int i = 0; i < 2; ++i) {
      if (!open[i] || !(polled[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = read(fds_[i], chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        open[i] = false;
        continue;
      }
      buffers[i].append(chunk, static_cast<std::size_t>(got));
      emit_lines(buffers[i], false, emitter(i));
    }
  }
  for (int i = 0; i < 2; ++i) {
    emit_lines(buffers[i], true, emitter(i));
    close(fds_[i]);
  }
}

}  // namespace agenthost::process
