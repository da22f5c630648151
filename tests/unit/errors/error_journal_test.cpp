#include "errors/error_journal.hpp"

#include <gtest/gtest.h>

namespace agenthost::errors {
namespace {

ErrorEvent event(std::string agent, Severity severity, std::string message) {
  ErrorEvent e;
  e.agent = std::move(agent);
  e.severity = severity;
  e.message = std::move(message);
  return e;
}

std::vector<std::string> messages(const ErrorQueryResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events) out.push_back(e.message);
  return out;
}

TEST(ErrorJournal, NumbersEventsFromOneAndKeepsTheNewestCapacity) {
  ErrorJournal journal(3);
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(journal.add(event("a", Severity::error, std::to_string(i))).seq, i);
  auto all = journal.query({});
  EXPECT_EQ(messages(all), (std::vector<std::string>{"3", "4", "5"}));
  EXPECT_EQ(all.last_seq, 5u);
  EXPECT_EQ(all.missed, 2u) << "events 1 and 2 are no longer kept";
}

TEST(ErrorJournal, FiltersByAgentSeverityAndSequenceAndLimitsToTheNewest) {
  ErrorJournal journal(100);
  journal.add(event("a", Severity::info, "a-info"));
  journal.add(event("b", Severity::warning, "b-warning"));
  journal.add(event("a", Severity::critical, "a-critical"));
  journal.add(event("a", Severity::error, "a-error"));

  EXPECT_EQ(messages(journal.query({.agent = "a"})), (std::vector<std::string>{"a-info", "a-critical", "a-error"}));
  EXPECT_EQ(messages(journal.query({.min_severity = Severity::error})),
            (std::vector<std::string>{"a-critical", "a-error"}));
  EXPECT_EQ(messages(journal.query({.after_seq = 2})), (std::vector<std::string>{"a-critical", "a-error"}));
  EXPECT_EQ(messages(journal.query({.limit = 2})), (std::vector<std::string>{"a-critical", "a-error"}))
      << "the newest two, oldest first";
  auto none = journal.query({.after_seq = 4});
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.last_seq, 4u);
  EXPECT_EQ(none.missed, 0u);
}

TEST(ErrorJournal, AFollowerThatFellBehindLearnsHowManyItMissed) {
  ErrorJournal journal(2);
  for (int i = 0; i < 6; ++i) journal.add(event("a", Severity::error, std::to_string(i)));
  auto r = journal.query({.after_seq = 1});
  EXPECT_EQ(r.missed, 3u) << "seq 2, 3 and 4 were overwritten";
  EXPECT_EQ(r.events.size(), 2u);
}

}  // namespace
}  // namespace agenthost::errors
