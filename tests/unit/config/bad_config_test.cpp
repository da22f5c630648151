// Each tests/data/bad/NAME.yaml must produce exactly the diagnostics in NAME.expected
// (load_config_text followed by check_cluster without the plugin search).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_checker.hpp"
#include "config/config_loader.hpp"
#include "config/diagnostic_order.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

namespace fs = std::filesystem;

const fs::path kBadDir = fs::path(AGENTHOST_TEST_DATA_DIR) / "bad";

std::vector<std::string> bad_configs() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kBadDir))
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class BadConfigTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BadConfigTest, ProducesTheExpectedDiagnostics) {
  // Loaded from text under its bare file name, so that messages are short and stable.
  const auto env = testing::fake_env({{"SET_PORT", "7100"}});
  auto loaded = load_config_text(read(kBadDir / (GetParam() + ".yaml")), GetParam() + ".yaml", env);
  Diagnostics all = loaded.diagnostics;
  all.append(check_cluster(loaded.config, {.strict = false, .check_plugins = false}));
  std::string text;
  for (const auto& d : sorted_by_position(all, loaded.config.files)) text += d.format() + "\n";
  EXPECT_EQ(text, read(kBadDir / (GetParam() + ".expected")));
}

INSTANTIATE_TEST_SUITE_P(Data, BadConfigTest, ::testing::ValuesIn(bad_configs()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace agenthost::config
