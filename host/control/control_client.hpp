#pragma once
// agentctl's end of the control socket (protocol: control_protocol.hpp). One connection per
// request, with one deadline covering connect, send and answer.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace agenthost::control {

struct ControlReply {
  enum class Failure {
    none,
    connect,     // nothing listens there, no permission, no such file (`errno` is set)
    timeout,     // the host did not answer within the deadline
    io,          // the connection broke
    bad_answer,  // not a JSON object with a boolean "ok": not an agenthost control socket?
  };

  // The host's answer, when one came; {"ok": false, ...} is still an answer.
  std::optional<nlohmann::json> answer;
  Failure failure = Failure::none;
  int error_number = 0;
  std::string error;  // for people: "cannot connect to /run/x.sock: Connection refused"

  bool answered() const noexcept { return answer.has_value(); }
};

// Resolves the socket path the way agentctl documents it: the explicit one if given, else
// $AGENTHOST_CONTROL_SOCKET, else /run/agenthost/control.sock.
std::filesystem::path resolve_socket_path(const std::optional<std::string>& explicit_path);

class ControlClient {
 public:
  explicit ControlClient(std::filesystem::path socket_path,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Sends one request object and waits for its answer line. Never throws for network
  // problems: they come back in ControlReply::failure.
  ControlReply request(const nlohmann::json& request) const;

  const std::filesystem::path& socket_path() const noexcept { return socket_path_; }

 private:
  std::filesystem::path socket_path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace agenthost::control
