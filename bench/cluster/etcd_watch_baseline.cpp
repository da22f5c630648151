#include "etcd_watch_baseline.hpp"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "messaging/etcd_client.hpp"
#include "messaging/etcd_codec.hpp"

namespace agenthost::bench {
namespace {

using messaging::etcd::base64_decode;
using messaging::etcd::base64_encode;

constexpr std::chrono::milliseconds kCallTimeout{1000};

}  // namespace

EtcdWatchBaseline::EtcdWatchBaseline(const ClusterLab& lab, std::string key_prefix)
    : lab_(lab), key_prefix_(std::move(key_prefix)) {
  for (int w = 0; w < kWatchers; ++w)
    threads_.emplace_back([this, w] { lab_.network().in_machine(w + 1, [this, w] { watch(w); }); });
  threads_.emplace_back([this] { lab_.network().in_machine(0, [this] { put_on_request(); }); });
}

EtcdWatchBaseline::~EtcdWatchBaseline() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& thread : threads_) thread.join();
}

std::string EtcdWatchBaseline::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

bool EtcdWatchBaseline::wait_ready(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return watches_created_ == kWatchers; });
}

void EtcdWatchBaseline::watch(int watcher) {
  messaging::etcd::EtcdClient client({lab_.etcd_endpoint()}, kCallTimeout);
  const nlohmann::json request = {
      {"create_request",
       {{"key", base64_encode(key_prefix_)},
        {"range_end", base64_encode(messaging::etcd::prefix_range_end(key_prefix_))}}}};
  const auto why = client.stream(
      "/v3/watch", request,
      [&](const nlohmann::json& message) {
        const auto now = Clock::now();  // first: the time this watcher got the event
        const auto& result = message.value("result", nlohmann::json::object());
        std::lock_guard lock(mu_);
        if (result.value("created", false)) ++watches_created_;
        for (const auto& event : result.value("events", nlohmann::json::array())) {
          const auto value = base64_decode(event.value("kv", nlohmann::json::object()).value("value", ""));
          int sequence = 0;
          if (value && std::from_chars(value->data(), value->data() + value->size(), sequence).ec == std::errc())
            seen_[sequence][watcher] = now;
        }
        cv_.notify_all();
        return true;
      },
      [this] {
        std::lock_guard lock(mu_);
        return !stopping_;
      });
  std::lock_guard lock(mu_);
  if (!why.empty() && error_.empty()) error_ = "etcd watch ended: " + why;
  cv_.notify_all();
}

void EtcdWatchBaseline::put_on_request() {
  messaging::etcd::EtcdClient client({lab_.etcd_endpoint()}, kCallTimeout);
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || requested_ > put_done_; });
    if (stopping_) return;
    const int sequence = put_done_ + 1;
    lock.unlock();
    const auto before = Clock::now();
    const auto put = client.call("/v3/kv/put", {{"key", base64_encode(key_prefix_ + "probe")},
                                                {"value", base64_encode(std::to_string(sequence))}});
    lock.lock();
    put_at_[sequence] = before;
    if (!put && error_.empty()) error_ = "etcd put failed: " + put.error;
    put_done_ = sequence;
    cv_.notify_all();
  }
}

std::optional<std::chrono::nanoseconds> EtcdWatchBaseline::measure_one(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const int sequence = ++requested_;
  cv_.notify_all();
  const bool seen = cv_.wait_for(lock, timeout, [&] {
    if (!error_.empty() || put_done_ < sequence) return !error_.empty();
    const auto& by = seen_[sequence];
    return std::all_of(by.begin(), by.end(), [](const auto& at) { return at.has_value(); });
  });
  if (!seen || !error_.empty()) return std::nullopt;
  std::chrono::nanoseconds slowest{0};
  for (const auto& at : seen_[sequence]) slowest = std::max(slowest, *at - put_at_[sequence]);
  return slowest;
}

}  // namespace agenthost::bench
