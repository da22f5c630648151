#include "isolation/isolated_children.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "isolation/child_config.hpp"
#include "messaging/ipc_endpoint.hpp"

namespace agenthost::isolation {
namespace {

std::string runtime_base() {
  for (const char* name : {"RUNTIME_DIRECTORY", "XDG_RUNTIME_DIR"}) {
    const char* value = std::getenv(name);
    if (!value || !*value) continue;
    std::string first(value);
    first = first.substr(0, first.find(':'));  // systemd lists several, colon-separated
    std::error_code error;
    if (std::filesystem::is_directory(first, error)) return first;
  }
  return "/tmp";
}

// A folder only this user can use. One that exists already (a predictable name in /tmp) is
// taken only if it is a real folder of this user's with mode 0700, not a link someone left.
std::optional<std::string> make_private_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return std::nullopt;
  if (errno != EEXIST) return fmt::format("cannot make {}: {}", path, std::strerror(errno));
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 07777) != 0700)
    return fmt::format("{} exists and is not a private folder of this user's (remove it)", path);
  return std::nullopt;
}

}  // namespace

ChildLinks child_links(const std::string& dir) {
  return {dir + "/child", dir + "/host", "ipc://" + dir + "/errors.sock"};
}

IsolatedChildren::IsolatedChildren(messaging::MessagingHost& messaging, errors::ErrorBus& errors,
                                   prometheus::Registry& metrics)
    : messaging_(messaging), errors_(errors), metrics_(metrics) {}

IsolatedChildren::~IsolatedChildren() {
  stop();
  std::lock_guard lock(mu_);
  if (dir_.empty()) return;
  std::error_code error;
  std::filesystem::remove_all(dir_, error);
}

void IsolatedChildren::stop() {
  std::unordered_map<std::string, std::shared_ptr<process::Ah1Caller>> callers;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    if (collector_) collector_->stop();
    callers.swap(metrics_callers_);
  }
  // A scrape still waiting returns now and drops its references: their sockets are closed
  // before messaging ends the context.
  for (auto& [agent, caller] : callers) caller->interrupt();
}

std::optional<std::string> IsolatedChildren::prepare_locked() {
  if (!dir_.empty()) return std::nullopt;
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return fmt::format("cannot find this program's own file (/proc/self/exe): {}", error.message());
  const std::string dir = fmt::format("{}/agenthost-isolation-{}", runtime_base(), ::getpid());
  const auto links = child_links(dir);
  for (const auto& path : {dir, links.child_dir, links.host_dir})
    if (auto failed = make_private_dir(path)) return failed;
  auto collector = std::make_unique<errors::ErrorCollector>(messaging_.context(), links.errors_endpoint, errors_, metrics_);
  if (auto failed = collector->start()) return failed;
  if (auto failed = messaging_.expose_over_ipc(links.host_dir))
    spdlog::warn("isolation: isolated agents cannot call every agent of this host: {}", *failed);
  dir_ = dir;
  executable_ = exe.string();
  collector_ = std::move(collector);
  spdlog::info("isolation: isolated agents run as children of this host, linked through {}", dir);
  return std::nullopt;
}

std::variant<config::ProcessSpec, std::string> IsolatedChildren::child_spec(const config::HostSpec& host,
                                                                            const std::string& machine,
                                                                            const config::AgentSpec& agent,
                                                                            observability::LogLevel host_level) {
  std::lock_guard lock(mu_);
  if (auto error = prepare_locked()) return fmt::format("cannot run isolated: {}", *error);
  // Named as its socket is (a hash for a name unsafe in a file name).
  const auto stem = std::filesystem::path(messaging::ipc_file(messaging::ipc_endpoint(dir_, agent.name))).stem();
  const std::string file = fmt::format("{}/{}.yaml", dir_, stem.string());
  {
    std::ofstream out(file, std::ios::trunc);
    out << child_config_yaml(host, machine, agent, host_level);
    if (!out.flush()) return fmt::format("cannot run isolated: cannot write {}", file);
  }
  const auto links = child_links(dir_);
  config::ProcessSpec spec;
  spec.command = executable_;
  spec.label = fmt::format("the isolated process of '{}'", agent.name);
  spec.args = {"run", "--config", file, "--machine", machine, "--isolated-child", dir_};
  // The child is not the service systemd watches: it must not tell systemd anything.
  spec.env = {{"NOTIFY_SOCKET", ""}};
  spec.endpoint = messaging::ipc_endpoint(links.child_dir, agent.name);
  spec.ready_by_health = true;
  spec.reports_own_errors = true;
  spec.stop_timeout = host.stop_timeout;
  return spec;
}

}  // namespace agenthost::isolation
