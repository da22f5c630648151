#include "support/etcd_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "support/eventually.hpp"
#include "support/http_get.hpp"

namespace agenthost::testing {

std::optional<std::string> find_etcd() {
  std::vector<std::string> candidates{"/usr/bin/etcd", "/usr/local/bin/etcd"};
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');)
      if (!dir.empty()) candidates.push_back(dir + "/etcd");
  }
  for (const auto& candidate : candidates)
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  return std::nullopt;
}

EtcdServer::EtcdServer(std::string binary, std::string data_dir, std::string ip, int client_port,
                       int peer_port, Namespace where)
    : binary_(std::move(binary)),
      data_dir_(std::move(data_dir)),
      ip_(std::move(ip)),
      client_port_(client_port),
      peer_port_(peer_port),
      where_(std::move(where)) {}

std::string EtcdServer::endpoint() const { return ip_ + ":" + std::to_string(client_port_); }

bool EtcdServer::start(std::string* why) {
  const std::string client = "http://" + endpoint();
  const std::string peer = "http://" + ip_ + ":" + std::to_string(peer_port_);
  std::vector<std::string> argv = where_.prefix;
  argv.insert(argv.end(), {binary_, "--name", "default", "--data-dir", data_dir_, "--listen-client-urls", client,
                           "--advertise-client-urls", client, "--listen-peer-urls", peer,
                           "--initial-advertise-peer-urls", peer, "--initial-cluster", "default=" + peer,
                           "--log-level", "warn"});
  process_ = std::make_unique<ChildProcess>(argv);
  if (eventually([this] { return healthy(); }, std::chrono::seconds(10))) return true;
  if (why) *why = "etcd did not become healthy within 10 s:\n" + process_->output();
  return false;
}

void EtcdServer::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait_exit();
  process_.reset();
}

void EtcdServer::pause() {
  if (process_) process_->signal(SIGSTOP);
}

void EtcdServer::resume() {
  if (process_) process_->signal(SIGCONT);
}

bool EtcdServer::healthy() const {
  HttpResponse answer;
  auto ask = [&] { answer = http_get("http://" + endpoint() + "/health", std::chrono::milliseconds(500)); };
  if (where_.reach) where_.reach(ask);
  else ask();
  return answer.status == 200 && answer.body.find("true") != std::string::npos;
}

std::string etcd_cluster_host_section(const std::string& etcd_endpoint, const std::string& prefix,
                                      const std::string& client) {
  return R"(
host:
  name: main_pc
  plugin_dirs: [)" AGENTHOST_PLUGIN_DIR R"(]
  control: { socket: "${CONTROL_SOCKET}" }
  bind: ${BIND}
  registry:
    backend: etcd
    ttl: 2s
    etcd: { endpoints: [")" + etcd_endpoint + R"("], prefix: )" + prefix + R"( }
  client: )" + client + "\n";
}

}  // namespace agenthost::testing
