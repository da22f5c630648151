#include "control/text_table.hpp"

#include <algorithm>

namespace agenthost::control {

std::string paint(std::string_view text, Tone tone, bool color) {
  if (!color || tone == Tone::plain || text.empty()) return std::string(text);
  std::string_view code;
  switch (tone) {
    case Tone::good: code = "\x1b[32m"; break;
    case Tone::warning: code = "\x1b[33m"; break;
    case Tone::bad: code = "\x1b[1;31m"; break;
    case Tone::dim: code = "\x1b[2m"; break;
    case Tone::plain: break;
  }
  std::string out;
  out.reserve(code.size() + text.size() + 4);
  out.append(code).append(text).append("\x1b[0m");
  return out;
}

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  }));
}

TextTable::TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void TextTable::add_row(std::vector<Cell> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

std::string TextTable::render(bool color) const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = display_width(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], display_width(row[c].text));
  }

  std::string out;
  auto emit_line = [&](auto&& cell_at) {
    std::string line;
    for (std::size_t c = 0; c < headers_.size(); ++c) {
      const Cell cell = cell_at(c);
      line += paint(cell.text, cell.tone, color);
      if (c + 1 < headers_.size()) line.append(widths[c] - display_width(cell.text) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  emit_line([&](std::size_t c) { return Cell(headers_[c], color ? Tone::dim : Tone::plain); });
  for (const auto& row : rows_) emit_line([&](std::size_t c) { return row[c]; });
  return out;
}

}  // namespace agenthost::control
