#pragma once
// What Linux's /proc says of a process's threads and children: thread placement
// (Cpus_allowed_list, as `taskset -p` shows it), stopped states, CPU time, and the process
// tree that the hang reporter prints.

#include <string>
#include <vector>

namespace agenthost::testing {

struct TaskInfo {
  int tid = 0;
  std::string name;   // comm, at most 15 characters
  char state = '?';   // from stat: R, S, D, T, Z, ...
  std::string cpus;   // Cpus_allowed_list: "0-1", "1"
};

// Every thread of `pid`; empty when it is gone.
std::vector<TaskInfo> tasks_of(int pid);

// The direct children of `pid` (each thread's children file).
std::vector<int> children_of(int pid);

// Every live descendant of `pid`, parents before their children.
std::vector<int> descendants_of(int pid);

// The CPU time `pid` has used, user and system, its ended threads included (stat's utime and
// stime: clock ticks, 10 ms here). -1 when it is gone.
double cpu_seconds_of(int pid);

}  // namespace agenthost::testing
