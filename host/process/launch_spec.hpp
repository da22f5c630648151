#pragma once
// What to run for a process agent, and how it ended.

#include <string>
#include <utility>
#include <vector>

namespace agenthost::process {

struct LaunchSpec {
  std::string command;  // looked up in PATH when it has no '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // set on top of the host's environment
  std::string workdir;  // "" = the host's
};

struct ExitStatus {
  int code = -1;   // the exit code when it exited, else -1
  int signal = 0;  // the signal that killed it, else 0

  // "exited with status 3", "was killed by signal 9 (Killed)".
  std::string describe() const;
};

}  // namespace agenthost::process
