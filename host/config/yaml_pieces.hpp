#pragma once
// Parses a config file's YAML on more than one core when it is long.
//
// Why: a 1000-agent file (104 KiB) takes ~18 ms to parse into yaml-cpp nodes on one core
// here, even with libyaml's parser (config/yaml_parse.hpp; yaml-cpp's own took ~30 ms): most of
// it is building the nodes, ~5.6 MiB of them, whose every fresh page costs a trap to the
// hypervisor. Reading the config comes before every agent's start. A config is long because
// of its `agents:` list, whose items do not depend on each other: the list is cut at item
// lines into pieces, the pieces are parsed on threads of their own, and their items are
// appended to the list in order. Every node keeps its line and column (a piece is parsed with
// blank lines in place of the text before it); Mark::pos, the offset in the text, is not kept.
//
// Why a cut is safe: an item line (`- ` at the list's indentation) cannot be inside a block
// scalar or a plain scalar of the item before it: both end at a line indented that little. It
// can be inside a quoted scalar or a flow collection that spans lines: so every piece gets a
// sentinel item after its last one, which such a scalar or collection swallows, and a piece
// that does not end with it is not used (libyaml also reports a quoted scalar or a flow
// collection left open at the end of a piece, which fails the piece). On an error in any
// piece, and for anything out of the ordinary (directives, document markers, tabs, CR, a
// BOM, an alias to an anchor in another piece, item counts that do not add up), the whole text
// is parsed in one go: the result, or the error, is parse_yaml's own.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace agenthost::config {

struct YamlPieces {
  std::string_view list_key = "agents";  // the top-level key whose block list is cut
  // Below this a thread costs as much as it saves when its heap is not prepared: its first
  // parse pays for its own malloc arena page by page (the 19 KiB demo then parses no faster in
  // two pieces; a 104 KiB file of 1000 agents, 46 ms whole, takes 29 ms in two).
  std::size_t min_piece_bytes = 16 * 1024;
  unsigned max_threads = 0;  // 0: the machine's cores, at most 4
  // Called first for every piece but the first (which the calling thread parses), on the
  // thread that parses it, with the piece's size: where the caller makes that thread's heap
  // ready (`agenthost run` pre-faults it, and cuts pieces from 8 KiB). May be empty.
  std::function<void(std::size_t piece_bytes)> prepare_thread;
  // Called on the thread that parsed piece k >= 1, with that piece's items (a sequence, the
  // sentinel taken off) before they join the whole list: the caller reads them there, beside
  // the other pieces. What it read counts only if load_yaml reports the pieces: when another
  // piece fails, the text is parsed whole and these items are not in the result. May throw:
  // the text is then parsed whole. May be empty.
  std::function<void(std::size_t piece, const YAML::Node& items)> read_items;
};

// As parse_yaml(text), including what it throws. If it was parsed in pieces and
// `items_per_piece` is given, that gets how many items of the list each piece held, in order
// (left empty when the text was parsed whole).
YAML::Node load_yaml(const std::string& text, const YamlPieces& pieces = {},
                     std::vector<std::size_t>* items_per_piece = nullptr);

// How many pieces load_yaml would parse `text` in (1: whole): for tests and benchmarks.
std::size_t yaml_piece_count(const std::string& text, const YamlPieces& pieces = {});

}  // namespace agenthost::config
