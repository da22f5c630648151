#pragma once
// Writing a whole file so that a reader (a browser reloading a chart, a script) sees the old
// content or the new one, never a part: a temporary file beside it, flushed, renamed over it.

#include <optional>
#include <string>
#include <string_view>

namespace agenthost::control {

// Writes all of `content` to `fd`, again after EINTR and short writes. False with errno set
// when it could not.
bool write_all(int fd, std::string_view content);

// Writes `content` to `path` (with `mode`). Returns the error when it could not, naming the
// file ("cannot write /x/chart.svg: Permission denied"); nothing is left behind then.
std::optional<std::string> write_file_atomically(const std::string& path, std::string_view content,
                                                 unsigned mode = 0644);

}  // namespace agenthost::control
