#pragma once
// What the control server answers to one request line. Separate from the socket loop so that
// the protocol's rules are testable without a socket.

#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/host_snapshot.hpp"

namespace agenthost::control {

// Returns a consistent copy of the host's view. Called on the control server's thread; it
// takes the runtime's lock briefly and must never wait for agent code.
using SnapshotSource = std::function<runtime::HostSnapshot()>;

// Answers the commands the server does not know itself (restart, reload, ...). Called on the
// control server's thread with the parsed request object (it has a string "command"). Returns
// the payload of an ok answer, or error_answer(...). May throw: the exception's message
// becomes an error answer. It blocks the control socket while it runs, so it must hand work
// to the control thread and return, not wait for an agent.
using CommandHandler = std::function<nlohmann::json(const nlohmann::json& request)>;

// Parses one request line (without its '\n') and returns the answer object (control_protocol.hpp).
// Never throws; returns null only when not even an error answer could be built.
nlohmann::json answer_request(std::string_view line, const SnapshotSource& snapshot_source,
                              const CommandHandler& handler) noexcept;

}  // namespace agenthost::control
