// The json log format: one object per line, the documented fields, escaping that survives any
// message an agent can log.

#include <unistd.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "observability/json_log_formatter.hpp"

namespace agenthost::observability {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// Formats one message the way a sink would.
std::string format_line(std::string_view logger, spdlog::level::level_enum level, std::string_view payload,
                        spdlog::log_clock::time_point time = spdlog::log_clock::now()) {
  const spdlog::details::log_msg msg(time, spdlog::source_loc{}, spdlog::string_view_t(logger.data(), logger.size()),
                                     level, spdlog::string_view_t(payload.data(), payload.size()));
  spdlog::memory_buf_t out;
  JsonLogFormatter().format(msg, out);
  return std::string(out.data(), out.size());
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(JsonLogFormatterTest, OneObjectWithTheDocumentedFieldsInOrder) {
  const auto time = sys_days{2026y / 11 / 27} + 5h + 32min + 29s + 594ms + 321us;
  const std::string line = format_line("uplink", spdlog::level::info, "connected", time);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_EQ(line, "{\"ts\":\"2026-11-27T05:32:29.594Z\",\"level\":\"info\",\"logger\":\"uplink\",\"msg\":"
                  "\"connected\",\"pid\":" +
                      std::to_string(::getpid()) + "}\n");
}

TEST(JsonLogFormatterTest, TimestampIsUtcAndTruncatedToMilliseconds) {
  // 999.999 ms must stay in its second, not round up to ".1000".
  const auto time = sys_days{1999y / 12 / 31} + 23h + 59min + 59s + 999999us;
  const auto parsed = nlohmann::json::parse(format_line("a", spdlog::level::info, "x", time));
  EXPECT_EQ(parsed.at("ts"), "1999-12-31T23:59:59.999Z");
  const auto now = nlohmann::json::parse(format_line("a", spdlog::level::info, "x"));
  EXPECT_TRUE(std::regex_match(now.at("ts").get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << now.dump();
}

TEST(JsonLogFormatterTest, LevelsUseTheConfigsNames) {
  const std::pair<spdlog::level::level_enum, const char*> levels[] = {
      {spdlog::level::trace, "trace"}, {spdlog::level::debug, "debug"}, {spdlog::level::warn, "warn"},
      {spdlog::level::err, "error"},   {spdlog::level::critical, "critical"}};
  for (const auto& [level, name] : levels)
    EXPECT_EQ(nlohmann::json::parse(format_line("a", level, "x")).at("level"), name);
}

TEST(JsonLogFormatterTest, EscapesWhatWouldBreakTheLine) {
  const std::string message = "say \"hi\" \\ path C:\\tmp\nsecond line\r\ttab \x01\x1f bell\a del\x7f ü → 日本";
  const std::string line = format_line("agent \"q\"\n", spdlog::level::warn, message);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "a raw newline splits the object: " << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  EXPECT_EQ(line.find('\x01'), std::string::npos) << line;
  EXPECT_NE(line.find("\\u0001"), std::string::npos) << line;
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed.at("msg"), message);
  EXPECT_EQ(parsed.at("logger"), "agent \"q\"\n");
}

TEST(JsonLogFormatterTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  const std::string message = std::string("bad \xff\xfe bytes, cut \xe2\x82 and ok \xe2\x82\xac");
  const std::string line = format_line("a", spdlog::level::info, message);
  const auto parsed = nlohmann::json::parse(line);  // throws on invalid UTF-8
  const std::string msg = parsed.at("msg").get<std::string>();
  EXPECT_EQ(msg.rfind("bad \xef\xbf\xbd", 0), 0u) << msg;
  EXPECT_NE(msg.find(" bytes, cut \xef\xbf\xbd"), std::string::npos) << msg;
  EXPECT_NE(msg.find("ok \xe2\x82\xac"), std::string::npos) << "valid UTF-8 kept: " << msg;
}

TEST(JsonLogFormatterTest, ALoggerWritesOneParsableObjectPerLine) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_formatter(JsonLogFormatter().clone());
  spdlog::logger logger("store", sink);  // not registered: like the host's agent loggers
  logger.set_level(spdlog::level::trace);
  logger.debug("first {}", 1);
  logger.info("multi\nline");
  logger.error("{}", "{\"looks\": \"like json\"}");
  const auto lines = split_lines(out.str());
  ASSERT_EQ(lines.size(), 3u) << out.str();
  const char* expected[][2] = {{"debug", "first 1"}, {"info", "multi\nline"}, {"error", "{\"looks\": \"like json\"}"}};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto parsed = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(parsed.at("logger"), "store");
    EXPECT_EQ(parsed.at("level"), expected[i][0]);
    EXPECT_EQ(parsed.at("msg"), expected[i][1]);
    EXPECT_EQ(parsed.at("pid"), ::getpid());
    EXPECT_EQ(parsed.size(), 5u) << lines[i];
  }
}

}  // namespace
}  // namespace agenthost::observability
