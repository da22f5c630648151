#pragma once
// A readiness change made on machine 0, and when every other host learned of it. The change
// is one an operator makes: a drop-in in machine 0's agents_dir adds the echo agent `Probe`
// (it starts and becomes ready), removing the drop-in stops it (not ready). Its entry in etcd
// is put either way. The change happens on machine 0 when its own registry logs it; it has
// reached host i when host i's registry logs the same entry. Both lines are timed as the
// bench reads them, through the same kind of pipe.

#include <array>
#include <chrono>
#include <optional>
#include <string>

#include "cluster_lab.hpp"

namespace agenthost::bench {

class ReadinessProbe {
 public:
  explicit ReadinessProbe(ClusterLab& lab) : lab_(lab) {}

  struct Propagation {
    // [i]: machine 0's change -> host i's registry has it; [0] stays 0.
    std::array<std::chrono::nanoseconds, ClusterLab::kHosts> to_host{};
    std::chrono::nanoseconds to_every_host() const;
  };
  // Makes Probe ready (or not) on machine 0 and waits, at most `timeout`, until every host has
  // seen it; std::nullopt with the reason in `why` when one has not.
  std::optional<Propagation> change(bool ready, std::chrono::milliseconds timeout, std::string* why);

 private:
  void write_drop_in() const;
  void remove_drop_in() const;

  ClusterLab& lab_;
};

}  // namespace agenthost::bench
