#include "process/process_agent.hpp"

#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "messaging/forwarded_reply.hpp"
#include "process/probe_command.hpp"

namespace agenthost::process {
namespace {

using std::chrono::milliseconds;

// Requests without a deadline still must not hold a worker forever.
constexpr milliseconds kForwardTimeoutWithoutDeadline{30'000};
constexpr milliseconds kReadyPollPause{50};

LaunchSpec launch_spec_of(const config::ProcessSpec& spec) {
  LaunchSpec launch{spec.command, spec.args, {}, spec.workdir};
  // Python buffers stdout when it is a pipe: its lines would reach the log late, or never.
  launch.env.emplace_back("PYTHONUNBUFFERED", "1");
  for (const auto& kv : spec.env) launch.env.push_back(kv);
  return launch;
}

Health health_of(const nlohmann::json& json) {
  if (!json.contains("health") || !json["health"].is_string()) return Health::healthy();
  const std::string detail = json.value("detail", std::string());
  const auto health = json["health"].get<std::string>();
  if (health == "degraded") return Health::degraded(detail);
  if (health == "unhealthy") return Health::unhealthy(detail.empty() ? "the program says it is unhealthy" : detail);
  return Health::healthy(detail);
}

struct HealthReply {
  bool ready = false;
  Health health;
};

HealthReply health_from_reply(const Ah1Reply& reply) {
  if (reply.status != 200)
    return {false, Health::unhealthy(fmt::format("agenthost.health answered {}: {}", reply.status, reply.body))};
  const auto json = nlohmann::json::parse(reply.body, nullptr, false);
  if (!json.is_object()) return {true, Health::healthy()};
  // An agenthost (an isolated agent's child) answers for an agent that is not ready yet, or
  // not any more: its state says so.
  if (json.contains("state") && json["state"].is_string() && json["state"] != "ready") {
    const std::string detail = json.value("detail", std::string());
    return {false, Health::unhealthy(fmt::format("it is {}{}", json["state"].get<std::string>(),
                                                 detail.empty() ? "" : ": " + detail))};
  }
  return {true, health_of(json)};
}


}  // namespace

ProcessAgent::ProcessAgent(config::ProcessSpec spec, std::shared_ptr<messaging::AgentEndpoint> endpoint,
                           ProcessTimings timings)
    : spec_(std::move(spec)), launch_(launch_spec_of(spec_)), endpoint_(std::move(endpoint)), timings_(timings) {}

ProcessAgent::~ProcessAgent() {
  stopping_.store(true);
  child_.reset();  // SIGKILL if it still runs (a start that was abandoned, say)
}

void ProcessAgent::configure(AgentContext& ctx) {
  ctx_ = &ctx;
  if (spec_.endpoint.empty()) return;
  caller_ = std::make_unique<Ah1Caller>(ctx.zmq_context(), spec_.endpoint);
}

void ProcessAgent::start() {
  auto& log = ctx_->logger();
  // Here, not in configure(): a restart's fresh instance is configured while handlers are
  // staged, and going live replaces them with the staged ones (none: this is no serve()).
  // Requests are held until the agent is ready either way.
  if (caller_) endpoint_->serve_any([this](Request& request) { return forward(request); });
  stopping_.store(false);
  ready_.store(false);
  reported_exit_.store(false);
  child_ = std::make_unique<ChildProcess>(
      launch_,
      // Both streams at info, as systemd does: Python's logging writes every level to stderr.
      [this, &log](Stream, std::string_view line) {
        log.info("{}", line);
        std::lock_guard lock(output_mu_);
        last_line_.assign(line);
      },
      [this](const ExitStatus& status) { program_ended(status); });
  log.info("started {} as pid {}", label(), child_->pid());
  wait_until_ready();
  ready_.store(true);
  // It may have ended between the last probe and now: that is an unexpected exit too.
  if (auto ended = child_->exit_status()) program_ended(*ended);
}

void ProcessAgent::wait_until_ready() {
  if (!spec_.ready_by_health && spec_.ready_command.empty()) return;
  const auto until = std::chrono::steady_clock::now() + timings_.start_timeout;
  std::string last;
  for (;;) {
    if (auto ended = child_->exit_status()) {
      // Its last words say why, more often than not; the output pump may still be reading them.
      std::this_thread::sleep_for(kReadyPollPause);
      const auto said = last_output();
      throw std::runtime_error(fmt::format("{} {} before it was ready{}", label(), ended->describe(),
                                           said.empty() ? "" : fmt::format(" (its last line: {})", said)));
    }
    const auto left = std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error(fmt::format("{} was not ready in time ({})", label(), last));
    auto result = probe(std::min(left, milliseconds(1000)));
    if (result.ok) return;
    last = result.health.detail;
    child_->wait_for(kReadyPollPause);  // returns early when the program ends
  }
}

ProcessAgent::Probe ProcessAgent::probe(milliseconds timeout) {
  if (spec_.ready_by_health && caller_) {
    auto reply = caller_->call("agenthost.health", "", timeout);
    if (!reply)
      return {false, Health::unhealthy(fmt::format("no answer to agenthost.health at {} within {}ms", spec_.endpoint,
                                                   timeout.count()))};
    auto answer = health_from_reply(*reply);
    return {answer.ready, std::move(answer.health)};
  }
  if (!spec_.ready_command.empty()) {
    auto result = run_probe_command(spec_.ready_command, launch_, timeout);
    return {result.ok, result.ok ? Health::healthy() : Health::unhealthy(result.detail)};
  }
  return {true, Health::healthy()};
}

Health ProcessAgent::health() {
  if (!child_) return Health::unhealthy("the program is not running");
  auto ended_health = [this](const ExitStatus& ended) {
    auto health = Health::unhealthy(fmt::format("{} {}", label(), ended.describe()));
    health.fields["pid"] = std::to_string(child_->pid());
    if (ended.signal) health.fields["signal"] = std::to_string(ended.signal);
    else health.fields["exit_code"] = std::to_string(ended.code);
    return health;
  };
  if (auto ended = child_->exit_status()) return ended_health(*ended);
  // Below the host's health deadline, so that a silent program reads as unhealthy, not hung.
  auto result = probe(std::max(milliseconds(1), timings_.health_timeout * 3 / 4));
  // It may have ended during the probe (which its end cut short): say how.
  if (auto ended = child_->exit_status()) return ended_health(*ended);
  result.health.fields["pid"] = std::to_string(child_->pid());
  return result.health;
}

void ProcessAgent::stop() {
  stopping_.store(true);
  ready_.store(false);
  if (child_ && !child_->exit_status()) {
    auto& log = ctx_->logger();
    const auto pid = child_->pid();
    if (child_->stop(spec_.stop_timeout))
      log.warn("pid {} did not stop within {}ms of SIGTERM: killed it (SIGKILL)", pid, spec_.stop_timeout.count());
    else
      log.info("pid {} stopped after SIGTERM: {}", pid, child_->exit_status()->describe());
  }
  child_.reset();
  if (caller_) caller_->close_all();  // sockets an agent made are closed before stop() returns
}

void ProcessAgent::program_ended(const ExitStatus& status) {
  // No reply will come from it: calls waiting for one fail now, not at their deadlines.
  if (caller_) caller_->interrupt();
  if (stopping_.load() || !ready_.load()) return;
  if (reported_exit_.exchange(true)) return;
  const auto message = fmt::format("{} {} unexpectedly", label(), status.describe());
  ctx_->logger().error("{}", message);
  ErrorFields fields;
  if (status.signal) fields["signal"] = std::to_string(status.signal);
  else fields["exit_code"] = std::to_string(status.code);
  ctx_->errors().report(Severity::critical, message, fields);
  if (exit_hook_) exit_hook_(status);
}

std::string ProcessAgent::label() const {
  return spec_.label.empty() ? fmt::format("'{}'", spec_.command) : spec_.label;
}

std::string ProcessAgent::last_output() const {
  std::lock_guard lock(output_mu_);
  return last_line_;
}

std::string ProcessAgent::forward(Request& request) {
  auto timeout = kForwardTimeoutWithoutDeadline;
  if (request.deadline != Clock::time_point::max())
    timeout = std::chrono::duration_cast<milliseconds>(request.deadline - Clock::now());
  auto reply = caller_->call(request.method, std::move(request.payload), timeout);
  if (!reply) {
    if (child_ && child_->exit_status())
      throw std::runtime_error(fmt::format("{} {} before it replied", label(), child_->exit_status()->describe()));
    throw std::runtime_error(fmt::format("no reply from the program at {} in time", spec_.endpoint));
  }
  // Its own status and text, as if it had been called directly.
  if (reply->status != 200) throw messaging::ForwardedReply(reply->status, std::move(reply->body), spec_.reports_own_errors);
  return std::move(reply->body);
}

}  // namespace agenthost::process
