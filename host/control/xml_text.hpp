#pragma once
// Text made safe for XML (SVG, later the /status page): escaping and shortening that never
// splits a UTF-8 character.

#include <cstddef>
#include <string>
#include <string_view>

namespace agenthost::control {

// `&<>"'` as entities; control characters XML 1.0 forbids (all below U+0020 but tab, newline
// and carriage return) as spaces. Usable in text and in attribute values.
std::string xml_escape(std::string_view text);

// `text` when it has at most `max_chars` characters (code points), else its first
// `max_chars - 1` characters and "…". Operates on unescaped text: escape afterwards.
std::string ellipsize(std::string_view text, std::size_t max_chars);

}  // namespace agenthost::control
