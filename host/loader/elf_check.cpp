#include "loader/elf_check.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "control/unique_fd.hpp"

namespace agenthost::loader {
namespace {

// All `size` bytes at `offset`, or false. Plain POSIX reads: an ifstream would fill an 8 KiB
// buffer to give us 64 bytes, and this runs for every plugin file a host loads (a thousand at
// start-up, in the benchmark).
bool read_at(int fd, void* into, std::size_t size, std::uint64_t offset) {
  auto* out = static_cast<char*>(into);
  while (size > 0) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

std::optional<std::string> check_complete_elf(const std::filesystem::path& path) {
  const control::UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!file || ::fstat(file.get(), &st) != 0)
    return fmt::format("cannot read it: {}", std::strerror(errno));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  Elf64_Ehdr header{};
  if (!read_at(file.get(), &header, sizeof header, 0))
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
  if (header.e_phnum > 0 && header.e_phentsize != sizeof(Elf64_Phdr))
    return fmt::format("unreadable program headers (entries of {} bytes)", header.e_phentsize);
  // Within the file (checked above), so at most its size.
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  if (!read_at(file.get(), segments.data(), segments.size() * sizeof(Elf64_Phdr), header.e_phoff))
    return std::string("unreadable program headers");
  for (const auto& segment : segments) {
    if (segment.p_type != PT_LOAD) continue;
    if (auto t = truncated("loaded segments", segment.p_offset + segment.p_filesz)) return t;
  }
  return std::nullopt;
}

}  // namespace agenthost::loader
