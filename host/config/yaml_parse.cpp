#include "config/yaml_parse.hpp"

#include <yaml.h>

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace agenthost::config {
namespace {

// yaml-cpp gives a node its position only in its own parser; its public API cannot set one.
// An explicit instantiation may name a private member ([temp.spec.general]/6): that is how
// this reaches the node behind a YAML::Node, to give it the position libyaml reported.
template <typename Tag, typename Tag::type Member>
struct ExposeMember {
  friend typename Tag::type exposed(Tag) { return Member; }
};
struct NodeImplementation {
  using type = YAML::detail::node* YAML::Node::*;
  friend type exposed(NodeImplementation);
};
template struct ExposeMember<NodeImplementation, &YAML::Node::m_pNode>;

YAML::Mark to_mark(const yaml_mark_t& at) {
  YAML::Mark mark;
  mark.pos = static_cast<int>(at.index);
  mark.line = static_cast<int>(at.line);
  mark.column = static_cast<int>(at.column);
  return mark;
}

void set_mark(const YAML::Node& node, const yaml_mark_t& at) {
  (node.*exposed(NodeImplementation{}))->set_mark(to_mark(at));
}

// libyaml's reader reports a bad byte by its offset only: its line and column, in characters.
YAML::Mark mark_at_offset(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  YAML::Mark mark;
  mark.pos = static_cast<int>(offset);
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++mark.line;
      mark.column = 0;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {  // not a UTF-8 continuation
      ++mark.column;
    }
  }
  return mark;
}

[[noreturn]] void throw_parser_error(const yaml_parser_t& parser, std::string_view text) {
  const std::string problem = parser.problem ? parser.problem : "cannot parse the text";
  if (parser.error == YAML_READER_ERROR) {
    throw YAML::ParserException(mark_at_offset(text, parser.problem_offset),
                                fmt::format("{} (0x{:02x}; a config must be UTF-8 or UTF-16 text without control "
                                            "characters)",
                                            problem, parser.problem_value < 0 ? 0 : parser.problem_value));
  }
  if (parser.context == nullptr) throw YAML::ParserException(to_mark(parser.problem_mark), problem);
  throw YAML::ParserException(to_mark(parser.problem_mark),
                              fmt::format("{} ({} at line {}, column {})", problem, parser.context,
                                          parser.context_mark.line + 1, parser.context_mark.column + 1));
}

// One libyaml event, freed however the builder leaves.
class Event {
 public:
  Event(yaml_parser_t& parser, std::string_view text) {
    if (!yaml_parser_parse(&parser, &event_)) throw_parser_error(parser, text);
  }
  ~Event() { yaml_event_delete(&event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  const yaml_event_t& get() const { return event_; }
  const yaml_event_t* operator->() const { return &event_; }

 private:
  yaml_event_t event_{};
};

class Parser {
 public:
  explicit Parser(std::string_view text) {
    if (!yaml_parser_initialize(&parser_)) throw YAML::ParserException(YAML::Mark(), "out of memory");
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  ~Parser() { yaml_parser_delete(&parser_); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  yaml_parser_t& get() { return parser_; }

 private:
  yaml_parser_t parser_{};
};

std::string_view chars(const yaml_char_t* text) {
  return text ? std::string_view(reinterpret_cast<const char*>(text)) : std::string_view();
}

std::string_view chars(const yaml_char_t* text, std::size_t length) {
  return {reinterpret_cast<const char*>(text), length};
}

bool is_null_text(std::string_view value) {
  return value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL";
}

// Builds the first document's tree, collection by collection, without recursion.
class TreeBuilder {
 public:
  // Adds a finished node (a scalar, an alias, or a collection just opened) to its parent.
  void add(const YAML::Node& node) {
    if (open_.empty()) {
      root_ = node;
      return;
    }
    auto& parent = open_.back();
    if (parent.node.IsSequence()) {
      parent.node.push_back(node);
    } else if (!parent.key) {
      parent.key = node;
    } else {
      parent.node.force_insert(*parent.key, node);
      parent.key.reset();
    }
  }

  // A scalar or a collection from the text: positioned, anchored if it has one, and added.
  void place(const YAML::Node& node, const yaml_char_t* anchor_name, const yaml_mark_t& at) {
    set_mark(node, at);
    if (anchor_name) anchors_[std::string(chars(anchor_name))] = node;
    add(node);
  }

  // A collection: placed, and what follows goes into it until close().
  void open(const YAML::Node& collection, const yaml_char_t* anchor_name, const yaml_mark_t& at) {
    if (static_cast<int>(open_.size()) >= kMaxYamlDepth)
      throw YAML::ParserException(to_mark(at), fmt::format("collections nested deeper than {} levels", kMaxYamlDepth));
    place(collection, anchor_name, at);
    open_.push_back({collection, std::nullopt});
  }

  void close() { open_.pop_back(); }

  const YAML::Node& alias(const yaml_char_t* name, const yaml_mark_t& at) const {
    const auto found = anchors_.find(std::string(chars(name)));
    if (found == anchors_.end())
      throw YAML::ParserException(to_mark(at), fmt::format("the referenced anchor '{}' is not defined (an alias "
                                                           "must follow its &{})",
                                                           chars(name), chars(name)));
    return found->second;
  }

  YAML::Node root() const { return root_; }

 private:
  struct Open {
    YAML::Node node;
    std::optional<YAML::Node> key;  // a mapping's key that waits for its value
  };
  std::vector<Open> open_;
  std::unordered_map<std::string, YAML::Node> anchors_;
  YAML::Node root_;
};

YAML::Node scalar_node(const yaml_event_t& event) {
  const auto& scalar = event.data.scalar;
  const auto value = chars(scalar.value, scalar.length);
  const bool plain = scalar.style == YAML_PLAIN_SCALAR_STYLE;
  const auto tag = chars(scalar.tag);
  if (plain && tag.empty() && is_null_text(value)) return YAML::Node(YAML::NodeType::Null);
  YAML::Node node(std::string{value});
  node.SetTag(tag.empty() ? (plain ? "?" : "!") : std::string(tag));
  return node;
}

YAML::Node collection_node(YAML::NodeType::value type, const yaml_char_t* tag, bool flow) {
  YAML::Node node(type);
  node.SetTag(tag ? std::string(chars(tag)) : "?");
  node.SetStyle(flow ? YAML::EmitterStyle::Flow : YAML::EmitterStyle::Block);
  return node;
}

}  // namespace

YAML::Node parse_yaml(std::string_view text) {
  Parser parser(text);
  TreeBuilder tree;
  for (bool in_document = false;;) {
    Event event(parser.get(), text);
    switch (event->type) {
      case YAML_DOCUMENT_START_EVENT:
        in_document = true;
        break;
      case YAML_DOCUMENT_END_EVENT:  // YAML::Load reads the first document only
      case YAML_STREAM_END_EVENT:
        return in_document ? tree.root() : YAML::Node();
      case YAML_SCALAR_EVENT:
        tree.place(scalar_node(event.get()), event->data.scalar.anchor, event->start_mark);
        break;
      case YAML_SEQUENCE_START_EVENT: {
        const auto& start = event->data.sequence_start;
        tree.open(collection_node(YAML::NodeType::Sequence, start.tag, start.style == YAML_FLOW_SEQUENCE_STYLE),
                  start.anchor, event->start_mark);
        break;
      }
      case YAML_MAPPING_START_EVENT: {
        const auto& start = event->data.mapping_start;
        tree.open(collection_node(YAML::NodeType::Map, start.tag, start.style == YAML_FLOW_MAPPING_STYLE),
                  start.anchor, event->start_mark);
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        tree.close();
        break;
      case YAML_ALIAS_EVENT:
        tree.add(tree.alias(event->data.alias.anchor, event->start_mark));
        break;
      default:  // stream start, and the no-event libyaml never hands out
        break;
    }
  }
}

}  // namespace agenthost::config
