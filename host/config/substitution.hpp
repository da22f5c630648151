#pragma once
// ${VAR}, ${VAR:-default}, ${VAR:?message} and $$ inside one scalar, as in a POSIX shell.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_loader.hpp"
#include "config/config_model.hpp"
#include "config/diagnostic.hpp"

namespace agenthost::config {

// Replaces every reference in `text`. Each replacement is appended to `done` (at `where`,
// the scalar's position). Returns std::nullopt after adding an error to `diags` when a
// variable is unset without a default, or the text is malformed; every problem of the
// scalar is reported, not just the first.
std::optional<std::string> substitute(std::string_view text, const SourceLocation& where,
                                      const Environment& env, Diagnostics& diags,
                                      std::vector<Substitution>& done);

// Byte ranges [begin, end) of the ${...} references in `text` (for telling a literal written
// as a default from one written in the open).
std::vector<std::pair<std::size_t, std::size_t>> reference_spans(std::string_view text);

}  // namespace agenthost::config
