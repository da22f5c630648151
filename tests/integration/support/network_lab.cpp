#include "support/network_lab.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "support/child_process.hpp"

namespace agenthost::testing {

NetworkLab::NetworkLab(std::string name, std::string subnet, int machines)
    : name_(std::move(name)), subnet_(std::move(subnet)), machines_(machines) {
  remove();  // a run that was killed leaves its namespaces behind
  const std::string hub = hub_name();
  const std::string bridge = name_ + "br";
  if (!run({"ip", "netns", "add", hub}) || !run({"ip", "-n", hub, "link", "set", "lo", "up"}) ||
      !run({"ip", "-n", hub, "link", "add", bridge, "type", "bridge"}) ||
      !run({"ip", "-n", hub, "addr", "add", bridge_address() + "/24", "dev", bridge}) ||
      !run({"ip", "-n", hub, "link", "set", bridge, "up"}))
    return;
  for (int i = 0; i < machines_; ++i) {
    const std::string ns = namespace_name(i);
    const std::string outer = link_name(i);
    const std::string inner = outer + "p";
    // Made here, then both ends moved out at once: neither is ever up in the test's namespace.
    if (!run({"ip", "netns", "add", ns}) || !run({"ip", "link", "add", outer, "type", "veth", "peer", "name", inner}) ||
        !run({"ip", "link", "set", outer, "netns", hub}) ||
        !run({"ip", "-n", hub, "link", "set", outer, "master", bridge}) ||
        !run({"ip", "-n", hub, "link", "set", outer, "up"}) || !run({"ip", "link", "set", inner, "netns", ns}) ||
        !run({"ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", inner}) ||
        !run({"ip", "-n", ns, "link", "set", inner, "up"}) || !run({"ip", "-n", ns, "link", "set", "lo", "up"}))
      return;
  }
}

NetworkLab::~NetworkLab() { remove(); }

std::vector<std::string> NetworkLab::inside(int machine) const {
  return {"/usr/sbin/ip", "netns", "exec", namespace_name(machine)};
}

std::vector<std::string> NetworkLab::inside_hub() const { return {"/usr/sbin/ip", "netns", "exec", hub_name()}; }

void NetworkLab::in_namespace(const std::string& name, const std::function<void()>& fn) const {
  std::thread([&] {
    const int fd = ::open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      if (fd >= 0) ::close(fd);
      ADD_FAILURE() << "cannot enter network namespace " << name << ": " << std::strerror(errno);
      return;
    }
    ::close(fd);
    fn();
  }).join();
}

bool NetworkLab::run(std::vector<std::string> argv) {
  argv[0] = "/usr/sbin/" + argv[0];
  const auto result = run_command(argv, {}, std::chrono::seconds(10));
  if (result.exit_code == 0) return true;
  if (error_.empty()) error_ = fmt::format("{}: {}", fmt::join(argv, " "), result.output);
  return false;
}

void NetworkLab::remove() {
  // Deleting a namespace deletes the links inside it, and the peers of its veth ends. Links
  // left in the test's namespace by a run killed half-way through are deleted too.
  for (int i = 0; i < machines_; ++i) run_command({"/usr/sbin/ip", "netns", "del", namespace_name(i)});
  run_command({"/usr/sbin/ip", "netns", "del", hub_name()});
  for (int i = 0; i < machines_; ++i) run_command({"/usr/sbin/ip", "link", "del", link_name(i)});
}

}  // namespace agenthost::testing
