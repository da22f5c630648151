// Any bytes as a config file: the loader answers with a config or diagnostics, never a crash,
// a hang or an exception, and every diagnostic it gives has a position inside the text.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config_checker.hpp"
#include "config/config_loader.hpp"

namespace {

// A fixed environment: ${HOME} and ${PORT} set, anything else unset (defaults and errors).
std::optional<std::string> environment(const std::string& name) {
  if (name == "HOME") return std::string("/home/fuzz");
  if (name == "PORT") return std::string("7100");
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = agenthost::config::load_config_text(text, "fuzz.yaml", environment);
  for (const auto& d : loaded.diagnostics.items()) {
    (void)d.format();
    // Lines are 1-based and within the text (0 = the whole file).
    if (d.where.line < 0) std::abort();
  }
  if (loaded.ok()) {
    auto checked = agenthost::config::check_cluster(loaded.config, {.strict = true, .check_plugins = false});
    for (const auto& d : checked.items()) (void)d.format();
  }
  return 0;
}
