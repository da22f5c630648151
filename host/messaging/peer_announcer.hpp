#pragma once
// The `peers` registry backend: every host tells every peer which agents it runs, where and
// whether they are ready, and learns theirs the same way. Announcements go out every
// `interval` and at once when a local agent changes; a peer that has not announced for `ttl`
// is forgotten (its agents become unavailable everywhere) until it announces again.
//
// On the wire it is AH1 (docs/PROTOCOL.md): a one-way request `agenthost.announce` to the
// peer's registry address, payload JSON {"machine", "boot", "agents": [{"agent", "endpoint",
// "ready"}]}. No reply.
//
// Threads: one thread of its own owns both sockets; start()/stop() from the host's thread.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "messaging/curve_security.hpp"
#include "messaging/registry.hpp"
#include "messaging/registry_backend.hpp"
#include "messaging/wakeup.hpp"

namespace agenthost::messaging {

struct PeerOptions {
  std::string listen;               // "tcp://127.0.0.1:7000": where peers reach this host
  std::vector<std::string> peers;   // "tcp://HOST:PORT" of every host (this one may be listed)
  std::chrono::milliseconds interval{200};
  std::chrono::milliseconds ttl{1000};
  std::shared_ptr<const CurveSettings> curve;  // CURVE on the links, when set
};

class PeerAnnouncer final : public RegistryBackend {
 public:
  PeerAnnouncer(zmq::context_t& context, Registry& registry, PeerOptions options);
  ~PeerAnnouncer() override;  // stop()
  PeerAnnouncer(const PeerAnnouncer&) = delete;
  PeerAnnouncer& operator=(const PeerAnnouncer&) = delete;

  // Binds the listen address; an error message naming it when that fails.
  std::optional<std::string> start() override;
  void stop() override;

 private:
  void run();
  void announce();
  void receive();
  void expire(std::chrono::steady_clock::time_point now);

  zmq::context_t& context_;
  Registry& registry_;
  const PeerOptions options_;
  const std::string boot_;  // tells a restarted peer from the one before
  Wakeup wakeup_;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  // The thread's own.
  zmq::socket_t inbox_;
  std::vector<zmq::socket_t> outboxes_;
  struct Seen {
    std::string boot;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Seen> seen_;          // peers alive now
  std::map<std::string, std::string> boots_;  // every peer ever seen -> its last boot id
};

}  // namespace agenthost::messaging
