#pragma once
// The same YAML tree, node for node: types, tags, scalars, collection styles, lines and
// columns. For the parser tests (config/yaml_parse.hpp, config/yaml_pieces.hpp).

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace agenthost::testing {

inline void expect_same_tree(const YAML::Node& a, const YAML::Node& b, const std::string& where = "root") {
  ASSERT_EQ(a.Type(), b.Type()) << where;
  EXPECT_EQ(a.Mark().line, b.Mark().line) << where;
  EXPECT_EQ(a.Mark().column, b.Mark().column) << where;
  EXPECT_EQ(a.Tag(), b.Tag()) << where;
  if (a.IsScalar()) {
    EXPECT_EQ(a.Scalar(), b.Scalar()) << where;
  } else if (a.IsSequence()) {
    EXPECT_EQ(a.Style(), b.Style()) << where;
    ASSERT_EQ(a.size(), b.size()) << where;
    for (std::size_t i = 0; i < a.size(); ++i) expect_same_tree(a[i], b[i], fmt::format("{}[{}]", where, i));
  } else if (a.IsMap()) {
    EXPECT_EQ(a.Style(), b.Style()) << where;
    ASSERT_EQ(a.size(), b.size()) << where;
    auto ib = b.begin();
    for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib) {
      expect_same_tree(ia->first, ib->first, where + ".key");
      expect_same_tree(ia->second, ib->second, where + "." + (ia->first.IsScalar() ? ia->first.Scalar() : "?"));
    }
  }
}

}  // namespace agenthost::testing
