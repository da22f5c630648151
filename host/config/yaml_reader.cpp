#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>

#include <fmt/format.h>

#include "config/duration.hpp"
#include "config/ip_literal.hpp"
#include "config/substitution.hpp"
#include "config/suggest.hpp"

namespace agenthost::config {

std::string_view describe_type(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    default: return "nothing";
  }
}

YamlReader::YamlReader(std::string file, const Environment& env, Diagnostics& diags, ClusterConfig& out)
    : file_(std::move(file)), env_(env), diags_(diags), out_(out) {}

SourceLocation YamlReader::at(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {file_, 0, 0};
  return {file_, mark.line + 1, mark.column + 1};  // yaml-cpp counts from 0
}

void YamlReader::error(const YAML::Node& node, std::string message) {
  diags_.error(at(node), std::move(message));
}

std::optional<std::string> YamlReader::substitute_scalar(const YAML::Node& node) {
  const std::string& raw = node.Scalar();
  const SourceLocation where = at(node);
  const auto spans = reference_spans(raw);
  for (auto& literal : find_ip_literals(raw)) {
    std::string in_default_of;
    for (auto [begin, end] : spans) {
      if (literal.offset < begin || literal.offset >= end) continue;
      const std::string_view body = std::string_view(raw).substr(begin + 2, end - begin - 3);
      in_default_of = std::string(body.substr(0, body.find_first_of(":-?")));
    }
    out_.written_addresses.push_back({where, literal.address, in_default_of});
  }
  return substitute(raw, where, env_, diags_, out_.substitutions);
}

std::optional<std::string> YamlReader::text(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, fmt::format("{} must be a single value, got {}", what, describe_type(node)));
    return std::nullopt;
  }
  return substitute_scalar(node);
}

std::optional<int> YamlReader::integer(const YAML::Node& node, std::string_view what, int min, int max) {
  auto value = text(node, what);
  if (!value) return std::nullopt;
  int n = 0;
  const char* end = value->data() + value->size();
  auto [ptr, ec] = std::from_chars(value->data(), end, n);
  if (value->empty() || ec != std::errc() || ptr != end) {
    error(node, fmt::format("{} must be an integer, got '{}'", what, *value));
    return std::nullopt;
  }
  if (n < min || n > max) {
    error(node, fmt::format("{} must be between {} and {}, got {}", what, min, max, n));
    return std::nullopt;
  }
  return n;
}

std::optional<Duration> YamlReader::duration(const YAML::Node& node, std::string_view what) {
  auto value = text(node, what);
  if (!value) return std::nullopt;
  auto parsed = parse_duration(*value);
  if (auto* bad = std::get_if<DurationError>(&parsed)) {
    error(node, fmt::format("{}: {}", what, bad->message));
    return std::nullopt;
  }
  return std::get<Duration>(parsed);
}

std::optional<Duration> YamlReader::positive_duration(const YAML::Node& node, std::string_view what) {
  auto value = duration(node, what);
  if (value && value->count() <= 0) {
    error(node, fmt::format("{} must be greater than 0, got {}", what, format_duration(*value)));
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<LocatedText>> YamlReader::text_list(const YAML::Node& node, std::string_view what) {
  if (!node.IsSequence()) {
    error(node, fmt::format("{} must be a list, got {} (write [a, b] or one '- item' per line)", what,
                            describe_type(node)));
    return std::nullopt;
  }
  std::vector<LocatedText> out;
  bool ok = true;
  for (const auto& item : node) {
    auto value = text(item, fmt::format("each entry of {}", what));
    if (value) out.push_back({*value, at(item)});
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view what) {
  if (node.IsMap()) return true;
  error(node, fmt::format("{} must be a map of keys, got {}", what, describe_type(node)));
  return false;
}

void YamlReader::check_keys(const YAML::Node& map, std::string_view section,
                            const std::vector<std::string>& known, const std::vector<MovedKey>& moved) {
  std::unordered_map<std::string, SourceLocation> seen;
  for (const auto& entry : map) {
    const YAML::Node key = entry.first;  // a copy: a reference into the iterator's proxy dangles
    if (!key.IsScalar()) {
      error(key, fmt::format("keys of {} must be names, got {}", section, describe_type(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    auto [first, inserted] = seen.emplace(name, at(key));
    if (!inserted) {
      error(key, fmt::format("key '{}' repeated in {} (first at {}; keep one)", name, section,
                             first->second.to_string()));
      continue;
    }
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    const auto was = std::find_if(moved.begin(), moved.end(), [&](const MovedKey& m) { return m.name == name; });
    if (was != moved.end()) {
      error(key, was->message);
      continue;
    }
    const std::string hint = did_you_mean(name, known);
    error(key, fmt::format("unknown key '{}' in {} ({})", name, section,
                           hint.empty() ? fmt::format("known keys: {}", fmt::join(known, ", ")) : hint));
  }
}

void YamlReader::substitute_tree(YAML::Node root) {
  std::vector<YAML::Node> pending{root};
  while (!pending.empty()) {
    YAML::Node node = pending.back();
    pending.pop_back();
    if (node.IsScalar()) {
      if (auto value = substitute_scalar(node); value && *value != node.Scalar()) node = *value;
    } else if (node.IsSequence() || node.IsMap()) {
      // Children go on the stack last-first, so substitutions are recorded in file order.
      std::vector<YAML::Node> children;
      for (auto it = node.begin(); it != node.end(); ++it)
        children.push_back(node.IsMap() ? it->second : YAML::Node(*it));
      pending.insert(pending.end(), children.rbegin(), children.rend());
    }
  }
}

}  // namespace agenthost::config
