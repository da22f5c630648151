#pragma once
// Snapshots of a finished start-up shared by the start-up report and chart tests.

#include <string>
#include <vector>

#include "runtime/host_snapshot.hpp"

namespace agenthost::testing {

// An agent that went through load, configure (1 ms later) and start (2 ms later) to ready.
inline runtime::AgentSnapshot ready_agent(std::string name, double load_begin, double ready_at,
                                          std::vector<std::string> dependencies = {}) {
  runtime::AgentSnapshot a;
  a.name = std::move(name);
  a.state = runtime::AgentState::ready;
  a.dependencies = std::move(dependencies);
  a.timings.load_begin = load_begin;
  a.timings.configure_begin = load_begin + 1;
  a.timings.start_begin = load_begin + 2;
  a.timings.ready_at = ready_at;
  a.state_since = ready_at;
  return a;
}

// broker (0..100) -> store (100..400) -> api (400..450)
//        \-> cache (100..150) ---------/
// modem failed while loading (at 20 ms), uplink blocked by it.
inline runtime::HostSnapshot startup_sample() {
  runtime::HostSnapshot s;
  s.host_name = "edge-01";
  s.uptime_ms = 5000;
  s.startup_finished = true;
  s.startup_completed_at = 450;
  s.agents.push_back(ready_agent("broker", 0, 100));
  s.agents.push_back(ready_agent("cache", 100, 150, {"broker"}));
  s.agents.push_back(ready_agent("store", 100, 400, {"broker"}));
  s.agents.push_back(ready_agent("api", 400, 450, {"cache", "store"}));
  runtime::AgentSnapshot modem;
  modem.name = "modem";
  modem.state = runtime::AgentState::failed;
  modem.reason = "start() threw: no SIM";
  modem.timings.load_begin = 0;
  modem.state_since = 20;
  s.agents.push_back(modem);
  runtime::AgentSnapshot uplink;
  uplink.name = "uplink";
  uplink.state = runtime::AgentState::blocked;
  uplink.reason = "dependency 'modem' failed";
  uplink.blocked_by = "modem";
  uplink.dependencies = {"modem", "broker"};
  uplink.state_since = 20;
  s.agents.push_back(uplink);
  return s;
}

}  // namespace agenthost::testing
