#pragma once
// How the etcd registry backend lays out its data: one key per agent,
// PREFIX/agents/MACHINE/AGENT, whose value is the entry as JSON {"agent", "machine",
// "endpoint", "ready"}; keys and values travel base64-encoded through etcd's JSON gateway,
// and its 64-bit numbers arrive as strings.
//
// Threads: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "messaging/registry.hpp"

namespace agenthost::messaging::etcd {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid (padded) base64.
std::optional<std::string> base64_decode(std::string_view text);

// "/agenthost" -> "/agenthost/agents/": every agent key of the cluster starts with it.
std::string agents_prefix(std::string_view prefix);
std::string agent_key(std::string_view prefix, const RegistryEntry& entry);
// The end of the key range that holds exactly the keys starting with `key_prefix` (etcd's
// range_end: the prefix with its last byte incremented).
std::string prefix_range_end(std::string_view key_prefix);

std::string encode_entry(const RegistryEntry& entry);
// The entry a key/value pair under agents_prefix() holds; nullopt for a key or value this
// version does not understand (another tool's key, a corrupt value): skipped, not fatal.
std::optional<RegistryEntry> decode_entry(std::string_view prefix, std::string_view key,
                                          std::string_view value);
// The machine and agent a key names (a DELETE event carries only the key).
std::optional<std::pair<std::string, std::string>> split_agent_key(std::string_view prefix,
                                                                   std::string_view key);

// An int64 as etcd's gateway writes it: a JSON string of digits, or a number; 0 when absent.
std::int64_t json_int64(const nlohmann::json& object, const char* field);

}  // namespace agenthost::messaging::etcd
