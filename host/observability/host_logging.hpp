#pragma once
// The host's logging on stderr: one sink that the host's own logger ("agenthost", spdlog's
// default logger) and every agent's logger write to, so that the format is chosen in one place.

#include <spdlog/common.h>

#include "observability/log_settings.hpp"

namespace agenthost::observability {

// Makes the host's logger the default logger, at `level`, writing `format`; returns the sink
// that agent loggers must share. Call once, before other threads log.
spdlog::sink_ptr set_up_host_logging(LogLevel level, LogFormat format);

// Switches `sink` to `format` (the config is read after logging is set up). Any thread.
void use_log_format(spdlog::sinks::sink& sink, LogFormat format);

}  // namespace agenthost::observability
