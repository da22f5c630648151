#include "control/control_commands.hpp"

#include <exception>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "control/control_protocol.hpp"
#include "control/snapshot_json.hpp"
#include "control/startup_report.hpp"

namespace agenthost::control {
namespace {

using nlohmann::json;

json list_payload(const runtime::HostSnapshot& snapshot) {
  json out = host_fields_json(snapshot);
  json agents = json::array();
  for (const auto& agent : snapshot.agents)
    agents.push_back({{"name", agent.name},
                      {"machine", agent.machine},
                      {"plugin", agent.plugin},
                      {"plugin_file", agent.plugin_file},
                      {"state", std::string(runtime::to_string(agent.state))},
                      {"dependencies", agent.dependencies}});
  out["agents"] = std::move(agents);
  return out;
}

json health_payload(const runtime::HostSnapshot& snapshot) {
  json out = host_fields_json(snapshot);
  json agents = json::array();
  for (const auto& agent : snapshot.agents) {
    json checked = agent.health_checked_at ? json(*agent.health_checked_at) : json(nullptr);
    agents.push_back({{"name", agent.name},
                      {"state", std::string(runtime::to_string(agent.state))},
                      {"health", std::string(to_string(agent.health))},
                      {"health_detail", agent.health_detail},
                      {"health_checked_ms", std::move(checked)}});
  }
  out["agents"] = std::move(agents);
  return out;
}

json startup_payload(const runtime::HostSnapshot& snapshot) {
  json out = to_json(snapshot);
  out.update(startup_report_json(snapshot));
  return out;
}

json answer_parsed(const json& request, const SnapshotSource& snapshot_source,
                   const CommandHandler& handler) {
  if (!request.is_object()) return error_answer("request must be a JSON object");
  auto command_it = request.find("command");
  if (command_it == request.end() || !command_it->is_string())
    return error_answer("request has no string field 'command'");
  const std::string command = command_it->get<std::string>();

  using Payload = json (*)(const runtime::HostSnapshot&);
  Payload payload = nullptr;
  if (command == "status") payload = [](const runtime::HostSnapshot& s) { return to_json(s); };
  else if (command == "list") payload = list_payload;
  else if (command == "health") payload = health_payload;
  else if (command == "startup") payload = startup_payload;

  json answer;
  if (payload != nullptr) {
    if (!snapshot_source) return error_answer("this host has no snapshot source");
    answer = ok_answer(payload(snapshot_source()));
  } else if (handler) {
    answer = ok_answer(handler(request));
  } else {
    return error_answer(fmt::format("unknown command '{}'", command));
  }
  if (!answer.contains("command")) answer["command"] = command;
  return answer;
}

}  // namespace

json answer_request(std::string_view line, const SnapshotSource& snapshot_source,
                    const CommandHandler& handler) noexcept {
  try {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // tolerate `nc -C`
    json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) return error_answer("request is not valid JSON");
    return answer_parsed(request, snapshot_source, handler);
  } catch (const std::exception& e) {
    spdlog::warn("control socket: request failed: {}", e.what());
    try {
      return error_answer(e.what());
    } catch (...) {
    }
  } catch (...) {
    spdlog::warn("control socket: request failed with a non-standard exception");
  }
  return json();  // building even an error answer failed: the caller sends a constant one
}

}  // namespace agenthost::control
