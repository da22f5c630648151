#include "config/map_fields.hpp"

namespace agenthost::config {

MapFields::MapFields(const YAML::Node& map) : map_(map) {
  if (!map_.IsMap()) return;
  entries_.reserve(map_.size());
  for (auto it = map_.begin(); it != map_.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    entries_.emplace_back(it->first.Scalar(), it->second);
  }
}

const YAML::Node* MapFields::find(std::string_view key) const {
  for (const auto& [name, value] : entries_)
    if (name == key) return &value;
  return nullptr;
}

}  // namespace agenthost::config
