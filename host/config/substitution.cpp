#include "config/substitution.hpp"

#include <cctype>

#include <fmt/format.h>

namespace agenthost::config {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> reference_spans(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '$') continue;
    if (text[i + 1] == '$') { ++i; continue; }
    if (text[i + 1] != '{') continue;
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) break;
    spans.emplace_back(i, close + 1);
    i = close;
  }
  return spans;
}

std::optional<std::string> substitute(std::string_view text, const SourceLocation& where,
                                      const Environment& env, Diagnostics& diags,
                                      std::vector<Substitution>& done) {
  std::string out;
  out.reserve(text.size());
  bool ok = true;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size() || (text[i + 1] != '$' && text[i + 1] != '{')) {
      out.push_back(c);  // a lone '$' stays: "cost: 5$" needs no escaping
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      diags.error(where, fmt::format("unterminated '${{' in '{}' (close it with '}}', or write $$ for a "
                                     "literal '$')", text));
      return std::nullopt;
    }
    const std::string_view body = text.substr(i + 2, close - i - 2);
    i = close + 1;

    // Split NAME[:-default | :?message | -default | ?message].
    std::size_t op = body.find_first_of(":-?");
    const std::string name(body.substr(0, op));
    std::string_view kind, arg;
    if (op != std::string_view::npos) {
      const std::size_t arg_at = body[op] == ':' ? op + 2 : op + 1;
      kind = body.substr(op, arg_at - op);
      arg = arg_at <= body.size() ? body.substr(arg_at) : std::string_view();
      if (kind != ":-" && kind != ":?" && kind != "-" && kind != "?") {
        diags.error(where, fmt::format("malformed reference '${{{}}}' (write ${{VAR}}, ${{VAR:-default}} "
                                       "or ${{VAR:?message}})", body));
        ok = false;
        continue;
      }
    }
    if (!valid_name(name)) {
      diags.error(where, fmt::format("'{}' is not a valid variable name in '${{{}}}' (use letters, "
                                     "digits and '_')", name, body));
      ok = false;
      continue;
    }
    const std::optional<std::string> value = env ? env(name) : std::nullopt;
    // ":-" and ":?" treat an empty variable as unset, like the shell.
    const bool colon = !kind.empty() && kind.front() == ':';
    const bool usable = value && !(colon && value->empty());
    if (usable) {
      out += *value;
      done.push_back({where, name, *value, false});
    } else if (kind.ends_with("-")) {
      out += arg;
      done.push_back({where, name, std::string(arg), true});
    } else if (kind.ends_with("?")) {
      diags.error(where, fmt::format("environment variable '{}' is not set: {}", name,
                                     arg.empty() ? "it is required" : arg));
      ok = false;
    } else {
      diags.error(where, fmt::format("environment variable '{}' is not set (set it, or write "
                                     "${{{}:-default}})", name, name));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace agenthost::config
