#include "control/unix_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace agenthost::control {
namespace {

std::optional<sockaddr_un> make_address(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string& native = path.native();
  if (native.empty() || native.size() >= sizeof(address.sun_path)) return std::nullopt;
  std::memcpy(address.sun_path, native.c_str(), native.size() + 1);
  return address;
}

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

// What a non-blocking connect to an existing socket file says about its owner.
enum class Probe { live, stale, unknown };

Probe probe(const sockaddr_un& address, int* error) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return *error = errno, Probe::unknown;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0)
    return Probe::live;
  *error = errno;
  if (errno == EAGAIN || errno == EINPROGRESS) return Probe::live;  // backlog full: alive
  if (errno == ECONNREFUSED) return Probe::stale;
  return Probe::unknown;
}

}  // namespace

std::variant<ListeningSocket, std::string> listen_unix(const std::filesystem::path& path,
                                                       const SocketFileAccess& access, int backlog) {
  const ::mode_t mode = access.mode;
  auto address = make_address(path);
  if (!address)
    return fmt::format("control socket path '{}' is empty or longer than {} bytes",
                       path.native(), sizeof(sockaddr_un::sun_path) - 1);

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return fmt::format("control socket path '{}' exists and is not a socket (remove it or "
                         "choose another path)", path.native());
    int error = 0;
    switch (probe(*address, &error)) {
      case Probe::live:
        return fmt::format("another process (an agenthost already running?) is listening on "
                           "control socket '{}'", path.native());
      case Probe::unknown:
        return fmt::format("cannot check existing control socket '{}': {}", path.native(),
                           errno_text(error));
      case Probe::stale:
        spdlog::info("removing stale control socket '{}'", path.native());
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
          return fmt::format("cannot remove stale control socket '{}': {}", path.native(),
                             errno_text(errno));
        break;
    }
  }

  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return fmt::format("cannot create directory '{}' for control socket: {}",
                         path.parent_path().native(), ec.message());
  }

  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fmt::format("cannot create control socket: {}", errno_text(errno));

  // Bind under a temporary name in the same directory (link() needs the same filesystem).
  // Unique per process and call: two servers in one process must not unlink each other's.
  static std::atomic<unsigned> sequence{0};
  const std::filesystem::path temporary =
      path.parent_path() / fmt::format(".{}.{}.{}.tmp", path.filename().native(), ::getpid(),
                                       sequence.fetch_add(1));
  auto temporary_address = make_address(temporary);
  const bool via_temporary = temporary_address.has_value();
  const std::filesystem::path& bound_path = via_temporary ? temporary : path;
  const sockaddr_un& bound_address = via_temporary ? *temporary_address : *address;
  if (via_temporary) ::unlink(temporary.c_str());  // left by a crashed host that had our pid

  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&bound_address), sizeof(bound_address)) != 0) {
    const int error = errno;
    if (error == EADDRINUSE && !via_temporary)
      return fmt::format("another process is listening on control socket '{}'", path.native());
    return fmt::format("cannot bind control socket '{}': {}", bound_path.native(),
                       errno_text(error));
  }
  auto fail = [&](std::string message) -> std::string {
    ::unlink(bound_path.c_str());
    return message;
  };
  if (::chmod(bound_path.c_str(), mode) != 0)
    return fail(fmt::format("cannot chmod control socket '{}' to {:04o}: {}", bound_path.native(),
                            mode, errno_text(errno)));
  if ((access.owner != static_cast<::uid_t>(-1) || access.group != static_cast<::gid_t>(-1)) &&
      ::chown(bound_path.c_str(), access.owner, access.group) != 0)
    return fail(fmt::format("cannot give control socket '{}' to owner {} and group {}: {}", bound_path.native(),
                            static_cast<int>(access.owner), static_cast<int>(access.group), errno_text(errno)));
  if (::listen(fd.get(), backlog) != 0)
    return fail(fmt::format("cannot listen on control socket '{}': {}", bound_path.native(),
                            errno_text(errno)));
  if (via_temporary) {
    if (::link(temporary.c_str(), path.c_str()) != 0) {
      const int error = errno;
      if (error == EEXIST)
        return fail(fmt::format("another process took control socket '{}' while this host was "
                                "binding it", path.native()));
      return fail(fmt::format("cannot create control socket '{}': {}", path.native(),
                              errno_text(error)));
    }
    ::unlink(temporary.c_str());
  }

  ListeningSocket out;
  if (::lstat(path.c_str(), &st) != 0)
    return fmt::format("control socket '{}' vanished after bind: {}", path.native(),
                       errno_text(errno));
  out.fd = std::move(fd);
  out.device = st.st_dev;
  out.inode = st.st_ino;
  return out;
}

bool is_same_socket_file(const std::filesystem::path& path, ::dev_t device, ::ino_t inode) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == device &&
         st.st_ino == inode;
}

std::variant<UniqueFd, int> connect_unix(const std::filesystem::path& path,
                                         std::chrono::milliseconds timeout) {
  auto address = make_address(path);
  if (!address) return ENAMETOOLONG;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno;
  // A blocking connect to a Unix socket waits only when the listen backlog is full, and then
  // for at most SO_SNDTIMEO; the kernel answers EAGAIN when that passes.
  const auto ms = std::max<std::chrono::milliseconds::rep>(timeout.count(), 1);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) != 0)
    return (errno == EAGAIN || errno == EINPROGRESS) ? ETIMEDOUT : errno;
  return fd;
}

}  // namespace agenthost::control
