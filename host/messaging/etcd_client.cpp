#include "messaging/etcd_client.hpp"

#include <fmt/format.h>

#include "messaging/curl_library.hpp"

namespace agenthost::messaging::etcd {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

// A streaming answer arrives in arbitrary pieces; the gateway ends each message with '\n'.
struct StreamState {
  std::string pending;
  const std::function<bool(const nlohmann::json&)>* on_message;
  const std::function<bool()>* keep_going;
  bool stopped = false;
  int http_status = 0;
};

size_t split_messages(char* data, size_t size, size_t count, void* user) {
  auto& state = *static_cast<StreamState*>(user);
  state.pending.append(data, size * count);
  std::size_t newline;
  while ((newline = state.pending.find('\n')) != std::string::npos) {
    const std::string line = state.pending.substr(0, newline);
    state.pending.erase(0, newline + 1);
    if (line.empty()) continue;
    const auto message = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded() || !(*state.on_message)(message)) {
      state.stopped = true;
      return 0;  // aborts the transfer
    }
  }
  return size * count;
}

int check_keep_going(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& state = *static_cast<StreamState*>(user);
  if ((*state.keep_going)()) return 0;
  state.stopped = true;
  return 1;
}

void prepare_post(const CurlLibrary& lib, CURL* curl, const std::string& url, const std::string& body, curl_slist* headers) {
  lib.easy_reset(curl);
  lib.easy_setopt(curl, CURLOPT_URL, url.c_str());
  lib.easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  lib.easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  lib.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  lib.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we have threads
  lib.easy_setopt(curl, CURLOPT_NOPROXY, "*");  // etcd is reached directly, never via $http_proxy
}

struct Headers {
  explicit Headers(const CurlLibrary& lib) : lib(lib), list(lib.slist_append(nullptr, "Content-Type: application/json")) {}
  const CurlLibrary& lib;
  curl_slist* list;
  ~Headers() { lib.slist_free_all(list); }
};

}  // namespace

EtcdClient::EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
    : endpoints_(std::move(endpoints)), timeout_(timeout) {
  curl_lib_ = curl_library(&unavailable_);
  if (curl_lib_) curl_ = curl_lib_->easy_init();
}

EtcdClient::~EtcdClient() {
  if (curl_) curl_lib_->easy_cleanup(static_cast<CURL*>(curl_));
}

std::string EtcdClient::url(std::string_view path) const {
  return fmt::format("http://{}{}", endpoints_[current_], path);
}

CallResult EtcdClient::call(std::string_view path, const nlohmann::json& body) {
  auto* curl = static_cast<CURL*>(curl_);
  if (!curl || endpoints_.empty())
    return {std::nullopt, unavailable_.empty() ? "no curl handle or no etcd endpoint" : unavailable_};
  const auto& lib = *curl_lib_;
  const std::string text = body.dump();
  Headers headers(lib);
  CallResult result;
  for (std::size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
    std::string answer;
    prepare_post(lib, curl, url(path), text, headers.list);
    lib.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    lib.easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    lib.easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    const CURLcode code = lib.easy_perform(curl);
    long status = 0;
    lib.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK) {
      auto json = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
      if (status == 200 && json.is_object()) return {std::move(json), ""};
      // etcd answered: an error of the request itself, which another member would repeat.
      return {std::nullopt, fmt::format("{}: HTTP {}: {}", endpoints_[current_], status, answer)};
    }
    result.error = fmt::format("{}: {}", endpoints_[current_], lib.easy_strerror(code));
    current_ = (current_ + 1) % endpoints_.size();
  }
  return result;
}

std::string EtcdClient::stream(std::string_view path, const nlohmann::json& body,
                               const std::function<bool(const nlohmann::json&)>& on_message,
                               const std::function<bool()>& keep_going) {
  auto* curl = static_cast<CURL*>(curl_);
  if (!curl || endpoints_.empty()) return unavailable_.empty() ? "no curl handle or no etcd endpoint" : unavailable_;
  const auto& lib = *curl_lib_;
  const std::string text = body.dump();
  Headers headers(lib);
  StreamState state{"", &on_message, &keep_going};
  prepare_post(lib, curl, url(path), text, headers.list);
  lib.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
  lib.easy_setopt(curl, CURLOPT_WRITEFUNCTION, split_messages);
  lib.easy_setopt(curl, CURLOPT_WRITEDATA, &state);
  lib.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  lib.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_keep_going);
  lib.easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
  const CURLcode code = lib.easy_perform(curl);
  if (state.stopped) return "";
  const std::string why = fmt::format("{}: {}", endpoints_[current_],
                                      code == CURLE_OK ? "the watch stream ended" : lib.easy_strerror(code));
  // The next stream tries the next member: this one failed or closed on us.
  current_ = (current_ + 1) % endpoints_.size();
  return why;
}

}  // namespace agenthost::messaging::etcd
