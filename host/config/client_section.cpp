// host.client: how agents call each other's endpoints (retries of idempotent calls, the
// per-endpoint circuit breaker, how long a request waits for a connection).

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/duration.hpp"

namespace agenthost::config {

namespace {

const std::vector<std::string> kClientKeys = {"retry_backoff", "retry_backoff_max", "breaker_failures",
                                              "breaker_open_for", "connect_timeout"};

// The back-off starts at retry_backoff and doubles up to retry_backoff_max.
void check_backoff(const ClientSpec& client, const YAML::Node& backoff, const YAML::Node& backoff_max,
                   YamlReader& reader) {
  if (client.retry_backoff_max >= client.retry_backoff) return;
  if (backoff_max) {
    reader.error(backoff_max, fmt::format("host.client.retry_backoff_max {} must not be less than "
                                          "host.client.retry_backoff {} (the back-off starts at retry_backoff "
                                          "and doubles up to retry_backoff_max)",
                                          format_duration(client.retry_backoff_max),
                                          format_duration(client.retry_backoff)));
  } else {
    reader.error(backoff, fmt::format("host.client.retry_backoff {} must not be greater than "
                                      "host.client.retry_backoff_max, {} by default (lower it, or set "
                                      "retry_backoff_max)",
                                      format_duration(client.retry_backoff),
                                      format_duration(client.retry_backoff_max)));
  }
}

}  // namespace

void read_client_section(const YAML::Node& node, YamlReader& reader, ClientSpec& client) {
  if (!reader.expect_map(node, "host.client")) return;
  reader.check_keys(node, "host.client", kClientKeys);
  const YAML::Node backoff = node["retry_backoff"];
  const YAML::Node backoff_max = node["retry_backoff_max"];
  bool backoff_ok = true;
  if (backoff)
    backoff_ok &= assign(reader.positive_duration(backoff, "host.client.retry_backoff"), client.retry_backoff);
  if (backoff_max)
    backoff_ok &= assign(reader.positive_duration(backoff_max, "host.client.retry_backoff_max"),
                         client.retry_backoff_max);
  if (backoff_ok && (backoff || backoff_max)) check_backoff(client, backoff, backoff_max, reader);
  if (auto n = node["breaker_failures"])
    assign(reader.integer(n, "host.client.breaker_failures", 1, 1'000'000), client.breaker_failures);
  if (auto n = node["breaker_open_for"])
    assign(reader.positive_duration(n, "host.client.breaker_open_for"), client.breaker_open_for);
  if (auto n = node["connect_timeout"])
    assign(reader.positive_duration(n, "host.client.connect_timeout"), client.connect_timeout);
}

}  // namespace agenthost::config
