#include "demo_figures.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/core.h>

namespace agenthost::bench {

DemoFigures read_demo_figures(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path));
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string key, value;
    fields >> key >> value;
    values[key] = value;
  }
  const auto number = [&](const char* key) {
    const auto it = values.find(key);
    if (it == values.end()) {
      throw std::runtime_error(fmt::format("{}: no '{}' (re-run scripts/gen_demo_config.py)",
                                           path, key));
    }
    return std::stod(it->second);
  };
  DemoFigures figures;
  figures.agents = static_cast<int>(number("agents"));
  figures.levels = static_cast<int>(number("levels"));
  figures.sequential_ms = number("sequential_ms");
  figures.critical_path_ms = number("critical_path_ms");
  figures.level_barrier_ms = number("level_barrier_ms");
  return figures;
}

}  // namespace agenthost::bench
