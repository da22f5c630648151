#pragma once
// Unix stream socket plumbing shared by the control server and client: binding a listening
// socket safely next to a possibly stale one, and connecting with a deadline.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <variant>

#include "control/unique_fd.hpp"

namespace agenthost::control {

struct ListeningSocket {
  UniqueFd fd;           // non-blocking, close-on-exec, listening
  ::dev_t device = 0;    // identity of the socket file we created: stop() removes the path
  ::ino_t inode = 0;     // only while it is still ours (a newer host may have replaced it)
};

// Creates the parent directory if missing; removes `path` first only if it is a socket that
// nobody answers on; refuses when a live process listens there or `path` is not a socket.
// The socket file appears at `path` with its mode, owner and group already set: it is bound under a temporary
// name, chmod-ed, then hard-linked into place, so there is no moment where it has the umask's
// permissions, and two hosts racing for one path cannot both win.
// Returns the socket or an error message naming the path.
struct SocketFileAccess {
  ::mode_t mode = 0660;
  ::uid_t owner = static_cast<::uid_t>(-1);  // -1: the creating process's
  ::gid_t group = static_cast<::gid_t>(-1);
};
std::variant<ListeningSocket, std::string> listen_unix(const std::filesystem::path& path,
                                                       const SocketFileAccess& access, int backlog);

// True when `path` is still the socket file identified by (device, inode).
bool is_same_socket_file(const std::filesystem::path& path, ::dev_t device, ::ino_t inode);

// Connects to `path` within `timeout`. Returns a blocking, close-on-exec socket or the errno
// of the failure (ETIMEDOUT when the deadline passed, e.g. a full listen backlog).
std::variant<UniqueFd, int> connect_unix(const std::filesystem::path& path,
                                         std::chrono::milliseconds timeout);

}  // namespace agenthost::control
