// An agent's supervision keys: restart_backoff, start_limit and liveness (`restart:` itself is
// read with the other agent keys). README "Restart policy" documents them and their defaults.

#include <charconv>

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/duration.hpp"

namespace agenthost::config {
namespace {

const std::vector<std::string> kBackoffKeys = {"initial", "max", "jitter"};
const std::vector<std::string> kStartLimitKeys = {"burst", "interval"};
const std::vector<std::string> kLivenessKeys = {"failure_threshold"};

std::optional<double> read_fraction(const YAML::Node& node, YamlReader& reader, const std::string& what) {
  auto text = reader.text(node, what);
  if (!text) return std::nullopt;
  double value = -1;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end || value < 0 || value > 1) {
    reader.error(node, fmt::format("{} must be a number from 0 to 1 (0.2 = +-20 %), got '{}'", what, *text));
    return std::nullopt;
  }
  return value;
}

void read_backoff(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  const std::string section = fmt::format("restart_backoff of agent '{}'", agent.name);
  if (!reader.expect_map(node, section)) return;
  reader.check_keys(node, section, kBackoffKeys);
  auto& b = agent.restart_backoff;
  bool ok = true;
  if (auto n = node["initial"]) ok &= assign(reader.positive_duration(n, section + ": initial"), b.initial);
  if (auto n = node["max"]) ok &= assign(reader.positive_duration(n, section + ": max"), b.max);
  if (auto n = node["jitter"]) assign(read_fraction(n, reader, section + ": jitter"), b.jitter);
  if (ok && b.max < b.initial) {
    const YAML::Node where = node["max"] ? node["max"] : node["initial"];
    reader.error(where, fmt::format("{}: max {} must not be less than initial {} (the delay starts at initial and "
                                    "doubles up to max; the defaults are 1s and 30s)",
                                    section, format_duration(b.max), format_duration(b.initial)));
  }
}

void read_start_limit(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  const std::string section = fmt::format("start_limit of agent '{}'", agent.name);
  if (!reader.expect_map(node, section)) return;
  reader.check_keys(node, section, kStartLimitKeys);
  auto& l = agent.start_limit;
  if (auto n = node["burst"]) assign(reader.integer(n, section + ": burst", 1, 1'000'000), l.burst);
  if (auto n = node["interval"]) assign(reader.positive_duration(n, section + ": interval"), l.interval);
}

void read_liveness(const YAML::Node& node, YamlReader& reader, AgentSpec& agent) {
  const std::string section = fmt::format("liveness of agent '{}'", agent.name);
  if (!reader.expect_map(node, section)) return;
  reader.check_keys(node, section, kLivenessKeys);
  if (auto n = node["failure_threshold"])
    assign(reader.integer(n, section + ": failure_threshold", 1, 1'000'000), agent.liveness.failure_threshold);
}

}  // namespace

void read_supervision(const MapFields& fields, YamlReader& reader, AgentSpec& agent) {
  if (const YAML::Node* n = fields.find("restart_backoff")) read_backoff(*n, reader, agent);
  if (const YAML::Node* n = fields.find("start_limit")) read_start_limit(*n, reader, agent);
  if (const YAML::Node* n = fields.find("liveness")) read_liveness(*n, reader, agent);
}

}  // namespace agenthost::config
