#pragma once
// etcd v3's HTTP/JSON gateway over libcurl: unary calls (POST /v3/kv/put, ...) and the
// streaming watch. Several endpoints of one etcd cluster: a call that cannot reach one tries
// the next, and the one that answered is tried first next time.
//
// Threads: one EtcdClient per thread (a curl handle has one user at a time). Running code
// talks to the network here, so nothing throws: calls return the answer or an error text.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace agenthost::messaging {
struct CurlLibrary;
}  // namespace agenthost::messaging

namespace agenthost::messaging::etcd {

struct CallResult {
  std::optional<nlohmann::json> answer;  // the JSON body of a 200 answer
  std::string error;                     // otherwise: why ("127.0.0.1:2379: Connection refused")

  explicit operator bool() const { return answer.has_value(); }
};

class EtcdClient {
 public:
  // endpoints: "HOST:PORT" (plain HTTP). timeout bounds each unary call, connecting included.
  EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  CallResult call(std::string_view path, const nlohmann::json& body);

  // POSTs `body` to a streaming `path` and hands every JSON message to `on_message` until the
  // stream ends, `on_message` returns false, or `keep_going` (asked several times a second)
  // returns false. Returns why it ended ("" when on_message or keep_going ended it).
  std::string stream(std::string_view path, const nlohmann::json& body,
                     const std::function<bool(const nlohmann::json&)>& on_message,
                     const std::function<bool()>& keep_going);

  const std::string& current_endpoint() const { return endpoints_[current_]; }

 private:
  std::string url(std::string_view path) const;

  const std::vector<std::string> endpoints_;
  const std::chrono::milliseconds timeout_;
  std::size_t current_ = 0;
  const CurlLibrary* curl_lib_ = nullptr;  // null when libcurl cannot be loaded: unavailable_ says why
  std::string unavailable_;
  void* curl_ = nullptr;  // CURL*, reused so that connections are kept alive
};

}  // namespace agenthost::messaging::etcd
