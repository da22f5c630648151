#pragma once
// One loaded plugin file: the library handle, its checked ABI record and its factory.
//
// Ownership rule (as in ROS 2 class_loader): the library must outlive every object and
// callback made from it. Objects hold a shared_ptr<PluginLibrary>; the library is unloaded
// when the last of them is gone.

#include <filesystem>
#include <memory>
#include <string>
#include <variant>

#include <boost/dll/shared_library.hpp>

#include "agenthost/abi.hpp"
#include "agenthost/agent.hpp"

namespace agenthost::loader {

class PluginLibrary {
 public:
  // Loads and checks `path`. On failure returns a message that names the file and says
  // what to do; never throws.
  static std::variant<std::shared_ptr<PluginLibrary>, std::string> load(
      const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const PluginAbi& abi() const { return abi_; }

  // A new agent from the plugin's factory. Throws whatever the factory throws.
  std::unique_ptr<Agent> create_agent() const;

 private:
  PluginLibrary() = default;

  std::filesystem::path path_;
  boost::dll::shared_library library_;
  PluginAbi abi_{};
  AgentFactory* factory_ = nullptr;
};

// "1.0 (spdlog 1.10.0, fmt 90100, C++ ABI 1017)"
std::string describe_abi(const PluginAbi& abi);

}  // namespace agenthost::loader
