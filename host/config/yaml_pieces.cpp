#include "config/yaml_pieces.hpp"

#include <algorithm>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "config/yaml_parse.hpp"

namespace agenthost::config {
namespace {

constexpr auto npos = std::string_view::npos;
constexpr unsigned kMaxThreads = 4;  // the pieces are small: more threads only cost their start

std::size_t indent_of(std::string_view line) {
  const auto i = line.find_first_not_of(' ');
  return i == npos ? line.size() : i;
}

bool blank_or_comment(std::string_view line) {
  const auto i = line.find_first_not_of(' ');
  return i == npos || line[i] == '#';
}

bool is_item(std::string_view line, std::size_t indent) {
  return indent_of(line) == indent && line.size() > indent && line[indent] == '-' &&
         (line.size() == indent + 1 || line[indent + 1] == ' ');
}

// `key:` alone at column 0, perhaps with a comment after it: a block collection follows.
bool is_list_key(std::string_view line, std::string_view key) {
  if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') return false;
  const auto rest = line.substr(key.size() + 1);
  const auto i = rest.find_first_not_of(' ');
  return i == npos || (i > 0 && rest[i] == '#');
}

// What the parser must see whole: several documents, directives, tabs (indentation errors),
// CR line ends (the lines below are cut at '\n'), a byte-order mark.
bool out_of_the_ordinary(const std::string& text, const std::vector<std::string_view>& lines) {
  if (text.find_first_of("\t\r") != std::string::npos || text.starts_with("\xEF\xBB\xBF")) return true;
  return std::any_of(lines.begin(), lines.end(), [](std::string_view line) {
    return line.starts_with('%') || line.starts_with("---") || line.starts_with("...");
  });
}

// Closes every piece's list. If a piece ended inside a quoted scalar or a flow collection
// (its cut was not between items), this line is swallowed by it and is not the last item.
constexpr std::string_view kSentinel = "agenthost-end-of-piece-5c1e0b";

struct Piece {
  std::size_t begin = 0;       // offset of its first item line
  std::size_t first_line = 0;  // that line's index
  std::size_t items = 0;       // item lines in it
};

// Piece 0 is the text outside the list plus the list's first items; pieces 1.. are runs of
// items. nullopt: parse the text whole.
struct Plan {
  std::vector<Piece> pieces;
  std::size_t list_end = 0;       // offset where the list's lines end
  std::size_t list_end_line = 0;  // that line's index
  std::size_t indent = 0;         // the items' indentation
};

std::optional<Plan> plan_pieces(const std::string& text, const YamlPieces& options) {
  unsigned threads = options.max_threads != 0 ? options.max_threads
                                              : std::min(kMaxThreads, std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, text.size() / std::max<std::size_t>(1, options.min_piece_bytes)));
  if (threads < 2) return std::nullopt;

  std::vector<std::string_view> lines;
  std::vector<std::size_t> offsets;
  for (std::size_t begin = 0; begin < text.size();) {
    const auto end = std::min(text.find('\n', begin), text.size());
    lines.emplace_back(text.data() + begin, end - begin);
    offsets.push_back(begin);
    begin = end + 1;
  }
  if (out_of_the_ordinary(text, lines)) return std::nullopt;

  std::optional<std::size_t> key_line;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!is_list_key(lines[i], options.list_key)) continue;
    if (key_line) return std::nullopt;  // twice: let the parser say what it makes of that
    key_line = i;
  }
  if (!key_line) return std::nullopt;

  // The list: from its first item to the next line at column 0 that is not one of its items.
  std::size_t i = *key_line + 1;
  while (i < lines.size() && blank_or_comment(lines[i])) ++i;
  if (i == lines.size() || !is_item(lines[i], indent_of(lines[i]))) return std::nullopt;
  const std::size_t indent = indent_of(lines[i]);
  std::vector<std::size_t> items;
  for (; i < lines.size(); ++i) {
    const auto line = lines[i];
    if (blank_or_comment(line)) continue;
    if (is_item(line, indent)) {
      items.push_back(i);
      continue;
    }
    if (indent_of(line) == 0) break;             // the next top-level key
    if (indent_of(line) <= indent) return std::nullopt;  // not YAML we can cut safely
  }
  Plan plan;
  plan.indent = indent;
  plan.list_end_line = i;
  plan.list_end = i < lines.size() ? offsets[i] : text.size();
  if (items.size() < 2) return std::nullopt;

  // Pieces of about equal size; piece 0 also carries the text outside the list.
  const std::size_t target = text.size() / threads;
  const std::size_t outside = offsets[items.front()] + (text.size() - plan.list_end);
  plan.pieces.push_back({offsets[items.front()], items.front(), 0});
  std::size_t next_cut = target > outside ? target - outside : 0;
  for (std::size_t k = 0; k < items.size(); ++k) {
    const std::size_t begin = offsets[items[k]];
    const std::size_t into_list = begin - offsets[items.front()];
    if (k > 0 && plan.pieces.size() < threads && into_list >= next_cut) {
      plan.pieces.push_back({begin, items[k], 0});
      next_cut += target;
    }
    ++plan.pieces.back().items;
  }
  if (plan.pieces.size() < 2) return std::nullopt;
  return plan;
}

// Piece k's text, with its lines where they are in the whole text and the sentinel item after
// its last item (piece 0: on the first line of piece 1, which it leaves blank).
std::string piece_text(const std::string& text, const Plan& plan, std::size_t k) {
  const auto& pieces = plan.pieces;
  const auto sentinel = [&](std::string& out) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out.append(plan.indent, ' ').append("- ").append(kSentinel) += '\n';
  };
  if (k == 0) {
    std::string out = text.substr(0, pieces[1].begin);
    sentinel(out);
    out.append(plan.list_end_line - pieces[1].first_line - 1, '\n');
    out.append(text, plan.list_end);
    return out;
  }
  const auto end = k + 1 < pieces.size() ? pieces[k + 1].begin : plan.list_end;
  std::string out(pieces[k].first_line, '\n');
  out.append(text, pieces[k].begin, end - pieces[k].begin);
  sentinel(out);
  return out;
}

// A piece's items: its list, whose last item must be the sentinel, which is taken off.
bool ends_with_sentinel(YAML::Node& list, std::size_t items) {
  if (!list.IsSequence() || list.size() != items + 1) return false;
  const YAML::Node last = list[items];
  if (!last.IsScalar() || last.Scalar() != kSentinel) return false;
  return list.remove(items);
}

// The list's node in piece 0's root, if the root is a mapping that has it.
std::optional<YAML::Node> list_in(const YAML::Node& root, std::string_view key) {
  if (!root.IsMap()) return std::nullopt;
  for (const auto& entry : root) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return std::nullopt;
}

std::optional<YAML::Node> parse_in_pieces(const std::string& text, const Plan& plan, const YamlPieces& options) {
  const std::size_t count = plan.pieces.size();
  std::vector<std::optional<YAML::Node>> parsed(count);
  auto parse = [&](std::size_t k) noexcept {
    try {
      std::string piece = piece_text(text, plan, k);
      if (k > 0 && options.prepare_thread) options.prepare_thread(piece.size());
      YAML::Node list = parse_yaml(piece);
      if (k > 0) {  // piece 0's list is inside its root, checked below
        if (!ends_with_sentinel(list, plan.pieces[k].items)) return;
        if (options.read_items) options.read_items(k, list);
      }
      parsed[k] = std::move(list);
    } catch (...) {
      // Reported by the whole parse that follows, with its true position.
    }
  };
  std::vector<std::thread> helpers;
  try {
    for (std::size_t k = 1; k < count; ++k) helpers.emplace_back(parse, k);
  } catch (const std::system_error&) {
    // No thread to spare: the pieces without one are parsed here.
  }
  parse(0);
  for (std::size_t k = helpers.size() + 1; k < count; ++k) parse(k);
  for (auto& helper : helpers) helper.join();

  if (!parsed[0]) return std::nullopt;
  auto list = list_in(*parsed[0], options.list_key);
  if (!list || !ends_with_sentinel(*list, plan.pieces[0].items)) return std::nullopt;
  for (std::size_t k = 1; k < count; ++k) {
    if (!parsed[k]) return std::nullopt;
  }
  for (std::size_t k = 1; k < count; ++k) {
    for (const auto& item : *parsed[k]) list->push_back(item);
  }
  return parsed[0];
}

}  // namespace

YAML::Node load_yaml(const std::string& text, const YamlPieces& options, std::vector<std::size_t>* items_per_piece) {
  if (auto plan = plan_pieces(text, options)) {
    if (auto root = parse_in_pieces(text, *plan, options)) {
      if (items_per_piece) {
        items_per_piece->clear();
        for (const auto& piece : plan->pieces) items_per_piece->push_back(piece.items);
      }
      return *root;
    }
  }
  if (items_per_piece) items_per_piece->clear();
  return parse_yaml(text);
}

std::size_t yaml_piece_count(const std::string& text, const YamlPieces& options) {
  const auto plan = plan_pieces(text, options);
  return plan ? plan->pieces.size() : 1;
}

}  // namespace agenthost::config
