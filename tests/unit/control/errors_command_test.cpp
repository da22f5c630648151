#include "control/errors_command.hpp"

#include <gtest/gtest.h>

namespace agenthost::control {
namespace {

errors::ErrorQueryResult two_events(const errors::ErrorQuery& q, errors::ErrorQuery* seen) {
  *seen = q;
  errors::ErrorQueryResult r;
  errors::ErrorEvent local;
  local.seq = 7;
  local.time_ms = 1'795'000'000'000;
  local.machine = "main_pc";
  local.agent = "uplink";
  local.method = "send";
  local.severity = Severity::error;
  local.message = "handler threw: link down";
  errors::ErrorEvent remote = local;
  remote.seq = 8;
  remote.machine = "pc2";
  remote.agent = "SpeechAgent";
  remote.method = "";
  remote.severity = Severity::warning;
  remote.message = "slow";
  remote.fields = {{"ms", "900"}};
  remote.remote = true;
  r.events = {local, remote};
  r.last_seq = 8;
  return r;
}

TEST(ErrorsCommand, PassesTheFiltersAndAnswersTheEvents) {
  errors::ErrorQuery seen;
  auto answer = answer_errors({{"command", "errors"}, {"after", 3}, {"agent", "uplink"}, {"severity", "warning"},
                               {"limit", 10}},
                              "main_pc", [&](const errors::ErrorQuery& q) { return two_events(q, &seen); });
  EXPECT_EQ(seen.after_seq, 3u);
  EXPECT_EQ(seen.agent, "uplink");
  EXPECT_EQ(seen.min_severity, Severity::warning);
  EXPECT_EQ(seen.limit, 10u);
  EXPECT_EQ(answer.at("machine"), "main_pc");
  EXPECT_EQ(answer.at("last_seq"), 8);
  ASSERT_EQ(answer.at("events").size(), 2u);
  EXPECT_EQ(answer.at("events")[1].at("remote"), true);
  EXPECT_EQ(answer.at("events")[0].at("time"), "2026-11-18T11:06:40.000Z");
}

TEST(ErrorsCommand, RefusesBadFieldsWithAHint) {
  errors::ErrorQuery seen;
  auto query = [&](const errors::ErrorQuery& q) { return two_events(q, &seen); };
  auto bad_severity = answer_errors({{"command", "errors"}, {"severity", "fatal"}}, "m", query);
  EXPECT_EQ(bad_severity.at("ok"), false);
  EXPECT_EQ(bad_severity.at("error"), "errors: unknown severity \"fatal\" (use info, warning, error or critical)");
  EXPECT_EQ(answer_errors({{"command", "errors"}, {"after", -1}}, "m", query).at("ok"), false);
  EXPECT_EQ(answer_errors({{"command", "errors"}, {"limit", 0}}, "m", query).at("ok"), false);
}

TEST(ErrorsCommand, TheTableShowsWhereAnEventCameFromAndItsFields) {
  errors::ErrorQuery seen;
  auto answer = answer_errors({{"command", "errors"}}, "main_pc",
                              [&](const errors::ErrorQuery& q) { return two_events(q, &seen); });
  const std::string text = format_error_events(answer, true, {});
  EXPECT_EQ(text,
            "TIME                      SEVERITY  AGENT            METHOD  MESSAGE\n"
            "2026-11-18T11:06:40.000Z  error     uplink           send    handler threw: link down\n"
            "2026-11-18T11:06:40.000Z  warning   pc2/SpeechAgent          slow ms=900\n");
  const std::string rows = format_error_events(answer, false, {});
  EXPECT_EQ(rows.find("TIME"), std::string::npos) << "a follow-up has no header";
  answer["events"] = nlohmann::json::array();
  EXPECT_EQ(format_error_events(answer, true, {}), "no error events\n");
  EXPECT_EQ(format_error_events(answer, false, {}), "");
}

}  // namespace
}  // namespace agenthost::control
