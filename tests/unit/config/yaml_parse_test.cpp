#include "config/yaml_parse.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "yaml_tree_compare.hpp"

namespace agenthost::config {
namespace {

using agenthost::testing::expect_same_tree;

namespace fs = std::filesystem;

void expect_as_yaml_cpp(const std::string& text) {
  SCOPED_TRACE(text);
  expect_same_tree(parse_yaml(text), YAML::Load(text));
}

YAML::ParserException parse_error(const std::string& text) {
  try {
    parse_yaml(text);
  } catch (const YAML::ParserException& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return YAML::ParserException(YAML::Mark(), "");
}

TEST(ParseYaml, EveryYamlFileOfTheRepositoryGivesYamlCppsTree) {
  int files = 0;
  for (const char* dir : {"config", "examples", "packaging", "tests/data", "tests/fuzz/corpus"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(AGENTHOST_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".yaml" && entry.path().extension() != ".yml") continue;
      std::ifstream in(entry.path());
      std::ostringstream text;
      text << in.rdbuf();
      SCOPED_TRACE(entry.path().string());
      try {
        YAML::Load(text.str());
      } catch (const YAML::Exception&) {
        EXPECT_THROW(parse_yaml(text.str()), YAML::ParserException);
        continue;
      }
      expect_as_yaml_cpp(text.str());
      ++files;
    }
  }
  EXPECT_GE(files, 20);
}

TEST(ParseYaml, ScalarsCollectionsTagsAndStylesAreYamlCpps) {
  expect_as_yaml_cpp("a: 1\nb: 'quoted'\nc: \"double \\t escaped\"\nd: plain text\n");
  expect_as_yaml_cpp("nulls: [~, null, Null, NULL, '~', \"null\", !!str null]\nempty_flow: {x: }\n");
  expect_as_yaml_cpp("literal: |\n  line one\n  line two\nfolded: >-\n  a\n  b\n\nafter: 1\n");
  expect_as_yaml_cpp("flow: {a: [1, 2, {b: c}], d: []}\nblock:\n  - - nested\n    - list\n  - k: v\n");
  expect_as_yaml_cpp("tagged: !custom value\nstr: !!str 42\nseq: !!seq [1]\nmap: !thing {a: 1}\n");
  expect_as_yaml_cpp("%YAML 1.1\n---\nkey: value\n");
  expect_as_yaml_cpp("? complex\n: key\n? [a, b]\n: flow key\n");
  expect_as_yaml_cpp("merge: &base {a: 1}\nother:\n  <<: *base\n  b: 2\n");  // `<<` is a key, as in yaml-cpp
  expect_as_yaml_cpp("# only a comment\n");
  expect_as_yaml_cpp("");
  expect_as_yaml_cpp("- top\n- level\n- list\n");
  expect_as_yaml_cpp("agents:\n- name: A\n  dependencies:\n  - B\n- name: B\n");  // indentless lists
  expect_as_yaml_cpp("first: document\n---\nsecond: [is not read\n");         // only the first, as YAML::Load
}

TEST(ParseYaml, AnAliasIsTheAnchoredNodeItself) {
  const auto root = parse_yaml("a: &shared {x: 1}\nb: *shared\nc: &s plain\nd: *s\n");
  EXPECT_TRUE(root["a"].is(root["b"]));
  EXPECT_TRUE(root["c"].is(root["d"]));
  EXPECT_EQ(root["b"]["x"].as<int>(), 1);
}

TEST(ParseYaml, AnAliasBeforeItsAnchorIsAnErrorAtTheAlias) {
  const auto e = parse_error("a: 1\nb: *later\nc: &later 2\n");
  EXPECT_EQ(e.mark.line, 1);
  EXPECT_EQ(e.mark.column, 3);
  EXPECT_NE(e.msg.find("'later' is not defined"), std::string::npos) << e.msg;
}

TEST(ParseYaml, AnEmptyValueIsANullRightAfterItsKey) {
  // YAML::Load puts it at the next token (line 1, column 0): here, on the key's own line.
  const auto root = parse_yaml("plugin:\nport: 1\n");
  ASSERT_TRUE(root["plugin"].IsNull());
  EXPECT_EQ(root["plugin"].Mark().line, 0);
  EXPECT_EQ(root["plugin"].Mark().column, 7);
}

TEST(ParseYaml, ASyntaxErrorSaysWhereAndInWhatItIs) {
  const auto e = parse_error("host:\n  name: main\nagents:\n  - name: A\n    dependencies: [B, C\n  - name: B\n");
  EXPECT_EQ(e.mark.line, 5);
  EXPECT_NE(e.msg.find("did not find expected ',' or ']'"), std::string::npos) << e.msg;
  EXPECT_NE(e.msg.find("while parsing a flow sequence at line 5, column 19"), std::string::npos) << e.msg;
}

TEST(ParseYaml, AQuotedScalarLeftOpenIsAnError) {
  // YAML::Load took the rest of the text into the scalar.
  const auto e = parse_error("a: 'open\nb: 2\n");
  EXPECT_NE(e.msg.find("quoted scalar"), std::string::npos) << e.msg;
}

TEST(ParseYaml, ABadByteIsAnErrorAtItsLineAndColumn) {
  const auto e = parse_error("a: 1\nb: x\xff\n");
  EXPECT_EQ(e.mark.line, 1);
  EXPECT_EQ(e.mark.column, 4);
  EXPECT_NE(e.msg.find("UTF-8"), std::string::npos) << e.msg;
}

TEST(ParseYaml, ColumnsCountCharactersNotBytes) {
  const auto e = parse_error("ü: *nope\n");  // ü is two bytes
  EXPECT_EQ(e.mark.line, 0);
  EXPECT_EQ(e.mark.column, 3);
}

TEST(ParseYaml, NestingIsBoundedWithoutRecursion) {
  const std::string deepest_allowed = std::string(kMaxYamlDepth, '[') + std::string(kMaxYamlDepth, ']');
  YAML::Node node = parse_yaml(deepest_allowed);
  for (int depth = 1; depth < kMaxYamlDepth; ++depth) {
    const YAML::Node inner = node[0];
    node.reset(inner);  // not `node = inner`, which would assign into the tree
  }
  EXPECT_TRUE(node.IsSequence());
  EXPECT_EQ(node.size(), 0u);

  const auto e = parse_error(std::string(kMaxYamlDepth + 1, '[') + std::string(kMaxYamlDepth + 1, ']'));
  EXPECT_EQ(e.mark.column, kMaxYamlDepth);
  EXPECT_NE(e.msg.find(std::to_string(kMaxYamlDepth)), std::string::npos) << e.msg;
}

}  // namespace
}  // namespace agenthost::config
