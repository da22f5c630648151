#pragma once
// A real single-member etcd for the cluster tests, on a loopback address of the test's own,
// with its data in a folder of the test's: started, paused, killed and started again on the
// same data by the test itself.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace agenthost::testing {

// The etcd binary (Debian's etcd-server), or nullopt when it is not installed.
std::optional<std::string> find_etcd();
// What a test says when find_etcd() finds nothing: the tests fail, they never skip.
inline constexpr const char* kEtcdMissing =
    "etcd is not installed: run scripts/install-deps.sh --tests (it installs etcd-server)";

// The `host:` section the cluster tests share: every host's control socket and bind address
// from the environment (CONTROL_SOCKET, BIND), the etcd registry under `prefix`, and
// `client` as the host.client flow mapping.
std::string etcd_cluster_host_section(const std::string& etcd_endpoint, const std::string& prefix,
                                      const std::string& client);

class EtcdServer {
 public:
  // Where a network namespace hides it: `prefix` starts it there (`ip netns exec NAME`, which
  // execs, so signals reach etcd itself) and `reach` runs the test's health checks there.
  struct Namespace {
    std::vector<std::string> prefix;
    std::function<void(const std::function<void()>&)> reach;
  };

  // Client URL http://IP:CLIENT_PORT, peer URL http://IP:PEER_PORT.
  EtcdServer(std::string binary, std::string data_dir, std::string ip, int client_port, int peer_port,
             Namespace where = {});

  // Starts it and waits until it answers /health; false (with its output in `why`) if not.
  bool start(std::string* why = nullptr);
  void kill();  // SIGKILL: the data stays for the next start()
  void pause();   // SIGSTOP: the port still accepts connections, nothing answers
  void resume();  // SIGCONT
  bool healthy() const;

  std::string endpoint() const;  // "IP:CLIENT_PORT", as host.registry.etcd.endpoints takes it
  std::string output() const { return process_ ? process_->output() : ""; }

 private:
  const std::string binary_;
  const std::string data_dir_;
  const std::string ip_;
  const int client_port_;
  const int peer_port_;
  const Namespace where_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace agenthost::testing
