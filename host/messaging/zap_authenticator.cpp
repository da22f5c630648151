#include "messaging/zap_authenticator.hpp"

#include <algorithm>
#include <array>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <zmq_addon.hpp>

namespace agenthost::messaging {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr std::chrono::minutes kReportEvery{1};
constexpr std::size_t kRememberedKeys = 1024;

std::string z85(const zmq::message_t& binary_key) {
  if (binary_key.size() != 32) return {};
  std::array<char, 41> text{};
  zmq_z85_encode(text.data(), static_cast<const std::uint8_t*>(binary_key.data()), 32);
  return text.data();
}

}  // namespace

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, std::shared_ptr<const CurveSettings> curve,
                                   std::function<void(const std::string&)> on_refused)
    : context_(context), curve_(std::move(curve)), on_refused_(std::move(on_refused)) {}

ZapAuthenticator::~ZapAuthenticator() { stop(); }

std::optional<std::string> ZapAuthenticator::start() {
  socket_ = zmq::socket_t(context_, zmq::socket_type::rep);
  socket_.set(zmq::sockopt::linger, 0);
  try {
    socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    socket_.close();
    return fmt::format("cannot bind the CURVE authenticator at {}: {} (does a plugin bind it?)", kZapEndpoint,
                       e.what());
  }
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "curve-zap");
  return std::nullopt;
}

void ZapAuthenticator::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  wakeup_.signal();
  thread_.join();
  socket_.close();
}

std::optional<std::string> ZapAuthenticator::refusal(const std::string& client_key) const {
  if (client_key.empty()) return "it sent no CURVE key";
  if (client_key == curve_->server.public_key || client_key == curve_->client.public_key) return std::nullopt;
  if (curve_->authorized_keys.empty())
    return "it is not one of the cluster's keys, and host.curve.authorized_keys is not set";
  auto keys = security::read_public_keys(curve_->authorized_keys);
  if (auto* error = std::get_if<std::string>(&keys))
    return fmt::format("host.curve.authorized_keys cannot be read: {}", *error);
  const auto& admitted = std::get<std::vector<std::string>>(keys);
  if (std::find(admitted.begin(), admitted.end(), client_key) != admitted.end()) return std::nullopt;
  return fmt::format("its public key is not in {} (add its NAME.key there to admit it)", curve_->authorized_keys);
}

void ZapAuthenticator::run() {
  while (!stop_) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wakeup_.fd(), ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      continue;
    }
    if (items[1].revents & ZMQ_POLLIN) wakeup_.clear();
    if (items[0].revents & ZMQ_POLLIN) answer(socket_);
  }
}

void ZapAuthenticator::answer(zmq::socket_t& socket) {
  // RFC 27: version, request id, domain, address, routing id, mechanism, credentials...
  std::vector<zmq::message_t> request;
  try {
    if (!zmq::recv_multipart(socket, std::back_inserter(request), zmq::recv_flags::dontwait)) return;
  } catch (const zmq::error_t&) {
    return;
  }
  auto text = [&](std::size_t k) { return k < request.size() ? request[k].to_string() : std::string(); };
  std::string status = "200", status_text = "OK", user;
  if (request.size() < 6 || text(0) != "1.0") {
    status = "500";
    status_text = "malformed ZAP request";
  } else if (text(2) == kZapDomain) {
    const std::string mechanism = text(5);
    const std::string key = mechanism == "CURVE" && request.size() >= 7 ? z85(request[6]) : std::string();
    if (auto why = refusal(key)) {
      status = "400";
      status_text = "not admitted";
      refused_.fetch_add(1, std::memory_order_relaxed);
      report(key, fmt::format("CURVE: refused a {} client from {}{}: {}", mechanism, text(3),
                              key.empty() ? "" : fmt::format(" with key {}", key), *why));
    } else {
      user = key;
    }
  }
  const std::string request_id = text(1);
  std::array<zmq::const_buffer, 6> reply = {zmq::str_buffer("1.0"), zmq::buffer(request_id), zmq::buffer(status),
                                            zmq::buffer(status_text), zmq::buffer(user), zmq::const_buffer()};
  try {
    zmq::send_multipart(socket, reply);
  } catch (const zmq::error_t& e) {
    spdlog::warn("CURVE: cannot answer libzmq's ZAP request: {}", e.what());
  }
}

void ZapAuthenticator::report(const std::string& key, const std::string& message) {
  const auto now = std::chrono::steady_clock::now();
  auto [it, first] = last_reported_.try_emplace(key, now);
  if (!first && now - it->second < kReportEvery) return;
  it->second = now;
  if (last_reported_.size() > kRememberedKeys) last_reported_.clear();  // many random keys: start over
  if (on_refused_) on_refused_(message);
  else spdlog::warn("{}", message);
}

}  // namespace agenthost::messaging
