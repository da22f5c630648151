#include "config/diagnostic_order.hpp"

#include <algorithm>
#include <tuple>

namespace agenthost::config {

std::vector<Diagnostic> sorted_by_position(const Diagnostics& diagnostics,
                                           const std::vector<std::string>& file_order) {
  auto key = [&](const Diagnostic& d) {
    // Files not in the list (none today) go last, in name order.
    const auto it = std::find(file_order.begin(), file_order.end(), d.where.file);
    return std::make_tuple(static_cast<std::size_t>(it - file_order.begin()), std::cref(d.where.file),
                           d.where.line == 0 ? 1 : 0, d.where.line, d.where.column);
  };
  std::vector<Diagnostic> out = diagnostics.items();
  std::stable_sort(out.begin(), out.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  return out;
}

}  // namespace agenthost::config
