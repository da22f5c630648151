#include "observability/host_logging.hpp"

#include <memory>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "observability/json_log_formatter.hpp"

namespace agenthost::observability {

void use_log_format(spdlog::sinks::sink& sink, LogFormat format) {
  // The color sink colors only the range the pattern marks with %^...%$; the json formatter
  // marks none, so its lines carry no escape codes.
  if (format == LogFormat::json)
    sink.set_formatter(std::make_unique<JsonLogFormatter>());
  else
    sink.set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v"));
}

spdlog::sink_ptr set_up_host_logging(LogLevel level, LogFormat format) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  use_log_format(*sink, format);
  auto logger = std::make_shared<spdlog::logger>(std::string(kHostLoggerName), sink);
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return sink;
}

}  // namespace agenthost::observability
