#pragma once
// The values of one YAML mapping by key, indexed in one pass over the mapping.
//
// Why not node["key"]: yaml-cpp 0.7 compares every key of the mapping by converting it to a
// fresh std::string, and for a key the mapping does not have (most of an agent's optional
// keys) it formats the key through a std::stringstream for its "invalid node" message. That
// is microseconds per lookup, and a thousand agents times twenty optional keys made it a
// tenth of reading the config.

#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace agenthost::config {

class MapFields {
 public:
  // `map` is a mapping (callers check with YamlReader::expect_map first); any other node
  // has no fields. Keys that are not scalars are left out: no lookup by name can find them.
  explicit MapFields(const YAML::Node& map);

  // The value of `key` (the first, if the key is repeated: check_keys reports that), or
  // nullptr when the mapping has no such key. Valid as long as this object.
  const YAML::Node* find(std::string_view key) const;

  // The mapping itself, for messages about the whole of it ("has no 'command'").
  const YAML::Node& map() const { return map_; }

 private:
  YAML::Node map_;
  // Views into the key nodes' scalars, which live as long as map_ does.
  std::vector<std::pair<std::string_view, YAML::Node>> entries_;
};

}  // namespace agenthost::config
