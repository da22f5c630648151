#pragma once
// `agentctl curve-keygen DIR NAME`: a new CURVE key pair as DIR/NAME.key (public certificate)
// and DIR/NAME.key_secret (secret certificate, mode 0600), in the format czmq and pyzmq read
// (security/curve_key.hpp). Never overwrites: an existing file is an error. Needs no host.

#include <ostream>
#include <string>

namespace agenthost::control {

// Exit code 0 on success; messages go to `out` and `err`.
int run_curve_keygen(const std::string& dir, const std::string& name, std::ostream& out, std::ostream& err);

}  // namespace agenthost::control
