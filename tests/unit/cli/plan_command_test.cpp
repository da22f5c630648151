#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "cli/plan_command.hpp"
#include "../config/test_support.hpp"

namespace agenthost::cli {
namespace {

struct Output {
  int code;
  std::string out, err;
};

Output plan(const std::string& path, const std::string& machine = "", bool dot = false) {
  std::ostringstream out, err;
  int code = run_plan({path, machine, dot}, out, err);
  return {code, out.str(), err.str()};
}

const char* kCluster = R"(host: { name: pc1 }
agents:
  - { name: Db, plugin: p, expected_start: 2s }
  - { name: Cache, plugin: p, expected_start: 500ms }
  - { name: Api, plugin: p, expected_start: 1s, dependencies: [Db, Cache] }
  - { name: Web, plugin: p, dependencies: [Api, Remote] }
  - { name: Remote, plugin: p, machine: pc2, expected_start: 3s }
)";

TEST(PlanCommandTest, LevelsSumAndCriticalPath) {
  testing::TempDir dir;
  const auto path = dir.write("agenthost.yaml", kCluster);
  auto r = plan(path);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "plan for machine 'pc1': 4 agents in 3 levels\n"
            "level 0 (2 agents): Db, Cache\n"
            "level 1 (1 agent): Api\n"
            "level 2 (1 agent): Web\n"
            "external dependencies, waited for through the registry (1): Remote (for Web)\n"
            "sequential start: 3.5 s\n"
            "critical path (3.0 s): Db -> Api -> Web\n"
            "1 of 4 agents have no expected_start (counted as 0; add expected_start: to them)\n");
}

TEST(PlanCommandTest, AReplicaIsPlannedOnEachOfItsMachines) {
  testing::TempDir dir;
  const auto path = dir.write("agenthost.yaml", R"(host: { name: pc1 }
agents:
  - { name: Model, plugin: p, machine: [pc2, pc3] }
  - { name: Chat, plugin: p, machine: pc3, dependencies: [Model] }
)");
  for (const std::string machine : {"pc2", "pc3"}) {
    auto r = plan(path, machine);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("level 0 (1 agent): Model\n"), std::string::npos) << machine << ": " << r.out;
  }
  auto pc1 = plan(path, "pc1");
  EXPECT_EQ(pc1.code, 1);
  EXPECT_NE(pc1.err.find("(machines in this config: pc2, pc3;"), std::string::npos) << pc1.err;
}

TEST(PlanCommandTest, AllMachines) {
  testing::TempDir dir;
  const auto path = dir.write("agenthost.yaml", kCluster);
  auto r = plan(path, "all");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("plan for all machines: 5 agents in 3 levels\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("level 0 (3 agents): Db, Cache, Remote\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("critical path (3.0 s): Db -> Api -> Web\n"), std::string::npos) << r.out;
}

TEST(PlanCommandTest, Dot) {
  testing::TempDir dir;
  const auto path = dir.write("agenthost.yaml", kCluster);
  auto r = plan(path, "", /*dot=*/true);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("digraph agenthost_plan {\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("  subgraph level_0 {\n    rank=same;\n    \"Db\" [label=\"Db\\n2.0 s\", color=red, penwidth=2];\n"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  \"Db\" -> \"Api\" [color=red, style=bold, penwidth=2];\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  \"Cache\" -> \"Api\";\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  \"Remote\" -> \"Web\" [style=dashed, color=gray];\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n");
}

TEST(PlanCommandTest, InvalidConfigPrintsErrors) {
  testing::TempDir dir;
  const auto path = dir.write("agenthost.yaml", "agents:\n  - { name: A, plugin: p, dependencies: [A] }\n");
  auto r = plan(path);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, path + ":2:42: error: agent 'A' depends on itself (remove it from its dependencies)\n" + path +
                       ": invalid config, no plan (fix the errors above)\n");
}

TEST(PlanCommandTest, UnknownMachine) {
  testing::TempDir dir;
  const auto path = dir.write("agenthost.yaml", kCluster);
  auto r = plan(path, "pc9");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, path + ": no agents on machine 'pc9' (machines in this config: pc1, pc2; or use --machine all)\n");
}

TEST(PlanCommandTest, LongLevelsWrap) {
  testing::TempDir dir;
  std::string text = "agents:\n";
  for (int i = 0; i < 40; ++i) text += "  - { name: SomeLongAgentName" + std::to_string(i) + ", plugin: p }\n";
  const auto path = dir.write("agenthost.yaml", text);
  auto r = plan(path);
  EXPECT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 100u) << line;
}

}  // namespace
}  // namespace agenthost::cli

namespace agenthost::cli {
namespace {

// The 84-agent demo: plan must agree with the figures its generator wrote next to it.
TEST(PlanCommandTest, DemoConfigMatchesItsGeneratedFigures) {
  const std::filesystem::path demo = std::filesystem::path(AGENTHOST_TEST_DATA_DIR) / "../../config/demo";
  std::ifstream figures_file(demo / "expected.txt");
  if (!figures_file) GTEST_SKIP() << "no config/demo/expected.txt";
  std::map<std::string, std::string> figures;
  for (std::string line; std::getline(figures_file, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    figures[line.substr(0, space)] = line.substr(space + 1);
  }
  auto r = plan((demo / "agenthost.yaml").string(), "all");
  ASSERT_EQ(r.code, 0) << r.err;
  // Widths and the critical chain, read back from the text output.
  std::vector<std::string> widths;
  std::string chain, text = r.out;
  std::istringstream lines(text);
  std::string all_lines, line;
  while (std::getline(lines, line)) all_lines += (line.rfind("    ", 0) == 0 ? " " + line.substr(4) : "\n" + line);
  std::istringstream joined(all_lines);
  while (std::getline(joined, line)) {
    if (line.rfind("level ", 0) == 0) widths.push_back(line.substr(line.find('(') + 1, line.find(' ', line.find('(')) - line.find('(') - 1));
    if (line.rfind("critical path", 0) == 0) chain = line.substr(line.find("): ") + 3);
  }
  std::string width_list;
  for (const auto& w : widths) width_list += (width_list.empty() ? "" : ",") + w;
  EXPECT_EQ(std::to_string(widths.size()), figures["levels"]);
  EXPECT_EQ(width_list, figures["level_widths"]);
  std::string expected_chain = figures["critical_path"];
  for (std::size_t pos; (pos = expected_chain.find(',')) != std::string::npos;) expected_chain.replace(pos, 1, " -> ");
  EXPECT_EQ(chain, expected_chain);
  EXPECT_NE(r.out.find(fmt::format("sequential start: {:.1f} s", std::stod(figures["sequential_ms"]) / 1000)),
            std::string::npos) << r.out;
}

}  // namespace
}  // namespace agenthost::cli
