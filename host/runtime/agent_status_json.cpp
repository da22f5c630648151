#include "runtime/agent_status_json.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace agenthost::runtime {
namespace {

// `text` as a JSON string. Most names and details are printable ASCII without quotes or
// backslashes; the rest go through nlohmann::json.
std::string json_quoted(std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
  if (plain) return fmt::format("\"{}\"", text);
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string agent_status_json(std::string_view name, std::string_view state, std::string_view health,
                              std::string_view detail) {
  return fmt::format(R"({{"agent":{},"state":"{}","health":"{}","detail":{}}})", json_quoted(name), state, health,
                     json_quoted(detail));
}

}  // namespace agenthost::runtime
