#pragma once
// The host's end of the control socket (protocol: control_protocol.hpp).
//
// Contract:
//  - listen(), start() and stop() are called from one thread (the host's control thread),
//    never concurrently. listen() creates the socket file, and clients that connect wait in
//    its backlog until start() (which listens first if listen() was not called) begins to
//    serve them: a host binds early, so that a bad path stops it before any agent starts, and
//    starts the thread beside its first agents. start() on a running server and stop() on a
//    stopped one do nothing.
//  - While running, one thread of its own serves every client with poll(): it answers status,
//    list, health and startup from the SnapshotSource only, and calls the CommandHandler for
//    other commands. Neither callback ever runs on the caller's thread; both run on the server
//    thread, one request at a time.
//  - stop() wakes that thread, joins it (promptly: the thread never blocks outside poll()),
//    closes every client and removes the socket file if it is still the one listen() created.
//    No callback runs after stop() returns; the destructor calls stop().
//  - Errors: listen() and start() return std::nullopt on success or a message naming the path
//    (another live host listens there, path is not a socket, cannot create the directory, ...).
//    Errors while serving (a client's broken connection, accept failing) go to spdlog's default
//    logger and never stop the server.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "control/control_commands.hpp"
#include "control/control_protocol.hpp"
#include "control/unique_fd.hpp"

namespace agenthost::control {

struct ControlServerOptions {
  ::mode_t mode = 0660;  // who may connect is decided by the socket file's group
  ::uid_t owner = static_cast<::uid_t>(-1);  // the socket file's owner and group; -1 keeps the host's
  ::gid_t group = static_cast<::gid_t>(-1);
  std::size_t max_clients = 64;                  // one more gets an error answer and is closed
  std::size_t max_request_bytes = kMaxRequestBytes;
  std::chrono::milliseconds idle_timeout{60'000};  // a silent client is closed after this
};

class ControlServer {
 public:
  ControlServer(std::filesystem::path socket_path, SnapshotSource snapshot_source,
                CommandHandler handler = {}, ControlServerOptions options = {});
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  [[nodiscard]] std::optional<std::string> listen();
  [[nodiscard]] std::optional<std::string> start();
  void stop();

  bool listening() const noexcept { return static_cast<bool>(listen_fd_); }
  bool running() const noexcept { return thread_.joinable(); }
  const std::filesystem::path& socket_path() const noexcept { return socket_path_; }

 private:
  void serve() noexcept;  // the server thread
  void serve_clients();   // its loop; returns when stop() wakes it
  void close_socket();    // closes the descriptors; removes the socket file if still ours

  const std::filesystem::path socket_path_;
  const SnapshotSource snapshot_source_;
  const CommandHandler handler_;
  const ControlServerOptions options_;

  // Set by listen() before the thread exists, cleared by stop() after it is joined: only the
  // caller's thread writes them, the server thread reads listen_fd_ and wake_fd_.
  UniqueFd listen_fd_;
  UniqueFd wake_fd_;  // eventfd: stop() writes it to end poll()
  ::dev_t socket_device_ = 0;
  ::ino_t socket_inode_ = 0;
  std::thread thread_;
};

}  // namespace agenthost::control
