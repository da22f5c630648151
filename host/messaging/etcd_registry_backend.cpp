#include "messaging/etcd_registry_backend.hpp"

#include <pthread.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "messaging/etcd_client.hpp"
#include "messaging/etcd_codec.hpp"

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;
using etcd::base64_encode;
using etcd::json_int64;

constexpr auto kFirstBackoff = 100ms;
constexpr auto kMaxBackoff = 2s;
// etcd's default --max-txn-ops: the most operations one transaction may hold.
constexpr std::size_t kMaxTxnOps = 128;

std::chrono::milliseconds next_backoff(std::chrono::milliseconds now) {
  return std::min<std::chrono::milliseconds>(now * 2, kMaxBackoff);
}

}  // namespace

EtcdRegistryBackend::EtcdRegistryBackend(Registry& registry, EtcdOptions options)
    : registry_(registry), options_(std::move(options)) {}

EtcdRegistryBackend::~EtcdRegistryBackend() { stop(); }

std::optional<std::string> EtcdRegistryBackend::start() {
  if (options_.endpoints.empty()) return "the etcd registry backend needs at least one endpoint";
  registry_.on_local_change([this] {
    std::lock_guard lock(mu_);
    local_changed_ = true;
    wake_.notify_all();
  });
  lease_thread_ = std::thread([this] { run_lease(); });
  pthread_setname_np(lease_thread_.native_handle(), "registry-lease");
  watch_thread_ = std::thread([this] { run_watch(); });
  pthread_setname_np(watch_thread_.native_handle(), "registry-watch");
  return std::nullopt;
}

void EtcdRegistryBackend::stop() {
  if (!lease_thread_.joinable()) return;
  registry_.on_local_change({});
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  lease_thread_.join();  // revokes the lease on its way out
  watch_thread_.join();
}

bool EtcdRegistryBackend::wait_or_stop(std::chrono::milliseconds pause) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, pause, [this] { return stopping_.load(); });
  return !stopping_;
}

// ---- registry-lease thread -------------------------------------------------------------

void EtcdRegistryBackend::run_lease() {
  etcd::EtcdClient client(options_.endpoints, options_.call_timeout);
  auto backoff = std::chrono::milliseconds(kFirstBackoff);
  auto next_keepalive = std::chrono::steady_clock::now();
  while (!stopping_) {
    bool ok = lease_ != 0 || grant_lease(client);
    if (ok) ok = write_local_entries(client);
    if (ok && std::chrono::steady_clock::now() >= next_keepalive) {
      ok = keep_lease_alive(client);
      next_keepalive = std::chrono::steady_clock::now() + keepalive_interval_;
      if (ok && lease_ == 0) continue;  // it had expired: grant a new one and put everything again
    }
    if (!ok) {
      if (!wait_or_stop(backoff)) break;
      backoff = next_backoff(backoff);
      next_keepalive = std::chrono::steady_clock::now();
      continue;
    }
    set_reachable(true, "");
    backoff = kFirstBackoff;
    std::unique_lock lock(mu_);
    wake_.wait_until(lock, next_keepalive, [this] { return stopping_ || local_changed_; });
  }
  revoke_lease();
}

bool EtcdRegistryBackend::grant_lease(etcd::EtcdClient& client) {
  const auto seconds = std::max<std::int64_t>(1, (options_.ttl.count() + 999) / 1000);
  auto granted = client.call("/v3/lease/grant", {{"TTL", std::to_string(seconds)}});
  if (!granted) {
    set_reachable(false, granted.error);
    return false;
  }
  lease_ = json_int64(*granted.answer, "ID");
  const auto ttl = json_int64(*granted.answer, "TTL");  // etcd raises a TTL below its minimum
  if (lease_ == 0 || ttl <= 0) {
    set_reachable(false, "lease grant answered without an ID: " + granted.answer->dump());
    lease_ = 0;
    return false;
  }
  // Renewed three times per TTL: one lost renewal never expires it.
  keepalive_interval_ = std::chrono::milliseconds(ttl * 1000 / 3);
  written_.clear();  // keys under an older lease are gone or going: put every one again
  {
    std::lock_guard lock(mu_);
    local_changed_ = true;
  }
  spdlog::info("registry: etcd lease {:x} granted at {} (ttl {}s)", lease_, client.current_endpoint(), ttl);
  return true;
}

bool EtcdRegistryBackend::keep_lease_alive(etcd::EtcdClient& client) {
  auto answer = client.call("/v3/lease/keepalive", {{"ID", std::to_string(lease_)}});
  if (!answer) {
    set_reachable(false, answer.error);
    return false;
  }
  // {"result": {"ID", "TTL"}}: no TTL means the lease has expired (etcd was away too long).
  const auto& result = answer.answer->contains("result") ? answer.answer->at("result") : *answer.answer;
  if (json_int64(result, "TTL") <= 0) {
    spdlog::warn("registry: etcd lease {:x} had expired; granting a new one and putting every entry again",
                 lease_);
    lease_ = 0;
  }
  return true;
}

bool EtcdRegistryBackend::write_local_entries(etcd::EtcdClient& client) {
  {
    std::lock_guard lock(mu_);
    if (!local_changed_) return true;
    local_changed_ = false;
  }
  std::map<std::string, std::string> wanted;
  for (const auto& entry : registry_.local_entries())
    wanted[etcd::agent_key(options_.prefix, entry)] = etcd::encode_entry(entry);
  // Every put and delete since the last write, as few transactions as etcd takes (each one
  // write, one commit): a host whose agents become ready in a burst (start-up) is in the
  // others' views after one round trip, not one per agent.
  struct Op {
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  std::vector<Op> ops;
  for (const auto& [key, value] : wanted) {
    if (auto it = written_.find(key); it == written_.end() || it->second != value) ops.push_back({key, value});
  }
  for (const auto& [key, value] : written_) {
    if (!wanted.contains(key)) ops.push_back({key, std::nullopt});
  }
  bool ok = true;
  for (std::size_t first = 0; ok && first < ops.size(); first += kMaxTxnOps) {
    const std::size_t last = std::min(ops.size(), first + kMaxTxnOps);
    nlohmann::json success = nlohmann::json::array();
    for (std::size_t i = first; i < last; ++i) {
      const auto& op = ops[i];
      if (op.value)
        success.push_back({{"request_put",
                            {{"key", base64_encode(op.key)},
                             {"value", base64_encode(*op.value)},
                             {"lease", std::to_string(lease_)}}}});
      else
        success.push_back({{"request_delete_range", {{"key", base64_encode(op.key)}}}});
    }
    // No compare: the transaction always takes its success branch, atomically.
    auto txn = client.call("/v3/kv/txn", {{"success", std::move(success)}});
    if (!txn) {
      ok = false;
      // An expired lease cannot take puts: grant a new one (the error names the lease).
      if (txn.error.find("lease not found") != std::string::npos) lease_ = 0;
      set_reachable(false, txn.error);
      break;
    }
    for (std::size_t i = first; i < last; ++i) {
      if (ops[i].value) written_[ops[i].key] = *ops[i].value;
      else written_.erase(ops[i].key);
    }
  }
  if (!ok) {
    std::lock_guard lock(mu_);
    local_changed_ = true;  // try again after the back-off
  }
  return ok;
}

void EtcdRegistryBackend::revoke_lease() {
  if (lease_ == 0) return;
  // Short: a host that stops while etcd is away must not hang; the TTL ends it anyway.
  etcd::EtcdClient client(options_.endpoints, std::min<std::chrono::milliseconds>(options_.call_timeout, 500ms));
  auto revoked = client.call("/v3/lease/revoke", {{"ID", std::to_string(lease_)}});
  if (revoked) spdlog::debug("registry: etcd lease {:x} revoked", lease_);
  else spdlog::warn("registry: could not revoke etcd lease {:x} ({}); its entries expire with its ttl", lease_,
                    revoked.error);
  lease_ = 0;
}

void EtcdRegistryBackend::set_reachable(bool reachable, const std::string& why) {
  if (reachable == reachable_) return;
  reachable_ = reachable;
  if (reachable) {
    spdlog::info("registry: etcd reachable again; putting entries again and resyncing the view");
    return;
  }
  ++connection_epoch_;
  spdlog::warn("registry: etcd unreachable ({}); keeping the last view and retrying", why);
}

// ---- registry-watch thread -------------------------------------------------------------

void EtcdRegistryBackend::run_watch() {
  etcd::EtcdClient client(options_.endpoints, options_.call_timeout);
  const std::string key_prefix = etcd::agents_prefix(options_.prefix);
  auto backoff = std::chrono::milliseconds(kFirstBackoff);
  while (!stopping_) {
    const std::uint64_t epoch = connection_epoch_;
    const auto revision = resync(client);
    if (!revision) {
      if (!wait_or_stop(backoff)) break;
      backoff = next_backoff(backoff);
      continue;
    }
    const nlohmann::json request = {{"create_request",
                                     {{"key", base64_encode(key_prefix)},
                                      {"range_end", base64_encode(etcd::prefix_range_end(key_prefix))},
                                      {"start_revision", std::to_string(*revision + 1)}}}};
    bool watching = false;
    const std::string why = client.stream(
        "/v3/watch", request,
        [&](const nlohmann::json& message) {
          watching = true;
          return apply_watch_message(message);
        },
        [&] { return !stopping_ && connection_epoch_ == epoch; });
    if (stopping_) break;
    spdlog::debug("registry: etcd watch ended ({}); resyncing", why.empty() ? "restarted" : why);
    if (watching) backoff = kFirstBackoff;
    if (!why.empty() && !wait_or_stop(backoff)) break;
    if (!why.empty()) backoff = next_backoff(backoff);
  }
}

std::optional<std::int64_t> EtcdRegistryBackend::resync(etcd::EtcdClient& client) {
  const std::string key_prefix = etcd::agents_prefix(options_.prefix);
  auto range = client.call("/v3/kv/range", {{"key", base64_encode(key_prefix)},
                                            {"range_end", base64_encode(etcd::prefix_range_end(key_prefix))}});
  if (!range) {
    spdlog::debug("registry: etcd range failed ({}); keeping the last view", range.error);
    return std::nullopt;
  }
  std::map<std::string, std::map<std::string, RegistryEntry>> fresh;
  if (auto kvs = range.answer->find("kvs"); kvs != range.answer->end() && kvs->is_array()) {
    for (const auto& kv : *kvs) {
      const auto key = etcd::base64_decode(kv.value("key", ""));
      const auto value = etcd::base64_decode(kv.value("value", ""));
      if (!key || !value) continue;
      auto entry = etcd::decode_entry(options_.prefix, *key, *value);
      if (entry && entry->machine != registry_.machine()) fresh[entry->machine][entry->agent] = *entry;
    }
  }
  std::vector<std::string> machines;
  for (const auto& [machine, agents] : view_) machines.push_back(machine);
  for (const auto& [machine, agents] : fresh) machines.push_back(machine);
  view_ = std::move(fresh);
  for (const auto& machine : machines) publish_machine(machine);
  const auto header = range.answer->find("header");
  return header == range.answer->end() ? 0 : json_int64(*header, "revision");
}

bool EtcdRegistryBackend::apply_watch_message(const nlohmann::json& message) {
  const auto result = message.find("result");
  if (result == message.end() || !result->is_object()) return false;  // {"error": ...}: resync
  if (json_int64(*result, "compact_revision") > 0 || result->value("canceled", false)) return false;
  const auto events = result->find("events");
  if (events == result->end() || !events->is_array()) return true;
  std::vector<std::string> touched;
  for (const auto& event : *events) {
    const auto& kv = event.value("kv", nlohmann::json::object());
    const auto key = etcd::base64_decode(kv.value("key", ""));
    if (!key) continue;
    if (event.value("type", "PUT") == "DELETE") {
      const auto names = etcd::split_agent_key(options_.prefix, *key);
      if (!names || names->first == registry_.machine()) continue;
      auto machine = view_.find(names->first);
      if (machine == view_.end()) continue;
      machine->second.erase(names->second);
      touched.push_back(names->first);
      continue;
    }
    const auto value = etcd::base64_decode(kv.value("value", ""));
    auto entry = value ? etcd::decode_entry(options_.prefix, *key, *value) : std::nullopt;
    if (!entry || entry->machine == registry_.machine()) continue;
    view_[entry->machine][entry->agent] = *entry;
    touched.push_back(entry->machine);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const auto& machine : touched) publish_machine(machine);
  return true;
}

void EtcdRegistryBackend::publish_machine(const std::string& machine) {
  auto it = view_.find(machine);
  if (it == view_.end() || it->second.empty()) {
    if (it != view_.end()) view_.erase(it);
    registry_.forget_machine(machine);
    if (present_.erase(machine)) spdlog::info("registry: machine {} left (its etcd entries are gone)", machine);
    return;
  }
  if (present_.insert(machine).second) spdlog::info("registry: machine {} joined (etcd)", machine);
  std::vector<RegistryEntry> entries;
  for (const auto& [agent, entry] : it->second) entries.push_back(entry);
  registry_.replace_machine(machine, std::move(entries));
}

}  // namespace agenthost::messaging
