#include "messaging/ipc_endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include <fmt/format.h>

namespace agenthost::messaging {
namespace {

constexpr std::size_t kMaxUnixPath = 107;  // sockaddr_un.sun_path less its terminating zero

bool plain(const std::string& name) {
  return !name.empty() && name.front() != '.' && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

}  // namespace

std::string ipc_endpoint(const std::string& dir, const std::string& agent) {
  std::string path = fmt::format("{}/{}.sock", dir, agent);
  if (!plain(agent) || path.size() > kMaxUnixPath) path = fmt::format("{}/h-{:016x}.sock", dir, fnv1a(agent));
  return "ipc://" + path;
}

std::string ipc_file(const std::string& endpoint) {
  constexpr std::string_view kScheme = "ipc://";
  return endpoint.starts_with(kScheme) ? endpoint.substr(kScheme.size()) : std::string();
}

}  // namespace agenthost::messaging
