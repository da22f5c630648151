// wrong_api: a well-formed plugin built against a future, incompatible plugin API (major
// version + 1). The host must refuse to load it, naming the file and both versions, before it
// calls the factory.
//
// The two exports of AGENTHOST_AGENT (export.hpp) are written out by hand here, because the
// macro always stamps the current version.

#include <boost/dll/alias.hpp>

#include <agenthost/agenthost.hpp>

namespace {

class WrongApi final : public agenthost::Agent {
 public:
  void configure(agenthost::AgentContext&) override {}
  void start() override {}
  void stop() override {}
  agenthost::Health health() override { return agenthost::Health::healthy(); }
};

constexpr agenthost::PluginAbi wrong_abi() noexcept {
  agenthost::PluginAbi abi = agenthost::PluginAbi::current();
  abi.api_major = AGENTHOST_API_VERSION_MAJOR + 1;
  return abi;
}

agenthost::Agent* create_wrong_api_agent() { return new WrongApi(); }

}  // namespace

extern "C" BOOST_SYMBOL_EXPORT const agenthost::PluginAbi agenthost_plugin_abi = wrong_abi();

BOOST_DLL_ALIAS(create_wrong_api_agent, agenthost_create_agent)
