// Hot reload with the real binary (127.0.0.64): a plugin file replaced under a running host
// reloads both agents that use it, with their state, while a client keeps calling — no call
// fails; broken files roll back; `agentctl reload` reloads one agent; dependents stay.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kBuilt = AGENTHOST_TEST_PLUGIN_DIR;

// Replaces `target` the way `install` and dpkg do: a copy under a temporary name, then a rename.
void replace_by_rename(const fs::path& source, const fs::path& target) {
  const auto temp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  fs::copy_file(source, temp, fs::copy_options::overwrite_existing);
  fs::rename(temp, target);
}

// Writes `bytes` into `target` in place (open, write, close), as `cp` over a file does.
void write_in_place(const fs::path& target, const std::string& bytes) {
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string call(zmq::context_t& context, int port, const std::string& method, const std::string& payload = "") {
  auto reply = request(context, "tcp://127.0.0.64:" + std::to_string(port), {"AH1", method, payload, "3000", ""});
  if (reply.size() < 3) return "no reply";
  return reply[1] == "200" ? reply[2] : reply[1] + " " + reply[2];
}

TEST(HotReload, AReplacedPluginReloadsItsAgentsWithStateWithoutFailingACallAndBadFilesRollBack) {
  TestDir dir;
  const fs::path plugins = dir.path() / "plugins";
  fs::create_directories(plugins);
  const fs::path file = plugins / "counter.so";
  fs::copy_file(kBuilt / "counter_v1.so", file);
  fs::copy_file(AGENTHOST_PLUGIN_DIR "/echo.so", plugins / "echo.so");
  const auto config = dir.write("host.yaml", "host:\n"
                                             "  name: main_pc\n"
                                             "  plugin_dirs: [" + plugins.string() + "]\n"
                                             "  control: { socket: " + dir.file("control.sock") + " }\n"
                                             "  bind: 127.0.0.64\n"
                                             "agents:\n"
                                             "  - { name: Counter, plugin: counter, port: 17421 }\n"
                                             "  - { name: Tally, plugin: counter, port: 17422 }\n"
                                             "  - { name: User, plugin: echo, port: 17423, dependencies: [Counter] }\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 3 ready")) << host->output();
  zmq::context_t context;
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(call(context, 17421, "count"), std::to_string(i));
  ASSERT_EQ(call(context, 17422, "count"), "1");
  ASSERT_EQ(call(context, 17421, "version"), "1");

  // A client calls Counter without pause while the file is replaced by version 2.
  std::atomic<bool> stop{false};
  std::vector<std::string> answers;
  std::thread client([&] {
    zmq::context_t own;
    const auto until = std::chrono::steady_clock::now() + 20s;
    for (int i = 0; i < 5000 && !stop && std::chrono::steady_clock::now() < until; ++i)
      answers.push_back(call(own, 17421, "count"));
  });
  std::this_thread::sleep_for(200ms);
  replace_by_rename(kBuilt / "counter_v2.so", file);
  EXPECT_TRUE(host->wait_for_line("agent Counter: reloaded from", 10s)) << host->output();
  EXPECT_TRUE(host->wait_for_line("agent Tally: reloaded from", 10s)) << host->output();
  std::this_thread::sleep_for(200ms);
  stop = true;
  client.join();
  EXPECT_EQ(call(context, 17421, "version"), "2");
  EXPECT_EQ(call(context, 17422, "version"), "2");
  ASSERT_FALSE(answers.empty());
  for (std::size_t i = 0; i < answers.size(); ++i)
    ASSERT_EQ(answers[i], std::to_string(6 + i)) << "call " << i << " of " << answers.size();
  EXPECT_EQ(call(context, 17422, "count"), "2") << "Tally's state came across too";
  const long total = 5 + static_cast<long>(answers.size());

  // Not restarted: the dependent, nor anything else.
  EXPECT_EQ(host->output().find("agent User: ready ->"), std::string::npos) << host->output();
  EXPECT_EQ(host->output().find("still mapped"), std::string::npos) << host->output();

  // Broken files roll back: one whose start() throws, a truncated one, one for another API.
  write_in_place(file, read_file(kBuilt / "counter_bad_start.so"));
  EXPECT_TRUE(host->wait_for_line("going back to the previous code", 10s)) << host->output();
  const std::string good = read_file(kBuilt / "counter_v1.so");
  write_in_place(file, good.substr(0, good.size() / 3));
  EXPECT_TRUE(host->wait_for_line("reload refused", 10s)) << host->output();
  replace_by_rename(kBuilt / "wrong_api.so", file);
  ASSERT_TRUE(eventually([&] {
    auto errors = agentctl(dir, {"errors", "--agent", "Counter"});
    return errors.output.find("API") != std::string::npos;
  }, 10s)) << agentctl(dir, {"errors"}).output;
  EXPECT_EQ(call(context, 17421, "version"), "2") << "still the last good code";
  EXPECT_EQ(call(context, 17421, "count"), std::to_string(total + 1)) << "and its state";
  auto errors = agentctl(dir, {"errors", "--agent", "Counter"});
  EXPECT_NE(errors.output.find("start() threw: counter: this build refuses to start"), std::string::npos)
      << errors.output;

  // The next good file is picked up; `agentctl reload` reloads one agent from its file.
  replace_by_rename(kBuilt / "counter_v1.so", file);
  EXPECT_TRUE(eventually([&] { return call(context, 17421, "version") == "1"; }, 10s)) << host->output();
  auto reload = agentctl(dir, {"reload", "Tally"});
  EXPECT_EQ(reload.exit_code, 0) << reload.output;
  EXPECT_TRUE(eventually([&] { return call(context, 17422, "version") == "1"; }, 10s)) << host->output();
  EXPECT_EQ(call(context, 17421, "count"), std::to_string(total + 2));
  EXPECT_EQ(call(context, 17422, "count"), "3");
  auto refused = agentctl(dir, {"reload", "Nobody"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("no agent 'Nobody'"), std::string::npos) << refused.output;

  EXPECT_EQ(host->output().find("still mapped"), std::string::npos) << host->output();
  EXPECT_EQ(host->terminate(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
