// host.log: the host's log level and the format of stderr lines; and the reading of one level
// value, shared with an agent's log_level.

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/suggest.hpp"

namespace agenthost::config {

namespace {

const std::vector<std::string> kLogKeys = {"level", "format"};

// Every valid value is listed even with a "did you mean": a level is often not a typo but a
// name from another logging library ("warning", "fatal", "verbose").
std::string choices_hint(const std::string& written, const std::vector<std::string>& names) {
  const std::string hint = did_you_mean(written, names);
  return fmt::format("{}use {}", hint.empty() ? "" : hint + " ", alternatives(names));
}

std::optional<observability::LogFormat> read_log_format(const YAML::Node& node, YamlReader& reader) {
  auto text = reader.text(node, "host.log.format");
  if (!text) return std::nullopt;
  if (auto format = observability::parse_log_format(*text)) return format;
  reader.error(node, fmt::format("unknown host.log.format '{}' ({})", *text,
                                 choices_hint(*text, observability::log_format_names())));
  return std::nullopt;
}

}  // namespace

std::optional<observability::LogLevel> read_log_level(const YAML::Node& node, YamlReader& reader,
                                                      std::string_view key, std::string_view owner) {
  auto text = reader.text(node, key);
  if (!text) return std::nullopt;
  if (auto level = observability::parse_log_level(*text)) return level;
  reader.error(node, fmt::format("unknown {} '{}'{} ({})", key, *text, owner,
                                 choices_hint(*text, observability::log_level_names())));
  return std::nullopt;
}

void read_log_section(const YAML::Node& node, YamlReader& reader, LogSpec& log) {
  if (!reader.expect_map(node, "host.log")) return;
  reader.check_keys(node, "host.log", kLogKeys);
  if (auto n = node["level"]) assign(read_log_level(n, reader, "host.log.level"), log.level);
  if (auto n = node["format"]) assign(read_log_format(n, reader), log.format);
}

}  // namespace agenthost::config
