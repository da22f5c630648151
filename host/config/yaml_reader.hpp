#pragma once
// Reads typed values out of one parsed YAML file, turning every problem into a diagnostic at
// the value's position. Scalars are substituted (${VAR}) as they are read, so the value after
// substitution is what gets interpreted ("port: ${P:-7000}" is an int).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config_loader.hpp"
#include "config/config_model.hpp"
#include "config/diagnostic.hpp"

namespace agenthost::config {

// A key that used to be valid somewhere and now lives elsewhere: writing it is an error with
// `message` ("host.peers has moved to host.registry.peers (...)"), not an unknown key.
struct MovedKey {
  std::string name;
  std::string message;
};

struct LocatedText {
  std::string text;
  SourceLocation where;
};

class YamlReader {
 public:
  // `out` receives the substitutions and literal addresses seen while reading.
  YamlReader(std::string file, const Environment& env, Diagnostics& diags, ClusterConfig& out);

  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diags_; }
  SourceLocation at(const YAML::Node& node) const;
  void error(const YAML::Node& node, std::string message);

  // `what` names the value in messages ("host.startup.timeout"). Each returns std::nullopt
  // after a diagnostic when the value is unusable.
  std::optional<std::string> text(const YAML::Node& node, std::string_view what);
  std::optional<int> integer(const YAML::Node& node, std::string_view what, int min, int max);
  std::optional<Duration> duration(const YAML::Node& node, std::string_view what);
  std::optional<Duration> positive_duration(const YAML::Node& node, std::string_view what);  // > 0
  std::optional<std::vector<LocatedText>> text_list(const YAML::Node& node, std::string_view what);

  // True when `node` is a mapping; otherwise reports "`what` must be a mapping".
  bool expect_map(const YAML::Node& node, std::string_view what);

  // Reports keys of `map` that are not in `known` (with "did you mean"), keys in `moved` (with
  // their message) and repeated keys.
  void check_keys(const YAML::Node& map, std::string_view section, const std::vector<std::string>& known,
                  const std::vector<MovedKey>& moved = {});

  // Substitutes every scalar value below `node` in place (marks stay); iterative, so a deeply
  // nested agent config cannot overflow the stack.
  void substitute_tree(YAML::Node node);

 private:
  std::optional<std::string> substitute_scalar(const YAML::Node& node);

  std::string file_;
  const Environment& env_;
  Diagnostics& diags_;
  ClusterConfig& out_;
};

// "a map", "a list", "a scalar", "nothing": for "must be a list, got a map".
std::string_view describe_type(const YAML::Node& node);

}  // namespace agenthost::config
