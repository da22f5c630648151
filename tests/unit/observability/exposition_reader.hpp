#pragma once
// Reads samples out of a Prometheus text exposition, for the observability tests.

#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace agenthost::observability::testing {

// The value of the sample `name` whose labels include every pair of `labels` (the first
// such line), or nullopt.
inline std::optional<double> sample(const std::string& exposition, const std::string& name,
                                    const std::map<std::string, std::string>& labels = {}) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    const std::string metric = line.substr(0, std::min(brace, space));
    if (metric != name) continue;
    const std::string label_text =
        brace == std::string::npos ? "" : line.substr(brace, line.find('}') - brace + 1);
    bool all = true;
    for (const auto& [key, value] : labels)
      all = all && label_text.find(key + "=\"" + value + "\"") != std::string::npos;
    if (all) return std::stod(line.substr(space + 1));
  }
  return std::nullopt;
}

}  // namespace agenthost::observability::testing
