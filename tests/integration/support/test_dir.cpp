#include "support/test_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace agenthost::testing {

TestDir::TestDir() {
  char pattern[] = "/tmp/ah-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TestDir::~TestDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TestDir::write(const std::string& name, const std::string& text) const {
  auto p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
  return p.string();
}

}  // namespace agenthost::testing
