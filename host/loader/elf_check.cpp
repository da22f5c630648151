#include "loader/elf_check.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace agenthost::loader {

std::optional<std::string> check_complete_elf(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fmt::format("cannot read its size: {}", ec.message());
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header))
    return fmt::format("not an ELF shared library ({} bytes; truncated?)", size);
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return std::string("not an ELF file");
  if (header.e_ident[EI_CLASS] != ELFCLASS64) return std::string("not a 64-bit ELF file");
  const auto truncated = [&](const char* what, std::uint64_t end) -> std::optional<std::string> {
    if (end <= size) return std::nullopt;
    return fmt::format("truncated: its {} end at byte {}, the file has {} (still being copied?)", what, end, size);
  };
  if (auto t = truncated("section headers", header.e_shoff + std::uint64_t{header.e_shnum} * header.e_shentsize))
    return t;
  if (auto t = truncated("program headers", header.e_phoff + std::uint64_t{header.e_phnum} * header.e_phentsize))
    return t;
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  for (int i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment{};
    if (!in.read(reinterpret_cast<char*>(&segment), sizeof segment)) return std::string("unreadable program headers");
    if (segment.p_type != PT_LOAD) continue;
    if (auto t = truncated("loaded segments", segment.p_offset + segment.p_filesz)) return t;
  }
  return std::nullopt;
}

}  // namespace agenthost::loader
