#pragma once
// "did you mean ...?" for misspelled keys, agent names and enum values.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agenthost::config {

// Levenshtein distance counting a swap of neighbours as one edit, case-insensitive (a key typed with the wrong case is still a typo).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "did you mean 'x'?" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "a or b", "a, b or c": the values a setting accepts, for "use ...".
std::string alternatives(const std::vector<std::string>& names);

}  // namespace agenthost::config
