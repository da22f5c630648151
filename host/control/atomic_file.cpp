#include "control/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "control/unique_fd.hpp"

namespace agenthost::control {
namespace {

std::string failure(const std::string& path, int error_number) {
  return "cannot write " + path + ": " + std::strerror(error_number);
}

}  // namespace

bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written == 0) errno = EIO;  // write() made no progress and set no error
    if (written <= 0) return false;
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

std::optional<std::string> write_file_atomically(const std::string& path, std::string_view content,
                                                 unsigned mode) {
  // Beside the target: rename() is atomic only within one file system.
  std::string temp_name = path + ".tmp-XXXXXX";
  std::vector<char> temp(temp_name.begin(), temp_name.end());
  temp.push_back('\0');
  UniqueFd fd(::mkstemp(temp.data()));
  if (!fd) return failure(path, errno);
  temp_name = temp.data();

  // mkstemp makes the file 0600; a chart is for everyone who may read the folder.
  const bool written = ::fchmod(fd.get(), static_cast<mode_t>(mode)) == 0 && write_all(fd.get(), content) &&
                       ::fsync(fd.get()) == 0;
  const int write_error = errno;
  const bool closed = ::close(fd.release()) == 0;
  if (!written || !closed) {
    const int error_number = written ? errno : write_error;
    ::unlink(temp_name.c_str());
    return failure(path, error_number);
  }
  if (::rename(temp_name.c_str(), path.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temp_name.c_str());
    return failure(path, error_number);
  }
  return std::nullopt;
}

}  // namespace agenthost::control
