#pragma once
// Reads samples out of a Prometheus text exposition (what /metrics answers), so a test can
// ask "the value of agent_requests_total{agent="echo",status="500"}" without regexes.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace agenthost::testing {

struct MetricSample {
  std::string name;  // with its suffix: agent_request_duration_seconds_count
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample line; comments (# HELP, # TYPE) and blank lines are skipped. Throws
// std::invalid_argument naming the line that is not a sample.
std::vector<MetricSample> parse_metrics(const std::string& text);

// The samples named `name` whose labels include all of `labels`.
std::vector<MetricSample> find_samples(const std::vector<MetricSample>& samples,
                                       const std::string& name,
                                       const std::map<std::string, std::string>& labels = {});

// The value of the one sample that matches, or nullopt when none or several do.
std::optional<double> sample_value(const std::vector<MetricSample>& samples,
                                   const std::string& name,
                                   const std::map<std::string, std::string>& labels = {});

}  // namespace agenthost::testing
