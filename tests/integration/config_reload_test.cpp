// Configuration reload with the real binary (127.0.0.65): drop-ins that come, change and go,
// `agentctl reload [--force]`, SIGHUP, an invalid configuration that changes nothing, and a
// plugin that arrives after the agent that needs it. Agents that did not change are never
// touched: their state and their log show it.

#include <csignal>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

namespace fs = std::filesystem;

// Written under a temporary name, then renamed into place: one complete file for the watcher.
void write_file(const fs::path& target, const std::string& text) {
  const auto temp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  std::ofstream(temp) << text;
  fs::rename(temp, target);
}

std::string call(zmq::context_t& context, int port, const std::string& method) {
  auto reply = request(context, "tcp://127.0.0.65:" + std::to_string(port), {"AH1", method, "", "3000", ""});
  if (reply.size() < 3) return "no reply";
  return reply[1] == "200" ? reply[2] : reply[1] + " " + reply[2];
}

std::string state_of(const TestDir& dir, const std::string& agent) {
  auto entry = agent_entry(status_json(dir), agent);
  return entry.is_null() ? "absent" : entry.at("state").get<std::string>();
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ConfigReload, DropInsComeChangeAndGoAReloadReconcilesAndAnInvalidOneChangesNothing) {
  TestDir dir;
  const fs::path plugins = dir.path() / "plugins", agents = dir.path() / "agents.d";
  fs::create_directories(plugins);
  fs::create_directories(agents);
  fs::copy_file(AGENTHOST_TEST_PLUGIN_DIR "/counter_v1.so", plugins / "counter.so");
  fs::copy_file(AGENTHOST_PLUGIN_DIR "/echo.so", plugins / "echo.so");
  fs::copy_file(AGENTHOST_TEST_PLUGIN_DIR "/flaky.so", plugins / "flaky.so");  // hears dependency events
  fs::copy_file(AGENTHOST_TEST_PLUGIN_DIR "/counter_bad_start.so", plugins / "counter_bad.so");  // start() throws
  const std::string host_yaml = "host:\n"
                                "  name: main_pc\n"
                                "  plugin_dirs: [" + plugins.string() + "]\n"
                                "  agents_dir: " + agents.string() + "\n"
                                "  control: { socket: " + dir.file("control.sock") + " }\n"
                                "  bind: 127.0.0.65\n"
                                "agents:\n"
                                "  - { name: Base, plugin: echo, port: 17441 }\n";
  const auto config = dir.write("host.yaml", host_yaml);
  write_file(agents / "counter.yaml",
             "agents:\n  - { name: Counter, plugin: counter, port: 17442, dependencies: [Base], "
             "config: { label: one } }\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  zmq::context_t context;
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(call(context, 17442, "count"), std::to_string(i));
  ASSERT_EQ(call(context, 17442, "label"), "one");
  const auto base_lines = count_of(host->output(), "agent Base: ");

  // 1. An edited drop-in reconfigures its agent: a reload with the new config, state kept.
  write_file(agents / "counter.yaml",
             "agents:\n  - { name: Counter, plugin: counter, port: 17442, dependencies: [Base], "
             "config: { label: two } }\n");
  ASSERT_TRUE(eventually([&] { return call(context, 17442, "label") == "two"; }, 10s)) << host->output();
  EXPECT_EQ(call(context, 17442, "count"), "4") << "the state came across";

  // 2. A new drop-in starts its agent once its dependency is ready; nothing else is touched.
  write_file(agents / "late.yaml", "agents:\n"
                                   "  - { name: Late, plugin: counter, port: 17443, dependencies: [Counter] }\n"
                                   "  - { name: Listener, plugin: flaky, port: 17446, dependencies: [Counter] }\n");
  ASSERT_TRUE(eventually([&] { return state_of(dir, "Late") == "ready" && state_of(dir, "Listener") == "ready"; }, 10s))
      << host->output();
  EXPECT_EQ(call(context, 17443, "count"), "1");
  EXPECT_EQ(call(context, 17442, "count"), "5");
  EXPECT_EQ(count_of(host->output(), "agent Base: "), base_lines) << "Base untouched: " << host->output();

  // 3. Removing a drop-in that a running agent needs is refused, and changes nothing.
  fs::remove(agents / "counter.yaml");
  ASSERT_TRUE(host->wait_for_line("'Counter' is not removed: running agents Late, Listener depend on it", 10s))
      << host->output();
  EXPECT_EQ(call(context, 17442, "count"), "6");
  // ... unless forced.
  auto forced = agentctl(dir, {"reload", "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(forced.output.find("removed Counter"), std::string::npos) << forced.output;
  EXPECT_EQ(state_of(dir, "Counter"), "absent");
  EXPECT_NE(call(context, 17442, "count").rfind("503", 0), std::string::npos);
  EXPECT_EQ(call(context, 17443, "count"), "2") << "Late runs on";
  EXPECT_EQ(call(context, 17446, "events"), "failed Counter;") << "and its dependents heard it";
  EXPECT_EQ(state_of(dir, "Base"), "ready");

  // 4. An invalid configuration changes nothing and says every error, with file and line.
  write_file(agents / "bad.yaml", "agents:\n"
                                  "  - { name: Bad, plugin: echo, dependencies: [Nowhere] }\n"
                                  "  - { name: Clash, plugin: echo, port: 17441 }\n");
  auto refused = agentctl(dir, {"reload"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("nothing was changed (2 errors)"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("bad.yaml:2:"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("unknown agent 'Nowhere'"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("port 17441"), std::string::npos) << refused.output;
  EXPECT_EQ(state_of(dir, "Bad"), "absent");
  EXPECT_EQ(state_of(dir, "Clash"), "absent");
  fs::remove(agents / "bad.yaml");

  // 5. SIGHUP re-reads the main file too: an agent added there starts; a changed host.*
  //    setting is named as needing a restart.
  std::ofstream(config, std::ios::trunc)
      << host_yaml + "  - { name: Hup, plugin: echo, port: 17444, dependencies: [Base] }\n"
      << "  - { name: Waiting, plugin: later, port: 17445 }\n";
  ASSERT_TRUE(eventually([&] { return state_of(dir, "Base") == "ready"; }, 1s));
  host->signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return state_of(dir, "Hup") == "ready"; }, 10s)) << host->output();
  EXPECT_EQ(state_of(dir, "Late"), "ready");
  // 6. Its plugin is not there yet: it fails, and starts when the file arrives.
  ASSERT_TRUE(eventually([&] { return state_of(dir, "Waiting") == "failed"; }, 10s)) << host->output();
  fs::copy_file(AGENTHOST_TEST_PLUGIN_DIR "/counter_v1.so", plugins / ".later.so.tmp");
  fs::rename(plugins / ".later.so.tmp", plugins / "later.so");
  ASSERT_TRUE(eventually([&] { return state_of(dir, "Waiting") == "ready"; }, 10s)) << host->output();
  EXPECT_EQ(call(context, 17445, "count"), "1");

  // 7. A reconfiguration whose new code fails is rolled back, and the old settings count as
  //    the ones in force: reloading the same file tries again; going back to them is no change.
  const std::string late_yaml = "agents:\n  - { name: Late, plugin: counter, port: 17443, dependencies: [Counter] }\n"
                                "  - { name: Listener, plugin: flaky, port: 17446, dependencies: [Counter] }\n";
  std::string bad_late = late_yaml;
  bad_late.replace(bad_late.find("plugin: counter,"), std::string("plugin: counter,").size(), "plugin: counter_bad,");
  const std::string failed = "this build refuses to start; going back to the previous code";
  const std::string settled = "agent Late still runs its previous plugin and settings";
  // The reload for bad.yaml's removal (step 4) may come late: it is over before this step.
  auto removal = host->wait_for_line_from(0, "bad.yaml removed)", 10s);
  ASSERT_TRUE(removal) << host->output();
  ASSERT_TRUE(host->wait_for_line_from(removal->index + 1, "configuration reload: 0 added", 10s)) << host->output();
  write_file(agents / "late.yaml", bad_late);
  ASSERT_TRUE(eventually([&] { return count_of(host->output(), failed) == 1; }, 10s)) << host->output();
  EXPECT_TRUE(eventually([&] { return call(context, 17443, "count") == "3"; }, 5s)) << "the old code, its state kept";
  auto again = agentctl(dir, {"reload"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("reconfigured Late"), std::string::npos) << again.output;
  ASSERT_TRUE(eventually([&] { return count_of(host->output(), failed) == 2; }, 10s)) << host->output();
  write_file(agents / "late.yaml", late_yaml);
  ASSERT_TRUE(eventually([&] { return count_of(host->output(), settled) == 2; }, 10s)) << host->output();
  auto unchanged = agentctl(dir, {"reload"});
  EXPECT_NE(unchanged.output.find("no agent of this host changed"), std::string::npos) << unchanged.output;
  EXPECT_EQ(count_of(host->output(), failed), 2u) << host->output();
  EXPECT_EQ(call(context, 17443, "count"), "4");

  EXPECT_EQ(count_of(host->output(), "agent Base: "), base_lines) << "Base was never touched: " << host->output();
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(20s), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
