// An agent list parsed in pieces is also read in pieces, on the threads that parsed them: the
// config, its problems (in the same order), substitutions and literal addresses must be what
// reading the whole list on one thread gives.

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "config/yaml_pieces.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using agenthost::testing::TempDir;

// Pieces of a few hundred bytes, on up to three threads.
YamlPieces small_pieces() {
  YamlPieces pieces;
  pieces.min_piece_bytes = 64;
  pieces.max_threads = 3;
  return pieces;
}

// Agents with dependencies, ports, substitutions, a literal address, agent configs, and every
// 7th agent with a mistake (an unknown key, a bad port, an unset variable).
std::string agents_text(int count) {
  std::string text = "host:\n  name: main_pc\n  bind: \"${BIND:-127.0.0.1}\"\n\nagents:\n";
  for (int i = 0; i < count; ++i) {
    text += fmt::format("  - name: Agent{}\n    plugin: simulated\n    port: ${{PORT_{}:-{}}}\n", i, i, 7000 + i);
    if (i > 0) text += fmt::format("    dependencies: [Agent{}]\n", i - 1);
    text += fmt::format("    config: {{ init_ms: {}, peer: \"10.0.0.{}\", home: \"${{HOME_DIR:-/var/lib}}/{}\" }}\n",
                        i * 10, i % 250, i);
    if (i % 7 == 3) text += "    dependecies: [Agent0]\n";
    if (i % 7 == 5) text += "    restart: sometimes\n";
    if (i % 7 == 6) text += fmt::format("    expected_start: ${{UNSET_{}}}\n", i);
  }
  return text;
}

std::vector<std::string> formatted(const Diagnostics& diagnostics) {
  std::vector<std::string> lines;
  for (const auto& d : diagnostics.items()) lines.push_back(d.format());
  return lines;
}

void expect_same(const LoadResult& beside, const LoadResult& whole) {
  EXPECT_EQ(formatted(beside.diagnostics), formatted(whole.diagnostics));
  ASSERT_EQ(beside.config.agents.size(), whole.config.agents.size());
  for (std::size_t i = 0; i < whole.config.agents.size(); ++i) {
    const auto& a = beside.config.agents[i];
    const auto& b = whole.config.agents[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.where.line, b.where.line) << a.name;
    EXPECT_EQ(a.port, b.port) << a.name;
    ASSERT_EQ(a.dependencies.size(), b.dependencies.size()) << a.name;
    for (std::size_t d = 0; d < a.dependencies.size(); ++d) {
      EXPECT_EQ(a.dependencies[d].name, b.dependencies[d].name);
      EXPECT_EQ(a.dependencies[d].where.line, b.dependencies[d].where.line);
    }
    EXPECT_EQ(a.restart, b.restart) << a.name;
    EXPECT_EQ(YAML::Dump(a.config), YAML::Dump(b.config)) << a.name;
    if (b.config.IsMap() && b.config["home"] && a.config["home"])
      EXPECT_EQ(a.config["home"].Mark().line, b.config["home"].Mark().line) << a.name;
  }
  ASSERT_EQ(beside.config.substitutions.size(), whole.config.substitutions.size());
  for (std::size_t i = 0; i < whole.config.substitutions.size(); ++i) {
    EXPECT_EQ(beside.config.substitutions[i].variable, whole.config.substitutions[i].variable);
    EXPECT_EQ(beside.config.substitutions[i].where.line, whole.config.substitutions[i].where.line);
  }
  ASSERT_EQ(beside.config.written_addresses.size(), whole.config.written_addresses.size());
  for (std::size_t i = 0; i < whole.config.written_addresses.size(); ++i) {
    EXPECT_EQ(beside.config.written_addresses[i].address, whole.config.written_addresses[i].address);
    EXPECT_EQ(beside.config.written_addresses[i].where.line, whole.config.written_addresses[i].where.line);
  }
}

TEST(AgentsReadBeside, AListReadInPiecesIsTheListReadWholeWithItsProblemsInFileOrder) {
  TempDir dir;
  const std::string text = agents_text(200);
  std::vector<std::size_t> items_per_piece;
  load_yaml(text, small_pieces(), &items_per_piece);
  ASSERT_EQ(items_per_piece.size(), 3u) << "parsed in three pieces";
  const auto file = dir.write("agenthost.yaml", text);
  const auto env = agenthost::testing::fake_env({{"PORT_10", "9010"}, {"HOME_DIR", "/srv"}});
  YamlPieces whole;
  whole.max_threads = 1;

  const LoadResult beside = load_config(file, env, small_pieces());
  const LoadResult one_thread = load_config(file, env, whole);
  ASSERT_EQ(one_thread.config.agents.size(), 200u);
  EXPECT_EQ(one_thread.config.agents[10].port, 9010);
  EXPECT_FALSE(one_thread.diagnostics.items().empty()) << "the text has mistakes to report";
  expect_same(beside, one_thread);
}

TEST(AgentsReadBeside, AListThatCannotBeCutIsParsedAndReadWholeAsBefore) {
  TempDir dir;
  // A quoted scalar over a line that looks like an item: the items of the pieces do not add up
  // wherever the cuts fall, so what was read beside is dropped with the pieces.
  std::string text = agents_text(120);
  text.insert(text.find("  - name: Agent60\n"),
              "  - name: Quoted\n    plugin: simulated\n    config: { note: \"a\n  - b: c\" }\n");
  std::vector<std::size_t> items_per_piece{1};
  load_yaml(text, small_pieces(), &items_per_piece);
  EXPECT_TRUE(items_per_piece.empty()) << "parsed whole";
  const auto file = dir.write("agenthost.yaml", text);
  const auto env = agenthost::testing::fake_env();
  YamlPieces whole;
  whole.max_threads = 1;
  const LoadResult beside = load_config(file, env, small_pieces());
  EXPECT_EQ(beside.config.agents.size(), 121u);
  expect_same(beside, load_config(file, env, whole));
}

}  // namespace
}  // namespace agenthost::config
