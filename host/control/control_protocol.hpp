#pragma once
// The control socket protocol, shared by the host (ControlServer) and agentctl (ControlClient).
//
// Transport: a Unix stream socket (default /run/agenthost/control.sock, file mode 0660, so
// the socket's group decides who may talk to the host). A client may send several requests on
// one connection; the server answers them in order.
//
// Framing: one JSON object per line, UTF-8, terminated by '\n', at most kMaxRequestBytes
// (64 KiB) per request line. A client may also end its last request with EOF instead of '\n'.
// A longer line gets an error answer and the connection is closed.
//
// Request:  {"command": "status"}
//           {"command": "restart", "agent": "uplink"}   (commands the host adds, see below)
// Answer:   {"ok": true,  "protocol": 1, "command": "status", ...payload}
//           {"ok": false, "protocol": 1, "error": "unknown command 'frobnicate'"}
//
// Commands answered by the server itself, from a HostSnapshot only (never by calling into an
// agent, so a hung agent cannot stall the socket):
//   status   the whole snapshot: host fields + "agents" (see snapshot_json.hpp)
//   list     host fields + "agents": [{name, machine, plugin, plugin_file, state, dependencies}]
//   health   host fields + "agents": [{name, state, health, health_detail, health_checked_ms}]
//   startup  the whole snapshot + "blame", "critical_chain", "not_started" (startup_report.hpp)
// Commands agenthost run adds:
//   log-level  {"agent": NAME | "agenthost", "level": LEVEL}: one logger's level (log_level_command.hpp)
//   errors     {"after", "agent", "severity", "limit"}: the error bus's journal (errors_command.hpp)
// Any other command goes to the host's CommandHandler, which returns the payload (it is
// given "ok": true and "protocol" unless it set them) or an error answer made with
// error_answer(). Without a handler: {"ok": false, "error": "unknown command 'x'"}.
//
// Versioning: every answer carries "protocol". Fields are only ever added within a protocol
// version; readers ignore fields they do not know. A change that breaks readers bumps it.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace agenthost::control {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;
// Answers are larger than requests (status of 84 agents is ~40 KiB); the client's bound.
inline constexpr std::size_t kMaxAnswerBytes = 16 * 1024 * 1024;
inline constexpr std::string_view kDefaultSocketPath = "/run/agenthost/control.sock";
inline constexpr const char* kSocketPathEnvVar = "AGENTHOST_CONTROL_SOCKET";

// {"ok": false, "protocol": 1, "error": message}
inline nlohmann::json error_answer(std::string_view message) {
  return {{"ok", false}, {"protocol", kProtocolVersion}, {"error", std::string(message)}};
}

// Adds "ok": true and "protocol" to an object payload (keeps them if the payload set them);
// a payload that is not an object becomes {"result": payload}.
inline nlohmann::json ok_answer(nlohmann::json payload) {
  if (payload.is_null()) payload = nlohmann::json::object();
  if (!payload.is_object()) payload = nlohmann::json{{"result", std::move(payload)}};
  if (!payload.contains("ok")) payload["ok"] = true;
  if (!payload.contains("protocol")) payload["protocol"] = kProtocolVersion;
  return payload;
}

}  // namespace agenthost::control
