#pragma once
// The order problems are shown in: by file (in load order), then line, then column; a
// problem without a line (a whole file) after that file's positioned ones.

#include <string>
#include <vector>

#include "config/diagnostic.hpp"

namespace agenthost::config {

std::vector<Diagnostic> sorted_by_position(const Diagnostics& diagnostics,
                                           const std::vector<std::string>& file_order);

}  // namespace agenthost::config
