// host.curve: the key files of ZeroMQ CURVE (README, "Security").

#include <fmt/format.h>

#include "config/config_sections.hpp"

namespace agenthost::config {

namespace {

const std::vector<std::string> kCurveKeys = {"server_key", "client_key", "authorized_keys"};

}  // namespace

void read_curve_section(const YAML::Node& node, YamlReader& reader, std::optional<CurveSpec>& curve) {
  if (!reader.expect_map(node, "host.curve")) return;
  reader.check_keys(node, "host.curve", kCurveKeys);
  CurveSpec spec;
  if (auto n = node["server_key"]) {
    assign(reader.text(n, "host.curve.server_key"), spec.server_key);
    spec.server_key_where = reader.at(n);
  }
  if (auto n = node["client_key"]) {
    assign(reader.text(n, "host.curve.client_key"), spec.client_key);
    spec.client_key_where = reader.at(n);
  }
  if (auto n = node["authorized_keys"]) {
    assign(reader.text(n, "host.curve.authorized_keys"), spec.authorized_keys);
    spec.authorized_keys_where = reader.at(n);
  }
  if (spec.server_key.empty()) {
    reader.error(node, "host.curve needs server_key: the cluster's secret certificate, the same file on every host "
                       "(make one with `agentctl curve-keygen /etc/agenthost/curve cluster`)");
    return;
  }
  curve = std::move(spec);
}

void load_curve_keys(std::optional<CurveSpec>& curve, Diagnostics& diags) {
  if (!curve) return;
  auto read_pair = [&](const std::string& file, const SourceLocation& where, std::string_view key,
                       security::CurveKeyPair& out) {
    auto pair = security::read_secret_key_file(file);
    if (auto* error = std::get_if<std::string>(&pair)) diags.error(where, fmt::format("host.curve.{}: {}", key, *error));
    else out = std::get<security::CurveKeyPair>(pair);
  };
  read_pair(curve->server_key, curve->server_key_where, "server_key", curve->server);
  if (curve->client_key.empty()) curve->client = curve->server;
  else read_pair(curve->client_key, curve->client_key_where, "client_key", curve->client);
  if (!curve->authorized_keys.empty()) {
    // Read again at every handshake (keys added or removed take effect without a restart);
    // here only so that `check` and start-up report a broken file.
    auto keys = security::read_public_keys(curve->authorized_keys);
    if (auto* error = std::get_if<std::string>(&keys))
      diags.error(curve->authorized_keys_where, fmt::format("host.curve.authorized_keys: {}", *error));
  }
}

}  // namespace agenthost::config
