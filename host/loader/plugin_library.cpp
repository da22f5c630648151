#include "loader/plugin_library.hpp"

#include <fmt/format.h>

#include <boost/dll/shared_library_load_mode.hpp>

#include "loader/elf_check.hpp"
#include "loader/plugin_permissions.hpp"

namespace agenthost::loader {
namespace {

constexpr const char* kAbiSymbol = "agenthost_plugin_abi";
constexpr const char* kFactorySymbol = "agenthost_create_agent";

bool same_build_signature(const PluginAbi& plugin, const PluginAbi& host) {
  return plugin.spdlog_version == host.spdlog_version && plugin.fmt_version == host.fmt_version &&
         plugin.cxx_abi_version == host.cxx_abi_version &&
         (plugin.api_minor < 1 || plugin.zmq_version == host.zmq_version);
}

// Reads only the fields the plugin's API minor has: the record of an older plugin is shorter.
PluginAbi read_abi(const PluginAbi& exported) {
  PluginAbi abi{exported.api_major,      exported.api_minor,       exported.spdlog_version,
                exported.fmt_version,    exported.cxx_abi_version, 0};
  if (abi.api_major == AGENTHOST_API_VERSION_MAJOR && abi.api_minor >= 1) {
    abi.zmq_version = exported.zmq_version;
  }
  return abi;
}

}  // namespace

std::string describe_abi(const PluginAbi& abi) {
  return fmt::format("{}.{} (spdlog {}.{}.{}, fmt {}, C++ ABI {}, ZeroMQ {}.{}.{})", abi.api_major,
                     abi.api_minor, abi.spdlog_version / 10000, abi.spdlog_version / 100 % 100,
                     abi.spdlog_version % 100, abi.fmt_version, abi.cxx_abi_version,
                     abi.zmq_version / 10000, abi.zmq_version / 100 % 100, abi.zmq_version % 100);
}

std::variant<std::shared_ptr<PluginLibrary>, std::string> PluginLibrary::load(
    const std::filesystem::path& path) {
  std::shared_ptr<PluginLibrary> plugin(new PluginLibrary());
  plugin->path_ = path;

  if (auto problem = unsafe_plugin_permissions(path)) return *problem;
  if (auto problem = check_complete_elf(path)) {
    return fmt::format("cannot load {}: {} (a plugin must be a whole shared library built with "
                       "agenthost_add_plugin())",
                       path.string(), *problem);
  }
  // RTLD_LOCAL keeps one plugin's symbols from resolving another's; RTLD_NOW reports a
  // missing symbol here, not in the middle of a request.
  try {
    // The throwing overload: its message carries dlerror()'s text (the missing symbol, the
    // wrong ELF class), which the error_code overload loses.
    plugin->library_.load(path,
                          boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return fmt::format("cannot load {}: {}", path.string(), e.what());
  }
  if (!plugin->library_.has(kAbiSymbol) || !plugin->library_.has(kFactorySymbol)) {
    return fmt::format(
        "{} is not an agenthost plugin: it exports no {} / {} symbols (declare the agent with "
        "AGENTHOST_AGENT(Type) and build it with agenthost_add_plugin())",
        path.string(), kAbiSymbol, kFactorySymbol);
  }
  plugin->abi_ = read_abi(plugin->library_.get<const PluginAbi>(kAbiSymbol));
  const PluginAbi host = PluginAbi::current();
  if (plugin->abi_.api_major != host.api_major) {
    return fmt::format(
        "{} was built for plugin API {}.{}, this host implements API {}.{} (rebuild the plugin "
        "against agenthost-dev {}.x)",
        path.string(), plugin->abi_.api_major, plugin->abi_.api_minor, host.api_major,
        host.api_minor, host.api_major);
  }
  if (plugin->abi_.api_minor > host.api_minor) {
    return fmt::format(
        "{} needs plugin API {}.{}, this host implements API {}.{} (upgrade agenthost, or build "
        "the plugin against the agenthost-dev of this host)",
        path.string(), plugin->abi_.api_major, plugin->abi_.api_minor, host.api_major,
        host.api_minor);
  }
  if (!same_build_signature(plugin->abi_, host)) {
    return fmt::format(
        "{} was built with {}, this host with {}: the libraries whose types cross the plugin "
        "boundary differ (rebuild the plugin on this system)",
        path.string(), describe_abi(plugin->abi_), describe_abi(host));
  }
  plugin->factory_ = plugin->library_.get_alias<AgentFactory>(kFactorySymbol);
  return plugin;
}

std::unique_ptr<Agent> PluginLibrary::create_agent() const {
  std::unique_ptr<Agent> agent(factory_());
  if (!agent) throw std::runtime_error("the factory returned no agent");
  return agent;
}

}  // namespace agenthost::loader
