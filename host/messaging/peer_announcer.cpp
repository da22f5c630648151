#include "messaging/peer_announcer.hpp"

#include <random>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "messaging/boot_id.hpp"
#include "messaging/wire_protocol.hpp"

namespace agenthost::messaging {
namespace {

constexpr std::string_view kAnnounce = "agenthost.announce";

}  // namespace

PeerAnnouncer::PeerAnnouncer(zmq::context_t& context, Registry& registry, PeerOptions options)
    : context_(context), registry_(registry), options_(std::move(options)), boot_(make_boot_id()) {}

PeerAnnouncer::~PeerAnnouncer() { stop(); }

std::optional<std::string> PeerAnnouncer::start() {
  inbox_ = zmq::socket_t(context_, zmq::socket_type::router);
  inbox_.set(zmq::sockopt::linger, 0);
  inbox_.set(zmq::sockopt::ipv6, 1);  // host.registry.listen may be an IPv6 address
  secure_server_for(inbox_, options_.curve, options_.listen);
  try {
    inbox_.bind(options_.listen);
  } catch (const zmq::error_t& e) {
    inbox_.close();
    return fmt::format("cannot bind the registry address host.registry.listen {}: {}",
                       options_.listen, e.what());
  }
  const std::string own = inbox_.get(zmq::sockopt::last_endpoint);
  for (const auto& peer : options_.peers) {
    if (peer == options_.listen || peer == own) continue;  // one peer list serves every host
    zmq::socket_t out(context_, zmq::socket_type::dealer);
    out.set(zmq::sockopt::linger, 0);
    out.set(zmq::sockopt::ipv6, 1);
    out.set(zmq::sockopt::immediate, 1);  // never queue announcements for a peer that is down
    out.set(zmq::sockopt::sndhwm, 4);
    secure_client_for(out, options_.curve, peer);
    out.connect(peer);
    outboxes_.push_back(std::move(out));
  }
  registry_.on_local_change([this] { wakeup_.signal(); });
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "registry-peers");
  return std::nullopt;
}

void PeerAnnouncer::stop() {
  if (!thread_.joinable()) return;
  registry_.on_local_change({});
  stop_ = true;
  wakeup_.signal();
  thread_.join();
  outboxes_.clear();
  inbox_.close();
}

void PeerAnnouncer::run() {
  auto next_announce = std::chrono::steady_clock::now();
  while (!stop_) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_announce) {
      announce();
      next_announce = now + options_.interval;
    }
    expire(now);
    zmq::pollitem_t items[] = {{inbox_.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, wakeup_.fd(), ZMQ_POLLIN, 0}};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_announce - now);
    try {
      zmq::poll(items, 2, std::max(wait, std::chrono::milliseconds(1)));
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      continue;
    }
    if (items[0].revents & ZMQ_POLLIN) receive();
    if (items[1].revents & ZMQ_POLLIN) {
      wakeup_.clear();
      next_announce = std::chrono::steady_clock::now();  // a local change: tell peers now
    }
  }
}

void PeerAnnouncer::announce() {
  nlohmann::json agents = nlohmann::json::array();
  for (const auto& entry : registry_.local_entries()) {
    agents.push_back({{"agent", entry.agent}, {"endpoint", entry.endpoint}, {"ready", entry.ready}});
  }
  const std::string payload =
      nlohmann::json{{"machine", registry_.machine()}, {"boot", boot_}, {"agents", agents}}.dump();
  for (auto& out : outboxes_) {
    Frames frames = make_request(kAnnounce, payload, std::nullopt, "");
    try {
      (void)zmq::send_multipart(out, frames, zmq::send_flags::dontwait);  // dropped when down
    } catch (const zmq::error_t&) {
    }
  }
}

void PeerAnnouncer::receive() {
  Frames frames;
  for (int n = 0; n < 256; ++n) {
    frames.clear();
    try {
      if (!zmq::recv_multipart(inbox_, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
        return;
      }
    } catch (const zmq::error_t&) {
      return;
    }
    auto parsed = parse_request(frames);
    auto* request = std::get_if<WireRequest>(&parsed);
    if (!request || request->method != kAnnounce) continue;
    try {
      auto json = nlohmann::json::parse(request->payload);
      std::string machine = json.at("machine").get<std::string>();
      std::vector<RegistryEntry> entries;
      for (const auto& agent : json.at("agents")) {
        entries.push_back({agent.at("agent").get<std::string>(), machine,
                           agent.at("endpoint").get<std::string>(), agent.at("ready").get<bool>()});
      }
      auto boot = json.at("boot").get<std::string>();
      auto& last_boot = boots_[machine];
      if (!last_boot.empty() && last_boot != boot) {
        spdlog::info("registry: peer {} restarted ({} agents)", machine, entries.size());
      } else if (!seen_.contains(machine)) {
        spdlog::info("registry: peer {} is {} ({} agents)", machine,
                     last_boot.empty() ? "up" : "back", entries.size());
      }
      last_boot = boot;
      seen_[machine] = {boot, std::chrono::steady_clock::now()};
      registry_.replace_machine(machine, std::move(entries));
    } catch (const std::exception& e) {
      spdlog::warn("registry: ignoring a malformed announcement: {}", e.what());
    }
  }
}

void PeerAnnouncer::expire(std::chrono::steady_clock::time_point now) {
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (now - it->second.at > options_.ttl) {
      spdlog::warn("registry: peer {} has not announced for {} ms: its agents are unavailable",
                   it->first, options_.ttl.count());
      registry_.forget_machine(it->first);
      it = seen_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace agenthost::messaging
