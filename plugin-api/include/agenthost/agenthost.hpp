#pragma once
// The one header a plugin includes.
#include "agenthost/agent.hpp"
#include "agenthost/agent_context.hpp"
#include "agenthost/dependency_event.hpp"
#include "agenthost/errors.hpp"
#include "agenthost/export.hpp"
#include "agenthost/health.hpp"
#include "agenthost/version.hpp"
