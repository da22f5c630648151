#include "support/prometheus_text.hpp"

#include <sstream>
#include <stdexcept>

namespace agenthost::testing {
namespace {

// Reads `{a="x",b="y"}` from `line` at `pos` (just past the '{'); leaves pos after the '}'.
std::map<std::string, std::string> read_labels(const std::string& line, std::size_t& pos) {
  std::map<std::string, std::string> labels;
  while (pos < line.size() && line[pos] != '}') {
    const auto eq = line.find('=', pos);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
      throw std::invalid_argument("a label without =\"value\": " + line);
    std::string value;
    std::size_t i = eq + 2;
    for (; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        value += line[i] == 'n' ? '\n' : line[i];
      } else {
        value += line[i];
      }
    }
    if (i >= line.size()) throw std::invalid_argument("an unterminated label value: " + line);
    labels[line.substr(pos, eq - pos)] = value;
    pos = i + 1;
    if (pos < line.size() && line[pos] == ',') ++pos;
  }
  if (pos >= line.size()) throw std::invalid_argument("labels without '}': " + line);
  ++pos;
  return labels;
}

}  // namespace

std::vector<MetricSample> parse_metrics(const std::string& text) {
  std::vector<MetricSample> samples;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    MetricSample sample;
    std::size_t pos = line.find_first_of("{ ");
    if (pos == std::string::npos) throw std::invalid_argument("not a sample: " + line);
    sample.name = line.substr(0, pos);
    if (line[pos] == '{') {
      ++pos;
      sample.labels = read_labels(line, pos);
    }
    std::istringstream value(line.substr(pos));
    std::string number;
    value >> number;  // a timestamp may follow; the host writes none
    try {
      sample.value = std::stod(number);
    } catch (const std::exception&) {
      throw std::invalid_argument("not a number in: " + line);
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

std::vector<MetricSample> find_samples(const std::vector<MetricSample>& samples,
                                       const std::string& name,
                                       const std::map<std::string, std::string>& labels) {
  std::vector<MetricSample> found;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [key, value] : labels) {
      auto it = s.labels.find(key);
      all = all && it != s.labels.end() && it->second == value;
    }
    if (all) found.push_back(s);
  }
  return found;
}

std::optional<double> sample_value(const std::vector<MetricSample>& samples,
                                   const std::string& name,
                                   const std::map<std::string, std::string>& labels) {
  const auto found = find_samples(samples, name, labels);
  if (found.size() != 1) return std::nullopt;
  return found.front().value;
}

}  // namespace agenthost::testing
