#pragma once
// A plain-text table with aligned columns for agentctl, optionally with ANSI colours. Widths
// are computed on the visible text, so colouring a cell never breaks the alignment.

#include <string>
#include <string_view>
#include <vector>

namespace agenthost::control {

enum class Tone { plain, good, warning, bad, dim };

struct Cell {
  Cell(std::string cell_text = {}, Tone cell_tone = Tone::plain)
      : text(std::move(cell_text)), tone(cell_tone) {}
  Cell(const char* cell_text, Tone cell_tone = Tone::plain) : text(cell_text), tone(cell_tone) {}
  std::string text;
  Tone tone;
};

// `text` wrapped in the colour for `tone` when `color`, else unchanged.
std::string paint(std::string_view text, Tone tone, bool color);

// Visible width of UTF-8 text (code points; good enough for names and messages).
std::size_t display_width(std::string_view text);

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers);

  void add_row(std::vector<Cell> row);  // missing cells are empty, extra ones dropped
  bool empty() const noexcept { return rows_.empty(); }

  // Columns separated by two spaces; the last column is not padded (it holds long text).
  // Every line ends with '\n'.
  std::string render(bool color) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace agenthost::control
