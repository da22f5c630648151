#include "runtime/agent_status_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace agenthost::runtime {
namespace {

TEST(AgentStatusJson, PlainValuesAreWrittenAsTheyAre) {
  EXPECT_EQ(agent_status_json("VisionAgent", "ready", "healthy", ""),
            R"({"agent":"VisionAgent","state":"ready","health":"healthy","detail":""})");
}

TEST(AgentStatusJson, QuotesControlCharactersAndBrokenUtf8AreEscapedIntoValidJson) {
  const std::string detail = "camera \"front\" said:\n\tC:\\dev \xff\xfe gone";
  const auto json = nlohmann::json::parse(agent_status_json("Odd\"Name", "failed", "unhealthy", detail));
  EXPECT_EQ(json["agent"], "Odd\"Name");
  EXPECT_EQ(json["state"], "failed");
  EXPECT_EQ(json["health"], "unhealthy");
  EXPECT_EQ(json["detail"], "camera \"front\" said:\n\tC:\\dev \xEF\xBF\xBD\xEF\xBF\xBD gone");
}

TEST(AgentStatusJson, NonAsciiUtf8IsKept) {
  const auto json = nlohmann::json::parse(agent_status_json("Kamera", "ready", "degraded", "Überlast 90 %"));
  EXPECT_EQ(json["detail"], "Überlast 90 %");
}

}  // namespace
}  // namespace agenthost::runtime
