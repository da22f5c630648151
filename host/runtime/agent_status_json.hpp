#pragma once
// What `agenthost.health` answers for one agent:
// {"agent":NAME,"state":STATE,"health":HEALTH,"detail":DETAIL}.

#include <string>
#include <string_view>

namespace agenthost::runtime {

// Built by hand, not as a nlohmann::json object: the host rebuilds it under its lock at every
// state change, and the object (a std::map of four values) cost 7 % of a thousand agents'
// start-up. `state` and `health` are the host's own names and need no escaping; `name` and
// `detail` are escaped, and bytes that are not UTF-8 become U+FFFD.
std::string agent_status_json(std::string_view name, std::string_view state, std::string_view health,
                              std::string_view detail);

}  // namespace agenthost::runtime
