#include "messaging/etcd_codec.hpp"

#include <array>

#include <nlohmann/json.hpp>

namespace agenthost::messaging::etcd {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int, 256> decode_table() {
  std::array<int, 256> table{};
  for (auto& v : table) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) table[static_cast<unsigned char>(kAlphabet[i])] = int(i);
  return table;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  unsigned v = (unsigned char)bytes[i] << 16;
  if (rest == 2) v |= (unsigned char)bytes[i + 1] << 8;
  out += kAlphabet[v >> 18 & 63];
  out += kAlphabet[v >> 12 & 63];
  out += rest == 2 ? kAlphabet[v >> 6 & 63] : '=';
  out += '=';
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  static constexpr auto kTable = decode_table();
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (pad == 1 && text[i + 2] == '=') return std::nullopt;  // "x=y=" is not base64
    unsigned v = 0;
    for (int j = 0; j < 4 - pad; ++j) {
      const int d = kTable[static_cast<unsigned char>(text[i + j])];
      if (d < 0) return std::nullopt;
      v |= unsigned(d) << (18 - 6 * j);
    }
    out += char(v >> 16 & 0xff);
    if (pad < 2) out += char(v >> 8 & 0xff);
    if (pad < 1) out += char(v & 0xff);
  }
  return out;
}

std::string agents_prefix(std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  return std::string(prefix) + "/agents/";
}

std::string agent_key(std::string_view prefix, const RegistryEntry& entry) {
  return agents_prefix(prefix) + entry.machine + "/" + entry.agent;
}

std::string prefix_range_end(std::string_view key_prefix) {
  std::string end(key_prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = char(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // etcd: "\0" as range_end means every key
}

std::string encode_entry(const RegistryEntry& entry) {
  return nlohmann::json{{"agent", entry.agent},
                        {"machine", entry.machine},
                        {"endpoint", entry.endpoint},
                        {"ready", entry.ready}}
      .dump();
}

std::optional<std::pair<std::string, std::string>> split_agent_key(std::string_view prefix,
                                                                   std::string_view key) {
  const std::string start = agents_prefix(prefix);
  if (!key.starts_with(start)) return std::nullopt;
  key.remove_prefix(start.size());
  const auto slash = key.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == key.size()) return std::nullopt;
  const auto agent = key.substr(slash + 1);
  if (agent.find('/') != std::string_view::npos) return std::nullopt;
  return std::pair{std::string(key.substr(0, slash)), std::string(agent)};
}

std::optional<RegistryEntry> decode_entry(std::string_view prefix, std::string_view key,
                                          std::string_view value) {
  const auto names = split_agent_key(prefix, key);
  if (!names) return std::nullopt;
  const auto json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  RegistryEntry entry;
  entry.machine = names->first;  // the key is authoritative: it is what a delete names
  entry.agent = names->second;
  const auto endpoint = json.find("endpoint");
  const auto ready = json.find("ready");
  if (endpoint != json.end() && endpoint->is_string()) entry.endpoint = endpoint->get<std::string>();
  if (ready != json.end() && ready->is_boolean()) entry.ready = ready->get<bool>();
  return entry;
}

std::int64_t json_int64(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return 0;
  const auto it = object.find(field);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (!it->is_string()) return 0;
  try {
    return std::stoll(it->get<std::string>());
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace agenthost::messaging::etcd
