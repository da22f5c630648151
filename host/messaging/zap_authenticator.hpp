#pragma once
// The host's ZAP handler (ZeroMQ RFC 27): libzmq asks it, on inproc://zeromq.zap.01 of the
// host's context, whether a CURVE client that completed its handshake may in. It admits the
// cluster's own keys (server and this host's client key) and those in
// CurveSettings::authorized_keys, read again at every handshake so that adding or deleting a
// key file takes effect for the next connection without a restart. Everything else is refused
// (status 400); the client's socket sees ZMQ_EVENT_HANDSHAKE_FAILED_AUTH and never gets a
// message through.
//
// Requests of other ZAP domains (a plugin's own CURVE socket) are admitted: without this
// handler libzmq would admit them, and the host must not change a plugin's choice.
//
// Threads: one of its own owns the socket; start()/stop() from the control thread. Must run
// before the first CURVE server socket binds, and stop before the context is closed.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "messaging/curve_security.hpp"
#include "messaging/wakeup.hpp"

namespace agenthost::messaging {

class ZapAuthenticator {
 public:
  // `on_refused` gets one line per refused key, at most once a minute per key (a client that
  // reconnects every 100 ms must not flood the log and the error bus).
  ZapAuthenticator(zmq::context_t& context, std::shared_ptr<const CurveSettings> curve,
                   std::function<void(const std::string&)> on_refused);
  ~ZapAuthenticator();  // stop()
  ZapAuthenticator(const ZapAuthenticator&) = delete;
  ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

  std::optional<std::string> start();  // an error when the ZAP endpoint is taken
  void stop();

  std::uint64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }

  // Why a client with this key (Z85; "" when it sent none) is refused; nullopt to admit it.
  // Public for the unit tests.
  std::optional<std::string> refusal(const std::string& client_key) const;

 private:
  void run();
  void answer(zmq::socket_t& socket);
  void report(const std::string& key, const std::string& message);

  zmq::context_t& context_;
  const std::shared_ptr<const CurveSettings> curve_;
  const std::function<void(const std::string&)> on_refused_;
  zmq::socket_t socket_;  // the thread's while it runs
  Wakeup wakeup_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> refused_{0};
  std::map<std::string, std::chrono::steady_clock::time_point> last_reported_;  // the thread's
};

}  // namespace agenthost::messaging
