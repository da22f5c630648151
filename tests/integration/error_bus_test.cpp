// The error bus across two real hosts on loopback (127.0.0.63): pc2 forwards every event to
// main_pc, the central host. Handler and lifecycle exceptions and ctx.errors().report() are
// seen on both with `agentctl errors`; while main_pc is away pc2's events wait in a buffer
// of three, and what did not fit is counted and reported when main_pc is back.

#include <chrono>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"
#include "support/http_get.hpp"

namespace agenthost::testing {
namespace {

constexpr const char* kAddress = "127.0.0.63";
const std::string kCollector = "127.0.0.63:17401";

std::string central_config(const TestDir& dir) {
  return dir.write("main_pc.yaml", "host:\n"
                                   "  name: main_pc\n"
                                   "  plugin_dirs: [" AGENTHOST_PLUGIN_DIR "]\n"
                                   "  control: { socket: " + dir.file("main_pc.sock") + " }\n"
                                   "  bind: 127.0.0.63\n"
                                   "  error_bus: { listen: \"" + kCollector + "\" }\n"
                                   "agents:\n"
                                   "  - { name: Planner, plugin: echo, port: 17411 }\n");
}

std::string pc2_config(const TestDir& dir) {
  return dir.write("pc2.yaml", "host:\n"
                               "  name: pc2\n"
                               "  plugin_dirs: [" AGENTHOST_PLUGIN_DIR ", " AGENTHOST_TEST_PLUGIN_DIR "]\n"
                               "  control: { socket: " + dir.file("pc2.sock") + " }\n"
                               "  bind: 127.0.0.63\n"
                               "  admin: { listen: \"127.0.0.63:0\" }\n"
                               "  error_bus: { forward_to: \"" + kCollector + "\", buffer: 3 }\n"
                               "agents:\n"
                               "  - { name: Speech, plugin: echo, port: 17412 }\n"
                               "  - { name: Broken, plugin: throw_in_start }\n");
}

std::unique_ptr<ChildProcess> start(const std::string& config) {
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{AGENTHOST_BIN, "run", "--config", config, "--log-level", "debug"},
      std::map<std::string, std::string>{{"AGENTHOST_ADMIN_PORT", "0"}});
}

// One request to Speech on pc2; the reply's status ("200", "500", ...).
std::string call_speech(const std::string& method, const std::string& payload) {
  zmq::context_t context;
  auto reply = request(context, "tcp://127.0.0.63:17412", {"AH1", method, payload, "2000", ""});
  return reply.size() >= 2 ? reply[1] : "no reply";
}

nlohmann::json errors_json(const TestDir& dir, const std::string& machine, std::vector<std::string> filters = {}) {
  std::vector<std::string> args{AGENTCTL_BIN, "--socket", dir.file(machine + ".sock"), "--json", "errors"};
  args.insert(args.end(), filters.begin(), filters.end());
  auto r = run_command(args);
  if (r.exit_code != 0) return nullptr;
  return nlohmann::json::parse(r.output, nullptr, false);
}

// The messages of an `agentctl errors --json` answer, with machine/agent in front.
std::vector<std::string> messages(const nlohmann::json& answer) {
  std::vector<std::string> out;
  if (!answer.is_object()) return out;
  for (const auto& e : answer.at("events")) {
    out.push_back(e.at("machine").get<std::string>() + "/" + e.at("agent").get<std::string>() + " " +
                  e.at("method").get<std::string>() + ": " + e.at("message").get<std::string>());
  }
  return out;
}

bool has(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& line : lines)
    if (line.find(needle) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(ErrorBus, EventsAreSeenOnTheirHostAndTheCentralOneAndNoneIsSilentlyLost) {
  TestDir dir;
  auto main_pc = start(central_config(dir));
  ASSERT_TRUE(main_pc->wait_for_line("startup complete: 1 ready")) << main_pc->output();
  auto pc2 = start(pc2_config(dir));
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready, 1 failed")) << pc2->output();
  const std::string admin = admin_url(*pc2);
  ASSERT_FALSE(admin.empty()) << pc2->output();

  // A follower on the central host, started before the events.
  ChildProcess follow({AGENTCTL_BIN, "--socket", dir.file("main_pc.sock"), "errors", "--follow"});

  // A handler that throws, and an agent's own report with fields.
  EXPECT_EQ(call_speech("fail", "disk full"), "500");
  EXPECT_EQ(call_speech("report",
                        R"({"severity": "warning", "message": "mic gain low", "fields": {"gain": "0.2"}})"),
            "200");

  // pc2 sees its own events: the failed start (method start), the handler, the report.
  auto local = messages(errors_json(dir, "pc2"));
  EXPECT_TRUE(has(local, "pc2/Broken start: start() threw")) << joined(local);
  EXPECT_TRUE(has(local, "pc2/Speech fail: handler threw: disk full")) << joined(local);
  EXPECT_TRUE(has(local, "pc2/Speech : mic gain low")) << joined(local);
  auto filtered = messages(errors_json(dir, "pc2", {"--agent", "Speech", "--severity", "error"}));
  EXPECT_EQ(filtered, std::vector<std::string>{"pc2/Speech fail: handler threw: disk full"});

  // The central host gets all three, from pc2; the follower prints them as they come.
  ASSERT_TRUE(eventually([&] { return messages(errors_json(dir, "main_pc")).size() >= 3; }, 10s))
      << joined(messages(errors_json(dir, "main_pc"))) << pc2->output();
  auto central = messages(errors_json(dir, "main_pc"));
  EXPECT_TRUE(has(central, "pc2/Speech fail: handler threw: disk full")) << joined(central);
  EXPECT_TRUE(has(central, "pc2/Speech : mic gain low")) << joined(central);
  EXPECT_TRUE(follow.wait_for_line("mic gain low gain=0.2", 5s)) << follow.output();
  EXPECT_TRUE(follow.wait_for_line("pc2/Speech", 1s)) << follow.output();
  follow.terminate(1s);

  // Counted on pc2's /metrics.
  auto metrics = http_get(admin + "/metrics");
  EXPECT_NE(metrics.body.find("agent_errors_total{agent=\"Speech\",severity=\"error\"} 1"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("agent_errors_total{agent=\"Speech\",severity=\"warning\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("agenthost_error_bus_forwarded_total 3"), std::string::npos) << metrics.body;

  // The collector goes away: five events into pc2's buffer of three.
  ASSERT_EQ(main_pc->terminate(), 0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call_speech("fail", "while away " + std::to_string(i)), "500");
  EXPECT_TRUE(pc2->wait_for_line("the forwarding buffer (3 events) is full", 5s)) << pc2->output();
  EXPECT_TRUE(eventually([&] {
    return http_get(admin + "/metrics").body.find("agenthost_error_bus_dropped_total 2") != std::string::npos;
  }, 5s)) << http_get(admin + "/metrics").body;

  // It comes back: the three buffered events arrive, and a warning says two were dropped.
  main_pc = start(central_config(dir));
  ASSERT_TRUE(main_pc->wait_for_line("startup complete: 1 ready")) << main_pc->output();
  ASSERT_TRUE(eventually([&] { return messages(errors_json(dir, "main_pc")).size() >= 4; }, 10s))
      << joined(messages(errors_json(dir, "main_pc"))) << pc2->output();
  central = messages(errors_json(dir, "main_pc"));
  EXPECT_TRUE(has(central, "pc2/agenthost forward: 2 error events were dropped on pc2")) << joined(central);
  for (int i = 2; i < 5; ++i)
    EXPECT_TRUE(has(central, "handler threw: while away " + std::to_string(i))) << joined(central);
  EXPECT_FALSE(has(central, "while away 0")) << "dropped: the oldest go first\n" << joined(central);

  EXPECT_EQ(pc2->terminate(), 0);
  EXPECT_EQ(main_pc->terminate(), 0);
}

}  // namespace
}  // namespace agenthost::testing
