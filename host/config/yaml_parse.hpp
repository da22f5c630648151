#pragma once
// Parses YAML text with libyaml into yaml-cpp nodes.
//
// Why: yaml-cpp 0.7's scanner reads 2-6 MB/s on these machines (the 84-agent demo, 19 KiB,
// took 4-8 ms, the largest single item before the first agent starts); libyaml, the C parser
// Debian ships, reads the same text in 0.4-1.1 ms. The config code, and every plugin, keep
// working with yaml-cpp's nodes, so this builds them from libyaml's events.
//
// The result is what YAML::Load gives, with these differences, all on purpose:
// - An empty value (`key:` and nothing) is a null node positioned right after its `key:`;
//   YAML::Load put it at the token that follows, often the next line's key.
// - Columns count characters, as editors do (yaml-cpp counted bytes); Mark::pos is the
//   offset in characters.
// - A quoted scalar left open at the end of the text is an error (yaml-cpp took the rest).
// - Syntax errors carry libyaml's wording, with where the construct they are in began.
// As YAML::Load: only the first document is read; `<<` is an ordinary key; a plain `~`,
// `null`, `Null`, `NULL` or empty scalar is a null node; plain scalars and untagged
// collections have the tag "?", other scalars "!"; an alias is the anchored node itself.

#include <string_view>

#include <yaml-cpp/yaml.h>

namespace agenthost::config {

// Collections nested deeper than this are an error (yaml-cpp's own parser stops at 2000).
inline constexpr int kMaxYamlDepth = 2000;

// Throws YAML::ParserException at the problem's position for a syntax error, an alias to an
// anchor not defined before it, or nesting deeper than kMaxYamlDepth.
YAML::Node parse_yaml(std::string_view text);

}  // namespace agenthost::config
