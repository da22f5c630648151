#pragma once
// AGENTHOST_AGENT(Type): makes a shared library an agenthost plugin.
//
// Put it once in one .cpp file of the plugin, after the definition of `Type` (a class
// derived from agenthost::Agent with a public default constructor):
//
//   class Echo : public agenthost::Agent { ... };
//   AGENTHOST_AGENT(Echo)
//
// It exports two symbols, read by the host with Boost.DLL:
//   agenthost_create_agent   the factory (a Boost.DLL alias): returns a new Type; the host
//                            owns the object and deletes it before it unloads the library.
//   agenthost_plugin_abi     the API version and the build signature of the libraries
//                            whose types cross the boundary (spdlog, fmt, yaml-cpp, the C++
//                            ABI). The host refuses a plugin whose API major version or
//                            signature differs from its own, naming the file and both.
// Build the plugin with agenthost_add_plugin() (CMake), which sets hidden visibility and
// -fno-gnu-unique so that the library can be unloaded and reloaded.

#include <cstdint>

#include <boost/dll/alias.hpp>

#include "agenthost/abi.hpp"
#include "agenthost/agent.hpp"

#define AGENTHOST_AGENT(Type)                                                        \
  extern "C" BOOST_SYMBOL_EXPORT const ::agenthost::PluginAbi agenthost_plugin_abi = \
      ::agenthost::PluginAbi::current();                                             \
  namespace {                                                                        \
  ::agenthost::Agent* agenthost_create_agent_impl() { return new Type(); }           \
  }                                                                                  \
  BOOST_DLL_ALIAS(agenthost_create_agent_impl, agenthost_create_agent)
