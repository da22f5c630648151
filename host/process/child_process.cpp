#include "process/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "process/child_spawn.hpp"

namespace agenthost::process {

std::string ExitStatus::describe() const {
  if (signal != 0) return fmt::format("was killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exited with status {}", code);
}

ChildProcess::ChildProcess(const LaunchSpec& spec, OutputPump::LineSink on_line, ExitSink on_exit)
    : on_exit_(std::move(on_exit)) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  }
  pump_ = std::make_unique<OutputPump>(out[0], err[0], std::move(on_line));
  std::promise<std::string> started;  // "" once running, else why not
  auto result = started.get_future();
  watcher_ = std::thread([this, &spec, &started, o = out[1], e = err[1]] { watch(spec, o, e, started); });
  if (auto error = result.get(); !error.empty()) {
    watcher_.join();
    pump_.reset();
    throw std::runtime_error(error);
  }
}

ChildProcess::~ChildProcess() {
  signal_group(SIGKILL);
  if (watcher_.joinable()) watcher_.join();
  pump_.reset();
}

void ChildProcess::watch(const LaunchSpec& spec, int out_write, int err_write, std::promise<std::string>& started) {
  try {
    pid_ = spawn_child(spec, out_write, err_write);
  } catch (const std::exception& e) {
    close(out_write);
    close(err_write);
    started.set_value(e.what());
    return;
  }
  // Only the child holds the write ends now: the pump sees end-of-file when it exits.
  close(out_write);
  close(err_write);
  started.set_value("");  // `spec` and `started` belong to the constructor: not used below

  siginfo_t info{};
  // WNOWAIT: the child stays a zombie (its pid reserved) until reaped under mu_ below.
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  ExitStatus status;
  if (info.si_code == CLD_EXITED) status.code = info.si_status;
  else status.signal = info.si_status;
  {
    std::lock_guard lock(mu_);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    exit_ = status;
  }
  ended_cv_.notify_all();
  if (pump_) pump_->finish();
  if (on_exit_) on_exit_(status);
}

std::optional<ExitStatus> ChildProcess::exit_status() const {
  std::lock_guard lock(mu_);
  return exit_;
}

bool ChildProcess::wait_for(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return ended_cv_.wait_for(lock, timeout, [&] { return exit_.has_value(); });
}

void ChildProcess::signal_group(int signal) {
  std::lock_guard lock(mu_);
  if (pid_ > 0 && !exit_) kill(-pid_, signal);
}

bool ChildProcess::stop(std::chrono::milliseconds grace) {
  signal_group(SIGTERM);
  if (wait_for(grace)) return false;
  signal_group(SIGKILL);
  std::unique_lock lock(mu_);
  ended_cv_.wait(lock, [&] { return exit_.has_value(); });
  return true;
}

}  // namespace agenthost::process
