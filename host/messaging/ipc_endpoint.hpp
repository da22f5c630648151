#pragma once
// Where an agent answers over ipc:// in a folder: the host's agents for its isolated children,
// an isolated child's agent for its host (README, "Isolation"). Both sides compute the same
// address from the folder and the agent's name alone.

#include <string>

namespace agenthost::messaging {

// "ipc://DIR/NAME.sock"; a name that would make the path longer than a unix socket address
// allows (107 bytes), or that holds a character unsafe in a file name, gets a hash of it.
std::string ipc_endpoint(const std::string& dir, const std::string& agent);

// The file of an ipc:// endpoint ("" for any other endpoint).
std::string ipc_file(const std::string& endpoint);

}  // namespace agenthost::messaging
