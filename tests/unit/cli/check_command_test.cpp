#include <gtest/gtest.h>

#include <sstream>

#include "cli/check_command.hpp"
#include "../config/test_support.hpp"

namespace agenthost::cli {
namespace {

struct Output {
  int code;
  std::string out, err;
};

Output check(const std::string& path, bool strict = false, bool explain = false) {
  std::ostringstream out, err;
  int code = run_check({path, strict, explain}, out, err);
  return {code, out.str(), err.str()};
}

TEST(CheckCommandTest, ValidConfigSummary) {
  testing::TempDir dir;
  dir.write("plugins/libsimulated.so", "");
  const auto path = dir.write("agenthost.yaml", R"(host: { name: pc1, plugin_dirs: [plugins] }
agents:
  - { name: A, plugin: simulated }
  - { name: B, plugin: simulated, machine: pc2, dependencies: [A] }
)");
  auto r = check(path);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, path + ": ok (2 agents on 2 machines, 0 warnings)\n");
}

TEST(CheckCommandTest, ErrorsSortedByFileAndLineThenSummary) {
  testing::TempDir dir;
  dir.write("plugins/libsimulated.so", "");
  const auto path = dir.write("agenthost.yaml", R"(host: { plugin_dirs: [plugins], agents_dir: agents.d }
agents:
  - { name: A, plugin: simulated, dependencies: [Z] }
  - { name: B, plugin: simulated, prot: 1 }
  - { name: C, plugin: simulated, config: { peer: "10.1.2.3" } }
)");
  const auto drop = dir.write("agents.d/a.yaml", "name: A\nplugin: simulated\n");
  auto r = check(path);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            path + ":3:50: error: agent 'A' depends on unknown agent 'Z' (define it, or remove it from dependencies)\n" +
            path + ":4:35: error: unknown key 'prot' in agent (did you mean 'port'?)\n" +
            path + ":5:51: warning: literal IP address '10.1.2.3' (use ${VAR:-...} or a host name)\n" +
            drop + ":1:7: error: duplicate agent 'A' (first defined at " + path + ":3:13; rename one)\n");
  EXPECT_EQ(r.out, path + ": 3 errors, 1 warning\n");
}

TEST(CheckCommandTest, WarningsPassUnlessStrict) {
  testing::TempDir dir;
  const auto path = dir.write("agenthost.yaml", "host: { advertise: 10.0.0.9 }\n");
  auto relaxed = check(path);
  EXPECT_EQ(relaxed.code, 0);
  EXPECT_EQ(relaxed.out, path + ": ok (0 agents on 0 machines, 1 warning)\n");
  auto strict = check(path, /*strict=*/true);
  EXPECT_EQ(strict.code, 1);
  EXPECT_EQ(strict.out, path + ": 1 error, 0 warnings\n");
  EXPECT_NE(strict.err.find(":1:20: error: literal IP address '10.0.0.9'"), std::string::npos) << strict.err;
}

TEST(CheckCommandTest, ExplainListsSubstitutions) {
  testing::TempDir dir;
  const auto path = dir.write("agenthost.yaml", "host:\n  name: ${AGENTHOST_TEST_UNSET_MACHINE:-main_pc}\n"
                                                "  control: { socket: \"${HOME}/x.sock\" }\n");
  auto r = check(path, false, /*explain=*/true);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(path + ":2:9: AGENTHOST_TEST_UNSET_MACHINE = \"main_pc\" (default)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(path + ":3:22: HOME = \""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(environment)\n"), std::string::npos) << r.out;
}

TEST(CheckCommandTest, MissingFile) {
  auto r = check("/nonexistent/agenthost.yaml");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "/nonexistent/agenthost.yaml: error: file does not exist (check the path)\n");
  EXPECT_EQ(r.out, "/nonexistent/agenthost.yaml: 1 error, 0 warnings\n");
}

}  // namespace
}  // namespace agenthost::cli
