#pragma once
// A temporary folder for one test (configs, the control socket), removed afterwards. Short
// paths under /tmp: a Unix socket path must fit in 108 bytes.

#include <filesystem>
#include <string>

namespace agenthost::testing {

class TestDir {
 public:
  TestDir();
  ~TestDir();
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `text` to `name` and returns its path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

}  // namespace agenthost::testing
