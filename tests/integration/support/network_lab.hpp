#pragma once
// Machines for cluster tests on one computer: each in its own network namespace with its own
// address, joined by veth pairs to a bridge in one more namespace, the hub, which holds the
// bridge's own address (where the test runs etcd and calls from). Nothing is added to the
// test's own namespace: no address but loopback is ever configured there. Created by the
// constructor, removed by the destructor (and any leftovers of an earlier run first). Needs
// root and iproute2.

#include <functional>
#include <string>
#include <vector>

namespace agenthost::testing {

class NetworkLab {
 public:
  // `name` (at most 6 characters) prefixes every namespace and link; `subnet` is "10.208.0":
  // the bridge is SUBNET.1, machine i (0-based) is SUBNET.(11+i), all /24.
  NetworkLab(std::string name, std::string subnet, int machines);
  ~NetworkLab();
  NetworkLab(const NetworkLab&) = delete;
  NetworkLab& operator=(const NetworkLab&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }  // the command that failed, and its output

  std::string bridge_address() const { return subnet_ + ".1"; }
  std::string address(int machine) const { return subnet_ + "." + std::to_string(11 + machine); }
  // argv prefix that runs a command inside machine i's namespace.
  std::vector<std::string> inside(int machine) const;
  // argv prefix that runs a command inside the hub (where bridge_address() is).
  std::vector<std::string> inside_hub() const;
  // Runs `fn` on a thread of its own that has entered the hub's network namespace (setns
  // changes only the calling thread's), for sockets the test opens itself.
  void in_hub(const std::function<void()>& fn) const { in_namespace(hub_name(), fn); }
  // The same inside machine i's namespace.
  void in_machine(int machine, const std::function<void()>& fn) const { in_namespace(namespace_name(machine), fn); }

 private:
  void in_namespace(const std::string& name, const std::function<void()>& fn) const;
  bool run(std::vector<std::string> argv);
  void remove();
  std::string namespace_name(int machine) const { return name_ + "-m" + std::to_string(machine); }
  std::string hub_name() const { return name_ + "-hub"; }
  std::string link_name(int machine) const { return name_ + "v" + std::to_string(machine); }

  const std::string name_;
  const std::string subnet_;
  const int machines_;
  std::string error_;
};

}  // namespace agenthost::testing
