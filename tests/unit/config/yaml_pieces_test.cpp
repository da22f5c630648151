#include "config/yaml_pieces.hpp"

#include "config/yaml_parse.hpp"

#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "yaml_tree_compare.hpp"

namespace agenthost::config {
namespace {

using agenthost::testing::expect_same_tree;

// Small pieces, so that short texts are cut too.
const YamlPieces kCut{.list_key = "agents", .min_piece_bytes = 16, .max_threads = 3};

std::string agents_text(int count) {
  std::string text = "host:\n  name: main_pc\n  startup: { parallelism: 8 }\n\nagents:\n";
  for (int i = 0; i < count; ++i) {
    text += fmt::format("  # agent {}\n  - name: Agent{}\n    plugin: simulated\n    port: {}\n", i, i, 7000 + i);
    if (i > 0) text += fmt::format("    dependencies: [Agent{}]\n", i - 1);
    text += fmt::format("    config: {{ init_ms: {}, note: \"a: b # not a comment\" }}\n", i * 10);
  }
  return text;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(YamlPieces, TheDemoConfigParsesInPiecesToTheSameTreeWithTheSamePositions) {
  const std::string text = read(AGENTHOST_SOURCE_DIR "/config/demo/agenthost.yaml");
  ASSERT_GT(text.size(), 8000u);
  const YamlPieces two{.min_piece_bytes = 4096, .max_threads = 2};
  EXPECT_EQ(yaml_piece_count(text, two), 2u);
  expect_same_tree(load_yaml(text, two), parse_yaml(text));
}

TEST(YamlPieces, AThousandAgentFileIsCutWithTheDefaultSizes) {
  const std::string text = agents_text(1000);
  EXPECT_EQ(yaml_piece_count(text, {.max_threads = 2}), 2u);
  expect_same_tree(load_yaml(text, {.max_threads = 2}), parse_yaml(text));
}

TEST(YamlPieces, EveryPieceButTheFirstIsPreparedForOnTheThreadThatParsesIt) {
  const std::string text = agents_text(30);
  std::mutex mu;
  std::vector<std::pair<std::thread::id, std::size_t>> prepared;
  YamlPieces pieces = kCut;
  pieces.prepare_thread = [&](std::size_t piece_bytes) {
    std::lock_guard lock(mu);
    prepared.emplace_back(std::this_thread::get_id(), piece_bytes);
  };
  ASSERT_EQ(yaml_piece_count(text, pieces), 3u);
  expect_same_tree(load_yaml(text, pieces), parse_yaml(text));
  ASSERT_EQ(prepared.size(), 2u);
  EXPECT_NE(prepared[0].first, prepared[1].first);
  for (const auto& [thread, bytes] : prepared) {
    EXPECT_NE(thread, std::this_thread::get_id()) << "piece 0 is parsed by the caller, unprepared";
    // A third of the text, give or take the lines left blank in front of it.
    EXPECT_GT(bytes, text.size() / 4);
    EXPECT_LT(bytes, text.size());
  }
}

TEST(YamlPieces, AListCutIntoSeveralPiecesKeepsItsOrderAndWhatFollowsIt) {
  std::string text = agents_text(12) + "# after the list\nextra:\n  key: value  # still read\n";
  EXPECT_EQ(yaml_piece_count(text, kCut), 3u);
  const auto root = load_yaml(text, kCut);
  expect_same_tree(root, parse_yaml(text));
  ASSERT_EQ(root["agents"].size(), 12u);
  EXPECT_EQ(root["agents"][11]["name"].Scalar(), "Agent11");
  EXPECT_EQ(root["agents"][11]["name"].Mark().line, parse_yaml(text)["agents"][11]["name"].Mark().line);
  EXPECT_EQ(root["extra"]["key"].Scalar(), "value");
}

TEST(YamlPieces, AListAtColumnZeroIsCutToo) {
  std::string text = "host: {name: a}\nagents:\n";
  for (int i = 0; i < 9; ++i) text += fmt::format("- name: A{}\n  plugin: echo\n", i);
  text += "tail: 1\n";
  EXPECT_GT(yaml_piece_count(text, kCut), 1u);
  expect_same_tree(load_yaml(text, kCut), parse_yaml(text));
}

TEST(YamlPieces, BlockScalarsAndCommentsInsideItemsStayWhole) {
  std::string text = "agents:\n";
  for (int i = 0; i < 6; ++i)
    text += fmt::format("  - name: A{}\n    notes: |{}\n      - not an item\n      {}\n\n    # - nor this\n", i,
                        i % 2 ? "+" : "", i);  // |+ keeps the blank lines before the next item
  EXPECT_GT(yaml_piece_count(text, kCut), 1u);
  expect_same_tree(load_yaml(text, kCut), parse_yaml(text));
}

TEST(YamlPieces, AQuotedScalarOrFlowListOverAnItemLineFallsBackToTheWholeText) {
  // The cut would fall inside the quotes or the brackets: the piece before it cannot parse.
  std::string quoted = "agents:\n  - name: A\n    note: \"one\n  - two\"\n";
  std::string flow = "agents:\n  - name: A\n    deps: [x,\n  - y]\n";
  for (int i = 0; i < 4; ++i) {
    quoted += fmt::format("  - name: B{}\n", i);
    flow += fmt::format("  - name: B{}\n", i);
  }
  for (const auto& text : {quoted, flow}) {
    SCOPED_TRACE(text);
    try {
      const auto whole = parse_yaml(text);
      expect_same_tree(load_yaml(text, kCut), whole);
    } catch (const YAML::ParserException& e) {
      EXPECT_THROW(load_yaml(text, kCut), YAML::ParserException);
    }
  }
}

TEST(YamlPieces, AnAliasToAnAnchorInAnotherPieceIsResolvedByTheWholeParse) {
  std::string text = "defaults: &d {init_ms: 5}\nagents:\n";
  for (int i = 0; i < 8; ++i) text += fmt::format("  - name: A{}\n    config: *d\n", i);
  const auto root = load_yaml(text, kCut);
  expect_same_tree(root, parse_yaml(text));
  EXPECT_EQ(root["agents"][7]["config"]["init_ms"].Scalar(), "5");
}

TEST(YamlPieces, ASyntaxErrorIsTheWholeParsesOwnWithItsPosition) {
  std::string text = agents_text(10);
  text += "  - name: Broken\n    config: {a: 1\n";
  int whole_line = -1, cut_line = -2;
  std::string whole_message, cut_message;
  try {
    parse_yaml(text);
  } catch (const YAML::ParserException& e) {
    whole_line = e.mark.line;
    whole_message = e.msg;
  }
  try {
    load_yaml(text, kCut);
  } catch (const YAML::ParserException& e) {
    cut_line = e.mark.line;
    cut_message = e.msg;
  }
  EXPECT_EQ(cut_line, whole_line);
  EXPECT_EQ(cut_message, whole_message);
  EXPECT_FALSE(whole_message.empty());
}

TEST(YamlPieces, ShortOrUnusualTextsAreParsedWhole) {
  const std::string text = agents_text(10);
  EXPECT_EQ(yaml_piece_count(text, {.min_piece_bytes = 1u << 20}), 1u);       // too short to be worth it
  EXPECT_EQ(yaml_piece_count("---\n" + text, kCut), 1u);                        // a document marker
  EXPECT_EQ(yaml_piece_count("%YAML 1.2\n---\n" + text, kCut), 1u);            // a directive
  EXPECT_EQ(yaml_piece_count(text + "agents:\n  - name: X\n", kCut), 1u);       // the key twice
  EXPECT_EQ(yaml_piece_count("agents: [a, b, c, d, e, f, g, h, i, j]\n", kCut), 1u);  // a flow list
  std::string crlf = text;
  for (std::size_t at = crlf.find('\n'); at != std::string::npos; at = crlf.find('\n', at + 2)) crlf.insert(at, "\r");
  EXPECT_EQ(yaml_piece_count(crlf, kCut), 1u);
  expect_same_tree(load_yaml(crlf, kCut), parse_yaml(crlf));
}

}  // namespace
}  // namespace agenthost::config
