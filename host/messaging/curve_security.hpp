#pragma once
// ZeroMQ CURVE on the host's tcp sockets (README, "Security"): agents' tcp endpoints, the
// registry's peer links and error forwarding. inproc:// and ipc:// stay plain: they never leave
// the machine, and ipc files are in folders only the host's user can enter.
//
// Every server socket names the ZAP domain below; ZapAuthenticator answers for it.

#include <memory>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "security/curve_key.hpp"

namespace agenthost::messaging {

struct CurveSettings {
  security::CurveKeyPair server;  // the cluster's: every host serves with it
  security::CurveKeyPair client;  // this host's, for its own calls and links
  std::string authorized_keys;    // a file or folder of admitted public keys; "" = none beyond the cluster's
};

inline constexpr std::string_view kZapDomain = "agenthost";

// True for the endpoints CURVE covers: tcp://.
bool curve_applies(std::string_view endpoint);

// Before bind(): the socket accepts only CURVE clients that the ZAP handler admits.
void secure_server(zmq::socket_t& socket, const CurveSettings& curve);
// Before connect(): the socket talks CURVE to a server holding the cluster's key.
void secure_client(zmq::socket_t& socket, const CurveSettings& curve);

// Both of the above for an endpoint, when `curve` is set and covers it.
void secure_server_for(zmq::socket_t& socket, const std::shared_ptr<const CurveSettings>& curve,
                       std::string_view endpoint);
void secure_client_for(zmq::socket_t& socket, const std::shared_ptr<const CurveSettings>& curve,
                       std::string_view endpoint);

}  // namespace agenthost::messaging
