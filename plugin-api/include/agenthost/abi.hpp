#pragma once
// The ABI record a plugin exports and the host compares with its own (see export.hpp).

#include <cstdint>

#include <fmt/core.h>
#include <spdlog/version.h>
#include <zmq.h>

#include "agenthost/version.hpp"

namespace agenthost {

class Agent;

// A plain struct with a fixed layout, so that any future host can read it from any plugin.
struct PluginAbi {
  std::uint32_t api_major;
  std::uint32_t api_minor;
  // Build signature: versions of the libraries whose types cross the plugin boundary.
  std::uint32_t spdlog_version;  // SPDLOG_VER_MAJOR*10000 + MINOR*100 + PATCH
  std::uint32_t fmt_version;     // FMT_VERSION
  std::uint32_t cxx_abi_version; // __GXX_ABI_VERSION
  // Since API 1.1 (fields are only ever appended; a host reads them when api_minor says so).
  std::uint32_t zmq_version;     // ZMQ_VERSION

  static constexpr PluginAbi current() noexcept {
    return {AGENTHOST_API_VERSION_MAJOR, AGENTHOST_API_VERSION_MINOR,
            SPDLOG_VER_MAJOR * 10000 + SPDLOG_VER_MINOR * 100 + SPDLOG_VER_PATCH, FMT_VERSION,
            __GXX_ABI_VERSION, ZMQ_VERSION};
  }
};

// The factory's signature: a new agent, owned by the caller.
using AgentFactory = Agent*();

}  // namespace agenthost
