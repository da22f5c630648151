#include "support/network_lab.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "support/child_process.hpp"

namespace agenthost::testing {

NetworkLab::NetworkLab(std::string name, std::string subnet, int machines)
    : name_(std::move(name)), subnet_(std::move(subnet)), machines_(machines) {
  remove();  // a run that was killed leaves its namespaces behind
  const std::string bridge = name_ + "br";
  if (!run({"ip", "link", "add", bridge, "type", "bridge"}) ||
      !run({"ip", "addr", "add", bridge_address() + "/24", "dev", bridge}) ||
      !run({"ip", "link", "set", bridge, "up"}))
    return;
  for (int i = 0; i < machines_; ++i) {
    const std::string ns = namespace_name(i);
    const std::string outer = link_name(i);
    const std::string inner = outer + "p";
    if (!run({"ip", "netns", "add", ns}) || !run({"ip", "link", "add", outer, "type", "veth", "peer", "name", inner}) ||
        !run({"ip", "link", "set", outer, "master", bridge}) || !run({"ip", "link", "set", outer, "up"}) ||
        !run({"ip", "link", "set", inner, "netns", ns}) ||
        !run({"ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", inner}) ||
        !run({"ip", "-n", ns, "link", "set", inner, "up"}) || !run({"ip", "-n", ns, "link", "set", "lo", "up"}))
      return;
  }
}

NetworkLab::~NetworkLab() { remove(); }

std::vector<std::string> NetworkLab::inside(int machine) const {
  return {"/usr/sbin/ip", "netns", "exec", namespace_name(machine)};
}

bool NetworkLab::run(std::vector<std::string> argv) {
  argv[0] = "/usr/sbin/" + argv[0];
  const auto result = run_command(argv, {}, std::chrono::seconds(10));
  if (result.exit_code == 0) return true;
  if (error_.empty()) error_ = fmt::format("{}: {}", fmt::join(argv, " "), result.output);
  return false;
}

void NetworkLab::remove() {
  // Deleting a namespace deletes the veth end inside it, and with it its peer.
  for (int i = 0; i < machines_; ++i) run_command({"/usr/sbin/ip", "netns", "del", namespace_name(i)});
  for (int i = 0; i < machines_; ++i) run_command({"/usr/sbin/ip", "link", "del", link_name(i)});
  run_command({"/usr/sbin/ip", "link", "del", name_ + "br"});
}

}  // namespace agenthost::testing
