#include "messaging/curve_security.hpp"

namespace agenthost::messaging {

bool curve_applies(std::string_view endpoint) { return endpoint.starts_with("tcp://"); }

void secure_server(zmq::socket_t& socket, const CurveSettings& curve) {
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, curve.server.secret_key);
  socket.set(zmq::sockopt::zap_domain, std::string(kZapDomain));
}

void secure_client(zmq::socket_t& socket, const CurveSettings& curve) {
  socket.set(zmq::sockopt::curve_serverkey, curve.server.public_key);
  socket.set(zmq::sockopt::curve_publickey, curve.client.public_key);
  socket.set(zmq::sockopt::curve_secretkey, curve.client.secret_key);
}

void secure_server_for(zmq::socket_t& socket, const std::shared_ptr<const CurveSettings>& curve,
                       std::string_view endpoint) {
  if (curve && curve_applies(endpoint)) secure_server(socket, *curve);
}

void secure_client_for(zmq::socket_t& socket, const std::shared_ptr<const CurveSettings>& curve,
                       std::string_view endpoint) {
  if (curve && curve_applies(endpoint)) secure_client(socket, *curve);
}

}  // namespace agenthost::messaging
